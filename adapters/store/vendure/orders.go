package vendure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// listEntry is one product or variant of a list page.
type listEntry struct {
	ID           string         `json:"id"`
	SKU          string         `json:"sku"`
	Slug         string         `json:"slug"`
	ProductID    string         `json:"productId"`
	CustomFields map[string]any `json:"customFields"`
	Product      struct {
		Slug string `json:"slug"`
	} `json:"product"`
}

// ListItems calls fn for every product Push made (found by the slug it
// derives from the SKU) and every variant in the channel, page by page. The
// one variant of a product without axes is the product itself and is not
// listed again. EAN is read from connection.ean_custom_field when set.
func (s *Store) ListItems(ctx context.Context, fn func(store.Existing) error) error {
	ean := s.conn.EANCustomField
	err := s.list(ctx, "list products", s.q.listProducts, "products", func(e listEntry) error {
		sku, ok := skuFromSlug(e.Slug)
		if !ok {
			return nil // a product made in Vendure itself: bound through its variants
		}
		return fn(store.Existing{Kind: catalog.KindProduct, SKU: sku, EAN: customString(e.CustomFields, ean), ShopID: e.ID})
	})
	if err != nil {
		return err
	}
	return s.list(ctx, "list variants", s.q.listVariants, "productVariants", func(e listEntry) error {
		if e.SKU == "" || e.Product.Slug == slugFor(e.SKU) {
			return nil
		}
		return fn(store.Existing{Kind: catalog.KindVariant, SKU: e.SKU, EAN: customString(e.CustomFields, ean), ShopID: e.ID, ParentShopID: e.ProductID})
	})
}

// list walks a paginated list query whose result is under key.
func (s *Store) list(ctx context.Context, op, query, key string, fn func(listEntry) error) error {
	size := s.conn.PageSize
	for skip := 0; ; skip += size {
		var out map[string]struct {
			TotalItems int         `json:"totalItems"`
			Items      []listEntry `json:"items"`
		}
		if err := s.admin.call(ctx, op, query, map[string]any{"skip": skip, "take": size}, &out); err != nil {
			return err
		}
		pg := out[key]
		for _, e := range pg.Items {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(pg.Items) < size || skip+size >= pg.TotalItems {
			return nil
		}
	}
}

// apiAddress is an OrderAddress.
type apiAddress struct {
	FullName    string `json:"fullName"`
	Company     string `json:"company"`
	StreetLine1 string `json:"streetLine1"`
	StreetLine2 string `json:"streetLine2"`
	City        string `json:"city"`
	Province    string `json:"province"`
	PostalCode  string `json:"postalCode"`
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber"`
}

// apiOrder is an Order as the adapter's query (and the server's webhook)
// returns it. PricesIncludeTax and MoneyPrecision are added by the adapter
// (and the webhook) so a stored payload parses on its own.
type apiOrder struct {
	ID               string      `json:"id"`
	Code             string      `json:"code"`
	State            string      `json:"state"`
	CreatedAt        *time.Time  `json:"createdAt"`
	UpdatedAt        *time.Time  `json:"updatedAt"`
	OrderPlacedAt    *time.Time  `json:"orderPlacedAt"`
	CurrencyCode     string      `json:"currencyCode"`
	Shipping         json.Number `json:"shipping"`
	ShippingWithTax  json.Number `json:"shippingWithTax"`
	Total            json.Number `json:"total"`
	TotalWithTax     json.Number `json:"totalWithTax"`
	PricesIncludeTax *bool       `json:"pricesIncludeTax,omitempty"`
	MoneyPrecision   *int32      `json:"moneyPrecision,omitempty"`
	Customer         *struct {
		ID           string `json:"id"`
		FirstName    string `json:"firstName"`
		LastName     string `json:"lastName"`
		EmailAddress string `json:"emailAddress"`
		PhoneNumber  string `json:"phoneNumber"`
	} `json:"customer"`
	ShippingAddress *apiAddress `json:"shippingAddress"`
	BillingAddress  *apiAddress `json:"billingAddress"`
	Lines           []struct {
		ID               string      `json:"id"`
		Quantity         json.Number `json:"quantity"`
		UnitPrice        json.Number `json:"unitPrice"`
		UnitPriceWithTax json.Number `json:"unitPriceWithTax"`
		LinePrice        json.Number `json:"linePrice"`
		LinePriceWithTax json.Number `json:"linePriceWithTax"`
		TaxRate          json.Number `json:"taxRate"`
		ProductVariant   *struct {
			ID   string `json:"id"`
			SKU  string `json:"sku"`
			Name string `json:"name"`
		} `json:"productVariant"`
	} `json:"lines"`
	ShippingLines []struct {
		Price          json.Number `json:"price"`
		PriceWithTax   json.Number `json:"priceWithTax"`
		ShippingMethod *struct {
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"shippingMethod"`
	} `json:"shippingLines"`
	Payments []struct {
		Method string      `json:"method"`
		State  string      `json:"state"`
		Amount json.Number `json:"amount"`
	} `json:"payments"`
	Fulfillments []apiFulfillment `json:"fulfillments"`
}

// apiFulfillment is a Fulfillment of an order.
type apiFulfillment struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	Method       string `json:"method"`
	TrackingCode string `json:"trackingCode"`
	Lines        []struct {
		OrderLineID string `json:"orderLineId"`
		Quantity    int64  `json:"quantity"`
	} `json:"lines"`
}

// rawOrder keeps the server's JSON for an order and adds the channel's tax
// basis and money precision to it.
func rawOrder(o json.RawMessage, ch *channelInfo) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(o, &m); err != nil {
		return nil, fmt.Errorf("vendure: order: %w", err)
	}
	m["pricesIncludeTax"], _ = json.Marshal(ch.pricesIncludeTax)
	m["moneyPrecision"], _ = json.Marshal(ch.precision)
	return json.Marshal(m)
}

// orderTime is the time the adapter pages orders by: when the order was
// placed (Vendure's updatedAt does not move on state changes).
func orderTime(raw json.RawMessage) (string, time.Time, error) {
	var h struct {
		ID            string     `json:"id"`
		OrderPlacedAt *time.Time `json:"orderPlacedAt"`
		UpdatedAt     *time.Time `json:"updatedAt"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", time.Time{}, fmt.Errorf("vendure: order: %w", err)
	}
	switch {
	case h.OrderPlacedAt != nil:
		return h.ID, h.OrderPlacedAt.UTC(), nil
	case h.UpdatedAt != nil:
		return h.ID, h.UpdatedAt.UTC(), nil
	}
	return h.ID, time.Time{}, nil
}

// Orders returns orders placed at or after since, oldest first. The page
// token is the number of orders to skip. ShopOrder.UpdatedAt is the order's
// orderPlacedAt, the field the filter uses, so a cursor built from it never
// skips an order; state changes after placement arrive through webhooks or
// Order, not through this list.
func (s *Store) Orders(ctx context.Context, since time.Time, page string) (store.OrderPage, error) {
	skip := 0
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 0 {
			return store.OrderPage{}, fault.Permanentf("vendure: orders: bad page token %q", page)
		}
		skip = n
	}
	ch, err := s.channel(ctx)
	if err != nil {
		return store.OrderPage{}, err
	}
	var out struct {
		Orders struct {
			TotalItems int               `json:"totalItems"`
			Items      []json.RawMessage `json:"items"`
		} `json:"orders"`
	}
	// The filter's "after" is strict; a millisecond earlier makes it "at or
	// after". A zero or ancient since means "all orders".
	after := since.UTC().Add(-time.Millisecond)
	if epoch := time.Unix(0, 0).UTC(); after.Before(epoch) {
		after = epoch
	}
	vars := map[string]any{
		"after": after.Format(time.RFC3339Nano),
		"skip":  skip,
		"take":  s.conn.PageSize,
	}
	if err := s.admin.call(ctx, "orders", ordersQuery, vars, &out); err != nil {
		return store.OrderPage{}, err
	}
	pg := store.OrderPage{Orders: make([]store.ShopOrder, 0, len(out.Orders.Items))}
	for _, it := range out.Orders.Items {
		so, err := shopOrder(it, ch)
		if err != nil {
			return store.OrderPage{}, err
		}
		pg.Orders = append(pg.Orders, so)
	}
	if n := skip + len(out.Orders.Items); len(out.Orders.Items) > 0 && n < out.Orders.TotalItems {
		pg.Next = strconv.Itoa(n)
	}
	return pg, nil
}

func shopOrder(it json.RawMessage, ch *channelInfo) (store.ShopOrder, error) {
	id, at, err := orderTime(it)
	if err != nil {
		return store.ShopOrder{}, err
	}
	raw, err := rawOrder(it, ch)
	if err != nil {
		return store.ShopOrder{}, err
	}
	return store.ShopOrder{ID: id, UpdatedAt: at, Raw: raw}, nil
}

// Order reads one order; a missing one is Permanent.
func (s *Store) Order(ctx context.Context, id string) (store.ShopOrder, error) {
	ch, err := s.channel(ctx)
	if err != nil {
		return store.ShopOrder{}, err
	}
	var out struct {
		Order json.RawMessage `json:"order"`
	}
	if err := s.admin.call(ctx, "order", orderQuery, map[string]any{"id": id}, &out); err != nil {
		return store.ShopOrder{}, err
	}
	if len(out.Order) == 0 || string(out.Order) == "null" {
		return store.ShopOrder{}, fault.Permanentf("vendure: order %q not found", id)
	}
	return shopOrder(out.Order, ch)
}

// statusOf maps Vendure's order states to the hub's.
func statusOf(state string) catalog.OrderStatus {
	switch state {
	case "Created", "Draft", "AddingItems", "ArrangingPayment":
		return catalog.StatusNew
	case "PaymentAuthorized", "Modifying", "ArrangingAdditionalPayment":
		return catalog.StatusOnHold
	case "PaymentSettled", "PartiallyShipped":
		return catalog.StatusProcessing
	case "Shipped", "PartiallyDelivered":
		return catalog.StatusShipped
	case "Delivered":
		return catalog.StatusCompleted
	case "Cancelled":
		return catalog.StatusCancelled
	default:
		// A custom state from the shop's order process: held until a person
		// looks at it.
		return catalog.StatusOnHold
	}
}

// ParseOrder turns an order payload (from Orders, Order or a webhook's
// "order") into the hub's form. Amounts are on the channel's basis: gross
// when the payload says pricesIncludeTax (the default), else net; the total
// is always the shop's totalWithTax or total on the same basis.
func (s *Store) ParseOrder(raw []byte) (catalog.Order, error) {
	return parseOrder(raw)
}

func parseOrder(raw []byte) (o catalog.Order, err error) {
	var a apiOrder
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		return catalog.Order{}, fault.Permanentf("vendure: order payload: %v", err)
	}
	if a.ID == "" {
		return catalog.Order{}, fault.Permanentf("vendure: order payload has no id")
	}
	if a.CurrencyCode == "" {
		return catalog.Order{}, fault.Permanentf("vendure: order %s has no currencyCode", a.ID)
	}
	gross := a.PricesIncludeTax == nil || *a.PricesIncludeTax
	prec := int32(2)
	if a.MoneyPrecision != nil {
		prec = *a.MoneyPrecision
		if prec < 0 || prec > 6 {
			return catalog.Order{}, fault.Permanentf("vendure: order %s: money precision %d", a.ID, prec)
		}
	}
	money := func(field string, gv, nv json.Number) decimal.Decimal {
		if err != nil {
			return decimal.Zero
		}
		v := nv
		if gross {
			v = gv
		}
		d, e := fromMinor(v, prec)
		if e != nil {
			err = fault.Permanentf("vendure: order %s: %s: %v", a.ID, field, e)
		}
		return d
	}
	o = catalog.Order{
		ShopOrderID:      a.ID,
		Number:           a.Code,
		Status:           statusOf(a.State),
		Currency:         a.CurrencyCode,
		PricesIncludeTax: gross,
	}
	switch {
	case a.OrderPlacedAt != nil:
		o.PlacedAt = a.OrderPlacedAt.UTC()
	case a.CreatedAt != nil:
		o.PlacedAt = a.CreatedAt.UTC()
	}
	if a.UpdatedAt != nil {
		o.UpdatedAt = a.UpdatedAt.UTC()
	}
	if o.UpdatedAt.Before(o.PlacedAt) {
		// Vendure's updatedAt can be older than orderPlacedAt.
		o.UpdatedAt = o.PlacedAt
	}
	if c := a.Customer; c != nil {
		o.Customer = catalog.Customer{
			Kind:      catalog.CustomerPerson,
			ShopID:    c.ID,
			Email:     c.EmailAddress,
			Phone:     c.PhoneNumber,
			FirstName: c.FirstName,
			LastName:  c.LastName,
		}
	} else {
		o.Customer.Kind = catalog.CustomerPerson
	}
	o.ShippingAddress = address(a.ShippingAddress)
	o.Billing = address(a.BillingAddress)
	if o.Billing == (catalog.Address{}) {
		o.Billing = o.ShippingAddress
	}
	if a.BillingAddress != nil && a.BillingAddress.Company != "" {
		o.Customer.Kind = catalog.CustomerCompany
		o.Customer.CompanyName = a.BillingAddress.Company
	}
	for k, l := range a.Lines {
		if l.ProductVariant == nil || l.ProductVariant.SKU == "" {
			return catalog.Order{}, fault.Permanentf("vendure: order %s: line %d has no product variant SKU", a.ID, k+1)
		}
		qn, e := strconv.ParseInt(string(l.Quantity), 10, 64)
		if e != nil || qn < 0 {
			return catalog.Order{}, fault.Permanentf("vendure: order %s: line %d: quantity %q", a.ID, k+1, shorten(string(l.Quantity)))
		}
		q := decimal.NewFromInt(qn)
		rate := decimal.Zero
		if l.TaxRate != "" {
			if rate, e = plainDecimal(l.TaxRate); e != nil {
				return catalog.Order{}, fault.Permanentf("vendure: order %s: line %d: tax rate: %v", a.ID, k+1, e)
			}
		}
		o.Lines = append(o.Lines, catalog.OrderLine{
			ShopLineID: l.ID,
			SKU:        l.ProductVariant.SKU,
			Name:       l.ProductVariant.Name,
			Quantity:   q,
			UnitPrice:  money("unit price", l.UnitPriceWithTax, l.UnitPrice),
			VATRate:    rate,
			Total:      money("line price", l.LinePriceWithTax, l.LinePrice),
		})
	}
	o.Shipping.Cost = money("shipping", a.ShippingWithTax, a.Shipping)
	if len(a.ShippingLines) > 0 && a.ShippingLines[0].ShippingMethod != nil {
		sm := a.ShippingLines[0].ShippingMethod
		o.Shipping.Method = sm.Code
		if sm.Code == "" {
			o.Shipping.Method = sm.Name
		}
	}
	if len(a.ShippingLines) > 0 {
		net, e1 := fromMinor(a.ShippingLines[0].Price, prec)
		grossCost, e2 := fromMinor(a.ShippingLines[0].PriceWithTax, prec)
		if e1 == nil && e2 == nil && net.IsPositive() && grossCost.GreaterThan(net) {
			o.Shipping.VATRate = grossCost.Sub(net).Mul(decimal.NewFromInt(100)).DivRound(net, 0)
		}
	}
	o.Total = money("total", a.TotalWithTax, a.Total)
	for _, p := range a.Payments {
		if o.Payment.Method == "" {
			o.Payment.Method = p.Method
		}
		if p.State == "Settled" {
			o.Payment.Paid = true
			amt, e := fromMinor(p.Amount, prec)
			if e != nil && err == nil {
				err = fault.Permanentf("vendure: order %s: payment amount: %v", a.ID, e)
			}
			o.Payment.Amount = o.Payment.Amount.Add(amt)
		}
	}
	if err != nil {
		return catalog.Order{}, err
	}
	return o, nil
}

func address(a *apiAddress) catalog.Address {
	if a == nil {
		return catalog.Address{}
	}
	return catalog.Address{
		Name:       a.FullName,
		Company:    a.Company,
		Street:     a.StreetLine1,
		Street2:    a.StreetLine2,
		City:       a.City,
		PostalCode: a.PostalCode,
		Country:    strings.ToUpper(a.CountryCode),
		Phone:      a.PhoneNumber,
	}
}

// errNoOrder is returned when a webhook's order has no id.
var errNoOrder = errors.New("vendure: webhook order has no id")
