// Package cli is erpbridge's command line: one binary with subcommands. Main
// runs it in-process so tests exercise the same code a user does.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/logging"
)

// Exit codes, documented in the root command's help.
const (
	ExitOK      = 0 // the command did what was asked
	ExitFailure = 1 // it could not: bad config, unreachable database, ...
	ExitUsage   = 2 // the command line itself is wrong
)

const exitCodesHelp = `Exit codes:
  0  success
  1  the command failed (invalid config, unreachable database, ...)
  2  usage error (unknown command or flag, wrong arguments)`

// usageError marks an error in the command line itself.
type usageError struct{ error }

// app is the state shared by every command of one run.
type app struct {
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)

	configPath string
	logFormat  string
	logLevel   string

	// secrets of the loaded config, scrubbed from error output.
	secrets []string
	// erpType is the configured ERP adapter, for messages.
	erpType string
}

// Main runs erpbridge with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, lookupEnv: os.LookupEnv}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintf(stderr, "erpbridge: %v\nRun 'erpbridge --help' for usage.\n", err)
		return ExitUsage
	}
	var reported reportedError
	if !errors.As(err, &reported) {
		fmt.Fprintf(stderr, "erpbridge: %s\n", a.scrub(err.Error()))
	}
	return ExitFailure
}

// scrub replaces every secret of the loaded config in s: drivers may quote a
// DSN in an error.
func (a *app) scrub(s string) string {
	for _, secret := range a.secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, config.Redacted)
		}
	}
	return s
}

// reportedError is a failure whose details the command already printed.
type reportedError struct{ error }

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "erpbridge",
		Short: "Keep many shops in step with one ERP, and bring every order back exactly once",
		Long: `erpbridge is the hub between a company's ERP database and every shop it sells
through. It reads catalog, prices and stock from the ERP, keeps each shop in
step according to that shop's rules, collects every shop's orders into the ERP
exactly once, and sends status and tracking back.

Configuration is one YAML file: --config, or ERPBRIDGE_CONFIG, or ./erpbridge.yaml.

` + exitCodesHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "config file (default: $ERPBRIDGE_CONFIG, else erpbridge.yaml)")
	f.StringVar(&a.logFormat, "log-format", "", "log format: text or json (default: the config's log.format, else text)")
	f.StringVar(&a.logLevel, "log-level", "", "log level: debug, info, warn or error (default: the config's log.level, else info)")

	root.AddCommand(
		a.versionCommand(),
		a.configCommand(),
		a.migrateCommand(),
		a.serveCommand(),
		a.planCommand(),
		a.syncCommand(),
		a.erpCommand(),
		a.demoCommand(),
		a.ordersCommand(),
	)
	return root
}

// path returns the config file to use: an explicit argument, --config,
// $ERPBRIDGE_CONFIG, or erpbridge.yaml.
func (a *app) path(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	if a.configPath != "" {
		return a.configPath
	}
	if p, ok := a.lookupEnv("ERPBRIDGE_CONFIG"); ok && p != "" {
		return p
	}
	return "erpbridge.yaml"
}

// load reads and validates the config, printing every error when it is
// invalid.
func (a *app) load(args []string) (*config.Config, error) {
	path := a.path(args)
	cfg, err := config.Load(path)
	if err == nil {
		a.secrets = cfg.Secrets()
		return cfg, nil
	}
	var errs config.Errors
	if errors.As(err, &errs) {
		fmt.Fprintln(a.stderr, errs.Error())
		fmt.Fprintf(a.stderr, "%s: %d error(s); run 'erpbridge config check %s' after fixing them\n", path, len(errs), path)
		return nil, reportedError{err}
	}
	return nil, err
}

// logger builds the process logger: flags override the config's log section,
// and every secret in cfg is scrubbed from output.
func (a *app) logger(cfg *config.Config) (*slog.Logger, error) {
	o := logging.Options{Format: a.logFormat, Level: a.logLevel}
	if cfg != nil {
		if o.Format == "" {
			o.Format = cfg.Log.Format
		}
		if o.Level == "" {
			o.Level = cfg.Log.Level
		}
		o.Secrets = cfg.Secrets()
	}
	l, err := logging.New(a.stderr, o)
	if err != nil {
		return nil, usageError{err}
	}
	return l, nil
}
