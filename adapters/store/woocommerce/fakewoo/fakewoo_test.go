package fakewoo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
)

type client struct {
	t    *testing.T
	srv  *fakewoo.Server
	auth bool
}

func start(t *testing.T, opts fakewoo.Options) (*fakewoo.Server, *client) {
	t.Helper()
	s := fakewoo.Start(opts)
	t.Cleanup(s.Close)
	return s, &client{t: t, srv: s, auth: true}
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *client) do(method, path string, body any, out any) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.srv.URL+fakewoo.BasePath+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth {
		k, s := c.srv.Credentials()
		req.SetBasicAuth(k, s)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp
}

type wpErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Status int `json:"status"`
	} `json:"data"`
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s, c := start(t, fakewoo.Options{})
	key, secret := s.Credentials()
	tests := []struct {
		name     string
		query    string
		basic    [2]string
		wantCode int
		wantErr  string
	}{
		{"basic", "", [2]string{key, secret}, 200, ""},
		{"query", "?consumer_key=" + key + "&consumer_secret=" + secret, [2]string{}, 200, ""},
		{"none", "", [2]string{}, 401, "woocommerce_rest_cannot_view"},
		{"wrong key", "", [2]string{"ck_wrong", secret}, 401, "woocommerce_rest_authentication_error"},
		{"wrong secret", "?consumer_key=" + key + "&consumer_secret=nope", [2]string{}, 401, "woocommerce_rest_authentication_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", c.srv.URL+fakewoo.BasePath+"/products"+tc.query, nil)
			if tc.basic[0] != "" {
				req.SetBasicAuth(tc.basic[0], tc.basic[1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e wpErr
			_ = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != tc.wantCode || e.Code != tc.wantErr {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, e.Code, tc.wantCode, tc.wantErr)
			}
		})
	}
}

func products(n int, prefix string) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"name": fmt.Sprintf("P %d", i), "sku": fmt.Sprintf("%s-%03d", prefix, i), "regular_price": "10.00"}
	}
	return out
}

func TestBatchLimitAndItemErrors(t *testing.T) {
	t.Parallel()
	s, c := start(t, fakewoo.Options{})

	var e wpErr
	resp := c.do("POST", "/products/batch", map[string]any{"create": products(60, "A"), "update": products(40, "B"), "delete": []int{1}}, &e)
	if resp.StatusCode != 413 || e.Code != "woocommerce_rest_request_entity_too_large" ||
		e.Message != "Unable to accept more than 100 items for this request." || e.Data.Status != 413 {
		t.Errorf("101 objects: %d %+v", resp.StatusCode, e)
	}
	if p, _, _, _, _ := s.Counts(); p != 0 {
		t.Errorf("the refused batch created %d products", p)
	}
	if s.MaxBatch() != 101 {
		t.Errorf("MaxBatch = %d, want 101", s.MaxBatch())
	}

	var res struct {
		Create []struct {
			ID    int    `json:"id"`
			SKU   string `json:"sku"`
			Error *wpErr `json:"error"`
		} `json:"create"`
		Update []struct {
			ID    int    `json:"id"`
			Error *wpErr `json:"error"`
		} `json:"update"`
	}
	create := products(99, "C")
	create = append(create, map[string]any{"name": "dup", "sku": "C-000"})
	resp = c.do("POST", "/products/batch", map[string]any{"create": create}, &res)
	if resp.StatusCode != 200 || len(res.Create) != 100 {
		t.Fatalf("100 objects: %d, %d results", resp.StatusCode, len(res.Create))
	}
	if res.Create[0].Error != nil || res.Create[0].ID == 0 {
		t.Errorf("first create failed: %+v", res.Create[0])
	}
	if e := res.Create[99].Error; e == nil || e.Code != "product_invalid_sku" || res.Create[99].ID != 0 {
		t.Errorf("duplicate SKU: %+v", res.Create[99])
	}
	resp = c.do("POST", "/products/batch", map[string]any{"update": []map[string]any{
		{"id": res.Create[1].ID, "regular_price": "11.50"},
		{"id": 99999, "regular_price": "1.00"},
		{"id": res.Create[2].ID, "regular_price": 12.5},
	}}, &res)
	if resp.StatusCode != 200 || len(res.Update) != 3 {
		t.Fatalf("update: %d %+v", resp.StatusCode, res.Update)
	}
	if res.Update[0].Error != nil {
		t.Errorf("good update failed: %+v", res.Update[0].Error)
	}
	if e := res.Update[1].Error; e == nil || e.Code != "woocommerce_rest_product_invalid_id" {
		t.Errorf("unknown id: %+v", res.Update[1])
	}
	if e := res.Update[2].Error; e == nil || e.Code != "rest_invalid_param" {
		t.Errorf("price as a number: %+v", res.Update[2])
	}
	if p, _ := s.Product("C-001"); p.RegularPrice != "11.50" || p.Price != "11.50" {
		t.Errorf("C-001 price %q/%q, want 11.50", p.RegularPrice, p.Price)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	_, c := start(t, fakewoo.Options{})
	c.do("POST", "/products/batch", map[string]any{"create": products(25, "P")}, nil)

	var got []map[string]any
	resp := c.do("GET", "/products?page=2", nil, &got)
	if len(got) != 10 || resp.Header.Get("X-WP-Total") != "25" || resp.Header.Get("X-WP-TotalPages") != "3" {
		t.Errorf("page 2: %d items, total %q pages %q", len(got), resp.Header.Get("X-WP-Total"), resp.Header.Get("X-WP-TotalPages"))
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, `page=1>; rel="prev"`) || !strings.Contains(link, `page=3>; rel="next"`) {
		t.Errorf("Link = %q", link)
	}
	resp = c.do("GET", "/products?per_page=100&page=1", nil, &got)
	if len(got) != 25 || resp.Header.Get("Link") != "" {
		t.Errorf("one page of 100: %d items, Link %q", len(got), resp.Header.Get("Link"))
	}
	var e wpErr
	for _, pp := range []string{"101", "0", "x"} {
		resp = c.do("GET", "/products?per_page="+pp, nil, &e)
		if resp.StatusCode != 400 || e.Code != "rest_invalid_param" {
			t.Errorf("per_page=%s: %d %q", pp, resp.StatusCode, e.Code)
		}
	}
}

func TestProductFields(t *testing.T) {
	t.Parallel()
	s, c := start(t, fakewoo.Options{})
	var cat fakewoo.Category
	c.do("POST", "/products/categories", map[string]any{"name": "Shoes", "slug": "SHOES/Men"}, &cat)
	if cat.Slug != "shoes-men" {
		t.Errorf("slug %q", cat.Slug)
	}
	var p fakewoo.Product
	c.do("POST", "/products", map[string]any{
		"name": "Boot", "sku": "BOOT", "regular_price": "100.00", "sale_price": "80.00",
		"date_on_sale_from_gmt": "2000-01-01T00:00:00", "manage_stock": true, "stock_quantity": 0,
		"backorders": "notify", "categories": []map[string]any{{"id": cat.ID}, {"id": 424242}},
		"images": []map[string]any{{"src": "https://img.example.com/a/boot.jpg", "name": "https://img.example.com/a/boot.jpg"}},
	}, &p)
	if p.Price != "80.00" || p.StockStatus != "onbackorder" || len(p.Categories) != 1 || p.Categories[0].Slug != "shoes-men" {
		t.Errorf("created %+v", p)
	}
	if len(p.Images) != 1 || p.Images[0].Src == "https://img.example.com/a/boot.jpg" || p.Images[0].Name != "https://img.example.com/a/boot.jpg" {
		t.Errorf("image %+v: want a sideloaded copy with the given name", p.Images)
	}
	first := p.Images[0].ID
	c.do("PUT", fmt.Sprintf("/products/%d", p.ID), map[string]any{"images": []map[string]any{{"src": "https://img.example.com/a/boot.jpg"}}}, &p)
	if p.Images[0].ID == first {
		t.Error("re-sending an image src reused the media item; WooCommerce downloads it again")
	}
	cur, _ := s.Product("BOOT")
	rev := cur.Revision
	c.do("PUT", fmt.Sprintf("/products/%d", p.ID), map[string]any{"images": []map[string]any{{"id": p.Images[0].ID}}, "stock_quantity": 0}, &p)
	if got, _ := s.Product("BOOT"); got.Revision != rev || got.Revision == 0 {
		t.Errorf("an update without changes moved the revision from %d to %d", rev, got.Revision)
	}
	var e wpErr
	resp := c.do("PUT", fmt.Sprintf("/products/%d", p.ID), map[string]any{"stock_quantity": 1.5}, &e)
	if resp.StatusCode != 400 || e.Code != "rest_invalid_param" {
		t.Errorf("fractional stock: %d %+v", resp.StatusCode, e)
	}
	var found []fakewoo.Product
	var parent fakewoo.Product
	c.do("POST", "/products", map[string]any{"name": "Tee", "sku": "TEE", "type": "variable"}, &parent)
	c.do("POST", fmt.Sprintf("/products/%d/variations", parent.ID), map[string]any{"sku": "TEE-S", "attributes": []map[string]any{{"name": "size", "option": "S"}}}, nil)
	c.do("GET", "/products?sku=TEE-S,BOOT", nil, &found)
	if len(found) != 2 {
		t.Errorf("GET /products?sku= found %d items, want the product and the variation", len(found))
	}
}

func TestOrdersTimeZoneFilter(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	s, c := start(t, fakewoo.Options{TimeZone: ny})
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s.SetNow(at)
	o, err := s.PlaceOrder(fakewoo.Order{Total: "10.00"})
	if err != nil {
		t.Fatal(err)
	}
	if o.DateModifiedGMT != "2026-12-03T12:00:00" || o.DateModified != "2026-12-03T07:00:00" {
		t.Errorf("dates %q (GMT) %q (local)", o.DateModifiedGMT, o.DateModified)
	}
	since := at.Add(-time.Minute).Format("2006-01-02T15:04:05")
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"modified_after=" + since, 0}, // read as New York time: 16:59 UTC
		{"modified_after=" + since + "&dates_are_gmt=true", 1},
		{"modified_after=" + url.QueryEscape("2026-12-03T11:59:00Z"), 1},
		{"modified_after=2026-12-03T12:00:00&dates_are_gmt=true", 0}, // strictly after
	} {
		var got []fakewoo.Order
		c.do("GET", "/orders?"+tc.query, nil, &got)
		if len(got) != tc.want {
			t.Errorf("%s: %d orders, want %d", tc.query, len(got), tc.want)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s, c := start(t, fakewoo.Options{})
	s.RateLimitNext(1, 1500*time.Millisecond)
	resp := c.do("GET", "/products", nil, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("rate limit: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	s.FailNext(1)
	if resp := c.do("GET", "/products", nil, nil); resp.StatusCode != 500 {
		t.Errorf("fail: %d", resp.StatusCode)
	}
	s.RejectAuthNext(1)
	if resp := c.do("GET", "/products", nil, nil); resp.StatusCode != 401 {
		t.Errorf("auth: %d", resp.StatusCode)
	}
	s.MalformNext(1)
	req, _ := http.NewRequest("POST", s.URL+fakewoo.BasePath+"/products", strings.NewReader(`{"name":"M","sku":"M"}`))
	k, sec := s.Credentials()
	req.SetBasicAuth(k, sec)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Valid(raw) {
		t.Errorf("malformed answer is valid JSON: %s", raw)
	}
	if _, ok := s.Product("M"); !ok {
		t.Error("a call with a malformed answer was not applied")
	}
	if resp := c.do("GET", "/products", nil, nil); resp.StatusCode != 200 {
		t.Errorf("after the faults: %d", resp.StatusCode)
	}
	if n := s.Calls(); n != 5 {
		t.Errorf("Calls = %d, want 5", n)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	s, c := start(t, fakewoo.Options{})
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	status := http.StatusOK
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r)
		bodies = append(bodies, b)
		code := status
		mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rcv.Close)

	id, err := s.AddWebhook(context.Background(), "order.*", rcv.URL, "sekret")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(got) != 1 || string(bodies[0]) != fmt.Sprintf("webhook_id=%d", id) || got[0].Header.Get("X-WC-Webhook-Signature") != "" ||
		got[0].Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("ping: %d requests, body %q", len(got), bodies)
	}
	mu.Unlock()

	o, err := s.PlaceOrder(fakewoo.Order{Total: "5.00"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(got) != 2 {
		t.Fatalf("%d requests after an order, want ping + order.created", len(got))
	}
	h, body := got[1].Header, bodies[1]
	if h.Get("X-WC-Webhook-Topic") != "order.created" || h.Get("X-WC-Webhook-Resource") != "order" || h.Get("X-WC-Webhook-Event") != "created" ||
		h.Get("X-WC-Webhook-Signature") != fakewoo.Sign("sekret", body) || h.Get("X-WC-Webhook-ID") != fmt.Sprint(id) ||
		h.Get("X-WC-Webhook-Delivery-ID") == "" || !strings.HasSuffix(h.Get("X-WC-Webhook-Source"), "/") {
		t.Errorf("delivery headers %v", h)
	}
	status = http.StatusInternalServerError
	mu.Unlock()

	// A failed delivery is not retried; more than 5 in a row disable the hook.
	c.do("PUT", fmt.Sprintf("/orders/%d", o.ID), map[string]any{"status": "completed"}, nil)
	s.Flush()
	mu.Lock()
	if len(got) != 3 {
		t.Errorf("%d requests after a failed delivery, want exactly one attempt", len(got))
	}
	mu.Unlock()
	for i := range 5 {
		if _, err := s.UpdateOrder(o.ID, func(o *fakewoo.Order) { o.CustomerNote = fmt.Sprint(i) }); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.WebhookStatus(id); st != "disabled" {
		t.Errorf("after 6 failures the webhook is %q", st)
	}
	if n := len(s.Deliveries()); n != 7 {
		t.Errorf("%d deliveries recorded, want 7", n)
	}
}
