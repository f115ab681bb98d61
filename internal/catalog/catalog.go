// Package catalog is erpbridge's domain model: the records read from the ERP
// (products, variants, categories, attributes, images, price lists, prices,
// warehouses, stock) and the orders collected from shops.
//
// Money and quantities are exact decimals (github.com/shopspring/decimal), never
// floats. Every record has a canonical content hash (see Hash) that is stable
// across runs, map orderings and Go versions; the sync engine compares hashes
// to decide what changed.
package catalog

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Kind names a kind of record. It is the first part of every record's key in
// the hub's mirror and in a store's items.
type Kind string

// The record kinds the hub knows.
const (
	KindProduct   Kind = "product"
	KindVariant   Kind = "variant"
	KindCategory  Kind = "category"
	KindAttribute Kind = "attribute"
	KindImage     Kind = "image"
	KindPriceList Kind = "price_list"
	KindPrice     Kind = "price"
	KindWarehouse Kind = "warehouse"
	KindStock     Kind = "stock"
)

// Kinds lists every record kind in the order a full sync handles them:
// categories before the products that sit in them, products before variants,
// and prices and stock last.
var Kinds = []Kind{
	KindCategory, KindAttribute, KindPriceList, KindWarehouse,
	KindProduct, KindVariant, KindImage, KindPrice, KindStock,
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Record is any catalog record the ERP side produces. Key is unique within
// the record's Kind and stable across reads of the same ERP data.
type Record interface {
	Kind() Kind
	Key() string
}

// Product is a sellable item as the ERP knows it. A product with variants is
// sold through its variants; Axes names the options that tell them apart.
type Product struct {
	SKU         string            `json:"sku"`
	ERPID       string            `json:"erp_id,omitempty"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	EAN         string            `json:"ean,omitempty"`
	Unit        string            `json:"unit,omitempty"`
	VATRate     decimal.Decimal   `json:"vat_rate"`
	WeightKG    *decimal.Decimal  `json:"weight_kg,omitempty"`
	Active      bool              `json:"active"`
	EShop       bool              `json:"eshop"`
	Service     bool              `json:"service,omitempty"`
	Categories  []string          `json:"categories,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Axes        []string          `json:"axes,omitempty"`
	// PurchasePrice is the net purchase price when the ERP has one; projection
	// uses it as a price floor.
	PurchasePrice *decimal.Decimal `json:"purchase_price,omitempty"`
	ModifiedAt    *time.Time       `json:"modified_at,omitempty"`
}

// Kind implements Record.
func (Product) Kind() Kind { return KindProduct }

// Key implements Record: the SKU.
func (p Product) Key() string { return p.SKU }

// Variant is one option combination of a product, sold under its own SKU.
type Variant struct {
	SKU        string            `json:"sku"`
	ProductSKU string            `json:"product_sku"`
	Name       string            `json:"name,omitempty"`
	EAN        string            `json:"ean,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
	Active     bool              `json:"active"`
}

// Kind implements Record.
func (Variant) Kind() Kind { return KindVariant }

// Key implements Record: the variant's own SKU.
func (v Variant) Key() string { return v.SKU }

// Category is a node of the ERP's product-group tree. Path is the names from
// the root down, joined by "/", which store scope rules match against.
type Category struct {
	Code       string `json:"code"`
	ParentCode string `json:"parent_code,omitempty"`
	Name       string `json:"name"`
	Path       string `json:"path"`
}

// Kind implements Record.
func (Category) Kind() Kind { return KindCategory }

// Key implements Record: the category code.
func (c Category) Key() string { return c.Code }

// Attribute is the definition of a product attribute (its values live on
// Product.Attributes).
type Attribute struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// Kind implements Record.
func (Attribute) Kind() Kind { return KindAttribute }

// Key implements Record: the attribute code.
func (a Attribute) Key() string { return a.Code }

// Image is a product picture: either a URL the shop can fetch, or binary data
// kept by the ERP that the hub serves at a URL containing ContentHash.
type Image struct {
	ProductSKU  string `json:"product_sku"`
	Position    int    `json:"position"`
	URL         string `json:"url,omitempty"`
	ContentHash string `json:"content_hash,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Alt         string `json:"alt,omitempty"`
}

// Kind implements Record.
func (Image) Kind() Kind { return KindImage }

// Key implements Record: the product SKU and position.
func (i Image) Key() string { return fmt.Sprintf("%s#%d", i.ProductSKU, i.Position) }

// PriceList is a named price type of the ERP (retail, wholesale, ...).
type PriceList struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	// Gross is true when the list's amounts include VAT.
	Gross  bool `json:"gross"`
	Active bool `json:"active"`
}

// Kind implements Record.
func (PriceList) Kind() Kind { return KindPriceList }

// Key implements Record: the price list code.
func (l PriceList) Key() string { return l.Code }

// Price is one SKU's amount on one price list.
type Price struct {
	SKU       string          `json:"sku"`
	PriceList string          `json:"price_list"`
	Amount    decimal.Decimal `json:"amount"`
	Currency  string          `json:"currency"`
	Gross     bool            `json:"gross"`
}

// Kind implements Record.
func (Price) Kind() Kind { return KindPrice }

// Key implements Record: price list and SKU.
func (p Price) Key() string { return p.PriceList + "|" + p.SKU }

// Warehouse is a stock location of the ERP.
type Warehouse struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Kind implements Record.
func (Warehouse) Kind() Kind { return KindWarehouse }

// Key implements Record: the warehouse code.
func (w Warehouse) Key() string { return w.Code }

// StockLevel is one SKU's stock in one warehouse. Available is what the ERP
// can sell: on hand minus the ERP's own reservations.
type StockLevel struct {
	SKU       string          `json:"sku"`
	Warehouse string          `json:"warehouse"`
	OnHand    decimal.Decimal `json:"on_hand"`
	Reserved  decimal.Decimal `json:"reserved"`
	Available decimal.Decimal `json:"available"`
}

// Kind implements Record.
func (StockLevel) Kind() Kind { return KindStock }

// Key implements Record: warehouse and SKU.
func (s StockLevel) Key() string { return s.Warehouse + "|" + s.SKU }

// Interface guards.
var (
	_ Record = Product{}
	_ Record = Variant{}
	_ Record = Category{}
	_ Record = Attribute{}
	_ Record = Image{}
	_ Record = PriceList{}
	_ Record = Price{}
	_ Record = Warehouse{}
	_ Record = StockLevel{}
)
