package memory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func newStore(t *testing.T, shop *memory.Shop, log *slog.Logger) *memory.Store {
	t.Helper()
	st, err := memory.New("test", shop, memory.DefaultConnection(), memory.Credentials{WebhookSecret: "hush-hush"}, log)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// seed pushes one product with a price and stock.
func seed(t *testing.T, st *memory.Store, sku, price, qty string) {
	t.Helper()
	res, err := st.Push(context.Background(), []store.Item{
		{Kind: catalog.KindProduct, SKU: sku, Op: store.OpUpsert, Doc: &store.ProductDoc{
			SKU: sku, Name: "Product " + sku, VATRate: decimal.NewFromInt(23), Active: true}},
		{Kind: catalog.KindPrice, SKU: sku, Op: store.OpUpsert, Doc: &store.PriceDoc{
			SKU: sku, Currency: "PLN", Gross: true, Regular: decimal.RequireFromString(price)}},
		{Kind: catalog.KindStock, SKU: sku, Op: store.OpUpsert, Doc: &store.StockDoc{
			SKU: sku, Quantity: decimal.RequireFromString(qty), Status: store.InStock}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("seed %s %s: %v", r.Kind, r.SKU, r.Err)
		}
	}
}

func TestFactory(t *testing.T) {
	t.Parallel()
	f, ok := store.Registry.Lookup("memory")
	if !ok {
		t.Fatal(`"memory" is not registered`)
	}
	conn, ok := f.Connection().(*memory.Connection)
	if !ok || conn.BatchSize != 100 || conn.Basis != "gross" || conn.OrderPageSize != 50 || conn.Currency != "PLN" {
		t.Fatalf("Connection() = %#v, want defaults", f.Connection())
	}
	if err := conn.Latency.UnmarshalText([]byte("250ms")); err != nil || conn.Latency.Duration != 250*time.Millisecond {
		t.Fatalf("Latency from 250ms = %v, %v", conn.Latency, err)
	}
	conn.Latency = memory.Duration{}
	conn.BatchSize = 7
	id := "factory-" + t.Name()
	t.Cleanup(func() { memory.Shops.Delete(id) })
	st, err := f.New(context.Background(), store.Params{StoreID: id, Connection: conn,
		Credentials: &memory.Credentials{WebhookSecret: "w"}})
	if err != nil {
		t.Fatal(err)
	}
	ms := st.(*memory.Store)
	if ms.Shop() != memory.ShopFor(id) {
		t.Error("the factory's store does not use the process-wide shop of its id")
	}
	if got := st.Features().BatchSize; got != 7 {
		t.Errorf("BatchSize = %d, want 7 from the connection", got)
	}
	body := []byte(`{}`)
	if err := ms.VerifyWebhook(memory.ShopFor(id).SignWebhook(memory.TopicPing, body), body); err != nil {
		t.Errorf("the shop signs with a secret the store does not verify: %v", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*memory.Connection)
		want string
	}{
		{"batch size", func(c *memory.Connection) { c.BatchSize = 0 }, "batch_size 0"},
		{"basis", func(c *memory.Connection) { c.Basis = "gros" }, `basis "gros"`},
		{"page size", func(c *memory.Connection) { c.OrderPageSize = -1 }, "order_page_size -1"},
		{"currency", func(c *memory.Connection) { c.Currency = "zloty" }, `currency "zloty"`},
		{"latency", func(c *memory.Connection) { c.Latency.Duration = -time.Second }, "latency -1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := memory.DefaultConnection()
			tc.edit(&c)
			_, err := memory.New("bad", memory.NewShop(), c, memory.Credentials{}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	f, _ := store.Registry.Lookup("memory")
	if _, err := f.New(context.Background(), store.Params{StoreID: "x", Connection: "batch_size: 5"}); err == nil {
		t.Error("factory took a connection of the wrong type")
	}
	if _, err := f.New(context.Background(), store.Params{}); err == nil {
		t.Error("factory took an empty store id")
	}
}

func TestOrderRoundTrip(t *testing.T) {
	t.Parallel()
	shop := memory.NewShop()
	shop.SetClock(func() time.Time { return time.Date(2026, 3, 29, 2, 30, 0, 0, time.FixedZone("CEST", 2*3600)) })
	st := newStore(t, shop, nil)
	seed(t, st, "A", "12.30", "10")
	seed(t, st, "B", "0.10", "10")
	id, err := shop.PlaceOrder(context.Background(), memory.OrderSpec{
		Lines: []memory.LineSpec{
			{SKU: "A", Quantity: decimal.NewFromInt(3)},
			{SKU: "B", Quantity: decimal.RequireFromString("0.5")},
		},
		Customer:     catalog.Customer{CompanyName: "ACME sp. z o.o.", NIP: "5260250274", NIPCountry: "PL", Email: "b2b@example.com"},
		ShippingCost: decimal.RequireFromString("15.99"),
	})
	if err != nil {
		t.Fatal(err)
	}
	so, err := st.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.ParseOrder(so.Raw)
	if err != nil {
		t.Fatal(err)
	}
	wantTotal := decimal.RequireFromString("52.94") // 36.90 + 0.05 + 15.99
	if !o.Total.Equal(wantTotal) || !o.LinesTotal().Equal(wantTotal) {
		t.Errorf("total %s, lines total %s, want %s", o.Total, o.LinesTotal(), wantTotal)
	}
	if !o.Lines[0].Total.Equal(decimal.RequireFromString("36.90")) || !o.Lines[1].Quantity.Equal(decimal.RequireFromString("0.5")) {
		t.Errorf("lines %+v", o.Lines)
	}
	if o.Customer.Kind != catalog.CustomerCompany || o.Customer.NIP != "5260250274" {
		t.Errorf("customer %+v, want the company with its NIP", o.Customer)
	}
	// The shop's times strictly increase, so a fixed clock advances by
	// microseconds per write.
	if want := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC); !o.PlacedAt.Truncate(time.Millisecond).Equal(want) || o.PlacedAt.Location() != time.UTC {
		t.Errorf("placed at %s, want %s in UTC", o.PlacedAt, want)
	}
	if p, _ := shop.Product("A"); !p.StockQuantity.Equal(decimal.NewFromInt(7)) {
		t.Errorf("stock of A after ordering 3 of 10 is %s", p.StockQuantity)
	}
	if _, err := shop.PlaceOrder(context.Background(), memory.OrderSpec{
		Lines: []memory.LineSpec{{SKU: "A", Quantity: decimal.NewFromInt(8)}}}); err == nil {
		t.Error("the shop sold 8 of A with 7 in stock")
	}
	if _, err := shop.PlaceOrder(context.Background(), memory.OrderSpec{Lines: []memory.LineSpec{
		{SKU: "A", Quantity: decimal.NewFromInt(4)}, {SKU: "A", Quantity: decimal.NewFromInt(4)}}}); err == nil {
		t.Error("the shop sold 4+4 of A in one order with 7 in stock")
	}
}

func TestOrdersBadPageToken(t *testing.T) {
	t.Parallel()
	st := newStore(t, memory.NewShop(), nil)
	for _, tok := range []string{"%%%", "bm90LWEtdG9rZW4", "eHx5"} {
		if _, err := st.Orders(context.Background(), time.Time{}, tok); !fault.IsPermanent(err) {
			t.Errorf("Orders with page token %q: %v, want a Permanent error", tok, err)
		}
	}
}

func TestWebhookKinds(t *testing.T) {
	t.Parallel()
	shop := memory.NewShop()
	st := newStore(t, shop, nil)
	for topic, want := range map[string]store.WebhookKind{
		memory.TopicPing: store.WebhookPing, "product.updated": store.WebhookOther,
		memory.TopicOrderCreated: store.WebhookOrder,
	} {
		body := []byte(`{"id":"o-1"}`)
		h := shop.SignWebhook(topic, body)
		if err := st.VerifyWebhook(h, body); err != nil {
			t.Errorf("%s: verify: %v", topic, err)
		}
		w, err := st.ParseWebhook(h, body)
		if err != nil || w.Kind != want || w.DeliveryID == "" {
			t.Errorf("%s: ParseWebhook = %+v, %v; want kind %s with a delivery id", topic, w, err, want)
		}
	}
	noSecret, err := memory.New("nosecret", memory.NewShop(), memory.DefaultConnection(), memory.Credentials{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := shop.SignWebhook(memory.TopicPing, nil)
	if err := noSecret.VerifyWebhook(h, nil); !errors.Is(err, store.ErrSignatureInvalid) {
		t.Errorf("a store without a secret verified a delivery: %v", err)
	}
	h.Set(memory.HeaderSignature, "not base64!")
	if err := st.VerifyWebhook(h, nil); !errors.Is(err, store.ErrSignatureInvalid) {
		t.Errorf("a non-base64 signature: %v, want ErrSignatureInvalid", err)
	}
}

func TestLogsCarryStoreNotSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	shop := memory.NewShop()
	st := newStore(t, shop, log)
	seed(t, st, "A", "1.00", "1")
	body := []byte(`{"id":"x"}`)
	_ = st.VerifyWebhook(shop.SignWebhook(memory.TopicOrderUpdated, body), body)
	out := buf.String()
	if !strings.Contains(out, "store=test") || !strings.Contains(out, "adapter=memory") {
		t.Errorf("log lines lack store and adapter:\n%s", out)
	}
	if strings.Contains(out, "hush-hush") {
		t.Errorf("log shows the webhook secret:\n%s", out)
	}
}

func TestClosedStoreRefuses(t *testing.T) {
	t.Parallel()
	st := newStore(t, memory.NewShop(), nil)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := st.Push(context.Background(), []store.Item{{Kind: catalog.KindStock, SKU: "A", Op: store.OpUpsert,
		Doc: &store.StockDoc{SKU: "A"}}})
	if err == nil {
		t.Error("a closed store pushed")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	shop := memory.NewShop()
	st := newStore(t, shop, nil)
	seed(t, st, "A", "5.00", "1000")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				sku := fmt.Sprintf("P%d-%d", i, j)
				if _, err := st.Push(context.Background(), []store.Item{{Kind: catalog.KindProduct, SKU: sku,
					Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: sku, Name: sku, Active: true}}}); err != nil {
					t.Error(err)
				}
				if _, err := shop.PlaceOrder(context.Background(), memory.OrderSpec{
					Lines: []memory.LineSpec{{SKU: "A", Quantity: decimal.NewFromInt(1)}}}); err != nil {
					t.Error(err)
				}
				_ = st.ListItems(context.Background(), func(store.Existing) error { return nil })
			}
		})
	}
	wg.Wait()
	if got := len(shop.Products()); got != 1+8*20 {
		t.Errorf("%d products, want %d", got, 1+8*20)
	}
	if got := len(shop.Orders()); got != 8*20 {
		t.Errorf("%d orders, want %d", got, 8*20)
	}
	if p, _ := shop.Product("A"); !p.StockQuantity.Equal(decimal.NewFromInt(1000 - 8*20)) {
		t.Errorf("stock of A is %s, want %d", p.StockQuantity, 1000-8*20)
	}
}

func FuzzParseOrder(f *testing.F) {
	shop := memory.NewShop()
	st, err := memory.New("fuzz", shop, memory.DefaultConnection(), memory.Credentials{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"id":"o-1","status":"pending","currency":"PLN","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z","line_items":[{"id":"1","sku":"A","name":"A","quantity":"1","price":"1.00","tax_rate":"23","total":"1.00"}],"shipping_line":{"total":"0.00","tax_rate":"23"},"payment":{"amount":"1.00"},"total":"1.00"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := st.ParseOrder(raw)
		if err != nil {
			if !fault.IsPermanent(err) {
				t.Errorf("ParseOrder error %v is not Permanent", err)
			}
			return
		}
		if o.ShopOrderID == "" || len(o.Lines) == 0 || o.PlacedAt.Location() != time.UTC {
			t.Errorf("ParseOrder accepted an order without id, lines or UTC time: %+v", o)
		}
	})
}
