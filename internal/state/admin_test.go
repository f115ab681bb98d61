package state

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func testListItems(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	if _, ok, err := db.LastInSync(ctx, "b2c"); err != nil || ok {
		t.Fatalf("LastInSync of an empty store = %v, %v; want false, nil", ok, err)
	}
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{
		desired("b2c", "product", "P1", "h1"),
		desired("b2c", "product", "P2", "h1"),
		desired("b2c", "price", "P3", "h1"),
		desired("b2c", "stock", "P4", "h1"),
		desired("b2b", "product", "P1", "h1"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Park(ctx, "b2c", "product", "P1", "h1", "bad"); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, "b2c", "product", "P2", "h1", "timeout", c.Now()); err != nil {
		t.Fatal(err)
	}
	acked := c.Add(time.Minute)
	if err := db.Ack(ctx, "b2c", "stock", "P4", "9", "h1"); err != nil {
		t.Fatal(err)
	}
	key := func(items []StoreItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Store+"/"+it.Kind+"/"+it.SKU)
		}
		return out
	}
	tests := []struct {
		name string
		f    ItemFilter
		want []string
	}{
		{"all", ItemFilter{}, []string{"b2b/product/P1", "b2c/price/P3", "b2c/product/P1", "b2c/product/P2", "b2c/stock/P4"}},
		{"store", ItemFilter{Store: "b2c"}, []string{"b2c/price/P3", "b2c/product/P1", "b2c/product/P2", "b2c/stock/P4"}},
		{"kind", ItemFilter{Store: "b2c", Kind: "product"}, []string{"b2c/product/P1", "b2c/product/P2"}},
		{"sku", ItemFilter{SKU: "P1"}, []string{"b2b/product/P1", "b2c/product/P1"}},
		{"dirty", ItemFilter{Store: "b2c", State: ItemDirty}, []string{"b2c/price/P3", "b2c/product/P2"}},
		{"failing", ItemFilter{State: ItemFailing}, []string{"b2c/product/P2"}},
		{"parked", ItemFilter{State: ItemParked}, []string{"b2c/product/P1"}},
		{"page", ItemFilter{Store: "b2c", Limit: 2, Offset: 1}, []string{"b2c/product/P1", "b2c/product/P2"}},
		{"past the end", ItemFilter{Offset: 10}, nil},
	}
	for _, tc := range tests {
		got, err := db.ListItems(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(key(got), tc.want) {
			t.Errorf("%s: ListItems(%+v) = %v, want %v", tc.name, tc.f, key(got), tc.want)
		}
	}
	if _, err := db.ListItems(ctx, ItemFilter{State: "stuck"}); err == nil {
		t.Error("ListItems with an unknown state: no error")
	}
	if _, err := db.ListItems(ctx, ItemFilter{Offset: -1}); err == nil {
		t.Error("ListItems with a negative offset: no error")
	}
	last, ok, err := db.LastInSync(ctx, "b2c")
	if err != nil || !ok || !last.Equal(normTime(acked)) {
		t.Errorf("LastInSync = %v, %v, %v; want %v, true, nil", last, ok, err, normTime(acked))
	}
}

func testSetOrderStateFrom(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	id, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "1", State: OrderParked, Reason: "unknown SKU"})
	if err != nil {
		t.Fatal(err)
	}
	next := c.Add(time.Minute)
	ok, err := db.SetOrderStateFrom(ctx, id, []OrderState{OrderParked, OrderInvalid}, OrderReceived, "", next)
	if err != nil || !ok {
		t.Fatalf("retry of a parked order = %v, %v", ok, err)
	}
	o, err := db.GetOrder(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != OrderReceived || o.Reason != "" || !o.NextAttemptAt.Equal(normTime(next)) {
		t.Errorf("after retry: %s %q next %v", o.State, o.Reason, o.NextAttemptAt)
	}
	// The importer moved it on; an action meant for a parked order does nothing.
	if err := db.SetOrderState(ctx, id, OrderImported, "", "RO/1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	ok, err = db.SetOrderStateFrom(ctx, id, []OrderState{OrderReceived}, OrderParked, "held", time.Time{})
	if err != nil || ok {
		t.Fatalf("park of an imported order = %v, %v; want false, nil", ok, err)
	}
	if o, _ := db.GetOrder(ctx, id); o.State != OrderImported || o.ERPRef != "RO/1" {
		t.Errorf("imported order changed to %s %q", o.State, o.ERPRef)
	}
	if _, err := db.SetOrderStateFrom(ctx, 999, []OrderState{OrderParked}, OrderReceived, "", time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown order: %v, want ErrNotFound", err)
	}
	for _, bad := range [][]OrderState{nil, {"lost"}} {
		if _, err := db.SetOrderStateFrom(ctx, id, bad, OrderReceived, "", time.Time{}); err == nil {
			t.Errorf("from %v: no error", bad)
		}
	}
	if _, err := db.SetOrderStateFrom(ctx, id, []OrderState{OrderImported}, "lost", "", time.Time{}); err == nil {
		t.Error("to an unknown state: no error")
	}
}
