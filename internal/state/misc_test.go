package state

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"
)

func testCursors(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	if v, ok, err := db.Cursor(ctx, "erp.product"); err != nil || ok || v != "" {
		t.Fatalf("Cursor never set = %q, %v, %v; want \"\", false", v, ok, err)
	}
	for _, v := range []string{"2026-03-29T01:00:00Z", "", "2026-03-29T02:00:00Z"} {
		if err := db.SetCursor(ctx, nil, "erp.product", v); err != nil {
			t.Fatalf("SetCursor(%q): %v", v, err)
		}
		got, ok, err := db.Cursor(ctx, "erp.product")
		if err != nil || !ok || got != v {
			t.Fatalf("Cursor after SetCursor(%q) = %q, %v, %v", v, got, ok, err)
		}
	}
	if err := db.SetCursor(ctx, nil, "", "x"); err == nil {
		t.Error("SetCursor with an empty name succeeded")
	}
}

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testReservations(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	check := func(step string, want map[string]string) {
		t.Helper()
		got, err := db.ReservedBySKU(ctx)
		if err != nil {
			t.Fatalf("%s: ReservedBySKU: %v", step, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: ReservedBySKU = %v, want %v", step, got, want)
		}
		for sku, w := range want {
			if g, ok := got[sku]; !ok || !g.Equal(dec(t, w)) {
				t.Fatalf("%s: reserved %s = %v, want %s (all: %v)", step, sku, g, w, got)
			}
		}
	}
	check("empty", map[string]string{})

	lines := []ReservationLine{
		{SKU: "A", Quantity: dec(t, "1.5")},
		{SKU: "B", Quantity: dec(t, "0.1")},
		{SKU: "A", Quantity: dec(t, "2")},
		{SKU: "BIG", Quantity: dec(t, "12345678901234567890.123456789")},
	}
	if err := db.Reserve(ctx, nil, "b2c", "1001", lines); err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	check("one order", map[string]string{"A": "3.5", "B": "0.1", "BIG": "12345678901234567890.123456789"})

	// Idempotent, also inside a transaction.
	if err := db.InTx(ctx, func(tx *sqlx.Tx) error { return db.Reserve(ctx, tx, "b2c", "1001", lines) }); err != nil {
		t.Fatal(err)
	}
	check("same order again", map[string]string{"A": "3.5", "B": "0.1", "BIG": "12345678901234567890.123456789"})

	if err := db.Reserve(ctx, nil, "b2b", "1001", []ReservationLine{{SKU: "B", Quantity: dec(t, "0.2")}}); err != nil {
		t.Fatal(err)
	}
	check("second store", map[string]string{"A": "3.5", "B": "0.3", "BIG": "12345678901234567890.123456789"})

	if err := db.Release(ctx, nil, "b2c", "1001"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	check("released", map[string]string{"B": "0.2"})
	if err := db.Release(ctx, nil, "b2c", "1001"); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if err := db.Release(ctx, nil, "b2c", "never"); err != nil {
		t.Fatalf("Release of an unknown order: %v", err)
	}
	// Processing a released order again does not reserve it again.
	if err := db.Reserve(ctx, nil, "b2c", "1001", lines); err != nil {
		t.Fatal(err)
	}
	check("re-reserved after release", map[string]string{"B": "0.2"})

	for i, bad := range [][]ReservationLine{
		{{SKU: "A", Quantity: decimal.Zero}},
		{{SKU: "A", Quantity: dec(t, "-1")}},
		{{SKU: "", Quantity: dec(t, "1")}},
	} {
		if err := db.Reserve(ctx, nil, "b2c", fmt.Sprint("bad", i), bad); err == nil {
			t.Errorf("Reserve(%v) succeeded", bad)
		}
	}
}

func testAudit(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	for i := range 5 {
		e := Event{Actor: "cli", Action: "item.unpark", Subject: fmt.Sprintf("b2c/product/P%d", i)}
		if i%2 == 0 {
			e.Detail = json.RawMessage(fmt.Sprintf(`{"n":%d,"note":"zażółć"}`, i))
		}
		if err := db.Audit(ctx, nil, e); err != nil {
			t.Fatalf("Audit: %v", err)
		}
	}
	first, err := db.AuditEvents(ctx, 2, 0)
	if err != nil || len(first) != 2 {
		t.Fatalf("AuditEvents = %v, %v", first, err)
	}
	if first[0].Subject != "b2c/product/P4" || string(first[0].Detail) != `{"n":4,"note":"zażółć"}` || first[0].At.IsZero() {
		t.Errorf("newest event = %+v", first[0])
	}
	if first[1].Subject != "b2c/product/P3" || string(first[1].Detail) != `{}` {
		t.Errorf("second event = %+v", first[1])
	}
	rest, err := db.AuditEvents(ctx, 10, first[1].ID)
	if err != nil || len(rest) != 3 || rest[0].Subject != "b2c/product/P2" || rest[2].Subject != "b2c/product/P0" {
		t.Fatalf("AuditEvents page 2 = %+v, %v", rest, err)
	}
	if err := db.Audit(ctx, nil, Event{Actor: "cli", Action: "x", Detail: json.RawMessage(`{`)}); err == nil {
		t.Error("Audit with invalid JSON succeeded")
	}
	if err := db.Audit(ctx, nil, Event{Action: "x"}); err == nil {
		t.Error("Audit without an actor succeeded")
	}
	if _, err := db.AuditEvents(ctx, 0, 0); err == nil {
		t.Error("AuditEvents with limit 0 succeeded")
	}
}
