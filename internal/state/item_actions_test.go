package state

import (
	"errors"
	"testing"
)

func testItemOperatorActions(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{
		desired("b2c", "product", "P1", "h1"),
		desired("b2c", "price", "P1", "h1"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, "b2c", "price", "P1", "h1", "HTTP 500", c.Now()); err != nil {
		t.Fatal(err)
	}

	// An operator parks a product the shop must not get for now.
	if err := db.ParkItem(ctx, "b2c", "product", "P1", "wait for the photo shoot"); err != nil {
		t.Fatal(err)
	}
	if err := db.ParkItem(ctx, "b2c", "product", "missing", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ParkItem of a missing item = %v, want ErrNotFound", err)
	}
	dirty, err := db.Dirty(ctx, "b2c", 10, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := skus(dirty); len(got) != 1 || dirty[0].Kind != "price" {
		t.Fatalf("Dirty with the product parked = %+v, want only the price", dirty)
	}
	if it, _ := db.GetStoreItem(ctx, "b2c", "product", "P1"); !it.Parked || it.ParkedReason != "wait for the photo shoot" {
		t.Fatalf("parked item = %+v", it)
	}

	// Skipping takes the desired record as what the shop has.
	if err := db.SkipItem(ctx, "b2c", "price", "P1"); err != nil {
		t.Fatal(err)
	}
	if err := db.SkipItem(ctx, "b2c", "price", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SkipItem of a missing item = %v, want ErrNotFound", err)
	}
	it, err := db.GetStoreItem(ctx, "b2c", "price", "P1")
	if err != nil {
		t.Fatal(err)
	}
	if it.Dirty() || it.Attempts != 0 || it.LastError != "" || it.Parked {
		t.Fatalf("skipped item = %+v, want in step with no error", it)
	}
	if dirty, _ := db.Dirty(ctx, "b2c", 10, c.Now()); len(dirty) != 0 {
		t.Fatalf("Dirty after skip = %v", skus(dirty))
	}

	// The next change of either is pushed as usual.
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{
		desired("b2c", "product", "P1", "h2"),
		desired("b2c", "price", "P1", "h2"),
	}); err != nil {
		t.Fatal(err)
	}
	if dirty, _ := db.Dirty(ctx, "b2c", 10, c.Now()); len(dirty) != 2 {
		t.Fatalf("Dirty after new desired records = %v, want both", skus(dirty))
	}
}
