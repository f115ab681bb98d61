package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// TestScenarios is a day in the life of a hub feeding a WooCommerce shop in
// PLN (b2c), an in-house B2B shop on the store protocol (b2b) and a
// WooCommerce shop abroad in EUR with a smaller scope, told in order: each
// step builds on the ones before.
func TestScenarios(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		if r := w.run("erp", "install-staging"); r.code != 0 {
			t.Fatalf("install-staging: %s", r)
		}

		// First full sync: every shop gets its catalog; abroad a smaller one.
		if r := w.run("sync"); r.code > 1 {
			t.Fatalf("first sync: %s", r)
		} else {
			for _, id := range []string{"b2c", "b2b", "abroad"} {
				if !strings.Contains(r.stdout, id) {
					t.Errorf("sync summary does not name %s:\n%s", id, r)
				}
			}
		}
		b2cProducts, _, _, _, _ := w.b2c.Counts()
		abroadProducts, _, _, _, _ := w.abroad.Counts()
		if b2cProducts == 0 || len(w.b2b.Items()) == 0 || abroadProducts == 0 || abroadProducts >= b2cProducts {
			t.Fatalf("after the first sync: b2c %d products, b2b %d items, abroad %d products (want fewer than b2c)", b2cProducts, len(w.b2b.Items()), abroadProducts)
		}
		common := w.skusInAllShops(3)
		if len(common) < 3 {
			t.Fatalf("only %d SKUs are in stock in all three shops", len(common))
		}
		priced, ordered, outage := common[0], common[1], common[2]

		srv := serve(t, w.cfg, w.listen)
		for id, f := range map[string]*fakewoo.Server{"b2c": w.b2c, "abroad": w.abroad} {
			if _, err := f.AddWebhook(ctx, "order.*", srv.url+"/webhooks/"+id, hookSecret); err != nil {
				t.Fatalf("%s webhook: %v\n%s", id, err, srv.log)
			}
		}

		t.Run("images the ERP keeps as data are served by the hub", func(t *testing.T) {
			var url string
			for _, it := range w.b2b.Items() {
				if d, ok := it.Doc.(*store.ProductDoc); ok {
					for _, u := range d.Images {
						if strings.HasPrefix(u, srv.url+"/images/") {
							url = u
						}
					}
				}
			}
			if url == "" {
				t.Fatal("no product in b2b has an image URL of the hub")
			}
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			sum := sha256.Sum256(body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(url, "/images/"+hex.EncodeToString(sum[:])+"/") {
				t.Fatalf("GET %s: %s, %d bytes whose hash is not the URL's", url, resp.Status, len(body))
			}
		})

		t.Run("a price change reaches each shop with its rules", func(t *testing.T) {
			w.setPrices(priced, "123.455", "80.005")
			abroad := decimal.RequireFromString("123.455").Mul(decimal.RequireFromString("0.23")).Mul(decimal.RequireFromString("1.08"))
			waitFor(t, "the new prices show in every shop", func() (bool, string) {
				g, _ := w.show("b2c", priced)
				n, _ := w.show("b2b", priced)
				a, _ := w.show("abroad", priced)
				ok := g.price == "123.46" && n.price == "80.00" && n.currency == "PLN" &&
					strings.HasSuffix(a.price, ".99") && near(a.price, abroad)
				return ok, fmt.Sprintf("b2c %+v, b2b %+v, abroad %+v", g, n, a)
			})
		})

		var orderID string
		t.Run("an order in one shop lowers stock in the others before the ERP knows", func(t *testing.T) {
			before := map[string]int{}
			for _, id := range []string{"b2b", "abroad"} {
				sh, _ := w.show(id, ordered)
				before[id] = sh.stock
			}
			erpStock := w.erpStock(ordered)
			o, err := w.b2c.Checkout(fakewoo.CheckoutSpec{
				Billing:       fakewoo.Address{FirstName: "Jan", LastName: "Nowak", Address1: "ul. Polna 1", City: "Kraków", Postcode: "30-001", Country: "PL", Email: "jan@example.pl"},
				PaymentMethod: "przelew", ShippingMethod: "kurier",
				Lines: []fakewoo.CheckoutLine{{SKU: ordered, Quantity: 2}},
			})
			if err != nil {
				t.Fatal(err)
			}
			orderID = strconv.Itoa(o.ID)
			waitFor(t, "b2b and abroad show 2 fewer", func() (bool, string) {
				n, _ := w.show("b2b", ordered)
				a, _ := w.show("abroad", ordered)
				return n.stock == before["b2b"]-2 && a.stock == before["abroad"]-2, fmt.Sprintf("b2b %d→%d, abroad %d→%d", before["b2b"], n.stock, before["abroad"], a.stock)
			})
			if got := w.erpStock(ordered); got != erpStock {
				t.Errorf("the ERP's stock of %s changed from %s to %s", ordered, erpStock, got)
			}
			if rows := w.staged("b2c", orderID); len(rows) > 1 || len(rows) == 1 && rows[0].State != "pending" {
				t.Errorf("nobody booked the order in the ERP, yet its staging rows are %+v", rows)
			}
		})

		t.Run("the order reaches staging exactly once", func(t *testing.T) {
			waitFor(t, "the order is staged", func() (bool, string) {
				rows := w.staged("b2c", orderID)
				return len(rows) == 1, fmt.Sprint(rows)
			})
			// The shop delivers the same webhook again and the order poll
			// sees the order too: still one row.
			var redelivered int
			for _, d := range w.b2c.Deliveries() {
				if d.Topic != "order.created" {
					continue
				}
				req, _ := http.NewRequest(http.MethodPost, srv.url+"/webhooks/b2c", bytes.NewReader(d.Body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(woocommerce.HeaderSignature, d.Signature)
				req.Header.Set(woocommerce.HeaderTopic, d.Topic)
				req.Header.Set(woocommerce.HeaderDeliveryID, d.DeliveryID)
				req.Header.Set(woocommerce.HeaderWebhookID, strconv.Itoa(d.WebhookID))
				req.Header.Set("X-WC-Webhook-Resource", "order")
				req.Header.Set("X-WC-Webhook-Event", "created")
				req.Header.Set("X-WC-Webhook-Source", w.urls["b2c"]+"/")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					t.Errorf("redelivered webhook: %s, want 2xx", resp.Status)
				}
				redelivered++
			}
			if redelivered == 0 {
				t.Fatal("the shop delivered no order.created webhook")
			}
			// A bad signature is refused.
			req, _ := http.NewRequest(http.MethodPost, srv.url+"/webhooks/b2c", strings.NewReader(`{"id":1}`))
			req.Header.Set(woocommerce.HeaderSignature, "bm90IHRoZSBzaWduYXR1cmU=")
			req.Header.Set(woocommerce.HeaderTopic, "order.created")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("forged webhook: %s, want 401", resp.Status)
			}
			if rows := w.staged("b2c", orderID); len(rows) != 1 {
				t.Errorf("staging rows of the order after redelivery: %+v, want 1", rows)
			}
			// The admin API lists it once, as imported into staging; it
			// wants the token.
			var list struct {
				Orders []struct {
					Store       string `json:"store"`
					ShopOrderID string `json:"shop_order_id"`
					State       string `json:"state"`
				} `json:"orders"`
			}
			if code := srv.api(t, "", "/api/v1/orders?store=b2c", nil); code != http.StatusUnauthorized {
				t.Errorf("orders without a token: %d, want 401", code)
			}
			if code := srv.api(t, adminToken, "/api/v1/orders?store=b2c", &list); code != http.StatusOK {
				t.Fatalf("orders: %d", code)
			}
			n := 0
			for _, o := range list.Orders {
				if o.ShopOrderID == orderID {
					n++
					if o.State != "imported" {
						t.Errorf("the API shows order %s as %s, want imported", orderID, o.State)
					}
				}
			}
			if n != 1 {
				t.Errorf("the API lists order %s %d times: %+v", orderID, n, list)
			}
		})

		t.Run("the importer's result comes back to the shop as status and tracking", func(t *testing.T) {
			rows := w.staged("b2c", orderID)
			if len(rows) != 1 {
				t.Fatalf("staging rows: %+v", rows)
			}
			w.importerBooks(rows[0].ID, "RO/17/2026", "shipped", "InPost", "620000111222333")
			waitFor(t, "the shop shows the ERP number, shipped and tracking", func() (bool, string) {
				o, _ := w.b2c.Order(atoi(orderID))
				meta := map[string]string{}
				for _, m := range o.MetaData {
					meta[m.Key], _ = m.Value.(string)
				}
				ok := o.Status == "completed" && meta[woocommerce.MetaERPNumber] == "RO/17/2026" &&
					meta[woocommerce.MetaTrackingNumber] == "620000111222333" && meta[woocommerce.MetaStatus] == "shipped"
				return ok, fmt.Sprintf("status %s, meta %v", o.Status, meta)
			})
			tracked := false
			for _, n := range w.b2c.Notes(atoi(orderID)) {
				tracked = tracked || strings.Contains(n.Note, "620000111222333")
			}
			if !tracked {
				t.Errorf("no tracking note on the order: %+v", w.b2c.Notes(atoi(orderID)))
			}
		})

		t.Run("B2B orders arrive by signed webhook, and by the order poll when the webhook is lost", func(t *testing.T) {
			hooks := &shopserver.Sender{URL: srv.url + "/webhooks/b2b", Secret: []byte(hookSecret)}
			place := func() string {
				o, err := w.b2b.PlaceOrder(ctx, shopserver.OrderSpec{
					Customer: catalog.Customer{Kind: catalog.CustomerPerson, Email: "zakupy@example.pl", FirstName: "Anna", LastName: "Kowalska"},
					Billing:  catalog.Address{Name: "Anna Kowalska", Street: "ul. Długa 2", City: "Gdańsk", PostalCode: "80-001", Country: "PL"},
					Shipping: catalog.Shipping{Method: "kurier"}, Payment: "przelew", Paid: true,
					Lines: []shopserver.LineSpec{{SKU: priced, Quantity: decimal.NewFromInt(1)}},
				})
				if err != nil {
					t.Fatal(err)
				}
				return o.ShopOrderID
			}
			hooked := place()
			o, err := w.b2b.Order(ctx, hooked)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := hooks.SendOrder(ctx, o, true); err != nil {
				t.Fatalf("webhook: %v\n%s", err, srv.log)
			}
			waitFor(t, "the webhooked order is staged", func() (bool, string) {
				rows := w.staged("b2b", hooked)
				return len(rows) == 1, fmt.Sprint(rows)
			})
			polled := place() // no webhook: only the order poll can find it
			waitFor(t, "the polled order is staged", func() (bool, string) {
				rows := w.staged("b2b", polled)
				return len(rows) == 1, fmt.Sprint(rows)
			})
			for _, id := range []string{hooked, polled} {
				rows := w.staged("b2b", id)
				if len(rows) != 1 || !decimal.RequireFromString(rows[0].Total).Equal(decimal.NewFromInt(80)) {
					t.Errorf("b2b order %s in staging: %+v, want one row with the net total 80.00", id, rows)
				}
			}
		})

		t.Run("a shop outage holds back only that shop, and it catches up", func(t *testing.T) {
			w.b2cDown.Store(true)   // answers 500
			w.b2bClosed.Store(true) // drops connections
			w.setPrices(outage, "99.99", "70.00")
			waitFor(t, "abroad shows the new price and both broken shops were tried", func() (bool, string) {
				a, _ := w.show("abroad", outage)
				return near(a.price, decimal.RequireFromString("24.84")) && w.b2cRefused.Load() > 0 && w.b2bRefused.Load() > 0,
					fmt.Sprintf("abroad %+v, b2c refused %d, b2b refused %d", a, w.b2cRefused.Load(), w.b2bRefused.Load())
			})
			if g, _ := w.show("b2c", outage); g.price == "99.99" {
				t.Fatalf("b2c changed while it was down: %+v", g)
			}
			w.b2cDown.Store(false)
			w.b2bClosed.Store(false)
			waitFor(t, "b2c and b2b catch up", func() (bool, string) {
				g, _ := w.show("b2c", outage)
				n, _ := w.show("b2b", outage)
				return g.price == "99.99" && n.price == "70.00", fmt.Sprintf("b2c %+v, b2b %+v", g, n)
			})
		})
		srv.stop(t)
		if srv.log.Len() == 0 {
			t.Error("serve logged nothing, not even the outage")
		}
		for _, secret := range []string{wooSecret, b2bToken, hookSecret, adminToken} {
			if strings.Contains(srv.log.String(), secret) {
				t.Errorf("a secret reached serve's log:\n%s", srv.log)
			}
		}

		t.Run("a change to one shop's rules re-projects that shop only", func(t *testing.T) {
			if r := w.run("sync"); r.code > 1 {
				t.Fatalf("sync: %s", r)
			}
			b2cWrites, b2bRevs := w.b2c.Writes(), revisions(w)
			before, _ := w.show("abroad", priced)
			w.abroadMarkup = "20"
			w.writeConfig()
			if r := w.run("sync"); r.code > 1 {
				t.Fatalf("sync with the new rules: %s", r)
			}
			after, _ := w.show("abroad", priced)
			want := decimal.RequireFromString("123.455").Mul(decimal.RequireFromString("0.23")).Mul(decimal.RequireFromString("1.20"))
			if after.price == before.price || !strings.HasSuffix(after.price, ".99") || !near(after.price, want) {
				t.Errorf("abroad price of %s with 20%% markup: %s (was %s), want about %s ending in .99", priced, after.price, before.price, want.StringFixed(2))
			}
			if got := w.b2c.Writes(); got != b2cWrites {
				t.Errorf("b2c got %d writes from abroad's rule change", got-b2cWrites)
			}
			if got := revisions(w); got != b2bRevs {
				t.Errorf("b2b got %d changes from abroad's rule change", got-b2bRevs)
			}
		})
	})
}

// revisions sums the b2b shop's item revisions: it grows with every change.
func revisions(w *world) int {
	n := 0
	for _, it := range w.b2b.Items() {
		n += it.Revision
	}
	return n
}

// TestConfigError: a mistake in the config is reported with its file and
// line, and the command exits 1 without starting anything.
func TestConfigError(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "erpbridge.yaml")
	text := `erp:
  driver: sqlite
  dsn: erp.db
  profile: comarch-optima
stores:
  - id: b2c
    type: woocommerce
    connection: {url: "http://127.0.0.1:1"}
    credentials: {consumer_key: ck, consumer_secret: cs}
    rules:
      prices: {list: detaliczna, basis: brutto}
      stock: {warehouses: [MAG]}
`
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(regexp.QuoteMeta(cfg) + `:11:\d+: stores\[0\]\.rules\.prices\.basis: .*brutto`)
	for _, args := range [][]string{{"config", "check", cfg}, {"--config", cfg, "serve"}, {"--config", cfg, "sync"}} {
		r := cli(t, args...)
		if r.code != 1 || !line.MatchString(r.stdout+r.stderr) {
			t.Errorf("erpbridge %s: want exit 1 and the error at line 11; got %s", strings.Join(args, " "), r)
		}
	}
}
