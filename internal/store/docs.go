package store

import (
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// Webhook verification failures. Adapters wrap these so the receiver can
// count rejections by reason.
var (
	ErrSignatureMissing = errors.New("webhook signature missing")
	ErrSignatureInvalid = errors.New("webhook signature invalid")
)

// ProductDoc is the desired state of a product or variant in one store, after
// that store's rules. A variant has ParentSKU and Options set. ParentSKU and
// Categories name hub keys (the parent's SKU, CategoryDoc.Code values), not
// shop ids; the adapter resolves them to the shop's ids.
type ProductDoc struct {
	SKU         string            `json:"sku"`
	ParentSKU   string            `json:"parent_sku,omitempty"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	EAN         string            `json:"ean,omitempty"`
	Categories  []string          `json:"categories,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Axes        []string          `json:"axes,omitempty"`
	Options     map[string]string `json:"options,omitempty"`
	Images      []string          `json:"images,omitempty"`
	VATRate     decimal.Decimal   `json:"vat_rate"`
	Active      bool              `json:"active"`
	// Keep lists fields the store owns (name, description, images,
	// categories, attributes): on update the adapter leaves them as the shop
	// has them, whatever this document holds.
	Keep []string `json:"keep,omitempty"`
}

// CategoryDoc is the desired state of a category; Path is root-down names.
type CategoryDoc struct {
	Code       string `json:"code"`
	ParentCode string `json:"parent_code,omitempty"`
	Name       string `json:"name"`
	Path       string `json:"path"`
}

// PriceDoc is the desired price of one SKU in one store, already converted,
// marked up and rounded. Gross tells the basis of the amounts.
type PriceDoc struct {
	SKU      string           `json:"sku"`
	Currency string           `json:"currency"`
	Gross    bool             `json:"gross"`
	Regular  decimal.Decimal  `json:"regular"`
	Sale     *decimal.Decimal `json:"sale,omitempty"`
	SaleFrom *time.Time       `json:"sale_from,omitempty"`
	SaleTo   *time.Time       `json:"sale_to,omitempty"`
}

// StockStatus is what a shop shows for an item's availability.
type StockStatus string

// Stock statuses.
const (
	InStock     StockStatus = "instock"
	OutOfStock  StockStatus = "outofstock"
	OnBackorder StockStatus = "onbackorder"
)

// StockDoc is the desired stock of one SKU in one store.
type StockDoc struct {
	SKU      string          `json:"sku"`
	Quantity decimal.Decimal `json:"quantity"`
	Status   StockStatus     `json:"status"`
}
