package vendure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Push applies items: products first, then variants, then prices and stock
// (merged into one updateProductVariants call). Items are matched to the
// shop by SKU (products by the slug derived from their SKU), so pushing the
// same state twice finds and leaves the same entities. A GraphQL error on a
// bulk call is narrowed down by retrying its items one by one; only errors
// that are not about an item's data (rate limits, credentials, network) fail
// the whole call.
func (s *Store) Push(ctx context.Context, items []store.Item) ([]store.Result, error) {
	if len(items) > s.features.BatchSize {
		return nil, fault.Permanentf("vendure: push of %d items exceeds the batch size %d", len(items), s.features.BatchSize)
	}
	if len(items) == 0 {
		return []store.Result{}, nil
	}
	ch, err := s.channel(ctx)
	if err != nil {
		return nil, err
	}
	p := &pusher{s: s, ch: ch, items: items, res: make([]store.Result, len(items)), products: map[string]*apiProduct{}}
	for i, it := range items {
		p.res[i] = store.Result{Kind: it.Kind, SKU: it.SKU}
	}
	var products, variants, levels []int
	for i, it := range items {
		if err := checkItem(it); err != nil {
			p.res[i].Err = err
			continue
		}
		switch it.Kind {
		case catalog.KindProduct:
			products = append(products, i)
		case catalog.KindVariant:
			variants = append(variants, i)
		default:
			levels = append(levels, i)
		}
	}
	for _, i := range products {
		if err := p.product(ctx, i); err != nil {
			return nil, err
		}
	}
	if err := p.variants(ctx, variants); err != nil {
		return nil, err
	}
	if err := p.levels(ctx, levels); err != nil {
		return nil, err
	}
	return p.res, nil
}

// checkItem validates an item's kind, operation and document type.
func checkItem(it store.Item) error {
	if it.SKU == "" {
		return fault.Permanentf("vendure: %s item without a SKU", it.Kind)
	}
	switch it.Op {
	case store.OpUpsert, store.OpDeactivate, store.OpDelete:
	default:
		return fault.Permanentf("vendure: %s %q: unknown operation %q", it.Kind, it.SKU, it.Op)
	}
	switch it.Kind {
	case catalog.KindProduct, catalog.KindVariant:
		d, ok := it.Doc.(*store.ProductDoc)
		if it.Op == store.OpUpsert && (!ok || d == nil) {
			return fault.Permanentf("vendure: %s %q: document is %T, want *store.ProductDoc", it.Kind, it.SKU, it.Doc)
		}
		if ok && d != nil && d.SKU != "" && d.SKU != it.SKU {
			return fault.Permanentf("vendure: %s %q: document SKU %q differs", it.Kind, it.SKU, d.SKU)
		}
		if it.Kind == catalog.KindVariant && it.Op == store.OpUpsert && d.ParentSKU == "" {
			return fault.Permanentf("vendure: variant %q has no parent SKU", it.SKU)
		}
		if it.Kind == catalog.KindProduct && ok && d != nil && d.ParentSKU != "" {
			return fault.Permanentf("vendure: product %q has a parent SKU %q; push it as a variant", it.SKU, d.ParentSKU)
		}
	case catalog.KindPrice, catalog.KindStock:
		if it.Op != store.OpUpsert {
			return fault.Permanentf("vendure: %s %q: operation %q is not supported for %s", it.Kind, it.SKU, it.Op, it.Kind)
		}
		if it.Kind == catalog.KindPrice {
			if d, ok := it.Doc.(*store.PriceDoc); !ok || d == nil {
				return fault.Permanentf("vendure: price %q: document is %T, want *store.PriceDoc", it.SKU, it.Doc)
			}
		} else if d, ok := it.Doc.(*store.StockDoc); !ok || d == nil {
			return fault.Permanentf("vendure: stock %q: document is %T, want *store.StockDoc", it.SKU, it.Doc)
		}
	default:
		return fault.Permanentf("vendure: %s %q: the adapter does not push %s", it.Kind, it.SKU, it.Kind)
	}
	return nil
}

// pusher is the state of one Push call.
type pusher struct {
	s     *Store
	ch    *channelInfo
	items []store.Item
	res   []store.Result
	// products caches products by slug for this call.
	products map[string]*apiProduct
}

// itemErr records err for item i when it concerns only that item and returns
// nil; any other error is returned to fail the whole call.
func (p *pusher) itemErr(i int, err error) error {
	if err == nil {
		return nil
	}
	if fault.IsPermanent(err) {
		p.res[i].Err = err
		p.s.log.Debug("vendure: item refused",
			slog.String("kind", string(p.items[i].Kind)),
			slog.String("sku", p.items[i].SKU),
			slog.String("reason", err.Error()))
		return nil
	}
	return err
}

// slugFor derives a product's slug from its SKU, reversibly (see
// skuFromSlug) and in a form Vendure keeps as it is: "p-", then upper-case
// letters lowered, digits and single inner hyphens as they are, and any
// other byte (lower-case letters too) as "_" and two hex digits.
func slugFor(sku string) string {
	var b strings.Builder
	b.WriteString("p-")
	prevHyphen := true
	for i := 0; i < len(sku); i++ {
		c := sku[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
			prevHyphen = false
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevHyphen = false
		case c == '-' && !prevHyphen && i < len(sku)-1:
			b.WriteByte(c)
			prevHyphen = true
		default:
			fmt.Fprintf(&b, "_%02x", c)
			prevHyphen = false
		}
	}
	return b.String()
}

// skuFromSlug reverses slugFor; ok is false for a slug slugFor did not make.
func skuFromSlug(slug string) (string, bool) {
	rest, found := strings.CutPrefix(slug, "p-")
	if !found || rest == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= '0' && c <= '9' || c == '-':
			b.WriteByte(c)
		case c == '_' && i+2 < len(rest):
			v, err := strconv.ParseUint(rest[i+1:i+3], 16, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			return "", false
		}
	}
	sku := b.String()
	if slugFor(sku) != slug {
		return "", false
	}
	return sku, true
}

// codeFor derives an option or option group code from its name. Options
// and groups are matched by name; the code is only what Vendure requires.
func codeFor(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "option"
	}
	return b.String()
}

// findProduct finds a product by its shop id (when known and still there)
// or by the slug of its SKU; nil when the shop has none.
func (p *pusher) findProduct(ctx context.Context, sku, shopID string) (*apiProduct, error) {
	slug := slugFor(sku)
	if pr, ok := p.products[slug]; ok {
		return pr, nil
	}
	var out struct {
		Product *apiProduct `json:"product"`
	}
	if shopID != "" {
		if err := p.s.admin.call(ctx, "product", p.s.q.productByID, map[string]any{"id": shopID}, &out); err != nil {
			return nil, err
		}
		if out.Product == nil {
			// The id came from an earlier push or from binding: the product
			// was deleted in the shop: the engine unbinds it (audited) and
			// pushes it again without the id.
			return nil, store.NotInShop(fmt.Errorf("vendure: product %q: shop id %s is not in the shop", sku, shopID))
		}
	} else if err := p.s.admin.call(ctx, "product", p.s.q.productBySlug, map[string]any{"slug": slug}, &out); err != nil {
		return nil, err
	}
	if out.Product != nil {
		p.products[slug] = out.Product
	}
	return out.Product, nil
}

// variantsBySKU reads the variants with the given SKUs.
func (p *pusher) variantsBySKU(ctx context.Context, skus []string) (map[string][]apiVariant, error) {
	m := map[string][]apiVariant{}
	if len(skus) == 0 {
		return m, nil
	}
	var out struct {
		ProductVariants struct {
			Items []apiVariant `json:"items"`
		} `json:"productVariants"`
	}
	// Vendure allows the same SKU on several variants; take enough to see it.
	vars := map[string]any{"skus": skus, "take": 4*len(skus) + 10}
	if err := p.s.admin.call(ctx, "variants by sku", p.s.q.variantsBySKU, vars, &out); err != nil {
		return nil, err
	}
	for _, v := range out.ProductVariants.Items {
		m[v.SKU] = append(m[v.SKU], v)
	}
	return m, nil
}

// oneVariant picks the single variant with sku; several is a Permanent error.
func oneVariant(m map[string][]apiVariant, sku string) (*apiVariant, error) {
	vs := m[sku]
	switch len(vs) {
	case 0:
		return nil, nil
	case 1:
		return &vs[0], nil
	default:
		ids := make([]string, len(vs))
		for i, v := range vs {
			ids[i] = v.ID
		}
		return nil, fault.Permanentf("vendure: SKU %q is on %d variants (%s); make it unique in the shop", sku, len(vs), strings.Join(ids, ", "))
	}
}

// taxCategory maps a VAT rate to the tax category whose rate in the
// channel's default tax zone has that value. A zero rate means "not given"
// and keeps the channel's default category.
func (p *pusher) taxCategory(sku string, rate decimal.Decimal) (string, error) {
	if rate.IsZero() {
		return "", nil
	}
	id, ok := p.ch.taxCategories[rate.String()]
	if !ok {
		return "", fault.Permanentf("vendure: %q: no tax rate of %s%% in the channel's default tax zone", sku, rate.String())
	}
	return id, nil
}

func (p *pusher) translation(name string) map[string]any {
	return map[string]any{"languageCode": p.s.conn.LanguageCode, "name": name}
}

// product applies one product item.
func (p *pusher) product(ctx context.Context, i int) error {
	it := p.items[i]
	shopID := it.ShopID
	if it.Op == store.OpDelete {
		shopID = "" // gone already is fine
	}
	pr, err := p.findProduct(ctx, it.SKU, shopID)
	if err != nil {
		return p.itemErr(i, err)
	}
	switch it.Op {
	case store.OpDeactivate:
		if pr == nil {
			return nil
		}
		p.res[i].ShopID = pr.ID
		if !pr.Enabled {
			return nil
		}
		err := p.s.admin.call(ctx, "update product", p.s.q.updateProduct,
			map[string]any{"input": map[string]any{"id": pr.ID, "enabled": false}}, nil)
		if err == nil {
			pr.Enabled = false
		}
		return p.itemErr(i, err)
	case store.OpDelete:
		if pr == nil {
			return nil
		}
		var out struct {
			DeleteProduct deletion `json:"deleteProduct"`
		}
		if err := p.s.admin.call(ctx, "delete product", deleteProductMutation, map[string]any{"id": pr.ID}, &out); err != nil {
			return p.itemErr(i, err)
		}
		if out.DeleteProduct.Result != "DELETED" {
			return p.itemErr(i, fault.Permanentf("vendure: delete product %q: %s", it.SKU, out.DeleteProduct.Message))
		}
		delete(p.products, slugFor(it.SKU))
		return nil
	}
	d := it.Doc.(*store.ProductDoc)
	if len(d.Axes) > p.s.features.MaxVariantAxes {
		return p.itemErr(i, fault.Permanentf("vendure: product %q has %d axes; at most %d", it.SKU, len(d.Axes), p.s.features.MaxVariantAxes))
	}
	taxID, err := p.taxCategory(it.SKU, d.VATRate)
	if err != nil {
		return p.itemErr(i, err)
	}
	name := d.Name
	if pr != nil && len(d.Keep) > 0 {
		// Fields the store owns stay as the shop has them.
		kept := *d
		if slices.Contains(d.Keep, "name") {
			name = pr.Name
		}
		if slices.Contains(d.Keep, "description") {
			kept.Description = pr.Description
		}
		d = &kept
	}
	if name == "" {
		name = it.SKU
	}
	tr := p.translation(name)
	tr["slug"] = slugFor(it.SKU)
	tr["description"] = d.Description
	ean := p.s.conn.EANCustomField
	if pr == nil {
		var out struct {
			CreateProduct apiProduct `json:"createProduct"`
		}
		in := map[string]any{"enabled": d.Active, "translations": []any{tr}}
		if ean != "" {
			in["customFields"] = map[string]any{ean: d.EAN}
		}
		if err := p.s.admin.call(ctx, "create product", p.s.q.createProduct, map[string]any{"input": in}, &out); err != nil {
			return p.itemErr(i, err)
		}
		pr = &out.CreateProduct
		if pr.Slug != slugFor(it.SKU) {
			return p.itemErr(i, fault.Permanentf("vendure: product %q got slug %q instead of %q", it.SKU, pr.Slug, slugFor(it.SKU)))
		}
		p.products[pr.Slug] = pr
	} else if pr.Name != name || pr.Description != d.Description || pr.Enabled != d.Active || customString(pr.CustomFields, ean) != d.EAN && ean != "" {
		in := map[string]any{"id": pr.ID, "enabled": d.Active, "translations": []any{tr}}
		if ean != "" {
			in["customFields"] = map[string]any{ean: d.EAN}
			pr.CustomFields = map[string]any{ean: d.EAN}
		}
		if err := p.s.admin.call(ctx, "update product", p.s.q.updateProduct, map[string]any{"input": in}, nil); err != nil {
			return p.itemErr(i, err)
		}
		pr.Name, pr.Description, pr.Enabled = name, d.Description, d.Active
	}
	p.res[i].ShopID = pr.ID
	for _, axis := range d.Axes {
		if _, err := p.optionGroup(ctx, pr, axis); err != nil {
			p.res[i].ShopID = ""
			return p.itemErr(i, err)
		}
	}
	if len(d.Axes) > 0 {
		return nil
	}
	// A product without axes is sold through one variant under its own SKU.
	vs, err := p.variantsBySKU(ctx, []string{it.SKU})
	if err != nil {
		p.res[i].ShopID = ""
		return p.itemErr(i, err)
	}
	v, err := oneVariant(vs, it.SKU)
	var w *variantWrite
	if err == nil {
		w, err = p.variantInput(i, variantSpec{sku: it.SKU, name: name, ean: d.EAN, enabled: d.Active, taxID: taxID}, pr, v)
	}
	if err != nil {
		p.res[i].ShopID = ""
		return p.itemErr(i, err)
	}
	if w == nil {
		return nil
	}
	w.keepShopID = true // the product's id, not its variant's
	return p.writeVariants(ctx, []variantWrite{*w})
}

// variantSpec is the desired state of one variant.
type variantSpec struct {
	sku, name, ean string
	enabled        bool
	taxID          string
	// optionIDs are the variant's options; nil for the one variant of a
	// product without axes.
	optionIDs []string
}

// variantWrite is one createProductVariants or updateProductVariants input
// for item i.
type variantWrite struct {
	i      int
	in     map[string]any
	create bool
	// keepShopID leaves the item's ShopID as it is (a product's id) instead
	// of the created variant's.
	keepShopID bool
}

// variantInput returns the write that creates the variant w.sku of product
// pr, or brings v (the existing one) to the desired state; nil when v is
// as desired already.
func (p *pusher) variantInput(i int, w variantSpec, pr *apiProduct, v *apiVariant) (*variantWrite, error) {
	ean := p.s.conn.EANCustomField
	if v == nil {
		in := map[string]any{
			"productId":    pr.ID,
			"sku":          w.sku,
			"enabled":      w.enabled,
			"translations": []any{p.translation(w.name)},
			"optionIds":    nonNil(w.optionIDs),
		}
		if w.taxID != "" {
			in["taxCategoryId"] = w.taxID
		}
		if ean != "" {
			in["customFields"] = map[string]any{ean: w.ean}
		}
		return &variantWrite{i: i, in: in, create: true}, nil
	}
	if v.ProductID != pr.ID {
		return nil, fault.Permanentf("vendure: SKU %q is already a variant of another product (id %s)", w.sku, v.ProductID)
	}
	in := map[string]any{"id": v.ID}
	if v.Name != w.name {
		in["translations"] = []any{p.translation(w.name)}
	}
	if v.Enabled != w.enabled {
		in["enabled"] = w.enabled
	}
	if w.taxID != "" && v.TaxCategory.ID != w.taxID {
		in["taxCategoryId"] = w.taxID
	}
	if w.optionIDs != nil && !sameIDs(w.optionIDs, v.Options) {
		in["optionIds"] = w.optionIDs
	}
	if ean != "" && customString(v.CustomFields, ean) != w.ean {
		in["customFields"] = map[string]any{ean: w.ean}
	}
	if len(in) == 1 {
		return nil, nil
	}
	return &variantWrite{i: i, in: in}, nil
}

// writeVariants sends ws as one createProductVariants and one
// updateProductVariants call. When a call fails for its data, its inputs
// are sent one by one so only the bad ones fail.
func (p *pusher) writeVariants(ctx context.Context, ws []variantWrite) error {
	var creates, updates []variantWrite
	for _, w := range ws {
		if w.create {
			creates = append(creates, w)
		} else {
			updates = append(updates, w)
		}
	}
	if err := p.sendVariants(ctx, "create variants", p.s.q.createVariants, "createProductVariants", creates); err != nil {
		return err
	}
	return p.sendVariants(ctx, "update variants", updateVariantsMutation, "updateProductVariants", updates)
}

func (p *pusher) sendVariants(ctx context.Context, op, query, key string, ws []variantWrite) error {
	if len(ws) == 0 {
		return nil
	}
	send := func(ws []variantWrite) error {
		ins := make([]any, len(ws))
		for k, w := range ws {
			ins[k] = w.in
		}
		var out map[string][]*struct {
			ID string `json:"id"`
		}
		if err := p.s.admin.call(ctx, op, query, map[string]any{"input": ins}, &out); err != nil {
			return err
		}
		got := out[key]
		for k, w := range ws {
			switch {
			case k >= len(got) || got[k] == nil || got[k].ID == "":
				p.res[w.i].ShopID = ""
				p.res[w.i].Err = fault.Permanentf("vendure: %s %q: the server returned no variant", op, p.items[w.i].SKU)
			case !w.keepShopID:
				p.res[w.i].ShopID = got[k].ID
			}
		}
		return nil
	}
	err := send(ws)
	if err == nil || !narrowable(err) {
		return err
	}
	for _, w := range ws {
		err := send([]variantWrite{w})
		if err != nil {
			if !fault.IsPermanent(err) {
				return err
			}
			p.res[w.i].ShopID = ""
			p.res[w.i].Err = err
		}
	}
	return nil
}

// narrowable reports whether a failed bulk call is worth retrying item by
// item: the server refused its data (Permanent) or answered with a GraphQL
// error, rather than being unreachable, throttling or refusing the login.
func narrowable(err error) bool {
	if fault.IsFatal(err) {
		return false
	}
	var re *requestError
	return fault.IsPermanent(err) || errors.As(err, &re)
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func sameIDs(ids []string, opts []apiOption) bool {
	if len(ids) != len(opts) {
		return false
	}
	a := append([]string(nil), ids...)
	b := make([]string, len(opts))
	for i, o := range opts {
		b[i] = o.ID
	}
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// optionGroup returns product pr's option group for axis, creating it and
// adding it to the product when missing.
func (p *pusher) optionGroup(ctx context.Context, pr *apiProduct, axis string) (*apiOptionGroup, error) {
	code := codeFor(axis)
	for k := range pr.OptionGroups {
		g := &pr.OptionGroups[k]
		if g.Name == axis {
			return g, nil
		}
	}
	var out struct {
		Group apiOptionGroup `json:"createProductOptionGroup"`
	}
	in := map[string]any{"code": code, "translations": []any{p.translation(axis)}, "options": []any{}}
	if err := p.s.admin.call(ctx, "create option group", createOptionGroupMutation, map[string]any{"input": in}, &out); err != nil {
		return nil, err
	}
	if err := p.s.admin.call(ctx, "add option group", addOptionGroupMutation,
		map[string]any{"productId": pr.ID, "groupId": out.Group.ID}, nil); err != nil {
		return nil, err
	}
	pr.OptionGroups = append(pr.OptionGroups, out.Group)
	return &pr.OptionGroups[len(pr.OptionGroups)-1], nil
}

// option returns the option named value in group g, creating it when missing.
func (p *pusher) option(ctx context.Context, g *apiOptionGroup, value string) (string, error) {
	code := codeFor(value)
	for _, o := range g.Options {
		if o.Name == value {
			return o.ID, nil
		}
	}
	var out struct {
		Option apiOption `json:"createProductOption"`
	}
	in := map[string]any{"productOptionGroupId": g.ID, "code": code, "translations": []any{p.translation(value)}}
	if err := p.s.admin.call(ctx, "create option", createOptionMutation, map[string]any{"input": in}, &out); err != nil {
		return "", err
	}
	g.Options = append(g.Options, out.Option)
	return out.Option.ID, nil
}

// variants applies variant items: one lookup of all their SKUs, then each
// item's options, and the variant created or updated.
func (p *pusher) variants(ctx context.Context, idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	skus := make([]string, 0, len(idx))
	for _, i := range idx {
		skus = append(skus, p.items[i].SKU)
	}
	existing, err := p.variantsBySKU(ctx, skus)
	if err != nil {
		return err
	}
	var ws []variantWrite
	for _, i := range idx {
		w, err := p.variant(ctx, i, existing)
		if err != nil {
			return err
		}
		if w != nil {
			ws = append(ws, *w)
		}
	}
	return p.writeVariants(ctx, ws)
}

// variant prepares variant item i: options made where missing, and the
// write that brings the variant to the desired state (nil when none is
// needed or the item failed). A returned error fails the whole call.
func (p *pusher) variant(ctx context.Context, i int, existing map[string][]apiVariant) (*variantWrite, error) {
	it := p.items[i]
	v, err := oneVariant(existing, it.SKU)
	if err == nil && it.ShopID != "" && it.Op != store.OpDelete && (v == nil || v.ID != it.ShopID) {
		err = fmt.Errorf("vendure: variant %q: shop id %s is not in the shop under this SKU", it.SKU, it.ShopID)
		if v == nil {
			err = store.NotInShop(err)
		} else {
			err = fault.Permanent(err)
		}
	}
	if err != nil {
		return nil, p.itemErr(i, err)
	}
	switch it.Op {
	case store.OpDeactivate:
		if v == nil {
			return nil, nil
		}
		p.res[i].ShopID = v.ID
		if !v.Enabled {
			return nil, nil
		}
		return &variantWrite{i: i, in: map[string]any{"id": v.ID, "enabled": false}}, nil
	case store.OpDelete:
		if v == nil {
			return nil, nil
		}
		var out struct {
			DeleteProductVariant deletion `json:"deleteProductVariant"`
		}
		if err := p.s.admin.call(ctx, "delete variant", deleteVariantMutation, map[string]any{"id": v.ID}, &out); err != nil {
			return nil, p.itemErr(i, err)
		}
		if out.DeleteProductVariant.Result != "DELETED" {
			return nil, p.itemErr(i, fault.Permanentf("vendure: delete variant %q: %s", it.SKU, out.DeleteProductVariant.Message))
		}
		return nil, nil
	}
	d := it.Doc.(*store.ProductDoc)
	pr, err := p.findProduct(ctx, d.ParentSKU, "")
	if err != nil {
		return nil, p.itemErr(i, err)
	}
	if pr == nil {
		// The engine pushes products before their variants: a parent that
		// is not there is a data problem to look at, not a wait.
		return nil, p.itemErr(i, fault.Permanentf("vendure: variant %q: parent product %q is not in the shop; push it first", it.SKU, d.ParentSKU))
	}
	if len(d.Options) > p.s.features.MaxVariantAxes {
		return nil, p.itemErr(i, fault.Permanentf("vendure: variant %q has %d options; at most %d", it.SKU, len(d.Options), p.s.features.MaxVariantAxes))
	}
	axes := make([]string, 0, len(d.Options))
	for a := range d.Options {
		axes = append(axes, a)
	}
	sort.Strings(axes)
	optionIDs := make([]string, 0, len(axes))
	for _, a := range axes {
		if d.Options[a] == "" {
			return nil, p.itemErr(i, fault.Permanentf("vendure: variant %q: option %q has no value", it.SKU, a))
		}
		g, err := p.optionGroup(ctx, pr, a)
		if err != nil {
			return nil, p.itemErr(i, err)
		}
		id, err := p.option(ctx, g, d.Options[a])
		if err != nil {
			return nil, p.itemErr(i, err)
		}
		optionIDs = append(optionIDs, id)
	}
	taxID, err := p.taxCategory(it.SKU, d.VATRate)
	if err != nil {
		return nil, p.itemErr(i, err)
	}
	name := d.Name
	if v != nil && slices.Contains(d.Keep, "name") {
		name = v.Name
	}
	if name == "" {
		name = pr.Name + " " + strings.Join(optionValues(d.Options, axes), " ")
	}
	if v != nil {
		p.res[i].ShopID = v.ID
	}
	w, err := p.variantInput(i, variantSpec{sku: it.SKU, name: name, ean: d.EAN, enabled: d.Active, taxID: taxID, optionIDs: optionIDs}, pr, v)
	if err != nil {
		p.res[i].ShopID = ""
		return nil, p.itemErr(i, err)
	}
	return w, nil
}

func optionValues(opts map[string]string, axes []string) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		out[i] = opts[a]
	}
	return out
}

// levels applies price and stock items with one updateProductVariants call
// for all of them; a GraphQL error on it is narrowed down item by item.
func (p *pusher) levels(ctx context.Context, idx []int) error {
	if len(idx) == 0 {
		return nil
	}
	skus := make([]string, 0, len(idx))
	for _, i := range idx {
		skus = append(skus, p.items[i].SKU)
	}
	existing, err := p.variantsBySKU(ctx, skus)
	if err != nil {
		return err
	}
	type update struct {
		in    map[string]any
		items []int
	}
	byID := map[string]*update{}
	var order []string
	for _, i := range idx {
		it := p.items[i]
		v, err := oneVariant(existing, it.SKU)
		if err == nil && v == nil {
			err = fmt.Errorf("vendure: %s for unknown SKU %q: no variant has it", it.Kind, it.SKU)
			if it.ShopID != "" {
				err = store.NotInShop(err) // its product was deleted in the shop
			} else {
				err = fault.Permanent(err)
			}
		}
		if err != nil {
			p.res[i].Err = err
			continue
		}
		field, value, err := p.level(it, v)
		if err != nil {
			p.res[i].Err = err
			continue
		}
		p.res[i].ShopID = v.ID
		if field == "" {
			continue // already as desired
		}
		u := byID[v.ID]
		if u == nil {
			u = &update{in: map[string]any{"id": v.ID}}
			byID[v.ID] = u
			order = append(order, v.ID)
		}
		u.in[field] = value
		u.items = append(u.items, i)
	}
	if len(order) == 0 {
		return nil
	}
	ins := make([]any, len(order))
	for k, id := range order {
		ins[k] = byID[id].in
	}
	err = p.s.admin.call(ctx, "update variants", updateVariantsMutation, map[string]any{"input": ins}, nil)
	if err == nil {
		return nil
	}
	if !narrowable(err) {
		return err
	}
	// One bad input fails the whole bulk call: find it.
	for _, id := range order {
		u := byID[id]
		err := p.s.admin.call(ctx, "update variants", updateVariantsMutation, map[string]any{"input": []any{u.in}}, nil)
		if err != nil && !fault.IsPermanent(err) {
			return err
		}
		for _, i := range u.items {
			if err != nil {
				p.res[i].ShopID = ""
				p.res[i].Err = err
			}
		}
	}
	return nil
}

// level returns the updateProductVariants field and value for a price or
// stock item; field is "" when the variant already has the desired value.
func (p *pusher) level(it store.Item, v *apiVariant) (string, any, error) {
	if it.Kind == catalog.KindPrice {
		d := it.Doc.(*store.PriceDoc)
		if !strings.EqualFold(d.Currency, p.ch.currency) {
			return "", nil, fault.Permanentf("vendure: price %q is in %q but the channel sells in %s", it.SKU, d.Currency, p.ch.currency)
		}
		if d.Gross != p.ch.pricesIncludeTax {
			return "", nil, fault.Permanentf("vendure: price %q: gross=%t but the channel's pricesIncludeTax is %t", it.SKU, d.Gross, p.ch.pricesIncludeTax)
		}
		minor, err := toMinor(d.Regular, p.ch.currency, p.ch.precision)
		if err != nil {
			return "", nil, fmt.Errorf("price %q: %w", it.SKU, err)
		}
		current := v.Price
		if p.ch.pricesIncludeTax {
			current = v.PriceWithTax
		}
		if string(current) == fmt.Sprint(minor) {
			return "", nil, nil
		}
		return "price", minor, nil
	}
	d := it.Doc.(*store.StockDoc)
	// Vendure takes whole units. Never show more than there is: round down,
	// and show nothing for negative stock.
	q := d.Quantity.Floor()
	if q.IsNegative() {
		q = decimal.Zero
	}
	if q.GreaterThan(decimal.NewFromInt(1<<31 - 1)) {
		return "", nil, fault.Permanentf("vendure: stock %q: quantity %s is too large", it.SKU, d.Quantity.String())
	}
	n := q.IntPart()
	if v.StockOnHand == n {
		return "", nil, nil
	}
	return "stockOnHand", n, nil
}
