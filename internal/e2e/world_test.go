package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // creates and drops the per-test state database
	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
	"github.com/erpbridge/erpbridge/internal/demo"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

// products is the size of the test ERP.
const products = 60

// world is one scenario's ERP, shops, state database and config file.
type world struct {
	t      *testing.T
	dir    string
	cfg    string // config file path
	listen string // the hub's address
	erp    *sqlx.DB

	b2c, abroad *fakewoo.Server
	b2b         *shopserver.Memory
	b2bHooks    *shopserver.Sender
	urls        map[string]string // store → shop URL
	// b2cDown makes the b2c shop answer 500; b2bClosed makes the b2b shop
	// drop connections without an answer. Each counts what it refused.
	b2cDown, b2bClosed     atomic.Bool
	b2cRefused, b2bRefused atomic.Int64

	driver   string // sqlite or postgres: of the ERP and the state
	erpConn  string // the erp section's dsn and options
	stateDSN string

	abroadMarkup string
}

// secrets of the test shops.
const (
	wooKey, wooSecret = "ck_e2e_key", "cs_e2e_secret"
	b2bToken          = "e2e-b2b-token"
	hookSecret        = "e2e-webhook-secret"
	adminToken        = "e2e-admin-token-0123456789"
)

// forEachDatabase runs fn with the ERP (and its staging tables) and the
// hub's state on SQLite, and on PostgreSQL when ERPBRIDGE_TEST_POSTGRES is
// set (a database of its own, dropped after).
func forEachDatabase(t *testing.T, fn func(t *testing.T, w *world)) {
	needBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		fn(t, newWorld(t, ""))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("ERPBRIDGE_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("set ERPBRIDGE_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run on PostgreSQL")
		}
		fn(t, newWorld(t, pgDatabase(t, dsn)))
	})
}

// pgDatabase creates a database of its own for the test and returns its URL.
func pgDatabase(t *testing.T, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "e2e_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// newWorld makes the ERP, starts the shops and writes the config: all on
// SQLite files, or all in the PostgreSQL database pg when it is not "".
func newWorld(t *testing.T, pg string) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir(), listen: freeAddr(t), abroadMarkup: "8", urls: map[string]string{}}
	w.cfg = filepath.Join(w.dir, "erpbridge.yaml")
	ctx := context.Background()
	var (
		db  *sqlx.DB
		err error
	)
	if pg == "" {
		w.driver, w.stateDSN = sqlerp.DialectSQLite, filepath.Join(w.dir, "state.db")
		w.erpConn = fmt.Sprintf("dsn: %s/erp-main.db\n  options:\n    sqlite_attach: {CDN: %s/optima.db}", w.dir, w.dir)
		db, err = sqlerp.Open("sqlite", filepath.Join(w.dir, "erp-main.db"), map[string]string{"CDN": filepath.Join(w.dir, "optima.db")}, 1)
	} else {
		w.driver, w.stateDSN = sqlerp.DialectPostgres, pg
		w.erpConn = fmt.Sprintf("dsn: %q", pg)
		if db, err = sqlerp.Open("postgres", pg, nil, 1); err == nil {
			_, err = db.Exec("CREATE SCHEMA cdn")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.erp = db
	target := sqlfixture.Target{DB: db, Dialect: w.driver, Schema: "CDN"}
	if err := sqlfixture.CreateSchema(ctx, target, erpdata.ShapeOptima); err != nil {
		t.Fatal(err)
	}
	if err := sqlfixture.Load(ctx, target, erpdata.ShapeOptima, products, 1); err != nil {
		t.Fatal(err)
	}

	w.b2c = w.startWoo(t, "b2c", "Europe/Warsaw", &w.b2cDown, &w.b2cRefused, func(rw http.ResponseWriter) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusInternalServerError)
		_, _ = rw.Write([]byte(`{"code":"internal_server_error","message":"<p>There has been a critical error on this website.</p>","data":{"status":500}}`))
	})
	w.abroad = w.startWoo(t, "abroad", "Europe/Berlin", new(atomic.Bool), new(atomic.Int64), nil)
	w.b2b = shopserver.NewMemory()
	srv, err := shopserver.New(shopserver.Config{Backend: w.b2b, Token: b2bToken})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(w.gate(srv, &w.b2bClosed, &w.b2bRefused, func(http.ResponseWriter) { panic(http.ErrAbortHandler) }))
	t.Cleanup(ts.Close)
	w.urls["b2b"] = ts.URL
	w.writeConfig()
	return w
}

// gate serves h unless down is set; then refuse answers instead and counts.
func (w *world) gate(h http.Handler, down *atomic.Bool, refused *atomic.Int64, refuse func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if down.Load() {
			refused.Add(1)
			refuse(rw)
			return
		}
		h.ServeHTTP(rw, r)
	})
}

func (w *world) startWoo(t *testing.T, id, tz string, down *atomic.Bool, refused *atomic.Int64, refuse func(http.ResponseWriter)) *fakewoo.Server {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	var fake atomic.Pointer[fakewoo.Server]
	ts := httptest.NewServer(w.gate(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { fake.Load().ServeHTTP(rw, r) }), down, refused, refuse))
	f := fakewoo.New(fakewoo.Options{ConsumerKey: wooKey, ConsumerSecret: wooSecret, TimeZone: loc, SiteURL: ts.URL})
	fake.Store(f)
	w.urls[id] = ts.URL
	t.Cleanup(func() { ts.Close(); f.Flush() })
	return f
}

// configTemplate is the config a user would write for the three shops.
const configTemplate = `# erpbridge end-to-end test config
erp:
  driver: {{driver}}
  profile: comarch-optima
  overlap: 1m
  {{erpConn}}
state:
  driver: {{driver}}
  dsn: "{{stateDSN}}"
http:
  listen: {{listen}}
  public_url: http://{{listen}}
  admin_tokens:
    - {name: e2e, token: "{{admintoken}}", role: admin}
schedules:
  erp_delta: 1s
  snapshot: 1s
  reconcile: "off"
  push: 1s
  order_poll: 2s
  status_sync: 1s
stores:
  - id: b2c
    type: woocommerce
    connection: {url: "{{b2c}}", prices_include_tax: true, timeout: 5s}
    credentials: {consumer_key: {{key}}, consumer_secret: {{secret}}, webhook_secret: {{hook}}}
    rules:
      prices: {list: detaliczna, basis: gross, currency: PLN}
      stock: {warehouses: [MAG, SKLEP]}
    orders: &orders
      overlap: 1m
      shipping_map: {kurier: KURIER}
      payment_map: {przelew: PRZELEW}
      customers: {retail_customer: DETAL}
  - id: b2b
    type: http
    connection: {url: "{{b2b}}", timeout: 5s}
    credentials: {token: {{b2btoken}}, webhook_secret: {{hook}}}
    rules:
      prices: {list: hurtowa, basis: net, currency: PLN, rounding: {step: "0.01", mode: half_even}}
      stock: {warehouses: [MAG, HURT]}
      owned_fields: [description]
    orders: *orders
  - id: abroad
    type: woocommerce
    connection: {url: "{{abroad}}", prices_include_tax: true, timeout: 5s}
    credentials: {consumer_key: {{key}}, consumer_secret: {{secret}}, webhook_secret: {{hook}}}
    rules:
      prices: {list: detaliczna, basis: gross, currency: EUR, exchange_rate: 0.23, markup_percent: {{markup}}, rounding: {step: "0.99"}}
      stock: {warehouses: [MAG]}
      scope: {categories: ["Ogród/**", "Narzędzia/**"]}
    orders: *orders
`

// writeConfig writes the config file for the world as it is now.
func (w *world) writeConfig() {
	text := strings.NewReplacer("{{driver}}", w.driver, "{{erpConn}}", w.erpConn, "{{stateDSN}}", w.stateDSN,
		"{{listen}}", w.listen, "{{b2c}}", w.urls["b2c"], "{{b2b}}", w.urls["b2b"], "{{abroad}}", w.urls["abroad"],
		"{{key}}", wooKey, "{{secret}}", wooSecret, "{{b2btoken}}", b2bToken, "{{hook}}", hookSecret, "{{admintoken}}", adminToken, "{{markup}}", w.abroadMarkup,
	).Replace(configTemplate)
	if err := os.WriteFile(w.cfg, []byte(text), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// run runs an erpbridge command with the world's config.
func (w *world) run(args ...string) result {
	w.t.Helper()
	return cli(w.t, append([]string{"--config", w.cfg}, args...)...)
}

// shown is what a shop shows for a SKU.
type shown struct {
	price    string // two decimals
	currency string
	stock    int
}

// show reads what shop id shows for sku from the shop itself (with the
// demo's reader of the same three kinds of shop).
func (w *world) show(id, sku string) (shown, bool) {
	shops := demo.Shops{B2C: w.b2c, B2B: w.b2b, Abroad: w.abroad}
	sh, ok := shops.Show(id, sku)
	return shown{price: sh.Price.StringFixed(2), currency: sh.Currency, stock: sh.Stock}, ok
}

// skusInAllShops returns the SKUs every shop shows with a price and at
// least min in stock.
func (w *world) skusInAllShops(min int) []string {
	var out []string
	for n := 1; n <= products; n++ {
		sku := fmt.Sprintf("TWR-%06d", n)
		all := true
		for _, id := range []string{"b2c", "b2b", "abroad"} {
			if sh, ok := w.show(id, sku); !ok || sh.stock < min {
				all = false
			}
		}
		if all {
			out = append(out, sku)
		}
	}
	return out
}

// setPrices sets sku's retail price (gross) and wholesale price (net) in
// the ERP, as someone editing the product card would.
func (w *world) setPrices(sku, retailGross, wholesaleNet string) {
	w.t.Helper()
	for _, p := range []struct {
		list, amount string
		typ          int
	}{{"detaliczna", retailGross, 2}, {"hurtowa", wholesaleNet, 1}} {
		res, err := w.erp.Exec(w.erp.Rebind(`UPDATE CDN.TwrCeny SET TwC_Wartosc = CAST(? AS DECIMAL(19,4)), TwC_Typ = ?
WHERE TwC_TwrID = (SELECT Twr_TwrId FROM CDN.Towary WHERE Twr_Kod = ?)
  AND TwC_TwCNumer = (SELECT DfC_Lp FROM CDN.DefCeny WHERE DfC_Nazwa = ?)`), p.amount, p.typ, sku, p.list)
		if err != nil {
			w.t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			w.t.Fatalf("ERP: %s has %d prices on list %s, want 1", sku, n, p.list)
		}
	}
}

// erpStock returns the sum of sku's stock rows in the ERP, as text.
func (w *world) erpStock(sku string) string {
	w.t.Helper()
	var sum string
	if err := w.erp.Get(&sum, w.erp.Rebind(`SELECT CAST(COALESCE(SUM(TwI_Ilosc), 0) AS TEXT) FROM CDN.TwrIlosci
WHERE TwI_TwrId = (SELECT Twr_TwrId FROM CDN.Towary WHERE Twr_Kod = ?)`), sku); err != nil {
		w.t.Fatal(err)
	}
	return sum
}

// stagedOrder is an order's row in the ERP staging table.
type stagedOrder struct {
	ID    int64  `db:"id"`
	State string `db:"state"`
	Total string `db:"total"`
}

// staged returns the staging rows of (store, shop order id).
func (w *world) staged(storeID, shopOrderID string) []stagedOrder {
	w.t.Helper()
	var rows []stagedOrder
	if err := w.erp.Select(&rows, w.erp.Rebind(`SELECT id, state, CAST(total AS TEXT) AS total FROM erpbridge_orders WHERE store = ? AND shop_order_id = ?`), storeID, shopOrderID); err != nil {
		w.t.Fatal(err)
	}
	return rows
}

// importerBooks writes what the Windows-side importer writes once it made
// the ERP document and later shipped it (docs/staging-contract.md).
func (w *world) importerBooks(id int64, number, status, carrier, tracking string) {
	w.t.Helper()
	// UTC, in the staging contract's text form on SQLite.
	var now any = time.Now().UTC()
	if w.driver == sqlerp.DialectSQLite {
		now = time.Now().UTC().Format("2006-01-02 15:04:05.000000")
	}
	res, err := w.erp.Exec(w.erp.Rebind(`UPDATE erpbridge_orders SET state = 'imported', erp_number = ?, erp_status = ?, error = NULL,
tracking_carrier = ?, tracking_number = ?, updated_at = ? WHERE id = ?`), number, status, carrier, tracking, now, id)
	if err != nil {
		w.t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		w.t.Fatalf("importer: staging row %d not found", id)
	}
}

// near reports whether price a is within 1 of b.
func near(a string, b decimal.Decimal) bool {
	d, err := decimal.NewFromString(a)
	return err == nil && d.Sub(b).Abs().LessThan(decimal.NewFromInt(1))
}

// atoi is strconv.Atoi for values the test made.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
