package engine

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/state"
)

// MaxChangeSKUs is how many SKUs a ChangeSet names before it gives up and
// asks for a full projection: past that, reading everything once is
// cheaper than looking records up by SKU.
var MaxChangeSKUs = 20000

// ChangeSet says which products a mirror write touched, so that Project
// (ProjectOptions.Only) can re-project those products only. The zero value
// is an empty set; Snapshot and DeltaChanges fill one.
type ChangeSet struct {
	// All is set when the changes reach beyond single products (categories,
	// attributes, price lists or warehouses changed, a variant was removed,
	// or more than MaxChangeSKUs SKUs changed): project everything.
	All bool
	// SKUs are the SKUs changed records belong to (state.MirrorRecord.Parent):
	// product SKUs, or variant SKUs for a variant's price and stock.
	SKUs map[string]struct{}
}

// Empty reports whether nothing changed.
func (c *ChangeSet) Empty() bool { return !c.All && len(c.SKUs) == 0 }

// Merge adds o's changes to c.
func (c *ChangeSet) Merge(o ChangeSet) {
	if o.All {
		c.markAll()
		return
	}
	for s := range o.SKUs {
		c.addSKU(s)
	}
}

// Sorted returns the SKUs in order.
func (c *ChangeSet) Sorted() []string { return slices.Sorted(maps.Keys(c.SKUs)) }

func (c *ChangeSet) markAll() { c.All, c.SKUs = true, nil }

func (c *ChangeSet) addSKU(sku string) {
	if c.All || sku == "" {
		return
	}
	if c.SKUs == nil {
		c.SKUs = map[string]struct{}{}
	}
	c.SKUs[sku] = struct{}{}
	if len(c.SKUs) > MaxChangeSKUs {
		c.markAll()
	}
}

// changed records that a record of kind k with the given parent was added
// or changed.
func (c *ChangeSet) changed(k catalog.Kind, parent string) {
	switch k {
	case catalog.KindProduct, catalog.KindVariant, catalog.KindPrice, catalog.KindStock, catalog.KindImage:
		c.addSKU(parent)
	default:
		c.markAll()
	}
}

// removed records that the record of kind k with key was removed.
func (c *ChangeSet) removed(k catalog.Kind, key string) {
	switch k {
	case catalog.KindProduct:
		c.addSKU(key)
	case catalog.KindPrice, catalog.KindStock:
		_, sku, _ := strings.Cut(key, "|")
		c.addSKU(sku)
	case catalog.KindImage:
		sku, _, _ := strings.Cut(key, "#")
		c.addSKU(sku)
	default:
		// A removed variant's product is only in its payload, gone now.
		c.markAll()
	}
}

// mirrorParent is the SKU a record belongs to (state.MirrorRecord.Parent).
func mirrorParent(r catalog.Record) string {
	switch v := r.(type) {
	case catalog.Product:
		return v.SKU
	case catalog.Variant:
		return v.ProductSKU
	case catalog.Price:
		return v.SKU
	case catalog.StockLevel:
		return v.SKU
	case catalog.Image:
		return v.ProductSKU
	}
	return ""
}

// changedRecords are the mirror records of the products a ChangeSet names:
// the products, their variants, prices (every list), stock (every
// warehouse) and images, every category, and the hub reservations. They are
// read once and shared by every store projected with the same ChangeSet;
// each store filters prices and stock by its own rules (view).
type changedRecords struct {
	prodSKUs []string // the products, sorted
	sellable []string // the products' and their variants' SKUs, sorted
	products map[string]catalog.Product
	cats     map[string]catalog.Category
	paths    map[string]string
	variants map[string][]catalog.Variant
	images   map[string][]catalog.Image
	prices   map[string][]catalog.Price      // by SKU
	stock    map[string][]catalog.StockLevel // by SKU
	reserved map[string]decimal.Decimal
	rates    []catalog.CurrencyRate // only when a store uses the ERP's rates
}

// loadChanges reads the records of the products cs names (a variant's SKU
// stands for its product), and the ERP's exchange rates when rates is set.
func loadChanges(ctx context.Context, db *state.DB, cs *ChangeSet, rates bool) (*changedRecords, error) {
	lr := &changedRecords{
		products: map[string]catalog.Product{}, cats: map[string]catalog.Category{}, paths: map[string]string{},
		variants: map[string][]catalog.Variant{}, images: map[string][]catalog.Image{},
		prices: map[string][]catalog.Price{}, stock: map[string][]catalog.StockLevel{},
	}
	if len(cs.SKUs) == 0 {
		return lr, nil
	}
	decode := func(k catalog.Kind, fn func(string, catalog.Record)) func(state.MirrorRecord) error {
		return func(r state.MirrorRecord) error {
			rec, err := catalog.Decode(k, r.Payload)
			if err != nil {
				return mirrorDecodeError(k, r.Key, err)
			}
			fn(r.Key, rec)
			return nil
		}
	}
	changed := cs.Sorted()
	products := map[string]struct{}{}
	for _, s := range changed {
		products[s] = struct{}{}
	}
	if err := db.MirrorByKeys(ctx, string(catalog.KindVariant), changed, decode(catalog.KindVariant, func(key string, r catalog.Record) {
		delete(products, key)
		products[r.(catalog.Variant).ProductSKU] = struct{}{}
	})); err != nil {
		return nil, err
	}
	lr.prodSKUs = slices.Sorted(maps.Keys(products))
	if err := db.MirrorByKeys(ctx, string(catalog.KindProduct), lr.prodSKUs, decode(catalog.KindProduct, func(key string, r catalog.Record) {
		lr.products[key] = r.(catalog.Product)
	})); err != nil {
		return nil, err
	}
	if err := db.StreamMirror(ctx, string(catalog.KindCategory), decode(catalog.KindCategory, func(_ string, r catalog.Record) {
		c := r.(catalog.Category)
		lr.cats[c.Code] = c
	})); err != nil {
		return nil, err
	}
	for code := range lr.cats {
		lr.paths[code] = categoryPath(lr.cats, code)
	}
	skus := maps.Clone(products)
	if err := db.MirrorByParents(ctx, string(catalog.KindVariant), lr.prodSKUs, decode(catalog.KindVariant, func(_ string, r catalog.Record) {
		v := r.(catalog.Variant)
		lr.variants[v.ProductSKU] = append(lr.variants[v.ProductSKU], v)
		skus[v.SKU] = struct{}{}
	})); err != nil {
		return nil, err
	}
	lr.sellable = slices.Sorted(maps.Keys(skus))
	if err := db.MirrorByParents(ctx, string(catalog.KindPrice), lr.sellable, decode(catalog.KindPrice, func(_ string, r catalog.Record) {
		p := r.(catalog.Price)
		lr.prices[p.SKU] = append(lr.prices[p.SKU], p)
	})); err != nil {
		return nil, err
	}
	if err := db.MirrorByParents(ctx, string(catalog.KindStock), lr.sellable, decode(catalog.KindStock, func(_ string, r catalog.Record) {
		s := r.(catalog.StockLevel)
		lr.stock[s.SKU] = append(lr.stock[s.SKU], s)
	})); err != nil {
		return nil, err
	}
	if err := db.MirrorByParents(ctx, string(catalog.KindImage), lr.prodSKUs, decode(catalog.KindImage, func(_ string, r catalog.Record) {
		i := r.(catalog.Image)
		lr.images[i.ProductSKU] = append(lr.images[i.ProductSKU], i)
	})); err != nil {
		return nil, err
	}
	if rates {
		if err := db.StreamMirror(ctx, string(catalog.KindCurrencyRate), decode(catalog.KindCurrencyRate, func(_ string, r catalog.Record) {
			lr.rates = append(lr.rates, r.(catalog.CurrencyRate))
		})); err != nil {
			return nil, err
		}
	}
	var err error
	lr.reserved, err = db.ReservedBySKU(ctx)
	return lr, err
}

// view is st's mirrorView of the loaded records: the prices of its lists
// and the stock of its warehouses. The maps it shares with lr are only read.
func (lr *changedRecords) view(st *Store) *mirrorView {
	m := &mirrorView{
		paths: lr.paths, cats: lr.cats, variants: lr.variants, images: lr.images, reserved: lr.reserved, rates: lr.rates,
		regular: map[string]catalog.Price{}, sale: map[string]catalog.Price{}, stock: map[string][]catalog.StockLevel{},
	}
	addPrice := m.priceAdder(st)
	for _, ps := range lr.prices {
		for _, p := range ps {
			addPrice(p)
		}
	}
	addStock := m.stockAdder(warehouseSet(st))
	for _, ss := range lr.stock {
		for _, s := range ss {
			addStock(s)
		}
	}
	return m
}

func warehouseSet(st *Store) map[string]bool {
	w := map[string]bool{}
	for _, x := range st.Rules.Stock.Warehouses {
		w[x] = true
	}
	return w
}

// projectChanged is Project for the products lr holds (read for o.Only):
// it reads the store's items of those products and the categories,
// projects them as a full run would and deactivates those that left the
// ERP or the scope. Items of other products are not read or touched.
func projectChanged(ctx context.Context, db *state.DB, st *Store, now time.Time, o ProjectOptions, lr *changedRecords) (ProjectSummary, error) {
	sum := ProjectSummary{Store: st.ID, Desired: map[catalog.Kind]int{}}
	if len(lr.prodSKUs) == 0 {
		return sum, nil
	}
	m := lr.view(st)
	// The items of these products and the store's category items.
	catCodes := slices.Sorted(maps.Keys(m.cats))
	items := map[string]*itemInfo{}
	keep := func(it state.StoreItem) error {
		items[itemKey(catalog.Kind(it.Kind), it.SKU)] = newItemInfo(it)
		return nil
	}
	itemKinds := []string{string(catalog.KindProduct), string(catalog.KindVariant), string(catalog.KindPrice), string(catalog.KindStock)}

	p := &projector{st: st, now: now, m: m, items: items, sum: &sum, o: o, partial: true,
		prices: st.Rules.Price.WithERPRates(m.rates, now)}
	run := func(x sqlx.ExtContext) error {
		p.db, p.x = db, x
		// Read in the transaction: its writes find the pages cached.
		if err := db.StoreItemsBySKUTx(ctx, x, st.ID, itemKinds, lr.sellable, keep); err != nil {
			return err
		}
		if err := db.StoreItemsBySKUTx(ctx, x, st.ID, []string{string(catalog.KindCategory)}, catCodes, keep); err != nil {
			return err
		}
		for _, s := range lr.prodSKUs {
			if prod, ok := lr.products[s]; ok {
				if err := p.product(ctx, prod); err != nil {
					return err
				}
			}
		}
		if err := p.categories(ctx); err != nil {
			return err
		}
		if err := p.removals(ctx); err != nil {
			return err
		}
		if err := p.flush(ctx); err != nil {
			return err
		}
		return p.checkShare(ctx)
	}
	if o.DryRun {
		return sum, run(nil)
	}
	err := db.InItemsTx(ctx, func(tx *sqlx.Tx) error { return run(tx) })
	return sum, err
}
