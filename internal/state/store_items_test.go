package state

import (
	"errors"
	"testing"
	"time"
)

func desired(store, kind, sku, hash string) DesiredItem {
	return DesiredItem{Store: store, Kind: kind, SKU: sku, Hash: hash, Payload: []byte(`{"sku":"` + sku + `","h":"` + hash + `"}`)}
}

func skus(items []StoreItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.SKU)
	}
	return out
}

func testStoreItems(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()

	n, err := db.SetDesired(ctx, nil, []DesiredItem{
		desired("b2c", "product", "P2", "h1"),
		desired("b2c", "product", "P1", "h1"),
		desired("b2b", "product", "P1", "h1"),
	})
	if err != nil || n != 3 {
		t.Fatalf("SetDesired new items = %d, %v; want 3", n, err)
	}
	if n, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "product", "P1", "h1")}); err != nil || n != 0 {
		t.Fatalf("SetDesired unchanged = %d, %v; want 0", n, err)
	}

	now := c.Now()
	dirty, err := db.Dirty(ctx, "b2c", 10, now)
	if err != nil {
		t.Fatalf("Dirty: %v", err)
	}
	if got := skus(dirty); len(got) != 2 || got[0] != "P1" || got[1] != "P2" {
		t.Fatalf("Dirty(b2c) = %v, want [P1 P2]", got)
	}
	p1 := dirty[0]
	if p1.Store != "b2c" || p1.Kind != "product" || p1.DesiredHash != "h1" || p1.AckedHash != "" || !p1.Dirty() ||
		string(p1.DesiredPayload) != `{"sku":"P1","h":"h1"}` || p1.ShopID != "" || p1.Parked {
		t.Errorf("dirty item = %+v", p1)
	}
	if limited, err := db.Dirty(ctx, "b2c", 1, now); err != nil || len(limited) != 1 {
		t.Errorf("Dirty limit 1 = %d items, %v", len(limited), err)
	}
	if _, err := db.Dirty(ctx, "b2c", 0, now); err == nil {
		t.Error("Dirty with limit 0 succeeded")
	}

	if err := db.Ack(ctx, "b2c", "product", "P1", "shop-101", "h1"); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	dirty, err = db.Dirty(ctx, "b2c", 10, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := skus(dirty); len(got) != 1 || got[0] != "P2" {
		t.Fatalf("Dirty after Ack = %v, want [P2]", got)
	}
	it, err := db.GetStoreItem(ctx, "b2c", "product", "P1")
	if err != nil {
		t.Fatal(err)
	}
	if it.AckedHash != "h1" || it.ShopID != "shop-101" || it.Dirty() {
		t.Errorf("acked item = %+v", it)
	}
	// An Ack without a shop id keeps the known one.
	if err := db.Ack(ctx, "b2c", "product", "P1", "", "h1"); err != nil {
		t.Fatal(err)
	}
	if it, _ := db.GetStoreItem(ctx, "b2c", "product", "P1"); it.ShopID != "shop-101" {
		t.Errorf("ShopID after an Ack without one = %q, want shop-101", it.ShopID)
	}

	// A failure delays the item and counts.
	next := c.Now().Add(time.Minute)
	if err := db.Fail(ctx, "b2c", "product", "P2", "h1", "HTTP 503", next); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	if dirty, _ := db.Dirty(ctx, "b2c", 10, now); len(dirty) != 0 {
		t.Fatalf("Dirty before the retry time = %v, want none", skus(dirty))
	}
	dirty, err = db.Dirty(ctx, "b2c", 10, next)
	if err != nil || len(dirty) != 1 || dirty[0].Attempts != 1 || dirty[0].LastError != "HTTP 503" || !dirty[0].NextAttemptAt.Equal(normTime(next)) {
		t.Fatalf("Dirty at the retry time = %+v, %v; want P2 with 1 attempt", dirty, err)
	}
	// A failure report for a hash that is no longer desired changes nothing.
	if err := db.Fail(ctx, "b2c", "product", "P2", "h0", "old", next.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if it, _ := db.GetStoreItem(ctx, "b2c", "product", "P2"); it.Attempts != 1 || it.LastError != "HTTP 503" {
		t.Errorf("item after a stale Fail = %+v", it)
	}

	counts, err := db.StoreItemCounts(ctx, "b2c")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ItemCounts{Total: 2, InSync: 1, Dirty: 1, Failing: 1}); counts != want {
		t.Errorf("StoreItemCounts = %+v, want %+v", counts, want)
	}

	// A new desired hash makes the item due at once with fresh attempts.
	c.Add(time.Second)
	if n, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "product", "P2", "h2")}); err != nil || n != 1 {
		t.Fatalf("SetDesired new hash = %d, %v; want 1", n, err)
	}
	dirty, err = db.Dirty(ctx, "b2c", 10, c.Now())
	if err != nil || len(dirty) != 1 || dirty[0].Attempts != 0 || dirty[0].LastError != "" || dirty[0].DesiredHash != "h2" {
		t.Fatalf("Dirty after a new desired hash = %+v, %v", dirty, err)
	}
	// Back to the acknowledged hash: clean without a push.
	if n, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "product", "P1", "h0"), desired("b2c", "product", "P1", "h1")}); err != nil || n != 2 {
		t.Fatalf("SetDesired away and back = %d, %v", n, err)
	}
	if it, _ := db.GetStoreItem(ctx, "b2c", "product", "P1"); it.Dirty() {
		t.Errorf("item whose desired hash returned to the acked one is dirty: %+v", it)
	}

	if err := db.Ack(ctx, "b2c", "product", "nope", "", "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Ack of a missing item = %v, want ErrNotFound", err)
	}
	if _, err := db.GetStoreItem(ctx, "b2c", "product", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetStoreItem of a missing item = %v, want ErrNotFound", err)
	}
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{{Store: "b2c", Kind: "product", SKU: "X", Hash: "h", Payload: []byte("{")}}); err == nil {
		t.Error("SetDesired with invalid JSON succeeded")
	}
	if counts, _ := db.StoreItemCounts(ctx, "b2b"); counts.Total != 1 || counts.Dirty != 1 {
		t.Errorf("other store's counts = %+v", counts)
	}
}

func testAckStaleHash(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "price", "P1", "h1")}); err != nil {
		t.Fatal(err)
	}
	// The worker picks the item up and pushes h1 ...
	batch, err := db.Dirty(ctx, "b2c", 10, time.Now().Add(time.Second))
	if err != nil || len(batch) != 1 {
		t.Fatalf("Dirty = %v, %v", batch, err)
	}
	pushed := batch[0].DesiredHash
	// ... meanwhile the ERP price changes ...
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "price", "P1", "h2")}); err != nil {
		t.Fatal(err)
	}
	// ... and the shop acknowledges h1.
	if err := db.Ack(ctx, "b2c", "price", "P1", "9", pushed); err != nil {
		t.Fatal(err)
	}
	it, err := db.GetStoreItem(ctx, "b2c", "price", "P1")
	if err != nil {
		t.Fatal(err)
	}
	if !it.Dirty() || it.AckedHash != "h1" || it.DesiredHash != "h2" {
		t.Fatalf("item after a stale Ack = %+v, want dirty with acked h1, desired h2", it)
	}
	batch, err = db.Dirty(ctx, "b2c", 10, time.Now().Add(time.Second))
	if err != nil || len(batch) != 1 || batch[0].DesiredHash != "h2" {
		t.Fatalf("Dirty after a stale Ack = %+v, %v; want P1 at h2", batch, err)
	}
	if err := db.Ack(ctx, "b2c", "price", "P1", "", "h2"); err != nil {
		t.Fatal(err)
	}
	if batch, _ := db.Dirty(ctx, "b2c", 10, time.Now().Add(time.Second)); len(batch) != 0 {
		t.Fatalf("Dirty after the current Ack = %v, want none", skus(batch))
	}
}

func testStoreItemsParking(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{
		desired("b2c", "product", "P1", "h1"),
		desired("b2c", "product", "P2", "h1"),
		desired("b2c", "product", "P3", "h1"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Park(ctx, "b2c", "product", "P1", "h1", "price below minimum"); err != nil {
		t.Fatal(err)
	}
	if err := db.Park(ctx, "b2c", "product", "P2", "h1", "unknown category"); err != nil {
		t.Fatal(err)
	}
	// A park for a hash no longer desired does nothing.
	if err := db.Park(ctx, "b2c", "product", "P3", "h0", "stale"); err != nil {
		t.Fatal(err)
	}
	dirty, err := db.Dirty(ctx, "b2c", 10, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := skus(dirty); len(got) != 1 || got[0] != "P3" {
		t.Fatalf("Dirty with P1, P2 parked = %v, want [P3]", got)
	}
	parked, err := db.ParkedItems(ctx, "b2c", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 || parked[0].SKU != "P1" || parked[0].ParkedReason != "price below minimum" || !parked[0].Parked {
		t.Fatalf("ParkedItems = %+v", parked)
	}
	if counts, _ := db.StoreItemCounts(ctx, "b2c"); counts != (ItemCounts{Total: 3, Dirty: 1, Parked: 2}) {
		t.Errorf("StoreItemCounts = %+v", counts)
	}

	c.Add(time.Minute)
	if err := db.Unpark(ctx, "b2c", "product", "P1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Unpark(ctx, "b2c", "product", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Unpark of a missing item = %v, want ErrNotFound", err)
	}
	// A new desired hash unparks too: the data was fixed at the source.
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{desired("b2c", "product", "P2", "h2")}); err != nil {
		t.Fatal(err)
	}
	dirty, err = db.Dirty(ctx, "b2c", 10, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(dirty) != 3 {
		t.Fatalf("Dirty after unparking = %v, want all three", skus(dirty))
	}
	for _, it := range dirty {
		if it.Parked || it.ParkedReason != "" || it.LastError != "" {
			t.Errorf("item after unparking = %+v", it)
		}
	}

	if err := db.Park(ctx, "b2c", "product", "P1", "h1", "again"); err != nil {
		t.Fatal(err)
	}
	if err := db.Park(ctx, "b2c", "product", "P3", "h1", "again"); err != nil {
		t.Fatal(err)
	}
	n, err := db.UnparkAll(ctx, "b2c")
	if err != nil || n != 2 {
		t.Fatalf("UnparkAll = %d, %v; want 2", n, err)
	}
	if parked, _ := db.ParkedItems(ctx, "b2c", 10); len(parked) != 0 {
		t.Fatalf("ParkedItems after UnparkAll = %v", skus(parked))
	}
}

func testStoreItemsByKind(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{
		desired("b2c", "price", "P1", "h1"),
		desired("b2c", "product", "P2", "h1"),
		desired("b2c", "product", "P1", "h1"),
		desired("b2b", "product", "P3", "h1"),
	}); err != nil {
		t.Fatal(err)
	}
	products, err := db.DirtyKind(ctx, "b2c", "product", 10, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := skus(products); len(got) != 2 || got[0] != "P1" || got[1] != "P2" {
		t.Fatalf("DirtyKind(b2c, product) = %v, want [P1 P2]", got)
	}
	if _, err := db.DirtyKind(ctx, "b2c", "product", 0, c.Now()); err == nil {
		t.Error("DirtyKind with limit 0 succeeded")
	}
	if err := db.Ack(ctx, "b2c", "product", "P1", "s1", "h1"); err != nil {
		t.Fatal(err)
	}
	var all []StoreItem
	if err := db.StreamStoreItems(ctx, "b2c", func(it StoreItem) error { all = append(all, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Kind != "price" || all[1].SKU != "P1" || all[1].ShopID != "s1" || all[1].Dirty() || !all[2].Dirty() {
		t.Fatalf("StreamStoreItems(b2c) = %+v", all)
	}
	if n, err := db.ResetAcked(ctx, "b2c"); err != nil || n != 1 {
		t.Fatalf("ResetAcked = %d, %v; want 1", n, err)
	}
	if it, _ := db.GetStoreItem(ctx, "b2c", "product", "P1"); !it.Dirty() || it.ShopID != "s1" {
		t.Fatalf("after ResetAcked: %+v", it)
	}
	stop := errors.New("stop")
	n := 0
	if err := db.StreamStoreItems(ctx, "b2c", func(StoreItem) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("StreamStoreItems did not stop on the callback's error: %v after %d", err, n)
	}
}
