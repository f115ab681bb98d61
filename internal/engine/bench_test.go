package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/project"
	"github.com/erpbridge/erpbridge/internal/state"
)

// benchProductsEnv sets the catalog size of the engine benchmarks; the
// default keeps `go test -bench .` quick. scripts/bench/run.sh measures the
// issues' sizes.
const benchProductsEnv = "ERPBRIDGE_BENCH_PRODUCTS"

func benchProducts(b *testing.B) int {
	b.Helper()
	n := 1000
	if v := os.Getenv(benchProductsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("%s=%q: want a number of products, at least 100", benchProductsEnv, v)
		}
	}
	return n
}

// benchCatalog is n products with two price lists and two warehouses each;
// every 100th product's retail price is raised by bump.
func benchCatalog(n, bump int) []catalog.Record {
	recs := []catalog.Record{catalog.Category{Code: "DOM", Name: "Dom"}}
	for i := range n {
		sku := fmt.Sprintf("SKU-%06d", i)
		price := d("10.00").Add(d(strconv.Itoa(i % 500)))
		if i%100 == 0 {
			price = price.Add(d(strconv.Itoa(bump)))
		}
		recs = append(recs,
			catalog.Product{SKU: sku, Name: "Produkt " + sku, VATRate: d("23"), Active: true, EShop: true, Categories: []string{"DOM"}},
			catalog.Price{SKU: sku, PriceList: "detal", Amount: price, Currency: "PLN", Gross: true},
			catalog.Price{SKU: sku, PriceList: "hurt", Amount: d("8.00"), Currency: "PLN", Gross: true},
			catalog.StockLevel{SKU: sku, Warehouse: "MAG1", OnHand: d("5"), Available: d("5")},
			catalog.StockLevel{SKU: sku, Warehouse: "MAG2", OnHand: d("2"), Available: d("2")},
		)
	}
	return recs
}

func benchStore(b *testing.B, id string) *Store {
	b.Helper()
	adapter, err := memory.New(id, memory.NewShop(), memory.DefaultConnection(), memory.Credentials{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return &Store{
		ID: id, Adapter: adapter, Features: adapter.Features(), MaxDeactivateShare: d("0.1"),
		Rules: project.Rules{
			Price: project.PriceRules{List: "detal", Gross: true, Currency: "PLN", Step: project.Step001, Mode: project.HalfUp},
			Stock: project.StockRules{Warehouses: []string{"MAG1", "MAG2"}, WhenZero: project.ZeroOutOfStock},
			Scope: project.ScopeRules{OnlyActive: true, OnlyEShop: true},
		},
	}
}

func benchDB(b *testing.B) *state.DB {
	b.Helper()
	db, err := state.Open(b.Context(), state.DriverSQLite, filepath.Join(b.TempDir(), "state.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkSnapshotUnchanged reads a snapshot whose records are all in the
// mirror already: the cost of a periodic price and stock read.
func BenchmarkSnapshotUnchanged(b *testing.B) {
	n := benchProducts(b)
	db := benchDB(b)
	src := &fakeERP{}
	src.set(benchCatalog(n, 0)...)
	o := SnapshotOptions{MaxRemoveShare: d("0.1")}
	if _, err := Snapshot(b.Context(), db, src, o); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		sum, err := Snapshot(b.Context(), db, src, o)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range sum.Kinds {
			records += k.Read
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkProjectAfterPriceChange projects one store after 1% of the
// prices changed, fully and incrementally (only the products the snapshot
// named).
func BenchmarkProjectAfterPriceChange(b *testing.B) {
	n := benchProducts(b)
	for _, mode := range []string{"full", "incremental"} {
		b.Run(mode, func(b *testing.B) {
			db := benchDB(b)
			st := benchStore(b, "b2c")
			src := &fakeERP{}
			o := SnapshotOptions{MaxRemoveShare: d("0.1")}
			now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
			bump := 0
			src.set(benchCatalog(n, bump)...)
			if _, err := Snapshot(b.Context(), db, src, o); err != nil {
				b.Fatal(err)
			}
			if _, err := Project(b.Context(), db, st, now, ProjectOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				bump++
				src.set(benchCatalog(n, bump)...)
				snap, err := Snapshot(b.Context(), db, src, o)
				if err != nil {
					b.Fatal(err)
				}
				var po ProjectOptions
				if mode == "incremental" {
					po.Only = &snap.Changes
				}
				b.StartTimer()
				sum, err := Project(b.Context(), db, st, now, po)
				if err != nil {
					b.Fatal(err)
				}
				if want := (n + 99) / 100; sum.Changed != want {
					b.Fatalf("projection changed %d items, want %d", sum.Changed, want)
				}
			}
		})
	}
}

// BenchmarkStockChangeToAck writes one stock level into the mirror,
// projects the product and pushes it to a memory shop without latency:
// the hub's own share of a change's way to the shop.
func BenchmarkStockChangeToAck(b *testing.B) {
	n := benchProducts(b)
	db := benchDB(b)
	st := benchStore(b, "b2c")
	src := &fakeERP{}
	src.set(benchCatalog(n, 0)...)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	if _, err := Snapshot(b.Context(), db, src, SnapshotOptions{MaxRemoveShare: d("0.1")}); err != nil {
		b.Fatal(err)
	}
	if _, err := Project(b.Context(), db, st, now, ProjectOptions{}); err != nil {
		b.Fatal(err)
	}
	pusher := NewPusher(db, st, PusherOptions{})
	if _, err := pusher.Run(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		qty := d(strconv.Itoa(100 + i))
		rec := catalog.StockLevel{SKU: fmt.Sprintf("SKU-%06d", (i*7919)%n), Warehouse: "MAG1", OnHand: qty, Available: qty}
		payload, err := catalog.Canonical(rec)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.UpsertMirror(b.Context(), nil, []state.MirrorRecord{{Kind: string(catalog.KindStock), Key: rec.Key(),
			Hash: catalog.HashCanonical(catalog.KindStock, payload), Payload: payload, Parent: rec.SKU}}); err != nil {
			b.Fatal(err)
		}
		if _, err := Project(b.Context(), db, st, now, ProjectOptions{Only: &ChangeSet{SKUs: map[string]struct{}{rec.SKU: {}}}}); err != nil {
			b.Fatal(err)
		}
		sum, err := pusher.Run(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if sum.Pushed != 1 {
			b.Fatalf("pushed %d items, want the one stock level", sum.Pushed)
		}
	}
}
