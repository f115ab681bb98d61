package fakewoo

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"
)

// CheckoutSpec is what a customer buys in Checkout.
type CheckoutSpec struct {
	Billing Address
	// PaymentMethod and ShippingMethod are the gateway and shipping method
	// ids (ShippingMethod "" adds no shipping line).
	PaymentMethod  string
	ShippingMethod string
	// Currency is the shop's currency (default PLN).
	Currency string
	// VATPercent is the one tax rate of every line (default 23); prices are
	// entered with tax.
	VATPercent decimal.Decimal
	Lines      []CheckoutLine
}

// CheckoutLine is one SKU and how many of it.
type CheckoutLine struct {
	SKU      string
	Quantity int
}

// Checkout places a paid order in status processing as WooCommerce's
// checkout does: each line at the product's current price (gross), and the
// stock of every line whose product manages stock lowered by its quantity
// (wc_maybe_reduce_stock_levels). It refuses a SKU that is unknown, not
// published, without a price or without enough managed stock, and then
// changes nothing. order.created is delivered as by PlaceOrder.
func (s *Server) Checkout(spec CheckoutSpec) (Order, error) {
	if len(spec.Lines) == 0 {
		return Order{}, fmt.Errorf("fakewoo: checkout without lines")
	}
	vat := spec.VATPercent
	if vat.IsZero() {
		vat = decimal.NewFromInt(23)
	}
	divisor := decimal.NewFromInt(1).Add(vat.Div(decimal.NewFromInt(100)))
	o := Order{
		Status: "processing", Currency: spec.Currency, PricesIncludeTax: true, Paid: true,
		PaymentMethod: spec.PaymentMethod, PaymentMethodTitle: spec.PaymentMethod,
		Billing: spec.Billing, Shipping: spec.Billing,
		TaxLines: []TaxLine{{ID: 1, RateCode: "VAT-1", RateID: 1, Label: "VAT", RatePercent: json.Number(vat.String())}},
	}
	if spec.ShippingMethod != "" {
		o.ShippingLines = []ShippingLine{{MethodTitle: spec.ShippingMethod, MethodID: spec.ShippingMethod, Total: "0.00", TotalTax: "0.00"}}
	}

	s.mu.Lock()
	var total, totalTax decimal.Decimal
	type take struct{ id, parent, left int }
	var takes []take
	for _, l := range spec.Lines {
		var p *Product
		for _, c := range s.products {
			if c.SKU == l.SKU && l.SKU != "" {
				p = c
				break
			}
		}
		if p == nil || p.Status != "publish" || l.Quantity < 1 {
			s.mu.Unlock()
			return Order{}, fmt.Errorf("fakewoo: %q is not for sale", l.SKU)
		}
		price, err := decimal.NewFromString(s.render(p).Price) // the sale price while on sale
		if err != nil {
			s.mu.Unlock()
			return Order{}, fmt.Errorf("fakewoo: %q has no price", l.SKU)
		}
		if p.ManageStock {
			have := 0
			if p.StockQuantity != nil {
				have = *p.StockQuantity
			}
			if have < l.Quantity && p.Backorders == "no" {
				s.mu.Unlock()
				return Order{}, fmt.Errorf("fakewoo: only %d of %q in stock", have, l.SKU)
			}
			parent := -1
			if p.Type == "variation" {
				parent = p.ParentID
			}
			takes = append(takes, take{p.ID, parent, have - l.Quantity})
		}
		gross := price.Mul(decimal.NewFromInt(int64(l.Quantity)))
		tax := gross.Sub(gross.Div(divisor)).Round(2)
		line := LineItem{Name: p.Name, ProductID: p.ID, Quantity: l.Quantity, SKU: p.SKU,
			Total: gross.Sub(tax).StringFixed(2), TotalTax: tax.StringFixed(2),
			Taxes: []LineTax{{ID: 1, Total: tax.StringFixed(2), Subtotal: tax.StringFixed(2)}}}
		if p.Type == "variation" {
			line.ProductID, line.VariationID = p.ParentID, p.ID
		}
		o.LineItems = append(o.LineItems, line)
		total, totalTax = total.Add(gross), totalTax.Add(tax)
	}
	for _, t := range takes {
		patch := map[string]json.RawMessage{"stock_quantity": json.RawMessage(strconv.Itoa(t.left))}
		if _, aerr := s.updateProductLocked(t.id, patch, t.parent); aerr != nil {
			s.mu.Unlock()
			return Order{}, aerr
		}
	}
	s.mu.Unlock()
	o.Total, o.TotalTax, o.CartTax = total.StringFixed(2), totalTax.StringFixed(2), totalTax.StringFixed(2)
	o.TaxLines[0].TaxTotal = o.TotalTax
	return s.PlaceOrder(o)
}

// Orders returns every order as the API would show it, in id order.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Sorted(maps.Keys(s.orders))
	out := make([]Order, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.renderOrder(s.orders[id]))
	}
	return out
}
