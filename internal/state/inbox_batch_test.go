package state

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
)

func TestReceiveOrdersSQLite(t *testing.T) {
	t.Parallel()
	testReceiveOrders(t, openTestSQLite)
}

func TestReceiveOrdersPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN to run ReceiveOrders on PostgreSQL", postgresEnv)
	}
	testReceiveOrders(t, postgresOpener(dsn))
}

func testReceiveOrders(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	t1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	known, _, err := db.ReceiveOrder(ctx, nil, InboxOrder{Store: "b2c", ShopOrderID: "2", Payload: []byte("old")}, t1)
	if err != nil {
		t.Fatal(err)
	}
	if dup, err := db.RecordDelivery(ctx, nil, "b2c", "d-seen", known); err != nil || dup {
		t.Fatal(dup, err)
	}
	batch := []NewOrder{
		{Order: InboxOrder{Store: "b2c", ShopOrderID: "1", Payload: []byte("one")}, ShopUpdatedAt: t1, Deliveries: []string{"d1", "e1"}},
		{Order: InboxOrder{Store: "b2c", ShopOrderID: "2", Payload: []byte("new")}, ShopUpdatedAt: t1.Add(time.Hour), Deliveries: []string{"d2"}},
		{Order: InboxOrder{Store: "b2b", ShopOrderID: "2", State: OrderInvalid, Reason: "parse: bad", Payload: []byte("{")}},
		// A delivery id already recorded for another order: the order is
		// still new and stored.
		{Order: InboxOrder{Store: "b2c", ShopOrderID: "3"}, Deliveries: []string{"d-seen"}},
	}
	var ids []int64
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		ids, err = db.ReceiveOrders(ctx, tx, batch)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] == 0 || ids[1] != 0 || ids[2] == 0 || ids[3] == 0 || ids[0] == ids[2] {
		t.Fatalf("ids = %v, want new ids for positions 0, 2, 3 and 0 for the known order", ids)
	}
	o, err := db.GetOrder(ctx, ids[0])
	if err != nil || o.ShopOrderID != "1" || o.State != OrderReceived || string(o.Payload) != "one" {
		t.Fatalf("order 1 = %+v, %v", o, err)
	}
	o, err = db.GetOrder(ctx, ids[2])
	if err != nil || o.Store != "b2b" || o.State != OrderInvalid || o.Reason != "parse: bad" {
		t.Fatalf("invalid order = %+v, %v", o, err)
	}
	o, err = db.GetOrder(ctx, ids[3])
	if err != nil || len(o.Payload) != 0 {
		t.Fatalf("order 3 = %+v, %v", o, err)
	}
	if o, err := db.OrderByKey(ctx, "b2c", "2"); err != nil || string(o.Payload) != "old" {
		t.Fatalf("the known order changed: %+v, %v", o, err)
	}
	// The new orders' deliveries are recorded, the known order's is not.
	for _, d := range []struct {
		id  string
		dup bool
	}{{"d1", true}, {"e1", true}, {"d2", false}} {
		dup, err := db.RecordDelivery(ctx, nil, "b2c", d.id, 0)
		if err != nil || dup != d.dup {
			t.Errorf("delivery %s seen = %v, %v; want %v", d.id, dup, err, d.dup)
		}
	}
	// The shop time is kept: an older version does not replace the payload,
	// a newer one does.
	if _, changed, err := db.UpdateOrderPayload(ctx, nil, "b2c", "1", []byte("older"), t1.Add(-time.Minute)); err != nil || changed {
		t.Errorf("older payload replaced: %v, %v", changed, err)
	}
	if _, changed, err := db.UpdateOrderPayload(ctx, nil, "b2c", "1", []byte("newer"), t1.Add(time.Minute)); err != nil || !changed {
		t.Errorf("newer payload not taken: %v, %v", changed, err)
	}
	if _, err := db.ReceiveOrders(ctx, nil, batch[:1:1]); err != nil {
		t.Errorf("receiving a known order again: %v", err)
	}
	if _, err := db.ReceiveOrders(ctx, nil, []NewOrder{batch[0], batch[0]}); err == nil {
		t.Error("a key given twice was accepted")
	}
	if ids, err := db.ReceiveOrders(ctx, nil, nil); err != nil || len(ids) != 0 {
		t.Errorf("empty batch = %v, %v", ids, err)
	}
}

func TestInDurableTxSQLite(t *testing.T) {
	t.Parallel()
	db := migrated(t, openTestSQLite)
	db.x.SetMaxOpenConns(1) // the pool's one connection is the one used
	ctx := t.Context()
	level := func(x sqlx.QueryerContext) int {
		var n int
		if err := x.QueryRowxContext(ctx, `PRAGMA synchronous`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const normal, full = 1, 2
	err := db.InDurableTx(ctx, func(tx *sqlx.Tx) error {
		if n := level(tx); n != full {
			t.Errorf("synchronous inside = %d, want FULL (%d)", n, full)
		}
		var auto int
		if err := tx.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
			t.Errorf("wal_autocheckpoint inside = %d, %v; want 0", auto, err)
		}
		_, err := db.ReceiveOrders(ctx, tx, []NewOrder{{Order: InboxOrder{Store: "b2c", ShopOrderID: "1"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := level(db.x); n != normal {
		t.Errorf("synchronous after = %d, want NORMAL (%d) back", n, normal)
	}
	var auto int
	if err := db.x.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 1000 {
		t.Errorf("wal_autocheckpoint after = %d, %v; want 1000 back", auto, err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Errorf("Checkpoint: %v", err)
	}
	if _, err := db.OrderByKey(ctx, "b2c", "1"); err != nil {
		t.Errorf("committed order: %v", err)
	}
	boom := errors.New("boom")
	err = db.InDurableTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.ReceiveOrders(ctx, tx, []NewOrder{{Order: InboxOrder{Store: "b2c", ShopOrderID: "2"}}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InDurableTx = %v, want fn's error", err)
	}
	if _, err := db.OrderByKey(ctx, "b2c", "2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rolled back order: %v, want not found", err)
	}
}

func TestConflict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("state: commit: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{errors.New("database is locked"), false},
		{nil, false},
	} {
		if got := Conflict(tc.err); got != tc.want {
			t.Errorf("Conflict(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
