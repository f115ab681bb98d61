package erpdata_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := erpdata.Generate(60, 1), erpdata.Generate(60, 1)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two data sets with the same parameters differ")
	}
	ha, err := erpdata.Hashes(erpdata.Expected(a, erpdata.ShapeOptima)[catalog.KindProduct])
	if err != nil {
		t.Fatal(err)
	}
	if len(ha) != 60 {
		t.Errorf("%d products, want 60", len(ha))
	}
}

func TestDataSetCoversTheCases(t *testing.T) {
	t.Parallel()
	ds := erpdata.Generate(60, 1)
	var polish, inactive, noEShop, service, variants, nullDesc, nullEAN, binImage, urlImage bool
	for _, p := range ds.Products {
		polish = polish || strings.ContainsAny(p.Name, "ĄĆĘŁŃÓŚŹŻ") && strings.ContainsAny(p.Name, "ąćęłńóśźż")
		inactive = inactive || !p.Active
		noEShop = noEShop || !p.EShop
		service = service || p.Service
		variants = variants || p.Parent != ""
		nullDesc = nullDesc || p.Description == nil
		nullEAN = nullEAN || p.EAN == nil
		binImage = binImage || len(p.Image) > 0
		_, u := p.AttrValue(erpdata.AttrImageURL)
		urlImage = urlImage || u
	}
	for name, ok := range map[string]bool{"Polish letters": polish, "inactive": inactive, "non-e-shop": noEShop,
		"service": service, "variants": variants, "NULL description": nullDesc, "NULL EAN": nullEAN,
		"binary image": binImage, "URL image": urlImage} {
		if !ok {
			t.Errorf("data set has no %s product", name)
		}
	}
	if len(ds.Warehouses) != 3 || len(ds.PriceTypes) < 3 {
		t.Errorf("%d warehouses, %d price types", len(ds.Warehouses), len(ds.PriceTypes))
	}
}

func TestSecondState(t *testing.T) {
	t.Parallel()
	const n = 60
	s1, s2 := erpdata.Generate(n, 1), erpdata.Generate(n, 2)
	e1, e2 := erpdata.Expected(s1, erpdata.ShapeOptima), erpdata.Expected(s2, erpdata.ShapeOptima)
	for _, k := range []catalog.Kind{catalog.KindProduct, catalog.KindPrice, catalog.KindStock} {
		h1, _ := erpdata.Hashes(e1[k])
		h2, _ := erpdata.Hashes(e2[k])
		var added, removed, changed int
		for key, h := range h2 {
			old, ok := h1[key]
			switch {
			case !ok:
				added++
			case old != h:
				changed++
			}
		}
		for key := range h1 {
			if _, ok := h2[key]; !ok {
				removed++
			}
		}
		if added == 0 || removed == 0 || changed == 0 {
			t.Errorf("%s: %d added, %d removed, %d changed; want some of each", k, added, removed, changed)
		}
	}
	if len(erpdata.Changed(s1, s2)) == 0 {
		t.Error("Changed reports nothing")
	}
}
