package memory

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// This file is the memory shop's "admin API": the operations the adapter
// calls after Shop.call has admitted the request. Every method here expects
// s.mu to be held. Failures are *StatusError with the code a REST shop would
// answer: 404 for a missing id, 409 for a conflict, 422 for invalid data.

func (s *Shop) findProduct(shopID, sku string) (*Product, error) {
	if shopID != "" {
		p, ok := s.products[shopID]
		if !ok {
			return nil, goneErr("product", shopID)
		}
		return p, nil
	}
	if p := s.productBySKU(sku); p != nil {
		return p, nil
	}
	return nil, statusErr(http.StatusNotFound, "no product with sku %q", sku)
}

// upsertProduct creates or updates a product (variant when kind is variant).
// Without shopID an existing product with the same SKU is updated: SKUs are
// unique in the shop.
func (s *Shop) upsertProduct(kind catalog.Kind, shopID string, d *store.ProductDoc, maxAxes int) (string, error) {
	var cur *Product
	if shopID != "" {
		var err error
		if cur, err = s.findProduct(shopID, ""); err != nil {
			return "", err
		}
		if other := s.productBySKU(d.SKU); other != nil && other != cur {
			return "", statusErr(http.StatusConflict, "sku %q is already used by product %q", d.SKU, other.ID)
		}
	} else {
		cur = s.productBySKU(d.SKU)
	}
	if cur != nil && len(d.Keep) > 0 {
		d = s.keepOwned(cur, d)
	}
	next, err := s.productFromDoc(kind, d, maxAxes)
	if err != nil {
		return "", err
	}
	if cur == nil {
		next.ID = s.newID("p")
		next.Revision = 1
		next.UpdatedAt = s.tick()
		s.products[next.ID] = next
		s.skus[next.SKU] = next.ID
		return next.ID, nil
	}
	if cur.ParentID != "" && next.ParentID == "" || cur.ParentID == "" && next.ParentID != "" {
		return "", statusErr(http.StatusConflict, "product %q cannot change between product and variant", cur.ID)
	}
	if next.ParentID == cur.ID {
		return "", statusErr(http.StatusUnprocessableEntity, "product %q cannot be its own parent", cur.ID)
	}
	if next.ParentID == "" && len(next.Axes) < len(cur.Axes) {
		for _, v := range s.products {
			if v.ParentID == cur.ID {
				for axis := range v.Options {
					if !slices.Contains(next.Axes, axis) {
						return "", statusErr(http.StatusConflict, "variant %q still uses axis %q", v.SKU, axis)
					}
				}
			}
		}
	}
	// Fields the product document does not carry stay as they are.
	next.ID, next.Revision, next.UpdatedAt = cur.ID, cur.Revision, cur.UpdatedAt
	next.RegularPrice, next.SalePrice, next.SaleFrom, next.SaleTo = cur.RegularPrice, cur.SalePrice, cur.SaleFrom, cur.SaleTo
	next.Currency, next.Gross = cur.Currency, cur.Gross
	next.StockQuantity, next.StockStatus = cur.StockQuantity, cur.StockStatus
	s.replaceProduct(cur, next)
	return cur.ID, nil
}

func (s *Shop) productFromDoc(kind catalog.Kind, d *store.ProductDoc, maxAxes int) (*Product, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(d.SKU) == "" {
		bad("sku is empty")
	}
	if strings.TrimSpace(d.Name) == "" {
		bad("name is empty")
	}
	if d.VATRate.IsNegative() {
		bad("vat_rate %s is negative", d.VATRate)
	}
	p := &Product{
		SKU: d.SKU, Name: d.Name, Description: d.Description, EAN: d.EAN, Active: d.Active,
		Attributes: nilIfEmptyMap(d.Attributes), Images: nilIfEmpty(slices.Clone(d.Images)),
		VATRate: d.VATRate, StockStatus: apiStockOut,
	}
	switch kind {
	case catalog.KindVariant:
		if len(d.Axes) > 0 {
			bad("a variant has no axes of its own")
		}
		parent := s.productBySKU(d.ParentSKU)
		switch {
		case d.ParentSKU == "":
			bad("variant has no parent_sku")
		case parent == nil:
			bad("parent product %q is not in the shop", d.ParentSKU)
		case parent.ParentID != "":
			bad("parent %q is itself a variant", d.ParentSKU)
		default:
			p.ParentID = parent.ID
			if len(d.Options) == 0 {
				bad("variant has no options")
			}
			for axis := range d.Options {
				if !slices.Contains(parent.Axes, axis) {
					bad("option %q is not an axis of %q (axes: %v)", axis, d.ParentSKU, parent.Axes)
				}
			}
			p.Options = nilIfEmptyMap(d.Options)
		}
	default:
		if d.ParentSKU != "" || len(d.Options) > 0 {
			bad("a product item has no parent_sku or options; push it as a variant")
		}
		if len(d.Axes) > maxAxes {
			bad("%d variant axes, the shop allows %d", len(d.Axes), maxAxes)
		}
		p.Axes = nilIfEmpty(slices.Clone(d.Axes))
	}
	for _, code := range d.Categories {
		id, ok := s.codes[code]
		if !ok {
			bad("category %q is not in the shop", code)
			continue
		}
		if !slices.Contains(p.Categories, id) {
			p.Categories = append(p.Categories, id)
		}
	}
	for _, img := range d.Images {
		u, err := url.Parse(img)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("image %q is not an absolute http(s) URL", img)
		}
	}
	if len(problems) > 0 {
		return nil, statusErr(http.StatusUnprocessableEntity, "%s", strings.Join(problems, "; "))
	}
	return p, nil
}

// replaceProduct stores next in cur's place, counting a revision only when
// something changed.
func (s *Shop) replaceProduct(cur, next *Product) {
	if productState(cur) == productState(next) {
		return
	}
	next.Revision = cur.Revision + 1
	next.UpdatedAt = s.tick()
	if cur.SKU != next.SKU {
		delete(s.skus, cur.SKU)
		s.skus[next.SKU] = next.ID
	}
	*cur = *next
}

// productState is a product's content without its bookkeeping, for telling
// a real change from a repeated write.
func productState(p *Product) string {
	c := p.clone()
	c.Revision, c.UpdatedAt = 0, time.Time{}
	c.Categories = nilIfEmpty(c.Categories)
	c.Axes = nilIfEmpty(c.Axes)
	c.Images = nilIfEmpty(c.Images)
	c.Attributes = nilIfEmptyMap(c.Attributes)
	c.Options = nilIfEmptyMap(c.Options)
	b, err := json.Marshal(c)
	if err != nil {
		// A Product always encodes; a distinct value makes the caller write.
		return "unencodable:" + strconv.Itoa(p.Revision)
	}
	return string(b)
}

func (s *Shop) deactivateProduct(shopID, sku string) (string, error) {
	cur, err := s.findProduct(shopID, sku)
	if err != nil {
		return "", err
	}
	next := cur.clone()
	next.Active = false
	s.replaceProduct(cur, &next)
	return cur.ID, nil
}

// deleteProduct removes a product and its variants. Deleting what is not
// there succeeds: the desired state holds.
func (s *Shop) deleteProduct(shopID, sku string) (string, error) {
	cur, err := s.findProduct(shopID, sku)
	if err != nil {
		return shopID, nil
	}
	for id, p := range s.products {
		if id == cur.ID || p.ParentID == cur.ID {
			delete(s.products, id)
			delete(s.skus, p.SKU)
		}
	}
	return cur.ID, nil
}

func (s *Shop) upsertCategory(shopID string, d *store.CategoryDoc) (string, error) {
	var cur *Category
	if shopID != "" {
		c, ok := s.categories[shopID]
		if !ok {
			return "", goneErr("category", shopID)
		}
		cur = c
		if id, ok := s.codes[d.Code]; ok && id != c.ID {
			return "", statusErr(http.StatusConflict, "category code %q is already used by %q", d.Code, id)
		}
	} else if id, ok := s.codes[d.Code]; ok {
		cur = s.categories[id]
	}
	var problems []string
	if strings.TrimSpace(d.Code) == "" {
		problems = append(problems, "code is empty")
	}
	if strings.TrimSpace(d.Name) == "" {
		problems = append(problems, "name is empty")
	}
	next := Category{Code: d.Code, Name: d.Name, Path: d.Path}
	if d.ParentCode != "" {
		pid, ok := s.codes[d.ParentCode]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("parent category %q is not in the shop", d.ParentCode))
		case cur != nil && s.isUnder(pid, cur.ID):
			problems = append(problems, fmt.Sprintf("parent %q would make a cycle", d.ParentCode))
		default:
			next.ParentID = pid
		}
	}
	if len(problems) > 0 {
		return "", statusErr(http.StatusUnprocessableEntity, "%s", strings.Join(problems, "; "))
	}
	if cur == nil {
		next.ID = s.newID("c")
		next.Revision = 1
		s.categories[next.ID] = &next
		s.codes[next.Code] = next.ID
		return next.ID, nil
	}
	next.ID, next.Revision = cur.ID, cur.Revision
	if next != *cur {
		next.Revision++
		if next.Code != cur.Code {
			delete(s.codes, cur.Code)
			s.codes[next.Code] = next.ID
		}
		*cur = next
	}
	return cur.ID, nil
}

// isUnder reports whether category id is anc or below it.
func (s *Shop) isUnder(id, anc string) bool {
	for seen := 0; id != "" && seen <= len(s.categories); seen++ {
		if id == anc {
			return true
		}
		c, ok := s.categories[id]
		if !ok {
			return false
		}
		id = c.ParentID
	}
	return false
}

func (s *Shop) deleteCategory(shopID, code string) (string, error) {
	id := shopID
	if id == "" {
		id = s.codes[code]
	}
	c, ok := s.categories[id]
	if !ok {
		return shopID, nil
	}
	for _, o := range s.categories {
		if o.ParentID == c.ID {
			return "", statusErr(http.StatusConflict, "category %q has subcategory %q", c.Code, o.Code)
		}
	}
	for _, p := range s.products {
		if i := slices.Index(p.Categories, c.ID); i >= 0 {
			next := p.clone()
			next.Categories = slices.Delete(next.Categories, i, i+1)
			s.replaceProduct(p, &next)
		}
	}
	delete(s.categories, c.ID)
	delete(s.codes, c.Code)
	return c.ID, nil
}

func (s *Shop) setPrice(shopID string, d *store.PriceDoc) (string, error) {
	cur, err := s.findProduct(shopID, d.SKU)
	if err != nil {
		return "", err
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if d.Currency != s.currency {
		bad("currency %q, the shop sells in %q", d.Currency, s.currency)
	}
	checkAmount := func(name string, a decimal.Decimal) {
		if a.IsNegative() {
			bad("%s %s is negative", name, a)
		}
		if a.Exponent() < -2 && !a.Equal(a.Round(2)) {
			bad("%s %s has more than 2 decimal places", name, a)
		}
	}
	checkAmount("regular price", d.Regular)
	if d.Sale != nil {
		checkAmount("sale price", *d.Sale)
		if d.Sale.GreaterThan(d.Regular) {
			bad("sale price %s is above regular price %s", d.Sale, d.Regular)
		}
	}
	if d.SaleFrom != nil && d.SaleTo != nil && !d.SaleFrom.Before(*d.SaleTo) {
		bad("sale_from %s is not before sale_to %s", d.SaleFrom.UTC(), d.SaleTo.UTC())
	}
	if len(problems) > 0 {
		return "", statusErr(http.StatusUnprocessableEntity, "%s", strings.Join(problems, "; "))
	}
	next := cur.clone()
	reg := d.Regular
	next.RegularPrice = &reg
	next.SalePrice = cloneDec(d.Sale)
	next.SaleFrom, next.SaleTo = utcPtr(d.SaleFrom), utcPtr(d.SaleTo)
	next.Currency, next.Gross = d.Currency, d.Gross
	s.replaceProduct(cur, &next)
	return cur.ID, nil
}

func (s *Shop) setStock(shopID string, d *store.StockDoc, integer bool) (string, error) {
	cur, err := s.findProduct(shopID, d.SKU)
	if err != nil {
		return "", err
	}
	if integer && !d.Quantity.IsInteger() {
		return "", statusErr(http.StatusUnprocessableEntity, "quantity %s is not a whole number", d.Quantity)
	}
	status := string(d.Status)
	switch d.Status {
	case store.InStock, store.OutOfStock, store.OnBackorder:
	case "":
		status = apiStockOut
		if d.Quantity.IsPositive() {
			status = apiStockIn
		}
	default:
		return "", statusErr(http.StatusUnprocessableEntity, "stock status %q is not instock, outofstock or onbackorder", d.Status)
	}
	next := cur.clone()
	q := d.Quantity
	next.StockQuantity = &q
	next.StockStatus = status
	s.replaceProduct(cur, &next)
	return cur.ID, nil
}

// orderPage returns up to size orders changed at or after since, oldest
// change first, after the position token (keyset pagination: orders that
// change while a caller pages move behind its position and are not lost).
func (s *Shop) orderPage(since time.Time, token string, size int) ([]*Order, string, error) {
	var afterT time.Time
	var afterID string
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		parts := strings.SplitN(string(raw), "|", 2)
		if err != nil || len(parts) != 2 {
			return nil, "", statusErr(http.StatusBadRequest, "bad page token %q", token)
		}
		n, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", statusErr(http.StatusBadRequest, "bad page token %q", token)
		}
		afterT, afterID = time.Unix(0, n).UTC(), parts[1]
	}
	var out []*Order
	next := ""
	for _, o := range s.sortedOrders() {
		if o.UpdatedAt.Before(since) {
			continue
		}
		if token != "" && !orderLess(&Order{UpdatedAt: afterT, ID: afterID}, o) {
			continue
		}
		if len(out) == size {
			last := out[len(out)-1]
			next = base64.RawURLEncoding.EncodeToString(
				[]byte(strconv.FormatInt(last.UpdatedAt.UnixNano(), 10) + "|" + last.ID))
			break
		}
		out = append(out, o)
	}
	return out, next, nil
}

func (s *Shop) setOrderStatus(id string, u catalog.StatusUpdate) error {
	o, ok := s.orders[id]
	if !ok {
		return statusErr(http.StatusNotFound, "no order %q", id)
	}
	status, ok := statusFromHub[u.Status]
	if !ok {
		return statusErr(http.StatusUnprocessableEntity, "unknown order status %q", u.Status)
	}
	if u.Tracking != nil && strings.TrimSpace(u.Tracking.Number) == "" {
		return statusErr(http.StatusUnprocessableEntity, "tracking has no number")
	}
	next := o.clone()
	next.Status = status
	if u.Tracking != nil {
		t := *u.Tracking
		next.Tracking = &t
	}
	if u.ERPNumber != "" {
		next.ERPNumber = u.ERPNumber
	}
	if u.Note != "" {
		next.AdminNote = u.Note
	}
	if orderState(o) != orderState(&next) {
		next.Revision = o.Revision + 1
		next.UpdatedAt = s.tick()
		*o = next
	}
	return nil
}

func orderState(o *Order) string {
	c := o.clone()
	c.Revision, c.UpdatedAt = 0, time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		return "unencodable:" + strconv.Itoa(o.Revision)
	}
	return string(b)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// keepOwned returns d with the fields the store owns (d.Keep) taken from the
// shop's current product, so an update leaves them as the shop has them.
func (s *Shop) keepOwned(cur *Product, d *store.ProductDoc) *store.ProductDoc {
	dd := *d
	for _, f := range d.Keep {
		switch f {
		case "name":
			dd.Name = cur.Name
		case "description":
			dd.Description = cur.Description
		case "images":
			dd.Images = slices.Clone(cur.Images)
		case "attributes":
			dd.Attributes = maps.Clone(cur.Attributes)
		case "categories":
			dd.Categories = nil
			for _, id := range cur.Categories {
				if c, ok := s.categories[id]; ok {
					dd.Categories = append(dd.Categories, c.Code)
				}
			}
		}
	}
	return &dd
}
