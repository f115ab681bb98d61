package normalize

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func testRules() Rules {
	return Rules{
		Store:          "b2c",
		ShippingMap:    map[string]string{"courier": "KURIER"},
		PaymentMap:     map[string]string{"card": "KARTA"},
		Match:          []string{MatchNIP, MatchEmail},
		RetailCustomer: "DETAL",
	}
}

func testProducts() *Products {
	return NewProducts(map[string]string{"A-1": "5901234123457", "B-2": "", "C-3": "5900000000001", "C-4": "5900000000001"})
}

func baseOrder() catalog.Order {
	return catalog.Order{
		ShopOrderID: "1001", Currency: "pln", Status: catalog.StatusNew,
		Customer: catalog.Customer{Kind: catalog.CustomerPerson, Email: " Jan@Example.com "},
		Lines: []catalog.OrderLine{
			{SKU: "A-1", Quantity: d("2"), UnitPrice: d("10.00"), VATRate: d("23"), Total: d("20.00")},
			{SKU: "B-2", Quantity: d("1"), UnitPrice: d("5.50"), VATRate: d("8"), Total: d("5.50")},
		},
		Shipping: catalog.Shipping{Method: "courier", Cost: d("9.99"), VATRate: d("23")},
		Payment:  catalog.Payment{Method: "card", Paid: true, Amount: d("35.49")},
		Total:    d("35.49"),
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(o *catalog.Order, r *Rules)
		park  string // substring of the park reason; "" means success
		check func(t *testing.T, n Normalized)
	}{
		{name: "person by e-mail", check: func(t *testing.T, n Normalized) {
			o := n.Order
			if o.Customer.MatchKey != MatchEmail || o.Customer.Email != "jan@example.com" || o.Currency != "PLN" || o.Store != "b2c" ||
				o.Shipping.Method != "KURIER" || o.Payment.Method != "KARTA" || len(o.Lines) != 2 || !n.Rounding.IsZero() {
				t.Errorf("normalized = %+v", n)
			}
		}},
		{name: "company by NIP", edit: func(o *catalog.Order, _ *Rules) {
			o.Customer = catalog.Customer{Kind: catalog.CustomerPerson, CompanyName: "ACME", NIP: "PL 526-000-12-46"}
		}, check: func(t *testing.T, n Normalized) {
			c := n.Order.Customer
			if c.MatchKey != MatchNIP || c.RetailCustomer != "" || c.Kind != catalog.CustomerCompany || c.NIP != "5260001246" || c.NIPCountry != "" {
				t.Errorf("customer = %+v", c)
			}
		}},
		{name: "foreign VAT id", edit: func(o *catalog.Order, _ *Rules) {
			o.Customer = catalog.Customer{CompanyName: "GmbH", NIP: "DE123456789"}
		}, check: func(t *testing.T, n Normalized) {
			if c := n.Order.Customer; c.NIP != "123456789" || c.NIPCountry != "DE" || c.MatchKey != MatchNIP {
				t.Errorf("customer = %+v", c)
			}
		}},
		{name: "bad Polish NIP", edit: func(o *catalog.Order, _ *Rules) { o.Customer.NIP = "5260001247" }, park: "not a valid Polish tax number"},
		{name: "retail customer", edit: func(o *catalog.Order, _ *Rules) { o.Customer.Email = "" }, check: func(t *testing.T, n Normalized) {
			if c := n.Order.Customer; c.MatchKey != MatchRetail || c.RetailCustomer != "DETAL" {
				t.Errorf("match = %s %s", c.MatchKey, c.RetailCustomer)
			}
		}},
		{name: "match fields from the shop are replaced", edit: func(o *catalog.Order, _ *Rules) {
			o.Customer.MatchKey, o.Customer.RetailCustomer = MatchRetail, "VIP"
		}, check: func(t *testing.T, n Normalized) {
			if c := n.Order.Customer; c.MatchKey != MatchEmail || c.RetailCustomer != "" {
				t.Errorf("match = %s %q, want email and no retail customer", c.MatchKey, c.RetailCustomer)
			}
		}},
		{name: "no key and no retail customer", edit: func(o *catalog.Order, r *Rules) { o.Customer.Email = ""; r.RetailCustomer = "" },
			park: "stores[b2c].orders.customers.retail_customer is not set"},
		{name: "match by NIP only", edit: func(_ *catalog.Order, r *Rules) { r.Match = []string{MatchNIP}; r.RetailCustomer = "" },
			park: "orders.customers.match"},
		{name: "EAN finds the product", edit: func(o *catalog.Order, _ *Rules) { o.Lines[0].SKU = "SHOP-A"; o.Lines[0].EAN = "5901234123457" },
			check: func(t *testing.T, n Normalized) {
				if n.Order.Lines[0].SKU != "A-1" {
					t.Errorf("line SKU = %s", n.Order.Lines[0].SKU)
				}
			}},
		{name: "ambiguous EAN", edit: func(o *catalog.Order, _ *Rules) { o.Lines[0].SKU = "X"; o.Lines[0].EAN = "5900000000001" },
			park: `SKU "X" (EAN "5900000000001") is not an ERP product`},
		{name: "unknown SKU", edit: func(o *catalog.Order, _ *Rules) { o.Lines[1].SKU = "ZZ-9" }, park: `line 2: SKU "ZZ-9" is not an ERP product`},
		{name: "unmapped shipping", edit: func(o *catalog.Order, _ *Rules) { o.Shipping.Method = "drone" },
			park: `shipping method "drone" is not mapped: add it to stores[b2c].orders.shipping_map`},
		{name: "unmapped payment", edit: func(o *catalog.Order, _ *Rules) { o.Payment.Method = "cod" },
			park: `payment method "cod" is not mapped: add it to stores[b2c].orders.payment_map`},
		{name: "bad currency", edit: func(o *catalog.Order, _ *Rules) { o.Currency = "zł" }, park: "ISO 4217"},
		{name: "no lines", edit: func(o *catalog.Order, _ *Rules) { o.Lines = nil }, park: "no lines"},
		{name: "zero quantity", edit: func(o *catalog.Order, _ *Rules) { o.Lines[0].Quantity = d("0") }, park: "not positive"},
		{name: "rounding line", edit: func(o *catalog.Order, _ *Rules) { o.Total = d("35.50") }, check: func(t *testing.T, n Normalized) {
			o := n.Order
			last := o.Lines[len(o.Lines)-1]
			if len(o.Lines) != 3 || last.SKU != RoundingSKU || !last.Total.Equal(d("0.01")) || !last.VATRate.Equal(d("23")) ||
				!o.Total.Equal(d("35.50")) || !o.LinesTotal().Equal(o.Total) || !n.Rounding.Equal(d("0.01")) {
				t.Errorf("rounding: %+v", o.Lines)
			}
		}},
		{name: "difference beyond rounding", edit: func(o *catalog.Order, _ *Rules) { o.Total = d("30.00") }, park: "more than rounding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, r := baseOrder(), testRules()
			if tc.edit != nil {
				tc.edit(&o, &r)
			}
			n, err := Normalize(o, r, testProducts())
			if tc.park != "" {
				var pe *ParkError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.park) {
					t.Fatalf("Normalize error = %v, want a park naming %q", err, tc.park)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			tc.check(t, n)
		})
	}
}

// FuzzNormalize feeds arbitrary orders (as JSON) to Normalize: it must not
// panic, and an order it accepts keeps the shop's total, adds up to it and
// carries only ERP SKUs and mapped methods.
func FuzzNormalize(f *testing.F) {
	b, _ := json.Marshal(baseOrder())
	f.Add(b)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var o catalog.Order
		if json.Unmarshal(raw, &o) != nil {
			return
		}
		n, err := Normalize(o, testRules(), testProducts())
		if err != nil {
			var pe *ParkError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("error %v is not a park with a reason", err)
			}
			return
		}
		p := testProducts()
		if !n.Order.Total.Equal(o.Total) || !n.Order.LinesTotal().Equal(n.Order.Total) {
			t.Fatalf("total %s, lines %s; shop total %s", n.Order.Total, n.Order.LinesTotal(), o.Total)
		}
		for _, l := range n.Order.Lines {
			if _, ok := p.Resolve(l.SKU, ""); !ok && l.SKU != RoundingSKU {
				t.Fatalf("line with SKU %q not in the ERP", l.SKU)
			}
		}
		if m := n.Order.Shipping.Method; m != "" && m != "KURIER" {
			t.Fatalf("shipping method %q not mapped", m)
		}
		if m := n.Order.Payment.Method; m != "" && m != "KARTA" {
			t.Fatalf("payment method %q not mapped", m)
		}
		switch c := n.Order.Customer; {
		case c.MatchKey == MatchRetail && c.RetailCustomer == testRules().RetailCustomer:
		case (c.MatchKey == MatchNIP && c.NIP != "") || (c.MatchKey == MatchEmail && c.Email != ""):
			if c.RetailCustomer != "" {
				t.Fatalf("customer matched by %s carries retail customer %q", c.MatchKey, c.RetailCustomer)
			}
		default:
			t.Fatalf("customer %+v: match key %q without its value", c, c.MatchKey)
		}
	})
}
