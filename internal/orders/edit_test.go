package orders_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// TestEditsAndCancellation: a cancellation in the shop is a state change of
// the same order (no new order), releases its reservation, and a late
// delivery of the older version changes nothing. The poll cursor only moves
// forward.
func TestEditsAndCancellation(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	ids := b.place(t, 3)
	old, oldBody, err := b.shop.OrderWebhook(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.svc.Poll(t.Context(), b.store)
	if err != nil || res.Stored != 3 {
		t.Fatalf("first poll = %+v, %v; want 3 stored", res, err)
	}
	cur1, _, _ := b.hub.State.Cursor(t.Context(), orders.PollCursor(b.store))
	if res, err := b.svc.Poll(t.Context(), b.store); err != nil || res.Stored != 0 || res.Orders != 3 {
		t.Fatalf("poll again (overlap re-reads) = %+v, %v; want 3 read, none stored", res, err)
	}
	drain(t, b)
	assertAllImported(t, b, 3)
	reserved := func() int {
		m, err := b.hub.State.ReservedBySKU(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return len(m)
	}
	if reserved() == 0 {
		t.Fatal("no reservations after import")
	}

	// The shop cancels order 0 and 1 (the customer asked).
	for _, id := range ids[:2] {
		if err := b.hub.Stores[b.store].(store.StatusSetter).SetStatus(t.Context(), id, catalog.StatusUpdate{Status: catalog.StatusCancelled}); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := b.svc.Poll(t.Context(), b.store); err != nil || res.Stored != 2 {
		t.Fatalf("poll after cancellation = %+v, %v; want 2 updated", res, err)
	}
	cur2, _, _ := b.hub.State.Cursor(t.Context(), orders.PollCursor(b.store))
	t1, _ := time.Parse(time.RFC3339Nano, cur1)
	t2, _ := time.Parse(time.RFC3339Nano, cur2)
	if !t2.After(t1) {
		t.Errorf("cursor %s did not move forward from %s", cur2, cur1)
	}
	assertAllImported(t, b, 3) // still three orders, one staging row each
	o, err := b.hub.State.OrderByKey(t.Context(), b.store, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.hub.Stores[b.store].(store.OrderSource).ParseOrder(o.Payload)
	if err != nil || p.Status != catalog.StatusCancelled {
		t.Fatalf("stored payload status = %s, %v; want cancelled", p.Status, err)
	}

	// The late webhook of the first version changes nothing.
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Webhooks: b.svc}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+b.store, bytes.NewReader(oldBody))
	req.Header = old
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	again, _ := b.hub.State.OrderByKey(t.Context(), b.store, ids[0])
	if resp.StatusCode != http.StatusOK || !bytes.Equal(again.Payload, o.Payload) {
		t.Fatalf("late delivery answered %d and changed the payload: %v", resp.StatusCode, !bytes.Equal(again.Payload, o.Payload))
	}

	// Only order 2's stock is still held.
	rows, err := b.hub.State.ListOrders(t.Context(), state.OrderFilter{Store: b.store})
	if err != nil || len(rows) != 3 {
		t.Fatalf("inbox = %d rows, %v", len(rows), err)
	}
	keep, _ := b.shop.Order(ids[2])
	m, err := b.hub.State.ReservedBySKU(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != len(keep.Lines) {
		t.Errorf("reserved %v after two cancellations, want only the lines of %s", m, ids[2])
	}
}
