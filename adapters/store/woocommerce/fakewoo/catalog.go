package fakewoo

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// wpDate is how WordPress writes dates in the REST API: no zone.
const wpDate = "2006-01-02T15:04:05"

// CategoryRef is a product's category as the API shows it.
type CategoryRef struct {
	ID   int    `json:"id"`
	Name string `json:"name,omitempty"`
	Slug string `json:"slug,omitempty"`
}

// Image is a product image (media library item).
type Image struct {
	ID   int    `json:"id"`
	Src  string `json:"src"`
	Name string `json:"name"`
	Alt  string `json:"alt"`
	// Source is the URL the image was downloaded from (the media library's
	// original file); the API does not show it.
	Source string `json:"-"`
}

// Attribute is a product attribute (Options) or a variation's value (Option).
type Attribute struct {
	ID        int      `json:"id"`
	Name      string   `json:"name"`
	Position  int      `json:"position,omitempty"`
	Visible   bool     `json:"visible,omitempty"`
	Variation bool     `json:"variation,omitempty"`
	Options   []string `json:"options,omitempty"`
	Option    string   `json:"option,omitempty"`
}

// Meta is one meta_data entry.
type Meta struct {
	ID    int    `json:"id"`
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// Product is a product or a variation (Type "variation", ParentID set) in
// the API's JSON form.
type Product struct {
	ID                int           `json:"id"`
	ParentID          int           `json:"parent_id"`
	Name              string        `json:"name"`
	Slug              string        `json:"slug,omitempty"`
	Type              string        `json:"type"`
	Status            string        `json:"status"`
	Description       string        `json:"description"`
	SKU               string        `json:"sku"`
	GlobalUniqueID    string        `json:"global_unique_id"`
	Price             string        `json:"price"`
	RegularPrice      string        `json:"regular_price"`
	SalePrice         string        `json:"sale_price"`
	DateOnSaleFrom    *string       `json:"date_on_sale_from"`
	DateOnSaleFromGMT *string       `json:"date_on_sale_from_gmt"`
	DateOnSaleTo      *string       `json:"date_on_sale_to"`
	DateOnSaleToGMT   *string       `json:"date_on_sale_to_gmt"`
	ManageStock       bool          `json:"manage_stock"`
	StockQuantity     *int          `json:"stock_quantity"`
	StockStatus       string        `json:"stock_status"`
	Backorders        string        `json:"backorders"`
	Categories        []CategoryRef `json:"categories,omitempty"`
	Images            []Image       `json:"images,omitempty"`
	Image             *Image        `json:"image,omitempty"`
	Attributes        []Attribute   `json:"attributes"`
	Variations        []int         `json:"variations,omitempty"`
	MetaData          []Meta        `json:"meta_data"`
	DateCreated       string        `json:"date_created"`
	DateCreatedGMT    string        `json:"date_created_gmt"`
	DateModified      string        `json:"date_modified"`
	DateModifiedGMT   string        `json:"date_modified_gmt"`

	// Revision counts the writes that changed the item; the API does not
	// show it.
	Revision int `json:"-"`

	saleFrom, saleTo  *time.Time
	created, modified time.Time
}

// Category is a product category.
type Category struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Parent      int    `json:"parent"`
	Description string `json:"description"`
	Count       int    `json:"count"`
}

// Slugify is how the fake sanitizes a slug (a simplification of WordPress's
// sanitize_title): lowercase letters and digits kept, runs of anything else
// become one hyphen, no hyphen at either end.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
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

// render returns a copy of p with derived fields filled in. Call with s.mu held.
func (s *Server) render(p *Product) Product {
	c := *p
	tz := s.opts.TimeZone
	c.DateCreated, c.DateCreatedGMT = c.created.In(tz).Format(wpDate), c.created.UTC().Format(wpDate)
	c.DateModified, c.DateModifiedGMT = c.modified.In(tz).Format(wpDate), c.modified.UTC().Format(wpDate)
	c.DateOnSaleFrom, c.DateOnSaleFromGMT = nil, nil
	c.DateOnSaleTo, c.DateOnSaleToGMT = nil, nil
	if p.saleFrom != nil {
		l, g := p.saleFrom.In(tz).Format(wpDate), p.saleFrom.UTC().Format(wpDate)
		c.DateOnSaleFrom, c.DateOnSaleFromGMT = &l, &g
	}
	if p.saleTo != nil {
		l, g := p.saleTo.In(tz).Format(wpDate), p.saleTo.UTC().Format(wpDate)
		c.DateOnSaleTo, c.DateOnSaleToGMT = &l, &g
	}
	c.Price = p.RegularPrice
	now := s.now()
	if p.SalePrice != "" && (p.saleFrom == nil || !now.Before(*p.saleFrom)) && (p.saleTo == nil || now.Before(*p.saleTo)) {
		c.Price = p.SalePrice
	}
	c.Categories = nil
	for _, ref := range p.Categories {
		if cat, ok := s.categories[ref.ID]; ok {
			c.Categories = append(c.Categories, CategoryRef{ID: cat.ID, Name: cat.Name, Slug: cat.Slug})
		}
	}
	c.Images = slices.Clone(p.Images)
	c.Attributes = slices.Clone(p.Attributes)
	if c.Attributes == nil {
		c.Attributes = []Attribute{}
	}
	c.MetaData = slices.Clone(p.MetaData)
	if c.MetaData == nil {
		c.MetaData = []Meta{}
	}
	c.Variations = nil
	if p.Type == "variable" {
		c.Variations = []int{}
		for _, v := range s.sortedProducts() {
			if v.ParentID == p.ID && v.Type == "variation" {
				c.Variations = append(c.Variations, v.ID)
			}
		}
	}
	if p.Image != nil {
		img := *p.Image
		c.Image = &img
	}
	return c
}

func (s *Server) sortedProducts() []*Product {
	out := make([]*Product, 0, len(s.products))
	for _, p := range s.products {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func str(raw json.RawMessage, name string) (string, *apiError) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", invalidParam(name, name+" is not of type string.")
	}
	return v, nil
}

func boolean(raw json.RawMessage, name string) (bool, *apiError) {
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, invalidParam(name, name+" is not of type boolean.")
	}
	return v, nil
}

func price(raw json.RawMessage, name string) (string, *apiError) {
	v, aerr := str(raw, name)
	if aerr != nil || v == "" {
		return v, aerr
	}
	d, err := decimal.NewFromString(v)
	if err != nil || d.IsNegative() {
		return "", invalidParam(name, name+" is not a valid price.")
	}
	return v, nil
}

// parseDate reads a REST date: naive (in loc) or RFC 3339; "" or null clears.
func parseDate(raw json.RawMessage, name string, loc *time.Location) (*time.Time, *apiError) {
	if string(raw) == "null" {
		return nil, nil
	}
	v, aerr := str(raw, name)
	if aerr != nil || v == "" {
		return nil, aerr
	}
	if t, err := time.ParseInLocation(wpDate, v, loc); err == nil {
		return &t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	return nil, invalidParam(name, name+" is not a valid date.")
}

var (
	productStatuses = []string{"draft", "pending", "private", "publish"}
	stockStatuses   = []string{"instock", "outofstock", "onbackorder"}
	backorderValues = []string{"no", "notify", "yes"}
)

// patchProduct applies the fields present in m to p. Call with s.mu held.
func (s *Server) patchProduct(p *Product, m map[string]json.RawMessage, creating bool) *apiError {
	variation := p.Type == "variation"
	var aerr *apiError
	for key, raw := range m {
		switch key {
		case "name", "description", "global_unique_id", "slug":
			var v string
			if v, aerr = str(raw, key); aerr != nil {
				return aerr
			}
			switch key {
			case "name":
				p.Name = v
			case "description":
				p.Description = v
			case "global_unique_id":
				p.GlobalUniqueID = v
			case "slug":
				p.Slug = Slugify(v)
			}
		case "type":
			v, aerr := str(raw, key)
			if aerr != nil {
				return aerr
			}
			if !variation && creating {
				if v != "simple" && v != "variable" {
					return invalidParam("type", "type is not one of simple, variable (the fake's subset).")
				}
				p.Type = v
			}
		case "status":
			v, aerr := str(raw, key)
			if aerr != nil {
				return aerr
			}
			if !slices.Contains(productStatuses, v) {
				return invalidParam("status", "status is not one of draft, pending, private, and publish.")
			}
			p.Status = v
		case "sku":
			v, aerr := str(raw, key)
			if aerr != nil {
				return aerr
			}
			v = strings.TrimSpace(v)
			if v != "" {
				for _, o := range s.products {
					if o.ID != p.ID && o.SKU == v {
						return &apiError{Status: http.StatusBadRequest, Code: "product_invalid_sku",
							Message: "Invalid or duplicated SKU.",
							Extra:   map[string]any{"resource_id": o.ID, "unique_sku": v + "-1"}}
					}
				}
			}
			p.SKU = v
		case "regular_price", "sale_price":
			v, aerr := price(raw, key)
			if aerr != nil {
				return aerr
			}
			if key == "regular_price" {
				p.RegularPrice = v
			} else {
				p.SalePrice = v
			}
		case "date_on_sale_from", "date_on_sale_from_gmt", "date_on_sale_to", "date_on_sale_to_gmt":
			loc := s.opts.TimeZone
			if strings.HasSuffix(key, "_gmt") {
				loc = time.UTC
			}
			t, aerr := parseDate(raw, key, loc)
			if aerr != nil {
				return aerr
			}
			if strings.HasPrefix(key, "date_on_sale_from") {
				p.saleFrom = t
			} else {
				p.saleTo = t
			}
		case "manage_stock":
			v, aerr := boolean(raw, key)
			if aerr != nil {
				return aerr
			}
			p.ManageStock = v
		case "stock_quantity":
			if string(raw) == "null" {
				p.StockQuantity = nil
				continue
			}
			var n json.Number
			if err := json.Unmarshal(raw, &n); err != nil {
				return invalidParam(key, "stock_quantity is not of type integer.")
			}
			q, err := strconv.Atoi(n.String())
			if err != nil {
				return invalidParam(key, "stock_quantity is not of type integer.")
			}
			p.StockQuantity = &q
		case "stock_status", "backorders":
			v, aerr := str(raw, key)
			if aerr != nil {
				return aerr
			}
			allowed := stockStatuses
			if key == "backorders" {
				allowed = backorderValues
			}
			if !slices.Contains(allowed, v) {
				return invalidParam(key, key+" is not one of "+strings.Join(allowed, ", ")+".")
			}
			if key == "stock_status" {
				p.StockStatus = v
			} else {
				p.Backorders = v
			}
		case "categories":
			if variation {
				continue
			}
			var refs []struct {
				ID int `json:"id"`
			}
			if err := json.Unmarshal(raw, &refs); err != nil {
				return invalidParam(key, "categories is not of type array.")
			}
			p.Categories = nil
			for _, r := range refs {
				if _, ok := s.categories[r.ID]; ok {
					p.Categories = append(p.Categories, CategoryRef{ID: r.ID})
				}
			}
		case "images":
			if variation {
				continue
			}
			var in []Image
			if err := json.Unmarshal(raw, &in); err != nil {
				return invalidParam(key, "images is not of type array.")
			}
			imgs := make([]Image, 0, len(in))
			for _, im := range in {
				got, aerr := s.sideload(im)
				if aerr != nil {
					return aerr
				}
				imgs = append(imgs, got)
			}
			p.Images = imgs
		case "image":
			if !variation {
				continue
			}
			if string(raw) == "null" {
				p.Image = nil
				continue
			}
			var im Image
			if err := json.Unmarshal(raw, &im); err != nil {
				return invalidParam(key, "image is not of type object.")
			}
			got, aerr := s.sideload(im)
			if aerr != nil {
				return aerr
			}
			p.Image = &got
		case "attributes":
			var in []Attribute
			if err := json.Unmarshal(raw, &in); err != nil {
				return invalidParam(key, "attributes is not of type array.")
			}
			var attrs []Attribute
			for _, a := range in {
				if a.Name == "" {
					return invalidParam(key, "attributes[].name is required.")
				}
				if variation {
					attrs = append(attrs, Attribute{Name: a.Name, Option: a.Option})
					continue
				}
				// WooCommerce drops attributes without options
				// (wc_attributes_array_filter_valid).
				if len(a.Options) == 0 {
					continue
				}
				a.Option = ""
				a.Position = len(attrs)
				attrs = append(attrs, a)
			}
			p.Attributes = attrs
		case "meta_data":
			var in []Meta
			if err := json.Unmarshal(raw, &in); err != nil {
				return invalidParam(key, "meta_data is not of type array.")
			}
			p.MetaData = s.upsertMeta(p.MetaData, in)
		}
	}
	if p.Status == "" {
		p.Status = "publish"
	}
	if p.Backorders == "" {
		p.Backorders = "no"
	}
	if p.ManageStock {
		q := 0
		if p.StockQuantity != nil {
			q = *p.StockQuantity
		}
		switch {
		case q > 0:
			p.StockStatus = "instock"
		case p.Backorders != "no":
			p.StockStatus = "onbackorder"
		default:
			p.StockStatus = "outofstock"
		}
	} else if p.StockStatus == "" {
		p.StockStatus = "instock"
	}
	if p.Slug == "" && !variation {
		p.Slug = Slugify(p.Name)
	}
	return nil
}

// sideload stores an image given by id or src, as WooCommerce does: a src is
// downloaded into a new media item every time. Call with s.mu held.
func (s *Server) sideload(im Image) (Image, *apiError) {
	if im.ID > 0 {
		got, ok := s.media[im.ID]
		if !ok {
			return Image{}, errf(http.StatusBadRequest, "woocommerce_product_invalid_image_id", "#%d is an invalid image ID.", im.ID)
		}
		if im.Name != "" {
			got.Name = im.Name
		}
		if im.Alt != "" {
			got.Alt = im.Alt
		}
		s.media[got.ID] = got
		return got, nil
	}
	u, err := url.Parse(im.Src)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Image{}, errf(http.StatusBadRequest, "woocommerce_product_image_upload_error", "Error getting remote image %s.", im.Src)
	}
	s.nextMedia++
	base := path.Base(u.Path)
	name := im.Name
	if name == "" {
		name = strings.TrimSuffix(base, path.Ext(base))
	}
	got := Image{ID: s.nextMedia, Source: im.Src, Src: s.opts.SiteURL + "/wp-content/uploads/fake/" + strconv.Itoa(s.nextMedia) + "-" + base, Name: name, Alt: im.Alt}
	s.media[got.ID] = got
	return got, nil
}

// upsertMeta sets meta entries by id or key, as WC_Data::set_meta_data does.
func (s *Server) upsertMeta(cur, in []Meta) []Meta {
	out := slices.Clone(cur)
	for _, m := range in {
		found := false
		for i := range out {
			if (m.ID != 0 && out[i].ID == m.ID) || (m.ID == 0 && out[i].Key == m.Key) {
				out[i].Value = m.Value
				found = true
				break
			}
		}
		if !found {
			s.nextOther++
			out = append(out, Meta{ID: s.nextOther, Key: m.Key, Value: m.Value})
		}
	}
	return out
}

func snapshot(p *Product) string {
	b, _ := json.Marshal(struct {
		P            *Product
		SaleFrom, To *time.Time
	}{p, p.saleFrom, p.saleTo})
	return string(b)
}

// createProductLocked creates a product (parent 0) or variation. Call with s.mu held.
func (s *Server) createProductLocked(m map[string]json.RawMessage, parent int) (Product, *apiError) {
	p := &Product{Type: "simple"}
	if parent != 0 {
		par, ok := s.products[parent]
		if !ok || par.Type == "variation" {
			return Product{}, errf(http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.")
		}
		p.Type = "variation"
		p.ParentID = parent
		p.Name = par.Name
	}
	s.nextPost++
	p.ID = s.nextPost
	if aerr := s.patchProduct(p, m, true); aerr != nil {
		s.nextPost--
		return Product{}, aerr
	}
	now := s.now().UTC().Truncate(time.Second)
	p.created, p.modified = now, now
	p.Revision = 1
	s.products[p.ID] = p
	s.writes.Add(1)
	return s.render(p), nil
}

// updateProductLocked updates a product or variation. parent < 0: a product;
// else the variation must belong to parent. Call with s.mu held.
func (s *Server) updateProductLocked(id int, m map[string]json.RawMessage, parent int) (Product, *apiError) {
	p, ok := s.products[id]
	if !ok || (parent < 0 && p.Type == "variation") || (parent >= 0 && (p.Type != "variation" || p.ParentID != parent)) {
		if parent >= 0 {
			return Product{}, errf(http.StatusBadRequest, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
		}
		return Product{}, errf(http.StatusBadRequest, "woocommerce_rest_product_invalid_id", "Invalid ID.")
	}
	before := snapshot(p)
	next := *p
	next.Images = slices.Clone(p.Images)
	next.Attributes = slices.Clone(p.Attributes)
	next.MetaData = slices.Clone(p.MetaData)
	next.Categories = slices.Clone(p.Categories)
	if aerr := s.patchProduct(&next, m, false); aerr != nil {
		return Product{}, aerr
	}
	if snapshot(&next) != before {
		next.modified = s.now().UTC().Truncate(time.Second)
		next.Revision++
		*p = next
		s.writes.Add(1)
	}
	return s.render(p), nil
}

func (s *Server) deleteProductLocked(id int, parent int) (Product, *apiError) {
	p, ok := s.products[id]
	if !ok || (parent < 0 && p.Type == "variation") || (parent >= 0 && (p.Type != "variation" || p.ParentID != parent)) {
		if parent >= 0 {
			return Product{}, errf(http.StatusNotFound, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
		}
		return Product{}, errf(http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.")
	}
	out := s.render(p)
	delete(s.products, id)
	for vid, v := range s.products {
		if v.ParentID == id {
			delete(s.products, vid)
		}
	}
	s.writes.Add(1)
	return out, nil
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	skus := splitList(q.Get("sku"))
	include := map[int]bool{}
	for _, v := range splitList(q.Get("include")) {
		if n, err := strconv.Atoi(v); err == nil {
			include[n] = true
		}
	}
	status := q.Get("status")
	s.mu.Lock()
	var out []Product
	for _, p := range s.sortedProducts() {
		if len(skus) > 0 {
			if !slices.Contains(skus, p.SKU) {
				continue
			}
		} else if p.Type == "variation" {
			continue
		}
		if len(include) > 0 && !include[p.ID] {
			continue
		}
		if status != "" && status != "any" && p.Status != status {
			continue
		}
		out = append(out, s.render(p))
	}
	s.mu.Unlock()
	writePage(w, r, out)
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) {
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	s.mu.Lock()
	p, aerr := s.createProductLocked(m, 0)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	p, found := s.products[id]
	var out Product
	if found {
		out = s.render(p)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.", nil)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request) {
	s.updateOne(w, r, -1)
}

func (s *Server) updateVariation(w http.ResponseWriter, r *http.Request) {
	parent, ok := pathID(w, r, "id")
	if ok {
		s.updateOne(w, r, parent)
	}
}

func (s *Server) updateOne(w http.ResponseWriter, r *http.Request, parent int) {
	name := "id"
	if parent >= 0 {
		name = "vid"
	}
	id, ok := pathID(w, r, name)
	if !ok {
		return
	}
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	s.mu.Lock()
	p, aerr := s.updateProductLocked(id, m, parent)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) deleteProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.deleteOne(w, r, id, -1)
}

func (s *Server) deleteVariation(w http.ResponseWriter, r *http.Request) {
	parent, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	id, ok := pathID(w, r, "vid")
	if ok {
		s.deleteOne(w, r, id, parent)
	}
}

func (s *Server) deleteOne(w http.ResponseWriter, r *http.Request, id, parent int) {
	if r.URL.Query().Get("force") != "true" {
		writeError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported",
			"The fake does not keep a trash; pass force=true.", nil)
		return
	}
	s.mu.Lock()
	p, aerr := s.deleteProductLocked(id, parent)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) batchProducts(w http.ResponseWriter, r *http.Request) { s.batch(w, r, -1) }

func (s *Server) batchVariations(w http.ResponseWriter, r *http.Request) {
	parent, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	par, found := s.products[parent]
	s.mu.Unlock()
	if !found || par.Type == "variation" {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.", nil)
		return
	}
	s.batch(w, r, parent)
}

// batch serves /products/batch (parent < 0) and /products/<parent>/variations/batch.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, parent int) {
	br, aerr := s.readBatch(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	out := map[string][]any{}
	s.mu.Lock()
	createParent := 0
	if parent > 0 {
		createParent = parent
	}
	for _, m := range br.Create {
		p, aerr := s.createProductLocked(m, createParent)
		if aerr != nil {
			out["create"] = append(out["create"], itemError(0, aerr))
			continue
		}
		out["create"] = append(out["create"], p)
	}
	for _, m := range br.Update {
		id, aerr := idOf(m)
		if aerr == nil {
			var p Product
			if p, aerr = s.updateProductLocked(id, m, parent); aerr == nil {
				out["update"] = append(out["update"], p)
				continue
			}
		}
		out["update"] = append(out["update"], itemError(id, aerr))
	}
	for _, id := range br.Delete {
		p, aerr := s.deleteProductLocked(id, parent)
		if aerr != nil {
			out["delete"] = append(out["delete"], itemError(id, aerr))
			continue
		}
		out["delete"] = append(out["delete"], p)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listVariations(w http.ResponseWriter, r *http.Request) {
	parent, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	include := map[int]bool{}
	for _, v := range splitList(r.URL.Query().Get("include")) {
		if n, err := strconv.Atoi(v); err == nil {
			include[n] = true
		}
	}
	s.mu.Lock()
	par, found := s.products[parent]
	var out []Product
	if found {
		for _, p := range s.sortedProducts() {
			if p.ParentID == parent && p.Type == "variation" && (len(include) == 0 || include[p.ID]) {
				out = append(out, s.render(p))
			}
		}
	}
	s.mu.Unlock()
	if !found || par.Type == "variation" {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.", nil)
		return
	}
	writePage(w, r, out)
}

func (s *Server) createVariation(w http.ResponseWriter, r *http.Request) {
	parent, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	s.mu.Lock()
	p, aerr := s.createProductLocked(m, parent)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getVariation(w http.ResponseWriter, r *http.Request) {
	parent, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	id, ok := pathID(w, r, "vid")
	if !ok {
		return
	}
	s.mu.Lock()
	p, found := s.products[id]
	var out Product
	found = found && p.Type == "variation" && p.ParentID == parent
	if found {
		out = s.render(p)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.", nil)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// Categories.

func (s *Server) patchCategory(c *Category, m map[string]json.RawMessage) *apiError {
	for key, raw := range m {
		switch key {
		case "name", "slug", "description":
			v, aerr := str(raw, key)
			if aerr != nil {
				return aerr
			}
			switch key {
			case "name":
				c.Name = v
			case "slug":
				c.Slug = Slugify(v)
			case "description":
				c.Description = v
			}
		case "parent":
			var n json.Number
			if err := json.Unmarshal(raw, &n); err != nil {
				return invalidParam(key, "parent is not of type integer.")
			}
			id, err := strconv.Atoi(n.String())
			if err != nil {
				return invalidParam(key, "parent is not of type integer.")
			}
			if id != 0 {
				if _, ok := s.categories[id]; !ok || id == c.ID {
					return errf(http.StatusBadRequest, "rest_term_invalid", "Parent term does not exist.")
				}
			}
			c.Parent = id
		}
	}
	if strings.TrimSpace(c.Name) == "" {
		return errf(http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): name")
	}
	if c.Slug == "" {
		c.Slug = Slugify(c.Name)
	}
	for _, o := range s.categories {
		if o.ID == c.ID {
			continue
		}
		if o.Parent == c.Parent && strings.EqualFold(o.Name, c.Name) {
			return &apiError{Status: http.StatusBadRequest, Code: "term_exists",
				Message: "A term with the name provided already exists with this parent.",
				Extra:   map[string]any{"resource_id": o.ID}}
		}
		if o.Slug == c.Slug {
			return errf(http.StatusBadRequest, "duplicate_term_slug", "The slug \u201c%s\u201d is already in use by another term.", c.Slug)
		}
	}
	return nil
}

func (s *Server) createCategoryLocked(m map[string]json.RawMessage) (Category, *apiError) {
	c := &Category{ID: s.nextTerm + 1}
	if aerr := s.patchCategory(c, m); aerr != nil {
		return Category{}, aerr
	}
	s.nextTerm++
	s.categories[c.ID] = c
	s.writes.Add(1)
	return s.renderCategory(c), nil
}

func (s *Server) renderCategory(c *Category) Category {
	out := *c
	out.Count = 0
	for _, p := range s.products {
		for _, ref := range p.Categories {
			if ref.ID == c.ID {
				out.Count++
			}
		}
	}
	return out
}

func (s *Server) updateCategoryLocked(id int, m map[string]json.RawMessage) (Category, *apiError) {
	c, ok := s.categories[id]
	if !ok {
		return Category{}, errf(http.StatusBadRequest, "woocommerce_rest_term_invalid", "Resource does not exist.")
	}
	next := *c
	if aerr := s.patchCategory(&next, m); aerr != nil {
		return Category{}, aerr
	}
	if next != *c {
		*c = next
		s.writes.Add(1)
	}
	return s.renderCategory(c), nil
}

func (s *Server) deleteCategoryLocked(id int) (Category, *apiError) {
	c, ok := s.categories[id]
	if !ok {
		return Category{}, errf(http.StatusNotFound, "woocommerce_rest_term_invalid", "Resource does not exist.")
	}
	out := s.renderCategory(c)
	delete(s.categories, id)
	for _, o := range s.categories {
		if o.Parent == id {
			o.Parent = c.Parent
		}
	}
	s.writes.Add(1)
	return out, nil
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slug := q.Get("slug")
	s.mu.Lock()
	ids := make([]int, 0, len(s.categories))
	for id := range s.categories {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []Category
	for _, id := range ids {
		c := s.categories[id]
		if slug != "" && c.Slug != slug {
			continue
		}
		out = append(out, s.renderCategory(c))
	}
	s.mu.Unlock()
	writePage(w, r, out)
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) {
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	s.mu.Lock()
	c, aerr := s.createCategoryLocked(m)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getCategory(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	c, found := s.categories[id]
	var out Category
	if found {
		out = s.renderCategory(c)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "woocommerce_rest_term_invalid", "Resource does not exist.", nil)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateCategory(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	s.mu.Lock()
	c, aerr := s.updateCategoryLocked(id, m)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteCategory(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	if r.URL.Query().Get("force") != "true" {
		writeError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Resource does not support trashing.", nil)
		return
	}
	s.mu.Lock()
	c, aerr := s.deleteCategoryLocked(id)
	s.mu.Unlock()
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) batchCategories(w http.ResponseWriter, r *http.Request) {
	br, aerr := s.readBatch(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	out := map[string][]any{}
	s.mu.Lock()
	for _, m := range br.Create {
		c, aerr := s.createCategoryLocked(m)
		if aerr != nil {
			out["create"] = append(out["create"], itemError(0, aerr))
			continue
		}
		out["create"] = append(out["create"], c)
	}
	for _, m := range br.Update {
		id, aerr := idOf(m)
		if aerr == nil {
			var c Category
			if c, aerr = s.updateCategoryLocked(id, m); aerr == nil {
				out["update"] = append(out["update"], c)
				continue
			}
		}
		out["update"] = append(out["update"], itemError(id, aerr))
	}
	for _, id := range br.Delete {
		c, aerr := s.deleteCategoryLocked(id)
		if aerr != nil {
			out["delete"] = append(out["delete"], itemError(id, aerr))
			continue
		}
		out["delete"] = append(out["delete"], c)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// Inspection helpers.

// Product returns the product or variation with this SKU as the API would
// show it.
func (s *Server) Product(sku string) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.sortedProducts() {
		if p.SKU == sku && sku != "" {
			return s.render(p), true
		}
	}
	return Product{}, false
}

// ProductByID returns the product or variation with this id.
func (s *Server) ProductByID(id int) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return Product{}, false
	}
	return s.render(p), true
}

// Variations returns a product's variations in id order.
func (s *Server) Variations(parentID int) []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Product
	for _, p := range s.sortedProducts() {
		if p.ParentID == parentID && p.Type == "variation" {
			out = append(out, s.render(p))
		}
	}
	return out
}

// Category returns the category with this slug.
func (s *Server) Category(slug string) (Category, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.categories {
		if c.Slug == slug {
			return s.renderCategory(c), true
		}
	}
	return Category{}, false
}

// Counts returns how many products (simple and variable), variations,
// categories, media items and orders the fake holds.
func (s *Server) Counts() (products, variations, categories, media, orders int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.products {
		if p.Type == "variation" {
			variations++
		} else {
			products++
		}
	}
	return products, variations, len(s.categories), len(s.media), len(s.orders)
}
