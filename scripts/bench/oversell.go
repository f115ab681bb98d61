package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/orders"
)

// stagingERP is the synthetic ERP that also takes orders into staging.
type stagingERP struct {
	*synthERP
	staged atomic.Int64
}

func (s *stagingERP) Features() erp.Features { return erp.Features{Orders: true} }

func (s *stagingERP) WriteOrder(context.Context, catalog.Order) (erp.StagingRef, error) {
	return erp.StagingRef{ID: strconv.FormatInt(s.staged.Add(1), 10), Created: true}, nil
}

// runOversell measures issue 6's oversell reaction: stores on in-process
// memory shops with a fixed latency per API call, the engine's Runner (push
// jobs started only by its Nudge) and the order pipeline's Runner, wired as
// the hub wires them (OnReserved nudges the engine). One sample is the time
// from a signed webhook delivery of a new order at the first store to the
// moment every other store's shop shows the order's SKU with lower stock.
// Orders go one at a time, each on another SKU, so that samples do not
// overlap.
func runOversell(ctx context.Context, args []string, log *slog.Logger) error {
	fs := newFlags("oversell")
	products := fs.Int("products", 1000, "products in the ERP")
	nStores := fs.Int("stores", 10, "stores (the order's store and the others)")
	n := fs.Int("orders", 100, "orders to time")
	latency := fs.Duration("latency", 20*time.Millisecond, "latency of every shop API call")
	batch := fs.Int("batch", 100, "store batch size")
	timeout := fs.Duration("timeout", 30*time.Second, "longest wait for one order's stock to reach every store")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the timed part to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nStores < 2 || *n < 1 || *n > *products {
		return errors.New("bench oversell: need at least 2 stores and 1 to -products orders")
	}
	dir, err := os.MkdirTemp("", "erpbridge-bench-oversell-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := openState(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	src := &stagingERP{synthERP: &synthERP{products: *products}}
	stores, shops, _, err := syncedStores(ctx, db, src.synthERP, *nStores, *batch, log)
	if err != nil {
		return err
	}

	// Orders arrive at the first store, whose adapter verifies webhooks.
	const secret = "bench-oversell"
	shops[0].SetWebhookSecret(secret)
	in, err := memory.New(stores[0].ID, shops[0], memory.DefaultConnection(), memory.Credentials{WebhookSecret: secret}, log)
	if err != nil {
		return err
	}
	hour := config.Schedule{Every: time.Hour}
	eng := &engine.Runner{DB: db, ERP: src.synthERP, Stores: stores, Log: log, Schedules: config.Schedules{Push: hour},
		MaxRemoveShare: decimal.RequireFromString("0.1")}
	svc := &orders.Service{DB: db, ERP: src, Log: log, OnReserved: func(context.Context) { eng.Nudge() },
		Stores: map[string]*orders.Store{stores[0].ID: {ID: stores[0].ID, Adapter: in}}}
	ord := &orders.Runner{Service: svc, ProcessEvery: time.Hour}
	if err := eng.Start(); err != nil {
		return err
	}
	defer func() { _ = eng.Stop() }()
	if err := ord.Start(); err != nil {
		return err
	}
	defer func() { _ = ord.Stop() }()
	for _, s := range shops {
		s.SetLatency(*latency)
	}

	stopProf, err := profile(*cpu)
	if err != nil {
		return err
	}
	samples := make([]time.Duration, 0, *n)
	for i := range *n {
		sku := sku((i * 7919) % *products)
		before := make([]decimal.Decimal, len(shops))
		for k, s := range shops[1:] {
			q, err := shopStock(s, sku)
			if err != nil {
				return err
			}
			before[k+1] = q
		}
		id, err := shops[0].PlaceOrder(ctx, memory.OrderSpec{
			Lines:    []memory.LineSpec{{SKU: sku, Quantity: decimal.NewFromInt(1)}},
			Customer: catalog.Customer{Kind: catalog.CustomerPerson, Email: fmt.Sprintf("buyer%d@example.com", i), FirstName: "Jan", LastName: "Nowak"},
		})
		if err != nil {
			return fmt.Errorf("bench oversell: order %d on %s: %w", i, sku, err)
		}
		h, body, err := shops[0].OrderWebhook(id)
		if err != nil {
			return err
		}
		start := time.Now()
		out, err := svc.Receive(ctx, stores[0].ID, h, body)
		if err != nil || out != orders.Stored {
			return fmt.Errorf("bench oversell: webhook of order %s: %v, %v", id, out, err)
		}
		if err := waitLower(ctx, shops[1:], before[1:], sku, *timeout); err != nil {
			return fmt.Errorf("bench oversell: order %d (%s): %w", i, sku, err)
		}
		samples = append(samples, time.Since(start))
	}
	stopProf()
	if staged := src.staged.Load(); staged != int64(*n) {
		return fmt.Errorf("bench oversell: %d orders staged, want %d", staged, *n)
	}
	slices.Sort(samples)
	pct := func(p float64) float64 {
		return float64(samples[int(p*float64(len(samples)-1)+0.5)].Microseconds()) / 1000
	}
	result(os.Stdout, "figure", "oversell", "products", *products, "stores", *nStores, "orders", len(samples),
		"latency_ms", float64(latency.Microseconds())/1000, "p50_ms", pct(0.50), "p99_ms", pct(0.99), "max_ms", pct(1))
	return nil
}

// shopStock is the stock shop shows for sku.
func shopStock(s *memory.Shop, sku string) (decimal.Decimal, error) {
	p, ok := s.Product(sku)
	if !ok || p.StockQuantity == nil {
		return decimal.Zero, fmt.Errorf("bench oversell: a shop has no stock for %s", sku)
	}
	return *p.StockQuantity, nil
}

// waitLower waits until every shop shows less stock of sku than before.
func waitLower(ctx context.Context, shops []*memory.Shop, before []decimal.Decimal, sku string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for k := 0; k < len(shops); {
		q, err := shopStock(shops[k], sku)
		if err != nil {
			return err
		}
		if q.LessThan(before[k]) {
			k++
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("store %d still shows %s (before the order: %s) after %s", k+1, q, before[k], timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Microsecond):
		}
	}
	return nil
}
