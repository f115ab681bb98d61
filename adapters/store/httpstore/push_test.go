package httpstore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func TestPushExactlyMaxBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, options{maxBatch: 7, batchSize: 7})
	items := products(7)
	res := pushOK(t, b.st, items)
	if len(res) != len(items) {
		t.Fatalf("got %d results for %d items", len(res), len(items))
	}
	ids := map[string]bool{}
	for i, r := range res {
		if r.SKU != items[i].SKU || r.Kind != catalog.KindProduct {
			t.Errorf("result %d is for %s %s, want product %s", i, r.Kind, r.SKU, items[i].SKU)
		}
		if r.ShopID == "" || ids[r.ShopID] {
			t.Errorf("result %d: shop id %q is empty or repeated", i, r.ShopID)
		}
		ids[r.ShopID] = true
		got, ok := b.mem.Item(catalog.KindProduct, r.SKU)
		if !ok || got.ShopID != r.ShopID {
			t.Errorf("shop has %+v for %s, want shop id %s", got, r.SKU, r.ShopID)
		}
	}
	if got := b.st.Features().BatchSize; got != 7 {
		t.Errorf("Features().BatchSize = %d, want 7", got)
	}
}

func TestPushMoreThanShopMaxIs413Permanent(t *testing.T) {
	t.Parallel()
	// The adapter is configured above the shop's limit: the shop says 413.
	b := setup(t, options{maxBatch: 5, batchSize: 6})
	_, err := b.st.Push(context.Background(), products(6))
	if !fault.IsPermanent(err) {
		t.Fatalf("err = %v, want Permanent", err)
	}
	var se *httpstore.StatusError
	if !errors.As(err, &se) || se.Status != 413 || se.Code != wire.CodeTooLarge {
		t.Fatalf("err = %#v, want a 413 batch_too_large StatusError", err)
	}
	if !strings.Contains(err.Error(), "batch_size to at most 5") {
		t.Errorf("error %q does not tell the fix", err)
	}
	if n := len(b.mem.Items()); n != 1 {
		t.Errorf("shop holds %d items after a refused batch, want only the seeded category", n)
	}
}

func TestPushMoreThanBatchSizeIsRefusedLocally(t *testing.T) {
	t.Parallel()
	b := setup(t, options{batchSize: 3})
	_, err := b.st.Push(context.Background(), products(4))
	if !fault.IsPermanent(err) {
		t.Fatalf("err = %v, want Permanent", err)
	}
	if n := b.faults.count(); n != 0 {
		t.Errorf("%d requests sent for an oversized batch, want 0", n)
	}
}

func TestPushPerItemResults(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	pushOK(t, b.st, []store.Item{product("P1")})

	badCurrency := price("P1", "10")
	badCurrency.Doc.(*store.PriceDoc).Currency = "zł"
	negStock := stock("P1", "-1")
	items := []store.Item{
		price("P1", "10.50"),           // ok
		price("NOPE", "1"),             // unknown sku
		variant("V1", "MISSING", "XL"), // unknown parent
		badCurrency,                    // invalid doc
		negStock,                       // invalid doc
		{Kind: catalog.KindImage, SKU: "P1#1", Op: store.OpUpsert},                                // kind not pushed: refused locally
		{Kind: catalog.KindPrice, SKU: "P1", Op: "replace"},                                       // unknown op: refused locally
		{Kind: catalog.KindPrice, SKU: "P1", Op: store.OpUpsert, Doc: &store.StockDoc{SKU: "P1"}}, // wrong doc type
		{Kind: catalog.KindProduct, SKU: "P2", Op: store.OpDeactivate},                            // not in the shop
		{Kind: catalog.KindProduct, SKU: "P9", Op: store.OpDelete},                                // deleting what is gone is fine
		stock("P1", "3"), // ok
	}
	res, err := b.st.Push(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "unknown_sku", "unknown_parent", "invalid_doc", "invalid_doc", "not pushed", "unknown op", "does not fit", "not_found", "", ""}
	if len(res) != len(items) {
		t.Fatalf("%d results for %d items", len(res), len(items))
	}
	for i, r := range res {
		if r.SKU != items[i].SKU || r.Kind != items[i].Kind {
			t.Errorf("result %d is for %s %s, want %s %s", i, r.Kind, r.SKU, items[i].Kind, items[i].SKU)
		}
		if want[i] == "" {
			if r.Err != nil {
				t.Errorf("item %d: unexpected error %v", i, r.Err)
			}
			continue
		}
		if r.Err == nil || !strings.Contains(r.Err.Error(), want[i]) {
			t.Errorf("item %d: err = %v, want one mentioning %q", i, r.Err, want[i])
			continue
		}
		if !fault.IsPermanent(r.Err) {
			t.Errorf("item %d: err %v is not Permanent", i, r.Err)
		}
	}
	p1, _ := b.mem.Item(catalog.KindProduct, "P1")
	if res[0].ShopID != p1.ShopID || res[10].ShopID != p1.ShopID {
		t.Errorf("price and stock results carry shop ids %q and %q, want the product's %q", res[0].ShopID, res[10].ShopID, p1.ShopID)
	}
	if got, _ := b.mem.Item(catalog.KindStock, "P1"); got.Doc.(*store.StockDoc).Quantity.String() != "3" {
		t.Errorf("stock after the batch = %+v, want 3", got.Doc)
	}
}

func TestRepushUnchangedChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	items := []store.Item{product("P1"), variant("V1", "P1", "S"), variant("V2", "P1", "M"), price("V1", "9.90"), stock("V1", "5")}
	first := pushOK(t, b.st, items)
	before := b.mem.Items()

	// The second push carries the shop ids the first one returned, as the engine does.
	for i := range items {
		items[i].ShopID = first[i].ShopID
	}
	second := pushOK(t, b.st, items)
	for i := range first {
		if first[i].ShopID != second[i].ShopID {
			t.Errorf("item %d: shop id %q became %q", i, first[i].ShopID, second[i].ShopID)
		}
	}
	after := b.mem.Items()
	for i := range before {
		if before[i].Revision != after[i].Revision {
			t.Errorf("%s %s: revision %d became %d on an unchanged push", before[i].Kind, before[i].SKU, before[i].Revision, after[i].Revision)
		}
	}

	items[3] = price("V1", "8.90")
	items[3].ShopID = first[3].ShopID
	pushOK(t, b.st, items)
	if got, _ := b.mem.Item(catalog.KindPrice, "V1"); got.Revision != 2 {
		t.Errorf("changed price has revision %d, want 2", got.Revision)
	}
	if got, _ := b.mem.Item(catalog.KindProduct, "P1"); got.Revision != 1 {
		t.Errorf("unchanged product has revision %d, want 1", got.Revision)
	}
}

func TestDeactivateAndDelete(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	res := pushOK(t, b.st, []store.Item{product("P1"), variant("V1", "P1", "S"), price("V1", "5")})
	pushOK(t, b.st, []store.Item{{Kind: catalog.KindVariant, SKU: "V1", Op: store.OpDeactivate, ShopID: res[1].ShopID}})
	if v, _ := b.mem.Item(catalog.KindVariant, "V1"); v.Active {
		t.Error("variant still active after deactivate")
	}
	pushOK(t, b.st, []store.Item{{Kind: catalog.KindProduct, SKU: "P1", Op: store.OpDelete, ShopID: res[0].ShopID}})
	if n := len(b.mem.Items()); n != 1 {
		t.Errorf("deleting the product left %d items besides the category (variants and prices go with it)", n-1)
	}
}

func TestPushWithStaleShopID(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	pushOK(t, b.st, []store.Item{product("P1"), product("P2")})
	p2, _ := b.mem.Item(catalog.KindProduct, "P2")
	stale := product("P1")
	stale.ShopID = p2.ShopID
	gone := product("P3")
	gone.ShopID = "p-999"
	res, err := b.st.Push(context.Background(), []store.Item{stale, gone})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{wire.CodeShopIDMismatch, wire.CodeNotFound} {
		if !fault.IsPermanent(res[i].Err) || !strings.Contains(res[i].Err.Error(), want) {
			t.Errorf("item %d: err = %v, want Permanent %s", i, res[i].Err, want)
		}
	}
}

func TestBaseURLWithPath(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	srv, err := shopserver.New(shopserver.Config{Backend: b.mem, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/shop/erpbridge/", http.StripPrefix("/shop/erpbridge", srv))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	st, err := httpstore.New(store.Params{
		StoreID:     "prefixed",
		Connection:  &httpstore.Connection{URL: ts.URL + "/shop/erpbridge/"},
		Credentials: &httpstore.Credentials{Token: testToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	pushOK(t, st, []store.Item{product("P1")})
	if _, ok := b.mem.Item(catalog.KindProduct, "P1"); !ok {
		t.Error("the product did not arrive through the prefixed base URL")
	}
}

// TestPushKeepsOwnedFields: fields listed in doc.keep stay as the shop has
// them on update; a create cannot keep a name it does not have.
func TestPushKeepsOwnedFields(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	p := product("OWN")
	p.Doc.(*store.ProductDoc).Description = "Opis sklepu"
	res, err := b.st.Push(t.Context(), []store.Item{p})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create: %v %v", err, res)
	}
	upd := product("OWN")
	d := upd.Doc.(*store.ProductDoc)
	upd.ShopID, d.Name, d.Description, d.Keep = res[0].ShopID, "", "", []string{"description", "name"}
	d.Active = false
	if res, err := b.st.Push(t.Context(), []store.Item{upd}); err != nil || res[0].Err != nil {
		t.Fatalf("update keeping name and description: %v %v", err, res)
	}
	it, _ := b.mem.Item(catalog.KindProduct, "OWN")
	got := it.Doc.(*store.ProductDoc)
	if got.Name != "Product OWN" || got.Description != "Opis sklepu" || it.Active {
		t.Fatalf("after update: %+v active=%v", got, it.Active)
	}

	fresh := product("NEW")
	fresh.Doc.(*store.ProductDoc).Name, fresh.Doc.(*store.ProductDoc).Keep = "", []string{"name"}
	res, err = b.st.Push(t.Context(), []store.Item{fresh})
	if err != nil || res[0].Err == nil {
		t.Fatalf("create without a name it could keep: %v %v", err, res)
	}
}
