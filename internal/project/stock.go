package project

import (
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// WhenZero is what a store shows for an item with nothing to sell.
type WhenZero string

// Zero-stock behaviours.
const (
	ZeroOutOfStock WhenZero = "out_of_stock" // shown, marked out of stock
	ZeroHide       WhenZero = "hide"         // not shown at all (product deactivated)
	ZeroBackorder  WhenZero = "backorder"    // shown, can be ordered
)

// StockRules are one store's stock rules.
type StockRules struct {
	// Warehouses are the ERP warehouse codes summed for the store.
	Warehouses []string
	// SubtractERPReservations uses Available (on hand − ERP reservations)
	// instead of OnHand.
	SubtractERPReservations bool
	// Buffer is held back; Cap is the most shown (zero: no cap).
	Buffer decimal.Decimal
	Cap    decimal.Decimal
	// Integer rounds down to whole units (platforms that take integers).
	Integer  bool
	WhenZero WhenZero
}

// Stock computes a SKU's stock for the store from its ERP stock levels (any
// warehouses; those not in the store's set are ignored) and the quantity the
// hub has reserved for orders the ERP does not reflect yet. The result is
// never negative and never more than what the ERP can sell minus hub
// reservations minus the buffer (invariant 3: no overselling because of the hub).
func (r StockRules) Stock(sku string, levels []catalog.StockLevel, hubReserved decimal.Decimal) store.StockDoc {
	qty := decimal.Zero
	for _, l := range levels {
		if l.SKU != sku || !contains(r.Warehouses, l.Warehouse) {
			continue
		}
		if r.SubtractERPReservations {
			qty = qty.Add(l.Available)
		} else {
			qty = qty.Add(l.OnHand)
		}
	}
	qty = qty.Sub(hubReserved).Sub(r.Buffer)
	if r.Cap.IsPositive() && qty.GreaterThan(r.Cap) {
		qty = r.Cap
	}
	if r.Integer {
		qty = qty.Floor()
	}
	if !qty.IsPositive() {
		qty = decimal.Zero
	}
	doc := store.StockDoc{SKU: sku, Quantity: qty, Status: store.InStock}
	if qty.IsZero() {
		doc.Status = store.OutOfStock
		if r.WhenZero == ZeroBackorder {
			doc.Status = store.OnBackorder
		}
	}
	return doc
}

// Hidden reports whether an item with this stock is not to be shown at all.
func (r StockRules) Hidden(doc store.StockDoc) bool {
	return r.WhenZero == ZeroHide && doc.Quantity.IsZero()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
