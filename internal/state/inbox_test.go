package state

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func testInbox(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	raw := []byte("<order id=\"1001\">\x00\xff not JSON</order>")

	id, created, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "1001", Payload: raw})
	if err != nil || !created || id <= 0 {
		t.Fatalf("InsertOrder = %d, %v, %v; want a new id", id, created, err)
	}
	again, created, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "1001", Payload: []byte("other")})
	if err != nil || created || again != id {
		t.Fatalf("InsertOrder of a known order = %d, %v, %v; want %d, false", again, created, err, id)
	}
	other, created, err := db.InsertOrder(ctx, InboxOrder{Store: "b2b", ShopOrderID: "1001"})
	if err != nil || !created || other == id {
		t.Fatalf("InsertOrder of the same number in another store = %d, %v, %v", other, created, err)
	}

	o, err := db.GetOrder(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t0 := normTime(c.Now())
	if o.ID != id || o.Store != "b2c" || o.ShopOrderID != "1001" || o.State != OrderReceived || !bytes.Equal(o.Payload, raw) ||
		o.Attempts != 0 || !o.ReceivedAt.Equal(t0) || !o.NextAttemptAt.Equal(t0) || !o.UpdatedAt.Equal(t0) || o.Reason != "" || o.ERPRef != "" {
		t.Fatalf("GetOrder = %+v", o)
	}
	if _, err := db.GetOrder(ctx, id+1000); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetOrder of a missing id = %v, want ErrNotFound", err)
	}

	for _, bad := range []InboxOrder{
		{Store: "", ShopOrderID: "1"},
		{Store: "b2c", ShopOrderID: ""},
		{Store: "b2c", ShopOrderID: "2", State: "lost"},
	} {
		if _, _, err := db.InsertOrder(ctx, bad); err == nil {
			t.Errorf("InsertOrder(%+v) succeeded", bad)
		}
	}

	c.Add(time.Minute)
	if err := db.SetOrderState(ctx, id, OrderImported, "", "RO/12/2026", time.Time{}); err != nil {
		t.Fatalf("SetOrderState: %v", err)
	}
	if err := db.SetOrderState(ctx, other, OrderParked, "unknown SKU X-1", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOrderState(ctx, id+1000, OrderParked, "", "", time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetOrderState of a missing id = %v, want ErrNotFound", err)
	}
	if err := db.SetOrderState(ctx, id, "lost", "", "", time.Time{}); err == nil {
		t.Error("SetOrderState to an unknown state succeeded")
	}
	o, err = db.GetOrder(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != OrderImported || o.ERPRef != "RO/12/2026" || !o.UpdatedAt.Equal(normTime(c.Now())) || !o.NextAttemptAt.Equal(t0) {
		t.Fatalf("order after SetOrderState = %+v", o)
	}
	// An empty erpRef keeps the stored one.
	if err := db.SetOrderState(ctx, id, OrderImported, "status synced", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.GetOrder(ctx, id); o.ERPRef != "RO/12/2026" || o.Reason != "status synced" {
		t.Fatalf("order after a second SetOrderState = %+v", o)
	}

	for i := range 3 {
		if _, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: fmt.Sprint(2000 + i), Payload: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := db.ListOrders(ctx, OrderFilter{Store: "b2c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 || list[0].ShopOrderID != "2002" || list[3].ShopOrderID != "1001" {
		t.Fatalf("ListOrders(b2c) = %v, want 4 newest first", orderIDs(list))
	}
	page, err := db.ListOrders(ctx, OrderFilter{Store: "b2c", Limit: 2, BeforeID: list[1].ID})
	if err != nil || len(page) != 2 || page[0].ID != list[2].ID || page[1].ID != list[3].ID {
		t.Fatalf("ListOrders page = %v, %v; want %v", orderIDs(page), err, orderIDs(list[2:]))
	}
	parked, err := db.ListOrders(ctx, OrderFilter{State: OrderParked})
	if err != nil || len(parked) != 1 || parked[0].ID != other || parked[0].Reason != "unknown SKU X-1" {
		t.Fatalf("ListOrders(parked) = %+v, %v", parked, err)
	}
	if _, err := db.ListOrders(ctx, OrderFilter{State: "lost"}); err == nil {
		t.Error("ListOrders with an unknown state succeeded")
	}

	counts, err := db.OrderCounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 3 || counts[OrderReceived] != 3 || counts[OrderImported] != 1 || counts[OrderParked] != 1 {
		t.Errorf("OrderCounts(all) = %v", counts)
	}
	if counts, _ := db.OrderCounts(ctx, "b2b"); len(counts) != 1 || counts[OrderParked] != 1 {
		t.Errorf("OrderCounts(b2b) = %v", counts)
	}
}

func orderIDs(os []InboxOrder) []string {
	var out []string
	for _, o := range os {
		out = append(out, fmt.Sprintf("%d:%s/%s", o.ID, o.Store, o.ShopOrderID))
	}
	return out
}

func testInboxDeliveries(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	id, _, err := db.InsertOrder(ctx, InboxOrder{Store: "shopify", ShopOrderID: "55"})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := db.RecordDelivery(ctx, nil, "shopify", "evt-1", id)
	if err != nil || dup {
		t.Fatalf("first RecordDelivery = %v, %v; want false", dup, err)
	}
	dup, err = db.RecordDelivery(ctx, nil, "shopify", "evt-1", id)
	if err != nil || !dup {
		t.Fatalf("repeated RecordDelivery = %v, %v; want true", dup, err)
	}
	if dup, err := db.RecordDelivery(ctx, nil, "woo", "evt-1", 0); err != nil || dup {
		t.Fatalf("same id in another store, without order = %v, %v; want false", dup, err)
	}
	if _, err := db.RecordDelivery(ctx, nil, "woo", "evt-2", id+1000); err == nil {
		t.Error("RecordDelivery linked to a missing order succeeded (foreign key off?)")
	}
	if _, err := db.RecordDelivery(ctx, nil, "woo", "", 0); err == nil {
		t.Error("RecordDelivery without an id succeeded")
	}

	c.Add(48 * time.Hour)
	if _, err := db.RecordDelivery(ctx, nil, "shopify", "evt-2", id); err != nil {
		t.Fatal(err)
	}
	n, err := db.PruneDeliveries(ctx, c.Now().Add(-24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneDeliveries = %d, %v; want 2", n, err)
	}
	if dup, _ := db.RecordDelivery(ctx, nil, "shopify", "evt-2", id); !dup {
		t.Error("a recent delivery was pruned")
	}
}

func testInsertOrderConcurrent(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	const workers = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		ids     = map[int64]bool{}
		errs    []error
	)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			id, ok, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "race-1", Payload: []byte(fmt.Sprintf(`{"try":%d}`, i))})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ids[id] = true
			if ok {
				created++
			}
		})
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent InsertOrder: %d errors, first: %v", len(errs), errs[0])
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("concurrent InsertOrder: created %d times with %d distinct ids; want exactly one", created, len(ids))
	}
	var n int
	if err := db.x.GetContext(ctx, &n, db.q(`SELECT count(*) FROM inbox WHERE store = ? AND shop_order_id = ?`), "b2c", "race-1"); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("inbox has %d rows for the order, want 1", n)
	}
}

func testClaimOrders(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	now := c.Now()
	var ids []int64
	for i := range 3 {
		id, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: fmt.Sprint(i), ReceivedAt: now.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// Not due yet: one received in the future, one retrying later.
	later, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "later", NextAttemptAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	done, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "done", State: OrderImported})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := db.ClaimOrders(ctx, 0, now); err == nil {
		t.Error("ClaimOrders with limit 0 succeeded")
	}
	claimed, err := db.ClaimOrders(ctx, 2, now.Add(5*time.Second))
	if err != nil {
		t.Fatalf("ClaimOrders: %v", err)
	}
	if len(claimed) != 2 || claimed[0].ID != ids[0] || claimed[1].ID != ids[1] {
		t.Fatalf("ClaimOrders = %v, want the two oldest", orderIDs(claimed))
	}
	for _, o := range claimed {
		if o.State != OrderProcessing || o.Attempts != 1 || !o.NextAttemptAt.Equal(normTime(now.Add(5*time.Second+ClaimLease))) {
			t.Errorf("claimed order = %+v", o)
		}
	}
	rest, err := db.ClaimOrders(ctx, 10, now.Add(5*time.Second))
	if err != nil || len(rest) != 1 || rest[0].ID != ids[2] {
		t.Fatalf("second ClaimOrders = %v, %v; want only the third", orderIDs(rest), err)
	}

	// A retry later becomes due at its time; the claimed ones are held.
	if err := db.SetOrderState(ctx, ids[0], OrderReceived, "ERP down", "", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimOrders(ctx, 10, now.Add(time.Minute))
	if err != nil || len(got) != 1 || got[0].ID != ids[0] || got[0].Attempts != 2 || got[0].Reason != "ERP down" {
		t.Fatalf("ClaimOrders at the retry time = %+v, %v", got, err)
	}

	// After the lease, orders still processing (their worker died) are due
	// again, as is the one received for later; imported ones never.
	got, err = db.ClaimOrders(ctx, 10, now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{ids[0], ids[1], ids[2], later}
	if len(got) != len(want) {
		t.Fatalf("ClaimOrders after the lease = %v, want ids %v", orderIDs(got), want)
	}
	for i := range want {
		if got[i].ID != want[i] || got[i].ID == done {
			t.Fatalf("ClaimOrders after the lease = %v, want ids %v", orderIDs(got), want)
		}
	}
}

func testClaimOrdersConcurrent(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	const orders = 40
	for i := range orders {
		if _, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Add(time.Second)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[int64]int{}
		errs []error
	)
	for range 2 {
		wg.Go(func() {
			for {
				got, err := db.ClaimOrders(ctx, 3, now)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, o := range got {
					seen[o.ID]++
				}
				mu.Unlock()
				if err != nil || len(got) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent ClaimOrders: %v", errs)
	}
	if len(seen) != orders {
		t.Fatalf("claimed %d distinct orders, want %d", len(seen), orders)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("order %d claimed %d times", id, n)
		}
	}
}
