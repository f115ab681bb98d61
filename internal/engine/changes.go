package engine

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

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

// projectChanged is Project for the products o.Only names: it reads from
// the mirror and the store's items only what belongs to those products
// (their variants, prices, stock and images, and the categories), projects
// them as a full run would and deactivates those that left the ERP or the
// scope. Items of other products are not read or touched.
func projectChanged(ctx context.Context, db *state.DB, st *Store, now time.Time, o ProjectOptions) (ProjectSummary, error) {
	sum := ProjectSummary{Store: st.ID, Desired: map[catalog.Kind]int{}}
	if len(o.Only.SKUs) == 0 {
		return sum, nil
	}
	changed := o.Only.Sorted()
	// A variant's SKU stands for its product.
	products := map[string]struct{}{}
	variantOf := map[string]string{}
	err := db.MirrorByKeys(ctx, string(catalog.KindVariant), changed, func(r state.MirrorRecord) error {
		rec, err := catalog.Decode(catalog.KindVariant, r.Payload)
		if err != nil {
			return err
		}
		variantOf[r.Key] = rec.(catalog.Variant).ProductSKU
		return nil
	})
	if err != nil {
		return sum, err
	}
	for _, s := range changed {
		if p, ok := variantOf[s]; ok {
			products[p] = struct{}{}
		} else {
			products[s] = struct{}{}
		}
	}
	prodSKUs := slices.Sorted(maps.Keys(products))

	m, sellable, err := loadMirrorFor(ctx, db, st, prodSKUs)
	if err != nil {
		return sum, err
	}
	records := map[string]catalog.Product{}
	err = db.MirrorByKeys(ctx, string(catalog.KindProduct), prodSKUs, func(r state.MirrorRecord) error {
		rec, err := catalog.Decode(catalog.KindProduct, r.Payload)
		if err != nil {
			return err
		}
		records[r.Key] = rec.(catalog.Product)
		return nil
	})
	if err != nil {
		return sum, err
	}

	// The items of these products and the store's category items.
	catCodes := slices.Sorted(maps.Keys(m.cats))
	items := map[string]*itemInfo{}
	keep := func(it state.StoreItem) error {
		items[itemKey(catalog.Kind(it.Kind), it.SKU)] = newItemInfo(it)
		return nil
	}
	itemKinds := []string{string(catalog.KindProduct), string(catalog.KindVariant), string(catalog.KindPrice), string(catalog.KindStock)}
	if err := db.StoreItemsBySKU(ctx, st.ID, itemKinds, sellable, keep); err != nil {
		return sum, err
	}
	if err := db.StoreItemsBySKU(ctx, st.ID, []string{string(catalog.KindCategory)}, catCodes, keep); err != nil {
		return sum, err
	}

	p := &projector{st: st, now: now, m: m, items: items, sum: &sum, o: o, partial: true}
	run := func(x sqlx.ExtContext) error {
		p.db, p.x = db, x
		for _, s := range prodSKUs {
			if prod, ok := records[s]; ok {
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
	err = db.InTx(ctx, func(tx *sqlx.Tx) error { return run(tx) })
	return sum, err
}

// loadMirrorFor is loadMirror for the given products only: their variants,
// prices, stock and images, and every category. It also returns the SKUs of
// the products and their variants, sorted.
func loadMirrorFor(ctx context.Context, db *state.DB, st *Store, prodSKUs []string) (*mirrorView, []string, error) {
	m := newMirrorView()
	warehouses := map[string]bool{}
	for _, w := range st.Rules.Stock.Warehouses {
		warehouses[w] = true
	}
	decode := func(k catalog.Kind, fn func(catalog.Record)) func(state.MirrorRecord) error {
		return func(r state.MirrorRecord) error {
			rec, err := catalog.Decode(k, r.Payload)
			if err != nil {
				return mirrorDecodeError(k, r.Key, err)
			}
			fn(rec)
			return nil
		}
	}
	if err := db.StreamMirror(ctx, string(catalog.KindCategory), decode(catalog.KindCategory, m.addCategory)); err != nil {
		return nil, nil, err
	}
	skus := map[string]struct{}{}
	for _, s := range prodSKUs {
		skus[s] = struct{}{}
	}
	if err := db.MirrorByParents(ctx, string(catalog.KindVariant), prodSKUs, decode(catalog.KindVariant, func(r catalog.Record) {
		m.addVariant(r)
		skus[r.(catalog.Variant).SKU] = struct{}{}
	})); err != nil {
		return nil, nil, err
	}
	sellable := slices.Sorted(maps.Keys(skus))
	if err := db.MirrorByParents(ctx, string(catalog.KindPrice), sellable, decode(catalog.KindPrice, m.priceAdder(st))); err != nil {
		return nil, nil, err
	}
	if err := db.MirrorByParents(ctx, string(catalog.KindStock), sellable, decode(catalog.KindStock, m.stockAdder(warehouses))); err != nil {
		return nil, nil, err
	}
	if err := db.MirrorByParents(ctx, string(catalog.KindImage), prodSKUs, decode(catalog.KindImage, m.addImage)); err != nil {
		return nil, nil, err
	}
	for code := range m.cats {
		m.paths[code] = categoryPath(m.cats, code)
	}
	var err error
	if m.reserved, err = db.ReservedBySKU(ctx); err != nil {
		return nil, nil, err
	}
	return m, sellable, nil
}
