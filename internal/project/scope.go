package project

import (
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// ScopeRules say which products a store carries.
type ScopeRules struct {
	// Categories are category path patterns ("Odzież/*" one level below,
	// "Odzież/**" Odzież and all below it, "Odzież" that category only);
	// empty means all.
	// A product is in scope when any of its categories matches.
	Categories        []string
	ExcludeCategories []string
	// Attributes must all match: value "*" means the attribute is present.
	Attributes map[string]string
	// IncludeSKUs (globs: "KUB-*"), when set, are the only SKUs carried;
	// ExcludeSKUs are never carried.
	IncludeSKUs []string
	ExcludeSKUs []string
	OnlyActive  bool
	OnlyEShop   bool
}

// InScope reports whether the store carries p, and when it does not, why.
// paths maps category codes to their paths.
func (s ScopeRules) InScope(p catalog.Product, paths map[string]string) (bool, string) {
	switch {
	case s.OnlyActive && !p.Active:
		return false, "inactive in the ERP"
	case s.OnlyEShop && !p.EShop:
		return false, "not marked for the e-shop in the ERP"
	case len(s.IncludeSKUs) > 0 && !globAny(s.IncludeSKUs, p.SKU):
		return false, "SKU not in include_skus"
	case globAny(s.ExcludeSKUs, p.SKU):
		return false, "SKU in exclude_skus"
	}
	cats := make([]string, 0, len(p.Categories))
	for _, c := range p.Categories {
		if pth, ok := paths[c]; ok {
			cats = append(cats, pth)
		}
	}
	if len(s.Categories) > 0 && !anyCategory(s.Categories, cats) {
		return false, "category not in scope"
	}
	if anyCategory(s.ExcludeCategories, cats) {
		return false, "category excluded"
	}
	keys := make([]string, 0, len(s.Attributes))
	for k := range s.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := s.Attributes[k]
		got, ok := p.Attributes[k]
		if !ok || (want != "*" && got != want) {
			return false, "attribute " + k + " does not match"
		}
	}
	return true, ""
}

func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, err := path.Match(p, s); err == nil && ok {
			return true
		}
	}
	return false
}

func anyCategory(patterns, cats []string) bool {
	for _, p := range patterns {
		for _, c := range cats {
			if MatchCategory(p, c) {
				return true
			}
		}
	}
	return false
}

// MatchCategory matches a category path ("Dom/Kuchnia/Kubki") against a
// pattern whose segments are names, "*" (any one segment) or a final "**"
// (zero or more further segments). Names compare without regard to case.
func MatchCategory(pattern, category string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	cs := strings.Split(strings.Trim(category, "/"), "/")
	for i, p := range ps {
		if p == "**" && i == len(ps)-1 {
			return len(cs) >= i
		}
		if i >= len(cs) {
			return false
		}
		if p != "*" && !strings.EqualFold(p, cs[i]) {
			return false
		}
	}
	return len(ps) == len(cs)
}

// ProductRules say how a store shows a product.
type ProductRules struct {
	// NameAttribute and DescriptionAttribute, when set and present on the
	// product, replace the ERP name and description for this store.
	NameAttribute        string
	DescriptionAttribute string
	// Owned are fields the store owns once the item exists there: name,
	// description, images, categories, attributes. They are sent on create
	// only; on update they are left out and listed in ProductDoc.Keep.
	Owned []string
}

// Product computes the store's product document. exists says whether the
// item is already in the shop (bound or pushed before); hidden comes from
// StockRules.Hidden. images are the product's image URLs in order.
// Categories are the codes of the product's categories that the ERP knows
// (keys of paths), as the adapters expect.
func (r ProductRules) Product(p catalog.Product, paths map[string]string, images []string, exists, hidden bool) store.ProductDoc {
	doc := store.ProductDoc{
		SKU:         p.SKU,
		Name:        p.Name,
		Description: p.Description,
		EAN:         p.EAN,
		Axes:        p.Axes,
		Attributes:  p.Attributes,
		Images:      images,
		VATRate:     p.VATRate,
		Active:      p.Active && !hidden,
	}
	if v := p.Attributes[r.NameAttribute]; r.NameAttribute != "" && v != "" {
		doc.Name = v
	}
	if v := p.Attributes[r.DescriptionAttribute]; r.DescriptionAttribute != "" && v != "" {
		doc.Description = v
	}
	for _, c := range p.Categories {
		if _, ok := paths[c]; ok {
			doc.Categories = append(doc.Categories, c)
		}
	}
	sort.Strings(doc.Categories)
	if exists {
		r.keepOwned(&doc)
	}
	return doc
}

// Variant computes the store's document for one variant of parent.
func (r ProductRules) Variant(v catalog.Variant, parent catalog.Product, exists, hidden bool) store.ProductDoc {
	doc := store.ProductDoc{
		SKU:       v.SKU,
		ParentSKU: v.ProductSKU,
		Name:      v.Name,
		EAN:       v.EAN,
		Options:   v.Options,
		VATRate:   parent.VATRate,
		Active:    v.Active && parent.Active && !hidden,
	}
	if doc.Name == "" {
		doc.Name = parent.Name
	}
	if exists {
		r.keepOwned(&doc)
	}
	return doc
}

// VariantProduct computes the document of variant v as a product of its
// own, for shops without variants (Features.MaxVariantAxes 0): the parent's
// description, categories, attributes and images; the variant's SKU and
// EAN; its option values as attributes; and its own name, or the parent's
// with the option values: "Koszulka (kolor: czerwony, rozmiar: XL)".
func (r ProductRules) VariantProduct(v catalog.Variant, parent catalog.Product, paths map[string]string, images []string, exists, hidden bool) store.ProductDoc {
	p := parent
	p.SKU, p.EAN, p.Axes = v.SKU, v.EAN, nil
	p.Active = v.Active && parent.Active
	p.Attributes = maps.Clone(parent.Attributes)
	if len(v.Options) > 0 && p.Attributes == nil {
		p.Attributes = map[string]string{}
	}
	maps.Copy(p.Attributes, v.Options)
	doc := r.Product(p, paths, images, false, hidden)
	if v.Name != "" {
		doc.Name = v.Name
	} else if len(v.Options) > 0 {
		opts := make([]string, 0, len(v.Options))
		for _, k := range slices.Sorted(maps.Keys(v.Options)) {
			opts = append(opts, k+": "+v.Options[k])
		}
		doc.Name += " (" + strings.Join(opts, ", ") + ")"
	}
	if exists {
		r.keepOwned(&doc)
	}
	return doc
}

// keepOwned blanks the fields the store owns and lists them in Keep, so an
// adapter leaves them as the shop has them and ERP edits to them do not make
// the item dirty.
func (r ProductRules) keepOwned(doc *store.ProductDoc) {
	for _, f := range r.Owned {
		switch f {
		case "name":
			doc.Name = ""
		case "description":
			doc.Description = ""
		case "images":
			doc.Images = nil
		case "categories":
			doc.Categories = nil
		case "attributes":
			doc.Attributes = nil
		default:
			continue
		}
		doc.Keep = append(doc.Keep, f)
	}
	sort.Strings(doc.Keep)
}
