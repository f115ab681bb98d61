package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// env is one subtest's fresh store and shop.
type env struct {
	t    *testing.T
	ctx  context.Context
	st   store.Store
	shop Shop
	f    store.Features
	h    *Harness
	// tag makes this subtest's SKUs unique, for harnesses that reuse a shop.
	tag string
}

func (e *env) currency() string {
	if e.h.Currency == "" {
		return "PLN"
	}
	return e.h.Currency
}

// gross is the price basis the suite pushes in.
func (e *env) gross() bool { return e.f.Basis != store.BasisNet }

// sku returns a SKU unique to this subtest.
func (e *env) sku(name string) string { return "ST-" + e.tag + "-" + name }

// needKinds skips unless the adapter pushes every kind.
func (e *env) needKinds(kinds ...catalog.Kind) {
	e.t.Helper()
	for _, k := range kinds {
		if !e.f.Pushes(k) {
			e.t.Skipf("skip: adapter does not push %q items (Features.Kinds %v)", k, e.f.Kinds)
		}
	}
}

// backdoor returns the Shop or skips.
func (e *env) backdoor() Shop {
	e.t.Helper()
	if e.shop == nil {
		e.t.Skip("skip: harness gives no storetest.Shop backdoor to read the shop")
	}
	return e.shop
}

// optional returns v as T, or skips the test naming T and who lacks it.
func optional[T any](t *testing.T, v any, who string) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Skipf("skip: %s does not implement %s", who, reflect.TypeFor[T]())
	}
	return x
}

func (e *env) placer() OrderPlacer {
	e.t.Helper()
	return optional[OrderPlacer](e.t, e.backdoor(), "harness Shop")
}

func (e *env) signer() WebhookSigner {
	e.t.Helper()
	return optional[WebhookSigner](e.t, e.backdoor(), "harness Shop")
}

// inject queues a fault or skips when the shop cannot produce it.
func (e *env) inject(n int, f Fault) {
	e.t.Helper()
	fi := optional[FaultInjector](e.t, e.backdoor(), "harness Shop")
	if err := fi.FailNext(n, f); err != nil {
		e.t.Skipf("skip: harness Shop cannot inject a %s fault: %v", f.Kind, err)
	}
}

// pushRaw is one Push call that must succeed as a whole and return one
// result per item, echoing kind and SKU.
func (e *env) pushRaw(items []store.Item) []store.Result {
	e.t.Helper()
	res, err := e.st.Push(e.ctx, items)
	if err != nil {
		e.t.Fatalf("Push of %d items: %v (class %s)", len(items), err, class(err))
	}
	if len(res) != len(items) {
		e.t.Fatalf("Push of %d items returned %d results", len(items), len(res))
	}
	for i, r := range res {
		if r.Kind != items[i].Kind || r.SKU != items[i].SKU {
			e.t.Errorf("result %d is for %s %q, item was %s %q", i, r.Kind, r.SKU, items[i].Kind, items[i].SKU)
		}
	}
	return res
}

// push pushes items in calls of at most BatchSize, as the engine does.
func (e *env) push(items ...store.Item) []store.Result {
	e.t.Helper()
	var out []store.Result
	for chunk := range slices.Chunk(items, e.f.BatchSize) {
		out = append(out, e.pushRaw(chunk)...)
	}
	return out
}

// pushOK is push where every item must succeed with a shop id.
func (e *env) pushOK(items ...store.Item) []store.Result {
	e.t.Helper()
	res := e.push(items...)
	for _, r := range res {
		if r.Err != nil {
			e.t.Fatalf("push %s %q: %v (class %s)", r.Kind, r.SKU, r.Err, class(r.Err))
		}
		if r.ShopID == "" {
			e.t.Fatalf("push %s %q succeeded without a shop id", r.Kind, r.SKU)
		}
	}
	return res
}

// read returns what the shop shows for sku, failing when it has nothing.
func (e *env) read(sku string) ShopProduct {
	e.t.Helper()
	p, ok := e.lookup(sku)
	if !ok {
		e.t.Fatalf("shop has no item with sku %q", sku)
	}
	return p
}

func (e *env) lookup(sku string) (ShopProduct, bool) {
	e.t.Helper()
	p, ok, err := e.backdoor().Product(e.ctx, sku)
	if err != nil {
		e.t.Fatalf("backdoor Product(%q): %v", sku, err)
	}
	return p, ok
}

// class names an error's fault class for messages.
func class(err error) string {
	c, after := fault.Classify(err)
	if c == fault.RateLimitedClass {
		return fmt.Sprintf("%s after %s", c, after)
	}
	return c.String()
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// ean13 returns a valid EAN-13 in the 20-29 in-store range for n.
func ean13(n int) string {
	body := fmt.Sprintf("2%011d", n%100000000000)
	sum := 0
	for i, c := range body {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

func randomTag() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// product returns a simple active product document.
func (e *env) product(name string, n int) *store.ProductDoc {
	return &store.ProductDoc{
		SKU:     e.sku(name),
		Name:    "Storetest " + name,
		EAN:     ean13(n),
		VATRate: dec("23"),
		Active:  true,
	}
}

func upsert(kind catalog.Kind, sku, shopID string, doc any) store.Item {
	return store.Item{Kind: kind, SKU: sku, ShopID: shopID, Op: store.OpUpsert, Doc: doc}
}

func productItem(d *store.ProductDoc) store.Item {
	k := catalog.KindProduct
	if d.ParentSKU != "" {
		k = catalog.KindVariant
	}
	return upsert(k, d.SKU, "", d)
}

func (e *env) priceItem(sku, amount string) store.Item {
	return upsert(catalog.KindPrice, sku, "", &store.PriceDoc{
		SKU: sku, Currency: e.currency(), Gross: e.gross(), Regular: dec(amount),
	})
}

func stockItem(sku, qty string, status store.StockStatus) store.Item {
	return upsert(catalog.KindStock, sku, "", &store.StockDoc{SKU: sku, Quantity: dec(qty), Status: status})
}

// variantSet is a product with variants as the adapter takes them: a parent
// with up to two axes and a variant per option combination, or, for
// platforms without variants, one product per combination.
type variantSet struct {
	parent   *store.ProductDoc // nil when variants are pushed as products
	variants []*store.ProductDoc
}

func (v variantSet) items() []store.Item {
	var out []store.Item
	if v.parent != nil {
		out = append(out, productItem(v.parent))
	}
	for _, d := range v.variants {
		out = append(out, productItem(d))
	}
	return out
}

func (v variantSet) skus() []string {
	var out []string
	if v.parent != nil {
		out = append(out, v.parent.SKU)
	}
	for _, d := range v.variants {
		out = append(out, d.SKU)
	}
	return out
}

func (e *env) variants(name string, n int) variantSet {
	axes := []string{"size", "color"}
	values := map[string][]string{"size": {"S", "M"}, "color": {"red", "blue"}}
	axes = axes[:min(len(axes), e.f.MaxVariantAxes)]
	combos := []map[string]string{{}}
	comboAxes := axes
	if len(comboAxes) == 0 {
		comboAxes = []string{"size"}
	}
	for _, a := range comboAxes {
		var next []map[string]string
		for _, c := range combos {
			for _, v := range values[a] {
				m := maps.Clone(c)
				m[a] = v
				next = append(next, m)
			}
		}
		combos = next
	}
	var vs variantSet
	if len(axes) > 0 {
		vs.parent = e.product(name, n)
		vs.parent.Axes = axes
	}
	for i, c := range combos {
		var parts []string
		for _, a := range comboAxes {
			parts = append(parts, c[a])
		}
		d := e.product(name+"-"+strings.Join(parts, "-"), n+1+i)
		d.Name = "Storetest " + name + " " + strings.Join(parts, " ")
		if vs.parent != nil {
			d.ParentSKU = vs.parent.SKU
			d.Options = c
		}
		vs.variants = append(vs.variants, d)
	}
	return vs
}

// diffProduct lists how two readings of one item differ.
func diffProduct(a, b ShopProduct) []string {
	var d []string
	add := func(field string, x, y any) { d = append(d, fmt.Sprintf("%s: %v → %v", field, x, y)) }
	if a.ShopID != b.ShopID {
		add("ShopID", a.ShopID, b.ShopID)
	}
	if a.ParentShopID != b.ParentShopID {
		add("ParentShopID", a.ParentShopID, b.ParentShopID)
	}
	if a.SKU != b.SKU {
		add("SKU", a.SKU, b.SKU)
	}
	if a.Name != b.Name {
		add("Name", a.Name, b.Name)
	}
	if a.EAN != b.EAN {
		add("EAN", a.EAN, b.EAN)
	}
	if a.Active != b.Active {
		add("Active", a.Active, b.Active)
	}
	if !sameSet(a.Categories, b.Categories) {
		add("Categories", a.Categories, b.Categories)
	}
	if !maps.Equal(a.Options, b.Options) {
		add("Options", a.Options, b.Options)
	}
	if !slices.Equal(a.Images, b.Images) {
		add("Images", a.Images, b.Images)
	}
	if !sameDec(a.Price, b.Price) {
		add("Price", fmtDec(a.Price), fmtDec(b.Price))
	}
	if !sameDec(a.Sale, b.Sale) {
		add("Sale", fmtDec(a.Sale), fmtDec(b.Sale))
	}
	if !sameDec(a.Stock, b.Stock) {
		add("Stock", fmtDec(a.Stock), fmtDec(b.Stock))
	}
	if a.StockStatus != b.StockStatus {
		add("StockStatus", a.StockStatus, b.StockStatus)
	}
	if a.Revision != b.Revision {
		add("Revision", a.Revision, b.Revision)
	}
	return d
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func sameDec(a, b *decimal.Decimal) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtDec(d *decimal.Decimal) string {
	if d == nil {
		return "<none>"
	}
	return d.String()
}

// wantPermanent checks that a result failed with a Permanent error.
func wantPermanent(t *testing.T, r store.Result, what string) {
	t.Helper()
	switch {
	case r.Err == nil:
		t.Errorf("%s: succeeded (shop id %q), want a Permanent error", what, r.ShopID)
	case !fault.IsPermanent(r.Err):
		t.Errorf("%s: error %v is %s, want permanent", what, r.Err, class(r.Err))
	}
}

// wantOK checks that a result succeeded with a shop id.
func wantOK(t *testing.T, r store.Result, what string) {
	t.Helper()
	if r.Err != nil {
		t.Errorf("%s: %v (class %s), want success", what, r.Err, class(r.Err))
	} else if r.ShopID == "" {
		t.Errorf("%s: succeeded without a shop id", what)
	}
}
