package storetest

import (
	"errors"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

func testListItems(e *env) {
	t := e.t
	b := optional[store.Binder](e.t, e.st, "adapter")
	plain := e.product("BIND", 700)
	vs := e.variants("BINDV", 710)
	items := append([]store.Item{productItem(plain)}, vs.items()...)
	res := e.pushOK(items...)

	bySKU := map[string]store.Existing{}
	byEAN := map[string]store.Existing{}
	if err := b.ListItems(e.ctx, func(x store.Existing) error {
		if _, dup := bySKU[x.SKU]; dup && x.SKU != "" {
			t.Errorf("ListItems gave SKU %q twice", x.SKU)
		}
		bySKU[x.SKU] = x
		if x.EAN != "" {
			byEAN[x.EAN] = x
		}
		return nil
	}); err != nil {
		t.Fatalf("ListItems: %v", err)
	}
	parentID := ""
	if vs.parent != nil {
		parentID = res[1].ShopID
	}
	for i, it := range items {
		d := it.Doc.(*store.ProductDoc)
		x, ok := bySKU[d.SKU]
		if !ok {
			t.Errorf("ListItems did not find %s by SKU", d.SKU)
			continue
		}
		if x.ShopID != res[i].ShopID || x.Kind != it.Kind {
			t.Errorf("%s: listed as %s %q, pushed as %s %q", d.SKU, x.Kind, x.ShopID, it.Kind, res[i].ShopID)
		}
		if x.Kind == catalog.KindVariant && x.ParentShopID != parentID {
			t.Errorf("%s: listed with parent %q, want %q", d.SKU, x.ParentShopID, parentID)
		}
		if y, ok := byEAN[d.EAN]; !ok || y.ShopID != res[i].ShopID {
			t.Errorf("%s: EAN %s lists %q, want %q", d.SKU, d.EAN, y.ShopID, res[i].ShopID)
		}
	}

	stop := errors.New("storetest: stop")
	calls := 0
	err := b.ListItems(e.ctx, func(store.Existing) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ListItems with fn failing at once: %v after %d calls, want fn's error after 1", err, calls)
	}
}
