package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// loc is where a product (parent 0) or variation lives.
type loc struct {
	parent, id int
	// typ is WooCommerce's product type when known ("variation", "simple", "variable").
	typ string
}

func (l loc) shopID() string {
	if l.parent != 0 {
		return strconv.Itoa(l.parent) + "/" + strconv.Itoa(l.id)
	}
	return strconv.Itoa(l.id)
}

// parseShopID reads "123" or "123/456".
func parseShopID(s string) (loc, error) {
	a, b, two := strings.Cut(s, "/")
	p, err := strconv.Atoi(a)
	if err != nil || p <= 0 {
		return loc{}, fault.Permanentf("woocommerce: shop id %q is not a WooCommerce id (\"123\" or \"123/456\")", s)
	}
	if !two {
		return loc{id: p}, nil
	}
	v, err := strconv.Atoi(b)
	if err != nil || v <= 0 {
		return loc{}, fault.Permanentf("woocommerce: shop id %q is not a WooCommerce id (\"123\" or \"123/456\")", s)
	}
	return loc{parent: p, id: v, typ: "variation"}, nil
}

// Slug is the category slug the adapter uses for a category code: lowercase
// letters and digits, runs of anything else turned into one hyphen, as
// WordPress sanitizes slugs (for ASCII codes).
func Slug(code string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(code) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// run is one Push call's state.
type run struct {
	s     *Store
	items []store.Item
	res   []store.Result
	// known maps SKUs to where they are: looked up at the start, then
	// updated with what this push created.
	known map[string]loc
	// catsRefreshed is set once the category cache was reloaded in this push.
	catsRefreshed bool
}

func (r *run) fail(i int, err error) { r.res[i].Err = err }

func (r *run) ok(i int, shopID string) { r.res[i].ShopID, r.res[i].Err = shopID, nil }

// Push implements store.Store. Items go in phases: categories (parents
// before children), products, variants (parents' variation attributes
// first), then prices and stock; each phase uses the batch endpoints. Items
// without a shop id are looked up by SKU first, so pushing the same state
// twice updates instead of creating duplicates, and an unchanged object is
// not changed in the shop.
func (s *Store) Push(ctx context.Context, items []store.Item) ([]store.Result, error) {
	if len(items) > s.conn.BatchSize {
		return nil, fault.Permanentf("woocommerce: push of %d items exceeds the batch size %d (nothing applied)", len(items), s.conn.BatchSize)
	}
	r := &run{s: s, items: items, res: make([]store.Result, len(items)), known: map[string]loc{}}
	for i, it := range items {
		r.res[i] = store.Result{Kind: it.Kind, SKU: it.SKU}
		if it.Kind == catalog.KindCategory {
			continue
		}
		if !s.Features().Pushes(it.Kind) {
			r.fail(i, fault.Permanentf("woocommerce: %s items are not pushed to WooCommerce", it.Kind))
		}
	}
	if err := r.lookup(ctx); err != nil {
		return nil, err
	}
	for _, phase := range []func(context.Context) error{r.categories, r.products, r.variants, r.pricesAndStock} {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("woocommerce: push: %w", err)
		}
		if err := phase(ctx); err != nil {
			return nil, err
		}
	}
	return r.res, nil
}

// lookup finds, by SKU, every item that has no shop id and every variant's
// parent.
func (r *run) lookup(ctx context.Context) error {
	var skus []string
	seen := map[string]bool{}
	add := func(sku string) {
		if sku != "" && !seen[sku] {
			seen[sku] = true
			skus = append(skus, sku)
		}
	}
	for i, it := range r.items {
		if r.res[i].Err != nil || it.Kind == catalog.KindCategory {
			continue
		}
		if it.ShopID == "" {
			add(it.SKU)
		}
		if d, ok := it.Doc.(*store.ProductDoc); ok && d != nil && it.Kind == catalog.KindVariant {
			add(d.ParentSKU)
		}
	}
	found, err := r.s.findSKUs(ctx, skus)
	if err != nil {
		return err
	}
	r.known = found
	return nil
}

// findSKUs looks SKUs up with GET /products?sku=a,b (which WooCommerce
// answers with products and variations).
func (s *Store) findSKUs(ctx context.Context, skus []string) (map[string]loc, error) {
	out := map[string]loc{}
	for chunk := range slices.Chunk(skus, 50) {
		for pageNo := 1; ; pageNo++ {
			var got []wcProduct
			q := url.Values{"sku": {strings.Join(chunk, ",")}, "per_page": {"100"}, "page": {strconv.Itoa(pageNo)}}
			h, err := s.call(ctx, http.MethodGet, "/products", q, nil, &got)
			if err != nil {
				return nil, err
			}
			for _, p := range got {
				if p.SKU == "" {
					continue
				}
				l := loc{id: p.ID, typ: p.Type}
				if p.Type == "variation" {
					l.parent = p.ParentID
				}
				out[p.SKU] = l
			}
			if !pageInfo(h).hasNext(pageNo, len(got), 100) {
				break
			}
		}
	}
	return out, nil
}

// goneOrPermanent is err for an item the shop lacks: store.ErrNotInShop
// when the item named its shop id, else a plain Permanent error.
func goneOrPermanent(it store.Item, err error) error {
	if it.ShopID != "" {
		return store.NotInShop(err)
	}
	return fault.Permanent(err)
}

// itemError classifies a batch item's error.
func itemError(what string, we *wpError) error {
	err := fmt.Errorf("woocommerce: %s: %s: %s", what, we.Code, we.Message)
	st := we.Data.Status
	switch {
	case strings.HasSuffix(we.Code, "_invalid_id"):
		// woocommerce_rest_product_invalid_id and the like: the id the
		// update named is gone (batch creates name no id).
		return store.NotInShop(err)
	case st == http.StatusTooManyRequests || st == http.StatusRequestTimeout || st == http.StatusConflict:
		return err
	case st >= 400 && st < 500:
		return fault.Permanent(err)
	case st == 0 && (strings.Contains(we.Code, "invalid") || strings.HasPrefix(we.Code, "rest_")):
		return fault.Permanent(err)
	}
	return err
}

// batchOp is one object of a batch call and the item it belongs to.
type batchOp struct {
	item int
	obj  map[string]any // create/update
	id   int            // delete
}

// sendBatch posts create, update and delete ops to path in calls of at most
// the batch size and hands each result to done (entry, or an item error).
func (r *run) sendBatch(ctx context.Context, path string, creates, updates, deletes []batchOp, done func(op batchOp, e batchEntry, err error)) error {
	limit := r.s.conn.BatchSize
	type part struct {
		key string
		ops []batchOp
	}
	parts := []part{{"create", creates}, {"update", updates}, {"delete", deletes}}
	for {
		body := map[string]any{}
		var sent []part
		n := 0
		for pi := range parts {
			p := &parts[pi]
			take := min(len(p.ops), limit-n)
			if take == 0 {
				continue
			}
			ops := p.ops[:take]
			p.ops = p.ops[take:]
			n += take
			if p.key == "delete" {
				ids := make([]int, len(ops))
				for i, op := range ops {
					ids[i] = op.id
				}
				body[p.key] = ids
			} else {
				objs := make([]map[string]any, len(ops))
				for i, op := range ops {
					objs[i] = op.obj
				}
				body[p.key] = objs
			}
			sent = append(sent, part{p.key, ops})
		}
		if n == 0 {
			return nil
		}
		var resp batchResponse
		if _, err := r.s.call(ctx, http.MethodPost, path, nil, body, &resp); err != nil {
			return err
		}
		for _, p := range sent {
			var entries []batchEntry
			switch p.key {
			case "create":
				entries = resp.Create
			case "update":
				entries = resp.Update
			default:
				entries = resp.Delete
			}
			if len(entries) != len(p.ops) {
				return fmt.Errorf("woocommerce: POST %s: %d %s results for %d objects", path, len(entries), p.key, len(p.ops))
			}
			for i, op := range p.ops {
				e := entries[i]
				if e.Error != nil {
					done(op, e, itemError(p.key+" "+r.items[op.item].SKU, e.Error))
					continue
				}
				done(op, e, nil)
			}
		}
	}
}

// Categories.

func (s *Store) categoryID(slug string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.categories[slug]
	return id, ok
}

func (s *Store) setCategory(slug string, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == 0 {
		delete(s.categories, slug)
		return
	}
	s.categories[slug] = id
}

// refreshCategories reloads the slug → id cache from the shop.
func (r *run) refreshCategories(ctx context.Context) error {
	if r.catsRefreshed {
		return nil
	}
	all := map[string]int{}
	for pageNo := 1; ; pageNo++ {
		var got []wcCategory
		q := url.Values{"per_page": {"100"}, "page": {strconv.Itoa(pageNo)}}
		h, err := r.s.call(ctx, http.MethodGet, "/products/categories", q, nil, &got)
		if err != nil {
			return err
		}
		for _, c := range got {
			all[c.Slug] = c.ID
		}
		if !pageInfo(h).hasNext(pageNo, len(got), 100) {
			break
		}
	}
	r.s.mu.Lock()
	r.s.categories = all
	r.s.mu.Unlock()
	r.catsRefreshed = true
	return nil
}

// resolveCategory returns the id of the category with code, reloading the
// cache once per push on a miss.
func (r *run) resolveCategory(ctx context.Context, code string) (int, bool, error) {
	slug := Slug(code)
	if id, ok := r.s.categoryID(slug); ok {
		return id, true, nil
	}
	if err := r.refreshCategories(ctx); err != nil {
		return 0, false, err
	}
	id, ok := r.s.categoryID(slug)
	return id, ok, nil
}

func (r *run) categories(ctx context.Context) error {
	var pending []int
	for i, it := range r.items {
		if it.Kind != catalog.KindCategory || r.res[i].Err != nil {
			continue
		}
		d, ok := it.Doc.(*store.CategoryDoc)
		switch {
		case it.Op == store.OpUpsert && (!ok || d == nil):
			r.fail(i, fault.Permanentf("woocommerce: category %q: document is %T, want *store.CategoryDoc", it.SKU, it.Doc))
		case it.Op == store.OpUpsert && (Slug(d.Code) == "" || strings.TrimSpace(d.Name) == ""):
			r.fail(i, fault.Permanentf("woocommerce: category %q: code and name are required (the code becomes the slug)", it.SKU))
		case it.Op != store.OpUpsert && it.Op != store.OpDeactivate && it.Op != store.OpDelete:
			r.fail(i, fault.Permanentf("woocommerce: category %q: unknown operation %q", it.SKU, it.Op))
		default:
			pending = append(pending, i)
		}
	}
	// Rounds: each sends the categories whose parent is already in the shop.
	for len(pending) > 0 {
		var creates, updates, deletes []batchOp
		var waiting []int
		for _, i := range pending {
			it := r.items[i]
			code := it.SKU
			if d, ok := it.Doc.(*store.CategoryDoc); ok && d != nil && d.Code != "" {
				code = d.Code
			}
			id := 0
			if it.ShopID != "" {
				l, err := parseShopID(it.ShopID)
				if err != nil || l.parent != 0 {
					r.fail(i, fault.Permanentf("woocommerce: category %q: shop id %q is not a category id", code, it.ShopID))
					continue
				}
				id = l.id
			} else {
				got, ok, err := r.resolveCategory(ctx, code)
				if err != nil {
					return err
				}
				if ok {
					id = got
				}
			}
			switch it.Op {
			case store.OpDeactivate:
				if id == 0 {
					r.fail(i, fault.Permanentf("woocommerce: category %q is not in the shop", code))
				} else {
					r.ok(i, strconv.Itoa(id))
				}
				continue
			case store.OpDelete:
				if id == 0 {
					r.fail(i, fault.Permanentf("woocommerce: category %q is not in the shop", code))
					continue
				}
				deletes = append(deletes, batchOp{item: i, id: id})
				continue
			}
			d := it.Doc.(*store.CategoryDoc)
			parent := 0
			if d.ParentCode != "" {
				pid, ok, err := r.resolveCategory(ctx, d.ParentCode)
				if err != nil {
					return err
				}
				if !ok {
					waiting = append(waiting, i)
					continue
				}
				parent = pid
			}
			obj := map[string]any{"name": d.Name, "slug": Slug(d.Code), "parent": parent}
			if id != 0 {
				obj["id"] = id
				updates = append(updates, batchOp{item: i, obj: obj})
			} else {
				creates = append(creates, batchOp{item: i, obj: obj})
			}
		}
		if len(creates)+len(updates)+len(deletes) == 0 {
			for _, i := range waiting {
				d := r.items[i].Doc.(*store.CategoryDoc)
				r.fail(i, fault.Permanentf("woocommerce: category %q: parent category %q is not in the shop", d.Code, d.ParentCode))
			}
			return nil
		}
		err := r.sendBatch(ctx, "/products/categories/batch", creates, updates, deletes, func(op batchOp, e batchEntry, err error) {
			it := r.items[op.item]
			if err != nil {
				if e.Error != nil && e.Error.Code == "term_exists" {
					// A category with this name under this parent exists
					// with another slug. Taking it over would change its
					// URL; the operator decides.
					err = fault.Permanent(fmt.Errorf("%w (category %d has this name under this parent; set its slug to %q to bind it, or rename one of them)",
						err, e.Error.Data.ResourceID, Slug(it.Doc.(*store.CategoryDoc).Code)))
				}
				r.fail(op.item, err)
				return
			}
			if it.Op == store.OpDelete {
				r.s.setCategory(e.Slug, 0)
			} else if d, ok := it.Doc.(*store.CategoryDoc); ok {
				r.s.setCategory(Slug(d.Code), e.ID)
			}
			r.ok(op.item, strconv.Itoa(e.ID))
		})
		if err != nil {
			return err
		}
		pending = waiting
	}
	return nil
}

// Products.

func productDoc(it store.Item) (*store.ProductDoc, error) {
	d, ok := it.Doc.(*store.ProductDoc)
	if !ok || d == nil {
		return nil, fault.Permanentf("woocommerce: %s %q: document is %T, want *store.ProductDoc", it.Kind, it.SKU, it.Doc)
	}
	if d.SKU != "" && d.SKU != it.SKU {
		return nil, fault.Permanentf("woocommerce: %s %q: document is for SKU %q", it.Kind, it.SKU, d.SKU)
	}
	if strings.TrimSpace(d.Name) == "" && !(it.ShopID != "" && slices.Contains(d.Keep, "name")) {
		return nil, fault.Permanentf("woocommerce: %s %q: name is empty", it.Kind, it.SKU)
	}
	return d, nil
}

// keepOwned drops from an update object the fields the store owns
// (ProductDoc.Keep): the shop keeps its own values.
func keepOwned(obj map[string]any, d *store.ProductDoc) {
	for _, f := range d.Keep {
		switch f {
		case "name", "description", "categories":
			delete(obj, f)
		case "images":
			delete(obj, "images")
			delete(obj, "image")
		}
	}
}

// ownedAttributes returns d with the shop's current non-variation
// attributes when the store owns attributes, so an update keeps them.
func ownedAttributes(d *store.ProductDoc, cur []wcAttribute) *store.ProductDoc {
	if !slices.Contains(d.Keep, "attributes") {
		return d
	}
	dd := *d
	dd.Attributes = map[string]string{}
	for _, a := range cur {
		if !a.Variation && len(a.Options) > 0 {
			dd.Attributes[a.Name] = a.Options[0]
		}
	}
	return &dd
}

// target returns where an item lives: its shop id, else its SKU's lookup.
func (r *run) target(i int) (loc, bool, error) {
	it := r.items[i]
	if it.ShopID != "" {
		l, err := parseShopID(it.ShopID)
		return l, err == nil, err
	}
	l, ok := r.known[it.SKU]
	return l, ok, nil
}

// current reads products (parent 0) or one product's variations by id.
func (r *run) current(ctx context.Context, parent int, ids []int) (map[int]wcProduct, error) {
	out := map[int]wcProduct{}
	path := "/products"
	if parent != 0 {
		path = "/products/" + strconv.Itoa(parent) + "/variations"
	}
	for chunk := range slices.Chunk(ids, 100) {
		strs := make([]string, len(chunk))
		for i, id := range chunk {
			strs[i] = strconv.Itoa(id)
		}
		var got []wcProduct
		q := url.Values{"include": {strings.Join(strs, ",")}, "per_page": {"100"}}
		if _, err := r.s.call(ctx, http.MethodGet, path, q, nil, &got); err != nil {
			var ae *APIError
			if parent != 0 && errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				return out, nil
			}
			return nil, err
		}
		for _, p := range got {
			out[p.ID] = p
		}
	}
	return out, nil
}

// imagesField returns the images value for want given what the shop has,
// and whether it differs.
func imagesField(cur []wcImage, want []string) ([]map[string]any, bool) {
	used := map[int]bool{}
	out := make([]map[string]any, 0, len(want))
	changed := len(cur) != len(want)
	for i, u := range want {
		id := 0
		for _, c := range cur {
			if c.Name == u && !used[c.ID] {
				id = c.ID
				break
			}
		}
		if id == 0 {
			out = append(out, map[string]any{"src": u, "name": u})
			changed = true
			continue
		}
		used[id] = true
		out = append(out, map[string]any{"id": id})
		if i >= len(cur) || cur[i].ID != id {
			changed = true
		}
	}
	return out, changed
}

// attributesField builds a product's attributes: the axes (variation
// attributes) keep the options the shop has; the others come from the doc.
// The shop's order is kept and new attributes appended.
func attributesField(cur []wcAttribute, d *store.ProductDoc) []map[string]any {
	type attr struct {
		name      string
		variation bool
		options   []string
	}
	want := map[string]attr{}
	var order []string
	for _, a := range d.Axes {
		if _, dup := want[a]; !dup {
			want[a] = attr{name: a, variation: true}
			order = append(order, a)
		}
	}
	names := make([]string, 0, len(d.Attributes))
	for k := range d.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if _, axis := want[k]; !axis {
			want[k] = attr{name: k, options: []string{d.Attributes[k]}}
			order = append(order, k)
		}
	}
	for _, c := range cur {
		if a, ok := want[c.Name]; ok && a.variation {
			a.options = c.Options
			want[c.Name] = a
		}
	}
	var out []map[string]any
	done := map[string]bool{}
	emit := func(name string) {
		a := want[name]
		if done[name] || len(a.options) == 0 {
			return
		}
		done[name] = true
		out = append(out, map[string]any{"name": a.name, "visible": true, "variation": a.variation, "options": a.options})
	}
	for _, c := range cur {
		if _, ok := want[c.Name]; ok {
			emit(c.Name)
		}
	}
	for _, name := range order {
		emit(name)
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

func status(active, variation bool) string {
	switch {
	case active:
		return "publish"
	case variation:
		return "private"
	}
	return "draft"
}

func (r *run) products(ctx context.Context) error {
	type upd struct {
		i   int
		d   *store.ProductDoc
		loc loc
	}
	var creates, deletes []batchOp
	var updates []upd
	for i, it := range r.items {
		if it.Kind != catalog.KindProduct || r.res[i].Err != nil {
			continue
		}
		l, found, err := r.target(i)
		if err != nil {
			r.fail(i, err)
			continue
		}
		if found && l.typ == "variation" {
			r.fail(i, fault.Permanentf("woocommerce: product %q: SKU or shop id %q belongs to a variation", it.SKU, l.shopID()))
			continue
		}
		switch it.Op {
		case store.OpUpsert:
			d, err := productDoc(it)
			if err == nil && d.ParentSKU != "" {
				err = fault.Permanentf("woocommerce: product %q has a parent SKU: push it as a variant", it.SKU)
			}
			if err == nil && len(d.Axes) > 3 {
				err = fault.Permanentf("woocommerce: product %q has %d variant axes, the adapter takes 3", it.SKU, len(d.Axes))
			}
			if err != nil {
				r.fail(i, err)
				continue
			}
			if found {
				updates = append(updates, upd{i, d, l})
				continue
			}
			obj, err := r.productObject(ctx, d, nil)
			if err != nil {
				if fault.IsPermanent(err) {
					r.fail(i, err)
					continue
				}
				return err
			}
			creates = append(creates, batchOp{item: i, obj: obj})
		case store.OpDeactivate, store.OpDelete:
			if !found {
				r.fail(i, fault.Permanentf("woocommerce: product %q is not in the shop", it.SKU))
				continue
			}
			if it.Op == store.OpDelete {
				deletes = append(deletes, batchOp{item: i, id: l.id})
			} else {
				updates = append(updates, upd{i, nil, l})
			}
		default:
			r.fail(i, fault.Permanentf("woocommerce: product %q: unknown operation %q", it.SKU, it.Op))
		}
	}
	var updOps []batchOp
	if len(updates) > 0 {
		ids := make([]int, len(updates))
		for k, u := range updates {
			ids[k] = u.loc.id
		}
		cur, err := r.current(ctx, 0, ids)
		if err != nil {
			return err
		}
		for _, u := range updates {
			c, ok := cur[u.loc.id]
			if !ok {
				r.fail(u.i, goneOrPermanent(r.items[u.i], fmt.Errorf("woocommerce: product %q: no product with id %d in the shop", r.items[u.i].SKU, u.loc.id)))
				continue
			}
			if u.d == nil {
				updOps = append(updOps, batchOp{item: u.i, obj: map[string]any{"id": u.loc.id, "status": "draft"}})
				continue
			}
			obj, err := r.productObject(ctx, u.d, &c)
			if err != nil {
				if fault.IsPermanent(err) {
					r.fail(u.i, err)
					continue
				}
				return err
			}
			obj["id"] = u.loc.id
			updOps = append(updOps, batchOp{item: u.i, obj: obj})
		}
	}
	return r.sendBatch(ctx, "/products/batch", creates, updOps, deletes, func(op batchOp, e batchEntry, err error) {
		if err != nil {
			r.fail(op.item, err)
			return
		}
		it := r.items[op.item]
		if it.Op == store.OpDelete {
			delete(r.known, it.SKU)
		} else {
			r.known[it.SKU] = loc{id: e.ID, typ: "product"}
		}
		r.ok(op.item, strconv.Itoa(e.ID))
	})
}

// productObject builds a product's create or update object; cur is the
// shop's current product for an update.
func (r *run) productObject(ctx context.Context, d *store.ProductDoc, cur *wcProduct) (map[string]any, error) {
	typ := "simple"
	if len(d.Axes) > 0 {
		typ = "variable"
	}
	cats := make([]map[string]any, 0, len(d.Categories))
	for _, code := range d.Categories {
		id, ok, err := r.resolveCategory(ctx, code)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fault.Permanentf("woocommerce: product %q: category %q is not in the shop", d.SKU, code)
		}
		cats = append(cats, map[string]any{"id": id})
	}
	obj := map[string]any{
		"sku":              d.SKU,
		"name":             d.Name,
		"type":             typ,
		"status":           status(d.Active, false),
		"description":      d.Description,
		"global_unique_id": d.EAN,
		"categories":       cats,
	}
	var curImages []wcImage
	var curAttrs []wcAttribute
	if cur != nil {
		curImages, curAttrs = cur.Images, cur.Attributes
		// On update the type changes only to make a product variable: a
		// bound grouped or external product keeps its type, and a
		// variable one is not made simple (its variations would be lost).
		if typ != "variable" || cur.Type == "variable" {
			delete(obj, "type")
		}
	}
	if imgs, changed := imagesField(curImages, d.Images); changed {
		obj["images"] = imgs
	}
	obj["attributes"] = attributesField(curAttrs, ownedAttributes(d, curAttrs))
	if cur != nil {
		keepOwned(obj, d)
	}
	return obj, nil
}

// Variants.

func (r *run) variants(ctx context.Context) error {
	type vitem struct {
		i      int
		d      *store.ProductDoc
		loc    loc
		found  bool
		parent int
	}
	byParent := map[int][]vitem{}
	var parents []int
	for i, it := range r.items {
		if it.Kind != catalog.KindVariant || r.res[i].Err != nil {
			continue
		}
		l, found, err := r.target(i)
		if err != nil {
			r.fail(i, err)
			continue
		}
		if found && l.typ != "variation" {
			r.fail(i, fault.Permanentf("woocommerce: variant %q: SKU or shop id %q belongs to a product, not a variation", it.SKU, l.shopID()))
			continue
		}
		v := vitem{i: i, loc: l, found: found, parent: l.parent}
		switch it.Op {
		case store.OpUpsert:
			d, err := productDoc(it)
			if err == nil && d.ParentSKU == "" {
				err = fault.Permanentf("woocommerce: variant %q has no parent SKU", it.SKU)
			}
			if err == nil && len(d.Options) == 0 {
				err = fault.Permanentf("woocommerce: variant %q has no options", it.SKU)
			}
			if err != nil {
				r.fail(i, err)
				continue
			}
			v.d = d
			if !found {
				pl, ok := r.known[d.ParentSKU]
				if !ok || pl.typ == "variation" {
					r.fail(i, fault.Permanentf("woocommerce: variant %q: parent product %q is not in the shop", it.SKU, d.ParentSKU))
					continue
				}
				v.parent = pl.id
			}
		case store.OpDeactivate, store.OpDelete:
			if !found {
				r.fail(i, fault.Permanentf("woocommerce: variant %q is not in the shop", it.SKU))
				continue
			}
		default:
			r.fail(i, fault.Permanentf("woocommerce: variant %q: unknown operation %q", it.SKU, it.Op))
			continue
		}
		if _, seen := byParent[v.parent]; !seen {
			parents = append(parents, v.parent)
		}
		byParent[v.parent] = append(byParent[v.parent], v)
	}
	if len(parents) == 0 {
		return nil
	}

	// The parents must be variable products whose variation attributes
	// list every option the variants use.
	cur, err := r.current(ctx, 0, parents)
	if err != nil {
		return err
	}
	var parentOps []batchOp
	for _, pid := range parents {
		p, ok := cur[pid]
		if !ok {
			for _, v := range byParent[pid] {
				r.fail(v.i, fault.Permanentf("woocommerce: variant %q: parent product %d is not in the shop", r.items[v.i].SKU, pid))
			}
			delete(byParent, pid)
			continue
		}
		attrs, changed := mergeAxes(p.Attributes, byParent[pid], func(v vitem) map[string]string {
			if v.d == nil {
				return nil
			}
			return v.d.Options
		})
		upserts := false
		for _, v := range byParent[pid] {
			upserts = upserts || v.d != nil
		}
		if upserts && (changed || p.Type != "variable") {
			parentOps = append(parentOps, batchOp{item: byParent[pid][0].i, obj: map[string]any{"id": pid, "type": "variable", "attributes": attrs}})
		}
	}
	if len(parentOps) > 0 {
		err := r.sendBatch(ctx, "/products/batch", nil, parentOps, nil, func(op batchOp, e batchEntry, err error) {
			pid, _ := op.obj["id"].(int)
			if err != nil {
				for _, v := range byParent[pid] {
					r.fail(v.i, fmt.Errorf("woocommerce: variant %q: updating the parent's attributes: %w", r.items[v.i].SKU, err))
				}
				delete(byParent, pid)
			}
		})
		if err != nil {
			return err
		}
	}

	for _, pid := range parents {
		vs, ok := byParent[pid]
		if !ok {
			continue
		}
		var ids []int
		for _, v := range vs {
			if v.found {
				ids = append(ids, v.loc.id)
			}
		}
		existing := map[int]wcProduct{}
		if len(ids) > 0 {
			if existing, err = r.current(ctx, pid, ids); err != nil {
				return err
			}
		}
		var creates, updates, deletes []batchOp
		for _, v := range vs {
			it := r.items[v.i]
			if v.found {
				if _, ok := existing[v.loc.id]; !ok {
					r.fail(v.i, goneOrPermanent(it, fmt.Errorf("woocommerce: variant %q: no variation %s in the shop", it.SKU, v.loc.shopID())))
					continue
				}
			}
			switch {
			case it.Op == store.OpDelete:
				deletes = append(deletes, batchOp{item: v.i, id: v.loc.id})
			case it.Op == store.OpDeactivate:
				updates = append(updates, batchOp{item: v.i, obj: map[string]any{"id": v.loc.id, "status": "private"}})
			default:
				var c *wcProduct
				if v.found {
					x := existing[v.loc.id]
					c = &x
				}
				obj := variationObject(v.d, c)
				if c != nil {
					keepOwned(obj, v.d)
				}
				if v.found {
					obj["id"] = v.loc.id
					updates = append(updates, batchOp{item: v.i, obj: obj})
				} else {
					creates = append(creates, batchOp{item: v.i, obj: obj})
				}
			}
		}
		err := r.sendBatch(ctx, "/products/"+strconv.Itoa(pid)+"/variations/batch", creates, updates, deletes, func(op batchOp, e batchEntry, err error) {
			if err != nil {
				r.fail(op.item, err)
				return
			}
			it := r.items[op.item]
			l := loc{parent: pid, id: e.ID, typ: "variation"}
			if it.Op == store.OpDelete {
				delete(r.known, it.SKU)
			} else {
				r.known[it.SKU] = l
			}
			r.ok(op.item, l.shopID())
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// mergeAxes adds the variants' option values to the parent's variation
// attributes, keeping the order the shop has.
func mergeAxes[V any](cur []wcAttribute, vs []V, options func(V) map[string]string) ([]map[string]any, bool) {
	type attr struct {
		a    wcAttribute
		have map[string]bool
	}
	list := make([]*attr, 0, len(cur))
	byName := map[string]*attr{}
	for _, c := range cur {
		a := &attr{a: c, have: map[string]bool{}}
		for _, o := range c.Options {
			a.have[o] = true
		}
		list = append(list, a)
		byName[c.Name] = a
	}
	changed := false
	for _, v := range vs {
		opts := options(v)
		axes := make([]string, 0, len(opts))
		for k := range opts {
			axes = append(axes, k)
		}
		sort.Strings(axes)
		for _, axis := range axes {
			val := opts[axis]
			a, ok := byName[axis]
			if !ok {
				a = &attr{a: wcAttribute{Name: axis, Visible: true, Variation: true}, have: map[string]bool{}}
				list = append(list, a)
				byName[axis] = a
				changed = true
			}
			if !a.a.Variation {
				a.a.Variation = true
				changed = true
			}
			if !a.have[val] {
				a.have[val] = true
				a.a.Options = append(a.a.Options, val)
				changed = true
			}
		}
	}
	out := make([]map[string]any, 0, len(list))
	for _, a := range list {
		out = append(out, map[string]any{"name": a.a.Name, "visible": a.a.Visible, "variation": a.a.Variation, "options": a.a.Options})
	}
	return out, changed
}

// variationObject builds a variation's create or update object.
func variationObject(d *store.ProductDoc, cur *wcProduct) map[string]any {
	axes := make([]string, 0, len(d.Options))
	for k := range d.Options {
		axes = append(axes, k)
	}
	sort.Strings(axes)
	attrs := make([]map[string]any, 0, len(axes))
	for _, a := range axes {
		attrs = append(attrs, map[string]any{"name": a, "option": d.Options[a]})
	}
	obj := map[string]any{
		"sku":              d.SKU,
		"name":             d.Name,
		"status":           status(d.Active, true),
		"description":      d.Description,
		"global_unique_id": d.EAN,
		"attributes":       attrs,
	}
	var curImage *wcImage
	if cur != nil {
		curImage = cur.Image
	}
	switch {
	case len(d.Images) == 0 && curImage != nil && curImage.ID != 0:
		obj["image"] = nil
	case len(d.Images) > 0 && (curImage == nil || curImage.Name != d.Images[0]):
		obj["image"] = map[string]any{"src": d.Images[0], "name": d.Images[0]}
	}
	return obj
}

// Prices and stock.

// money formats an amount as WooCommerce's decimal string with two
// decimals; more decimals than two, or a negative amount, is an error.
func money(d decimal.Decimal) (string, error) {
	if d.IsNegative() {
		return "", fmt.Errorf("amount %s is negative", d)
	}
	if !d.Equal(d.Truncate(2)) {
		return "", fmt.Errorf("amount %s has more than 2 decimals (round it in the store's price rules)", d)
	}
	return d.StringFixed(2), nil
}

func (r *run) priceObject(it store.Item) (map[string]any, error) {
	if it.Op == store.OpDeactivate || it.Op == store.OpDelete {
		return map[string]any{"regular_price": "", "sale_price": "", "date_on_sale_from_gmt": "", "date_on_sale_to_gmt": ""}, nil
	}
	d, ok := it.Doc.(*store.PriceDoc)
	if !ok || d == nil {
		return nil, fault.Permanentf("woocommerce: price %q: document is %T, want *store.PriceDoc", it.SKU, it.Doc)
	}
	if want := r.s.conn.PricesIncludeTax; want != nil && *want != d.Gross {
		return nil, fault.Permanentf("woocommerce: price %q: gross=%t, but the shop takes prices with tax=%t (connection.prices_include_tax)", it.SKU, d.Gross, *want)
	}
	reg, err := money(d.Regular)
	if err != nil {
		return nil, fault.Permanentf("woocommerce: price %q: regular %v", it.SKU, err)
	}
	obj := map[string]any{"regular_price": reg, "sale_price": "", "date_on_sale_from_gmt": "", "date_on_sale_to_gmt": ""}
	if d.Sale != nil {
		sale, err := money(*d.Sale)
		if err != nil {
			return nil, fault.Permanentf("woocommerce: price %q: sale %v", it.SKU, err)
		}
		if !d.Sale.LessThan(d.Regular) {
			return nil, fault.Permanentf("woocommerce: price %q: sale price %s is not below the regular price %s", it.SKU, sale, reg)
		}
		obj["sale_price"] = sale
		if d.SaleFrom != nil {
			obj["date_on_sale_from_gmt"] = d.SaleFrom.UTC().Format(wpDate)
		}
		if d.SaleTo != nil {
			obj["date_on_sale_to_gmt"] = d.SaleTo.UTC().Format(wpDate)
		}
	}
	return obj, nil
}

func stockObject(it store.Item) (map[string]any, error) {
	if it.Op == store.OpDeactivate || it.Op == store.OpDelete {
		return map[string]any{"manage_stock": true, "stock_quantity": 0, "backorders": "no", "stock_status": string(store.OutOfStock)}, nil
	}
	d, ok := it.Doc.(*store.StockDoc)
	if !ok || d == nil {
		return nil, fault.Permanentf("woocommerce: stock %q: document is %T, want *store.StockDoc", it.SKU, it.Doc)
	}
	if !d.Quantity.Equal(d.Quantity.Truncate(0)) {
		return nil, fault.Permanentf("woocommerce: stock %q: quantity %s is not whole (WooCommerce keeps integer stock)", it.SKU, d.Quantity)
	}
	if !d.Quantity.Equal(decimal.NewFromInt(d.Quantity.IntPart())) || d.Quantity.Abs().GreaterThan(decimal.NewFromInt(1<<31-1)) {
		return nil, fault.Permanentf("woocommerce: stock %q: quantity %s is out of range", it.SKU, d.Quantity)
	}
	backorders := "no"
	st := d.Status
	switch st {
	case store.OnBackorder:
		backorders = "notify"
	case store.InStock, store.OutOfStock:
	case "":
		st = store.InStock
		if !d.Quantity.IsPositive() {
			st = store.OutOfStock
		}
	default:
		return nil, fault.Permanentf("woocommerce: stock %q: unknown stock status %q", it.SKU, d.Status)
	}
	return map[string]any{"manage_stock": true, "stock_quantity": d.Quantity.IntPart(), "backorders": backorders, "stock_status": string(st)}, nil
}

func (r *run) pricesAndStock(ctx context.Context) error {
	groups := map[int][]batchOp{}
	var order []int
	for i, it := range r.items {
		if (it.Kind != catalog.KindPrice && it.Kind != catalog.KindStock) || r.res[i].Err != nil {
			continue
		}
		var obj map[string]any
		var err error
		if it.Kind == catalog.KindPrice {
			obj, err = r.priceObject(it)
		} else {
			obj, err = stockObject(it)
		}
		if err != nil {
			r.fail(i, err)
			continue
		}
		l, found, err := r.target(i)
		if err != nil {
			r.fail(i, err)
			continue
		}
		if !found {
			r.fail(i, fault.Permanentf("woocommerce: %s %q: no product or variation with this SKU in the shop", it.Kind, it.SKU))
			continue
		}
		obj["id"] = l.id
		if _, seen := groups[l.parent]; !seen {
			order = append(order, l.parent)
		}
		groups[l.parent] = append(groups[l.parent], batchOp{item: i, obj: obj})
	}
	for _, parent := range order {
		path := "/products/batch"
		if parent != 0 {
			path = "/products/" + strconv.Itoa(parent) + "/variations/batch"
		}
		err := r.sendBatch(ctx, path, nil, groups[parent], nil, func(op batchOp, e batchEntry, err error) {
			if err != nil {
				r.fail(op.item, err)
				return
			}
			r.ok(op.item, loc{parent: parent, id: e.ID}.shopID())
		})
		if err != nil {
			var ae *APIError
			if parent != 0 && errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				// The parent in a variant's shop id does not exist.
				for _, op := range groups[parent] {
					r.fail(op.item, fault.Permanentf("woocommerce: %s %q: product %d is not in the shop", r.items[op.item].Kind, r.items[op.item].SKU, parent))
				}
				continue
			}
			return err
		}
	}
	return nil
}
