package state

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

func TestOrderEventsSQLite(t *testing.T) {
	t.Parallel()
	testOrderEvents(t, openTestSQLite)
}

func TestOrderEventsPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN to run the order events test on PostgreSQL", postgresEnv)
	}
	testOrderEvents(t, postgresOpener(dsn))
}

func testOrderEvents(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	add := func(e OrderEvent, once bool) {
		t.Helper()
		if err := db.AddOrderEvent(ctx, nil, e, once); err != nil {
			t.Fatalf("AddOrderEvent(%+v): %v", e, err)
		}
	}
	add(OrderEvent{Store: "b2c", ShopOrderID: "1001", At: t0, Kind: OrderEventRetry, Message: "ERP staging: connection refused"}, false)
	add(OrderEvent{Store: "b2c", ShopOrderID: "1001", At: t0.Add(2 * time.Minute), Kind: OrderEventStaged,
		Message: "written to ERP staging", Detail: json.RawMessage(`{"staging_id":"17"}`)}, false)
	// The importer's result is read again on the next run: kept once.
	for i := range 2 {
		add(OrderEvent{Store: "b2c", ShopOrderID: "1001", At: t0.Add(time.Duration(5+i) * time.Minute), Kind: OrderEventERPResult,
			Message: "ERP document RO/17/2026"}, true)
	}
	add(OrderEvent{Store: "b2c", ShopOrderID: "1002", At: t0, Kind: OrderEventParked, Message: "unknown SKU"}, false)
	if err := db.Audit(ctx, nil, Event{At: t0.Add(time.Minute), Actor: "api:ops", Action: "order.retry", Subject: "b2c/order/1001",
		Detail: json.RawMessage(`{"from":"parked"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Audit(ctx, nil, Event{At: t0.Add(time.Minute), Actor: "api:ops", Action: "order.retry", Subject: "b2c/order/10011"}); err != nil {
		t.Fatal(err)
	}

	tl, err := db.OrderTimeline(ctx, "b2c", "1001", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ kind, actor string }{{OrderEventRetry, "hub"}, {"order.retry", "api:ops"}, {OrderEventStaged, "hub"}, {OrderEventERPResult, "hub"}}
	if len(tl) != len(want) {
		t.Fatalf("timeline has %d entries, want %d: %+v", len(tl), len(want), tl)
	}
	for i, w := range want {
		if tl[i].Kind != w.kind || tl[i].Actor != w.actor {
			t.Errorf("timeline[%d] = %s by %s, want %s by %s", i, tl[i].Kind, tl[i].Actor, w.kind, w.actor)
		}
	}
	if !tl[0].At.Equal(t0) || tl[2].Message != "written to ERP staging" || string(tl[2].Detail) != `{"staging_id":"17"}` {
		t.Errorf("timeline entries lost their fields: %+v", tl)
	}
	if string(tl[1].Detail) != `{"from":"parked"}` || !tl[3].At.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("audit or once entries wrong: %+v %+v", tl[1], tl[3])
	}
	last, err := db.OrderTimeline(ctx, "b2c", "1001", 1)
	if err != nil || len(last) != 2 || last[0].Kind != "order.retry" || last[1].Kind != OrderEventERPResult {
		t.Errorf("timeline with limit 1 = %+v, %v; want the latest of each source", last, err)
	}
	if err := db.AddOrderEvent(ctx, nil, OrderEvent{Store: "b2c", Kind: OrderEventRetry}, false); err == nil {
		t.Error("an event without an order was stored")
	}
	if err := db.AddOrderEvent(ctx, nil, OrderEvent{Store: "b2c", ShopOrderID: "1", Kind: "x", Detail: json.RawMessage(`{`)}, false); err == nil {
		t.Error("an event with invalid JSON detail was stored")
	}
	if _, err := db.OrderTimeline(ctx, "b2c", "1001", 0); err == nil {
		t.Error("OrderTimeline with limit 0 succeeded")
	}
}
