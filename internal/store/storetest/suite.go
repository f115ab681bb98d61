package storetest

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// test is one subtest of the suite.
type test struct {
	name string
	fn   func(e *env)
}

// groups is the whole suite, by group.
var groups = []struct {
	name  string
	tests []test
}{
	{"Features", []test{
		{"Declared", testFeatures},
	}},
	{"Products", []test{
		{"Lifecycle", testProductLifecycle},
		{"Variants", testVariants},
		{"Categories", testCategories},
		{"Images", testImages},
	}},
	{"Push", []test{
		{"FullBatch", testFullBatch},
		{"OverBatchSize", testOverBatchSize},
		{"Idempotent", testIdempotent},
		{"UnknownTarget", testUnknownTarget},
		{"GoneFromShop", testGoneFromShop},
		{"BadItem", testBadItem},
	}},
	{"Binder", []test{
		{"ListItems", testListItems},
	}},
	{"Orders", []test{
		{"Pages", testOrderPages},
		{"Fetch", testOrderFetch},
		{"ParseGarbage", testParseGarbage},
	}},
	{"Status", []test{
		{"SetStatus", testSetStatus},
	}},
	{"Webhooks", []test{
		{"SignatureMissing", testWebhookMissing},
		{"Signed", testWebhookSigned},
	}},
	{"Faults", []test{
		{"RateLimit", testRateLimit},
		{"ServerError", testServerError},
		{"AuthFailure", testAuthFailure},
		{"Cancel", testCancel},
	}},
}

// Names returns the names of the suite's subtests ("Group/Test"), the keys
// Harness.Gaps takes.
func Names() []string {
	var out []string
	for _, g := range groups {
		for _, tc := range g.tests {
			out = append(out, g.name+"/"+tc.name)
		}
	}
	return out
}

// Run runs the conformance suite against the adapter h builds. Each subtest
// gets a fresh Store and shop from h.New; subtests skip, naming what is
// missing, when the adapter's Features or interfaces or the harness's Shop
// say a behaviour is absent.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	known := map[string]bool{}
	for _, n := range Names() {
		known[n] = true
	}
	for name := range h.Gaps {
		if !known[name] {
			t.Fatalf("storetest: Harness.Gaps names %q, which is not a subtest (have %v)", name, Names())
		}
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			if !h.Serial {
				t.Parallel()
			}
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					if reason, ok := h.Gaps[g.name+"/"+tc.name]; ok {
						t.Skipf("skip: known gap of this adapter: %s", reason)
					}
					if !h.Serial {
						t.Parallel()
					}
					tc.fn(newEnv(t, &h))
				})
			}
		})
	}
}

func newEnv(t *testing.T, h *Harness) *env {
	st, shop := h.New(t)
	if st == nil {
		t.Fatal("storetest: Harness.New returned a nil Store")
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, ctx: t.Context(), st: st, shop: shop, f: st.Features(), h: h, tag: randomTag()}
}

func testFeatures(e *env) {
	t, f := e.t, e.f
	if f.BatchSize < 1 {
		t.Errorf("BatchSize = %d, want at least 1", f.BatchSize)
	}
	if f.Rate < 0 || f.Burst < 0 {
		t.Errorf("Rate, Burst = %v, %d; want non-negative", f.Rate, f.Burst)
	}
	switch f.Money {
	case store.MoneyDecimalString, store.MoneyMinorUnits, store.MoneyDecimalNumber:
	default:
		t.Errorf("Money = %q, not a store.MoneyFormat", f.Money)
	}
	switch f.Basis {
	case store.BasisGross, store.BasisNet, store.BasisEither:
	default:
		t.Errorf("Basis = %q, not a store.PriceBasis", f.Basis)
	}
	if f.MaxVariantAxes < 0 {
		t.Errorf("MaxVariantAxes = %d, want non-negative", f.MaxVariantAxes)
	}
	if !f.Pushes(catalog.KindProduct) {
		t.Errorf("Kinds %v lack %q: every shop takes products", f.Kinds, catalog.KindProduct)
	}
	for _, k := range f.Kinds {
		if !k.Valid() {
			t.Errorf("Kinds has %q, not a catalog.Kind", k)
		}
	}
	if f.MaxVariantAxes > 0 != f.Pushes(catalog.KindVariant) {
		t.Errorf("MaxVariantAxes = %d but Pushes(variant) = %t: a shop with variant axes takes variants, one without takes none",
			f.MaxVariantAxes, f.Pushes(catalog.KindVariant))
	}
	_, receiver := e.st.(store.WebhookReceiver)
	if receiver != (f.WebhookScheme != "") {
		t.Errorf("WebhookScheme = %q but implements store.WebhookReceiver = %t", f.WebhookScheme, receiver)
	}
	if again := e.st.Features(); !reflect.DeepEqual(f, again) {
		t.Errorf("Features changed between calls: %+v, then %+v", f, again)
	}
}

func testProductLifecycle(e *env) {
	t := e.t
	d := e.product("LIFE", 100)
	res := e.pushOK(productItem(d))
	id := res[0].ShopID
	got := e.read(d.SKU)
	if got.ShopID != id || got.Name != d.Name || got.EAN != d.EAN || !got.Active || got.ParentShopID != "" {
		t.Errorf("after create the shop shows %+v, want id %q, name %q, EAN %q, active, no parent", got, id, d.Name, d.EAN)
	}

	upd := *d
	upd.Name = "Storetest LIFE renamed"
	res = e.pushOK(upsert(catalog.KindProduct, d.SKU, id, &upd))
	if res[0].ShopID != id {
		t.Errorf("update returned shop id %q, want %q", res[0].ShopID, id)
	}
	if got := e.read(d.SKU); got.Name != upd.Name || got.ShopID != id {
		t.Errorf("after update the shop shows name %q id %q, want %q %q", got.Name, got.ShopID, upd.Name, id)
	}

	res = e.pushOK(store.Item{Kind: catalog.KindProduct, SKU: d.SKU, ShopID: id, Op: store.OpDeactivate})
	if res[0].ShopID != id {
		t.Errorf("deactivate returned shop id %q, want %q", res[0].ShopID, id)
	}
	got = e.read(d.SKU)
	if got.Active || got.ShopID != id {
		t.Errorf("after deactivate the shop shows active=%t id %q, want inactive and kept as %q", got.Active, got.ShopID, id)
	}

	e.pushOK(upsert(catalog.KindProduct, d.SKU, id, &upd))
	if got := e.read(d.SKU); !got.Active {
		t.Error("upsert of an active document did not reactivate the product")
	}
}

func testVariants(e *env) {
	t := e.t
	vs := e.variants("VAR", 200)
	res := e.pushOK(vs.items()...)
	ids := map[string]string{}
	for _, r := range res {
		if prev, dup := ids[r.ShopID]; dup {
			t.Errorf("%q and %q got the same shop id %q", prev, r.SKU, r.ShopID)
		}
		ids[r.ShopID] = r.SKU
	}
	parentID := ""
	if vs.parent != nil {
		parentID = res[0].ShopID
		if p := e.read(vs.parent.SKU); p.ParentShopID != "" || p.ShopID != parentID {
			t.Errorf("parent shows id %q parent %q, want %q and none", p.ShopID, p.ParentShopID, parentID)
		}
	} else {
		t.Logf("MaxVariantAxes = 0: %d variants pushed as products", len(vs.variants))
	}
	for _, v := range vs.variants {
		got := e.read(v.SKU)
		if got.ParentShopID != parentID {
			t.Errorf("%s: parent %q, want %q", v.SKU, got.ParentShopID, parentID)
		}
		if !maps.Equal(got.Options, v.Options) {
			t.Errorf("%s: options %v, want %v", v.SKU, got.Options, v.Options)
		}
		if got.Name != v.Name || !got.Active {
			t.Errorf("%s: name %q active %t, want %q active", v.SKU, got.Name, got.Active, v.Name)
		}
	}
	if vs.parent == nil {
		return
	}
	// A variant deactivated alone leaves its siblings and parent as they are.
	gone := vs.variants[0]
	e.pushOK(store.Item{Kind: catalog.KindVariant, SKU: gone.SKU, ShopID: res[1].ShopID, Op: store.OpDeactivate})
	for _, sku := range vs.skus() {
		if got := e.read(sku); got.Active == (sku == gone.SKU) {
			t.Errorf("%s: active = %t after deactivating only %s", sku, got.Active, gone.SKU)
		}
	}
}

func testCategories(e *env) {
	t := e.t
	e.needKinds(catalog.KindCategory)
	root := &store.CategoryDoc{Code: e.sku("CAT-ROOT"), Name: "Storetest root", Path: "Storetest root"}
	child := &store.CategoryDoc{Code: e.sku("CAT-CHILD"), ParentCode: root.Code, Name: "Storetest child",
		Path: "Storetest root/Storetest child"}
	cres := e.pushOK(
		upsert(catalog.KindCategory, root.Code, "", root),
		upsert(catalog.KindCategory, child.Code, "", child),
	)
	if cres[0].ShopID == cres[1].ShopID {
		t.Errorf("both categories got shop id %q", cres[0].ShopID)
	}
	d := e.product("CATP", 300)
	d.Categories = []string{child.Code, root.Code}
	pres := e.pushOK(productItem(d))
	if got := e.read(d.SKU); !sameSet(got.Categories, d.Categories) {
		t.Errorf("product shows categories %v, want %v", got.Categories, d.Categories)
	}
	d.Categories = []string{root.Code}
	e.pushOK(upsert(catalog.KindProduct, d.SKU, pres[0].ShopID, d))
	if got := e.read(d.SKU); !sameSet(got.Categories, d.Categories) {
		t.Errorf("after moving, product shows categories %v, want %v", got.Categories, d.Categories)
	}
	renamed := *child
	renamed.Name = "Storetest child renamed"
	again := e.pushOK(upsert(catalog.KindCategory, child.Code, cres[1].ShopID, &renamed))
	if again[0].ShopID != cres[1].ShopID {
		t.Errorf("category update returned shop id %q, want %q", again[0].ShopID, cres[1].ShopID)
	}
	bad := e.product("CATBAD", 310)
	bad.Categories = []string{e.sku("CAT-MISSING")}
	wantPermanent(t, e.push(productItem(bad))[0], "product in a category the shop lacks")
}

func testImages(e *env) {
	t := e.t
	d := e.product("IMG", 400)
	d.Images = []string{
		"https://images.example.com/storetest/" + d.SKU + "-1.jpg",
		"https://images.example.com/storetest/" + d.SKU + "-2.jpg",
	}
	res := e.pushOK(productItem(d))
	if got := e.read(d.SKU); !slices.Equal(got.Images, d.Images) {
		t.Errorf("shop shows images %v, want %v", got.Images, d.Images)
	}
	d.Images = []string{d.Images[1], d.Images[0]}
	e.pushOK(upsert(catalog.KindProduct, d.SKU, res[0].ShopID, d))
	if got := e.read(d.SKU); !slices.Equal(got.Images, d.Images) {
		t.Errorf("after reordering the shop shows images %v, want %v", got.Images, d.Images)
	}
}

// batchProducts creates n products and returns their SKUs.
func (e *env) batchProducts(prefix string, n int) []string {
	items := make([]store.Item, n)
	skus := make([]string, n)
	for i := range n {
		d := e.product(fmt.Sprintf("%s%04d", prefix, i), 10000+i)
		items[i], skus[i] = productItem(d), d.SKU
	}
	e.pushOK(items...)
	return skus
}

func testFullBatch(e *env) {
	t := e.t
	e.needKinds(catalog.KindPrice, catalog.KindStock)
	n := e.f.BatchSize
	skus := e.batchProducts("FB", n)
	prices := make([]store.Item, n)
	stock := make([]store.Item, n)
	for i, sku := range skus {
		prices[i] = e.priceItem(sku, fmt.Sprintf("%d.%02d", 10+i/100, i%100))
		stock[i] = stockItem(sku, fmt.Sprint(i+1), store.InStock)
	}
	for _, batch := range [][]store.Item{prices, stock} {
		for i, r := range e.pushRaw(batch) {
			wantOK(t, r, fmt.Sprintf("%s %d of a full batch", batch[i].Kind, i))
		}
	}
	for i, sku := range skus {
		got := e.read(sku)
		want := prices[i].Doc.(*store.PriceDoc).Regular
		if got.Price == nil || !got.Price.Equal(want) {
			t.Errorf("%s: price %s, want %s", sku, fmtDec(got.Price), want)
		}
		if q := dec(fmt.Sprint(i + 1)); got.Stock == nil || !got.Stock.Equal(q) || got.StockStatus != store.InStock {
			t.Errorf("%s: stock %s %s, want %s instock", sku, fmtDec(got.Stock), got.StockStatus, q)
		}
	}
}

// testOverBatchSize checks the contract for a batch above BatchSize: the
// adapter either handles every item or rejects the whole call with a
// Permanent error and applies nothing.
func testOverBatchSize(e *env) {
	t := e.t
	e.needKinds(catalog.KindPrice)
	n := e.f.BatchSize + 1
	skus := e.batchProducts("OB", n)
	items := make([]store.Item, n)
	for i, sku := range skus {
		items[i] = e.priceItem(sku, "19.99")
	}
	res, err := e.st.Push(e.ctx, items)
	if err != nil {
		t.Logf("batch of BatchSize+1 rejected: %v", err)
		if !fault.IsPermanent(err) {
			t.Errorf("rejection of an oversized batch is %s, want permanent (retrying cannot help)", class(err))
		}
		for _, sku := range skus {
			if got := e.read(sku); got.Price != nil {
				t.Errorf("%s: the rejected batch set its price to %s", sku, got.Price)
			}
		}
		return
	}
	t.Log("batch of BatchSize+1 handled")
	if len(res) != n {
		t.Fatalf("oversized Push returned %d results for %d items", len(res), n)
	}
	for i, r := range res {
		wantOK(t, r, fmt.Sprintf("price %d of an oversized batch", i))
		if got := e.read(skus[i]); got.Price == nil || !got.Price.Equal(dec("19.99")) {
			t.Errorf("%s: price %s, want 19.99", skus[i], fmtDec(got.Price))
		}
	}
}

// fullState is a catalog with every kind the adapter takes.
func (e *env) fullState() []store.Item {
	var items []store.Item
	var cats []string
	if e.f.Pushes(catalog.KindCategory) {
		c := &store.CategoryDoc{Code: e.sku("IDEM-CAT"), Name: "Storetest idem", Path: "Storetest idem"}
		items = append(items, upsert(catalog.KindCategory, c.Code, "", c))
		cats = []string{c.Code}
	}
	plain := e.product("IDEM", 500)
	plain.Categories = cats
	plain.Images = []string{"https://images.example.com/storetest/" + plain.SKU + ".jpg"}
	plain.Attributes = map[string]string{"material": "cotton"}
	items = append(items, productItem(plain))
	vs := e.variants("IDEMV", 510)
	items = append(items, vs.items()...)
	sellable := append([]string{plain.SKU}, vs.skus()[len(vs.skus())-len(vs.variants):]...)
	for i, sku := range sellable {
		if e.f.Pushes(catalog.KindPrice) {
			items = append(items, e.priceItem(sku, fmt.Sprintf("%d.90", 20+i)))
		}
		if e.f.Pushes(catalog.KindStock) {
			items = append(items, stockItem(sku, fmt.Sprint(5+i), store.InStock))
		}
	}
	return items
}

func testIdempotent(e *env) {
	t := e.t
	items := e.fullState()
	first := e.pushOK(items...)
	before := map[string]ShopProduct{}
	for _, it := range items {
		if it.Kind == catalog.KindProduct || it.Kind == catalog.KindVariant {
			before[it.SKU] = e.read(it.SKU)
		}
	}
	again := make([]store.Item, len(items))
	for i, it := range items {
		again[i] = it
		again[i].ShopID = first[i].ShopID
	}
	second := e.pushOK(again...)
	for i := range second {
		if second[i].ShopID != first[i].ShopID {
			t.Errorf("%s %q: re-push returned shop id %q, first push %q", items[i].Kind, items[i].SKU, second[i].ShopID, first[i].ShopID)
		}
	}
	for sku, b := range before {
		if d := diffProduct(b, e.read(sku)); len(d) > 0 {
			t.Errorf("%s: re-pushing the same state changed the shop: %s", sku, strings.Join(d, "; "))
		}
	}
}

// missingID is a shop id no fresh shop has; numeric so a platform with
// numeric ids looks it up instead of rejecting its form.
const missingID = "987654321"

func testUnknownTarget(e *env) {
	t := e.t
	known := e.product("KNOWN", 600)
	kres := e.pushOK(productItem(known))
	ghost := e.product("GHOST", 610)
	fresh := e.product("FRESH", 620)
	items := []store.Item{
		upsert(catalog.KindProduct, ghost.SKU, missingID, ghost),
		productItem(fresh),
	}
	type check struct {
		at      int
		what    string
		permErr bool
	}
	checks := []check{{0, "update of a shop id that does not exist", true}, {1, "new product beside it", false}}
	if e.f.Pushes(catalog.KindPrice) {
		items = append(items, e.priceItem(e.sku("NOSUCH-PRICE"), "5.00"), e.priceItem(known.SKU, "7.50"))
		checks = append(checks, check{len(items) - 2, "price of an unknown SKU", true}, check{len(items) - 1, "price of a known SKU", false})
	}
	if e.f.Pushes(catalog.KindStock) {
		items = append(items, stockItem(e.sku("NOSUCH-STOCK"), "3", store.InStock), stockItem(known.SKU, "4", store.InStock))
		checks = append(checks, check{len(items) - 2, "stock of an unknown SKU", true}, check{len(items) - 1, "stock of a known SKU", false})
	}
	if e.f.Pushes(catalog.KindVariant) {
		orphan := e.product("ORPHAN", 630)
		orphan.ParentSKU = e.sku("NOSUCH-PARENT")
		orphan.Options = map[string]string{"size": "S"}
		items = append(items, productItem(orphan))
		checks = append(checks, check{len(items) - 1, "variant of a parent the shop lacks", true})
	}
	// With a BatchSize this small the items go in several calls; each
	// must still fail or succeed on its own.
	res := e.push(items...)
	for _, c := range checks {
		if c.permErr {
			wantPermanent(t, res[c.at], c.what)
		} else {
			wantOK(t, res[c.at], c.what)
		}
	}
	if _, ok := e.lookup(ghost.SKU); ok {
		t.Errorf("update of a missing shop id created %q", ghost.SKU)
	}
	if res[1].Err == nil {
		e.read(fresh.SKU)
	}
	got := e.read(known.SKU)
	if got.ShopID != kres[0].ShopID {
		t.Errorf("known product's id changed from %q to %q", kres[0].ShopID, got.ShopID)
	}
	if e.f.Pushes(catalog.KindPrice) && (got.Price == nil || !got.Price.Equal(dec("7.50"))) {
		t.Errorf("known product's price is %s, want 7.50", fmtDec(got.Price))
	}
}

// testGoneFromShop: items whose shop id names nothing in the shop (deleted
// in the shop's panel) fail with store.ErrNotInShop, so the engine can
// unbind and re-create them; an item pushed without a shop id never does.
func testGoneFromShop(e *env) {
	t := e.t
	gone := e.product("GONE", 640)
	items := []store.Item{
		upsert(catalog.KindProduct, gone.SKU, missingID, gone),
		{Kind: catalog.KindProduct, SKU: gone.SKU, ShopID: missingID, Op: store.OpDeactivate},
	}
	whats := []string{"update of a deleted product", "deactivation of a deleted product"}
	if e.f.Pushes(catalog.KindPrice) {
		it := e.priceItem(gone.SKU, "5.00")
		it.ShopID = missingID
		items, whats = append(items, it), append(whats, "price of a deleted product")
	}
	if e.f.Pushes(catalog.KindStock) {
		it := stockItem(gone.SKU, "3", store.InStock)
		it.ShopID = missingID
		items, whats = append(items, it), append(whats, "stock of a deleted product")
	}
	res := e.push(items...)
	for i, what := range whats {
		wantPermanent(t, res[i], what)
		if res[i].Err != nil && !errors.Is(res[i].Err, store.ErrNotInShop) {
			t.Errorf("%s: error %v does not wrap store.ErrNotInShop", what, res[i].Err)
		}
	}
	if e.f.Pushes(catalog.KindPrice) {
		r := e.push(e.priceItem(e.sku("NOSUCH-GONE"), "5.00"))[0]
		if errors.Is(r.Err, store.ErrNotInShop) {
			t.Errorf("price of an unknown SKU pushed without a shop id: %v wraps store.ErrNotInShop; only a stale shop id may", r.Err)
		}
	}
	// The engine re-creates the item without a shop id.
	if r := e.pushOK(productItem(gone))[0]; r.ShopID == missingID {
		t.Errorf("re-created product has the deleted id %q", r.ShopID)
	}
}

func testBadItem(e *env) {
	t := e.t
	e.needKinds(catalog.KindPrice)
	skus := e.batchProducts("BAD", 3)
	items := []store.Item{
		e.priceItem(skus[0], "10.00"),
		e.priceItem(skus[1], "-1.00"),
		e.priceItem(skus[2], "12.00"),
		upsert(catalog.KindPrice, skus[1], "", &store.StockDoc{SKU: skus[1], Quantity: dec("1")}),
	}
	var refused catalog.Kind
	for _, k := range catalog.Kinds {
		if !e.f.Pushes(k) {
			refused = k
			break
		}
	}
	if refused != "" {
		items = append(items, upsert(refused, skus[1], "", &store.ProductDoc{SKU: skus[1], Name: "x"}))
	}
	res := e.push(items...)
	for i, r := range res {
		switch i {
		case 0, 2:
			wantOK(t, r, fmt.Sprintf("good price %d beside bad items", i))
		case 1:
			wantPermanent(t, r, "negative price")
		case 3:
			wantPermanent(t, r, "price item with a stock document")
		case 4:
			wantPermanent(t, r, fmt.Sprintf("item of kind %q, not in Features.Kinds", refused))
		}
	}
	want := map[string]string{skus[0]: "10.00", skus[2]: "12.00"}
	for sku, p := range want {
		if got := e.read(sku); got.Price == nil || !got.Price.Equal(dec(p)) {
			t.Errorf("%s: price %s, want %s", sku, fmtDec(got.Price), p)
		}
	}
	if got := e.read(skus[1]); got.Price != nil {
		t.Errorf("%s: bad items left price %s, want none", skus[1], got.Price)
	}
}
