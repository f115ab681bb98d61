package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/state"
)

// runPush measures issue 4 (b): stores on in-process memory shops with a
// fixed latency per API call; each change writes one stock level into the
// mirror, projects every store and pushes all stores in parallel. The time
// from the mirror write to the moment the last store's push run has
// acknowledged its items is one sample. -mode changed projects only the
// changed product and pushes only what changed; -mode all is the naive
// baseline that projects every product and pushes every item again.
func runPush(ctx context.Context, args []string, log *slog.Logger) error {
	fs := newFlags("push")
	products := fs.Int("products", 1000, "products in the ERP")
	nStores := fs.Int("stores", 10, "stores")
	changes := fs.Int("changes", 200, "stock changes to time")
	latency := fs.Duration("latency", 20*time.Millisecond, "latency of every shop API call")
	batch := fs.Int("batch", 100, "store batch size")
	mode := fs.String("mode", "changed", "changed (project and push what changed) or all (project every product and push every item every time)")
	dir := fs.String("dir", "", "directory for the SQLite state (default a new temporary one)")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the timed part to this file")
	label := fs.String("label", "", "name printed in the RESULT line (default push-MODE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mode != "changed" && *mode != "all" {
		return fmt.Errorf("bench push: -mode %q: use changed or all", *mode)
	}
	if *label == "" {
		*label = "push-" + *mode
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "erpbridge-bench-push-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	db, err := openState(ctx, filepath.Join(*dir, "state.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	src := &synthERP{products: *products}
	stores, shops, pushers, err := syncedStores(ctx, db, src, *nStores, *batch, log)
	if err != nil {
		return err
	}
	for _, s := range shops {
		s.SetLatency(*latency)
	}
	stopProf, err := profile(*cpu)
	if err != nil {
		return err
	}
	samples := make([]time.Duration, 0, *changes)
	var projectTotal time.Duration
	for c := range *changes {
		i := (c * 7919) % *products
		rec := stockLevel(i, warehouses[0], int64(1000+c))
		payload, err := catalog.Canonical(rec)
		if err != nil {
			return err
		}
		hash, err := catalog.Hash(catalog.KindStock, rec)
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := db.UpsertMirror(ctx, nil, []state.MirrorRecord{{Kind: string(catalog.KindStock), Key: rec.Key(), Hash: hash, Payload: payload}}); err != nil {
			return err
		}
		var po engine.ProjectOptions
		if *mode == "changed" {
			po.Only = &engine.ChangeSet{SKUs: map[string]struct{}{rec.SKU: {}}}
		}
		pt, _, err := projectAll(ctx, db, stores, po)
		if err != nil {
			return err
		}
		projectTotal += pt
		if *mode == "all" {
			for _, st := range stores {
				if _, err := db.ResetAcked(ctx, st.ID); err != nil {
					return err
				}
			}
		}
		pushed, err := pushAll(ctx, pushers)
		if err != nil {
			return err
		}
		if pushed < len(stores) {
			return fmt.Errorf("bench push: change %d reached %d items, want at least one per store", c, pushed)
		}
		samples = append(samples, time.Since(start))
	}
	stopProf()
	slices.Sort(samples)
	pct := func(p float64) float64 {
		idx := int(p*float64(len(samples)-1) + 0.5)
		return float64(samples[idx].Microseconds()) / 1000
	}
	result(os.Stdout, "figure", *label, "products", *products, "stores", *nStores, "changes", len(samples),
		"p50_ms", pct(0.50), "p99_ms", pct(0.99), "max_ms", pct(1),
		"project_ms_avg", float64(projectTotal.Microseconds())/1000/float64(len(samples)))
	return nil
}

// pushAll runs every store's pusher at once and returns how many items
// they pushed in all.
// syncedStores reads src into db and fills n memory shops (batch size
// batch) with a first sync, untimed and without latency; it returns the
// stores, their shops and their pushers.
func syncedStores(ctx context.Context, db *state.DB, src *synthERP, n, batch int, log *slog.Logger) ([]*engine.Store, []*memory.Shop, []*engine.Pusher, error) {
	if _, err := engine.Snapshot(ctx, db, src, engine.SnapshotOptions{MaxRemoveShare: decimal.RequireFromString("0.1"), Logger: log}); err != nil {
		return nil, nil, nil, err
	}
	stores, shops, err := benchStores(n, batch)
	if err != nil {
		return nil, nil, nil, err
	}
	pushers := make([]*engine.Pusher, len(stores))
	for i, st := range stores {
		pushers[i] = engine.NewPusher(db, st, engine.PusherOptions{Logger: log})
	}
	if _, _, err := projectAll(ctx, db, stores, engine.ProjectOptions{}); err != nil {
		return nil, nil, nil, err
	}
	if _, err := pushAll(ctx, pushers); err != nil {
		return nil, nil, nil, err
	}
	return stores, shops, pushers, nil
}

func pushAll(ctx context.Context, pushers []*engine.Pusher) (int, error) {
	var wg sync.WaitGroup
	sums := make([]engine.PushSummary, len(pushers))
	errs := make([]error, len(pushers))
	for i, p := range pushers {
		wg.Go(func() { sums[i], errs[i] = p.Run(ctx) })
	}
	wg.Wait()
	n := 0
	for _, s := range sums {
		n += s.Pushed
		if s.Failed > 0 || s.Parked > 0 {
			errs = append(errs, fmt.Errorf("bench: store %s: %d failed, %d parked: %v", s.Store, s.Failed, s.Parked, s.Reasons))
		}
	}
	return n, errors.Join(errs...)
}
