package cli

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/version"
)

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := "erpbridge " + version.Version
			if c := version.Commit(); c != "" {
				v += " (" + c + ")"
			}
			fmt.Fprintln(a.stdout, v, runtime.Version())
			return nil
		},
	}
}

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check or show the configuration",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a config file and print every error with its line",
		Long: `Validate a config file: YAML syntax, unknown keys, types, required fields,
adapter options, secrets (${ENV} and *_file), and cross-field rules. Every
error is printed as FILE:LINE:COLUMN: YAML.PATH: problem (fix: what to do).
Nothing is contacted: no database, no shop.

Exits 0 when the file is valid, 1 when it has errors.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := a.path(args)
			cfg, err := config.Load(path)
			if err != nil {
				var errs config.Errors
				if errors.As(err, &errs) {
					fmt.Fprintln(a.stdout, errs.Error())
					fmt.Fprintf(a.stdout, "%s: %d error(s)\n", path, len(errs))
					return reportedError{err}
				}
				return err
			}
			ids := make([]string, len(cfg.Stores))
			for i, s := range cfg.Stores {
				ids[i] = s.ID
			}
			fmt.Fprintf(a.stdout, "%s: OK (ERP %s/%s, %d store(s): %s)\n", path, cfg.ERP.Driver, cfg.ERP.Profile,
				len(cfg.Stores), strings.Join(ids, ", "))
			return nil
		},
	}
	var redacted bool
	show := &cobra.Command{
		Use:   "show [FILE]",
		Short: "Print the effective config (defaults filled in, secrets redacted)",
		Long: `Print the effective configuration as YAML: every default filled in, ${ENV}
values resolved, and every secret (DSNs, tokens, credentials) printed as
<redacted>. Secrets are never printed; --redacted is on and cannot be turned off.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !redacted {
				return usageError{errors.New("config show never prints secrets; drop --redacted=false")}
			}
			cfg, err := a.load(args)
			if err != nil {
				return err
			}
			out, err := cfg.Redacted()
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	show.Flags().BoolVar(&redacted, "redacted", true, "print secrets as <redacted> (always on)")
	cmd.AddCommand(check, show)
	return cmd
}

func (a *app) migrateCommand() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the hub state store's pending migrations",
		Long: `Create or upgrade the hub's own database (state.driver, state.dsn) by applying
the migrations embedded in this binary, in order, each in its own transaction.
'serve' does the same at start. --dry-run lists what would be applied.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(nil)
			if err != nil {
				return err
			}
			log, err := a.logger(cfg)
			if err != nil {
				return err
			}
			db, err := state.Open(cmd.Context(), cfg.State.Driver, cfg.State.DSN.Reveal(), log)
			if err != nil {
				return err
			}
			defer db.Close()
			if dryRun {
				pending, err := db.Pending(cmd.Context())
				if err != nil {
					return err
				}
				printList(a, "pending", pending)
				return nil
			}
			applied, err := db.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			printList(a, "applied", applied)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list pending migrations without applying them")
	return cmd
}

func printList(a *app, what string, names []string) {
	if len(names) == 0 {
		fmt.Fprintln(a.stdout, "state store is up to date")
		return
	}
	for _, n := range names {
		fmt.Fprintf(a.stdout, "%s %s\n", what, n)
	}
}
