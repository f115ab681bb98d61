package httpstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func TestListItemsAcrossPages(t *testing.T) {
	t.Parallel()
	b := setup(t, options{pageSize: 2})
	items := append(products(5), variant("V1", "SKU-000", "S"), variant("V2", "SKU-000", "M"), price("V1", "3"), stock("V2", "1"))
	res := pushOK(t, b.st, items)

	got := map[string]store.Existing{}
	err := b.st.ListItems(context.Background(), func(e store.Existing) error {
		if _, dup := got[e.SKU]; dup {
			t.Errorf("%s listed twice", e.SKU)
		}
		got[e.SKU] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("listed %d items, want 5 products and 2 variants: %v", len(got), got)
	}
	if pages := b.faults.count() - 1; pages < 4 {
		t.Errorf("listing took %d requests, want at least 4 pages of 2", pages)
	}
	for i, it := range items[:7] {
		e := got[it.SKU]
		if e.Kind != it.Kind || e.ShopID != res[i].ShopID {
			t.Errorf("%s listed as %+v, want kind %s shop id %s", it.SKU, e, it.Kind, res[i].ShopID)
		}
	}
	if got["SKU-001"].EAN != "590SKU-001" {
		t.Errorf("EAN = %q, want 590SKU-001", got["SKU-001"].EAN)
	}
	if got["V1"].ParentShopID != res[0].ShopID {
		t.Errorf("variant's parent shop id = %q, want %q", got["V1"].ParentShopID, res[0].ShopID)
	}

	stop := fmt.Errorf("enough")
	n := 0
	err = b.st.ListItems(context.Background(), func(store.Existing) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("fn error: walk returned %v after %d calls, want it after 1", err, n)
	}
}

// walkOrders reads every page of orders since t.
func walkOrders(t *testing.T, st store.OrderSource, since time.Time) ([]store.ShopOrder, []string) {
	t.Helper()
	var all []store.ShopOrder
	var cursors []string
	page := ""
	for range 100 {
		p, err := st.Orders(context.Background(), since, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Orders...)
		if p.Next == "" {
			return all, cursors
		}
		cursors = append(cursors, p.Next)
		page = p.Next
	}
	t.Fatal("orders: more than 100 pages")
	return nil, nil
}

func TestOrdersAcrossPages(t *testing.T) {
	t.Parallel()
	b := setup(t, options{pageSize: 2})
	start := b.clock.Now()
	var placed []catalog.Order
	for i := range 5 {
		placed = append(placed, b.placeOrder(t, fmt.Sprintf("P%d", i)))
	}

	all, cursors := walkOrders(t, b.st, start)
	if len(all) != 5 {
		t.Fatalf("got %d orders, want 5", len(all))
	}
	if len(cursors) < 2 {
		t.Errorf("5 orders in pages of 2 gave %d next cursors, want at least 2", len(cursors))
	}
	seen := map[string]bool{}
	for i, so := range all {
		if i > 0 && so.UpdatedAt.Before(all[i-1].UpdatedAt) {
			t.Errorf("order %d (%s) is older than the one before: cursors moved backwards", i, so.ID)
		}
		if seen[so.ID] {
			t.Errorf("order %s listed twice in one walk", so.ID)
		}
		seen[so.ID] = true
		if so.ID != placed[i].ShopOrderID || !so.UpdatedAt.Equal(placed[i].UpdatedAt) {
			t.Errorf("order %d = %s at %s, want %s at %s", i, so.ID, so.UpdatedAt, placed[i].ShopOrderID, placed[i].UpdatedAt)
		}
		o, err := b.st.ParseOrder(so.Raw)
		if err != nil {
			t.Errorf("ParseOrder(%s): %v", so.ID, err)
		}
		if o.ShopOrderID != so.ID || len(o.Lines) != 1 || !o.Total.Equal(dec("54.98")) {
			t.Errorf("parsed order %+v, want id %s, one line, total 54.98", o, so.ID)
		}
	}

	// Since is inclusive: from the third order's time, the third order on.
	third := placed[2].UpdatedAt
	tail, _ := walkOrders(t, b.st, third)
	if len(tail) != 3 || tail[0].ID != placed[2].ShopOrderID {
		t.Errorf("since %s gave %d orders starting %v, want 3 from %s", third, len(tail), tail, placed[2].ShopOrderID)
	}

	// An order that changes while a walk is under way moves to its end, so
	// a walk never misses it; an overlapping since sees it again.
	p, err := b.st.Orders(context.Background(), start, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.SetStatus(context.Background(), placed[0].ShopOrderID, catalog.StatusUpdate{Status: catalog.StatusProcessing}); err != nil {
		t.Fatal(err)
	}
	var rest []store.ShopOrder
	for page := p.Next; page != ""; {
		q, err := b.st.Orders(context.Background(), start, page)
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, q.Orders...)
		page = q.Next
	}
	if len(rest) == 0 || rest[len(rest)-1].ID != placed[0].ShopOrderID {
		t.Errorf("the changed order %s is not last in the rest of the walk: %v", placed[0].ShopOrderID, rest)
	}
}

func TestOrderByID(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	placed := b.placeOrder(t, "P1")
	so, err := b.st.Order(context.Background(), placed.ShopOrderID)
	if err != nil {
		t.Fatal(err)
	}
	o, err := b.st.ParseOrder(so.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if o.ShopOrderID != placed.ShopOrderID || o.Store != "" || o.Lines[0].SKU != "P1" || o.Customer.Email != "jan@example.com" {
		t.Errorf("order = %+v, want %s with line P1 and an empty Store", o, placed.ShopOrderID)
	}
	_, err = b.st.Order(context.Background(), "no such/order")
	if !fault.IsPermanent(err) {
		t.Errorf("missing order: err = %v, want Permanent", err)
	}
}

func TestSetStatusIsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	placed := b.placeOrder(t, "P1")
	u := catalog.StatusUpdate{
		Status:    catalog.StatusShipped,
		ERPNumber: "RO/12/2026",
		Tracking:  &catalog.Tracking{Carrier: "InPost", Number: "6800123", URL: "https://track.example/6800123"},
	}
	if err := b.st.SetStatus(context.Background(), placed.ShopOrderID, u); err != nil {
		t.Fatal(err)
	}
	first := b.mem.Orders()[0]
	b.clock.Add(time.Minute)
	if err := b.st.SetStatus(context.Background(), placed.ShopOrderID, u); err != nil {
		t.Fatal(err)
	}
	second := b.mem.Orders()[0]
	if !second.UpdatedAt.Equal(first.UpdatedAt) {
		t.Errorf("repeating the update moved updated_at from %s to %s", first.UpdatedAt, second.UpdatedAt)
	}
	if second.Status != catalog.StatusShipped || second.ERPNumber != "RO/12/2026" || second.Tracking == nil || *second.Tracking != *u.Tracking {
		t.Errorf("order after update = %+v", second)
	}
	if !second.UpdatedAt.After(placed.UpdatedAt) {
		t.Error("the first update did not move updated_at")
	}

	for name, tc := range map[string]struct {
		id string
		u  catalog.StatusUpdate
	}{
		"unknown status": {placed.ShopOrderID, catalog.StatusUpdate{Status: "lost"}},
		"empty tracking": {placed.ShopOrderID, catalog.StatusUpdate{Status: catalog.StatusShipped, Tracking: &catalog.Tracking{}}},
		"missing order":  {"o-404", catalog.StatusUpdate{Status: catalog.StatusShipped}},
		"empty order id": {"", catalog.StatusUpdate{Status: catalog.StatusShipped}},
	} {
		if err := b.st.SetStatus(context.Background(), tc.id, tc.u); !fault.IsPermanent(err) {
			t.Errorf("%s: err = %v, want Permanent", name, err)
		}
	}
}
