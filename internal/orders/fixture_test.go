package orders_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/cli"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
	"github.com/erpbridge/erpbridge/internal/hub"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/store"
)

const postgresEnv = "ERPBRIDGE_TEST_POSTGRES"

// bundle is a running hub over an Optima-shaped SQLite ERP with its staging
// tables installed and one memory shop that carries the ERP's products.
type bundle struct {
	path  string
	hub   *hub.Hub
	svc   *orders.Service
	shop  *memory.Shop
	store string
	skus  []string // SKUs the shop sells with ample stock
	erpDB string
}

var storeSeq struct {
	sync.Mutex
	n int
}

func uniqueStore(t testing.TB) string {
	storeSeq.Lock()
	defer storeSeq.Unlock()
	storeSeq.n++
	return fmt.Sprintf("ord%d%d", time.Now().UnixNano()%1e6, storeSeq.n)
}

func cliRun(t testing.TB, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := cli.Main(context.Background(), args, &out, &out)
	return code, out.String()
}

// setup builds the bundle. stateDSN "" means SQLite in the test's directory;
// otherwise a PostgreSQL URL for the hub's state.
func setup(t testing.TB, stateDriver, stateDSN string) *bundle {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlerp.Open("sqlite", filepath.Join(dir, "erp.db"), map[string]string{"CDN": filepath.Join(dir, "cdn.db")}, 2)
	if err != nil {
		t.Fatal(err)
	}
	target := sqlfixture.Target{DB: db, Dialect: sqlerp.DialectSQLite, Schema: "CDN"}
	if err := sqlfixture.CreateSchema(ctx, target, erpdata.ShapeOptima); err != nil {
		t.Fatal(err)
	}
	if err := sqlfixture.Load(ctx, target, erpdata.ShapeOptima, 40, 1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	id := uniqueStore(t)
	if stateDriver == "" {
		stateDriver, stateDSN = "sqlite", filepath.Join(dir, "state.db")
	}
	cfg := fmt.Sprintf(`erp:
  driver: sqlite
  dsn: %[1]s/erp.db
  profile: comarch-optima
  options:
    sqlite_attach: {CDN: %[1]s/cdn.db}
state:
  driver: %[3]s
  dsn: %[4]q
log:
  level: warn
stores:
  - id: %[2]s
    type: memory
    credentials:
      webhook_secret: s3cret-for-tests
    connection:
      order_page_size: 25
    rules:
      prices: {list: detaliczna}
      stock: {warehouses: [MAG, SKLEP]}
      max_deactivate_share: 0.5
    orders:
      overlap: 10m
      shipping_map: {courier: KURIER, pickup: ODBIOR}
      payment_map: {card: KARTA, transfer: PRZELEW}
      customers:
        retail_customer: DETAL
`, dir, id, stateDriver, stateDSN)
	path := filepath.Join(dir, "erpbridge.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := cliRun(t, "--config", path, "erp", "install-staging"); code != cli.ExitOK {
		t.Fatalf("install-staging: exit %d\n%s", code, out)
	}
	// sync fills the mirror and the shop; products without a retail price
	// make it exit 1, which is the fixture's design.
	if code, out := cliRun(t, "--config", path, "sync"); code == cli.ExitUsage {
		t.Fatalf("sync: exit %d\n%s", code, out)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.Open(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	b := &bundle{path: path, hub: h, svc: h.Orders(), shop: memory.ShopFor(id), store: id, erpDB: filepath.Join(dir, "erp.db")}
	b.svc.Log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	// Give a few priced products ample stock so that hundreds of orders fit.
	var items []store.Item
	for _, p := range b.shop.Products() {
		if !p.Active || p.RegularPrice == nil || p.SKU == "" || len(items) == 5 {
			continue
		}
		items = append(items, store.Item{Kind: catalog.KindStock, SKU: p.SKU, ShopID: p.ID, Op: store.OpUpsert,
			Doc: &store.StockDoc{SKU: p.SKU, Quantity: decimal.NewFromInt(1_000_000), Status: store.InStock}})
		b.skus = append(b.skus, p.SKU)
	}
	if len(items) < 2 {
		t.Fatalf("the shop has %d priced products", len(items))
	}
	res, err := h.Stores[id].Push(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("stock push %s: %v", r.SKU, r.Err)
		}
	}
	return b
}

// place places n orders in the shop and returns their ids.
func (b *bundle) place(t testing.TB, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		spec := memory.OrderSpec{
			Lines: []memory.LineSpec{
				{SKU: b.skus[i%len(b.skus)], Quantity: decimal.NewFromInt(int64(1 + i%3))},
				{SKU: b.skus[(i+1)%len(b.skus)], Quantity: decimal.NewFromInt(1)},
			},
			Customer:       catalog.Customer{Kind: catalog.CustomerPerson, Email: fmt.Sprintf("buyer%d@example.com", i), FirstName: "Jan", LastName: "Nowak"},
			ShippingMethod: "courier", ShippingCost: decimal.RequireFromString("14.99"),
			PaymentMethod: "card", Paid: true,
		}
		if i%4 == 0 {
			spec.Customer = catalog.Customer{Kind: catalog.CustomerCompany, CompanyName: "ACME sp. z o.o.", NIP: "PL 526-000-12-46", Email: "biuro@acme.example"}
		}
		id, err := b.shop.PlaceOrder(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// stagingCount counts the ERP's staging orders of the bundle's store.
func (b *bundle) stagingCount(t testing.TB) int {
	t.Helper()
	db, err := sqlerp.Open("sqlite", b.erpDB, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orders, _ := b.hub.ERP.(*sqlerp.Source).StagingTables()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM "+orders+" WHERE store = ?", b.store).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var dups int
	if err := db.QueryRow("SELECT count(*) FROM (SELECT shop_order_id FROM " + orders + " GROUP BY store, shop_order_id HAVING count(*) > 1)").Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Errorf("%d orders staged more than once", dups)
	}
	return n
}

// execERP runs a statement on the ERP database (the importer's side).
func (b *bundle) execERP(t testing.TB, query string, args ...any) {
	t.Helper()
	db, err := sqlerp.Open("sqlite", b.erpDB, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orders, _ := b.hub.ERP.(*sqlerp.Source).StagingTables()
	if _, err := db.Exec(strings.ReplaceAll(query, "$orders", orders), args...); err != nil {
		t.Fatal(err)
	}
}

// stagingMatches counts the store's staging orders by customer_match.
func (b *bundle) stagingMatches(t testing.TB) map[string]int {
	t.Helper()
	db, err := sqlerp.Open("sqlite", b.erpDB, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orders, _ := b.hub.ERP.(*sqlerp.Source).StagingTables()
	rows, err := db.Query("SELECT coalesce(customer_match, ''), count(*) FROM "+orders+" WHERE store = ? GROUP BY customer_match", b.store)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
