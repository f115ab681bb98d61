package state

import (
	"fmt"
	"slices"
	"testing"
)

// testMirrorLookups covers the reads an incremental projection makes: mirror
// records by key and by parent SKU, store items by SKU, and the count of
// items in the shop.
func testMirrorLookups(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	recs := []MirrorRecord{
		{Kind: "product", Key: "A", Hash: "h1", Payload: []byte(`{"sku":"A"}`), Parent: "A"},
		{Kind: "product", Key: "B", Hash: "h2", Payload: []byte(`{"sku":"B"}`), Parent: "B"},
		{Kind: "price", Key: "detal|A", Hash: "h3", Payload: []byte(`{"sku":"A"}`), Parent: "A"},
		{Kind: "price", Key: "hurt|A", Hash: "h4", Payload: []byte(`{"sku":"A"}`), Parent: "A"},
		{Kind: "price", Key: "detal|B", Hash: "h5", Payload: []byte(`{"sku":"B"}`), Parent: "B"},
		{Kind: "category", Key: "A", Hash: "h6", Payload: []byte(`{"code":"A"}`)},
	}
	if _, err := db.UpsertMirror(ctx, nil, recs); err != nil {
		t.Fatal(err)
	}
	keysOf := func(read func(fn func(MirrorRecord) error) error) []string {
		t.Helper()
		var keys []string
		if err := read(func(r MirrorRecord) error { keys = append(keys, r.Kind+":"+r.Key+"<"+r.Parent); return nil }); err != nil {
			t.Fatal(err)
		}
		return keys
	}
	tests := []struct {
		name string
		read func(fn func(MirrorRecord) error) error
		want []string
	}{
		{"prices of A", func(fn func(MirrorRecord) error) error {
			return db.MirrorByParents(ctx, "price", []string{"A", "Z"}, fn)
		},
			[]string{"price:detal|A<A", "price:hurt|A<A"}},
		{"products by key", func(fn func(MirrorRecord) error) error {
			return db.MirrorByKeys(ctx, "product", []string{"B", "Z"}, fn)
		},
			[]string{"product:B<B"}},
		{"no parents", func(fn func(MirrorRecord) error) error { return db.MirrorByParents(ctx, "price", nil, fn) }, nil},
	}
	for _, tc := range tests {
		got := keysOf(tc.read)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}

	// A variant moved to another product: its parent follows with its hash,
	// also in a statement that writes other records.
	moves := [][]MirrorRecord{
		{{Kind: "variant", Key: "A-1", Hash: "v1", Payload: []byte(`{"product_sku":"A"}`), Parent: "A"}},
		{{Kind: "variant", Key: "A-0", Hash: "v0", Payload: []byte(`{"product_sku":"A"}`), Parent: "A"},
			{Kind: "variant", Key: "A-1", Hash: "v2", Payload: []byte(`{"product_sku":"B"}`), Parent: "B"}},
	}
	for _, m := range moves {
		if _, err := db.UpsertMirror(ctx, nil, m); err != nil {
			t.Fatal(err)
		}
	}
	for parent, want := range map[string][]string{"A": {"variant:A-0<A"}, "B": {"variant:A-1<B"}} {
		got := keysOf(func(fn func(MirrorRecord) error) error {
			return db.MirrorByParents(ctx, "variant", []string{parent}, fn)
		})
		if !slices.Equal(got, want) {
			t.Errorf("variants of %s: got %v, want %v", parent, got, want)
		}
	}

	items := []DesiredItem{
		{Store: "b2c", Kind: "product", SKU: "A", Hash: "d1", Payload: []byte(`{}`)},
		{Store: "b2c", Kind: "stock", SKU: "A", Hash: "d2", Payload: []byte(`{}`)},
		{Store: "b2c", Kind: "category", SKU: "A", Hash: "d3", Payload: []byte(`{}`)},
		{Store: "b2c", Kind: "product", SKU: "B", Hash: "d4", Payload: []byte(`{}`)},
		{Store: "b2b", Kind: "product", SKU: "A", Hash: "d5", Payload: []byte(`{}`)},
	}
	if _, err := db.SetDesired(ctx, nil, items); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := db.StoreItemsBySKU(ctx, "b2c", []string{"product", "stock"}, []string{"A"}, func(it StoreItem) error {
		got = append(got, it.Store+"/"+it.Kind+"/"+it.SKU)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b2c/product/A", "b2c/stock/A"}; !slices.Equal(got, want) {
		t.Errorf("StoreItemsBySKU = %v, want %v", got, want)
	}

	if err := db.Ack(ctx, "b2c", "product", "A", "shop-1", "d1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Bind(ctx, "b2c", "stock", "A", "shop-1"); err != nil {
		t.Fatal(err)
	}
	n, err := db.CountInShop(ctx, "b2c", []string{"product", "variant", "stock"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("CountInShop = %d, want 2 (an acknowledged product and a bound stock item)", n)
	}
}

// testSetDesiredChunks writes more items than one statement takes, with an
// item repeated later in the same call: every item counts, the last wins.
func testSetDesiredChunks(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	var items []DesiredItem
	for i := range 450 {
		items = append(items, DesiredItem{Store: "b2c", Kind: "stock", SKU: fmt.Sprintf("S%03d", i), Hash: "h1", Payload: []byte(`{}`)})
	}
	items = append(items, DesiredItem{Store: "b2c", Kind: "stock", SKU: "S007", Hash: "h2", Payload: []byte(`{}`)})
	n, err := db.SetDesired(ctx, nil, items)
	if err != nil || n != 451 {
		t.Fatalf("SetDesired = %d, %v; want 451 writes", n, err)
	}
	if it, err := db.GetStoreItem(ctx, "b2c", "stock", "S007"); err != nil || it.DesiredHash != "h2" {
		t.Fatalf("repeated item = %+v, %v; want the last hash h2", it, err)
	}
	if n, err := db.SetDesired(ctx, nil, items); err != nil || n != 2 {
		t.Fatalf("SetDesired again = %d, %v; want only S007 away and back (2)", n, err)
	}
}
