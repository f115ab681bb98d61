package erpdata

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

// Shape names a schema shape the data set is written in.
type Shape string

// Shapes.
const (
	ShapeOptima Shape = "comarch-optima"
	ShapeXL     Shape = "comarch-xl"
)

// Expected returns the catalog records a profile reading ds (written in
// shape) must produce, by kind. Comarch XL keeps no product weight.
func Expected(ds *Dataset, shape Shape) map[catalog.Kind][]catalog.Record {
	out := map[catalog.Kind][]catalog.Record{}
	add := func(r catalog.Record) { out[r.Kind()] = append(out[r.Kind()], r) }
	groups := map[int]Group{}
	for _, g := range ds.Groups {
		groups[g.ID] = g
	}
	for _, g := range ds.Groups {
		c := catalog.Category{Code: g.Code, Name: g.Name, Path: g.Name}
		if pg, ok := groups[g.ParentID]; ok {
			c.ParentCode = pg.Code
			for p := pg; ; {
				c.Path = p.Name + "/" + c.Path
				next, ok := groups[p.ParentID]
				if !ok {
					break
				}
				p = next
			}
		}
		add(c)
	}
	defs := map[int]AttrDef{}
	for _, d := range ds.AttrDefs {
		defs[d.ID] = d
		typ := "text"
		if d.Format == 5 {
			typ = "binary"
		}
		add(catalog.Attribute{Code: d.Code, Name: d.Code, Type: typ})
	}
	lists := map[int]PriceType{}
	for _, t := range ds.PriceTypes {
		lists[t.Lp] = t
		add(catalog.PriceList{Code: t.Name, Name: t.Name, Currency: t.Currency, Gross: t.Gross, Active: t.Active})
	}
	whs := map[int]Warehouse{}
	for _, w := range ds.Warehouses {
		whs[w.ID] = w
		add(catalog.Warehouse{Code: w.Code, Name: w.Name})
	}
	internal := map[int]bool{AttrImageURL: true, AttrImage: true, AttrParent: true}
	for _, p := range ds.Products {
		if p.Parent != "" {
			v := catalog.Variant{SKU: p.SKU, ProductSKU: p.Parent, Name: p.Name, Active: p.Active}
			if p.EAN != nil {
				v.EAN = *p.EAN
			}
			for _, a := range p.Attrs {
				if !internal[a.DefID] {
					if v.Options == nil {
						v.Options = map[string]string{}
					}
					v.Options[defs[a.DefID].Code] = a.Value
				}
			}
			add(v)
		} else {
			m := p.Modified.UTC()
			r := catalog.Product{
				SKU: p.SKU, ERPID: fmt.Sprint(p.ID), Name: p.Name, Unit: p.Unit, VATRate: p.VAT,
				Active: p.Active, EShop: p.EShop, Service: p.Service, ModifiedAt: &m,
			}
			if p.Description != nil {
				r.Description = *p.Description
			}
			if p.EAN != nil {
				r.EAN = *p.EAN
			}
			if p.WeightKG != nil && shape != ShapeXL {
				w := *p.WeightKG
				r.WeightKG = &w
			}
			if g, ok := groups[p.GroupID]; ok {
				r.Categories = []string{g.Code}
			}
			for _, a := range p.Attrs {
				if !internal[a.DefID] {
					if r.Attributes == nil {
						r.Attributes = map[string]string{}
					}
					r.Attributes[defs[a.DefID].Code] = a.Value
				}
			}
			add(r)
		}
		pos := 0
		if u, ok := p.AttrValue(AttrImageURL); ok {
			pos++
			add(catalog.Image{ProductSKU: p.SKU, Position: pos, URL: u})
		}
		if len(p.Image) > 0 {
			pos++
			sum := sha256.Sum256(p.Image)
			add(catalog.Image{ProductSKU: p.SKU, Position: pos, ContentHash: hex.EncodeToString(sum[:]), ContentType: "image/png"})
		}
		for _, pr := range p.Prices {
			l := lists[pr.Lp]
			add(catalog.Price{SKU: p.SKU, PriceList: l.Name, Amount: pr.Amount, Currency: l.Currency, Gross: l.Gross})
		}
		for _, st := range p.Current() {
			res := st.Reserved
			if shape == ShapeXL {
				res = res.Add(p.XLAllWarehousesReserved())
			}
			add(catalog.StockLevel{SKU: p.SKU, Warehouse: whs[st.WarehouseID].Code,
				OnHand: st.OnHand, Reserved: res, Available: st.OnHand.Sub(res)})
		}
	}
	return out
}

// Hashes returns key → canonical hash for records, for comparing sets.
func Hashes(records []catalog.Record) (map[string]string, error) {
	out := make(map[string]string, len(records))
	for _, r := range records {
		h, err := catalog.HashRecord(r)
		if err != nil {
			return nil, err
		}
		if _, dup := out[r.Key()]; dup {
			return nil, fmt.Errorf("erpdata: duplicate %s key %q", r.Kind(), r.Key())
		}
		out[r.Key()] = h
	}
	return out, nil
}

// SortedKeys returns the map's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
