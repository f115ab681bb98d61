package engine

import (
	"testing"
	"time"
)

// TestItemDeletedInShopIsCreatedAgain: a product deleted in the shop's panel
// makes the next push of its price fail with store.ErrNotInShop; the pusher
// forgets the stale id (audited), creates the product again and pushes its
// price and stock, and parks nothing.
func TestItemDeletedInShopIsCreatedAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.snapshot(t)
	b.sync(t)
	before, ok := b.shop.Product("KUB-1")
	if !ok {
		t.Fatal("mug not pushed")
	}
	if !b.shop.DeleteProduct("KUB-1") {
		t.Fatal("DeleteProduct found no mug")
	}
	b.erp.set(catalogRecords("24.50")...)
	b.snapshot(t)
	_, pu := b.sync(t)
	if pu.Unbound != 1 || pu.Parked != 0 {
		t.Fatalf("push after the deletion = %+v, want one item unbound and none parked", pu)
	}
	events, err := b.db.AuditEvents(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		if e.Action == "item.unbind" && e.Subject == "b2c/product/KUB-1" {
			found = true
		}
	}
	if !found {
		t.Errorf("no item.unbind audit event for b2c/product/KUB-1 in %+v", events)
	}
	// The price and stock wait for the product, which the next run creates.
	b.now = b.now.Add(DependencyWait + time.Second)
	if _, pu = b.sync(t); pu.Parked != 0 {
		t.Fatalf("second push = %+v", pu)
	}
	b.now = b.now.Add(DependencyWait + time.Second)
	b.sync(t)
	after, ok := b.shop.Product("KUB-1")
	if !ok {
		t.Fatal("the deleted product was not created again")
	}
	if after.ID == before.ID {
		t.Errorf("re-created product has the deleted id %q", after.ID)
	}
	if after.RegularPrice == nil || !after.RegularPrice.Equal(d("24.50")) || after.StockQuantity == nil || !after.StockQuantity.Equal(d("11")) {
		t.Errorf("re-created product: price %v stock %v, want 24.50 and 11", after.RegularPrice, after.StockQuantity)
	}
	it, err := b.db.GetStoreItem(t.Context(), "b2c", "product", "KUB-1")
	if err != nil || it.ShopID != after.ID || it.AckedHash != it.DesiredHash {
		t.Errorf("store item = %+v (%v), want bound to %q and acknowledged", it, err, after.ID)
	}
	counts, err := b.db.StoreItemCounts(t.Context(), "b2c")
	if err != nil || counts.Dirty != 0 || counts.Parked != 0 {
		t.Errorf("counts = %+v (%v), want nothing dirty or parked", counts, err)
	}
}
