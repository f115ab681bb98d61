package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/project"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// ErrTooManyDeactivations refuses a projection that would deactivate or
// zero more of a store's items than its max_deactivate_share allows.
var ErrTooManyDeactivations = errors.New("run would deactivate or zero too many items")

// Envelope is what the hub keeps as a store item's desired payload: the
// operation, the store document, or why the item cannot be pushed.
type Envelope struct {
	Op store.Op `json:"op"`
	// Error, when set, is why no document could be built (a price under its
	// floor, no price on the list): the item is parked with it.
	Error string          `json:"error,omitempty"`
	Doc   json.RawMessage `json:"doc,omitempty"`
}

// Doc decodes the envelope's document for kind k into the type Push expects.
func (e Envelope) doc(k catalog.Kind) (any, error) {
	var v any
	switch k {
	case catalog.KindProduct, catalog.KindVariant:
		v = new(store.ProductDoc)
	case catalog.KindCategory:
		v = new(store.CategoryDoc)
	case catalog.KindPrice:
		v = new(store.PriceDoc)
	case catalog.KindStock:
		v = new(store.StockDoc)
	default:
		return nil, fmt.Errorf("engine: no store document for kind %q", k)
	}
	if err := json.Unmarshal(e.Doc, v); err != nil {
		return nil, fmt.Errorf("engine: decoding %s document: %w", k, err)
	}
	return v, nil
}

// Store is what the engine needs of one store.
type Store struct {
	ID       string
	Adapter  store.Store
	Features store.Features
	Rules    project.Rules
	// Delete removes items that leave the ERP or the scope instead of
	// deactivating them.
	Delete bool
	// MaxDeactivateShare (0..1) stops a projection that would deactivate or
	// zero more of the store's items, unless forced.
	MaxDeactivateShare decimal.Decimal
	// ImageBaseURL (http.public_url) prefixes erp.ImagePath for images the
	// ERP keeps as data; empty leaves such images out.
	ImageBaseURL string
	// Rate and Burst, when set, cap the adapter's request rate (config
	// stores[].rate); they never raise it.
	Rate  float64
	Burst int
}

// ProjectSummary counts what one projection of one store found.
type ProjectSummary struct {
	Store string
	// Desired counts the items the store should show, by kind.
	Desired map[catalog.Kind]int
	// Changed is how many items got a new desired state (and are dirty now);
	// Created is the part of them not in the shop yet.
	Changed int
	Created int
	// Deactivated and Zeroed count items newly deactivated or newly at zero
	// stock; Parked those that cannot be pushed, with Reasons samples.
	Deactivated int
	Zeroed      int
	Parked      int
	OutOfScope  int
	Reasons     []string
	// Changes samples what changed: kind, SKU and the new document.
	Changes []Change
}

// Change is one item whose desired state changed.
type Change struct {
	Kind catalog.Kind
	SKU  string
	Op   store.Op
	// Before and After are the documents (JSON); Before is empty for a new item.
	Before json.RawMessage
	After  json.RawMessage
}

// ProjectOptions configure Project.
type ProjectOptions struct {
	// Force lets a run deactivate or zero more than MaxDeactivateShare.
	Force bool
	// DryRun computes and counts but writes nothing (plan).
	DryRun bool
	// Samples is how many changes to keep in the summary.
	Samples int
	// Only, when set and not All, projects only the products its SKUs
	// belong to (see ChangeSet and projectChanged) instead of the whole
	// mirror: the result for those products is the same as a full run's,
	// and other items are left as they are. Rule changes and the periodic
	// reconcile project everything (Only nil).
	Only *ChangeSet
}

type itemInfo struct {
	kind        catalog.Kind
	shopID      string
	acked       bool
	desiredHash string
	payload     json.RawMessage
	produced    bool
	// decoded is set once inactive and zero were read from payload; most
	// items never need them, so they are read on first use.
	decoded  bool
	inactive bool // desired op is deactivate/delete or the doc is inactive
	zero     bool // a stock item whose desired quantity is zero
}

func itemKey(k catalog.Kind, sku string) string { return string(k) + "\x00" + sku }

// newItemInfo is what a projection needs to know of a stored item.
func newItemInfo(it state.StoreItem) *itemInfo {
	return &itemInfo{kind: catalog.Kind(it.Kind), shopID: it.ShopID, acked: it.AckedHash != "", desiredHash: it.DesiredHash, payload: it.DesiredPayload}
}

// decode reads inactive and zero from the stored payload.
func (info *itemInfo) decode() {
	if info.decoded {
		return
	}
	info.decoded = true
	var env Envelope
	if json.Unmarshal(info.payload, &env) != nil {
		return
	}
	info.inactive = env.Op != store.OpUpsert
	switch info.kind {
	case catalog.KindProduct, catalog.KindVariant:
		var d store.ProductDoc
		if json.Unmarshal(env.Doc, &d) == nil && !d.Active {
			info.inactive = true
		}
	case catalog.KindStock:
		var d store.StockDoc
		info.zero = json.Unmarshal(env.Doc, &d) == nil && d.Quantity.IsZero()
	}
}

func (info *itemInfo) isInactive() bool { info.decode(); return info.inactive }

func (info *itemInfo) isZero() bool { info.decode(); return info.zero }

// Project recomputes one store's desired state from the mirror under the
// store's rules and records the items whose desired state changed (they are
// dirty now). Products that left the ERP or the scope get a deactivate (or
// delete) item. All writes happen in one transaction; a run over the
// deactivation limit writes nothing and returns ErrTooManyDeactivations.
func Project(ctx context.Context, db *state.DB, st *Store, now time.Time, o ProjectOptions) (ProjectSummary, error) {
	if o.Only != nil && !o.Only.All {
		lr, err := loadChanges(ctx, db, o.Only, st.Rules.Price.RateFromERP)
		if err != nil {
			return ProjectSummary{Store: st.ID}, err
		}
		return projectChanged(ctx, db, st, now, o, lr)
	}
	sum := ProjectSummary{Store: st.ID, Desired: map[catalog.Kind]int{}}
	m, err := loadMirror(ctx, db, st)
	if err != nil {
		return sum, err
	}
	items := map[string]*itemInfo{}
	err = db.StreamStoreItems(ctx, st.ID, func(it state.StoreItem) error {
		items[itemKey(catalog.Kind(it.Kind), it.SKU)] = newItemInfo(it)
		return nil
	})
	if err != nil {
		return sum, err
	}

	p := &projector{st: st, now: now, m: m, items: items, sum: &sum, o: o, prices: st.Rules.Price.WithERPRates(m.rates, now)}
	run := func(x sqlx.ExtContext) error {
		p.db, p.x = db, x
		if err := db.StreamMirror(ctx, string(catalog.KindProduct), func(r state.MirrorRecord) error {
			rec, err := catalog.Decode(catalog.KindProduct, r.Payload)
			if err != nil {
				return err
			}
			return p.product(ctx, rec.(catalog.Product))
		}); err != nil {
			return err
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

// ProjectStores projects stores one after another with the same options,
// calling done with each store's summary or error (one store's error does
// not stop the others). When o.Only names products, their mirror records
// are read once for all the stores. An error reading them is returned and
// no store is projected.
func ProjectStores(ctx context.Context, db *state.DB, stores []*Store, now time.Time, o ProjectOptions, done func(*Store, ProjectSummary, error)) error {
	if o.Only == nil || o.Only.All {
		for _, st := range stores {
			sum, err := Project(ctx, db, st, now, o)
			done(st, sum, err)
		}
		return nil
	}
	rates := false
	for _, st := range stores {
		rates = rates || st.Rules.Price.RateFromERP
	}
	lr, err := loadChanges(ctx, db, o.Only, rates)
	if err != nil {
		return err
	}
	for _, st := range stores {
		sum, err := projectChanged(ctx, db, st, now, o, lr)
		done(st, sum, err)
	}
	return nil
}

// mirrorView is what a projection reads from the mirror besides products,
// held in memory for one store's run.
type mirrorView struct {
	paths    map[string]string // category code → path
	cats     map[string]catalog.Category
	regular  map[string]catalog.Price
	sale     map[string]catalog.Price
	stock    map[string][]catalog.StockLevel
	variants map[string][]catalog.Variant
	images   map[string][]catalog.Image
	reserved map[string]decimal.Decimal
	// rates is the ERP's exchange rate table, read for stores that use it.
	rates []catalog.CurrencyRate
}

func newMirrorView() *mirrorView {
	return &mirrorView{
		paths: map[string]string{}, cats: map[string]catalog.Category{},
		regular: map[string]catalog.Price{}, sale: map[string]catalog.Price{},
		stock: map[string][]catalog.StockLevel{}, variants: map[string][]catalog.Variant{},
		images: map[string][]catalog.Image{},
	}
}

func (m *mirrorView) addCategory(r catalog.Record) { c := r.(catalog.Category); m.cats[c.Code] = c }

func (m *mirrorView) addRate(r catalog.Record) { m.rates = append(m.rates, r.(catalog.CurrencyRate)) }

func (m *mirrorView) addVariant(r catalog.Record) {
	v := r.(catalog.Variant)
	m.variants[v.ProductSKU] = append(m.variants[v.ProductSKU], v)
}

func (m *mirrorView) addImage(r catalog.Record) {
	i := r.(catalog.Image)
	m.images[i.ProductSKU] = append(m.images[i.ProductSKU], i)
}

// priceAdder keeps the prices of the store's regular and sale lists.
func (m *mirrorView) priceAdder(st *Store) func(catalog.Record) {
	return func(r catalog.Record) {
		p := r.(catalog.Price)
		switch p.PriceList {
		case st.Rules.Price.List:
			m.regular[p.SKU] = p
		case st.Rules.Price.SaleList:
			m.sale[p.SKU] = p
		}
	}
}

// stockAdder keeps the stock levels of the store's warehouses.
func (m *mirrorView) stockAdder(warehouses map[string]bool) func(catalog.Record) {
	return func(r catalog.Record) {
		s := r.(catalog.StockLevel)
		if warehouses[s.Warehouse] {
			m.stock[s.SKU] = append(m.stock[s.SKU], s)
		}
	}
}

func mirrorDecodeError(k catalog.Kind, key string, err error) error {
	return fmt.Errorf("engine: mirror %s %q: %w", k, key, err)
}

func loadMirror(ctx context.Context, db *state.DB, st *Store) (*mirrorView, error) {
	m := newMirrorView()
	warehouses := warehouseSet(st)
	each := func(k catalog.Kind, fn func(catalog.Record)) error {
		return db.StreamMirror(ctx, string(k), func(r state.MirrorRecord) error {
			rec, err := catalog.Decode(k, r.Payload)
			if err != nil {
				return mirrorDecodeError(k, r.Key, err)
			}
			fn(rec)
			return nil
		})
	}
	type step struct {
		k  catalog.Kind
		fn func(catalog.Record)
	}
	steps := []step{
		{catalog.KindCategory, m.addCategory},
		{catalog.KindPrice, m.priceAdder(st)},
		{catalog.KindStock, m.stockAdder(warehouses)},
		{catalog.KindVariant, m.addVariant},
		{catalog.KindImage, m.addImage},
	}
	if st.Rules.Price.RateFromERP {
		steps = append(steps, step{catalog.KindCurrencyRate, m.addRate})
	}
	for _, s := range steps {
		if err := each(s.k, s.fn); err != nil {
			return nil, err
		}
	}
	for code := range m.cats {
		m.paths[code] = categoryPath(m.cats, code)
	}
	var err error
	if m.reserved, err = db.ReservedBySKU(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// categoryPath is the category's path from the ERP, or built from its
// parents' names when the ERP gave none (cycles are cut).
func categoryPath(cats map[string]catalog.Category, code string) string {
	if c := cats[code]; c.Path != "" {
		return c.Path
	}
	var names []string
	seen := map[string]bool{}
	for cur, ok := cats[code]; ok && !seen[cur.Code]; cur, ok = cats[cur.ParentCode] {
		seen[cur.Code] = true
		names = append(names, cur.Name)
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return strings.Join(names, "/")
}

type projector struct {
	st  *Store
	now time.Time
	// prices are the store's price rules with the ERP's rates of the day.
	prices project.PriceRules
	m      *mirrorView
	items  map[string]*itemInfo
	sum    *ProjectSummary
	o      ProjectOptions
	db     *state.DB
	x      sqlx.ExtContext
	batch  []state.DesiredItem
	parks  []state.DesiredItem
	// usedCats are the category codes in-scope products sit in.
	usedCats map[string]bool
	// partial is set when items holds only the items of the products
	// projected (projectChanged), not all of the store's.
	partial bool
}

const desiredBatch = 500

func (p *projector) exists(k catalog.Kind, sku string) bool {
	info := p.items[itemKey(k, sku)]
	return info != nil && (info.acked || info.shopID != "")
}

func (p *projector) product(ctx context.Context, prod catalog.Product) error {
	if ok, _ := p.st.Rules.Scope.InScope(prod, p.m.paths); !ok {
		p.sum.OutOfScope++
		return nil
	}
	variants := p.m.variants[prod.SKU]
	sort.Slice(variants, func(i, j int) bool { return variants[i].SKU < variants[j].SKU })
	// A product with variants sells its variants; a shop without variants
	// (MaxVariantAxes 0) gets each variant as a product of its own and not
	// the product they belong to.
	asProducts := len(variants) > 0 && p.st.Features.MaxVariantAxes == 0
	sellable := []string{prod.SKU}
	if len(variants) > 0 {
		sellable = sellable[:0]
		for _, v := range variants {
			sellable = append(sellable, v.SKU)
		}
	}
	stocks := map[string]store.StockDoc{}
	allHidden := true
	for _, sku := range sellable {
		d := p.st.Rules.Stock.Stock(sku, p.m.stock[sku], p.m.reserved[sku])
		stocks[sku] = d
		if !p.st.Rules.Stock.Hidden(d) {
			allHidden = false
		}
	}
	if len(prod.Axes) == 0 && sellable[0] != prod.SKU {
		prod.Axes = variantAxes(variants)
	}
	if p.usedCats == nil {
		p.usedCats = map[string]bool{}
	}
	for _, c := range prod.Categories {
		for cur, ok := p.m.cats[c]; ok && !p.usedCats[cur.Code]; cur, ok = p.m.cats[cur.ParentCode] {
			p.usedCats[cur.Code] = true
		}
	}
	images := p.imageURLs(prod.SKU)
	if asProducts {
		for _, v := range variants {
			hidden := p.st.Rules.Stock.Hidden(stocks[v.SKU])
			doc := p.st.Rules.Product.VariantProduct(v, prod, p.m.paths, images, p.exists(catalog.KindProduct, v.SKU), hidden)
			if err := p.put(ctx, catalog.KindProduct, v.SKU, store.OpUpsert, doc, ""); err != nil {
				return err
			}
		}
	} else if err := p.put(ctx, catalog.KindProduct, prod.SKU, store.OpUpsert,
		p.st.Rules.Product.Product(prod, p.m.paths, images, p.exists(catalog.KindProduct, prod.SKU), allHidden), ""); err != nil {
		return err
	}
	if !asProducts && sellable[0] != prod.SKU {
		for _, v := range variants {
			hidden := p.st.Rules.Stock.Hidden(stocks[v.SKU])
			doc := p.st.Rules.Product.Variant(v, prod, p.exists(catalog.KindVariant, v.SKU), hidden)
			if err := p.put(ctx, catalog.KindVariant, v.SKU, store.OpUpsert, doc, ""); err != nil {
				return err
			}
		}
	}
	for _, sku := range sellable {
		in := project.PriceInput{SKU: sku, VATRate: prod.VATRate, Purchase: prod.PurchasePrice}
		if pr, ok := p.m.regular[sku]; ok {
			in.Regular = &pr
		} else if pr, ok := p.m.regular[prod.SKU]; ok {
			in.Regular = &pr
		}
		if in.Regular != nil {
			in.PurchaseCurrency = in.Regular.Currency
		}
		if pr, ok := p.m.sale[sku]; ok {
			in.Sale = &pr
		} else if pr, ok := p.m.sale[prod.SKU]; ok {
			in.Sale = &pr
		}
		doc, err := p.prices.Price(in, p.now)
		reason := ""
		if err != nil {
			reason = err.Error()
		}
		if err := p.put(ctx, catalog.KindPrice, sku, store.OpUpsert, doc, reason); err != nil {
			return err
		}
		if err := p.put(ctx, catalog.KindStock, sku, store.OpUpsert, stocks[sku], ""); err != nil {
			return err
		}
	}
	return nil
}

func (p *projector) imageURLs(sku string) []string {
	imgs := p.m.images[sku]
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].Position < imgs[j].Position })
	var urls []string
	for _, i := range imgs {
		switch {
		case i.URL != "":
			urls = append(urls, i.URL)
		case i.ContentHash != "" && p.st.ImageBaseURL != "":
			urls = append(urls, strings.TrimSuffix(p.st.ImageBaseURL, "/")+erp.ImagePath(i.ContentHash, i.ProductSKU, i.Position))
		}
	}
	return urls
}

func (p *projector) categories(ctx context.Context) error {
	codes := make([]string, 0, len(p.usedCats))
	for c := range p.usedCats {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		c := p.m.cats[code]
		doc := store.CategoryDoc{Code: c.Code, ParentCode: c.ParentCode, Name: c.Name, Path: p.m.paths[code]}
		if err := p.put(ctx, catalog.KindCategory, code, store.OpUpsert, doc, ""); err != nil {
			return err
		}
	}
	return nil
}

// removals deactivates (or deletes) products and variants the store has that
// this run did not produce: gone from the ERP or out of scope.
func (p *projector) removals(ctx context.Context) error {
	keys := make([]string, 0)
	for k, info := range p.items {
		if !info.produced {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	op := store.OpDeactivate
	if p.st.Delete {
		op = store.OpDelete
	}
	for _, k := range keys {
		kind, sku, _ := strings.Cut(k, "\x00")
		switch catalog.Kind(kind) {
		case catalog.KindProduct, catalog.KindVariant:
		default:
			continue // prices, stock and categories of removed products need no push
		}
		info := p.items[k]
		if info.isInactive() && !p.exists(catalog.Kind(kind), sku) {
			continue
		}
		var env Envelope
		_ = json.Unmarshal(info.payload, &env)
		if env.Op == op {
			info.produced = true
			continue
		}
		// Keep the last document so the adapter knows what it deactivates.
		var doc store.ProductDoc
		_ = json.Unmarshal(env.Doc, &doc)
		doc.SKU, doc.Active = sku, false
		if err := p.put(ctx, catalog.Kind(kind), sku, op, doc, ""); err != nil {
			return err
		}
	}
	return nil
}

// put records one desired item, counting and batching it when it changed.
func (p *projector) put(ctx context.Context, k catalog.Kind, sku string, op store.Op, doc any, parkReason string) error {
	env := Envelope{Op: op, Error: parkReason}
	if parkReason == "" {
		raw, err := catalog.Canonical(doc)
		if err != nil {
			return err
		}
		env.Doc = raw
	}
	payload, err := catalog.Canonical(env)
	if err != nil {
		return err
	}
	hash := catalog.HashCanonical(k, payload)
	p.sum.Desired[k]++
	key := itemKey(k, sku)
	info := p.items[key]
	if info == nil {
		info = &itemInfo{kind: k, decoded: true}
		p.items[key] = info
	}
	info.produced = true
	if info.desiredHash == hash {
		if parkReason != "" {
			p.sum.Parked++
		}
		return nil
	}
	p.sum.Changed++
	if op == store.OpUpsert && !p.exists(k, sku) {
		p.sum.Created++
	}
	if parkReason != "" {
		p.sum.Parked++
		if len(p.sum.Reasons) < max(p.o.Samples, 10) {
			p.sum.Reasons = append(p.sum.Reasons, parkReason)
		}
	}
	switch d := doc.(type) {
	case store.ProductDoc:
		if (op != store.OpUpsert || !d.Active) && !info.isInactive() && p.exists(k, sku) {
			p.sum.Deactivated++
		}
	case store.StockDoc:
		if d.Quantity.IsZero() && !info.isZero() && p.exists(k, sku) {
			p.sum.Zeroed++
		}
	}
	if len(p.sum.Changes) < p.o.Samples {
		var before json.RawMessage
		var old Envelope
		if json.Unmarshal(info.payload, &old) == nil {
			before = old.Doc
		}
		p.sum.Changes = append(p.sum.Changes, Change{Kind: k, SKU: sku, Op: op, Before: before, After: env.Doc})
	}
	info.desiredHash = hash
	item := state.DesiredItem{Store: p.st.ID, Kind: string(k), SKU: sku, Hash: hash, Payload: payload}
	if parkReason != "" {
		p.parks = append(p.parks, item)
	}
	p.batch = append(p.batch, item)
	if len(p.batch) >= desiredBatch {
		return p.flush(ctx)
	}
	return nil
}

func (p *projector) flush(ctx context.Context) error {
	if p.o.DryRun {
		p.batch, p.parks = p.batch[:0], p.parks[:0]
		return nil
	}
	if len(p.batch) > 0 {
		if _, err := p.db.SetDesired(ctx, p.x, p.batch); err != nil {
			return err
		}
	}
	for _, it := range p.parks {
		var env Envelope
		_ = json.Unmarshal(it.Payload, &env)
		if err := p.db.ParkTx(ctx, p.x, it.Store, it.Kind, it.SKU, it.Hash, env.Error); err != nil {
			return err
		}
	}
	p.batch, p.parks = p.batch[:0], p.parks[:0]
	return nil
}

// checkShare enforces MaxDeactivateShare over the store's active products,
// variants and stocked items.
func (p *projector) checkShare(ctx context.Context) error {
	if p.o.Force {
		return nil
	}
	hit := p.sum.Deactivated + p.sum.Zeroed
	if hit == 0 {
		return nil
	}
	base, err := p.inShop(ctx)
	if err != nil {
		return err
	}
	if base == 0 {
		return nil
	}
	share := decimal.NewFromInt(int64(hit)).Div(decimal.NewFromInt(int64(base)))
	if share.GreaterThan(p.st.MaxDeactivateShare) {
		pct := func(d decimal.Decimal) string { return d.Mul(decimal.NewFromInt(100)).Round(1).String() + "%" }
		return fmt.Errorf("%w: store %s: this run would deactivate %d and zero %d of %d items (%s), more than max_deactivate_share %s; "+
			"an empty or broken ERP read is likelier than a real clear-out: check 'erpbridge plan --store %s', then rerun with --force if it is real",
			ErrTooManyDeactivations, p.st.ID, p.sum.Deactivated, p.sum.Zeroed, base, pct(share), pct(p.st.MaxDeactivateShare), p.st.ID)
	}
	return nil
}

// inShop counts the store's products, variants and stock items that are in
// the shop: from the items read, or from the database when only some were
// read (projectChanged).
func (p *projector) inShop(ctx context.Context) (int, error) {
	if p.partial {
		return p.db.CountInShop(ctx, p.st.ID, []string{string(catalog.KindProduct), string(catalog.KindVariant), string(catalog.KindStock)})
	}
	base := 0
	for k, info := range p.items {
		kind, _, _ := strings.Cut(k, "\x00")
		switch catalog.Kind(kind) {
		case catalog.KindProduct, catalog.KindVariant, catalog.KindStock:
			if info.acked || info.shopID != "" {
				base++
			}
		}
	}
	return base, nil
}

// variantAxes are the option names the variants use, sorted, for ERPs that
// do not list a product's axes.
func variantAxes(vs []catalog.Variant) []string {
	seen := map[string]bool{}
	var axes []string
	for _, v := range vs {
		for k := range v.Options {
			if !seen[k] {
				seen[k] = true
				axes = append(axes, k)
			}
		}
	}
	sort.Strings(axes)
	return axes
}
