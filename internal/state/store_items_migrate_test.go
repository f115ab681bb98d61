package state

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// TestStoreItemsMigration applies 0006 to a database that already holds
// store items in every state: every row and column survives, and the
// table's key, upserts and the dirty index work afterwards.
func TestStoreItemsMigration(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { testStoreItemsMigration(t, openTestSQLite) })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv(postgresEnv)
		if dsn == "" {
			t.Skipf("set %s to run on PostgreSQL", postgresEnv)
		}
		testStoreItemsMigration(t, postgresOpener(dsn))
	})
}

func testStoreItemsMigration(t *testing.T, open opener) {
	db := open(t)
	c := withClock(db)
	ctx := t.Context()
	all := db.migrations
	var before []migration
	for _, m := range all {
		if m.version < 6 {
			before = append(before, m)
		}
	}
	if len(before) == len(all) {
		t.Fatal("no migration 0006 embedded")
	}
	db.migrations = before
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var items []DesiredItem
	for _, st := range []string{"b2c", "b2b"} {
		for _, k := range []string{"product", "price", "stock", "category"} {
			for _, s := range []string{"A", "B", "C"} {
				items = append(items, desired(st, k, s, "h1"))
			}
		}
	}
	if _, err := db.SetDesired(ctx, nil, items); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	steps := []error{
		db.Ack(ctx, "b2c", "product", "A", "shop-A", "h1"),
		db.Fail(ctx, "b2c", "price", "B", "h1", "HTTP 500", c.Now().Add(time.Hour)),
		db.Park(ctx, "b2b", "stock", "C", "h1", "negative stock"),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := db.Bind(ctx, "b2b", "product", "B", "shop-B"); err != nil || !ok {
		t.Fatalf("Bind = %v, %v", ok, err)
	}
	read := func() map[string][]StoreItem {
		out := map[string][]StoreItem{}
		for _, st := range []string{"b2c", "b2b"} {
			if err := db.StreamStoreItems(ctx, st, func(it StoreItem) error { out[st] = append(out[st], it); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	old := read()

	db.migrations = all
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all)-len(before) || !strings.HasPrefix(applied[0], "0006_") {
		t.Fatalf("Migrate applied %v, want 0006 onwards", applied)
	}
	if got := read(); !reflect.DeepEqual(got, old) {
		t.Fatalf("items after 0006:\n%+v\nwant\n%+v", got, old)
	}
	if len(old["b2c"]) != 12 || len(old["b2b"]) != 12 {
		t.Fatalf("read %d and %d items, want 12 each", len(old["b2c"]), len(old["b2b"]))
	}

	// The dirty queue: 12 items of b2c minus the acked one minus the one
	// failing until later.
	dirty, err := db.Dirty(ctx, "b2c", 100, c.Now())
	if err != nil || len(dirty) != 10 {
		t.Fatalf("Dirty(b2c) = %d items, %v; want 10", len(dirty), err)
	}
	// Upserts still find rows by (store, kind, sku).
	n, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "product", "A", "h2"), desired("b2c", "product", "D", "h1"), desired("b2c", "price", "C", "h1")})
	if err != nil || n != 2 {
		t.Fatalf("SetDesired after 0006 = %d, %v; want 2", n, err)
	}
	if it, err := db.GetStoreItem(ctx, "b2c", "product", "A"); err != nil || it.ShopID != "shop-A" || !it.Dirty() || it.DesiredHash != "h2" {
		t.Fatalf("product A after 0006 = %+v, %v", it, err)
	}
	var got []string
	if err := db.StoreItemsBySKU(ctx, "b2c", []string{"product", "price"}, []string{"A", "D", "Z"}, func(it StoreItem) error {
		got = append(got, it.Kind+"/"+it.SKU+"/"+it.DesiredHash+"/"+it.AckedHash+"/"+it.ShopID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"price/A/h1//", "product/A/h2/h1/shop-A", "product/D/h1//"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("StoreItemsBySKU after 0006 = %v, want %v", got, want)
	}
	if db.driver != DriverSQLite {
		return
	}
	var ddl string
	if err := db.x.GetContext(ctx, &ddl, `SELECT sql FROM sqlite_master WHERE name = 'store_items'`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, "PRIMARY KEY (store, sku, kind)") || !strings.Contains(ddl, "WITHOUT ROWID") {
		t.Fatalf("store_items after 0006: %s", ddl)
	}
	var indexes []string
	if err := db.x.SelectContext(ctx, &indexes, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'store_items' ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"store_items_dirty", "store_items_kind_sku"}; !reflect.DeepEqual(indexes, want) {
		t.Fatalf("store_items indexes after 0006 = %v, want %v", indexes, want)
	}
	var plan []struct {
		ID, Parent, NotUsed int
		Detail              string
	}
	if err := db.x.SelectContext(ctx, &plan, `EXPLAIN QUERY PLAN SELECT kind FROM store_items
WHERE store = 'b2c' AND +kind IN ('product', 'price') AND sku IN ('A', 'D') ORDER BY sku, kind`); err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || !strings.Contains(plan[0].Detail, "PRIMARY KEY (store=? AND sku=?)") {
		t.Fatalf("lookup by SKU plan = %+v; want one search of the primary key by store and sku", plan)
	}
}

// TestInItemsTx: on SQLite the transaction's connection has the larger page
// cache while fn runs and its own size again afterwards, also when fn fails.
func TestInItemsTx(t *testing.T) {
	t.Parallel()
	db := migrated(t, openTestSQLite)
	db.x.SetMaxOpenConns(1) // the pool's one connection is the transaction's
	ctx := t.Context()
	cacheSize := func(x interface {
		GetContext(context.Context, any, string, ...any) error
	}) int {
		t.Helper()
		var n int
		if err := x.GetContext(ctx, &n, `PRAGMA cache_size`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := cacheSize(db.x)
	if before == -itemsTxCacheKiB {
		t.Fatalf("connection's cache size is already %d", before)
	}
	boom := errors.New("boom")
	for _, want := range []error{nil, boom} {
		err := db.InItemsTx(ctx, func(tx *sqlx.Tx) error {
			if got := cacheSize(tx); got != -itemsTxCacheKiB {
				t.Errorf("cache size in InItemsTx = %d, want %d", got, -itemsTxCacheKiB)
			}
			if _, err := db.SetDesired(ctx, tx, []DesiredItem{desired("b2c", "product", "A", "h1")}); err != nil {
				t.Fatal(err)
			}
			return want
		})
		if !errors.Is(err, want) {
			t.Fatalf("InItemsTx = %v, want %v", err, want)
		}
		if got := cacheSize(db.x); got != before {
			t.Errorf("cache size after InItemsTx (fn returned %v) = %d, want %d", want, got, before)
		}
	}
	// The failed run rolled back; the first one committed.
	if c, err := db.StoreItemCounts(ctx, "b2c"); err != nil || c.Total != 1 {
		t.Fatalf("items after InItemsTx = %+v, %v; want 1", c, err)
	}
}
