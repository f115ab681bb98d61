package storetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// sellable pushes n products with a price and ample stock and returns their
// SKUs and prices.
func (e *env) sellable(n int) ([]string, []decimal.Decimal) {
	e.t.Helper()
	e.needKinds(catalog.KindPrice, catalog.KindStock)
	skus := e.batchProducts("ORD", n)
	var items []store.Item
	prices := make([]decimal.Decimal, n)
	for i, sku := range skus {
		prices[i] = dec(fmt.Sprintf("%d.99", 10+i))
		items = append(items, e.priceItem(sku, prices[i].StringFixed(2)), stockItem(sku, "1000", store.InStock))
	}
	e.pushOK(items...)
	return skus, prices
}

func (e *env) place(p OrderPlacer, lines ...OrderLineSpec) string {
	e.t.Helper()
	id, err := p.PlaceOrder(e.ctx, OrderSpec{
		Lines: lines,
		Customer: catalog.Customer{Kind: catalog.CustomerPerson, Email: "storetest@example.com",
			FirstName: "Anna", LastName: "Nowak"},
		Billing: catalog.Address{Name: "Anna Nowak", Street: "Prosta 1", City: "Warszawa",
			PostalCode: "00-001", Country: "PL"},
		Note: "storetest " + e.tag,
	})
	if err != nil {
		e.t.Fatalf("backdoor PlaceOrder: %v", err)
	}
	if id == "" {
		e.t.Fatal("backdoor PlaceOrder returned an empty order id")
	}
	return id
}

// walk reads every page of orders changed at or after since and checks the
// pages: ids unique, changes never before since, cursors never moving back.
func (e *env) walk(src store.OrderSource, since time.Time) ([]store.ShopOrder, int) {
	e.t.Helper()
	var all []store.ShopOrder
	seen := map[string]bool{}
	page, pages := "", 0
	var last time.Time
	for {
		pages++
		if pages > 1000 {
			e.t.Fatalf("Orders since %s: more than 1000 pages; Next never ends", since)
		}
		p, err := src.Orders(e.ctx, since, page)
		if err != nil {
			e.t.Fatalf("Orders(since %s, page %q): %v", since, page, err)
		}
		if n := e.h.OrderPageSize; n > 0 && len(p.Orders) > n {
			e.t.Errorf("page %d has %d orders, Harness.OrderPageSize is %d", pages, len(p.Orders), n)
		}
		for _, o := range p.Orders {
			switch {
			case o.ID == "":
				e.t.Errorf("page %d has an order without an id", pages)
			case seen[o.ID]:
				e.t.Errorf("order %q appears twice in one walk", o.ID)
			case o.UpdatedAt.Before(since):
				e.t.Errorf("order %q changed at %s, before since %s", o.ID, o.UpdatedAt, since)
			case o.UpdatedAt.Before(last):
				e.t.Errorf("order %q changed at %s, before the previous order (%s): the cursor moved backwards", o.ID, o.UpdatedAt, last)
			}
			seen[o.ID] = true
			if o.UpdatedAt.After(last) {
				last = o.UpdatedAt
			}
			all = append(all, o)
		}
		if p.Next == "" {
			return all, pages
		}
		if p.Next == page {
			e.t.Fatalf("Orders returned its own page token %q as Next", page)
		}
		page = p.Next
	}
}

func ids(orders []store.ShopOrder) map[string]store.ShopOrder {
	m := map[string]store.ShopOrder{}
	for _, o := range orders {
		m[o.ID] = o
	}
	return m
}

func testOrderPages(e *env) {
	t := e.t
	src := optional[store.OrderSource](e.t, e.st, "adapter")
	p := e.placer()
	skus, _ := e.sellable(1)
	n := 5
	if e.h.OrderPageSize > 0 {
		n = 2*e.h.OrderPageSize + 1
	}
	var placed []string
	for range n {
		placed = append(placed, e.place(p, OrderLineSpec{SKU: skus[0], Quantity: dec("1")}))
	}
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	all, pages := e.walk(src, start)
	if e.h.OrderPageSize > 0 && pages < 3 {
		t.Errorf("%d orders with page size %d came in %d pages, want at least 3", n, e.h.OrderPageSize, pages)
	}
	got := ids(all)
	var first, cursor time.Time
	for i, id := range placed {
		o, ok := got[id]
		if !ok {
			t.Errorf("placed order %q is missing from the walk", id)
			continue
		}
		if i == 0 || o.UpdatedAt.Before(first) {
			first = o.UpdatedAt
		}
		if o.UpdatedAt.After(cursor) {
			cursor = o.UpdatedAt
		}
		parsed, err := src.ParseOrder(o.Raw)
		if err != nil {
			t.Errorf("ParseOrder of listed order %q: %v", id, err)
		} else if parsed.ShopOrderID != id {
			t.Errorf("ParseOrder of listed order %q gave id %q", id, parsed.ShopOrderID)
		}
	}
	if t.Failed() {
		return
	}

	// "At or after": since the oldest change re-reads every order.
	again := ids(mustWalk(e, src, first))
	for _, id := range placed {
		if _, ok := again[id]; !ok {
			t.Errorf("Orders since the oldest change %s lost order %q", first, id)
		}
	}
	// The cursor's own order is re-read, never skipped.
	atCursor := ids(mustWalk(e, src, cursor))
	found := false
	for _, o := range atCursor {
		found = found || o.UpdatedAt.Equal(cursor)
	}
	if !found {
		t.Errorf("Orders since the cursor %s skipped the order changed at it", cursor)
	}
	// A new order after the cursor comes with an overlap re-read, with
	// no order lost and the cursor moving forward only.
	late := e.place(p, OrderLineSpec{SKU: skus[0], Quantity: dec("2")})
	overlap := ids(mustWalk(e, src, cursor.Add(-10*time.Minute)))
	for _, id := range append(placed, late) {
		if _, ok := overlap[id]; !ok {
			t.Errorf("overlap re-read since %s lost order %q", cursor.Add(-10*time.Minute), id)
		}
	}
	if o, ok := overlap[late]; ok && o.UpdatedAt.Before(cursor) {
		t.Errorf("order placed after the cursor %s changed at %s: the cursor would move backwards", cursor, o.UpdatedAt)
	}
}

func mustWalk(e *env, src store.OrderSource, since time.Time) []store.ShopOrder {
	e.t.Helper()
	all, _ := e.walk(src, since)
	return all
}

func testOrderFetch(e *env) {
	t := e.t
	src := optional[store.OrderSource](e.t, e.st, "adapter")
	p := e.placer()
	skus, prices := e.sellable(2)
	qty := []decimal.Decimal{dec("2"), dec("1")}
	id := e.place(p,
		OrderLineSpec{SKU: skus[0], Quantity: qty[0]},
		OrderLineSpec{SKU: skus[1], Quantity: qty[1]},
	)
	so, err := src.Order(e.ctx, id)
	if err != nil {
		t.Fatalf("Order(%q): %v", id, err)
	}
	if so.ID != id || len(so.Raw) == 0 || so.UpdatedAt.IsZero() {
		t.Fatalf("Order(%q) = id %q, %d raw bytes, updated %s", id, so.ID, len(so.Raw), so.UpdatedAt)
	}
	o, err := src.ParseOrder(so.Raw)
	if err != nil {
		t.Fatalf("ParseOrder: %v", err)
	}
	if o.ShopOrderID != id || o.Store != "" {
		t.Errorf("parsed order has id %q store %q, want %q and no store", o.ShopOrderID, o.Store, id)
	}
	if o.Currency != e.currency() {
		t.Errorf("currency %q, want %q", o.Currency, e.currency())
	}
	if o.PlacedAt.IsZero() || o.PlacedAt.Location() != time.UTC || o.UpdatedAt.Location() != time.UTC {
		t.Errorf("placed %s updated %s, want non-zero UTC times", o.PlacedAt, o.UpdatedAt)
	}
	if _, ok := map[catalog.OrderStatus]bool{catalog.StatusNew: true, catalog.StatusOnHold: true,
		catalog.StatusProcessing: true}[o.Status]; !ok {
		t.Errorf("a just placed order has status %q", o.Status)
	}
	if len(o.Lines) != 2 {
		t.Fatalf("parsed order has %d lines, want 2: %+v", len(o.Lines), o.Lines)
	}
	for i, sku := range skus {
		var line *catalog.OrderLine
		for j := range o.Lines {
			if o.Lines[j].SKU == sku {
				line = &o.Lines[j]
			}
		}
		if line == nil {
			t.Errorf("no line for %s", sku)
			continue
		}
		if !line.Quantity.Equal(qty[i]) {
			t.Errorf("%s: quantity %s, want %s", sku, line.Quantity, qty[i])
		}
		if o.PricesIncludeTax == e.gross() && !line.UnitPrice.Equal(prices[i]) {
			t.Errorf("%s: unit price %s, pushed %s on the same basis", sku, line.UnitPrice, prices[i])
		}
	}
	if o.Total.IsZero() {
		t.Error("order total is zero")
	}
	if again, err := src.ParseOrder(so.Raw); err != nil || !reflect.DeepEqual(again, o) {
		t.Errorf("ParseOrder is not deterministic: %v", err)
	}
	_, err = src.Order(e.ctx, missingID)
	if err == nil || !fault.IsPermanent(err) {
		t.Errorf("Order of a missing id: %v (class %s), want a Permanent error", err, class(err))
	}
}

func testParseGarbage(e *env) {
	t := e.t
	src := optional[store.OrderSource](e.t, e.st, "adapter")
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 512)
	for i := range noise {
		noise[i] = byte(rnd.UintN(256))
	}
	cases := map[string][]byte{
		"nil":           nil,
		"empty":         {},
		"null":          []byte("null"),
		"truncated":     []byte(`{"id":`),
		"array":         []byte(`[]`),
		"string":        []byte(`"order"`),
		"empty object":  []byte(`{}`),
		"wrong types":   []byte(`{"id":{"x":1},"total":[],"line_items":"none","status":7}`),
		"noise":         noise,
		"deep nesting":  []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)),
		"two objects":   []byte(`{"id":"1"}{"id":"2"}`),
		"nul bytes":     {0, 0, 0, 0},
		"huge number":   []byte(`{"id":"1","total":1e999999999}`),
		"invalid utf-8": {'{', '"', 0xff, 0xfe, '"', ':', '1', '}'},
	}
	for name, raw := range cases {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
					t.Errorf("ParseOrder(%s) panicked: %v", name, r)
				}
			}()
			_, err = src.ParseOrder(raw)
			return err
		}()
		if err == nil {
			t.Errorf("ParseOrder(%s) succeeded, want a Permanent error", name)
		} else if !fault.IsPermanent(err) && !strings.HasPrefix(err.Error(), "panic:") {
			t.Errorf("ParseOrder(%s): %v is %s, want permanent", name, err, class(err))
		}
	}
}

func testSetStatus(e *env) {
	t := e.t
	setter := optional[store.StatusSetter](e.t, e.st, "adapter")
	p := e.placer()
	skus, _ := e.sellable(1)
	id := e.place(p, OrderLineSpec{SKU: skus[0], Quantity: dec("1")})
	u := catalog.StatusUpdate{
		Status:    catalog.StatusShipped,
		ERPNumber: "FS-1/2026",
		Tracking:  &catalog.Tracking{Carrier: "InPost", Number: "TRK" + e.tag, URL: "https://track.example.com/TRK" + e.tag},
	}
	if err := setter.SetStatus(e.ctx, id, u); err != nil {
		t.Fatalf("SetStatus: %v (class %s)", err, class(err))
	}
	st := e.order(p, id)
	if st.Status != catalog.StatusShipped {
		t.Errorf("shop shows status %q, want shipped", st.Status)
	}
	if st.Tracking == nil || st.Tracking.Number != u.Tracking.Number || st.Tracking.Carrier != u.Tracking.Carrier {
		t.Errorf("shop shows tracking %+v, want %+v", st.Tracking, u.Tracking)
	}
	if err := setter.SetStatus(e.ctx, id, u); err != nil {
		t.Fatalf("repeated SetStatus: %v (class %s)", err, class(err))
	}
	if again := e.order(p, id); !reflect.DeepEqual(again, st) {
		t.Errorf("repeating the update changed the order: %+v, then %+v", st, again)
	}
	if src, ok := e.st.(store.OrderSource); ok {
		so, err := src.Order(e.ctx, id)
		if err != nil {
			t.Fatalf("Order(%q): %v", id, err)
		}
		if o, err := src.ParseOrder(so.Raw); err != nil || o.Status != catalog.StatusShipped {
			t.Errorf("order read back through the adapter: status %q, error %v; want shipped", o.Status, err)
		}
	}
	done := catalog.StatusUpdate{Status: catalog.StatusCompleted}
	if err := setter.SetStatus(e.ctx, id, done); err != nil {
		t.Fatalf("SetStatus completed: %v", err)
	}
	if got := e.order(p, id); got.Status != catalog.StatusCompleted || got.Tracking == nil || got.Tracking.Number != u.Tracking.Number {
		t.Errorf("after completing without tracking the shop shows %q %+v, want completed with the tracking kept", got.Status, got.Tracking)
	}
	if err := setter.SetStatus(e.ctx, missingID, u); err == nil || !fault.IsPermanent(err) {
		t.Errorf("SetStatus of a missing order: %v (class %s), want a Permanent error", err, class(err))
	}
}

func (e *env) order(p OrderPlacer, id string) ShopOrderState {
	e.t.Helper()
	st, ok, err := p.Order(e.ctx, id)
	if err != nil {
		e.t.Fatalf("backdoor Order(%q): %v", id, err)
	}
	if !ok {
		e.t.Fatalf("shop has no order %q", id)
	}
	return st
}
