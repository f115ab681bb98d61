package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/engine"
)

// runProject measures issue 4 (a): -phase scratch reads the synthetic ERP
// into a new mirror and projects every store from nothing; -phase bump, on
// the same state file, changes 1% of the retail prices in the mirror and
// projects every store again, only the products the snapshot changed
// (-mode incremental) or all of them (-mode full). Only the projection is
// timed; the mirror write is reported apart.
func runProject(ctx context.Context, args []string, log *slog.Logger) error {
	fs := newFlags("project")
	path := fs.String("state", "", "SQLite state file (the bump phase reuses the scratch phase's)")
	products := fs.Int("products", 100000, "products in the ERP")
	nStores := fs.Int("stores", 10, "stores")
	phase := fs.String("phase", "scratch", "scratch or bump")
	mode := fs.String("mode", "incremental", "bump phase: incremental (project only the products the snapshot changed) or full (every product, the naive baseline)")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the projection to this file")
	label := fs.String("label", "", "name printed in the RESULT line (default project-PHASE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return fmt.Errorf("bench project: -state is required")
	}
	if *mode != "incremental" && *mode != "full" {
		return fmt.Errorf("bench project: -mode %q: use incremental or full", *mode)
	}
	if *label == "" {
		*label = "project-" + *phase
		if *phase == "bump" {
			*label += "-" + *mode
		}
	}
	src := &synthERP{products: *products, bump: 100}
	switch *phase {
	case "scratch":
		if _, err := os.Stat(*path); err == nil {
			return fmt.Errorf("bench project: %s exists; the scratch phase needs a new state file", *path)
		}
	case "bump":
		src.version = 1
	default:
		return fmt.Errorf("bench project: -phase %q: use scratch or bump", *phase)
	}
	db, err := openState(ctx, *path)
	if err != nil {
		return err
	}
	defer db.Close()
	stores, _, err := benchStores(*nStores, 100)
	if err != nil {
		return err
	}
	start := time.Now()
	snap, err := engine.Snapshot(ctx, db, src, engine.SnapshotOptions{MaxRemoveShare: decimal.RequireFromString("0.1"), Logger: log})
	if err != nil {
		return err
	}
	mirrorTook := time.Since(start)
	mirrorChanged := 0
	for _, k := range snap.Kinds {
		mirrorChanged += k.Added + k.Changed
	}
	stopProf, err := profile(*cpu)
	if err != nil {
		return err
	}
	var po engine.ProjectOptions
	if *phase == "bump" && *mode == "incremental" {
		po.Only = &snap.Changes
	}
	took, changed, err := projectAll(ctx, db, stores, po)
	stopProf()
	if err != nil {
		return err
	}
	result(os.Stdout, "figure", *label, "products", *products, "stores", *nStores, "mirror_changed", mirrorChanged,
		"mirror_seconds", mirrorTook.Seconds(), "items_changed", changed, "seconds", took.Seconds())
	return nil
}
