package shopserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

const token = "t0ken"

func newServer(t *testing.T, b shopserver.Backend, maxBatch int) *shopserver.Server {
	t.Helper()
	s, err := shopserver.New(shopserver.Config{Backend: b, Token: token, MaxBatch: maxBatch, MaxBodyBytes: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, h http.Handler, method, target, body string, auth bool) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return answer{rec.Code, rec.Header(), string(b)}
}

// errCode returns the code of a protocol error body ("" when it is none).
func errCode(t *testing.T, body string) string {
	t.Helper()
	var eb wire.ErrorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return eb.Error.Code
}

func TestWholeCallErrors(t *testing.T) {
	t.Parallel()
	s := newServer(t, shopserver.NewMemory(), 2)
	big := `{"items":[` + strings.Repeat(`{"kind":"stock","sku":"a","op":"delete"},`, 2) + `{"kind":"stock","sku":"a","op":"delete"}]}`
	tests := []struct {
		name, method, target, body string
		auth                       bool
		status                     int
		code                       string
	}{
		{"no token", "GET", "/v1/items", "", false, 401, wire.CodeUnauthorized},
		{"unknown path", "GET", "/v2/items", "", true, 404, wire.CodeNotFound},
		{"wrong method", "DELETE", "/v1/items", "", true, 405, wire.CodeMethod},
		{"wrong method on status", "GET", "/v1/orders/o-1/status", "", true, 405, wire.CodeMethod},
		{"bad JSON", "PUT", "/v1/items", `{"items":[`, true, 400, wire.CodeBadRequest},
		{"no items array", "PUT", "/v1/items", `{}`, true, 400, wire.CodeBadRequest},
		{"items not an array", "PUT", "/v1/items", `{"items":{}}`, true, 400, wire.CodeBadRequest},
		{"trailing data", "PUT", "/v1/items", `{"items":[]} {}`, true, 400, wire.CodeBadRequest},
		{"too many items", "PUT", "/v1/items", big, true, 413, wire.CodeTooLarge},
		{"body too large", "PUT", "/v1/items", `{"items":[],"pad":"` + strings.Repeat("x", 1<<16) + `"}`, true, 413, wire.CodeTooLarge},
		{"bad limit", "GET", "/v1/items?limit=0", "", true, 400, wire.CodeBadRequest},
		{"orders without since", "GET", "/v1/orders", "", true, 400, wire.CodeBadRequest},
		{"orders with a bad since", "GET", "/v1/orders?since=yesterday", "", true, 400, wire.CodeBadRequest},
		{"orders with a forged cursor", "GET", "/v1/orders?cursor=abc", "", true, 400, wire.CodeBadRequest},
		{"missing order", "GET", "/v1/orders/o-404", "", true, 404, wire.CodeNotFound},
		{"unknown status", "POST", "/v1/orders/o-1/status", `{"status":"lost"}`, true, 422, wire.CodeInvalid},
		{"status on a missing order", "POST", "/v1/orders/o-404/status", `{"status":"shipped"}`, true, 404, wire.CodeNotFound},
	}
	for _, tc := range tests {
		a := do(t, s, tc.method, tc.target, tc.body, tc.auth)
		if a.status != tc.status || errCode(t, a.body) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.status, a.body, tc.status, tc.code)
		}
		if a.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.name, a.header.Get("Content-Type"))
		}
	}
	if a := do(t, s, "GET", "/v1/items", "", false); a.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	if a := do(t, s, "PUT", "/v1/items", big, true); !strings.Contains(a.body, `"max_items":2`) {
		t.Errorf("413 body %s does not declare max_items", a.body)
	}
}

func TestPerItemValidation(t *testing.T) {
	t.Parallel()
	s := newServer(t, shopserver.NewMemory(), 0)
	items := []string{
		`{"kind":"category","sku":"c1","op":"upsert","doc":{"code":"c1","name":"C1","path":"C1"}}`,
		`{"kind":"product","sku":"P1","op":"upsert","doc":{"sku":"P1","name":"P","vat_rate":"23","active":true,"categories":["c1"]}}`,
		`{"kind":"image","sku":"P1","op":"upsert","doc":{}}`,
		`{"kind":"price","sku":"P1","op":"replace","doc":{}}`,
		`{"kind":"price","sku":"P1","op":"upsert","doc":{"sku":"P1","currency":"PLN","regular":"12,50"}}`,
		`{"kind":"price","sku":"P1","op":"upsert","doc":{"sku":"P1","currency":"PLN","regular":"-1"}}`,
		`{"kind":"price","sku":"P1","op":"upsert","doc":{"sku":"P2","currency":"PLN","regular":"1"}}`,
		`{"kind":"price","sku":"P1","op":"upsert"}`,
		`{"kind":"stock","sku":"P1","op":"upsert","doc":{"sku":"P1","quantity":"1","status":"plenty"}}`,
		`{"kind":"product","sku":"","op":"upsert","doc":{}}`,
		`{"kind":"variant","sku":"V1","op":"upsert","doc":{"sku":"V1","name":"V","vat_rate":"23"}}`,
		`{"kind":"product","sku":"P3","op":"upsert","doc":{"sku":"P3","name":"P","vat_rate":"123"}}`,
		`{"kind":"stock","sku":"P1","op":"upsert","doc":[1,2]}`,
		`{"kind":"price","sku":"P1","op":"upsert","doc":{"sku":"P1","currency":"PLN","regular":"12.50","sale":"9.99"}}`,
		`{"kind":"price","sku":"P1","op":"upsert","doc":{"sku":"P1","currency":"PLN","regular":"1e10000"}}`,
		`{"kind":"stock","sku":"P1","op":"upsert","doc":{"sku":"P1","quantity":"0.0000001","status":"instock"}}`,
		`{"kind":"stock","sku":"P1","op":"upsert","doc":{"sku":"P1","quantity":"2.500000000","status":"instock"}}`,
		`{"kind":"stock","sku":"P1","op":"upsert","doc":{"sku":"P1","quantity":"0.` + strings.Repeat("0", 20000) + `1","status":"instock"}}`,
	}
	want := []string{"", "", wire.CodeUnknownKind, wire.CodeUnknownOp, wire.CodeInvalidDoc, wire.CodeInvalidDoc, wire.CodeInvalidDoc,
		wire.CodeInvalidDoc, wire.CodeInvalidDoc, wire.CodeInvalid, wire.CodeInvalidDoc, wire.CodeInvalidDoc, wire.CodeInvalidDoc, "",
		wire.CodeInvalidDoc, wire.CodeInvalidDoc, "", wire.CodeInvalidDoc}
	a := do(t, s, "PUT", "/v1/items", `{"items":[`+strings.Join(items, ",")+`]}`, true)
	if a.status != 200 {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	var resp wire.ItemsResponse
	if err := json.Unmarshal([]byte(a.body), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != len(items) {
		t.Fatalf("%d results for %d items", len(resp.Results), len(items))
	}
	for i, r := range resp.Results {
		switch {
		case want[i] == "" && (r.Status != wire.StatusOK || r.ShopID == ""):
			t.Errorf("item %d: %+v, want ok with a shop id", i, r)
		case want[i] != "" && (r.Status != wire.StatusError || r.Error == nil || r.Error.Code != want[i] || !r.Error.Permanent):
			t.Errorf("item %d: %+v %+v, want permanent %s", i, r, r.Error, want[i])
		case r.Error != nil && len(r.Error.Message) > 400:
			t.Errorf("item %d: a %d-byte message echoes the input", i, len(r.Error.Message))
		}
	}
}

// failing is a Backend whose every call fails with err.
type failing struct {
	shopserver.Backend
	err error
}

func (f failing) Apply(context.Context, []store.Item) ([]store.Result, error) { return nil, f.err }
func (f failing) ListItems(context.Context, string, int) ([]store.Existing, string, error) {
	return nil, "", f.err
}

// itemFailing fails every item with err.
type itemFailing struct {
	shopserver.Backend
	err error
}

func (f itemFailing) Apply(_ context.Context, items []store.Item) ([]store.Result, error) {
	out := make([]store.Result, len(items))
	for i, it := range items {
		out[i] = store.Result{Kind: it.Kind, SKU: it.SKU, Err: f.err}
	}
	return out, nil
}

func TestBackendErrors(t *testing.T) {
	t.Parallel()
	secret := errors.New("pq: password authentication failed for user hub")
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{fault.RateLimited(errors.New("busy"), 1500*time.Millisecond), 429, wire.CodeRateLimited},
		{fault.Permanentf("scope refuses"), 422, wire.CodeInvalid},
		{secret, 500, wire.CodeInternal},
		{fault.Fatal(secret), 503, wire.CodeInternal},
	}
	for _, tc := range tests {
		s := newServer(t, failing{shopserver.NewMemory(), tc.err}, 0)
		a := do(t, s, "GET", "/v1/items", "", true)
		if a.status != tc.status || errCode(t, a.body) != tc.code {
			t.Errorf("%v: %d %s, want %d %s", tc.err, a.status, a.body, tc.status, tc.code)
		}
		if strings.Contains(a.body, "password") {
			t.Errorf("%v: internal error leaked: %s", tc.err, a.body)
		}
		if tc.status == 429 && a.header.Get("Retry-After") != "2" {
			t.Errorf("Retry-After = %q, want 2 (rounded up)", a.header.Get("Retry-After"))
		}
	}

	s := newServer(t, itemFailing{shopserver.NewMemory(), secret}, 0)
	a := do(t, s, "PUT", "/v1/items", `{"items":[{"kind":"stock","sku":"a","op":"delete"}]}`, true)
	var resp wire.ItemsResponse
	if err := json.Unmarshal([]byte(a.body), &resp); err != nil || len(resp.Results) != 1 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if e := resp.Results[0].Error; e == nil || e.Code != wire.CodeInternal || e.Permanent || strings.Contains(e.Message, "password") {
		t.Errorf("per-item internal error = %+v, want a retryable internal error without details", e)
	}
}

func TestOrdersPagingAndStatus(t *testing.T) {
	t.Parallel()
	m := shopserver.NewMemory()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m.SetClock(func() time.Time { return now })
	s := newServer(t, m, 0)
	seed := `{"items":[` +
		`{"kind":"product","sku":"P1","op":"upsert","doc":{"sku":"P1","name":"P","vat_rate":"23","active":true}},` +
		`{"kind":"price","sku":"P1","op":"upsert","doc":{"sku":"P1","currency":"EUR","gross":false,"regular":"2.50"}}]}`
	if a := do(t, s, "PUT", "/v1/items", seed, true); a.status != 200 || strings.Contains(a.body, `"error"`) {
		t.Fatalf("seed: %d %s", a.status, a.body)
	}
	var ids []string
	for range 3 {
		o, err := m.PlaceOrder(context.Background(), shopserver.OrderSpec{Lines: []shopserver.LineSpec{{SKU: "P1", Quantity: mustDec("1")}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ShopOrderID)
	}
	// All three share the clock's instant; ties are broken by id.
	var seen []string
	target := "/v1/orders?limit=2&since=" + now.Format(time.RFC3339)
	for target != "" {
		a := do(t, s, "GET", target, "", true)
		var page wire.OrderPage
		if a.status != 200 || json.Unmarshal([]byte(a.body), &page) != nil {
			t.Fatalf("GET %s: %d %s", target, a.status, a.body)
		}
		for _, raw := range page.Orders {
			var o wire.Order
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatal(err)
			}
			seen = append(seen, o.ShopOrderID)
		}
		target = ""
		if page.NextCursor != "" {
			target = "/v1/orders?limit=2&cursor=" + page.NextCursor
		}
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Errorf("paged orders %v, want %v", seen, ids)
	}

	body := `{"status":"shipped","tracking":{"carrier":"DHL","number":"JD01"},"erp_number":"RO/1"}`
	first := do(t, s, "POST", "/v1/orders/"+ids[0]+"/status", body, true)
	second := do(t, s, "POST", "/v1/orders/"+ids[0]+"/status", body, true)
	if first.status != 200 || first.body != second.body {
		t.Errorf("repeated status update changed the order:\n%s\n%s", first.body, second.body)
	}
	if !strings.Contains(first.body, `"tracking":{"carrier":"DHL","number":"JD01"}`) || !strings.Contains(first.body, `"erp_number":"RO/1"`) {
		t.Errorf("order after the update: %s", first.body)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := shopserver.New(shopserver.Config{Token: "x"}); err == nil {
		t.Error("New without a backend succeeded")
	}
	if _, err := shopserver.New(shopserver.Config{Backend: shopserver.NewMemory()}); err == nil {
		t.Error("New without a token succeeded")
	}
}

// unordered lists orders regardless of the position asked for.
type unordered struct {
	shopserver.Backend
	orders []wire.Order
}

func (u unordered) ListOrders(context.Context, shopserver.OrderPosition, int) ([]wire.Order, error) {
	return u.orders, nil
}

func TestServerChecksBackendOrderListing(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := func(id string, t time.Time) wire.Order {
		var w wire.Order
		w.ShopOrderID, w.UpdatedAt = id, t
		return w
	}
	tests := map[string][]wire.Order{
		"before since":   {o("a", at.Add(-time.Second))},
		"backwards":      {o("a", at.Add(time.Second)), o("b", at)},
		"without an id":  {o("", at)},
		"without a time": {o("a", time.Time{})},
	}
	for name, list := range tests {
		s := newServer(t, unordered{shopserver.NewMemory(), list}, 0)
		a := do(t, s, "GET", "/v1/orders?since="+at.Format(time.RFC3339), "", true)
		if a.status != 500 || errCode(t, a.body) != wire.CodeInternal {
			t.Errorf("%s: %d %s, want 500 internal", name, a.status, a.body)
		}
	}
	s := newServer(t, unordered{shopserver.NewMemory(), []wire.Order{o("a", at), o("b", at)}}, 0)
	if a := do(t, s, "GET", "/v1/orders?since="+at.Format(time.RFC3339), "", true); a.status != 200 {
		t.Errorf("a well-ordered listing: %d %s", a.status, a.body)
	}
}
