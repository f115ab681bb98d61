package catalog

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func sampleProduct() Product {
	w := dec("0.250")
	return Product{
		SKU: "KUB-001", ERPID: "17", Name: "Kubek ceramiczny żółty", EAN: "5901234123457",
		Unit: "szt", VATRate: dec("23.00"), WeightKG: &w, Active: true, EShop: true,
		Categories: []string{"DOM/KUCHNIA"},
		Attributes: map[string]string{"kolor": "żółty", "materiał": "ceramika", "<b>": "a&b"},
	}
}

// TestHashPinned pins hashes so that an accidental change of the canonical
// form (field order, encoding, hash version) fails loudly: it would make every
// store item look dirty and re-push whole catalogs.
func TestHashPinned(t *testing.T) {
	t.Parallel()
	placed := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	cases := []struct {
		name string
		rec  any
		kind Kind
		want string
	}{
		{"product", sampleProduct(), KindProduct, "727bdb559139f68c8b81dd2e378fc5c13a1d41ad659b4867df45f3a10231efaf"},
		{"price", Price{SKU: "KUB-001", PriceList: "detal", Amount: dec("19.90"), Currency: "PLN", Gross: true}, KindPrice, "821c6a9f3cf968d2095fd9c2abbea03e2599ce4b7f05889b71007d1bcf3a7616"},
		{"stock", StockLevel{SKU: "KUB-001", Warehouse: "MAG1", OnHand: dec("12"), Reserved: dec("2.000"), Available: dec("10")}, KindStock, "155bd9813662cdf856e223213dba01987b13b986b10aa4a197a826c86dee17db"},
		{"order", Order{Store: "b2c", ShopOrderID: "1001", Status: StatusNew, PlacedAt: placed, UpdatedAt: placed, Currency: "PLN",
			PricesIncludeTax: true, Customer: Customer{Kind: CustomerCompany, CompanyName: "Łódź Sp. z o.o.", NIP: "7251234567"},
			Lines:    []OrderLine{{SKU: "KUB-001", Name: "Kubek", Quantity: dec("2"), UnitPrice: dec("19.90"), VATRate: dec("23"), Total: dec("39.80")}},
			Shipping: Shipping{Method: "kurier", Cost: dec("12.00"), VATRate: dec("23")}, Total: dec("51.80")}, "order", "584bccfb95aa4f3426f84ff5632d8f6cc74f1c34b41b3c586a5e438a36e4063d"},
	}
	for _, c := range cases {
		got, err := Hash(c.kind, c.rec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: hash = %s, want %s", c.name, got, c.want)
		}
	}
}

func mustHash(t *testing.T, r Record) string {
	t.Helper()
	h, err := HashRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashCanonicalForms(t *testing.T) {
	t.Parallel()
	base := sampleProduct()

	// The same value written differently hashes alike.
	same := sampleProduct()
	same.VATRate = dec("23")
	w := dec("0.25")
	same.WeightKG = &w
	same.Attributes = map[string]string{}
	for _, k := range []string{"materiał", "<b>", "kolor"} { // other insertion order
		same.Attributes[k] = base.Attributes[k]
	}
	if mustHash(t, base) != mustHash(t, same) {
		t.Error("equal products with other decimal scale or map order hash differently")
	}

	noCats, emptyCats := sampleProduct(), sampleProduct()
	noCats.Categories, emptyCats.Categories = nil, []string{}
	if mustHash(t, noCats) != mustHash(t, emptyCats) {
		t.Error("nil and empty slices hash differently")
	}

	// Any real change changes the hash.
	changes := map[string]func(*Product){
		"name":      func(p *Product) { p.Name += "!" },
		"vat":       func(p *Product) { p.VATRate = dec("8") },
		"inactive":  func(p *Product) { p.Active = false },
		"attribute": func(p *Product) { p.Attributes["kolor"] = "zielony" },
		"category":  func(p *Product) { p.Categories = append(p.Categories, "X") },
	}
	for name, change := range changes {
		p := sampleProduct()
		change(&p)
		if mustHash(t, p) == mustHash(t, base) {
			t.Errorf("change %q left the hash unchanged", name)
		}
	}

	// The kind is part of the hash.
	a, _ := Hash(KindProduct, base)
	b, _ := Hash(KindVariant, base)
	if a == b {
		t.Error("kind is not part of the hash")
	}
}

func TestRecordKeys(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rec  Record
		kind Kind
		key  string
	}{
		{Product{SKU: "A"}, KindProduct, "A"},
		{Variant{SKU: "A-XL", ProductSKU: "A"}, KindVariant, "A-XL"},
		{Price{SKU: "A", PriceList: "detal"}, KindPrice, "detal|A"},
		{StockLevel{SKU: "A", Warehouse: "MAG1"}, KindStock, "MAG1|A"},
		{Image{ProductSKU: "A", Position: 2}, KindImage, "A#2"},
		{Category{Code: "DOM"}, KindCategory, "DOM"},
	}
	for _, c := range cases {
		if c.rec.Kind() != c.kind || c.rec.Key() != c.key || !c.kind.Valid() {
			t.Errorf("%T: kind %q key %q, want %q %q", c.rec, c.rec.Kind(), c.rec.Key(), c.kind, c.key)
		}
	}
	if Kind("nope").Valid() {
		t.Error(`Kind("nope").Valid() = true`)
	}
}

func TestLinesTotal(t *testing.T) {
	t.Parallel()
	o := Order{
		Lines:    []OrderLine{{Total: dec("0.10")}, {Total: dec("0.20")}},
		Shipping: Shipping{Cost: dec("9.99")},
	}
	if got := o.LinesTotal(); !got.Equal(dec("10.29")) {
		t.Fatalf("LinesTotal = %s, want 10.29 (exact, no float drift)", got)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []Record{sampleProduct(), Price{SKU: "A", PriceList: "detal", Amount: dec("1.10"), Currency: "PLN"},
		StockLevel{SKU: "A", Warehouse: "MAG1", Available: dec("2.5")}, Variant{SKU: "A-1", ProductSKU: "A"}} {
		b, err := Canonical(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(r.Kind(), b)
		if err != nil {
			t.Fatal(err)
		}
		if mustHash(t, back) != mustHash(t, r) {
			t.Errorf("%s: round trip changed the record: %+v", r.Kind(), back)
		}
	}
	if _, err := Decode("nope", []byte("{}")); err == nil {
		t.Error("unknown kind decoded")
	}
	if _, err := Decode(KindPrice, []byte("{")); err == nil {
		t.Error("bad JSON decoded")
	}
}
