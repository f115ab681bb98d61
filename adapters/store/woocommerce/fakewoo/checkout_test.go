package fakewoo_test

import (
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
)

// TestCheckout: a checkout charges the current gross price, lowers managed
// stock as WooCommerce does, lists the order, and refuses more than is in
// stock without changing anything.
func TestCheckout(t *testing.T) {
	s, c := start(t, fakewoo.Options{})
	c.do("POST", "/products", map[string]any{"name": "Łopata", "sku": "LOP-1", "regular_price": "123.00",
		"manage_stock": true, "stock_quantity": 3}, nil)
	o, err := s.Checkout(fakewoo.CheckoutSpec{PaymentMethod: "bacs", Lines: []fakewoo.CheckoutLine{{SKU: "LOP-1", Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != "processing" || o.Total != "246.00" || o.TotalTax != "46.00" || o.LineItems[0].Total != "200.00" || o.Currency != "PLN" {
		t.Errorf("order: status %s, total %s, tax %s, line %s, currency %s", o.Status, o.Total, o.TotalTax, o.LineItems[0].Total, o.Currency)
	}
	if p, _ := s.Product("LOP-1"); p.StockQuantity == nil || *p.StockQuantity != 1 || p.StockStatus != "instock" {
		t.Errorf("stock after buying 2 of 3: %v %s", p.StockQuantity, p.StockStatus)
	}
	if _, err := s.Checkout(fakewoo.CheckoutSpec{Lines: []fakewoo.CheckoutLine{{SKU: "LOP-1", Quantity: 2}}}); err == nil {
		t.Error("bought 2 of 1 in stock")
	}
	if _, err := s.Checkout(fakewoo.CheckoutSpec{Lines: []fakewoo.CheckoutLine{{SKU: "NONE", Quantity: 1}}}); err == nil {
		t.Error("bought an unknown SKU")
	}
	if p, _ := s.Product("LOP-1"); *p.StockQuantity != 1 {
		t.Errorf("a refused checkout changed the stock to %d", *p.StockQuantity)
	}
	if got := s.Orders(); len(got) != 1 || got[0].ID != o.ID {
		t.Errorf("orders: %+v", got)
	}
}
