package shopserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Limits on single fields of a pushed item.
const (
	maxSKULen  = 255
	maxTextLen = 1 << 20
)

// Amounts and quantities have at most maxIntDigits digits before the
// decimal point and maxFracDigits after it.
const (
	maxIntDigits  = 15
	maxFracDigits = 6
)

var maxMagnitude = decimal.New(1, maxIntDigits)

// saneDecimals checks named decimals against the size limits and returns
// the name of one that breaks them ("" when none does).
func saneDecimals(named map[string]*decimal.Decimal) string {
	for name, d := range named {
		if d == nil {
			continue
		}
		if d.Abs().GreaterThanOrEqual(maxMagnitude) || d.Exponent() < -maxFracDigits && !d.Equal(d.Truncate(maxFracDigits)) {
			return name
		}
	}
	return ""
}

// maxMessageLen bounds an item error's message; decoding errors quote the
// input, which may be huge.
const maxMessageLen = 300

func permanent(code, format string, args ...any) *wire.ItemError {
	msg := fmt.Sprintf(format, args...)
	if len(msg) > maxMessageLen {
		cut := maxMessageLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return &wire.ItemError{Code: code, Message: msg, Permanent: true}
}

// validateItem checks one pushed item and decodes its doc. A nil
// *wire.ItemError means the item is fit for the Backend.
func validateItem(wi wire.Item) (store.Item, *wire.ItemError) {
	it := store.Item{Kind: wi.Kind, SKU: wi.SKU, ShopID: wi.ShopID, Op: wi.Op}
	switch wi.Kind {
	case catalog.KindProduct, catalog.KindVariant, catalog.KindCategory, catalog.KindPrice, catalog.KindStock:
	default:
		return it, permanent(wire.CodeUnknownKind, "kind %q is not one of product, variant, category, price, stock", wi.Kind)
	}
	switch wi.Op {
	case store.OpUpsert, store.OpDeactivate, store.OpDelete:
	default:
		return it, permanent(wire.CodeUnknownOp, "op %q is not one of upsert, deactivate, delete", wi.Op)
	}
	if wi.SKU == "" || len(wi.SKU) > maxSKULen || !utf8.ValidString(wi.SKU) || strings.TrimSpace(wi.SKU) != wi.SKU {
		return it, permanent(wire.CodeInvalid, "sku must be 1 to %d bytes of UTF-8 without surrounding spaces", maxSKULen)
	}
	if len(wi.ShopID) > maxSKULen || !utf8.ValidString(wi.ShopID) {
		return it, permanent(wire.CodeInvalid, "shop_id must be at most %d bytes of UTF-8", maxSKULen)
	}
	raw := bytes.TrimSpace(wi.Doc)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if wi.Op == store.OpUpsert {
			return it, permanent(wire.CodeInvalidDoc, "upsert needs a doc")
		}
		return it, nil
	}
	doc, ierr := decodeDoc(wi.Kind, wi.SKU, raw)
	if ierr != nil {
		return it, ierr
	}
	it.Doc = doc
	return it, nil
}

const sizeMsg = "doc.%s has more than 15 digits before or 6 after the decimal point"

func decodeDoc(kind catalog.Kind, sku string, raw []byte) (any, *wire.ItemError) {
	bad := func(format string, args ...any) *wire.ItemError {
		return permanent(wire.CodeInvalidDoc, format, args...)
	}
	switch kind {
	case catalog.KindProduct, catalog.KindVariant:
		var d store.ProductDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, bad("doc is not a product doc: %v", err)
		}
		if name := saneDecimals(map[string]*decimal.Decimal{"vat_rate": &d.VATRate}); name != "" {
			return nil, bad(sizeMsg, name)
		}
		switch {
		case d.SKU != sku:
			return nil, bad("doc.sku %q differs from the item's sku %q", d.SKU, sku)
		case strings.TrimSpace(d.Name) == "" && !slices.Contains(d.Keep, "name"):
			return nil, bad("doc.name is empty")
		case kind == catalog.KindVariant && d.ParentSKU == "":
			return nil, bad("a variant needs doc.parent_sku")
		case kind == catalog.KindVariant && d.ParentSKU == sku:
			return nil, bad("a variant cannot be its own parent")
		case kind == catalog.KindProduct && d.ParentSKU != "":
			return nil, bad("a product has no doc.parent_sku; push it as a variant")
		case d.VATRate.IsNegative() || d.VATRate.GreaterThan(decimal.NewFromInt(100)):
			return nil, bad("doc.vat_rate %s is not a percentage from 0 to 100", d.VATRate)
		case len(d.Description) > maxTextLen || len(d.Name) > maxTextLen:
			return nil, bad("doc.name or doc.description is longer than %d bytes", maxTextLen)
		case len(d.Axes) > 5:
			return nil, bad("doc.axes has %d axes; at most 5 are allowed", len(d.Axes))
		}
		return &d, nil
	case catalog.KindCategory:
		var d store.CategoryDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, bad("doc is not a category doc: %v", err)
		}
		switch {
		case d.Code != sku:
			return nil, bad("doc.code %q differs from the item's sku %q", d.Code, sku)
		case strings.TrimSpace(d.Name) == "":
			return nil, bad("doc.name is empty")
		case d.ParentCode == d.Code:
			return nil, bad("a category cannot be its own parent")
		}
		return &d, nil
	case catalog.KindPrice:
		var d store.PriceDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, bad("doc is not a price doc: %v", err)
		}
		if name := saneDecimals(map[string]*decimal.Decimal{"regular": &d.Regular, "sale": d.Sale}); name != "" {
			return nil, bad(sizeMsg, name)
		}
		switch {
		case d.SKU != sku:
			return nil, bad("doc.sku %q differs from the item's sku %q", d.SKU, sku)
		case !wire.ValidCurrency(d.Currency):
			return nil, bad("doc.currency %q is not an ISO 4217 code", d.Currency)
		case d.Regular.IsNegative():
			return nil, bad("doc.regular %s is negative", d.Regular)
		case d.Sale != nil && d.Sale.IsNegative():
			return nil, bad("doc.sale %s is negative", d.Sale)
		case d.SaleFrom != nil && d.SaleTo != nil && d.SaleTo.Before(*d.SaleFrom):
			return nil, bad("doc.sale_to is before doc.sale_from")
		}
		return &d, nil
	case catalog.KindStock:
		var d store.StockDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, bad("doc is not a stock doc: %v", err)
		}
		if name := saneDecimals(map[string]*decimal.Decimal{"quantity": &d.Quantity}); name != "" {
			return nil, bad(sizeMsg, name)
		}
		switch {
		case d.SKU != sku:
			return nil, bad("doc.sku %q differs from the item's sku %q", d.SKU, sku)
		case d.Quantity.IsNegative():
			return nil, bad("doc.quantity %s is negative", d.Quantity)
		}
		switch d.Status {
		case store.InStock, store.OutOfStock, store.OnBackorder:
		default:
			return nil, bad("doc.status %q is not one of instock, outofstock, onbackorder", d.Status)
		}
		return &d, nil
	}
	return nil, permanent(wire.CodeUnknownKind, "kind %q has no doc", kind)
}

// validateStatus checks a status update; it returns "" when it is fine.
func validateStatus(u catalog.StatusUpdate) string {
	if !wire.ValidStatus(u.Status) {
		return fmt.Sprintf("status %q is not one of new, on_hold, processing, shipped, completed, cancelled, refunded", u.Status)
	}
	if u.Tracking != nil && strings.TrimSpace(u.Tracking.Number) == "" {
		return "tracking.number is empty"
	}
	return ""
}
