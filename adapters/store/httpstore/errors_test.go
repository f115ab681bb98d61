package httpstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	errJSON := func(code string) string { return `{"error":{"code":"` + code + `","message":"m"}}` }
	tests := []struct {
		name  string
		in    injected
		class fault.Class
		after time.Duration
	}{
		{"401", injected{status: 401, body: errJSON("unauthorized")}, fault.FatalClass, 0},
		{"403", injected{status: 403, body: errJSON("forbidden")}, fault.FatalClass, 0},
		{"404 wrong base URL", injected{status: 404, body: "<html>nginx</html>"}, fault.FatalClass, 0},
		{"429 seconds", injected{status: 429, header: map[string]string{"Retry-After": "7"}, body: errJSON("rate_limited")}, fault.RateLimitedClass, 7 * time.Second},
		{"429 date", injected{status: 429, header: map[string]string{"Retry-After": "Sun, 29 Mar 2026 00:31:30 GMT"}}, fault.RateLimitedClass, 90 * time.Second},
		{"429 without Retry-After", injected{status: 429}, fault.RateLimitedClass, 0},
		{"400", injected{status: 400, body: errJSON("bad_request")}, fault.PermanentClass, 0},
		{"413", injected{status: 413, body: errJSON("batch_too_large")}, fault.PermanentClass, 0},
		{"500", injected{status: 500, body: errJSON("internal")}, fault.Retryable, 0},
		{"502 from a proxy", injected{status: 502, body: "Bad Gateway"}, fault.Retryable, 0},
		{"503", injected{status: 503}, fault.Retryable, 0},
		{"200 malformed", injected{status: 200, body: `{"results":`}, fault.Retryable, 0},
		{"200 wrong count", injected{status: 200, body: `{"results":[]}`}, fault.Retryable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			b.faults.push(tc.in)
			_, err := b.st.Push(context.Background(), products(1))
			if err == nil {
				t.Fatal("Push succeeded")
			}
			class, after := fault.Classify(err)
			if class != tc.class || after != tc.after {
				t.Errorf("Push error %v classified %s after %s, want %s after %s", err, class, after, tc.class, tc.after)
			}
		})
	}
}

func TestClassificationOnEveryCall(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	placed := b.placeOrder(t, "P1")
	calls := map[string]func() error{
		"ListItems": func() error { return b.st.ListItems(context.Background(), func(store.Existing) error { return nil }) },
		"Orders":    func() error { _, err := b.st.Orders(context.Background(), time.Time{}, ""); return err },
		"Order":     func() error { _, err := b.st.Order(context.Background(), placed.ShopOrderID); return err },
		"SetStatus": func() error {
			return b.st.SetStatus(context.Background(), placed.ShopOrderID, catalog.StatusUpdate{Status: catalog.StatusProcessing})
		},
	}
	for name, call := range calls {
		for _, in := range []struct {
			status int
			class  fault.Class
		}{{401, fault.FatalClass}, {429, fault.RateLimitedClass}, {500, fault.Retryable}} {
			b.faults.push(injected{status: in.status, header: map[string]string{"Retry-After": "3"}})
			if class, _ := fault.Classify(call()); class != in.class {
				t.Errorf("%s with %d: class %s, want %s", name, in.status, class, in.class)
			}
		}
		if err := call(); err != nil {
			t.Errorf("%s after the faults: %v", name, err)
		}
	}
}

func TestWrongTokenIsFatal(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	st := newStore(t, b, options{}, "wrong-token", nil)
	_, err := st.Push(context.Background(), products(1))
	if !fault.IsFatal(err) {
		t.Fatalf("err = %v, want Fatal", err)
	}
	var se *httpstore.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Errorf("err = %v, want a 401 StatusError", err)
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	st, err := httpstore.New(store.Params{
		StoreID:     "down",
		Connection:  &httpstore.Connection{URL: "http://127.0.0.1:1"},
		Credentials: &httpstore.Credentials{Token: testToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Push(context.Background(), products(1))
	if err == nil {
		t.Fatal("push to a closed port succeeded")
	}
	if class, _ := fault.Classify(err); class != fault.Retryable {
		t.Errorf("network error %v classified %s, want retryable", err, class)
	}
	_ = b
}

func TestContextCancellation(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	started := make(chan struct{})
	b.faults.push(injected{block: true, started: started})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.st.Push(ctx, products(2))
		done <- err
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Push after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Push did not return after its context was cancelled")
	}

	before := b.faults.count()
	_, err := b.st.Push(ctx, products(1))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Push with a cancelled context = %v, want context.Canceled", err)
	}
	if _, err := b.st.Orders(ctx, time.Time{}, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Orders with a cancelled context = %v, want context.Canceled", err)
	}
	if n := b.faults.count() - before; n != 0 {
		t.Errorf("%d requests sent with a cancelled context", n)
	}
}

func TestLogsCarryStoreAndNoSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.placeOrder(t, "P1")
	b.faults.push(injected{status: 401})
	_, _ = b.st.Push(context.Background(), products(1))
	logs := b.logs.String()
	for _, secret := range []string{testToken, testSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs hold a secret:\n%s", logs)
		}
	}
	if !strings.Contains(logs, "store=b2b") || !strings.Contains(logs, "adapter=http") || !strings.Contains(logs, "status=401") {
		t.Errorf("logs lack store, adapter or status attributes:\n%s", logs)
	}
}

func TestFactory(t *testing.T) {
	t.Parallel()
	f, err := store.Registry.Get("http")
	if err != nil {
		t.Fatal(err)
	}
	conn, ok := f.Connection().(*httpstore.Connection)
	if !ok {
		t.Fatalf("Connection() = %T", f.Connection())
	}
	cred, ok := f.Credentials().(*httpstore.Credentials)
	if !ok {
		t.Fatalf("Credentials() = %T", f.Credentials())
	}
	conn.URL, cred.Token = "https://shop.example/erpbridge", "t"
	st, err := f.New(context.Background(), store.Params{StoreID: "x", Connection: conn, Credentials: cred, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	feat := st.Features()
	if feat.BatchSize != 500 || feat.Money != store.MoneyDecimalString || feat.Basis != store.BasisEither ||
		feat.IntegerStock || feat.MaxVariantAxes != 5 || len(feat.Kinds) != 5 || feat.WebhookScheme != "erpbridge-v1" {
		t.Errorf("Features() = %+v", feat)
	}
	for _, k := range []catalog.Kind{catalog.KindProduct, catalog.KindVariant, catalog.KindCategory, catalog.KindPrice, catalog.KindStock} {
		if !feat.Pushes(k) {
			t.Errorf("Features does not push %s", k)
		}
	}

	bad := []struct {
		name string
		conn any
		cred any
		want string
	}{
		{"no url", &httpstore.Connection{}, &httpstore.Credentials{Token: "t"}, "connection.url: missing"},
		{"ftp url", &httpstore.Connection{URL: "ftp://x"}, &httpstore.Credentials{Token: "t"}, "not an http(s) URL"},
		{"query in url", &httpstore.Connection{URL: "https://x/?a=1"}, &httpstore.Credentials{Token: "t"}, "query"},
		{"no token", &httpstore.Connection{URL: "https://x"}, &httpstore.Credentials{}, "credentials.token"},
		{"page size", &httpstore.Connection{URL: "https://x", PageSize: 501}, &httpstore.Credentials{Token: "t"}, "page_size"},
		{"negative batch", &httpstore.Connection{URL: "https://x", BatchSize: -1}, &httpstore.Credentials{Token: "t"}, "batch_size"},
		{"wrong type", "https://x", &httpstore.Credentials{Token: "t"}, "connection is string"},
	}
	for _, tc := range bad {
		_, err := httpstore.New(store.Params{StoreID: "x", Connection: tc.conn, Credentials: tc.cred})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestOrderWithoutIDIsKeptNotDropped(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.faults.push(injected{status: 200, body: `{"orders":[{"status":"new"},{"shop_order_id":"o-2","updated_at":"2026-03-29T00:30:00Z"}]}`})
	page, err := b.st.Orders(context.Background(), time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 2 || !strings.HasPrefix(page.Orders[0].ID, httpstore.UnidentifiedPrefix) || page.Orders[1].ID != "o-2" {
		t.Fatalf("orders = %+v, want the unidentified one kept beside o-2", page.Orders)
	}
	if _, err := b.st.ParseOrder(page.Orders[0].Raw); !fault.IsPermanent(err) || !strings.Contains(err.Error(), "shop_order_id: missing") {
		t.Errorf("ParseOrder of the unidentified order = %v, want a Permanent error naming shop_order_id", err)
	}
}
