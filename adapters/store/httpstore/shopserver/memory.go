package shopserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// MemoryItem is a copy of one item as Memory keeps it. Doc is the last
// pushed doc (*store.ProductDoc, *store.CategoryDoc, *store.PriceDoc or
// *store.StockDoc). A price or stock item has the shop id of the product or
// variant it belongs to. Revision counts the pushes that changed the item.
type MemoryItem struct {
	Kind         catalog.Kind
	SKU          string
	ShopID       string
	ParentShopID string
	Active       bool
	Doc          any
	Revision     int
}

type itemKey struct {
	kind catalog.Kind
	sku  string
}

type memItem struct {
	MemoryItem
	docJSON []byte
}

// Memory is an in-memory Backend: a small shop that keeps products,
// variants, categories, prices and stock by kind and SKU, and orders by id.
// Tests and demos place orders with PlaceOrder. It is safe for concurrent use.
type Memory struct {
	mu     sync.Mutex
	now    func() time.Time
	last   time.Time
	nextID int
	items  map[itemKey]*memItem
	orders map[string]*wire.Order
}

// NewMemory returns an empty Memory using time.Now.
func NewMemory() *Memory {
	return &Memory{now: time.Now, items: map[itemKey]*memItem{}, orders: map[string]*wire.Order{}}
}

// SetClock replaces the clock; the times Memory records are in UTC and
// strictly increasing whatever the clock says.
func (m *Memory) SetClock(now func() time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = now
}

// Item returns a copy of the item of kind with sku.
func (m *Memory) Item(kind catalog.Kind, sku string) (MemoryItem, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[itemKey{kind, sku}]
	if !ok {
		return MemoryItem{}, false
	}
	return it.copy(), true
}

// Items returns copies of every item, ordered by kind and SKU.
func (m *Memory) Items() []MemoryItem {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]MemoryItem, 0, len(m.items))
	for _, it := range m.items {
		out = append(out, it.copy())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].SKU < out[j].SKU
	})
	return out
}

func (it *memItem) copy() MemoryItem {
	c := it.MemoryItem
	c.Doc = decodeStored(c.Kind, it.docJSON)
	return c
}

func decodeStored(kind catalog.Kind, raw []byte) any {
	var v any
	switch kind {
	case catalog.KindProduct, catalog.KindVariant:
		v = &store.ProductDoc{}
	case catalog.KindCategory:
		v = &store.CategoryDoc{}
	case catalog.KindPrice:
		v = &store.PriceDoc{}
	case catalog.KindStock:
		v = &store.StockDoc{}
	default:
		return nil
	}
	if json.Unmarshal(raw, v) != nil {
		return nil
	}
	return v
}

// tick returns the current time in UTC, after every time returned before.
func (m *Memory) tick() time.Time {
	t := m.now().UTC()
	if !t.After(m.last) {
		t = m.last.Add(time.Microsecond)
	}
	m.last = t
	return t
}

func (m *Memory) newID(prefix string) string {
	m.nextID++
	return prefix + "-" + strconv.Itoa(m.nextID)
}

// Apply implements Backend.
func (m *Memory) Apply(ctx context.Context, items []store.Item) ([]store.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.Result, len(items))
	for i, it := range items {
		shopID, err := m.apply(it)
		out[i] = store.Result{Kind: it.Kind, SKU: it.SKU, ShopID: shopID, Err: err}
	}
	return out, nil
}

func itemErr(code, format string, args ...any) error {
	return fault.Permanent(&ItemError{Code: code, Message: fmt.Sprintf(format, args...), Permanent: true})
}

// sellable returns the product or variant with sku.
func (m *Memory) sellable(sku string) *memItem {
	if it, ok := m.items[itemKey{catalog.KindProduct, sku}]; ok {
		return it
	}
	return m.items[itemKey{catalog.KindVariant, sku}]
}

func (m *Memory) byShopID(kind catalog.Kind, id string) *memItem {
	for _, it := range m.items {
		if it.Kind == kind && it.ShopID == id {
			return it
		}
	}
	return nil
}

func (m *Memory) apply(it store.Item) (string, error) {
	key := itemKey{it.Kind, it.SKU}
	cur := m.items[key]
	owner := cur
	if it.Kind == catalog.KindPrice || it.Kind == catalog.KindStock {
		owner = m.sellable(it.SKU)
		if owner == nil && it.Op != store.OpDelete {
			return "", itemErr(wire.CodeUnknownSKU, "no product or variant with sku %q", it.SKU)
		}
	}
	if it.ShopID != "" {
		switch {
		case owner != nil && owner.ShopID != it.ShopID:
			return "", itemErr(wire.CodeShopIDMismatch, "sku %q has shop id %q, not %q", it.SKU, owner.ShopID, it.ShopID)
		case owner == nil && it.Op == store.OpUpsert:
			if other := m.byShopID(it.Kind, it.ShopID); other != nil {
				return "", itemErr(wire.CodeShopIDMismatch, "shop id %q belongs to sku %q", it.ShopID, other.SKU)
			}
			return "", itemErr(wire.CodeNotFound, "no %s with shop id %q; bind the store again", it.Kind, it.ShopID)
		}
	}
	switch it.Op {
	case store.OpDelete:
		if cur == nil {
			return it.ShopID, nil
		}
		m.remove(key)
		return cur.ShopID, nil
	case store.OpDeactivate:
		if cur == nil {
			return "", itemErr(wire.CodeNotFound, "no %s with sku %q", it.Kind, it.SKU)
		}
		if it.Kind == catalog.KindPrice || it.Kind == catalog.KindStock {
			m.remove(key)
			return cur.ShopID, nil
		}
		if cur.Active {
			cur.Active = false
			cur.Revision++
		}
		return cur.ShopID, nil
	}
	if !docFits(it.Kind, it.Doc) {
		return "", itemErr(wire.CodeInvalidDoc, "doc of type %T does not fit kind %s", it.Doc, it.Kind)
	}
	if d, ok := it.Doc.(*store.ProductDoc); ok && len(d.Keep) > 0 {
		// Fields the shop owns stay as the shop has them.
		kept := *d
		var old *store.ProductDoc
		if cur != nil {
			old, _ = decodeStored(it.Kind, cur.docJSON).(*store.ProductDoc)
		}
		for _, f := range d.Keep {
			switch {
			case old == nil && f == "name":
				return "", itemErr(wire.CodeInvalidDoc, "doc.keep names name, but the shop has no %s %q to keep it from", it.Kind, it.SKU)
			case old == nil:
			case f == "name":
				kept.Name = old.Name
			case f == "description":
				kept.Description = old.Description
			case f == "images":
				kept.Images = old.Images
			case f == "categories":
				kept.Categories = old.Categories
			case f == "attributes":
				kept.Attributes = old.Attributes
			}
		}
		kept.Keep = nil
		it.Doc = &kept
	}
	docJSON, err := json.Marshal(it.Doc)
	if err != nil {
		return "", itemErr(wire.CodeInvalidDoc, "doc cannot be encoded: %v", err)
	}
	active := true
	parentShopID := ""
	switch d := it.Doc.(type) {
	case *store.ProductDoc:
		active = d.Active
		if it.Kind == catalog.KindVariant {
			parent := m.items[itemKey{catalog.KindProduct, d.ParentSKU}]
			if parent == nil {
				return "", itemErr(wire.CodeUnknownParent, "no product with sku %q for variant %q", d.ParentSKU, it.SKU)
			}
			parentShopID = parent.ShopID
		}
		for _, code := range d.Categories {
			if _, ok := m.items[itemKey{catalog.KindCategory, code}]; !ok {
				return "", itemErr(wire.CodeUnknownCategory, "no category with code %q; push categories first", code)
			}
		}
		other := catalog.KindVariant
		if it.Kind == catalog.KindVariant {
			other = catalog.KindProduct
		}
		if _, taken := m.items[itemKey{other, it.SKU}]; taken {
			return "", itemErr(wire.CodeInvalid, "sku %q is already a %s", it.SKU, other)
		}
	case *store.CategoryDoc:
		if d.ParentCode != "" {
			parent := m.items[itemKey{catalog.KindCategory, d.ParentCode}]
			if parent == nil {
				return "", itemErr(wire.CodeUnknownParent, "no category with code %q for category %q", d.ParentCode, it.SKU)
			}
			parentShopID = parent.ShopID
		}
	case *store.PriceDoc, *store.StockDoc:
	default:
		return "", itemErr(wire.CodeInvalidDoc, "doc of type %T does not fit kind %s", it.Doc, it.Kind)
	}
	if cur == nil {
		id := ""
		switch it.Kind {
		case catalog.KindProduct, catalog.KindVariant:
			id = m.newID("p")
		case catalog.KindCategory:
			id = m.newID("c")
		default:
			id = owner.ShopID
		}
		m.items[key] = &memItem{
			MemoryItem: MemoryItem{Kind: it.Kind, SKU: it.SKU, ShopID: id, ParentShopID: parentShopID, Active: active, Revision: 1},
			docJSON:    docJSON,
		}
		return id, nil
	}
	if !bytes.Equal(cur.docJSON, docJSON) || cur.Active != active || cur.ParentShopID != parentShopID {
		cur.docJSON, cur.Active, cur.ParentShopID = docJSON, active, parentShopID
		cur.Revision++
	}
	return cur.ShopID, nil
}

// remove deletes an item; a product takes its variants along, and a product
// or variant takes its price and stock.
func (m *Memory) remove(key itemKey) {
	it := m.items[key]
	delete(m.items, key)
	if it == nil || (key.kind != catalog.KindProduct && key.kind != catalog.KindVariant) {
		return
	}
	delete(m.items, itemKey{catalog.KindPrice, key.sku})
	delete(m.items, itemKey{catalog.KindStock, key.sku})
	if key.kind == catalog.KindProduct {
		for k, v := range m.items {
			if k.kind == catalog.KindVariant && v.ParentShopID == it.ShopID {
				m.remove(k)
			}
		}
	}
}

// docFits reports whether doc is the pointer type kind's docs have.
func docFits(kind catalog.Kind, doc any) bool {
	switch d := doc.(type) {
	case *store.ProductDoc:
		return d != nil && (kind == catalog.KindProduct || kind == catalog.KindVariant)
	case *store.CategoryDoc:
		return d != nil && kind == catalog.KindCategory
	case *store.PriceDoc:
		return d != nil && kind == catalog.KindPrice
	case *store.StockDoc:
		return d != nil && kind == catalog.KindStock
	}
	return false
}

// shopIDLess orders ids of the form prefix-N by N.
func shopIDLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// ListItems implements Backend. The cursor is the last shop id returned.
func (m *Memory) ListItems(ctx context.Context, cursor string, limit int) ([]store.Existing, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if limit < 1 {
		return nil, "", fault.Permanentf("shopserver: limit %d is not positive", limit)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*memItem
	for _, it := range m.items {
		if (it.Kind == catalog.KindProduct || it.Kind == catalog.KindVariant) &&
			(cursor == "" || shopIDLess(cursor, it.ShopID)) {
			all = append(all, it)
		}
	}
	sort.Slice(all, func(i, j int) bool { return shopIDLess(all[i].ShopID, all[j].ShopID) })
	next := ""
	if len(all) > limit {
		all = all[:limit]
		next = all[limit-1].ShopID
	}
	out := make([]store.Existing, 0, len(all))
	for _, it := range all {
		e := store.Existing{Kind: it.Kind, SKU: it.SKU, ShopID: it.ShopID, ParentShopID: it.ParentShopID}
		if d, ok := decodeStored(it.Kind, it.docJSON).(*store.ProductDoc); ok {
			e.EAN = d.EAN
		}
		out = append(out, e)
	}
	return out, next, nil
}

// ListOrders implements Backend.
func (m *Memory) ListOrders(ctx context.Context, pos OrderPosition, limit int) ([]wire.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var list []*wire.Order
	for _, o := range m.orders {
		if pos.Before(o.Order) {
			list = append(list, o)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if !a.UpdatedAt.Equal(b.UpdatedAt) {
			return a.UpdatedAt.Before(b.UpdatedAt)
		}
		return a.ShopOrderID < b.ShopOrderID
	})
	if len(list) > limit {
		list = list[:max(limit, 0)]
	}
	out := make([]wire.Order, 0, len(list))
	for _, o := range list {
		out = append(out, cloneOrder(o))
	}
	return out, nil
}

// Order implements Backend.
func (m *Memory) Order(ctx context.Context, id string) (wire.Order, error) {
	if err := ctx.Err(); err != nil {
		return wire.Order{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return wire.Order{}, fmt.Errorf("shopserver: order %q: %w", id, ErrNotFound)
	}
	return cloneOrder(o), nil
}

// SetStatus implements Backend.
func (m *Memory) SetStatus(ctx context.Context, id string, u catalog.StatusUpdate) (wire.Order, error) {
	if err := ctx.Err(); err != nil {
		return wire.Order{}, err
	}
	if !wire.ValidStatus(u.Status) {
		return wire.Order{}, fault.Permanentf("shopserver: unknown status %q", u.Status)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return wire.Order{}, fmt.Errorf("shopserver: order %q: %w", id, ErrNotFound)
	}
	changed := o.Status != u.Status
	o.Status = u.Status
	if u.ERPNumber != "" && u.ERPNumber != o.ERPNumber {
		o.ERPNumber = u.ERPNumber
		changed = true
	}
	if u.Tracking != nil && (o.Tracking == nil || *o.Tracking != *u.Tracking) {
		t := *u.Tracking
		o.Tracking = &t
		changed = true
	}
	if changed {
		o.UpdatedAt = m.tick()
	}
	return cloneOrder(o), nil
}

func cloneOrder(o *wire.Order) wire.Order {
	c := *o
	c.Lines = slices.Clone(o.Lines)
	if o.Tracking != nil {
		t := *o.Tracking
		c.Tracking = &t
	}
	return c
}

// OrderSpec is what a customer of a Memory shop orders: SKUs and
// quantities; prices, names and VAT come from what was pushed.
type OrderSpec struct {
	ID       string
	Customer catalog.Customer
	Billing  catalog.Address
	Lines    []LineSpec
	Shipping catalog.Shipping
	Payment  string
	Paid     bool
}

// LineSpec is one ordered SKU.
type LineSpec struct {
	SKU      string
	Quantity decimal.Decimal
}

// ErrNotForSale is returned by PlaceOrder for a SKU the shop cannot sell.
var ErrNotForSale = errors.New("not for sale")

// PlaceOrder creates an order as a checkout would: every line's SKU must be
// an active product or variant with a price (the sale price within its
// dates) in one currency and basis and, unless on backorder, enough stock,
// which the order lowers. It returns the stored order.
func (m *Memory) PlaceOrder(ctx context.Context, spec OrderSpec) (wire.Order, error) {
	if err := ctx.Err(); err != nil {
		return wire.Order{}, err
	}
	if len(spec.Lines) == 0 {
		return wire.Order{}, errors.New("shopserver: order has no lines")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	at := m.tick()
	id := spec.ID
	if id == "" {
		id = m.newID("o")
	}
	if _, dup := m.orders[id]; dup {
		return wire.Order{}, fmt.Errorf("shopserver: order %q exists", id)
	}
	o := &wire.Order{Order: catalog.Order{
		ShopOrderID:     id,
		Number:          "B/" + id,
		Status:          catalog.StatusNew,
		Customer:        spec.Customer,
		Billing:         spec.Billing,
		ShippingAddress: spec.Billing,
		Shipping:        spec.Shipping,
		Payment:         catalog.Payment{Method: spec.Payment, Paid: spec.Paid},
	}}
	total := spec.Shipping.Cost
	type take struct {
		stock *memItem
		qty   decimal.Decimal
	}
	var takes []take
	wanted := map[string]decimal.Decimal{}
	for i, ls := range spec.Lines {
		p := m.sellable(ls.SKU)
		price := m.items[itemKey{catalog.KindPrice, ls.SKU}]
		if p == nil || !p.Active || price == nil || !ls.Quantity.IsPositive() {
			return wire.Order{}, fmt.Errorf("shopserver: line %d: sku %q: %w", i, ls.SKU, ErrNotForSale)
		}
		pd, ok1 := decodeStored(p.Kind, p.docJSON).(*store.ProductDoc)
		prd, ok2 := decodeStored(catalog.KindPrice, price.docJSON).(*store.PriceDoc)
		if !ok1 || !ok2 {
			return wire.Order{}, fmt.Errorf("shopserver: line %d: sku %q has an unreadable stored doc", i, ls.SKU)
		}
		if o.Currency == "" {
			o.Currency, o.PricesIncludeTax = prd.Currency, prd.Gross
		}
		if prd.Currency != o.Currency || prd.Gross != o.PricesIncludeTax {
			return wire.Order{}, fmt.Errorf("shopserver: line %d: sku %q is priced in another currency or basis", i, ls.SKU)
		}
		if st := m.items[itemKey{catalog.KindStock, ls.SKU}]; st != nil {
			sd, ok := decodeStored(catalog.KindStock, st.docJSON).(*store.StockDoc)
			if !ok {
				return wire.Order{}, fmt.Errorf("shopserver: line %d: sku %q has an unreadable stock doc", i, ls.SKU)
			}
			wanted[ls.SKU] = wanted[ls.SKU].Add(ls.Quantity)
			if sd.Status != store.OnBackorder && (sd.Status == store.OutOfStock || sd.Quantity.LessThan(wanted[ls.SKU])) {
				return wire.Order{}, fmt.Errorf("shopserver: line %d: only %s of %q in stock: %w", i, sd.Quantity, ls.SKU, ErrNotForSale)
			}
			takes = append(takes, take{st, ls.Quantity})
		}
		unit := prd.Regular
		if prd.Sale != nil && (prd.SaleFrom == nil || !at.Before(*prd.SaleFrom)) && (prd.SaleTo == nil || at.Before(*prd.SaleTo)) {
			unit = *prd.Sale
		}
		lineTotal := unit.Mul(ls.Quantity).Round(2)
		o.Lines = append(o.Lines, catalog.OrderLine{
			ShopLineID: strconv.Itoa(i + 1), SKU: ls.SKU, EAN: pd.EAN, Name: pd.Name,
			Quantity: ls.Quantity, UnitPrice: unit, VATRate: pd.VATRate, Total: lineTotal,
		})
		total = total.Add(lineTotal)
	}
	for _, t := range takes {
		sd, ok := decodeStored(catalog.KindStock, t.stock.docJSON).(*store.StockDoc)
		if !ok {
			continue
		}
		sd.Quantity = sd.Quantity.Sub(t.qty)
		if b, err := json.Marshal(sd); err == nil {
			t.stock.docJSON = b
			t.stock.Revision++
		}
	}
	o.Total = total
	o.Payment.Amount = total
	o.PlacedAt = at
	o.UpdatedAt = at
	m.orders[id] = o
	return cloneOrder(o), nil
}

// Orders returns copies of every order, oldest change first.
func (m *Memory) Orders() []wire.Order {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := slices.Sorted(maps.Keys(m.orders))
	out := make([]wire.Order, 0, len(ids))
	for _, id := range ids {
		out = append(out, cloneOrder(m.orders[id]))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].UpdatedAt.Before(out[j].UpdatedAt) })
	return out
}

var _ Backend = (*Memory)(nil)
