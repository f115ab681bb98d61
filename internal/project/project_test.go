package project

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func dp(s string) *decimal.Decimal {
	v := d(s)
	return &v
}

func TestRound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		step Step
		mode RoundMode
		want string
	}{
		// .005 boundaries: half up goes away from zero, half even to the even cent.
		{"0.125", Step001, HalfUp, "0.13"},
		{"0.125", Step001, HalfEven, "0.12"},
		{"0.135", Step001, HalfEven, "0.14"},
		{"0.135", Step001, HalfUp, "0.14"},
		{"12.345", Step001, HalfUp, "12.35"},
		{"12.345", Step001, HalfEven, "12.34"},
		{"12.3449999", Step001, HalfUp, "12.34"},
		{"12.355", Step001, HalfEven, "12.36"},
		{"-0.125", Step001, HalfUp, "-0.13"},
		{"19.9", Step001, HalfUp, "19.9"},
		// Steps of five and ten hundredths.
		{"12.32", Step005, HalfUp, "12.3"},
		{"12.325", Step005, HalfUp, "12.35"},
		{"12.325", Step005, HalfEven, "12.3"},
		{"12.375", Step005, HalfEven, "12.4"},
		{"12.33", Step005, HalfUp, "12.35"},
		{"12.34", Step010, HalfUp, "12.3"},
		{"12.35", Step010, HalfUp, "12.4"},
		{"12.25", Step010, HalfEven, "12.2"},
		{"12.35", Step010, HalfEven, "12.4"},
		// .99 endings.
		{"12.34", Step099, HalfUp, "11.99"},
		{"12.50", Step099, HalfUp, "12.99"},
		{"12.50", Step099, HalfEven, "11.99"},
		{"13.50", Step099, HalfEven, "13.99"},
		{"0.30", Step099, HalfUp, "0.99"},
		{"99.99", Step099, HalfUp, "99.99"},
	}
	for _, c := range cases {
		got, err := Round(d(c.in), c.step, c.mode)
		if err != nil {
			t.Fatalf("Round(%s, %s, %s): %v", c.in, c.step, c.mode, err)
		}
		if !got.Equal(d(c.want)) {
			t.Errorf("Round(%s, %s, %s) = %s, want %s", c.in, c.step, c.mode, got, c.want)
		}
	}
	if _, err := Round(d("1"), "0.5", HalfUp); err == nil {
		t.Error("Round with an unknown step did not fail")
	}
}

var saleFrom = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
var saleTo = time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)

func TestPrice(t *testing.T) {
	t.Parallel()
	grossPLN := PriceRules{List: "detal", Gross: true, Currency: "PLN", Step: Step001, Mode: HalfUp}
	netPLN := grossPLN
	netPLN.Gross = false
	eur := PriceRules{List: "detal", Gross: true, Currency: "EUR", ExchangeRate: d("0.23"), Step: Step001, Mode: HalfUp}
	withSale := grossPLN
	withSale.SaleList, withSale.SaleFrom, withSale.SaleTo = "promo", saleFrom, saleTo

	price := func(amount, currency string, gross bool) *catalog.Price {
		return &catalog.Price{SKU: "A", PriceList: "detal", Amount: d(amount), Currency: currency, Gross: gross}
	}
	in := func(p *catalog.Price) PriceInput { return PriceInput{SKU: "A", VATRate: d("23"), Regular: p} }
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)

	cases := []struct {
		name    string
		rules   PriceRules
		in      PriceInput
		now     time.Time
		regular string // "" when an error is expected
		sale    string
		errHas  string
	}{
		{"gross list to gross store", grossPLN, in(price("123.00", "PLN", true)), now, "123", "", ""},
		{"net list to gross store adds VAT", grossPLN, in(price("100.00", "PLN", false)), now, "123", "", ""},
		{"gross list to net store takes VAT off", netPLN, in(price("123.00", "PLN", true)), now, "100", "", ""},
		{"net to net", netPLN, in(price("10.01", "PLN", false)), now, "10.01", "", ""},
		{"gross to net at a half-cent", netPLN, in(price("0.615", "PLN", true)), now, "0.5", "", ""},
		{"VAT 8% net to gross", grossPLN, PriceInput{SKU: "A", VATRate: d("8"), Regular: price("9.99", "PLN", false)}, now, "10.79", "", ""},
		{"VAT 0% keeps the amount", grossPLN, PriceInput{SKU: "A", VATRate: d("0"), Regular: price("9.99", "PLN", false)}, now, "9.99", "", ""},
		{"VAT 5% gross to net rounds", netPLN, PriceInput{SKU: "A", VATRate: d("5"), Regular: price("10.00", "PLN", true)}, now, "9.52", "", ""},
		{"PLN to EUR at a fixed rate", eur, in(price("43.00", "PLN", true)), now, "9.89", "", ""},
		{"PLN to EUR rounds half up", eur, in(price("10.50", "PLN", true)), now, "2.42", "", ""},
		{"net PLN list to gross EUR", eur, in(price("100.00", "PLN", false)), now, "28.29", "", ""},
		{"same currency needs no rate", PriceRules{List: "x", Gross: true, Currency: "EUR", Step: Step001}, in(price("5", "EUR", true)), now, "5", "", ""},
		{"missing rate is parked", PriceRules{List: "x", Gross: true, Currency: "EUR", Step: Step001}, in(price("5", "PLN", true)), now, "", "", "no exchange rate from PLN to EUR"},
		{"markup 10%", PriceRules{List: "x", Gross: true, Currency: "PLN", MarkupPercent: d("10"), Step: Step001, Mode: HalfUp}, in(price("9.99", "PLN", true)), now, "10.99", "", ""},
		{"negative markup (discount)", PriceRules{List: "x", Gross: true, Currency: "PLN", MarkupPercent: d("-15"), Step: Step001, Mode: HalfUp}, in(price("100", "PLN", true)), now, "85", "", ""},
		{"markup then .99", PriceRules{List: "x", Gross: true, Currency: "PLN", MarkupPercent: d("20"), Step: Step099, Mode: HalfUp}, in(price("50", "PLN", true)), now, "59.99", "", ""},
		{"EUR then step 0.05", PriceRules{List: "x", Gross: true, Currency: "EUR", ExchangeRate: d("0.23"), Step: Step005, Mode: HalfUp}, in(price("10.10", "PLN", true)), now, "2.3", "", ""},
		{"no price on the list is parked", grossPLN, PriceInput{SKU: "A", VATRate: d("23")}, now, "", "", `A has no price on list "detal"`},
		{"zero price is parked", grossPLN, in(price("0", "PLN", true)), now, "", "", "is not positive"},
		{"negative price is parked", grossPLN, in(price("-1", "PLN", true)), now, "", "", "is not positive"},
		{"floor purchase holds", PriceRules{List: "x", Gross: false, Currency: "PLN", Step: Step001, Floor: FloorPurchase},
			PriceInput{SKU: "A", VATRate: d("23"), Purchase: dp("8.00"), PurchaseCurrency: "PLN", Regular: price("9.00", "PLN", false)}, now, "9", "", ""},
		{"floor purchase violated (net vs gross list)", PriceRules{List: "x", Gross: true, Currency: "PLN", Step: Step001, Floor: FloorPurchase},
			PriceInput{SKU: "A", VATRate: d("23"), Purchase: dp("10.00"), PurchaseCurrency: "PLN", Regular: price("12.00", "PLN", true)}, now, "", "", "below the floor 12.3 PLN (purchase price)"},
		{"floor purchase unknown is no floor", PriceRules{List: "x", Gross: true, Currency: "PLN", Step: Step001, Floor: FloorPurchase},
			in(price("1.00", "PLN", true)), now, "1", "", ""},
		{"floor minimum violated", PriceRules{List: "x", Gross: true, Currency: "PLN", Step: Step001, Floor: FloorMinimum, Minimum: d("5")},
			in(price("4.99", "PLN", true)), now, "", "", "below the floor 5 PLN (configured minimum)"},
		{"floor minimum met exactly", PriceRules{List: "x", Gross: true, Currency: "PLN", Step: Step001, Floor: FloorMinimum, Minimum: d("5")},
			in(price("5.00", "PLN", true)), now, "5", "", ""},
		{"sale inside window", withSale, PriceInput{SKU: "A", VATRate: d("23"), Regular: price("100", "PLN", true), Sale: price("80", "PLN", true)}, now, "100", "80", ""},
		{"sale before window", withSale, PriceInput{SKU: "A", VATRate: d("23"), Regular: price("100", "PLN", true), Sale: price("80", "PLN", true)}, saleFrom.Add(-time.Second), "100", "", ""},
		{"sale from is inclusive", withSale, PriceInput{SKU: "A", VATRate: d("23"), Regular: price("100", "PLN", true), Sale: price("80", "PLN", true)}, saleFrom, "100", "80", ""},
		{"sale to is exclusive", withSale, PriceInput{SKU: "A", VATRate: d("23"), Regular: price("100", "PLN", true), Sale: price("80", "PLN", true)}, saleTo, "100", "", ""},
		{"sale not cheaper is dropped", withSale, PriceInput{SKU: "A", VATRate: d("23"), Regular: price("100", "PLN", true), Sale: price("100", "PLN", true)}, now, "100", "", ""},
		{"sale net list converted", withSale, PriceInput{SKU: "A", VATRate: d("23"), Regular: price("100", "PLN", true), Sale: price("50", "PLN", false)}, now, "100", "61.5", ""},
	}
	for _, c := range cases {
		doc, err := c.rules.Price(c.in, c.now)
		if c.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errHas) || !fault.IsPermanent(err) {
				t.Errorf("%s: err = %v, want a Permanent error containing %q", c.name, err, c.errHas)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !doc.Regular.Equal(d(c.regular)) {
			t.Errorf("%s: regular = %s, want %s", c.name, doc.Regular, c.regular)
		}
		switch {
		case c.sale == "" && doc.Sale != nil:
			t.Errorf("%s: sale = %s, want none", c.name, doc.Sale)
		case c.sale != "" && (doc.Sale == nil || !doc.Sale.Equal(d(c.sale))):
			t.Errorf("%s: sale = %v, want %s", c.name, doc.Sale, c.sale)
		case c.sale != "" && (doc.SaleFrom == nil || !doc.SaleFrom.Equal(saleFrom) || doc.SaleTo == nil || !doc.SaleTo.Equal(saleTo)):
			t.Errorf("%s: sale window = %v..%v", c.name, doc.SaleFrom, doc.SaleTo)
		}
		if doc.Currency != c.rules.Currency || doc.Gross != c.rules.Gross || doc.SKU != "A" {
			t.Errorf("%s: doc = %+v", c.name, doc)
		}
	}
}

func TestStock(t *testing.T) {
	t.Parallel()
	levels := []catalog.StockLevel{
		{SKU: "A", Warehouse: "MAG1", OnHand: d("10"), Reserved: d("2"), Available: d("8")},
		{SKU: "A", Warehouse: "MAG2", OnHand: d("5.5"), Reserved: d("0"), Available: d("5.5")},
		{SKU: "A", Warehouse: "MAG3", OnHand: d("100"), Available: d("100")},
		{SKU: "B", Warehouse: "MAG1", OnHand: d("7"), Available: d("7")},
	}
	both := []string{"MAG1", "MAG2"}
	cases := []struct {
		name     string
		rules    StockRules
		reserved string
		want     string
		status   store.StockStatus
		hidden   bool
	}{
		{"sum of the store's warehouses minus ERP reservations", StockRules{Warehouses: both, SubtractERPReservations: true}, "0", "13.5", store.InStock, false},
		{"on hand when ERP reservations are not subtracted", StockRules{Warehouses: both}, "0", "15.5", store.InStock, false},
		{"one warehouse", StockRules{Warehouses: []string{"MAG2"}, SubtractERPReservations: true}, "0", "5.5", store.InStock, false},
		{"unknown warehouse gives zero", StockRules{Warehouses: []string{"MAG9"}, SubtractERPReservations: true}, "0", "0", store.OutOfStock, false},
		{"hub reservations subtracted", StockRules{Warehouses: both, SubtractERPReservations: true}, "3", "10.5", store.InStock, false},
		{"buffer subtracted", StockRules{Warehouses: both, SubtractERPReservations: true, Buffer: d("2")}, "1", "10.5", store.InStock, false},
		{"cap", StockRules{Warehouses: both, SubtractERPReservations: true, Cap: d("10")}, "0", "10", store.InStock, false},
		{"cap applies after reservations", StockRules{Warehouses: both, SubtractERPReservations: true, Cap: d("10")}, "5", "8.5", store.InStock, false},
		{"integer rounds down", StockRules{Warehouses: both, SubtractERPReservations: true, Integer: true}, "0", "13", store.InStock, false},
		{"integer below one is zero", StockRules{Warehouses: []string{"MAG2"}, SubtractERPReservations: true, Integer: true}, "4.6", "0", store.OutOfStock, false},
		{"never negative", StockRules{Warehouses: both, SubtractERPReservations: true, Buffer: d("20")}, "0", "0", store.OutOfStock, false},
		{"zero as backorder", StockRules{Warehouses: both, SubtractERPReservations: true, WhenZero: ZeroBackorder}, "13.5", "0", store.OnBackorder, false},
		{"zero hidden", StockRules{Warehouses: both, SubtractERPReservations: true, WhenZero: ZeroHide}, "13.5", "0", store.OutOfStock, true},
		{"positive not hidden", StockRules{Warehouses: both, SubtractERPReservations: true, WhenZero: ZeroHide}, "0", "13.5", store.InStock, false},
	}
	for _, c := range cases {
		doc := c.rules.Stock("A", levels, d(c.reserved))
		if !doc.Quantity.Equal(d(c.want)) || doc.Status != c.status || c.rules.Hidden(doc) != c.hidden {
			t.Errorf("%s: got %s %s hidden=%v, want %s %s hidden=%v", c.name, doc.Quantity, doc.Status, c.rules.Hidden(doc), c.want, c.status, c.hidden)
		}
	}
}

func TestMatchCategory(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"Dom", "Dom", true},
		{"Dom", "Dom/Kuchnia", false},
		{"dom/kuchnia", "Dom/Kuchnia", true},
		{"Dom/*", "Dom/Kuchnia", true},
		{"Dom/*", "Dom", false},
		{"Dom/*", "Dom/Kuchnia/Kubki", false},
		{"Dom/**", "Dom", true},
		{"Dom/**", "Dom/Kuchnia/Kubki", true},
		{"*/Kubki", "Ogród/Kubki", true},
		{"Odzież/**", "Dom/Odzież", false},
		{"**", "Cokolwiek/Dalej", true},
		{"Żółte/Łódki", "żółte/łódki", true},
	}
	for _, c := range cases {
		if got := MatchCategory(c.pattern, c.path); got != c.want {
			t.Errorf("MatchCategory(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestInScope(t *testing.T) {
	t.Parallel()
	paths := map[string]string{"K": "Dom/Kuchnia", "KK": "Dom/Kuchnia/Kubki", "O": "Odzież/Koszulki"}
	p := catalog.Product{SKU: "KUB-1", Active: true, EShop: true, Categories: []string{"KK"}, Attributes: map[string]string{"marka": "Ćma", "b2b": "tak"}}
	inactive := p
	inactive.Active = false
	noShop := p
	noShop.EShop = false
	cases := []struct {
		name   string
		rules  ScopeRules
		p      catalog.Product
		want   bool
		reason string
	}{
		{"everything by default", ScopeRules{}, p, true, ""},
		{"inactive out", ScopeRules{OnlyActive: true}, inactive, false, "inactive"},
		{"inactive allowed when not only active", ScopeRules{}, inactive, true, ""},
		{"not for e-shop out", ScopeRules{OnlyEShop: true}, noShop, false, "e-shop"},
		{"category any depth", ScopeRules{Categories: []string{"Dom/**"}}, p, true, ""},
		{"category one level misses deeper", ScopeRules{Categories: []string{"Dom/*"}}, p, false, "category not in scope"},
		{"category excluded", ScopeRules{ExcludeCategories: []string{"*/Kuchnia/*"}}, p, false, "category excluded"},
		{"include SKU glob", ScopeRules{IncludeSKUs: []string{"KUB-*"}}, p, true, ""},
		{"include SKU list misses", ScopeRules{IncludeSKUs: []string{"TSH-*"}}, p, false, "include_skus"},
		{"exclude SKU", ScopeRules{ExcludeSKUs: []string{"KUB-1"}}, p, false, "exclude_skus"},
		{"attribute value", ScopeRules{Attributes: map[string]string{"marka": "Ćma"}}, p, true, ""},
		{"attribute present", ScopeRules{Attributes: map[string]string{"b2b": "*"}}, p, true, ""},
		{"attribute mismatch", ScopeRules{Attributes: map[string]string{"marka": "Inna"}}, p, false, "attribute marka"},
		{"attribute missing", ScopeRules{Attributes: map[string]string{"kolor": "*"}}, p, false, "attribute kolor"},
		{"unknown category code matches no pattern", ScopeRules{Categories: []string{"**"}}, catalog.Product{SKU: "X", Categories: []string{"??"}}, false, "category not in scope"},
	}
	for _, c := range cases {
		got, reason := c.rules.InScope(c.p, paths)
		if got != c.want || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: InScope = %v %q, want %v %q", c.name, got, reason, c.want, c.reason)
		}
	}
}

func TestProductDoc(t *testing.T) {
	t.Parallel()
	paths := map[string]string{"K": "Dom/Kuchnia", "O": "Odzież"}
	p := catalog.Product{SKU: "KUB-1", Name: "Kubek", Description: "Opis ERP", EAN: "590", VATRate: d("23"), Active: true,
		Categories: []string{"O", "K", "missing"}, Attributes: map[string]string{"NAZWA_B2B": "Kubek hurtowy", "OPIS_B2B": ""}}
	rules := ProductRules{NameAttribute: "NAZWA_B2B", DescriptionAttribute: "OPIS_B2B", Owned: []string{"description", "images"}}

	created := rules.Product(p, paths, []string{"http://img/1.jpg"}, false, false)
	if created.Name != "Kubek hurtowy" {
		t.Errorf("name override from attribute: %q", created.Name)
	}
	if created.Description != "Opis ERP" {
		t.Errorf("empty description attribute must fall back to the ERP description: %q", created.Description)
	}
	if !reflect.DeepEqual(created.Categories, []string{"K", "O"}) || len(created.Keep) != 0 || len(created.Images) != 1 {
		t.Errorf("created doc = %+v", created)
	}

	updated := rules.Product(p, paths, []string{"http://img/1.jpg"}, true, false)
	if updated.Description != "" || updated.Images != nil || !reflect.DeepEqual(updated.Keep, []string{"description", "images"}) {
		t.Errorf("owned fields on update: %+v", updated)
	}
	edited := p
	edited.Description = "Nowy opis w ERP"
	a, _ := catalog.Hash(catalog.KindProduct, updated)
	b, _ := catalog.Hash(catalog.KindProduct, rules.Product(edited, paths, []string{"http://img/1.jpg"}, true, false))
	if a != b {
		t.Error("an ERP edit of an owned field made the existing item dirty")
	}

	if hidden := rules.Product(p, paths, nil, false, true); hidden.Active {
		t.Error("hidden product is active")
	}

	v := catalog.Variant{SKU: "KUB-1-XL", ProductSKU: "KUB-1", Options: map[string]string{"rozmiar": "XL"}, Active: true}
	vd := rules.Variant(v, p, false, false)
	if vd.ParentSKU != "KUB-1" || vd.Name != "Kubek" || !vd.VATRate.Equal(d("23")) || !vd.Active {
		t.Errorf("variant doc = %+v", vd)
	}
	off := p
	off.Active = false
	if rules.Variant(v, off, false, false).Active {
		t.Error("variant of an inactive product is active")
	}
}

func TestVariantProduct(t *testing.T) {
	t.Parallel()
	paths := map[string]string{"O": "Odzież"}
	parent := catalog.Product{SKU: "TSH", Name: "Koszulka", Description: "Bawełna", EAN: "590-P", VATRate: d("23"), Active: true,
		Categories: []string{"O"}, Axes: []string{"kolor", "rozmiar"}, Attributes: map[string]string{"marka": "Acme"}}
	owned := ProductRules{Owned: []string{"name"}}
	cases := []struct {
		name   string
		rules  ProductRules
		v      catalog.Variant
		exists bool
		hidden bool
		want   store.ProductDoc
	}{
		{"options in the name", ProductRules{},
			catalog.Variant{SKU: "TSH-R-XL", ProductSKU: "TSH", EAN: "590-V", Options: map[string]string{"rozmiar": "XL", "kolor": "czerwony"}, Active: true},
			false, false,
			store.ProductDoc{SKU: "TSH-R-XL", Name: "Koszulka (kolor: czerwony, rozmiar: XL)", Description: "Bawełna", EAN: "590-V", Categories: []string{"O"},
				Attributes: map[string]string{"marka": "Acme", "kolor": "czerwony", "rozmiar": "XL"}, Images: []string{"i.jpg"}, VATRate: d("23"), Active: true}},
		{"own name kept", ProductRules{},
			catalog.Variant{SKU: "TSH-S", ProductSKU: "TSH", Name: "Koszulka S", Options: map[string]string{"rozmiar": "S"}, Active: true},
			false, false,
			store.ProductDoc{SKU: "TSH-S", Name: "Koszulka S", Description: "Bawełna", Categories: []string{"O"},
				Attributes: map[string]string{"marka": "Acme", "rozmiar": "S"}, Images: []string{"i.jpg"}, VATRate: d("23"), Active: true}},
		{"inactive variant", ProductRules{},
			catalog.Variant{SKU: "TSH-M", ProductSKU: "TSH", Active: false},
			false, false,
			store.ProductDoc{SKU: "TSH-M", Name: "Koszulka", Description: "Bawełna", Categories: []string{"O"},
				Attributes: map[string]string{"marka": "Acme"}, Images: []string{"i.jpg"}, VATRate: d("23"), Active: false}},
		{"hidden at zero stock", ProductRules{},
			catalog.Variant{SKU: "TSH-M", ProductSKU: "TSH", Active: true},
			false, true,
			store.ProductDoc{SKU: "TSH-M", Name: "Koszulka", Description: "Bawełna", Categories: []string{"O"},
				Attributes: map[string]string{"marka": "Acme"}, Images: []string{"i.jpg"}, VATRate: d("23"), Active: false}},
		{"owned name on update", owned,
			catalog.Variant{SKU: "TSH-M", ProductSKU: "TSH", Options: map[string]string{"rozmiar": "M"}, Active: true},
			true, false,
			store.ProductDoc{SKU: "TSH-M", Description: "Bawełna", Categories: []string{"O"}, Keep: []string{"name"},
				Attributes: map[string]string{"marka": "Acme", "rozmiar": "M"}, Images: []string{"i.jpg"}, VATRate: d("23"), Active: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.rules.VariantProduct(c.v, parent, paths, []string{"i.jpg"}, c.exists, c.hidden)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("VariantProduct =\n %+v\nwant\n %+v", got, c.want)
			}
		})
	}
	if parent.Attributes["rozmiar"] != "" {
		t.Error("VariantProduct changed the parent's attributes")
	}
}

// TestERPRates: rate_from_erp takes the latest rate on or before the day
// from the ERP's table (prices of currencies in the home currency).
func TestERPRates(t *testing.T) {
	t.Parallel()
	table := []catalog.CurrencyRate{
		{Currency: "EUR", ValidFrom: "2026-12-01", Rate: d("4.2000")},
		{Currency: "EUR", ValidFrom: "2026-12-09", Rate: d("4.3000")},
		{Currency: "EUR", ValidFrom: "2026-12-11", Rate: d("9.9999")}, // tomorrow: not yet
		{Currency: "USD", ValidFrom: "2026-12-08", Rate: d("4.0000")},
		{Currency: "CZK", ValidFrom: "2026-12-20", Rate: d("0.1700")}, // only in the future
		{Currency: "GBP", ValidFrom: "2026-12-01", Rate: d("0")},
	}
	day := "2026-12-10"
	rules := func(currency string) PriceRules {
		return PriceRules{List: "detal", Gross: true, Currency: currency, RateFromERP: true, HomeCurrency: "PLN",
			Rates: RatesOn(table, day), RateDay: day, Step: Step001, Mode: HalfUp,
			ExchangeRate: d("0.5")} // ignored with rate_from_erp
	}
	price := func(amount, currency string) PriceInput {
		return PriceInput{SKU: "A", VATRate: d("23"), Regular: &catalog.Price{SKU: "A", PriceList: "detal", Amount: d(amount), Currency: currency, Gross: true}}
	}
	cases := []struct {
		name    string
		rules   PriceRules
		in      PriceInput
		regular string
		errHas  string
	}{
		{"PLN list to EUR store: latest rate on or before the day", rules("EUR"), price("43.00", "PLN"), "10", ""},
		{"PLN to EUR at a .005 boundary", rules("EUR"), price("43.215", "PLN"), "10.05", ""},
		{"EUR list to PLN store", rules("PLN"), price("10.00", "EUR"), "43", ""},
		{"EUR list to USD store crosses through PLN", rules("USD"), price("10.00", "EUR"), "10.75", ""},
		{"same currency needs no rate", rules("CZK"), price("10.00", "CZK"), "10", ""},
		{"rate only from a later day", rules("CZK"), price("10.00", "PLN"), "", "no positive CZK rate (in PLN) on or before 2026-12-10"},
		{"currency missing from the table", rules("CHF"), price("10.00", "PLN"), "", "no positive CHF rate"},
		{"zero rate is refused", rules("GBP"), price("10.00", "PLN"), "", "no positive GBP rate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := c.rules.Price(c.in, time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC))
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) || !fault.IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent error containing %q", err, c.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !doc.Regular.Equal(d(c.regular)) {
				t.Errorf("regular = %s, want %s", doc.Regular, c.regular)
			}
		})
	}
	got := RatesOn(table, day)
	if len(got) != 3 || !got["EUR"].Equal(d("4.3")) || !got["USD"].Equal(d("4")) {
		t.Errorf("RatesOn = %v, want EUR 4.3, USD 4, GBP 0 and no CZK", got)
	}
}
