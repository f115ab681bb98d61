package vendure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func TestToMinor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		amount, currency string
		precision        int32
		want             int64
		permanent        bool
	}{
		{"12.30", "PLN", 2, 1230, false},
		{"12.3", "PLN", 2, 1230, false},
		{"0", "PLN", 2, 0, false},
		{"79", "EUR", 2, 7900, false},
		{"12.345", "PLN", 2, 0, true},
		{"-1.00", "PLN", 2, 0, true},
		{"100", "JPY", 2, 10000, false},
		{"1.5", "JPY", 2, 0, true},
		{"1.234", "KWD", 3, 1234, false},
		{"1.234", "KWD", 2, 0, true},
		{"21474836.47", "PLN", 2, 2147483647, false},
		{"21474836.48", "PLN", 2, 0, true},
	}
	for _, c := range cases {
		got, err := toMinor(decimal.RequireFromString(c.amount), c.currency, c.precision)
		if c.permanent {
			if !fault.IsPermanent(err) {
				t.Errorf("toMinor(%s %s, %d) = %d, %v; want a permanent error", c.amount, c.currency, c.precision, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("toMinor(%s %s, %d) = %d, %v; want %d", c.amount, c.currency, c.precision, got, err, c.want)
		}
	}
}

func TestFromMinor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		prec int32
		want string
		bad  bool
	}{
		{"1230", 2, "12.3", false},
		{"5", 2, "0.05", false},
		{"-150", 2, "-1.5", false},
		{"1234", 3, "1.234", false},
		{"", 2, "0", false},
		{"12.5", 2, "", true},
		{"1e999999999", 2, "", true},
		{"99999999999999999999", 2, "", true},
	}
	for _, c := range cases {
		got, err := fromMinor(json.Number(c.in), c.prec)
		if c.bad {
			if err == nil {
				t.Errorf("fromMinor(%q) = %s, want an error", c.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("fromMinor(%q, %d) = %s, %v; want %s", c.in, c.prec, got, err, c.want)
		}
	}
}

func TestSlugRoundTrip(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ABC-123":     "p-abc-123",
		"ST-1A2B-FB0": "p-st-1a2b-fb0",
		"abc":         "p-_61_62_63",
		"A--B":        "p-a-_2db",
		"-A-":         "p-_2da_2d",
		"Ż 1/2":       "p-_c5_bb_201_2f2",
	}
	for sku, want := range cases {
		got := slugFor(sku)
		if got != want {
			t.Errorf("slugFor(%q) = %q, want %q", sku, got, want)
		}
		back, ok := skuFromSlug(got)
		if !ok || back != sku {
			t.Errorf("skuFromSlug(%q) = %q, %t; want %q", got, back, ok, sku)
		}
	}
	for _, slug := range []string{"", "p-", "kubek", "p-a--b", "p-_zz", "p-_6", "p-A"} {
		if sku, ok := skuFromSlug(slug); ok {
			t.Errorf("skuFromSlug(%q) = %q, want not ours", slug, sku)
		}
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"ABC-1", "abc", "-", "a--b", "Ż", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sku string) {
		slug := slugFor(sku)
		for i := 0; i < len(slug); i++ {
			c := slug[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				t.Fatalf("slugFor(%q) = %q has %q", sku, slug, c)
			}
		}
		if strings.Contains(slug, "--") {
			t.Fatalf("slugFor(%q) = %q has a double hyphen Vendure would collapse", sku, slug)
		}
		if sku == "" {
			return
		}
		if back, ok := skuFromSlug(slug); !ok || back != sku {
			t.Fatalf("skuFromSlug(slugFor(%q)) = %q, %t", sku, back, ok)
		}
	})
}

const sampleOrder = `{
  "id": "42", "code": "ABC123", "state": "PaymentSettled",
  "createdAt": "2026-12-03T10:00:00.000Z", "updatedAt": "2026-12-03T09:59:59.000Z",
  "orderPlacedAt": "2026-12-03T10:01:00.000Z", "currencyCode": "PLN",
  "subTotal": 12846, "subTotalWithTax": 15800, "shipping": 1220, "shippingWithTax": 1500,
  "total": 14066, "totalWithTax": 17300,
  "pricesIncludeTax": %s, "moneyPrecision": 2,
  "customer": {"id": "7", "firstName": "Jan", "lastName": "Kowalski", "emailAddress": "jan@example.com", "phoneNumber": "+48123"},
  "shippingAddress": {"fullName": "Jan Kowalski", "streetLine1": "Prosta 1", "city": "Warszawa", "postalCode": "00-001", "countryCode": "pl"},
  "billingAddress": {"fullName": "Jan Kowalski", "company": "ACME sp. z o.o.", "streetLine1": "Prosta 1", "city": "Warszawa", "postalCode": "00-001", "countryCode": "PL"},
  "lines": [{"id": "3", "quantity": 2, "unitPrice": 6423, "unitPriceWithTax": 7900, "linePrice": 12846, "linePriceWithTax": 15800, "taxRate": 23,
             "productVariant": {"id": "9", "sku": "TEE-RED-M", "name": "Koszulka M"}}],
  "shippingLines": [{"price": 1220, "priceWithTax": 1500, "shippingMethod": {"code": "courier", "name": "Courier"}}],
  "payments": [{"method": "dummy", "state": "Settled", "amount": 17300}],
  "fulfillments": []
}`

func orderJSON(gross string) []byte {
	return []byte(strings.Replace(sampleOrder, "%s", gross, 1))
}

func TestParseOrder(t *testing.T) {
	t.Parallel()
	d := decimal.RequireFromString
	for _, c := range []struct {
		gross                string
		unit, line, ship, tt string
	}{
		{"true", "79", "158", "15", "173"},
		{"false", "64.23", "128.46", "12.2", "140.66"},
	} {
		o, err := parseOrder(orderJSON(c.gross))
		if err != nil {
			t.Fatalf("gross=%s: %v", c.gross, err)
		}
		if o.ShopOrderID != "42" || o.Number != "ABC123" || o.Status != catalog.StatusProcessing || o.Currency != "PLN" {
			t.Errorf("gross=%s: header %+v", c.gross, o)
		}
		if o.PricesIncludeTax != (c.gross == "true") {
			t.Errorf("gross=%s: PricesIncludeTax %t", c.gross, o.PricesIncludeTax)
		}
		if want := time.Date(2026, 12, 3, 10, 1, 0, 0, time.UTC); !o.PlacedAt.Equal(want) || !o.UpdatedAt.Equal(want) {
			t.Errorf("placed %s updated %s, want both %s (updatedAt earlier than placement)", o.PlacedAt, o.UpdatedAt, want)
		}
		if len(o.Lines) != 1 {
			t.Fatalf("lines: %+v", o.Lines)
		}
		l := o.Lines[0]
		if l.SKU != "TEE-RED-M" || !l.Quantity.Equal(d("2")) || !l.UnitPrice.Equal(d(c.unit)) || !l.Total.Equal(d(c.line)) || !l.VATRate.Equal(d("23")) {
			t.Errorf("gross=%s: line %+v", c.gross, l)
		}
		if !o.Shipping.Cost.Equal(d(c.ship)) || o.Shipping.Method != "courier" || !o.Shipping.VATRate.Equal(d("23")) {
			t.Errorf("gross=%s: shipping %+v", c.gross, o.Shipping)
		}
		if !o.Total.Equal(d(c.tt)) || !o.Total.Equal(o.LinesTotal()) {
			t.Errorf("gross=%s: total %s, lines total %s", c.gross, o.Total, o.LinesTotal())
		}
		if o.Customer.Kind != catalog.CustomerCompany || o.Customer.CompanyName != "ACME sp. z o.o." || o.Customer.Email != "jan@example.com" {
			t.Errorf("customer %+v", o.Customer)
		}
		if o.ShippingAddress.Country != "PL" || o.Billing.Street != "Prosta 1" {
			t.Errorf("addresses %+v %+v", o.ShippingAddress, o.Billing)
		}
		if !o.Payment.Paid || !o.Payment.Amount.Equal(d("173")) || o.Payment.Method != "dummy" {
			t.Errorf("payment %+v", o.Payment)
		}
	}
}

func TestParseOrderRejects(t *testing.T) {
	t.Parallel()
	good := string(orderJSON("true"))
	cases := map[string]string{
		"no id":          strings.Replace(good, `"id": "42"`, `"id": ""`, 1),
		"no currency":    strings.Replace(good, `"currencyCode": "PLN"`, `"currencyCode": ""`, 1),
		"fraction money": strings.Replace(good, `"totalWithTax": 17300`, `"totalWithTax": 173.5`, 1),
		"exponent money": strings.Replace(good, `"totalWithTax": 17300`, `"totalWithTax": 1e999999999`, 1),
		"line w/o sku":   strings.Replace(good, `"sku": "TEE-RED-M"`, `"sku": ""`, 1),
		"bad quantity":   strings.Replace(good, `"quantity": 2`, `"quantity": -2`, 1),
		"bad tax rate":   strings.Replace(good, `"taxRate": 23`, `"taxRate": 1e99999`, 1),
		"bad precision":  strings.Replace(good, `"moneyPrecision": 2`, `"moneyPrecision": 99`, 1),
		"bad time":       strings.Replace(good, `"orderPlacedAt": "2026-12-03T10:01:00.000Z"`, `"orderPlacedAt": "yesterday"`, 1),
		"not an object":  `[1,2,3]`,
	}
	for name, raw := range cases {
		if raw == good {
			t.Fatalf("%s: the case changes nothing", name)
		}
		if _, err := parseOrder([]byte(raw)); !fault.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
}

func FuzzParseOrder(f *testing.F) {
	f.Add(orderJSON("true"))
	f.Add(orderJSON("false"))
	f.Add([]byte(`{"id":"1","currencyCode":"PLN","lines":[{"quantity":1,"productVariant":{"sku":"A"}}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id":"1","currencyCode":"PLN","totalWithTax":1e999999999}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := parseOrder(raw)
		if err != nil {
			if !fault.IsPermanent(err) {
				t.Fatalf("error %v is not permanent", err)
			}
			return
		}
		if o.ShopOrderID == "" || o.Currency == "" {
			t.Fatalf("parsed order without id or currency: %+v", o)
		}
	})
}

func TestStatusOf(t *testing.T) {
	t.Parallel()
	cases := map[string]catalog.OrderStatus{
		"AddingItems": catalog.StatusNew, "ArrangingPayment": catalog.StatusNew,
		"PaymentAuthorized": catalog.StatusOnHold, "PaymentSettled": catalog.StatusProcessing,
		"PartiallyShipped": catalog.StatusProcessing, "Shipped": catalog.StatusShipped,
		"PartiallyDelivered": catalog.StatusShipped, "Delivered": catalog.StatusCompleted,
		"Cancelled": catalog.StatusCancelled, "Modifying": catalog.StatusOnHold, "MyCustomState": catalog.StatusOnHold,
	}
	for state, want := range cases {
		if got := statusOf(state); got != want {
			t.Errorf("statusOf(%q) = %q, want %q", state, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Thu, 03 Dec 2026 12:00:30 GMT": 30 * time.Second,
		"Thu, 03 Dec 2026 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

// stub is a scripted Admin API: each request's operation name picks a
// handler; logins are counted.
type stub struct {
	mu      sync.Mutex
	ops     map[string]func(w http.ResponseWriter, vars map[string]any)
	logins  atomic.Int32
	calls   []string
	loginOK bool
}

func newStub(t *testing.T) (*stub, *httptest.Server) {
	s := &stub{ops: map[string]func(http.ResponseWriter, map[string]any){}, loginOK: true}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.on("Channel", func(w http.ResponseWriter, _ map[string]any) {
		io.WriteString(w, `{"data":{
  "activeChannel":{"code":"default","defaultCurrencyCode":"PLN","pricesIncludeTax":true,"defaultLanguageCode":"en","defaultTaxZone":{"id":"1"}},
  "globalSettings":{"serverConfig":{"moneyStrategyPrecision":2}},
  "taxRates":{"items":[{"value":23,"enabled":true,"zone":{"id":"1"},"category":{"id":"5"}},{"value":8,"enabled":true,"zone":{"id":"2"},"category":{"id":"6"}}]}}}`)
	})
	return s, srv
}

func (s *stub) on(op string, h func(http.ResponseWriter, map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops[op] = h
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := strings.Fields(req.Query)
	op := ""
	if len(f) > 1 {
		op, _, _ = strings.Cut(f[1], "(")
	}
	if op == "Login" {
		s.logins.Add(1)
		if !s.loginOK {
			io.WriteString(w, `{"data":{"login":{"__typename":"InvalidCredentialsError","errorCode":"INVALID_CREDENTIALS_ERROR","message":"bad"}}}`)
			return
		}
		w.Header().Set("vendure-auth-token", "tok-secret-123")
		io.WriteString(w, `{"data":{"login":{"__typename":"CurrentUser","id":"1","identifier":"admin"}}}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok-secret-123" {
		io.WriteString(w, `{"errors":[{"message":"not authorized","extensions":{"code":"FORBIDDEN"}}],"data":null}`)
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, op)
	h := s.ops[op]
	s.mu.Unlock()
	if h == nil {
		http.Error(w, "stub: no handler for "+op, http.StatusNotImplemented)
		return
	}
	h(w, req.Variables)
}

func stubStore(t *testing.T, url string, logTo io.Writer) *Store {
	t.Helper()
	if logTo == nil {
		logTo = io.Discard
	}
	st, err := New(context.Background(), store.Params{
		StoreID:     "stubbed",
		Connection:  &Connection{URL: url, BatchSize: 8},
		Credentials: &Credentials{Username: "admin", Password: "pa55-secret", WebhookSecret: "whsec"},
		Logger:      slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return st.(*Store)
}

func TestClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		h     func(w http.ResponseWriter, _ map[string]any)
		class fault.Class
		after time.Duration
	}{
		{"429", func(w http.ResponseWriter, _ map[string]any) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		}, fault.RateLimitedClass, 7 * time.Second},
		{"500", func(w http.ResponseWriter, _ map[string]any) { w.WriteHeader(http.StatusInternalServerError) }, fault.Retryable, 0},
		{"502 html", func(w http.ResponseWriter, _ map[string]any) {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>bad gateway</html>")
		}, fault.Retryable, 0},
		{"401", func(w http.ResponseWriter, _ map[string]any) { w.WriteHeader(http.StatusUnauthorized) }, fault.FatalClass, 0},
		{"malformed", func(w http.ResponseWriter, _ map[string]any) { io.WriteString(w, `{"data":`) }, fault.Retryable, 0},
		{"user input", func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, `{"errors":[{"message":"bad id","extensions":{"code":"USER_INPUT_ERROR"}}]}`)
		}, fault.PermanentClass, 0},
		{"schema mismatch", func(w http.ResponseWriter, _ map[string]any) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errors":[{"message":"Cannot query field","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`)
		}, fault.FatalClass, 0},
		{"internal", func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, `{"errors":[{"message":"oops","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
		}, fault.Retryable, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stb, srv := newStub(t)
			stb.on("Orders", c.h)
			_, err := stubStore(t, srv.URL, nil).Orders(context.Background(), time.Now(), "")
			cl, after := fault.Classify(err)
			if err == nil || cl != c.class || after != c.after {
				t.Errorf("Orders: %v is %s after %s; want %s after %s", err, cl, after, c.class, c.after)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	t.Run("bad credentials are fatal", func(t *testing.T) {
		t.Parallel()
		stb, srv := newStub(t)
		stb.loginOK = false
		_, err := stubStore(t, srv.URL, nil).Orders(context.Background(), time.Now(), "")
		if !fault.IsFatal(err) {
			t.Errorf("Orders with bad credentials: %v, want fatal", err)
		}
	})
	t.Run("expired token logs in again once", func(t *testing.T) {
		t.Parallel()
		stb, srv := newStub(t)
		var n atomic.Int32
		stb.on("Orders", func(w http.ResponseWriter, _ map[string]any) {
			if n.Add(1) == 1 {
				io.WriteString(w, `{"errors":[{"message":"expired","extensions":{"code":"FORBIDDEN"}}],"data":null}`)
				return
			}
			io.WriteString(w, `{"data":{"orders":{"totalItems":0,"items":[]}}}`)
		})
		st := stubStore(t, srv.URL, nil)
		if _, err := st.Orders(context.Background(), time.Now(), ""); err != nil {
			t.Fatalf("Orders after a refused token: %v", err)
		}
		if got := stb.logins.Load(); got != 2 {
			t.Errorf("%d logins, want 2 (first use, then once after FORBIDDEN)", got)
		}
	})
	t.Run("still forbidden after login is fatal", func(t *testing.T) {
		t.Parallel()
		stb, srv := newStub(t)
		stb.on("Orders", func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, `{"errors":[{"message":"no permission","extensions":{"code":"FORBIDDEN"}}],"data":null}`)
		})
		_, err := stubStore(t, srv.URL, nil).Orders(context.Background(), time.Now(), "")
		if !fault.IsFatal(err) || stb.logins.Load() != 2 {
			t.Errorf("Orders always forbidden: %v after %d logins, want fatal after 2", err, stb.logins.Load())
		}
	})
}

func variantJSON(id, sku string, priceWithTax, stock int) string {
	b, _ := json.Marshal(map[string]any{"id": id, "sku": sku, "name": sku, "enabled": true, "productId": "1",
		"price": priceWithTax * 100 / 123, "priceWithTax": priceWithTax, "stockOnHand": stock, "updatedAt": "x",
		"taxCategory": map[string]any{"id": "5"}, "options": []any{}})
	return string(b)
}

func TestPushLevels(t *testing.T) {
	t.Parallel()
	stb, srv := newStub(t)
	stb.on("VariantsBySKU", func(w http.ResponseWriter, vars map[string]any) {
		io.WriteString(w, `{"data":{"productVariants":{"items":[`+
			variantJSON("11", "A", 1000, 3)+","+variantJSON("12", "B", 2000, 4)+","+
			variantJSON("13", "C", 3000, 5)+","+variantJSON("14", "DUP", 1, 1)+","+variantJSON("15", "DUP", 1, 1)+`]}}}`)
	})
	var mu sync.Mutex
	var bulk [][]map[string]any
	stb.on("UpdateVariants", func(w http.ResponseWriter, vars map[string]any) {
		raw, _ := json.Marshal(vars["input"])
		var in []map[string]any
		_ = json.Unmarshal(raw, &in)
		mu.Lock()
		bulk = append(bulk, in)
		mu.Unlock()
		for _, x := range in {
			if x["id"] == "13" {
				io.WriteString(w, `{"errors":[{"message":"stock refused","extensions":{"code":"USER_INPUT_ERROR"}}],"data":null}`)
				return
			}
		}
		io.WriteString(w, `{"data":{"updateProductVariants":[]}}`)
	})
	st := stubStore(t, srv.URL, nil)
	d := decimal.RequireFromString
	price := func(sku, amount string) store.Item {
		return store.Item{Kind: catalog.KindPrice, SKU: sku, Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: sku, Currency: "PLN", Gross: true, Regular: d(amount)}}
	}
	stock := func(sku, q string) store.Item {
		return store.Item{Kind: catalog.KindStock, SKU: sku, Op: store.OpUpsert, Doc: &store.StockDoc{SKU: sku, Quantity: d(q)}}
	}
	items := []store.Item{
		price("A", "12.50"), // changes
		stock("A", "3"),     // unchanged
		price("B", "20"),    // unchanged
		stock("C", "9"),     // refused by the server
		price("Z", "1"),     // unknown SKU
		price("DUP", "1"),   // ambiguous SKU
	}
	res, err := st.Push(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	wantErr := []bool{false, false, false, true, true, true}
	for i, r := range res {
		if (r.Err != nil) != wantErr[i] || (r.Err != nil && !fault.IsPermanent(r.Err)) {
			t.Errorf("item %d %s %s: err %v, want error %t (permanent)", i, r.Kind, r.SKU, r.Err, wantErr[i])
		}
		if r.Err == nil && r.ShopID == "" {
			t.Errorf("item %d: no shop id", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// One bulk call with both changes, then one call per change to find the bad one.
	if len(bulk) != 3 || len(bulk[0]) != 2 || len(bulk[1]) != 1 || len(bulk[2]) != 1 {
		t.Fatalf("update calls %v, want one bulk of 2 then 2 single", bulk)
	}
	if bulk[0][0]["id"] != "11" || bulk[0][0]["price"] != float64(1250) || bulk[0][1]["stockOnHand"] != float64(9) {
		t.Errorf("bulk update %v", bulk[0])
	}

	if _, err := st.Push(context.Background(), make([]store.Item, 9)); !fault.IsPermanent(err) {
		t.Errorf("push over the batch size: %v, want permanent", err)
	}
}

func TestPushRejectsBadItems(t *testing.T) {
	t.Parallel()
	stb, srv := newStub(t)
	stb.on("VariantsBySKU", func(w http.ResponseWriter, _ map[string]any) {
		io.WriteString(w, `{"data":{"productVariants":{"items":[`+variantJSON("11", "A", 1000, 3)+`]}}}`)
	})
	st := stubStore(t, srv.URL, nil)
	d := decimal.RequireFromString
	items := []store.Item{
		{Kind: catalog.KindPrice, SKU: "A", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: "A", Currency: "EUR", Gross: true, Regular: d("1")}},
		{Kind: catalog.KindPrice, SKU: "A", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: "A", Currency: "PLN", Gross: false, Regular: d("1")}},
		{Kind: catalog.KindPrice, SKU: "A", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: "A", Currency: "PLN", Gross: true, Regular: d("1.001")}},
		{Kind: catalog.KindPrice, SKU: "A", Op: store.OpUpsert, Doc: &store.StockDoc{SKU: "A"}},
		{Kind: catalog.KindCategory, SKU: "A", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "A"}},
		{Kind: catalog.KindStock, SKU: "A", Op: store.OpDelete},
		{Kind: catalog.KindProduct, SKU: "", Op: store.OpUpsert, Doc: &store.ProductDoc{}},
		{Kind: catalog.KindProduct, SKU: "A", Op: "explode", Doc: &store.ProductDoc{}},
	}
	res, err := st.Push(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !fault.IsPermanent(r.Err) {
			t.Errorf("item %d: %v, want permanent", i, r.Err)
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	creds := &Credentials{Username: "u", Password: "p"}
	cases := map[string]store.Params{
		"no url":         {Connection: &Connection{}, Credentials: creds},
		"ftp url":        {Connection: &Connection{URL: "ftp://x"}, Credentials: creds},
		"batch too big":  {Connection: &Connection{URL: "http://x", BatchSize: 10000}, Credentials: creds},
		"bad ean field":  {Connection: &Connection{URL: "http://x", EANCustomField: "ean } evil {"}, Credentials: creds},
		"no password":    {Connection: &Connection{URL: "http://x"}, Credentials: &Credentials{Username: "u"}},
		"wrong conn":     {Connection: "x", Credentials: creds},
		"wrong creds":    {Connection: &Connection{URL: "http://x"}, Credentials: 1},
		"nil connection": {Credentials: creds},
	}
	for name, p := range cases {
		if _, err := New(context.Background(), p); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	st, err := New(context.Background(), store.Params{Connection: &Connection{URL: "http://x"}, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	f := st.Features()
	if f.BatchSize != 50 || f.Basis != store.BasisGross || f.Money != store.MoneyMinorUnits || !f.IntegerStock || f.WebhookScheme == "" {
		t.Errorf("defaults: %+v", f)
	}
	if _, ok := store.Registry.Lookup(Name); !ok {
		t.Errorf("%q is not registered", Name)
	}
}

func TestChannelBasisMismatchIsFatal(t *testing.T) {
	t.Parallel()
	_, srv := newStub(t)
	net := false
	st, err := New(context.Background(), store.Params{
		Connection:  &Connection{URL: srv.URL, PricesIncludeTax: &net},
		Credentials: &Credentials{Username: "admin", Password: "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Push(context.Background(), []store.Item{{Kind: catalog.KindStock, SKU: "A", Op: store.OpUpsert, Doc: &store.StockDoc{SKU: "A"}}})
	if !fault.IsFatal(err) {
		t.Errorf("push to a channel whose basis differs: %v, want fatal", err)
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	stb, srv := newStub(t)
	stb.on("Orders", func(w http.ResponseWriter, _ map[string]any) {
		io.WriteString(w, `{"data":{"orders":{"totalItems":1,"items":[`+string(orderJSON("true"))+`]}}}`)
	})
	var buf bytes.Buffer
	st := stubStore(t, srv.URL, &buf)
	pg, err := st.Orders(context.Background(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "")
	if err != nil || len(pg.Orders) != 1 || pg.Next != "" {
		t.Fatalf("Orders: %+v %v", pg, err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "store=stubbed") || !strings.Contains(logs, "adapter=vendure") {
		t.Errorf("logs lack store and adapter: %s", logs)
	}
	for _, secret := range []string{"pa55-secret", "tok-secret-123", "whsec"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a secret %q: %s", secret, logs)
		}
	}
	if _, err := st.ParseOrder(pg.Orders[0].Raw); err != nil {
		t.Errorf("ParseOrder of a listed order: %v", err)
	}
}

func TestOrdersPaging(t *testing.T) {
	t.Parallel()
	stb, srv := newStub(t)
	var seen []map[string]any
	var mu sync.Mutex
	stb.on("Orders", func(w http.ResponseWriter, vars map[string]any) {
		mu.Lock()
		seen = append(seen, vars)
		mu.Unlock()
		io.WriteString(w, `{"data":{"orders":{"totalItems":5,"items":[`+string(orderJSON("true"))+`,`+string(orderJSON("true"))+`]}}}`)
	})
	st := stubStore(t, srv.URL, nil)
	since := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	pg, err := st.Orders(context.Background(), since, "2")
	if err != nil || pg.Next != "4" || len(pg.Orders) != 2 {
		t.Fatalf("page: next %q, %d orders, %v", pg.Next, len(pg.Orders), err)
	}
	if so := pg.Orders[0]; so.ID != "42" || !so.UpdatedAt.Equal(time.Date(2026, 12, 3, 10, 1, 0, 0, time.UTC)) {
		t.Errorf("order %+v: want id 42 at orderPlacedAt", so)
	}
	if seen[0]["skip"] != float64(2) || seen[0]["after"] != "2026-12-03T09:59:59.999Z" {
		t.Errorf("query variables %v", seen[0])
	}
	if _, err := st.Orders(context.Background(), since, "x"); !fault.IsPermanent(err) {
		t.Errorf("bad page token: %v, want permanent", err)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	_, srv := newStub(t)
	st := stubStore(t, srv.URL, nil)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	st.now = func() time.Time { return now }
	body := orderJSON("true")
	good := signedHeaders("whsec", body, now)
	if err := st.VerifyWebhook(good, body); err != nil {
		t.Fatalf("valid delivery: %v", err)
	}
	bad := []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"missing", http.Header{}, body, store.ErrSignatureMissing},
		{"no timestamp", http.Header{headerSignature: good[headerSignature]}, body, store.ErrSignatureMissing},
		{"tampered", good, append([]byte(" "), body...), store.ErrSignatureInvalid},
		{"other secret", signedHeaders("nope", body, now), body, store.ErrSignatureInvalid},
		{"stale", signedHeaders("whsec", body, now.Add(-10*time.Minute)), body, store.ErrSignatureInvalid},
		{"not hex", http.Header{headerSignature: {"zz"}, headerTimestamp: good[headerTimestamp]}, body, store.ErrSignatureInvalid},
	}
	for _, c := range bad {
		if err := st.VerifyWebhook(c.h, c.body); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	w, err := st.ParseWebhook(good, body)
	if err != nil || w.Kind != store.WebhookOrder || w.ShopOrderID != "42" || w.EventID == "" || w.DeliveryID == "" {
		t.Fatalf("ParseWebhook: %+v %v", w, err)
	}
	if o, err := st.ParseOrder(w.Raw); err != nil || o.ShopOrderID != "42" {
		t.Errorf("ParseOrder of the webhook's Raw: %v", err)
	}
	other := good.Clone()
	other.Set(headerEvent, "product.updated")
	if w, err := st.ParseWebhook(other, []byte(`{"id":"5"}`)); err != nil || w.Kind != store.WebhookOther {
		t.Errorf("other event: %+v %v", w, err)
	}
	for _, b := range [][]byte{[]byte("nope"), []byte(`{}`), []byte(`null`), []byte(`{"id":{}}`)} {
		if _, err := st.ParseWebhook(good, b); !fault.IsPermanent(err) {
			t.Errorf("ParseWebhook(%q): %v, want permanent", b, err)
		}
	}
}

func TestPushVariantsInBulk(t *testing.T) {
	t.Parallel()
	stb, srv := newStub(t)
	stb.on("ProductBySlug", func(w http.ResponseWriter, vars map[string]any) {
		if vars["slug"] != slugFor("TEE") {
			io.WriteString(w, `{"data":{"product":null}}`)
			return
		}
		io.WriteString(w, `{"data":{"product":{"id":"1","name":"Tee","slug":"p-tee","enabled":true,
  "optionGroups":[{"id":"g1","code":"size","name":"size","options":[{"id":"o1","code":"s","name":"S"},{"id":"o2","code":"m","name":"M"}]}]}}}`)
	})
	stb.on("VariantsBySKU", func(w http.ResponseWriter, _ map[string]any) {
		io.WriteString(w, `{"data":{"productVariants":{"items":[]}}}`)
	})
	var mu sync.Mutex
	var calls []int
	stb.on("CreateVariants", func(w http.ResponseWriter, vars map[string]any) {
		in, _ := vars["input"].([]any)
		mu.Lock()
		calls = append(calls, len(in))
		mu.Unlock()
		var out []string
		for k, x := range in {
			m, _ := x.(map[string]any)
			if m["sku"] == "TEE-BAD" {
				io.WriteString(w, `{"errors":[{"message":"duplicate option combination","extensions":{"code":"USER_INPUT_ERROR"}}],"data":null}`)
				return
			}
			out = append(out, `{"id":"v`+string(rune('0'+k))+`"}`)
		}
		io.WriteString(w, `{"data":{"createProductVariants":[`+strings.Join(out, ",")+`]}}`)
	})
	st := stubStore(t, srv.URL, nil)
	variant := func(sku, size string) store.Item {
		return store.Item{Kind: catalog.KindVariant, SKU: sku, Op: store.OpUpsert, Doc: &store.ProductDoc{
			SKU: sku, ParentSKU: "TEE", Name: sku, Options: map[string]string{"size": size}, VATRate: decimal.RequireFromString("23"), Active: true}}
	}
	orphan := variant("NOPARENT-S", "S")
	orphan.Doc.(*store.ProductDoc).ParentSKU = "NOPE"
	res, err := st.Push(context.Background(), []store.Item{variant("TEE-S", "S"), variant("TEE-BAD", "S"), variant("TEE-M", "M"), orphan})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[2].Err != nil || res[0].ShopID == "" || res[2].ShopID == "" {
		t.Errorf("good variants: %+v %+v", res[0], res[2])
	}
	if !fault.IsPermanent(res[1].Err) || res[1].ShopID != "" {
		t.Errorf("refused variant: %+v, want permanent without shop id", res[1])
	}
	if !fault.IsPermanent(res[3].Err) {
		t.Errorf("variant without parent: %v, want permanent", res[3].Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 4 || calls[0] != 3 {
		t.Errorf("create calls with %v inputs, want one bulk of 3 then 3 single", calls)
	}
}

func TestOrdersSinceZero(t *testing.T) {
	t.Parallel()
	stb, srv := newStub(t)
	after := make(chan any, 1)
	stb.on("Orders", func(w http.ResponseWriter, vars map[string]any) {
		after <- vars["after"]
		io.WriteString(w, `{"data":{"orders":{"totalItems":0,"items":[]}}}`)
	})
	pg, err := stubStore(t, srv.URL, nil).Orders(context.Background(), time.Time{}, "")
	if err != nil || len(pg.Orders) != 0 || pg.Next != "" {
		t.Fatalf("Orders since zero: %+v %v", pg, err)
	}
	if got := <-after; got != "1970-01-01T00:00:00Z" {
		t.Errorf("after = %v, want the Unix epoch", got)
	}
}
