package memory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

// The memory shop's own wire format: what its "API" returns for an order and
// what its webhooks carry. Amounts are decimal strings with two places; times
// are RFC 3339 in UTC. The hub keeps these payloads raw in its inbox and
// ParseOrder turns them into catalog.Order.

// Webhook headers of the memory shop.
const (
	// HeaderSignature is base64(HMAC-SHA256(body, secret)).
	HeaderSignature = "X-Memory-Signature"
	// HeaderDelivery is unique per delivery attempt.
	HeaderDelivery = "X-Memory-Delivery"
	// HeaderEvent is unique per event (order id and revision); repeated
	// deliveries of one event carry the same value.
	HeaderEvent = "X-Memory-Event"
	// HeaderTopic names what the delivery is about: TopicOrderCreated,
	// TopicOrderUpdated or TopicPing.
	HeaderTopic = "X-Memory-Topic"
)

// Webhook topics of the memory shop.
const (
	TopicOrderCreated = "order.created"
	TopicOrderUpdated = "order.updated"
	TopicPing         = "ping"
)

// Shop order statuses on the wire.
const (
	apiPending    = "pending"
	apiOnHold     = "on-hold"
	apiProcessing = "processing"
	apiShipped    = "shipped"
	apiCompleted  = "completed"
	apiCancelled  = "cancelled"
	apiRefunded   = "refunded"
)

var statusToHub = map[string]catalog.OrderStatus{
	apiPending:    catalog.StatusNew,
	apiOnHold:     catalog.StatusOnHold,
	apiProcessing: catalog.StatusProcessing,
	apiShipped:    catalog.StatusShipped,
	apiCompleted:  catalog.StatusCompleted,
	apiCancelled:  catalog.StatusCancelled,
	apiRefunded:   catalog.StatusRefunded,
}

var statusFromHub = map[catalog.OrderStatus]string{
	catalog.StatusNew:        apiPending,
	catalog.StatusOnHold:     apiOnHold,
	catalog.StatusProcessing: apiProcessing,
	catalog.StatusShipped:    apiShipped,
	catalog.StatusCompleted:  apiCompleted,
	catalog.StatusCancelled:  apiCancelled,
	catalog.StatusRefunded:   apiRefunded,
}

type apiOrder struct {
	ID               string       `json:"id"`
	Number           string       `json:"number"`
	Status           string       `json:"status"`
	Currency         string       `json:"currency"`
	PricesIncludeTax bool         `json:"prices_include_tax"`
	CreatedAt        string       `json:"created_at"`
	UpdatedAt        string       `json:"updated_at"`
	Customer         apiCustomer  `json:"customer"`
	Billing          apiAddress   `json:"billing"`
	Shipping         apiAddress   `json:"shipping"`
	Lines            []apiLine    `json:"line_items"`
	ShippingLine     apiShipping  `json:"shipping_line"`
	Payment          apiPayment   `json:"payment"`
	Total            string       `json:"total"`
	Note             string       `json:"customer_note,omitempty"`
	Tracking         *apiTracking `json:"tracking,omitempty"`
	ERPNumber        string       `json:"erp_number,omitempty"`
}

type apiCustomer struct {
	ID        string `json:"id,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Company   string `json:"company,omitempty"`
	VATID     string `json:"vat_id,omitempty"`
	VATIDCC   string `json:"vat_id_country,omitempty"`
}

type apiAddress struct {
	Name     string `json:"name,omitempty"`
	Company  string `json:"company,omitempty"`
	Address1 string `json:"address_1,omitempty"`
	Address2 string `json:"address_2,omitempty"`
	City     string `json:"city,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Country  string `json:"country,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

type apiLine struct {
	ID        string `json:"id"`
	ProductID string `json:"product_id"`
	SKU       string `json:"sku"`
	EAN       string `json:"ean,omitempty"`
	Name      string `json:"name"`
	Quantity  string `json:"quantity"`
	Price     string `json:"price"`
	TaxRate   string `json:"tax_rate"`
	Total     string `json:"total"`
}

type apiShipping struct {
	Method  string `json:"method,omitempty"`
	Total   string `json:"total"`
	TaxRate string `json:"tax_rate"`
}

type apiPayment struct {
	Method string `json:"method,omitempty"`
	Paid   bool   `json:"paid"`
	Amount string `json:"amount"`
}

type apiTracking struct {
	Carrier string `json:"carrier,omitempty"`
	Number  string `json:"number"`
	URL     string `json:"url,omitempty"`
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

func wireTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// toAPI renders the shop's order in its wire shape.
func (o *Order) toAPI() apiOrder {
	a := apiOrder{
		ID:               o.ID,
		Number:           o.Number,
		Status:           o.Status,
		Currency:         o.Currency,
		PricesIncludeTax: o.PricesIncludeTax,
		CreatedAt:        wireTime(o.CreatedAt),
		UpdatedAt:        wireTime(o.UpdatedAt),
		Customer: apiCustomer{
			ID: o.Customer.ShopID, Email: o.Customer.Email, Phone: o.Customer.Phone,
			FirstName: o.Customer.FirstName, LastName: o.Customer.LastName,
			Company: o.Customer.CompanyName, VATID: o.Customer.NIP, VATIDCC: o.Customer.NIPCountry,
		},
		Billing:      addressToAPI(o.Billing),
		Shipping:     addressToAPI(o.ShippingAddress),
		ShippingLine: apiShipping{Method: o.ShippingMethod, Total: money(o.ShippingCost), TaxRate: o.ShippingVATRate.String()},
		Payment:      apiPayment{Method: o.PaymentMethod, Paid: o.Paid, Amount: money(o.Total)},
		Total:        money(o.Total),
		Note:         o.Note,
		ERPNumber:    o.ERPNumber,
	}
	for _, l := range o.Lines {
		a.Lines = append(a.Lines, apiLine{
			ID: l.ID, ProductID: l.ProductID, SKU: l.SKU, EAN: l.EAN, Name: l.Name,
			Quantity: l.Quantity.String(), Price: money(l.UnitPrice),
			TaxRate: l.VATRate.String(), Total: money(l.Total),
		})
	}
	if o.Tracking != nil {
		a.Tracking = &apiTracking{Carrier: o.Tracking.Carrier, Number: o.Tracking.Number, URL: o.Tracking.URL}
	}
	return a
}

func addressToAPI(a catalog.Address) apiAddress {
	return apiAddress{
		Name: a.Name, Company: a.Company, Address1: a.Street, Address2: a.Street2,
		City: a.City, Postcode: a.PostalCode, Country: a.Country, Phone: a.Phone,
	}
}

func addressFromAPI(a apiAddress) catalog.Address {
	return catalog.Address{
		Name: a.Name, Company: a.Company, Street: a.Address1, Street2: a.Address2,
		City: a.City, PostalCode: a.Postcode, Country: a.Country, Phone: a.Phone,
	}
}

// parseAPIOrder decodes and checks a raw order payload. Every problem is
// reported with the field it concerns; several problems are joined.
func parseAPIOrder(raw []byte) (catalog.Order, error) {
	var a apiOrder
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&a); err != nil {
		return catalog.Order{}, fmt.Errorf("order payload is not a JSON order object: %w", err)
	}
	if dec.More() {
		return catalog.Order{}, errors.New("order payload has data after the order object")
	}
	var errs []error
	field := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if a.ID == "" {
		errs = append(errs, errors.New("id: missing"))
	}
	status, ok := statusToHub[a.Status]
	if !ok {
		errs = append(errs, fmt.Errorf("status: unknown value %q", a.Status))
	}
	if a.Currency == "" {
		errs = append(errs, errors.New("currency: missing"))
	}
	o := catalog.Order{
		ShopOrderID:      a.ID,
		Number:           a.Number,
		Status:           status,
		Currency:         a.Currency,
		PricesIncludeTax: a.PricesIncludeTax,
		Customer: catalog.Customer{
			Kind: catalog.CustomerPerson, ShopID: a.Customer.ID, Email: a.Customer.Email,
			Phone: a.Customer.Phone, FirstName: a.Customer.FirstName, LastName: a.Customer.LastName,
			CompanyName: a.Customer.Company, NIP: a.Customer.VATID, NIPCountry: a.Customer.VATIDCC,
		},
		Billing:         addressFromAPI(a.Billing),
		ShippingAddress: addressFromAPI(a.Shipping),
		Shipping:        catalog.Shipping{Method: a.ShippingLine.Method},
		Payment:         catalog.Payment{Method: a.Payment.Method, Paid: a.Payment.Paid},
		Note:            a.Note,
	}
	if a.Customer.Company != "" || a.Customer.VATID != "" {
		o.Customer.Kind = catalog.CustomerCompany
	}
	var err error
	o.PlacedAt, err = parseWireTime(a.CreatedAt)
	field("created_at", err)
	o.UpdatedAt, err = parseWireTime(a.UpdatedAt)
	field("updated_at", err)
	o.Total, err = parseAmount(a.Total)
	field("total", err)
	o.Shipping.Cost, err = parseAmount(a.ShippingLine.Total)
	field("shipping_line.total", err)
	o.Shipping.VATRate, err = parseAmount(a.ShippingLine.TaxRate)
	field("shipping_line.tax_rate", err)
	o.Payment.Amount, err = parseAmount(a.Payment.Amount)
	field("payment.amount", err)
	if len(a.Lines) == 0 {
		errs = append(errs, errors.New("line_items: no lines"))
	}
	for i, l := range a.Lines {
		p := fmt.Sprintf("line_items[%d]", i)
		line := catalog.OrderLine{ShopLineID: l.ID, SKU: l.SKU, EAN: l.EAN, Name: l.Name}
		if l.SKU == "" && l.EAN == "" {
			errs = append(errs, fmt.Errorf("%s: neither sku nor ean", p))
		}
		line.Quantity, err = parseAmount(l.Quantity)
		field(p+".quantity", err)
		if err == nil && !line.Quantity.IsPositive() {
			errs = append(errs, fmt.Errorf("%s.quantity: %s is not positive", p, l.Quantity))
		}
		line.UnitPrice, err = parseAmount(l.Price)
		field(p+".price", err)
		line.VATRate, err = parseAmount(l.TaxRate)
		field(p+".tax_rate", err)
		line.Total, err = parseAmount(l.Total)
		field(p+".total", err)
		o.Lines = append(o.Lines, line)
	}
	if len(errs) > 0 {
		return catalog.Order{}, errors.Join(errs...)
	}
	return o, nil
}

func parseWireTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

func parseAmount(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, errors.New("missing")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return d, nil
}
