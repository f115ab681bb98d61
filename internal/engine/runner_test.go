package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/state"
)

// TestRunnerIsolatesStores runs the schedules over two stores, one of which
// hangs on every call: the healthy store is brought in step while the broken
// one's push is still stuck, so a broken store never holds up the others.
// (No timing is asserted: the healthy store just has to finish first.)
func TestRunnerIsolatesStores(t *testing.T) {
	b := setup(t)
	stuck := memory.NewShop()
	stuckAdapter, err := memory.New("stuck", stuck, memory.DefaultConnection(), memory.Credentials{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	broken := *b.st
	broken.ID, broken.Adapter = "stuck", stuckAdapter
	stuck.FailNext(1000, memory.Fault{Kind: memory.FaultLatency, Delay: time.Hour})

	every := config.Schedule{Raw: "50ms", Every: 50 * time.Millisecond}
	r := &Runner{
		DB: b.db, ERP: b.erp, Stores: []*Store{&broken, b.st},
		Schedules:      config.Schedules{Snapshot: config.Schedule{Raw: "1h", Every: time.Hour}, Push: every},
		MaxRemoveShare: d("0.5"),
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := b.db.StoreItemCounts(t.Context(), "b2c")
		if err != nil {
			t.Fatal(err)
		}
		if c.Total > 0 && c.InSync == c.Total-c.Parked {
			break
		}
		if time.Now().After(deadline) {
			var errs []string
			_ = b.db.StreamStoreItems(t.Context(), "b2c", func(it state.StoreItem) error {
				if it.LastError != "" {
					errs = append(errs, it.Kind+" "+it.SKU+": "+it.LastError)
				}
				return nil
			})
			t.Fatalf("healthy store not in step while another store hangs: %+v\n%s", c, strings.Join(errs, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c, _ := b.db.StoreItemCounts(t.Context(), "stuck"); c.InSync != 0 || c.Total == 0 {
		t.Fatalf("stuck store: %+v (its push should still hang)", c)
	}
	if mug, ok := b.shop.Product("KUB-1"); !ok || !mug.Active {
		t.Fatalf("healthy shop lacks the mug: %+v", mug)
	}
	if err := r.Stop(); err != nil {
		t.Fatalf("Stop with a hanging push: %v", err)
	}
}

// TestNudgeLowersStockAtOnce: a hub reservation (an order accepted in one
// store) reaches the other stores' stock on a nudge, without waiting for
// the push schedule (here an hour).
func TestNudgeLowersStockAtOnce(t *testing.T) {
	b := setup(t)
	hour := config.Schedule{Raw: "1h", Every: time.Hour}
	r := &Runner{DB: b.db, ERP: b.erp, Stores: []*Store{b.st}, MaxRemoveShare: d("0.5"),
		Schedules: config.Schedules{Snapshot: hour, Push: hour}}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		eventually(t, what, ok, r.Nudge)
	}
	waitFor("the first push", func() bool {
		p, ok := b.shop.Product("KUB-1")
		return ok && p.StockQuantity != nil && p.StockQuantity.Equal(d("11"))
	})
	if err := b.db.Reserve(t.Context(), nil, "other-store", "order-1", []state.ReservationLine{{SKU: "KUB-1", Quantity: d("3")}}); err != nil {
		t.Fatal(err)
	}
	waitFor("the reservation in the shop's stock", func() bool {
		p, _ := b.shop.Product("KUB-1")
		return p.StockQuantity.Equal(d("8"))
	})
}

// TestPricesStockJob: the prices-stock schedule reads prices and stock alone
// and brings their changes to the shop; a product change waits for a
// snapshot (or a delta), since that job does not read products.
func TestPricesStockJob(t *testing.T) {
	b := setup(t)
	every := config.Schedule{Raw: "50ms", Every: 50 * time.Millisecond}
	r := &Runner{DB: b.db, ERP: b.erp, Stores: []*Store{b.st}, MaxRemoveShare: d("0.5"),
		Schedules: config.Schedules{Snapshot: config.Schedule{Raw: "1h", Every: time.Hour}, PricesStock: every, Push: every}}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Stop() }()
	waitShop := func(what string, ok func(memory.Product) bool) memory.Product {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mug, found := b.shop.Product("KUB-1")
			if found && ok(mug) {
				return mug
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the shop shows %+v", what, mug)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitShop("first sync", func(p memory.Product) bool { return p.RegularPrice != nil && p.RegularPrice.Equal(d("19.9")) })

	recs := catalogRecords("25.00")
	for i, rec := range recs {
		if p, ok := rec.(catalog.Product); ok && p.SKU == "KUB-1" {
			p.Name = "Kubek zielony"
			recs[i] = p
		}
	}
	b.erp.set(recs...)
	mug := waitShop("the new price", func(p memory.Product) bool { return p.RegularPrice.Equal(d("25")) })
	if mug.Name != "Kubek żółty" {
		t.Errorf("the prices-stock job brought a product change: name %q", mug.Name)
	}
}
