// Package demo runs erpbridge on a machine with nothing installed: a
// Comarch-Optima-shaped SQLite ERP with generated Polish data, three fake
// shops on 127.0.0.1 that speak their platforms' real protocols (two
// WooCommerce REST shops, b2c in PLN and abroad in EUR, and a b2b shop on
// the erpbridge store protocol), the hub with its schedules, order pipeline
// and HTTP server, and a loop that keeps changing prices and stock in the
// ERP and placing orders in the shops, printing one line per event. Orders
// reach the hub through the shops' signed webhooks and order polls, and an
// imitation of the ERP-side importer books each staged order.
package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/hub"
)

// Options configure Run.
type Options struct {
	// Dir holds the demo's ERP and state databases; kept between runs.
	Dir string
	// Products is how many products a new demo ERP gets.
	Products int
	// Duration ends the demo this long after the first sync (0: when ctx
	// ends).
	Duration time.Duration
	// Every is how often the ERP changes.
	Every time.Duration
	// Seed makes the sequence of changes repeatable.
	Seed   uint64
	Listen string
	Out    io.Writer
	Log    *slog.Logger
	// Inspect, when set, is called with the shops after the hub stopped
	// and before the shops close (tests read what the shops hold).
	Inspect func(*Shops)
}

// StoreIDs are the demo's stores in the order it reports them.
var StoreIDs = []string{"b2c", "b2b", "abroad"}

// configTemplate is the demo's config; the shops' URLs and this run's
// secrets are filled in.
const configTemplate = `# The demo's config, written by erpbridge demo for this run.
erp:
  driver: sqlite
  dsn: {{dir}}/erp-main.db
  profile: comarch-optima
  overlap: 1m
  options:
    sqlite_attach: {CDN: {{dir}}/optima.db}
state:
  dsn: {{dir}}/erpbridge.db
http:
  listen: {{listen}}
  admin_tokens:
    - {name: demo, token: "{{token}}", role: admin}
schedules:
  erp_delta: 2s
  snapshot: 3s
  reconcile: "off"
  push: 1s
  order_poll: 2s
  status_sync: 2s
stores:
  - id: b2c
    type: woocommerce
    name: Sklep detaliczny (WooCommerce)
    connection: {url: "{{b2c}}", prices_include_tax: true}
    credentials: {consumer_key: "{{key}}", consumer_secret: "{{secret}}", webhook_secret: "{{hook}}"}
    rules:
      prices: {list: detaliczna, basis: gross, currency: PLN}
      stock: {warehouses: [MAG, SKLEP], buffer: 1}
    orders: &orders
      overlap: 1m
      shipping_map: {kurier: KURIER}
      payment_map: {przelew: PRZELEW}
      customers: {retail_customer: DETAL}
  - id: b2b
    type: http
    name: Hurtownia B2B (store protocol)
    connection: {url: "{{b2b}}"}
    credentials: {token: "{{b2btoken}}", webhook_secret: "{{hook}}"}
    rules:
      prices: {list: hurtowa, basis: net, currency: PLN, rounding: {step: "0.01", mode: half_even}}
      stock: {warehouses: [MAG, HURT]}
      owned_fields: [description]
    orders: *orders
  - id: abroad
    type: woocommerce
    name: Shop DE (WooCommerce)
    connection: {url: "{{abroad}}", prices_include_tax: true}
    credentials: {consumer_key: "{{key}}", consumer_secret: "{{secret}}", webhook_secret: "{{hook}}"}
    rules:
      prices: {list: detaliczna, basis: gross, currency: EUR, exchange_rate: 0.23, markup_percent: 8, rounding: {step: "0.99"}}
      stock: {warehouses: [MAG], cap: 50}
      scope: {categories: ["Ogród/**", "Narzędzia/**"]}
    orders: *orders
`

// Run runs the demo until ctx ends or o.Duration passes.
func Run(ctx context.Context, o Options) (err error) {
	if o.Every <= 0 {
		o.Every = 3 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	// Runs last, after the hub and the shops closed, however the demo ends;
	// Ctrl-C and --duration are the ordinary ends.
	defer func() {
		fmt.Fprintf(o.Out, "demo stopped; its ERP (with the staged orders), state database and config are in %s\n", dir)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
	}()
	erpFile := filepath.Join(dir, "optima.db")
	erpDB, err := sqlerp.Open("sqlite", filepath.Join(dir, "erp-main.db"), map[string]string{"CDN": erpFile}, 2)
	if err != nil {
		return err
	}
	defer erpDB.Close()
	if err := ensureERP(ctx, o, erpDB, erpFile); err != nil {
		return err
	}
	// The shops start empty on every run and number their orders from the
	// start again: the hub's state and staged orders of an earlier run
	// would bind products to ids that no longer exist and take new orders
	// for duplicates. Start both afresh; the ERP is kept.
	if err := resetRun(ctx, dir, erpDB); err != nil {
		return err
	}

	shops, err := startShops(o.Log)
	if err != nil {
		return err
	}
	defer shops.Close()
	token := randomToken()
	cfgText := strings.NewReplacer("{{dir}}", dir, "{{listen}}", o.Listen, "{{token}}", token,
		"{{b2c}}", shops.URLs["b2c"], "{{b2b}}", shops.URLs["b2b"], "{{abroad}}", shops.URLs["abroad"],
		"{{key}}", shops.WooKey, "{{secret}}", shops.WooSecret, "{{b2btoken}}", shops.B2BToken, "{{hook}}", shops.WebhookSecret,
	).Replace(configTemplate)
	cfgPath := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	h, err := hub.Open(ctx, cfg, o.Log)
	if err != nil {
		return err
	}
	defer h.Close()
	if st, ok := h.ERP.(erp.Staging); ok {
		if err := st.InstallStaging(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Out, "shops on 127.0.0.1: b2c %s (WooCommerce, PLN gross), b2b %s (store protocol, PLN net), abroad %s (WooCommerce, EUR)\n",
		shops.URLs["b2c"], shops.URLs["b2b"], shops.URLs["abroad"])
	fmt.Fprintln(o.Out, "first full sync into the 3 shops ...")
	if err := firstSync(ctx, o, h); err != nil {
		return err
	}
	handler, stop, err := h.Start()
	if err != nil {
		return err
	}

	// The duration counts from here: making the ERP and the first sync take
	// as long as they take.
	runCtx := ctx
	if o.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	serveCtx, stopServing := context.WithCancel(runCtx)
	defer stopServing()
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- httpapi.Serve(serveCtx, cfg.HTTP.Listen, handler, 5*time.Second, ready)
	}()
	select {
	case addr := <-ready:
		if err = shops.Subscribe(runCtx, "http://"+addr.String()); err == nil {
			fmt.Fprintf(o.Out, "hub running: dashboard http://%s/ui/ (sign in with the token %s); changing the ERP every %s (Ctrl-C stops)\n", addr, token, o.Every)
			err = changeLoop(runCtx, o, h, erpDB, shops)
		}
	case err = <-served:
		served <- err
		err = fmt.Errorf("demo: HTTP server: %w", err)
	}
	stop()
	stopServing()
	if srvErr := <-served; srvErr != nil && err == nil {
		err = srvErr
	}
	if o.Inspect != nil {
		o.Inspect(shops)
	}
	return err
}

// resetRun removes the state database of an earlier run and its staged
// orders.
func resetRun(ctx context.Context, dir string, erpDB *sqlx.DB) error {
	for _, f := range []string{"erpbridge.db", "erpbridge.db-wal", "erpbridge.db-shm"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	var n int
	if erpDB.GetContext(ctx, &n, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'erpbridge_orders'") == nil && n > 0 {
		if _, err := erpDB.ExecContext(ctx, "DELETE FROM erpbridge_order_lines"); err != nil {
			return err
		}
		if _, err := erpDB.ExecContext(ctx, "DELETE FROM erpbridge_orders"); err != nil {
			return err
		}
	}
	return nil
}

func ensureERP(ctx context.Context, o Options, db *sqlx.DB, file string) error {
	t := sqlfixture.Target{DB: db, Dialect: sqlerp.DialectSQLite, Schema: "CDN"}
	var n int
	if err := db.GetContext(ctx, &n, "SELECT COUNT(*) FROM CDN.Towary"); err == nil && n > 0 {
		fmt.Fprintf(o.Out, "using the demo ERP in %s (%d product cards)\n", file, n)
		return nil
	}
	fmt.Fprintf(o.Out, "creating a Comarch-Optima-shaped ERP with %d products in %s ...\n", o.Products, file)
	if err := sqlfixture.CreateSchema(ctx, t, erpdata.ShapeOptima); err != nil {
		return err
	}
	return sqlfixture.Load(ctx, t, erpdata.ShapeOptima, o.Products, 1)
}

// firstSync reads the whole ERP into the hub's mirror, then projects and
// pushes every store at once (each over its own protocol), printing a line
// per ERP record kind read and per store done.
func firstSync(ctx context.Context, o Options, h *hub.Hub) error {
	sum, err := engine.Snapshot(ctx, h.State, h.ERP, engine.SnapshotOptions{
		MaxRemoveShare: h.Config.ERP.MaxRemoveShare,
		Progress: func(kind catalog.Kind, read int, done bool) {
			if done {
				fmt.Fprintf(o.Out, "  ERP %-10s %6d read\n", kind, read)
			}
		},
	})
	if err != nil {
		return err
	}
	read := 0
	for _, k := range sum.Kinds {
		read += k.Read
	}
	fmt.Fprintf(o.Out, "ERP read: %d records in %s; pushing to the shops ...\n", read, sum.Duration.Round(time.Millisecond))
	ids, err := h.StoreIDs("")
	if err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			line, err := syncStore(ctx, h, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("demo: first sync of %s: %w", id, err))
				return
			}
			fmt.Fprintln(o.Out, line)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// syncStore projects and pushes one store and says what it did.
func syncStore(ctx context.Context, h *hub.Hub, id string) (string, error) {
	st, err := h.EngineStore(id)
	if err != nil {
		return "", err
	}
	start := time.Now()
	ps, err := engine.Project(ctx, h.State, st, start, engine.ProjectOptions{})
	if err != nil {
		return "", err
	}
	pu, err := engine.NewPusher(h.State, st, engine.PusherOptions{Logger: h.Log}).Run(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("  %-6s %5d items pushed in %3d batches (%s); %d not pushable (no price on the list); %d products out of scope",
		id, pu.Pushed, pu.Batches, time.Since(start).Round(time.Millisecond), ps.Parked+pu.Parked, ps.OutOfScope), nil
}

// randomToken is the demo's admin token, new on every run.
func randomToken() string { return "demo-" + randomHex(12) }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
