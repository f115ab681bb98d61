package woocommerce_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func productItem(sku string) store.Item {
	return store.Item{Kind: catalog.KindProduct, SKU: sku, Op: store.OpUpsert,
		Doc: &store.ProductDoc{SKU: sku, Name: "Product " + sku, Active: true, VATRate: dec("23")}}
}

func priceItem(sku, regular string) store.Item {
	return store.Item{Kind: catalog.KindPrice, SKU: sku, Op: store.OpUpsert,
		Doc: &store.PriceDoc{SKU: sku, Currency: "PLN", Gross: true, Regular: dec(regular)}}
}

func stockItem(sku, qty string) store.Item {
	return store.Item{Kind: catalog.KindStock, SKU: sku, Op: store.OpUpsert,
		Doc: &store.StockDoc{SKU: sku, Quantity: dec(qty), Status: store.InStock}}
}

func mustPush(t *testing.T, st store.Store, items ...store.Item) []store.Result {
	t.Helper()
	res, err := st.Push(t.Context(), items)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("Push %s %s: %v", r.Kind, r.SKU, r.Err)
		}
	}
	return res
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	good := woocommerce.Credentials{ConsumerKey: "ck_x", ConsumerSecret: "cs_x"}
	tests := []struct {
		name  string
		conn  any
		creds any
		want  string
	}{
		{"no url", &woocommerce.Connection{}, &good, "connection.url is required"},
		{"not http", &woocommerce.Connection{URL: "ftp://shop"}, &good, "not an http(s) URL"},
		{"url with query", &woocommerce.Connection{URL: "https://shop.example.com/?consumer_key=x"}, &good, "must not carry"},
		{"batch too big", &woocommerce.Connection{URL: "https://shop.example.com", BatchSize: 101}, &good, "batch_size 101"},
		{"page too big", &woocommerce.Connection{URL: "https://shop.example.com", OrderPageSize: 101}, &good, "order_page_size 101"},
		{"no secret", &woocommerce.Connection{URL: "https://shop.example.com"}, &woocommerce.Credentials{ConsumerKey: "ck"}, "consumer_secret are required"},
		{"wrong type", "x", &good, "connection options are string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := woocommerce.New(store.Params{Connection: tc.conn, Credentials: tc.creds})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	st, err := woocommerce.New(store.Params{Connection: woocommerce.Connection{URL: "https://shop.example.com/"}, Credentials: good})
	if err != nil {
		t.Fatal(err)
	}
	if f := st.Features(); f.BatchSize != 100 || f.Money != store.MoneyDecimalString || f.WebhookScheme != "hmac-sha256-base64" || !f.IntegerStock {
		t.Errorf("features %+v", f)
	}
}

func TestRegistered(t *testing.T) {
	t.Parallel()
	f, ok := store.Registry.Lookup(woocommerce.Name)
	if !ok {
		t.Fatal("woocommerce is not registered")
	}
	conn, ok := f.Connection().(*woocommerce.Connection)
	if !ok || conn.BatchSize != 100 || conn.Timeout.Duration != 30*time.Second {
		t.Errorf("default connection %+v", f.Connection())
	}
	if _, ok := f.Credentials().(*woocommerce.Credentials); !ok {
		t.Errorf("credentials %T", f.Credentials())
	}
}

// TestFullBatchNeverOver100 pushes 100 products, then 100 prices and stock
// levels mixed, and checks the shop never got more than 100 objects a call.
func TestFullBatchNeverOver100(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	items := make([]store.Item, 100)
	for i := range items {
		items[i] = productItem(fmt.Sprintf("FB-%03d", i))
	}
	mustPush(t, b.st, items...)
	mixed := make([]store.Item, 100)
	for i := range 50 {
		mixed[2*i] = priceItem(fmt.Sprintf("FB-%03d", i), fmt.Sprintf("%d.5", i+1))
		mixed[2*i+1] = stockItem(fmt.Sprintf("FB-%03d", i), strconv.Itoa(i))
	}
	mustPush(t, b.st, mixed...)
	if got := b.fake.MaxBatch(); got != 100 {
		t.Errorf("largest batch call carried %d objects, want exactly 100", got)
	}
	p, _ := b.fake.Product("FB-007")
	if p.RegularPrice != "8.50" || p.StockQuantity == nil || *p.StockQuantity != 7 || !p.ManageStock || p.StockStatus != "instock" {
		t.Errorf("FB-007: price %q stock %v/%v %q", p.RegularPrice, p.ManageStock, p.StockQuantity, p.StockStatus)
	}
	if p, _ := b.fake.Product("FB-000"); p.StockStatus != "outofstock" {
		t.Errorf("stock 0 shows %q", p.StockStatus)
	}
	if _, err := b.st.Push(t.Context(), append(items, productItem("FB-X"))); !fault.IsPermanent(err) {
		t.Errorf("Push of 101 items: %v, want a Permanent error", err)
	}
}

func TestPushPerItemErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	mustPush(t, b.st, productItem("OK-1"))
	sale := dec("9.99")
	from := time.Date(2026, 12, 24, 23, 0, 0, 0, time.UTC)
	items := []store.Item{
		productItem("DUP"),
		productItem("DUP"),
		priceItem("OK-1", "12.3"),
		priceItem("OK-1", "12.345"),
		stockItem("OK-1", "1.5"),
		{Kind: catalog.KindPrice, SKU: "OK-1", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: "OK-1", Regular: dec("20"), Sale: &sale, SaleFrom: &from}},
		{Kind: catalog.KindProduct, SKU: "GHOST", ShopID: "987654321", Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: "GHOST", Name: "Ghost", Active: true}},
		stockItem("NOSUCH", "1"),
		{Kind: catalog.KindImage, SKU: "OK-1", Op: store.OpUpsert},
		{Kind: catalog.KindStock, SKU: "OK-1", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: "OK-1"}},
	}
	res, err := b.st.Push(t.Context(), items)
	if err != nil {
		t.Fatal(err)
	}
	wantOK := map[int]bool{0: true, 2: true, 5: true}
	for i, r := range res {
		switch {
		case wantOK[i] && r.Err != nil:
			t.Errorf("item %d (%s %s): %v", i, r.Kind, r.SKU, r.Err)
		case !wantOK[i] && !fault.IsPermanent(r.Err):
			t.Errorf("item %d (%s %s): %v, want a Permanent error", i, r.Kind, r.SKU, r.Err)
		}
	}
	if !strings.Contains(fmt.Sprint(res[1].Err), "product_invalid_sku") {
		t.Errorf("duplicate SKU error: %v", res[1].Err)
	}
	p, _ := b.fake.Product("OK-1")
	if p.RegularPrice != "20.00" || p.SalePrice != "9.99" || p.DateOnSaleFromGMT == nil || *p.DateOnSaleFromGMT != "2026-12-24T23:00:00" {
		t.Errorf("OK-1 price %q sale %q from %v", p.RegularPrice, p.SalePrice, p.DateOnSaleFromGMT)
	}
	if p.ManageStock {
		t.Error("a fractional stock level reached the shop")
	}
}

func TestShopLimitBelowBatchSize(t *testing.T) {
	t.Parallel()
	fake := fakewoo.Start(fakewoo.Options{BatchLimit: 10})
	t.Cleanup(fake.Close)
	k, s := fake.Credentials()
	st, err := woocommerce.New(store.Params{Connection: &woocommerce.Connection{URL: fake.URL, BatchSize: 20},
		Credentials: &woocommerce.Credentials{ConsumerKey: k, ConsumerSecret: s}})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]store.Item, 20)
	for i := range items {
		items[i] = productItem(fmt.Sprintf("L-%02d", i))
	}
	_, err = st.Push(t.Context(), items)
	var ae *woocommerce.APIError
	if !fault.IsPermanent(err) || !errors.As(err, &ae) || ae.Status != 413 || ae.Code != "woocommerce_rest_request_entity_too_large" {
		t.Errorf("Push over the shop's limit: %v, want a Permanent 413", err)
	}
}

func TestMalformedAnswerIsRetryableAndRepushIsSafe(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	b.fake.MalformNext(2) // the SKU lookup, then the batch (applied, answer cut)
	_, err := b.st.Push(t.Context(), []store.Item{productItem("M-1")})
	if c, _ := fault.Classify(err); err == nil || c != fault.Retryable {
		t.Fatalf("malformed lookup: %v, want retryable", err)
	}
	_, err = b.st.Push(t.Context(), []store.Item{productItem("M-1")})
	if c, _ := fault.Classify(err); err == nil || c != fault.Retryable {
		t.Fatalf("malformed batch answer: %v, want retryable", err)
	}
	res := mustPush(t, b.st, productItem("M-1"))
	if p, _, _, _, _ := b.fake.Counts(); p != 1 {
		t.Errorf("retrying after a lost answer left %d products, want 1", p)
	}
	if got, _ := b.fake.Product("M-1"); strconv.Itoa(got.ID) != res[0].ShopID {
		t.Errorf("shop id %q, shop has %d", res[0].ShopID, got.ID)
	}
}

func TestClassification(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	since := time.Now().Add(-time.Hour)
	b.fake.RateLimitNext(1, 3*time.Second)
	_, err := b.st.Orders(t.Context(), since, "")
	if c, after := fault.Classify(err); c != fault.RateLimitedClass || after != 3*time.Second {
		t.Errorf("429: %v is %s after %s", err, c, after)
	}
	b.fake.FailNext(1)
	if _, err := b.st.Orders(t.Context(), since, ""); err == nil || func() bool { c, _ := fault.Classify(err); return c != fault.Retryable }() {
		t.Errorf("500: %v, want retryable", err)
	}
	b.fake.RejectAuthNext(1)
	if err := b.st.ListItems(t.Context(), func(store.Existing) error { return nil }); !fault.IsFatal(err) {
		t.Errorf("401: %v, want fatal", err)
	}
	if _, err := b.st.Order(t.Context(), "424242"); !fault.IsPermanent(err) {
		t.Errorf("missing order: %v, want permanent", err)
	}
	if _, err := b.st.Orders(t.Context(), since, ""); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	b.fake.DelayNext(1, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := b.st.Orders(ctx, time.Now(), "")
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Orders: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Orders did not return after cancellation")
	}
}

func TestListItemsPages(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	const n = 230
	for start := 0; start < n; start += 100 {
		var items []store.Item
		for i := start; i < min(start+100, n); i++ {
			items = append(items, productItem(fmt.Sprintf("L-%03d", i)))
		}
		mustPush(t, b.st, items...)
	}
	parent := &store.ProductDoc{SKU: "TEE", Name: "Tee", Axes: []string{"size"}, Active: true}
	var vs []store.Item
	for _, size := range []string{"S", "M", "L"} {
		vs = append(vs, store.Item{Kind: catalog.KindVariant, SKU: "TEE-" + size, Op: store.OpUpsert,
			Doc: &store.ProductDoc{SKU: "TEE-" + size, ParentSKU: "TEE", Name: "Tee " + size, EAN: "590000000000" + strconv.Itoa(len(size)), Options: map[string]string{"size": size}, Active: true}})
	}
	res := mustPush(t, b.st, append([]store.Item{{Kind: catalog.KindProduct, SKU: "TEE", Op: store.OpUpsert, Doc: parent}}, vs...)...)
	if p, _ := b.fake.Product("TEE"); p.Type != "variable" || len(p.Attributes) != 1 || strings.Join(p.Attributes[0].Options, ",") != "S,M,L" || !p.Attributes[0].Variation {
		t.Errorf("parent %s attributes %+v", p.Type, p.Attributes)
	}
	b.fake.ResetCalls()
	got := map[string]store.Existing{}
	if err := b.st.ListItems(t.Context(), func(x store.Existing) error { got[x.SKU] = x; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != n+4 {
		t.Errorf("listed %d items, want %d", len(got), n+4)
	}
	if calls := b.fake.Calls(); calls != 4 {
		t.Errorf("ListItems made %d calls, want 3 product pages and 1 variation page", calls)
	}
	if x := got["TEE-M"]; x.Kind != catalog.KindVariant || x.ShopID != res[2].ShopID || x.ParentShopID != res[0].ShopID {
		t.Errorf("TEE-M listed as %+v, pushed as %q under %q", x, res[2].ShopID, res[0].ShopID)
	}
}

// TestTimeZoneTrap shows the classic WooCommerce mistake: modified_after
// without dates_are_gmt is read in the site's time zone, so a client that
// sends its UTC cursor misses orders on a site west of UTC. The adapter
// sends dates_are_gmt=true and finds them.
func TestTimeZoneTrap(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, setupOpts{tz: ny, orderPageSize: 2})
	base := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		b.fake.SetNow(base.Add(time.Duration(i) * time.Minute))
		o, err := b.fake.PlaceOrder(fakewoo.Order{Total: "1.00"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strconv.Itoa(o.ID))
	}
	since := base.Add(-time.Minute)

	// A naive client: the UTC cursor without dates_are_gmt.
	k, s := b.fake.Credentials()
	req, _ := http.NewRequest("GET", b.fake.URL+fakewoo.BasePath+"/orders?modified_after="+since.Format("2006-01-02T15:04:05"), nil)
	req.SetBasicAuth(k, s)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var naive []json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&naive)
	resp.Body.Close()
	if len(naive) != 0 {
		t.Fatalf("the naive query found %d orders; the trap did not spring", len(naive))
	}

	var walked []string
	page, pages := "", 0
	for {
		p, err := b.st.Orders(t.Context(), since, page)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range p.Orders {
			walked = append(walked, o.ID)
		}
		if p.Next == "" {
			break
		}
		page = p.Next
	}
	if strings.Join(walked, ",") != strings.Join(ids, ",") || pages != 3 {
		t.Errorf("adapter walked %v in %d pages, want %v in 3", walked, pages, ids)
	}
	// At or after since: the order changed exactly at the cursor is included.
	p, err := b.st.Orders(t.Context(), base.Add(4*time.Minute), "")
	if err != nil || len(p.Orders) != 1 || p.Orders[0].ID != ids[4] || !p.Orders[0].UpdatedAt.Equal(base.Add(4*time.Minute)) {
		t.Errorf("Orders at the last change: %+v, %v", p, err)
	}
}

func TestParseOrder(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	raw, err := os.ReadFile("testdata/order_net_company.json")
	if err != nil {
		t.Fatal(err)
	}
	o, err := b.st.ParseOrder(raw)
	if err != nil {
		t.Fatal(err)
	}
	sp := func(a ...any) string { return strings.TrimSpace(fmt.Sprintln(a...)) }
	check := func(what string, got, want any) {
		t.Helper()
		if sp(got) != sp(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("id", o.ShopOrderID, "4750")
	check("status", o.Status, catalog.StatusOnHold)
	check("placed", o.PlacedAt, time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
	check("updated", o.UpdatedAt, time.Date(2026, 3, 29, 2, 10, 5, 0, time.UTC))
	check("currency", o.Currency, "PLN")
	check("gross", o.PricesIncludeTax, false)
	check("total (net)", o.Total, "253.9")
	check("customer", sp(o.Customer.Kind, o.Customer.NIP, o.Customer.NIPCountry, o.Customer.CompanyName, o.Customer.ShopID), "company 1234563218 PL Kowalski Sp. z o.o. 17")
	check("billing", o.Billing, catalog.Address{Name: "Jan Kowalski", Company: "Kowalski Sp. z o.o.", Street: "ul. Długa 5", Street2: "lok. 3", City: "Kraków", PostalCode: "30-001", Country: "PL", Phone: "+48 600 000 000"})
	check("shipping address", o.ShippingAddress.Name+"/"+o.ShippingAddress.City, "Anna Kowalska/Wieliczka")
	if len(o.Lines) != 3 {
		t.Fatalf("%d lines", len(o.Lines))
	}
	check("line 1", sp(o.Lines[0].SKU, o.Lines[0].Quantity, o.Lines[0].UnitPrice, o.Lines[0].VATRate, o.Lines[0].Total), "KUB-300 3 33.33 23 99.99")
	check("line 2", sp(o.Lines[1].SKU, o.Lines[1].Quantity, o.Lines[1].UnitPrice, o.Lines[1].VATRate, o.Lines[1].Total), "KS-1 2 66.95 5 133.9")
	check("line 3", sp(o.Lines[2].SKU, o.Lines[2].VATRate, o.Lines[2].Total), "PROBKA 0 0.01")
	check("shipping", sp(o.Shipping.Method, o.Shipping.Cost, o.Shipping.VATRate), "Kurier InPost 15 23")
	check("payment", sp(o.Payment.Method, o.Payment.Paid, o.Payment.Amount), "bacs false 311.14")
	check("fee shows as a difference", o.Total.Sub(o.LinesTotal()), "5")

	// The same order on a gross basis: lines carry their tax.
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	m["prices_include_tax"] = true
	gross, _ := json.Marshal(m)
	g, err := b.st.ParseOrder(gross)
	if err != nil {
		t.Fatal(err)
	}
	check("gross line 1", sp(g.Lines[0].UnitPrice, g.Lines[0].Total), "40.9967 122.99")
	check("gross total", g.Total, "311.14")
	check("gross shipping", g.Shipping.Cost, "18.45")

	for wc, want := range map[string]catalog.OrderStatus{
		"pending": catalog.StatusNew, "failed": catalog.StatusNew, "on-hold": catalog.StatusOnHold,
		"processing": catalog.StatusProcessing, "completed": catalog.StatusCompleted,
		"cancelled": catalog.StatusCancelled, "refunded": catalog.StatusRefunded,
	} {
		m["status"] = wc
		raw, _ := json.Marshal(m)
		if o, err := b.st.ParseOrder(raw); err != nil || o.Status != want {
			t.Errorf("status %q: %q %v, want %q", wc, o.Status, err, want)
		}
	}
	m["status"] = "wc-custom-thing"
	bad, _ := json.Marshal(m)
	if _, err := b.st.ParseOrder(bad); !fault.IsPermanent(err) || !strings.Contains(err.Error(), "wc-custom-thing") {
		t.Errorf("unknown status: %v", err)
	}
}

func TestSetStatusIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	o, err := b.fake.PlaceOrder(fakewoo.Order{Status: "processing", Total: "10.00"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(o.ID)
	u := catalog.StatusUpdate{Status: catalog.StatusShipped, ERPNumber: "FS 12/2026",
		Tracking: &catalog.Tracking{Carrier: "DPD", Number: "0001234", URL: "https://tracktrace.example.com/0001234"}}
	if err := b.st.SetStatus(t.Context(), id, u); err != nil {
		t.Fatal(err)
	}
	writes := b.fake.Writes()
	b.fake.ResetCalls()
	if err := b.st.SetStatus(t.Context(), id, u); err != nil {
		t.Fatal(err)
	}
	if b.fake.Writes() != writes || b.fake.Calls() != 2 {
		t.Errorf("repeated SetStatus: %d writes, %d calls; want no write and 2 reads", b.fake.Writes()-writes, b.fake.Calls())
	}
	got, _ := b.fake.Order(o.ID)
	notes := b.fake.Notes(o.ID)
	if got.Status != "completed" || len(notes) != 1 || notes[0].Note != "Tracking: DPD 0001234 https://tracktrace.example.com/0001234" || notes[0].CustomerNote {
		t.Errorf("order %q notes %+v", got.Status, notes)
	}
	so, err := b.st.Order(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if parsed, err := b.st.ParseOrder(so.Raw); err != nil || parsed.Status != catalog.StatusShipped {
		t.Errorf("read back: %q %v, want shipped", parsed.Status, err)
	}
	// Staff change the status in the panel: the shop's status wins again.
	if _, err := b.fake.UpdateOrder(o.ID, func(o *fakewoo.Order) { o.Status = "refunded" }); err != nil {
		t.Fatal(err)
	}
	so, _ = b.st.Order(t.Context(), id)
	if parsed, err := b.st.ParseOrder(so.Raw); err != nil || parsed.Status != catalog.StatusRefunded {
		t.Errorf("after a change in the panel: %q %v, want refunded", parsed.Status, err)
	}
	if err := b.st.SetStatus(t.Context(), "424242", u); !fault.IsPermanent(err) {
		t.Errorf("missing order: %v, want permanent", err)
	}
	if err := b.st.SetStatus(t.Context(), "x1", u); !fault.IsPermanent(err) {
		t.Errorf("bad id: %v, want permanent", err)
	}
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	body := []byte(`{"id":12,"date_modified_gmt":"2026-12-03T10:00:00"}`)
	h := signedHeaders("order.updated", body)
	tests := []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"valid", h, body, nil},
		{"changed body", h, append([]byte(" "), body...), store.ErrSignatureInvalid},
		{"missing", http.Header{"X-Wc-Webhook-Topic": {"order.updated"}}, body, store.ErrSignatureMissing},
		{"not base64", http.Header{"X-Wc-Webhook-Signature": {"%%%"}}, body, store.ErrSignatureInvalid},
		{"other secret", http.Header{"X-Wc-Webhook-Signature": {fakewoo.Sign("other", body)}}, body, store.ErrSignatureInvalid},
		{"ping", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte("webhook_id=3"), nil},
		{"ping-like body with a topic", http.Header{"X-Wc-Webhook-Topic": {"order.updated"}}, []byte("webhook_id=3"), store.ErrSignatureMissing},
		{"ping-like body with more", nil, []byte("webhook_id=3&x=1"), store.ErrSignatureMissing},
	}
	for _, tc := range tests {
		err := b.st.VerifyWebhook(tc.h, tc.body)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	w, err := b.st.ParseWebhook(h, body)
	if err != nil || w.Kind != store.WebhookOrder || w.ShopOrderID != "12" || w.DeliveryID != h.Get("X-WC-Webhook-Delivery-ID") ||
		w.EventID != "order.updated/12/2026-12-03T10:00:00" {
		t.Errorf("ParseWebhook: %+v %v", w, err)
	}
	if w, err := b.st.ParseWebhook(nil, []byte("webhook_id=3")); err != nil || w.Kind != store.WebhookPing {
		t.Errorf("ping: %+v %v", w, err)
	}
	if w, err := b.st.ParseWebhook(signedHeaders("product.updated", body), body); err != nil || w.Kind != store.WebhookOther {
		t.Errorf("product topic: %+v %v", w, err)
	}
	if _, err := b.st.ParseWebhook(signedHeaders("order.created", []byte("[]")), []byte("[]")); !fault.IsPermanent(err) {
		t.Errorf("bad order body: %v, want permanent", err)
	}
}

// TestWebhookDeliveries connects the fake's real deliveries to a receiver
// that uses the adapter, as the hub's webhook endpoint does.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	var mu sync.Mutex
	var hooks []store.Webhook
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := b.st.VerifyWebhook(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		wh, err := b.st.ParseWebhook(r.Header, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		hooks = append(hooks, wh)
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	if _, err := b.fake.AddWebhook(t.Context(), "order.*", rcv.URL, webhookSecret); err != nil {
		t.Fatalf("the creation ping was refused: %v", err)
	}
	if _, err := b.fake.AddWebhook(t.Context(), "order.*", rcv.URL+"/x", "wrong-secret"); err != nil {
		t.Fatalf("second webhook: %v", err)
	}
	o, err := b.fake.PlaceOrder(fakewoo.Order{Total: "3.00"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooks) != 3 || hooks[0].Kind != store.WebhookPing || hooks[2].Kind != store.WebhookOrder || hooks[2].ShopOrderID != strconv.Itoa(o.ID) {
		t.Errorf("received %+v", hooks)
	}
	var codes []int
	for _, d := range b.fake.Deliveries() {
		codes = append(codes, d.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 401]" {
		t.Errorf("delivery answers %v, want the good secret accepted and the wrong one refused", codes)
	}
}

// TestSecretsNeverLeak uses query-string auth, which puts the key and secret
// in every URL, and checks errors and logs.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{queryStringAuth: true})
	key, secret := b.fake.Credentials()
	if err := b.st.ListItems(t.Context(), func(store.Existing) error { return nil }); err != nil {
		t.Fatalf("query-string auth: %v", err)
	}
	var errs []error
	b.fake.FailNext(1)
	_, err := b.st.Orders(t.Context(), time.Now(), "")
	errs = append(errs, err)
	b.fake.Close()
	_, err = b.st.Orders(t.Context(), time.Now(), "")
	errs = append(errs, err)
	_, err = b.st.Push(t.Context(), []store.Item{productItem("X")})
	errs = append(errs, err)

	wrong := setup(t, setupOpts{queryStringAuth: true, key: "ck_wrongwrongwrong", secret: "cs_wrongwrongwrong"})
	_, err = wrong.st.Orders(t.Context(), time.Now(), "")
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d succeeded", i)
			continue
		}
		for _, s := range []string{key, secret, url.QueryEscape(secret), "ck_wrongwrongwrong", "cs_wrongwrongwrong"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %d shows a credential: %v", i, err)
			}
		}
	}
	for _, logs := range []string{b.logs.String(), wrong.logs.String()} {
		if !strings.Contains(logs, "store=woo-test") || !strings.Contains(logs, "adapter=woocommerce") || !strings.Contains(logs, "level=DEBUG") {
			t.Errorf("debug logs lack store and adapter: %s", logs)
		}
		for _, s := range []string{key, secret, "ck_wrongwrongwrong", "cs_wrongwrongwrong", webhookSecret} {
			if strings.Contains(logs, s) {
				t.Errorf("logs show a credential")
			}
		}
	}
}

func TestImagesAndVariantsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	cat := store.Item{Kind: catalog.KindCategory, SKU: "AGD/Kuchnia", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "AGD/Kuchnia", Name: "Kuchnia"}}
	doc := &store.ProductDoc{SKU: "IMG", Name: "Img", Active: true, Categories: []string{"AGD/Kuchnia"}, Axes: []string{"color"},
		Attributes: map[string]string{"material": "steel"},
		Images:     []string{"https://img.example.com/a.jpg", "https://img.example.com/b.jpg"}}
	v := &store.ProductDoc{SKU: "IMG-RED", ParentSKU: "IMG", Name: "Img red", Active: true, Options: map[string]string{"color": "red"},
		Images: []string{"https://img.example.com/red.jpg"}}
	items := []store.Item{cat, {Kind: catalog.KindProduct, SKU: "IMG", Op: store.OpUpsert, Doc: doc},
		{Kind: catalog.KindVariant, SKU: "IMG-RED", Op: store.OpUpsert, Doc: v}}
	mustPush(t, b.st, items...)
	_, _, _, media, _ := b.fake.Counts()
	p1, _ := b.fake.Product("IMG")
	v1, _ := b.fake.Product("IMG-RED")
	if len(p1.Categories) != 1 || p1.Categories[0].Slug != "agd-kuchnia" {
		t.Errorf("categories %+v", p1.Categories)
	}
	mustPush(t, b.st, items...)
	_, _, _, media2, _ := b.fake.Counts()
	p2, _ := b.fake.Product("IMG")
	v2, _ := b.fake.Product("IMG-RED")
	if media2 != media || p2.Revision != p1.Revision || v2.Revision != v1.Revision {
		t.Errorf("re-push: media %d → %d, revisions %d → %d, %d → %d", media, media2, p1.Revision, p2.Revision, v1.Revision, v2.Revision)
	}
	if fmt.Sprint(p2.Attributes) != fmt.Sprint(p1.Attributes) || len(p2.Attributes) != 2 {
		t.Errorf("attributes %+v", p2.Attributes)
	}
}

func TestDeleteAndDeactivate(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	cat := store.Item{Kind: catalog.KindCategory, SKU: "C1", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "C1", Name: "One"}}
	parent := store.Item{Kind: catalog.KindProduct, SKU: "P", Op: store.OpUpsert,
		Doc: &store.ProductDoc{SKU: "P", Name: "P", Axes: []string{"size"}, Active: true}}
	v := store.Item{Kind: catalog.KindVariant, SKU: "P-S", Op: store.OpUpsert,
		Doc: &store.ProductDoc{SKU: "P-S", ParentSKU: "P", Name: "P S", Options: map[string]string{"size": "S"}, Active: true}}
	res := mustPush(t, b.st, cat, parent, v, productItem("Q"), priceItem("P-S", "5"), stockItem("P-S", "3"))
	if !strings.Contains(res[2].ShopID, "/") || res[4].ShopID != res[2].ShopID {
		t.Errorf("variant shop ids %q (push) %q (price)", res[2].ShopID, res[4].ShopID)
	}
	res2 := mustPush(t, b.st,
		store.Item{Kind: catalog.KindCategory, SKU: "C1", ShopID: res[0].ShopID, Op: store.OpDeactivate},
		store.Item{Kind: catalog.KindPrice, SKU: "P-S", Op: store.OpDeactivate},
		store.Item{Kind: catalog.KindStock, SKU: "P-S", Op: store.OpDeactivate},
		store.Item{Kind: catalog.KindProduct, SKU: "Q", ShopID: res[3].ShopID, Op: store.OpDeactivate},
	)
	if res2[0].ShopID != res[0].ShopID {
		t.Errorf("category deactivate gave %q", res2[0].ShopID)
	}
	if p, _ := b.fake.Product("P-S"); p.RegularPrice != "" || p.StockStatus != "outofstock" {
		t.Errorf("deactivated price/stock: %q %q", p.RegularPrice, p.StockStatus)
	}
	if q, _ := b.fake.Product("Q"); q.Status != "draft" {
		t.Errorf("deactivated product is %q", q.Status)
	}
	mustPush(t, b.st,
		store.Item{Kind: catalog.KindVariant, SKU: "P-S", ShopID: res[2].ShopID, Op: store.OpDelete},
		store.Item{Kind: catalog.KindCategory, SKU: "C1", Op: store.OpDelete},
		store.Item{Kind: catalog.KindProduct, SKU: "Q", Op: store.OpDelete},
	)
	products, variations, categories, _, _ := b.fake.Counts()
	if products != 1 || variations != 0 || categories != 0 {
		t.Errorf("after deletes: %d products, %d variations, %d categories; want 1, 0, 0", products, variations, categories)
	}
	// Pushed again, the category is created anew (the cache does not keep
	// the deleted id).
	if r := mustPush(t, b.st, cat); r[0].ShopID == res[0].ShopID {
		t.Errorf("re-created category reuses the deleted id %q", r[0].ShopID)
	}
	// A category whose name exists under the same parent with another slug.
	other := store.Item{Kind: catalog.KindCategory, SKU: "C2", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "C2", Name: "One"}}
	r, err := b.st.Push(t.Context(), []store.Item{other})
	if err != nil || !fault.IsPermanent(r[0].Err) || !strings.Contains(r[0].Err.Error(), "term_exists") {
		t.Errorf("same name, other code: %v %v", r, err)
	}
}

// TestKeepOwnedFields: an update with ProductDoc.Keep leaves those fields as
// the shop has them (a B2B shop keeps its own descriptions and name).
func TestKeepOwnedFields(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	item := productItem("OWN-1")
	item.Doc.(*store.ProductDoc).Description = "Opis z ERP"
	res := mustPush(t, b.st, item)

	update := store.Item{Kind: catalog.KindProduct, SKU: "OWN-1", ShopID: res[0].ShopID, Op: store.OpUpsert,
		Doc: &store.ProductDoc{SKU: "OWN-1", Active: false, VATRate: dec("23"), Keep: []string{"description", "name"}}}
	mustPush(t, b.st, update)
	p, _ := b.fake.Product("OWN-1")
	if p.Description != "Opis z ERP" || p.Name != "Product OWN-1" || p.Status == "publish" {
		t.Fatalf("after an update keeping name and description: %q %q %s", p.Name, p.Description, p.Status)
	}
}
