package catalog

import (
	"time"

	"github.com/shopspring/decimal"
)

// OrderStatus is the hub's shop-independent order state. Adapters map their
// platform's statuses to and from it.
type OrderStatus string

// Order statuses.
const (
	StatusNew        OrderStatus = "new"
	StatusOnHold     OrderStatus = "on_hold"
	StatusProcessing OrderStatus = "processing"
	StatusShipped    OrderStatus = "shipped"
	StatusCompleted  OrderStatus = "completed"
	StatusCancelled  OrderStatus = "cancelled"
	StatusRefunded   OrderStatus = "refunded"
)

// CustomerKind tells a private person from a company.
type CustomerKind string

// Customer kinds.
const (
	CustomerPerson  CustomerKind = "person"
	CustomerCompany CustomerKind = "company"
)

// Customer is who placed an order. A company carries its tax number (NIP in
// Poland) with its country prefix, if any, in NIPCountry.
type Customer struct {
	Kind        CustomerKind `json:"kind"`
	ShopID      string       `json:"shop_id,omitempty"`
	Email       string       `json:"email,omitempty"`
	Phone       string       `json:"phone,omitempty"`
	FirstName   string       `json:"first_name,omitempty"`
	LastName    string       `json:"last_name,omitempty"`
	CompanyName string       `json:"company_name,omitempty"`
	NIP         string       `json:"nip,omitempty"`
	NIPCountry  string       `json:"nip_country,omitempty"`
	// MatchKey and RetailCustomer are set by the hub's order normalization,
	// replacing whatever a shop sent: how the ERP finds the customer (nip,
	// email or retail) and, for retail, the ERP code of the one-off retail
	// customer.
	MatchKey       string `json:"match_key,omitempty"`
	RetailCustomer string `json:"retail_customer,omitempty"`
}

// Address is a postal address. Country is an ISO 3166-1 alpha-2 code.
type Address struct {
	Name       string `json:"name,omitempty"`
	Company    string `json:"company,omitempty"`
	Street     string `json:"street,omitempty"`
	Street2    string `json:"street2,omitempty"`
	City       string `json:"city,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// OrderLine is one line of an order as the shop sold it. UnitPrice and Total
// are on the order's basis (gross when Order.PricesIncludeTax).
type OrderLine struct {
	ShopLineID string          `json:"shop_line_id,omitempty"`
	SKU        string          `json:"sku"`
	EAN        string          `json:"ean,omitempty"`
	Name       string          `json:"name"`
	Quantity   decimal.Decimal `json:"quantity"`
	UnitPrice  decimal.Decimal `json:"unit_price"`
	VATRate    decimal.Decimal `json:"vat_rate"`
	Total      decimal.Decimal `json:"total"`
}

// Payment is how an order is paid.
type Payment struct {
	Method string          `json:"method,omitempty"`
	Paid   bool            `json:"paid"`
	Amount decimal.Decimal `json:"amount"`
}

// Shipping is how an order is delivered and what delivery costs.
type Shipping struct {
	Method  string          `json:"method,omitempty"`
	Cost    decimal.Decimal `json:"cost"`
	VATRate decimal.Decimal `json:"vat_rate"`
}

// Tracking is a shipment's carrier and tracking number.
type Tracking struct {
	Carrier string `json:"carrier,omitempty"`
	Number  string `json:"number"`
	URL     string `json:"url,omitempty"`
}

// Order is a shop order in the hub's normalized form. (Store, ShopOrderID) is
// its identity everywhere: in the inbox, in the ERP staging tables and in logs.
// Total is the shop's own total, kept as the shop computed it; a difference
// from the line sums becomes an explicit rounding line, never a silent change.
type Order struct {
	Store            string          `json:"store"`
	ShopOrderID      string          `json:"shop_order_id"`
	Number           string          `json:"number,omitempty"`
	Status           OrderStatus     `json:"status"`
	PlacedAt         time.Time       `json:"placed_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	Currency         string          `json:"currency"`
	PricesIncludeTax bool            `json:"prices_include_tax"`
	Customer         Customer        `json:"customer"`
	Billing          Address         `json:"billing"`
	ShippingAddress  Address         `json:"shipping_address"`
	Lines            []OrderLine     `json:"lines,omitempty"`
	Shipping         Shipping        `json:"shipping"`
	Payment          Payment         `json:"payment"`
	Total            decimal.Decimal `json:"total"`
	Note             string          `json:"note,omitempty"`
}

// LinesTotal is the sum of the lines' totals plus shipping, on the order's basis.
func (o Order) LinesTotal() decimal.Decimal {
	sum := o.Shipping.Cost
	for _, l := range o.Lines {
		sum = sum.Add(l.Total)
	}
	return sum
}

// StatusUpdate is what the hub sends back to a shop about one order.
type StatusUpdate struct {
	Status    OrderStatus `json:"status"`
	ERPNumber string      `json:"erp_number,omitempty"`
	Tracking  *Tracking   `json:"tracking,omitempty"`
	Note      string      `json:"note,omitempty"`
}
