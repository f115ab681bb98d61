package httpstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

const (
	testToken  = "tok-3f9a1c77e2"
	testSecret = "whsec-81bd55e0aa"
)

// clock is a settable clock shared by the adapter and the shop.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// injected is one canned answer the fault layer gives instead of the shop.
type injected struct {
	status int
	header map[string]string
	body   string
	// block holds the request until the client gives up; started is closed
	// when it arrives.
	block   bool
	started chan struct{}
	// delay holds the request that long (or until the client gives up),
	// then lets the shop serve it.
	delay time.Duration
}

// faultLayer sits in front of the shop's handler, counts requests and
// answers with queued faults first.
type faultLayer struct {
	next     http.Handler
	mu       sync.Mutex
	queue    []injected
	requests int
	// release frees blocked requests when the test ends.
	release chan struct{}
}

func (f *faultLayer) push(in ...injected) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, in...)
}

func (f *faultLayer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *faultLayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	var in *injected
	if len(f.queue) > 0 {
		in = &f.queue[0]
		f.queue = f.queue[1:]
	}
	f.mu.Unlock()
	if in == nil {
		f.next.ServeHTTP(w, r)
		return
	}
	if in.delay > 0 {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		timer := time.NewTimer(in.delay)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-f.release:
			return
		case <-timer.C:
		}
		f.next.ServeHTTP(w, r)
		return
	}
	if in.block {
		// Read the body so the server watches the connection and cancels
		// the request's context when the client goes away.
		_, _ = io.Copy(io.Discard, r.Body)
		close(in.started)
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	for k, v := range in.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(in.status)
	_, _ = w.Write([]byte(in.body))
}

// bundle is one shop (Memory behind shopserver behind the fault layer) and
// one adapter talking to it.
type bundle struct {
	mem    *shopserver.Memory
	faults *faultLayer
	url    string
	st     *httpstore.Store
	clock  *clock
	logs   *syncBuffer
}

type options struct {
	maxBatch  int
	batchSize int
	pageSize  int
	// realClock leaves the shop and the adapter on time.Now.
	realClock bool
	// budget is the shop's request budget per minute (0: none).
	budget int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setup(t *testing.T, o options) *bundle {
	t.Helper()
	b := &bundle{mem: shopserver.NewMemory(), clock: newClock(), logs: &syncBuffer{}}
	if !o.realClock {
		b.mem.SetClock(b.clock.Now)
	}
	logger := slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := shopserver.Config{Backend: b.mem, Token: testToken, MaxBatch: o.maxBatch, Logger: logger, Budget: o.budget}
	if !o.realClock {
		cfg.Now = b.clock.Now
	}
	srv, err := shopserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.faults = &faultLayer{next: srv, release: make(chan struct{})}
	ts := httptest.NewServer(b.faults)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(b.faults.release) })
	b.url = ts.URL
	b.st = newStore(t, b, o, testToken, logger)
	// The category the test products sit in, put straight into the shop.
	res, err := b.mem.Apply(context.Background(), []store.Item{{Kind: catalog.KindCategory, SKU: "tools", Op: store.OpUpsert,
		Doc: &store.CategoryDoc{Code: "tools", Name: "Tools", Path: "Tools"}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("seeding the category: %v %v", err, res)
	}
	return b
}

func newStore(t *testing.T, b *bundle, o options, token string, logger *slog.Logger) *httpstore.Store {
	t.Helper()
	var opts []httpstore.Option
	if !o.realClock {
		opts = append(opts, httpstore.WithClock(b.clock.Now))
	}
	st, err := httpstore.New(store.Params{
		StoreID:     "b2b",
		Connection:  &httpstore.Connection{URL: b.url + "/", BatchSize: o.batchSize, PageSize: o.pageSize},
		Credentials: &httpstore.Credentials{Token: token, WebhookSecret: testSecret},
		Logger:      logger,
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func product(sku string) store.Item {
	return store.Item{Kind: catalog.KindProduct, SKU: sku, Op: store.OpUpsert, Doc: &store.ProductDoc{
		SKU: sku, Name: "Product " + sku, EAN: "590" + sku, VATRate: dec("23"), Active: true,
		Categories: []string{"tools"}, Axes: []string{"size"},
	}}
}

func variant(sku, parent, size string) store.Item {
	return store.Item{Kind: catalog.KindVariant, SKU: sku, Op: store.OpUpsert, Doc: &store.ProductDoc{
		SKU: sku, ParentSKU: parent, Name: "Variant " + sku, VATRate: dec("23"), Active: true,
		Options: map[string]string{"size": size},
	}}
}

func price(sku, amount string) store.Item {
	return store.Item{Kind: catalog.KindPrice, SKU: sku, Op: store.OpUpsert, Doc: &store.PriceDoc{
		SKU: sku, Currency: "PLN", Gross: true, Regular: dec(amount),
	}}
}

func stock(sku, qty string) store.Item {
	return store.Item{Kind: catalog.KindStock, SKU: sku, Op: store.OpUpsert, Doc: &store.StockDoc{
		SKU: sku, Quantity: dec(qty), Status: store.InStock,
	}}
}

func products(n int) []store.Item {
	items := make([]store.Item, n)
	for i := range items {
		items[i] = product(fmt.Sprintf("SKU-%03d", i))
	}
	return items
}

// pushOK pushes items and fails the test on any error.
func pushOK(t *testing.T, st store.Store, items []store.Item) []store.Result {
	t.Helper()
	res, err := st.Push(context.Background(), items)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("push: item %d (%s %s): %v", i, r.Kind, r.SKU, r.Err)
		}
	}
	return res
}

// sell sets up a product with price and stock and places an order for it.
func (b *bundle) placeOrder(t *testing.T, sku string) catalog.Order {
	t.Helper()
	if _, ok := b.mem.Item(catalog.KindPrice, sku); !ok {
		pushOK(t, b.st, []store.Item{product(sku), price(sku, "19.99"), stock(sku, "100")})
	}
	o, err := b.mem.PlaceOrder(context.Background(), shopserver.OrderSpec{
		Customer: catalog.Customer{Kind: catalog.CustomerPerson, Email: "jan@example.com"},
		Billing:  catalog.Address{Name: "Jan Kowalski", City: "Kraków", Country: "PL"},
		Lines:    []shopserver.LineSpec{{SKU: sku, Quantity: dec("2")}},
		Shipping: catalog.Shipping{Method: "courier", Cost: dec("15.00"), VATRate: dec("23")},
		Payment:  "transfer",
	})
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Add(time.Second)
	return o.Order
}

func newStoreNoSecret(t *testing.T, b *bundle) *httpstore.Store {
	t.Helper()
	st, err := httpstore.New(store.Params{
		StoreID:     "b2c",
		Connection:  httpstore.Connection{URL: b.url},
		Credentials: httpstore.Credentials{Token: testToken},
	}, httpstore.WithClock(b.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
