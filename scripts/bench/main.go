// Command bench measures the figures the ERP adapter and sync engine issues
// ask for. Each subcommand runs one measurement in its own process, so the
// peak RSS that scripts/bench/run.sh reads with /usr/bin/time -v belongs to
// that measurement alone, and prints one line starting with RESULT:
//
//	bench snapshot -state-driver sqlite -state-dsn /tmp/s.db -erp-dsn postgres://...
//	bench project -state /tmp/p.db -products 100000 -stores 10 -phase scratch
//	bench project -state /tmp/p.db -products 100000 -stores 10 -phase bump
//	bench push -stores 10 -products 1000 -changes 200 -latency 20ms -batch 100
//	LOADGEN_SECRET=s bench intake-server -state-driver sqlite -addr-file /tmp/addr   (with scripts/loadgen)
//	bench oversell -stores 10 -orders 100 -latency 20ms
//
// run.sh creates and drops the databases and prints the table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: bench snapshot|project|push|intake-server|oversell [flags]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	switch args[0] {
	case "snapshot":
		return runSnapshot(ctx, args[1:], log)
	case "project":
		return runProject(ctx, args[1:], log)
	case "push":
		return runPush(ctx, args[1:], log)
	case "intake-server":
		return runIntakeServer(ctx, args[1:], log)
	case "oversell":
		return runOversell(ctx, args[1:], log)
	default:
		return fmt.Errorf("unknown subcommand %q: use snapshot, project, push, intake-server or oversell", args[0])
	}
}

// profile starts a CPU profile into path when path is set; the returned
// function stops it.
func profile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

// maxRSSMB is the process's peak resident set so far, in MB.
func maxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KB
}

// result prints one RESULT line of key=value pairs.
func result(w io.Writer, kv ...any) {
	fmt.Fprint(w, "RESULT")
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case float64:
			fmt.Fprintf(w, " %s=%.3f", kv[i], v)
		default:
			fmt.Fprintf(w, " %s=%v", kv[i], v)
		}
	}
	fmt.Fprintf(w, " rss_mb=%.1f\n", maxRSSMB())
}

func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet("bench "+name, flag.ContinueOnError)
}
