package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/state"
)

// runSnapshot reads the ERP once into the mirror (issue 3), or with
// -query-only reads the ERP and throws the records away, which is the part
// of a read the database and the adapter take.
func runSnapshot(ctx context.Context, args []string, log *slog.Logger) error {
	fs := newFlags("snapshot")
	stateDriver := fs.String("state-driver", state.DriverSQLite, "hub state database: sqlite or postgres")
	stateDSN := fs.String("state-dsn", "", "hub state DSN (a file path for sqlite)")
	erpDriver := fs.String("erp-driver", "postgres", "ERP database driver")
	erpDSN := fs.String("erp-dsn", "", "ERP database DSN")
	prof := fs.String("profile", sqlerp.ProfileOptima, "ERP query profile")
	queryOnly := fs.Bool("query-only", false, "read the ERP without writing the mirror")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the read to this file")
	label := fs.String("label", "snapshot", "name printed in the RESULT line")
	kindList := fs.String("kinds", "", "comma-separated kinds to read (default every kind, as the Runner's snapshot does)")
	verbose := fs.Bool("v", false, "log each kind's ERP query and mirror merge with their times")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if *erpDSN == "" || (*stateDSN == "" && !*queryOnly) {
		return fmt.Errorf("bench snapshot: -erp-dsn and -state-dsn are required")
	}
	kinds := catalog.Kinds
	kindsName := "all"
	if *kindList != "" {
		kinds, kindsName = nil, *kindList
		for _, k := range strings.Split(*kindList, ",") {
			if !slices.Contains(catalog.Kinds, catalog.Kind(k)) {
				return fmt.Errorf("bench snapshot: -kinds: unknown kind %q (known: %v)", k, catalog.Kinds)
			}
			kinds = append(kinds, catalog.Kind(k))
		}
	}
	src, err := sqlerp.New(ctx, erp.Params{Driver: *erpDriver, DSN: *erpDSN, Profile: *prof, Logger: log, Options: &sqlerp.Options{}})
	if err != nil {
		return err
	}
	defer src.Close()
	stopProf, err := profile(*cpu)
	if err != nil {
		return err
	}
	if *queryOnly {
		start := time.Now()
		n := 0
		err := src.Snapshot(ctx, kinds, func(catalog.Record) error { n++; return nil })
		took := time.Since(start)
		stopProf()
		if err != nil {
			return err
		}
		result(os.Stdout, "figure", *label, "kinds", kindsName, "records", n, "seconds", took.Seconds(), "rows_per_s", float64(n)/took.Seconds())
		return nil
	}
	db, err := state.Open(ctx, *stateDriver, *stateDSN, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	sum, err := engine.Snapshot(ctx, db, src, engine.SnapshotOptions{Kinds: kinds, MaxRemoveShare: decimal.RequireFromString("0.1"), Logger: log})
	took := time.Since(start)
	stopProf()
	if err != nil {
		return err
	}
	var read, added, changed, removed int
	for _, k := range sum.Kinds {
		read += k.Read
		added += k.Added
		changed += k.Changed
		removed += k.Removed
	}
	result(os.Stdout, "figure", *label, "kinds", kindsName, "records", read, "added", added, "changed", changed, "removed", removed,
		"seconds", took.Seconds(), "rows_per_s", float64(read)/took.Seconds())
	return nil
}
