package state

import (
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

func testInboxUpdate(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	t1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

	var id int64
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var created bool
		var err error
		id, created, err = db.ReceiveOrder(ctx, tx, InboxOrder{Store: "b2c", ShopOrderID: "7", Payload: []byte("v1")}, t1)
		if err == nil && !created {
			t.Errorf("ReceiveOrder of a new order: created false")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	again, created, err := db.ReceiveOrder(ctx, nil, InboxOrder{Store: "b2c", ShopOrderID: "7", Payload: []byte("other")}, t1.Add(time.Hour))
	if err != nil || created || again != id {
		t.Fatalf("ReceiveOrder of a known order = %d, %v, %v; want %d, false", again, created, err, id)
	}

	tests := []struct {
		name    string
		payload string
		at      time.Time
		want    bool
		stored  string
	}{
		{"older", "v0", t1.Add(-time.Minute), false, "v1"},
		{"same time", "v1b", t1, false, "v1"},
		{"unknown time", "vx", time.Time{}, false, "v1"},
		{"newer", "v2", t1.Add(time.Minute), true, "v2"},
		{"late delivery of v1", "v1", t1, false, "v2"},
	}
	for _, tc := range tests {
		o, changed, err := db.UpdateOrderPayload(ctx, nil, "b2c", "7", []byte(tc.payload), tc.at)
		if err != nil || changed != tc.want || string(o.Payload) != tc.stored {
			t.Errorf("%s: UpdateOrderPayload = %q, %v, %v; want %q, %v", tc.name, o.Payload, changed, err, tc.stored, tc.want)
		}
	}

	// A parked order with a newer version goes back to received.
	c.Add(time.Minute)
	if err := db.SetOrderStateTx(ctx, nil, id, OrderParked, "unknown SKU X", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	o, changed, err := db.UpdateOrderPayload(ctx, nil, "b2c", "7", []byte("v3"), t1.Add(time.Hour))
	if err != nil || !changed || o.State != OrderReceived || o.Reason != "" || !o.NextAttemptAt.Equal(normTime(c.Now())) {
		t.Fatalf("UpdateOrderPayload of a parked order = %+v, %v, %v", o, changed, err)
	}
	// An imported order keeps its state.
	if err := db.SetOrderStateTx(ctx, nil, id, OrderImported, "", "RO/1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	o, changed, err = db.UpdateOrderPayload(ctx, nil, "b2c", "7", []byte("v4"), t1.Add(2*time.Hour))
	if err != nil || !changed || o.State != OrderImported || o.ERPRef != "RO/1" {
		t.Fatalf("UpdateOrderPayload of an imported order = %+v, %v, %v", o, changed, err)
	}
	if _, _, err := db.UpdateOrderPayload(ctx, nil, "b2c", "missing", nil, t1); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateOrderPayload of a missing order = %v, want ErrNotFound", err)
	}
	if got, err := db.OrderByKey(ctx, "b2c", "7"); err != nil || got.ID != id {
		t.Errorf("OrderByKey = %+v, %v", got, err)
	}
	if _, err := db.OrderByKey(ctx, "b2c", "8"); !errors.Is(err, ErrNotFound) {
		t.Errorf("OrderByKey of a missing order = %v", err)
	}

	// Status sent: none, then the last one recorded.
	if s, err := db.StatusSent(ctx, "b2c", "7"); err != nil || s != "" {
		t.Fatalf("StatusSent = %q, %v; want empty", s, err)
	}
	for _, k := range []string{"processing|RO/1|", "shipped|RO/1|DPD:123"} {
		if err := db.SetStatusSent(ctx, nil, "b2c", "7", k); err != nil {
			t.Fatal(err)
		}
		if s, err := db.StatusSent(ctx, "b2c", "7"); err != nil || s != k {
			t.Fatalf("StatusSent = %q, %v; want %q", s, err, k)
		}
	}
	if err := db.SetStatusSent(ctx, nil, "b2c", "polled-only", "x"); err != nil {
		t.Fatal(err)
	}
}
