package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Meta keys the adapter writes on orders (visible in the order's custom
// fields).
const (
	MetaStatus          = "erpbridge_status"    // the hub's status last sent
	MetaShopStatus      = "erpbridge_wc_status" // the WooCommerce status set with it
	MetaERPNumber       = "erpbridge_erp_number"
	MetaTrackingNumber  = "erpbridge_tracking_number"
	MetaTrackingCarrier = "erpbridge_tracking_carrier"
	MetaTrackingURL     = "erpbridge_tracking_url"
)

// NIPMetaKeys are the order meta keys ParseOrder reads a buyer's tax number
// (NIP) from, first non-empty wins. WooCommerce core has no such field;
// these are the keys that Polish invoicing plugins and checkout field
// editors commonly use. billing.company is never parsed for a number.
var NIPMetaKeys = []string{"_billing_nip", "billing_nip", "_billing_vat_number", "billing_vat_number", "_vat_number", "vat_number", "nip", "_nip"}

// ListItems implements store.Binder: every product, then each variable
// product's variations, 100 per page.
func (s *Store) ListItems(ctx context.Context, fn func(store.Existing) error) error {
	for pageNo := 1; ; pageNo++ {
		var got []wcProduct
		q := url.Values{"per_page": {"100"}, "page": {strconv.Itoa(pageNo)}, "orderby": {"id"}, "order": {"asc"}}
		h, err := s.call(ctx, http.MethodGet, "/products", q, nil, &got)
		if err != nil {
			return err
		}
		for _, p := range got {
			if err := fn(store.Existing{Kind: catalog.KindProduct, SKU: p.SKU, EAN: p.GlobalUniqueID, ShopID: strconv.Itoa(p.ID)}); err != nil {
				return err
			}
			if p.Type != "variable" {
				continue
			}
			if err := s.listVariations(ctx, p.ID, fn); err != nil {
				return err
			}
		}
		if !pageInfo(h).hasNext(pageNo, len(got), 100) {
			return nil
		}
	}
}

func (s *Store) listVariations(ctx context.Context, parent int, fn func(store.Existing) error) error {
	for pageNo := 1; ; pageNo++ {
		var got []wcProduct
		q := url.Values{"per_page": {"100"}, "page": {strconv.Itoa(pageNo)}}
		h, err := s.call(ctx, http.MethodGet, "/products/"+strconv.Itoa(parent)+"/variations", q, nil, &got)
		if err != nil {
			return err
		}
		for _, v := range got {
			x := store.Existing{Kind: catalog.KindVariant, SKU: v.SKU, EAN: v.GlobalUniqueID,
				ShopID: loc{parent: parent, id: v.ID}.shopID(), ParentShopID: strconv.Itoa(parent)}
			if err := fn(x); err != nil {
				return err
			}
		}
		if !pageInfo(h).hasNext(pageNo, len(got), 100) {
			return nil
		}
	}
}

// orderHead is what the adapter reads from an order to key it.
type orderHead struct {
	ID              json.RawMessage `json:"id"`
	DateModifiedGMT *string         `json:"date_modified_gmt"`
	DateCreatedGMT  *string         `json:"date_created_gmt"`
}

func parseID(raw json.RawMessage) (int, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, errors.New("id is not a number")
	}
	id, err := strconv.Atoi(n.String())
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("id %s is not a positive integer", n)
	}
	return id, nil
}

func parseGMT(v *string) (time.Time, bool) {
	if v == nil || *v == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(wpDate, *v, time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// Orders implements store.OrderSource with GET /orders?modified_after=
// (since minus one second, because WooCommerce's filter is strict and keeps
// whole seconds) &dates_are_gmt=true&orderby=modified&order=asc. Orders
// changed before since are left out. The page token is the next page
// number: an order modified during a walk moves to its end, which can shift
// one order across a page boundary; the caller's overlap window re-reads it.
func (s *Store) Orders(ctx context.Context, since time.Time, pageToken string) (store.OrderPage, error) {
	pageNo := 1
	if pageToken != "" {
		n, err := strconv.Atoi(pageToken)
		if err != nil || n < 1 {
			return store.OrderPage{}, fault.Permanentf("woocommerce: orders: page token %q is not a page number", pageToken)
		}
		pageNo = n
	}
	since = since.UTC()
	after := since.Truncate(time.Second).Add(-time.Second)
	q := url.Values{
		"dates_are_gmt": {"true"},
		"orderby":       {"modified"},
		"order":         {"asc"},
		"per_page":      {strconv.Itoa(s.conn.OrderPageSize)},
		"page":          {strconv.Itoa(pageNo)},
	}
	if after.Year() >= 1971 {
		// Earlier cursors (the zero time: "everything") are left out:
		// WordPress rejects dates before the epoch.
		q.Set("modified_after", after.Format(wpDate))
	}
	var raws []json.RawMessage
	h, err := s.call(ctx, http.MethodGet, "/orders", q, nil, &raws)
	if err != nil {
		return store.OrderPage{}, err
	}
	var out store.OrderPage
	for _, raw := range raws {
		so, err := shopOrder(raw)
		if err != nil {
			// Without an id the order cannot be keyed; polling will meet
			// it again and the log says which.
			s.log.WarnContext(ctx, "woocommerce order without a usable id skipped", slog.String("error", err.Error()))
			continue
		}
		if so.UpdatedAt.IsZero() {
			// Keep an order whose date cannot be read: ParseOrder will
			// explain, and the inbox keeps it.
			so.UpdatedAt = since
		}
		if so.UpdatedAt.Before(since) {
			continue
		}
		out.Orders = append(out.Orders, so)
	}
	if pageInfo(h).hasNext(pageNo, len(raws), s.conn.OrderPageSize) {
		out.Next = strconv.Itoa(pageNo + 1)
	}
	return out, nil
}

func shopOrder(raw json.RawMessage) (store.ShopOrder, error) {
	var head orderHead
	if err := json.Unmarshal(raw, &head); err != nil {
		return store.ShopOrder{}, err
	}
	id, err := parseID(head.ID)
	if err != nil {
		return store.ShopOrder{}, err
	}
	so := store.ShopOrder{ID: strconv.Itoa(id), Raw: bytes.Clone(raw)}
	if t, ok := parseGMT(head.DateModifiedGMT); ok {
		so.UpdatedAt = t
	} else if t, ok := parseGMT(head.DateCreatedGMT); ok {
		so.UpdatedAt = t
	}
	return so, nil
}

func orderPath(id string) (string, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return "", fault.Permanentf("woocommerce: order id %q is not a WooCommerce order id", id)
	}
	return "/orders/" + strconv.Itoa(n), nil
}

// Order implements store.OrderSource: GET /orders/<id>.
func (s *Store) Order(ctx context.Context, id string) (store.ShopOrder, error) {
	path, err := orderPath(id)
	if err != nil {
		return store.ShopOrder{}, err
	}
	var raw json.RawMessage
	if _, err := s.call(ctx, http.MethodGet, path, nil, nil, &raw); err != nil {
		return store.ShopOrder{}, err
	}
	so, err := shopOrder(raw)
	if err != nil {
		return store.ShopOrder{}, fmt.Errorf("woocommerce: GET %s: %w", path, err)
	}
	return so, nil
}

// amount is a money or quantity field: a decimal string or a JSON number,
// read exactly (never through float64) and bounded.
type amount struct {
	d   decimal.Decimal
	set bool
}

func (a *amount) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
		if s == "" {
			return nil
		}
	}
	if len(s) > 40 {
		return fmt.Errorf("amount %.40q… is too long", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("amount %q is not a decimal", s)
	}
	if e := d.Exponent(); e > 12 || e < -12 {
		return fmt.Errorf("amount %q is out of range", s)
	}
	a.d, a.set = d, true
	return nil
}

type wcAddress struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

type wcTax struct {
	ID    int    `json:"id"`
	Total amount `json:"total"`
}

type wcOrder struct {
	ID               json.RawMessage `json:"id"`
	Number           string          `json:"number"`
	Status           string          `json:"status"`
	Currency         string          `json:"currency"`
	PricesIncludeTax bool            `json:"prices_include_tax"`
	DateCreatedGMT   *string         `json:"date_created_gmt"`
	DateModifiedGMT  *string         `json:"date_modified_gmt"`
	DatePaidGMT      *string         `json:"date_paid_gmt"`
	Total            amount          `json:"total"`
	TotalTax         amount          `json:"total_tax"`
	CustomerID       int             `json:"customer_id"`
	CustomerNote     string          `json:"customer_note"`
	Billing          wcAddress       `json:"billing"`
	Shipping         wcAddress       `json:"shipping"`
	PaymentMethod    string          `json:"payment_method"`
	MetaData         []wcMeta        `json:"meta_data"`
	LineItems        []struct {
		ID       int     `json:"id"`
		Name     string  `json:"name"`
		SKU      string  `json:"sku"`
		Quantity amount  `json:"quantity"`
		Total    amount  `json:"total"`
		TotalTax amount  `json:"total_tax"`
		Taxes    []wcTax `json:"taxes"`
	} `json:"line_items"`
	TaxLines []struct {
		RateID      int    `json:"rate_id"`
		RatePercent amount `json:"rate_percent"`
	} `json:"tax_lines"`
	ShippingLines []struct {
		MethodTitle string  `json:"method_title"`
		MethodID    string  `json:"method_id"`
		Total       amount  `json:"total"`
		TotalTax    amount  `json:"total_tax"`
		Taxes       []wcTax `json:"taxes"`
	} `json:"shipping_lines"`
}

// metaString returns a meta value as text ("" when absent or not a string
// or number).
func metaString(meta []wcMeta, key string) (string, bool) {
	for _, m := range meta {
		if m.Key != key {
			continue
		}
		var s string
		if json.Unmarshal(m.Value, &s) == nil {
			return s, true
		}
		var n json.Number
		if json.Unmarshal(m.Value, &n) == nil {
			return n.String(), true
		}
		return "", true
	}
	return "", false
}

var fromShopStatus = map[string]catalog.OrderStatus{
	"pending":        catalog.StatusNew,
	"failed":         catalog.StatusNew,
	"checkout-draft": catalog.StatusNew,
	"on-hold":        catalog.StatusOnHold,
	"processing":     catalog.StatusProcessing,
	"completed":      catalog.StatusCompleted,
	"cancelled":      catalog.StatusCancelled,
	"trash":          catalog.StatusCancelled,
	"refunded":       catalog.StatusRefunded,
}

var toShopStatus = map[catalog.OrderStatus]string{
	catalog.StatusNew:        "pending",
	catalog.StatusOnHold:     "on-hold",
	catalog.StatusProcessing: "processing",
	catalog.StatusShipped:    "completed",
	catalog.StatusCompleted:  "completed",
	catalog.StatusCancelled:  "cancelled",
	catalog.StatusRefunded:   "refunded",
}

// hubStatus maps a WooCommerce status to the hub's. While the order still
// has the WooCommerce status the adapter last set, the hub status sent with
// it wins (WooCommerce has no "shipped": shipped is written as completed).
func hubStatus(wcStatus string, meta []wcMeta) (catalog.OrderStatus, error) {
	if set, ok := metaString(meta, MetaShopStatus); ok && set == wcStatus {
		if hs, ok := metaString(meta, MetaStatus); ok {
			if _, known := toShopStatus[catalog.OrderStatus(hs)]; known {
				return catalog.OrderStatus(hs), nil
			}
		}
	}
	st, ok := fromShopStatus[wcStatus]
	if !ok {
		return "", fmt.Errorf("unknown order status %q (a plugin's custom status?)", wcStatus)
	}
	return st, nil
}

func address(a wcAddress) catalog.Address {
	return catalog.Address{
		Name:       strings.TrimSpace(a.FirstName + " " + a.LastName),
		Company:    a.Company,
		Street:     a.Address1,
		Street2:    a.Address2,
		City:       a.City,
		PostalCode: a.Postcode,
		Country:    strings.ToUpper(a.Country),
		Phone:      a.Phone,
	}
}

// nip reads the buyer's tax number from NIPMetaKeys: spaces, dots and
// hyphens removed; a leading two-letter country prefix ("PL") split off.
func nip(meta []wcMeta) (number, country string) {
	for _, k := range NIPMetaKeys {
		v, _ := metaString(meta, k)
		v = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", ".", "").Replace(v))
		if v == "" {
			continue
		}
		if len(v) > 2 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z' {
			return v[2:], v[:2]
		}
		return v, ""
	}
	return "", ""
}

// vatRate finds a line's VAT rate: the rate_percent of the tax line its
// first non-zero tax belongs to; else total_tax/total in whole percent; 0
// without tax.
func vatRate(taxes []wcTax, rates map[int]decimal.Decimal, net, tax decimal.Decimal) decimal.Decimal {
	for _, t := range taxes {
		if t.Total.d.IsZero() {
			continue
		}
		if r, ok := rates[t.ID]; ok {
			return r
		}
	}
	if tax.IsZero() || net.IsZero() {
		return decimal.Zero
	}
	return tax.Mul(decimal.NewFromInt(100)).DivRound(net, 0)
}

// ParseOrder implements store.OrderSource. Mapping:
//   - ShopOrderID is id, Number is number; PlacedAt and UpdatedAt are
//     date_created_gmt and date_modified_gmt read as UTC.
//   - Status: pending, failed and checkout-draft → new (not paid: see
//     Payment.Paid), on-hold → on_hold, processing → processing, completed
//     → completed (or shipped, while the order still has the status
//     SetStatus wrote for shipped), cancelled and trash → cancelled,
//     refunded → refunded; any other status is a Permanent error.
//   - WooCommerce writes line totals without tax (total, total_tax). With
//     prices_include_tax the lines are gross: Total = total + total_tax,
//     UnitPrice = Total / quantity (4 decimals); else net. Order.Total is
//     the shop's total (gross), minus total_tax on a net order.
//   - A line's VAT rate comes from tax_lines[].rate_percent of its tax, or
//     from its tax and net amounts in whole percent.
//   - Shipping: the shipping lines' totals (plus tax on a gross order), the
//     first line's method_title (or method_id).
//   - Customer: billing names, e-mail and phone; a company when
//     billing.company or a tax number is set. The tax number (NIP) is read
//     from order meta (NIPMetaKeys), never from billing.company.
//   - ShippingAddress is billing's when the order has no shipping address.
//   - Payment: payment_method, paid when date_paid_gmt is set, the total.
//
// Fee and coupon lines are not turned into lines (coupons are already in
// the line totals); a fee makes Total differ from LinesTotal, explicitly.
func (s *Store) ParseOrder(raw []byte) (catalog.Order, error) {
	var w wcOrder
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil {
		return catalog.Order{}, fault.Permanentf("woocommerce: order payload is not an order: %v", err)
	}
	if dec.More() {
		return catalog.Order{}, fault.Permanentf("woocommerce: order payload has data after the order")
	}
	id, err := parseID(w.ID)
	if err != nil {
		return catalog.Order{}, fault.Permanentf("woocommerce: order payload: %v", err)
	}
	bad := func(format string, args ...any) (catalog.Order, error) {
		return catalog.Order{}, fault.Permanentf("woocommerce: order %d: "+format, append([]any{id}, args...)...)
	}
	placed, ok := parseGMT(w.DateCreatedGMT)
	if !ok {
		return bad("date_created_gmt missing or not a date")
	}
	updated, ok := parseGMT(w.DateModifiedGMT)
	if !ok {
		updated = placed
	}
	st, err := hubStatus(w.Status, w.MetaData)
	if err != nil {
		return bad("%v", err)
	}
	if len(w.Currency) != 3 {
		return bad("currency %q is not an ISO 4217 code", w.Currency)
	}
	if !w.Total.set {
		return bad("total missing")
	}
	gross := w.PricesIncludeTax
	rates := map[int]decimal.Decimal{}
	for _, t := range w.TaxLines {
		if t.RatePercent.set {
			rates[t.RateID] = t.RatePercent.d
		}
	}
	o := catalog.Order{
		ShopOrderID:      strconv.Itoa(id),
		Number:           w.Number,
		Status:           st,
		PlacedAt:         placed,
		UpdatedAt:        updated,
		Currency:         strings.ToUpper(w.Currency),
		PricesIncludeTax: gross,
		Billing:          address(w.Billing),
		ShippingAddress:  address(w.Shipping),
		Total:            w.Total.d,
		Note:             w.CustomerNote,
	}
	if !gross {
		o.Total = w.Total.d.Sub(w.TotalTax.d)
	}
	if w.Shipping.Address1 == "" && w.Shipping.City == "" {
		o.ShippingAddress = o.Billing
	}
	o.Customer = catalog.Customer{
		Kind:        catalog.CustomerPerson,
		Email:       w.Billing.Email,
		Phone:       w.Billing.Phone,
		FirstName:   w.Billing.FirstName,
		LastName:    w.Billing.LastName,
		CompanyName: w.Billing.Company,
	}
	if w.CustomerID > 0 {
		o.Customer.ShopID = strconv.Itoa(w.CustomerID)
	}
	o.Customer.NIP, o.Customer.NIPCountry = nip(w.MetaData)
	if o.Customer.NIP != "" || strings.TrimSpace(w.Billing.Company) != "" {
		o.Customer.Kind = catalog.CustomerCompany
	}
	for i, l := range w.LineItems {
		if !l.Quantity.set || !l.Quantity.d.IsPositive() {
			return bad("line %d (%q): quantity is missing or not positive", i+1, l.SKU)
		}
		if !l.Total.set {
			return bad("line %d (%q): total missing", i+1, l.SKU)
		}
		total := l.Total.d
		if gross {
			total = total.Add(l.TotalTax.d)
		}
		o.Lines = append(o.Lines, catalog.OrderLine{
			ShopLineID: strconv.Itoa(l.ID),
			SKU:        l.SKU,
			Name:       l.Name,
			Quantity:   l.Quantity.d,
			UnitPrice:  total.DivRound(l.Quantity.d, 4),
			VATRate:    vatRate(l.Taxes, rates, l.Total.d, l.TotalTax.d),
			Total:      total,
		})
	}
	var shipNet, shipTax decimal.Decimal
	for i, sl := range w.ShippingLines {
		shipNet = shipNet.Add(sl.Total.d)
		shipTax = shipTax.Add(sl.TotalTax.d)
		if i == 0 {
			o.Shipping.Method = sl.MethodTitle
			if o.Shipping.Method == "" {
				o.Shipping.Method = sl.MethodID
			}
			o.Shipping.VATRate = vatRate(sl.Taxes, rates, sl.Total.d, sl.TotalTax.d)
		}
	}
	o.Shipping.Cost = shipNet
	if gross {
		o.Shipping.Cost = shipNet.Add(shipTax)
	}
	_, paid := parseGMT(w.DatePaidGMT)
	o.Payment = catalog.Payment{Method: w.PaymentMethod, Paid: paid, Amount: w.Total.d}
	return o, nil
}

// SetStatus implements store.StatusSetter. The status goes to WooCommerce's
// status (shipped as completed: WooCommerce has no shipped status) and, with
// the ERP number and tracking, to the order's meta data (Meta* keys);
// tracking also becomes a private order note "Tracking: <carrier> <number>
// <url>" (a customer note with connection.tracking_note_to_customer). It
// reads the order and its notes first and writes only what differs, so a
// repeated update changes nothing; the note goes before the status, so a
// retry after a failure between them still adds the note once.
func (s *Store) SetStatus(ctx context.Context, shopOrderID string, u catalog.StatusUpdate) error {
	path, err := orderPath(shopOrderID)
	if err != nil {
		return err
	}
	wcStatus, ok := toShopStatus[u.Status]
	if !ok {
		return fault.Permanentf("woocommerce: order %s: status %q has no WooCommerce status", shopOrderID, u.Status)
	}
	if u.Tracking != nil && strings.TrimSpace(u.Tracking.Number) == "" {
		return fault.Permanentf("woocommerce: order %s: tracking without a number", shopOrderID)
	}
	var cur struct {
		Status   string   `json:"status"`
		MetaData []wcMeta `json:"meta_data"`
	}
	if _, err := s.call(ctx, http.MethodGet, path, nil, nil, &cur); err != nil {
		return err
	}
	if u.Tracking != nil {
		if err := s.addNoteOnce(ctx, path, trackingNote(*u.Tracking)); err != nil {
			return err
		}
	}
	want := []struct{ key, value string }{{MetaStatus, string(u.Status)}, {MetaShopStatus, wcStatus}}
	if u.ERPNumber != "" {
		want = append(want, struct{ key, value string }{MetaERPNumber, u.ERPNumber})
	}
	if t := u.Tracking; t != nil {
		want = append(want,
			struct{ key, value string }{MetaTrackingNumber, t.Number},
			struct{ key, value string }{MetaTrackingCarrier, t.Carrier},
			struct{ key, value string }{MetaTrackingURL, t.URL})
	}
	var meta []map[string]any
	for _, m := range want {
		if v, ok := metaString(cur.MetaData, m.key); !ok || v != m.value {
			meta = append(meta, map[string]any{"key": m.key, "value": m.value})
		}
	}
	if cur.Status == wcStatus && len(meta) == 0 {
		return nil
	}
	body := map[string]any{}
	if cur.Status != wcStatus {
		body["status"] = wcStatus
	}
	if len(meta) > 0 {
		body["meta_data"] = meta
	}
	_, err = s.call(ctx, http.MethodPut, path, nil, body, nil)
	return err
}

func trackingNote(t catalog.Tracking) string {
	parts := []string{"Tracking:"}
	for _, p := range []string{t.Carrier, t.Number, t.URL} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// addNoteOnce adds an order note unless one with the same text exists.
func (s *Store) addNoteOnce(ctx context.Context, orderPath, text string) error {
	var notes []wcNote
	if _, err := s.call(ctx, http.MethodGet, orderPath+"/notes", nil, nil, &notes); err != nil {
		return err
	}
	for _, n := range notes {
		if strings.TrimSpace(n.Note) == text {
			return nil
		}
	}
	body := map[string]any{"note": text, "customer_note": s.conn.TrackingNoteToCustomer}
	_, err := s.call(ctx, http.MethodPost, orderPath+"/notes", nil, body, nil)
	return err
}
