// Package demo runs erpbridge on a machine with nothing installed: a
// Comarch-Optima-shaped SQLite ERP with generated Polish data, three
// in-memory shops with their own rules (B2C gross PLN, B2B net PLN owning its
// descriptions, a shop abroad in EUR), the hub with its schedules, order
// pipeline and HTTP server, and a loop that keeps changing prices and stock
// in the ERP and placing orders in the shops, printing one line per event.
package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/hub"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
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
}

const configTemplate = `# The demo's config, written by erpbridge demo.
erp:
  driver: sqlite
  dsn: %[1]s/erp-main.db
  profile: comarch-optima
  overlap: 1m
  options:
    sqlite_attach: {CDN: %[1]s/optima.db}
state:
  dsn: %[1]s/erpbridge.db
http:
  listen: %[2]s
  admin_tokens:
    - {name: demo, token: "%[3]s", role: admin}
schedules:
  erp_delta: 2s
  snapshot: 3s
  reconcile: "off"
  push: 1s
  order_poll: 1s
  status_sync: 2s
stores:
  - id: b2c
    type: memory
    name: Sklep detaliczny
    connection: {basis: gross, integer_stock: true}
    rules:
      prices: {list: detaliczna, basis: gross, currency: PLN}
      stock: {warehouses: [MAG, SKLEP], buffer: 1}
    orders: &orders
      shipping_map: {kurier: KURIER}
      payment_map: {przelew: PRZELEW}
      customers: {retail_customer: DETAL}
  - id: b2b
    type: memory
    name: Hurtownia B2B
    connection: {basis: net}
    rules:
      prices: {list: hurtowa, basis: net, currency: PLN, rounding: {step: "0.01", mode: half_even}}
      stock: {warehouses: [MAG, HURT]}
      owned_fields: [description]
    orders: *orders
  - id: abroad
    type: memory
    name: Shop DE
    connection: {basis: gross, currency: EUR, integer_stock: true}
    rules:
      prices: {list: detaliczna, basis: gross, currency: EUR, exchange_rate: 0.23, markup_percent: 8, rounding: {step: "0.99"}}
      stock: {warehouses: [MAG], cap: 50}
      scope: {categories: ["Ogród/**", "Narzędzia/**"]}
    orders: *orders
`

// Run runs the demo until ctx ends or o.Duration passes.
func Run(ctx context.Context, o Options) error {
	if o.Every <= 0 {
		o.Every = 3 * time.Second
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	erpFile := filepath.Join(dir, "optima.db")
	erpDB, err := sqlerp.Open("sqlite", filepath.Join(dir, "erp-main.db"), map[string]string{"CDN": erpFile}, 2)
	if err != nil {
		return err
	}
	defer erpDB.Close()
	if err := ensureERP(ctx, o, erpDB, erpFile); err != nil {
		return err
	}

	token := randomToken()
	cfgText := fmt.Sprintf(configTemplate, dir, o.Listen, token)
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

	// The demo's shops live in memory and start empty on every run: forget
	// what an earlier run pushed, or its shop ids would point nowhere.
	for _, sc := range cfg.Stores {
		if err := h.State.ForgetStore(ctx, sc.ID, engine.BindCursor(sc.ID)); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Out, "first full sync of %d products into 3 shops ...\n", o.Products)
	if err := firstSync(ctx, o, h); err != nil {
		return err
	}
	handler, stop, err := h.Start()
	if err != nil {
		return err
	}
	defer stop()

	// The duration counts from here: making the ERP and the first sync take
	// as long as they take.
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- httpapi.Serve(ctx, cfg.HTTP.Listen, handler, 5*time.Second, ready)
	}()
	select {
	case addr := <-ready:
		fmt.Fprintf(o.Out, "hub running: dashboard http://%s/ui/ (sign in with the token %s); changing the ERP every %s (Ctrl-C stops)\n", addr, token, o.Every)
	case err := <-served:
		return fmt.Errorf("demo: HTTP server: %w", err)
	}

	err = changeLoop(ctx, o, h, erpDB)
	if srvErr := <-served; srvErr != nil && err == nil {
		err = srvErr
	}
	fmt.Fprintf(o.Out, "demo stopped; its ERP, state database and config are in %s\n", dir)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
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

func firstSync(ctx context.Context, o Options, h *hub.Hub) error {
	sum, err := engine.Snapshot(ctx, h.State, h.ERP, engine.SnapshotOptions{MaxRemoveShare: h.Config.ERP.MaxRemoveShare})
	if err != nil {
		return err
	}
	read := 0
	for _, k := range sum.Kinds {
		read += k.Read
	}
	fmt.Fprintf(o.Out, "ERP read: %d records in %s\n", read, sum.Duration.Round(time.Millisecond))
	ids, err := h.StoreIDs("")
	if err != nil {
		return err
	}
	for _, id := range ids {
		st, err := h.EngineStore(id)
		if err != nil {
			return err
		}
		ps, err := engine.Project(ctx, h.State, st, time.Now(), engine.ProjectOptions{})
		if err != nil {
			return err
		}
		start := time.Now()
		pu, err := engine.NewPusher(h.State, st, engine.PusherOptions{Logger: h.Log}).Run(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "  %-6s %5d items pushed in %3d batches (%s); %d not pushable (no price on the list); %d products out of scope\n",
			id, pu.Pushed, pu.Batches, time.Since(start).Round(time.Millisecond), ps.Parked+pu.Parked, ps.OutOfScope)
	}
	return nil
}

// change is one ERP edit the loop waits to see in the shops.
type change struct {
	sku   string
	kind  string
	at    time.Time
	acked map[string]string // store → acked hash when the change was made
}

// changeWatch is how long a change is watched for; a change that leaves a
// shop's document as it was (rounding, a cap) never shows there.
const changeWatch = 30 * time.Second

func changeLoop(ctx context.Context, o Options, h *hub.Hub, db *sqlx.DB) error {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	ids, err := h.StoreIDs("")
	if err != nil {
		return err
	}
	// Change products the first shop carries, so each change shows somewhere.
	var carried []int
	err = h.State.StreamStoreItems(ctx, ids[0], func(it state.StoreItem) error {
		var n int
		if it.Kind == "stock" && len(it.SKU) == len("TWR-000000") {
			if _, err := fmt.Sscanf(it.SKU, "TWR-%06d", &n); err == nil {
				carried = append(carried, n)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(carried) == 0 {
		return errors.New("demo: the shops carry no product to change")
	}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	watch := time.NewTicker(250 * time.Millisecond)
	defer watch.Stop()
	var (
		pending []*change
		orders  []*placedOrder
		ticks   int
	)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			ticks++
			var c *change
			if ticks%3 == 0 {
				// A customer orders in one shop: the order goes to the ERP's
				// staging tables and the other shops' stock drops at once.
				placed, err := placeOrder(ctx, o, ids[rng.IntN(len(ids))], carried, rng)
				if err != nil {
					return err
				}
				if placed == nil {
					continue
				}
				orders = append(orders, placed)
				c = &change{sku: placed.sku, kind: "stock"}
			} else if c, err = makeChange(ctx, o, carried[rng.IntN(len(carried))], rng, db); err != nil {
				return err
			}
			c.at, c.acked = time.Now(), map[string]string{}
			for _, id := range ids {
				if it, err := h.State.GetStoreItem(ctx, id, c.kind, c.sku); err == nil {
					c.acked[id] = it.AckedHash
				}
			}
			pending = append(pending, c)
		case <-watch.C:
			pending = reportPushed(ctx, o, h, pending)
			orders = reportOrders(ctx, o, h, orders)
		}
	}
}

// makeChange changes the price or the stock of a random product in the ERP.
func makeChange(ctx context.Context, o Options, n int, rng *rand.Rand, db *sqlx.DB) (*change, error) {
	id := n * 10 // the fixture's product card ids
	sku := fmt.Sprintf("TWR-%06d", n)
	if rng.IntN(2) == 0 {
		pct := decimal.NewFromInt(int64(rng.IntN(21) - 10)) // -10% .. +10%
		factor := decimal.NewFromInt(1).Add(pct.Div(decimal.NewFromInt(100)))
		res, err := db.ExecContext(ctx, "UPDATE CDN.TwrCeny SET TwC_Wartosc = ROUND(TwC_Wartosc * ?, 2) WHERE TwC_TwrID = ?", factor.String(), id)
		if err != nil {
			return nil, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			fmt.Fprintf(o.Out, "ERP: prices of %s changed by %s%%\n", sku, pct)
		}
		return &change{sku: sku, kind: "price"}, nil
	}
	qty := rng.IntN(40)
	_, err := db.ExecContext(ctx, `UPDATE CDN.TwrIlosci SET TwI_Ilosc = ?, TwI_Rezerwacje = 0
WHERE TwI_TwrId = ? AND TwI_Data = (SELECT MAX(x.TwI_Data) FROM CDN.TwrIlosci x WHERE x.TwI_TwrId = CDN.TwrIlosci.TwI_TwrId AND x.TwI_MagId = CDN.TwrIlosci.TwI_MagId)`, qty, id)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "ERP: stock of %s set to %d in every warehouse\n", sku, qty)
	return &change{sku: sku, kind: "stock"}, nil
}

// reportPushed prints, per change, the shops whose acknowledged state moved
// on since the change, and drops changes that every shop carrying the SKU took.
func reportPushed(ctx context.Context, o Options, h *hub.Hub, pending []*change) []*change {
	var keep []*change
	for _, c := range pending {
		stores := make([]string, 0, len(c.acked))
		for id := range c.acked {
			stores = append(stores, id)
		}
		sort.Strings(stores)
		for _, id := range stores {
			it, err := h.State.GetStoreItem(ctx, id, c.kind, c.sku)
			if err != nil || it.AckedHash == c.acked[id] || it.Dirty() {
				continue
			}
			fmt.Fprintf(o.Out, "  %-6s now shows %s %s: %s\n", id, c.kind, c.sku, describe(it.DesiredPayload))
			delete(c.acked, id)
		}
		if len(c.acked) > 0 && time.Since(c.at) < changeWatch {
			keep = append(keep, c)
		}
	}
	return keep
}

func describe(payload []byte) string {
	var env engine.Envelope
	if json.Unmarshal(payload, &env) != nil {
		return "?"
	}
	var p store.PriceDoc
	if json.Unmarshal(env.Doc, &p) == nil && !p.Regular.IsZero() {
		basis := "net"
		if p.Gross {
			basis = "gross"
		}
		return fmt.Sprintf("%s %s %s", p.Regular.StringFixed(2), p.Currency, basis)
	}
	var s store.StockDoc
	if json.Unmarshal(env.Doc, &s) == nil {
		return fmt.Sprintf("%s (%s)", s.Quantity, s.Status)
	}
	return "?"
}

// randomToken is the demo's admin token, new on every run.
func randomToken() string {
	b := make([]byte, 12)
	_, _ = crand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

// placedOrder is an order the demo placed, watched until it is imported.
type placedOrder struct {
	store, id, sku string
	at             time.Time
}

// placeOrder has a customer buy one unit of a product the shop shows in
// stock; nil when the picked product is sold out there.
func placeOrder(ctx context.Context, o Options, storeID string, carried []int, rng *rand.Rand) (*placedOrder, error) {
	shop := memory.ShopFor(storeID)
	for range 10 {
		sku := fmt.Sprintf("TWR-%06d", carried[rng.IntN(len(carried))])
		p, ok := shop.Product(sku)
		if !ok || !p.Active || p.StockQuantity == nil || !p.StockQuantity.IsPositive() || p.RegularPrice == nil {
			continue
		}
		id, err := shop.PlaceOrder(ctx, memory.OrderSpec{
			Lines:          []memory.LineSpec{{SKU: sku, Quantity: decimal.NewFromInt(1)}},
			Customer:       catalog.Customer{Kind: catalog.CustomerPerson, Email: "klient@example.pl", FirstName: "Zofia", LastName: "Wójcik"},
			Billing:        catalog.Address{Name: "Zofia Wójcik", Street: "ul. Łąkowa 5", City: "Łódź", PostalCode: "90-001", Country: "PL"},
			ShippingMethod: "kurier", PaymentMethod: "przelew", Paid: true,
		})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Out, "%s: a customer ordered 1 × %s (shop order %s)\n", storeID, sku, id)
		return &placedOrder{store: storeID, id: id, sku: sku, at: time.Now()}, nil
	}
	return nil, nil
}

// reportOrders prints the orders that reached the ERP's staging tables.
func reportOrders(ctx context.Context, o Options, h *hub.Hub, placed []*placedOrder) []*placedOrder {
	var keep []*placedOrder
	for _, p := range placed {
		in, err := h.State.OrderByKey(ctx, p.store, p.id)
		switch {
		case err == nil && in.State == state.OrderImported:
			fmt.Fprintf(o.Out, "  %s order %s reached the ERP staging tables (staging id %s)\n", p.store, p.id, in.ERPRef)
		case err == nil && (in.State == state.OrderParked || in.State == state.OrderInvalid):
			fmt.Fprintf(o.Out, "  %s order %s parked: %s\n", p.store, p.id, in.Reason)
		case time.Since(p.at) < changeWatch:
			keep = append(keep, p)
		}
	}
	return keep
}
