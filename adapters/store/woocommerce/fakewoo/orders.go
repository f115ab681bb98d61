package fakewoo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Address is an order's billing or shipping address.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone"`
}

// LineTax is one tax rate's share of a line.
type LineTax struct {
	ID       int    `json:"id"`
	Total    string `json:"total"`
	Subtotal string `json:"subtotal"`
}

// LineItem is an order line. Totals are net (without tax), as WooCommerce
// writes them; Price is a JSON number, as WooCommerce writes it.
type LineItem struct {
	ID          int         `json:"id"`
	Name        string      `json:"name"`
	ProductID   int         `json:"product_id"`
	VariationID int         `json:"variation_id"`
	Quantity    int         `json:"quantity"`
	TaxClass    string      `json:"tax_class"`
	Subtotal    string      `json:"subtotal"`
	SubtotalTax string      `json:"subtotal_tax"`
	Total       string      `json:"total"`
	TotalTax    string      `json:"total_tax"`
	Taxes       []LineTax   `json:"taxes"`
	MetaData    []Meta      `json:"meta_data"`
	SKU         string      `json:"sku"`
	Price       json.Number `json:"price"`
}

// TaxLine is an order's tax rate summary.
type TaxLine struct {
	ID               int         `json:"id"`
	RateCode         string      `json:"rate_code"`
	RateID           int         `json:"rate_id"`
	Label            string      `json:"label"`
	Compound         bool        `json:"compound"`
	TaxTotal         string      `json:"tax_total"`
	ShippingTaxTotal string      `json:"shipping_tax_total"`
	RatePercent      json.Number `json:"rate_percent"`
}

// ShippingLine is an order's shipping method and net cost.
type ShippingLine struct {
	ID          int       `json:"id"`
	MethodTitle string    `json:"method_title"`
	MethodID    string    `json:"method_id"`
	InstanceID  string    `json:"instance_id"`
	Total       string    `json:"total"`
	TotalTax    string    `json:"total_tax"`
	Taxes       []LineTax `json:"taxes"`
}

// Order is an order in the API's JSON form. Dates are filled by the fake.
type Order struct {
	ID                 int            `json:"id"`
	ParentID           int            `json:"parent_id"`
	Number             string         `json:"number"`
	OrderKey           string         `json:"order_key"`
	CreatedVia         string         `json:"created_via"`
	Status             string         `json:"status"`
	Currency           string         `json:"currency"`
	PricesIncludeTax   bool           `json:"prices_include_tax"`
	DateCreated        string         `json:"date_created"`
	DateCreatedGMT     string         `json:"date_created_gmt"`
	DateModified       string         `json:"date_modified"`
	DateModifiedGMT    string         `json:"date_modified_gmt"`
	DatePaid           *string        `json:"date_paid"`
	DatePaidGMT        *string        `json:"date_paid_gmt"`
	DiscountTotal      string         `json:"discount_total"`
	DiscountTax        string         `json:"discount_tax"`
	ShippingTotal      string         `json:"shipping_total"`
	ShippingTax        string         `json:"shipping_tax"`
	CartTax            string         `json:"cart_tax"`
	Total              string         `json:"total"`
	TotalTax           string         `json:"total_tax"`
	CustomerID         int            `json:"customer_id"`
	CustomerNote       string         `json:"customer_note"`
	Billing            Address        `json:"billing"`
	Shipping           Address        `json:"shipping"`
	PaymentMethod      string         `json:"payment_method"`
	PaymentMethodTitle string         `json:"payment_method_title"`
	TransactionID      string         `json:"transaction_id"`
	MetaData           []Meta         `json:"meta_data"`
	LineItems          []LineItem     `json:"line_items"`
	TaxLines           []TaxLine      `json:"tax_lines"`
	ShippingLines      []ShippingLine `json:"shipping_lines"`
	FeeLines           []any          `json:"fee_lines"`
	CouponLines        []any          `json:"coupon_lines"`

	// Revision counts the writes that changed the order or added a note;
	// the API does not show it.
	Revision int `json:"-"`

	// Paid marks the order paid at creation (date_paid is then its creation
	// time); PlaceOrder reads it, the API never shows it.
	Paid bool `json:"-"`

	created, modified, paid time.Time
}

// Note is an order note.
type Note struct {
	ID             int    `json:"id"`
	Author         string `json:"author"`
	DateCreated    string `json:"date_created"`
	DateCreatedGMT string `json:"date_created_gmt"`
	Note           string `json:"note"`
	CustomerNote   bool   `json:"customer_note"`
}

var orderStatuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash", "checkout-draft"}

func (s *Server) renderOrder(o *Order) Order {
	c := *o
	tz := s.opts.TimeZone
	c.DateCreated, c.DateCreatedGMT = o.created.In(tz).Format(wpDate), o.created.UTC().Format(wpDate)
	c.DateModified, c.DateModifiedGMT = o.modified.In(tz).Format(wpDate), o.modified.UTC().Format(wpDate)
	c.DatePaid, c.DatePaidGMT = nil, nil
	if !o.paid.IsZero() {
		l, g := o.paid.In(tz).Format(wpDate), o.paid.UTC().Format(wpDate)
		c.DatePaid, c.DatePaidGMT = &l, &g
	}
	c.MetaData = slices.Clone(o.MetaData)
	if c.MetaData == nil {
		c.MetaData = []Meta{}
	}
	c.LineItems = slices.Clone(o.LineItems)
	c.TaxLines = slices.Clone(o.TaxLines)
	c.ShippingLines = slices.Clone(o.ShippingLines)
	for _, l := range []*[]any{&c.FeeLines, &c.CouponLines} {
		if *l == nil {
			*l = []any{}
		}
	}
	if c.LineItems == nil {
		c.LineItems = []LineItem{}
	}
	if c.TaxLines == nil {
		c.TaxLines = []TaxLine{}
	}
	if c.ShippingLines == nil {
		c.ShippingLines = []ShippingLine{}
	}
	return c
}

func zeroIfEmpty(v string) string {
	if v == "" {
		return "0.00"
	}
	return v
}

// PlaceOrder stores a new order as if a customer had checked out, and sends
// order.created to the webhooks (synchronously, once). The fake fills id,
// number, order key, line ids, dates (now), an empty status ("pending"),
// currency ("PLN") and each line's price (total / quantity); totals are kept
// as given. It returns the order as the API shows it.
func (s *Server) PlaceOrder(o Order) (Order, error) {
	s.mu.Lock()
	if o.Status == "" {
		o.Status = "pending"
	}
	if !slices.Contains(orderStatuses, o.Status) {
		s.mu.Unlock()
		return Order{}, fmt.Errorf("fakewoo: unknown order status %q", o.Status)
	}
	s.nextPost++
	o.ID = s.nextPost
	o.Number = strconv.Itoa(o.ID)
	o.OrderKey = "wc_order_" + randomHex(6)
	if o.CreatedVia == "" {
		o.CreatedVia = "checkout"
	}
	if o.Currency == "" {
		o.Currency = "PLN"
	}
	for _, p := range []*string{&o.DiscountTotal, &o.DiscountTax, &o.ShippingTotal, &o.ShippingTax, &o.CartTax, &o.Total, &o.TotalTax} {
		*p = zeroIfEmpty(*p)
	}
	for i := range o.LineItems {
		l := &o.LineItems[i]
		s.nextOther++
		l.ID = s.nextOther
		l.Total, l.TotalTax = zeroIfEmpty(l.Total), zeroIfEmpty(l.TotalTax)
		if l.Subtotal == "" {
			l.Subtotal, l.SubtotalTax = l.Total, l.TotalTax
		}
		if l.Taxes == nil {
			l.Taxes = []LineTax{}
		}
		if l.MetaData == nil {
			l.MetaData = []Meta{}
		}
		if l.Price == "" && l.Quantity != 0 {
			if t, err := decimal.NewFromString(l.Total); err == nil {
				l.Price = json.Number(t.DivRound(decimal.NewFromInt(int64(l.Quantity)), 6).String())
			}
		}
		if l.Price == "" {
			l.Price = "0"
		}
	}
	for i := range o.ShippingLines {
		s.nextOther++
		o.ShippingLines[i].ID = s.nextOther
		if o.ShippingLines[i].Taxes == nil {
			o.ShippingLines[i].Taxes = []LineTax{}
		}
	}
	o.MetaData = s.upsertMeta(nil, o.MetaData)
	now := s.now().UTC().Truncate(time.Second)
	o.created, o.modified = now, now
	o.Revision = 1
	if o.Paid {
		o.paid = now
	}
	stored := o
	s.orders[o.ID] = &stored
	s.writes.Add(1)
	out := s.renderOrder(&stored)
	hooks := s.hooksFor("order.created")
	s.mu.Unlock()
	s.deliver(hooks, "order.created", out)
	return out, nil
}

// UpdateOrder changes an order as the shop's staff would (fn gets the stored
// order), moves date_modified to now and sends order.updated (synchronously,
// once).
func (s *Server) UpdateOrder(id int, fn func(*Order)) (Order, error) {
	s.mu.Lock()
	o, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		return Order{}, fmt.Errorf("fakewoo: no order %d", id)
	}
	fn(o)
	o.modified = s.now().UTC().Truncate(time.Second)
	o.Revision++
	s.writes.Add(1)
	out := s.renderOrder(o)
	hooks := s.hooksFor("order.updated")
	s.mu.Unlock()
	s.deliver(hooks, "order.updated", out)
	return out, nil
}

// Order returns an order as the API shows it.
func (s *Server) Order(id int) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return s.renderOrder(o), true
}

// Notes returns an order's notes, oldest first.
func (s *Server) Notes(id int) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes[id])
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	gmt := q.Get("dates_are_gmt") == "true" || q.Get("dates_are_gmt") == "1"
	type bound struct {
		param  string
		after  bool
		column func(*Order) time.Time
	}
	bounds := []bound{
		{"after", true, func(o *Order) time.Time { return o.created }},
		{"before", false, func(o *Order) time.Time { return o.created }},
		{"modified_after", true, func(o *Order) time.Time { return o.modified }},
		{"modified_before", false, func(o *Order) time.Time { return o.modified }},
	}
	type filter struct {
		b   bound
		val time.Time
	}
	var filters []filter
	s.mu.Lock()
	tz := s.opts.TimeZone
	s.mu.Unlock()
	for _, b := range bounds {
		v := q.Get(b.param)
		if v == "" {
			continue
		}
		// The column compared is the local one unless dates_are_gmt: a naive
		// value is read in the column's zone.
		loc := tz
		if gmt {
			loc = time.UTC
		}
		t, err := time.ParseInLocation(wpDate, v, loc)
		if err != nil {
			t, err = time.Parse(time.RFC3339, v)
		}
		if err != nil {
			writeAPIError(w, invalidParam(b.param, "Invalid date."))
			return
		}
		filters = append(filters, filter{b, t})
	}
	statuses := splitList(q.Get("status"))
	orderby := q.Get("orderby")
	if orderby == "" {
		orderby = "date"
	}
	if !slices.Contains([]string{"date", "modified", "id", "include", "title", "slug"}, orderby) {
		writeAPIError(w, invalidParam("orderby", "orderby is not one of date, modified, id, include, title, and slug."))
		return
	}
	desc := q.Get("order") != "asc"
	if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
		writeAPIError(w, invalidParam("order", "order is not one of asc and desc."))
		return
	}
	s.mu.Lock()
	var list []*Order
	for _, o := range s.orders {
		if o.Status == "trash" || (o.Status == "checkout-draft" && !slices.Contains(statuses, "checkout-draft")) {
			continue
		}
		if len(statuses) > 0 && !slices.Contains(statuses, "any") && !slices.Contains(statuses, o.Status) {
			continue
		}
		ok := true
		for _, f := range filters {
			c := f.b.column(o)
			if gmt {
				c = c.UTC()
			} else {
				// Compare wall clocks in the site's zone, as MySQL compares the
				// local DATETIME column.
				l := c.In(tz)
				c = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, tz)
			}
			if f.b.after && !c.After(f.val) || !f.b.after && !c.Before(f.val) {
				ok = false
				break
			}
		}
		if ok {
			list = append(list, o)
		}
	}
	key := func(o *Order) time.Time {
		if orderby == "modified" {
			return o.modified
		}
		return o.created
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if orderby != "id" && !key(a).Equal(key(b)) {
			return key(a).Before(key(b)) != desc
		}
		return (a.ID < b.ID) != desc
	})
	out := make([]Order, len(list))
	for i, o := range list {
		out[i] = s.renderOrder(o)
	}
	s.mu.Unlock()
	writePage(w, r, out)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	o, found := s.Order(id)
	if !found {
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", nil)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) updateOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	s.mu.Lock()
	o, found := s.orders[id]
	if !found {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", nil)
		return
	}
	next := *o
	next.MetaData = slices.Clone(o.MetaData)
	for key, raw := range m {
		switch key {
		case "status":
			v, aerr := str(raw, key)
			if aerr == nil && !slices.Contains(orderStatuses, v) {
				aerr = invalidParam("status", "status is not one of "+strings.Join(orderStatuses, ", ")+".")
			}
			if aerr != nil {
				s.mu.Unlock()
				writeAPIError(w, aerr)
				return
			}
			next.Status = v
		case "customer_note", "transaction_id":
			v, aerr := str(raw, key)
			if aerr != nil {
				s.mu.Unlock()
				writeAPIError(w, aerr)
				return
			}
			if key == "customer_note" {
				next.CustomerNote = v
			} else {
				next.TransactionID = v
			}
		case "meta_data":
			var in []Meta
			if err := json.Unmarshal(raw, &in); err != nil {
				s.mu.Unlock()
				writeAPIError(w, invalidParam(key, "meta_data is not of type array."))
				return
			}
			next.MetaData = s.upsertMeta(next.MetaData, in)
		}
	}
	before, _ := json.Marshal(s.renderOrder(o))
	after, _ := json.Marshal(s.renderOrder(&next))
	var hooks []*webhook
	if !bytes.Equal(before, after) {
		next.modified = s.now().UTC().Truncate(time.Second)
		next.Revision++
		*o = next
		s.writes.Add(1)
		hooks = s.hooksFor("order.updated")
	}
	out := s.renderOrder(o)
	s.mu.Unlock()
	if len(hooks) > 0 {
		// WooCommerce delivers webhooks in the background (Action Scheduler).
		s.pending.Add(1)
		go func() {
			defer s.pending.Done()
			s.deliver(hooks, "order.updated", out)
		}()
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	_, found := s.orders[id]
	notes := slices.Clone(s.notes[id])
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.", nil)
		return
	}
	// WooCommerce lists notes newest first and does not paginate them.
	slices.Reverse(notes)
	if notes == nil {
		notes = []Note{}
	}
	writeJSON(w, http.StatusOK, notes)
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	m, aerr := decodeBody(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	raw, has := m["note"]
	if !has {
		writeError(w, http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): note", nil)
		return
	}
	text, aerr := str(raw, "note")
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	customer := false
	if raw, has := m["customer_note"]; has {
		if customer, aerr = boolean(raw, "customer_note"); aerr != nil {
			writeAPIError(w, aerr)
			return
		}
	}
	s.mu.Lock()
	if _, found := s.orders[id]; !found {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "woocommerce_rest_order_invalid_id", "Invalid order ID.", nil)
		return
	}
	s.nextOther++
	now := s.now().UTC().Truncate(time.Second)
	n := Note{ID: s.nextOther, Author: "WooCommerce", Note: text, CustomerNote: customer,
		DateCreated: now.In(s.opts.TimeZone).Format(wpDate), DateCreatedGMT: now.Format(wpDate)}
	s.notes[id] = append(s.notes[id], n)
	s.orders[id].Revision++
	s.writes.Add(1)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, n)
}

// Webhooks.

type webhook struct {
	id       int
	topic    string
	url      string
	secret   string
	status   string
	failures int
}

// Delivery is one webhook delivery attempt the fake made.
type Delivery struct {
	WebhookID  int
	DeliveryID string
	Topic      string
	Body       []byte
	// Signature is the X-WC-Webhook-Signature sent.
	Signature string
	// StatusCode is the receiver's answer (0 when it could not be reached).
	StatusCode int
	Err        string
}

// AddWebhook registers an active webhook for topic (order.created or
// order.updated; "order.*" for both) delivering to url, signed with secret.
// As WooCommerce does when a webhook is saved, it first POSTs the unsigned
// ping "webhook_id=N" (form-encoded) and fails unless the answer is 200.
func (s *Server) AddWebhook(ctx context.Context, topic, url, secret string) (int, error) {
	s.mu.Lock()
	s.nextOther++
	h := &webhook{id: s.nextOther, topic: topic, url: url, secret: secret, status: "active"}
	client := s.opts.WebhookClient
	s.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("webhook_id="+strconv.Itoa(h.id)))
	if err != nil {
		return 0, fmt.Errorf("fakewoo: webhook ping: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7) fakewoo")
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("fakewoo: Error: Delivery URL cannot be reached: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("fakewoo: Error: Delivery URL returned response code: %d", resp.StatusCode)
	}
	s.mu.Lock()
	s.webhooks = append(s.webhooks, h)
	s.mu.Unlock()
	return h.id, nil
}

// WebhookStatus returns a webhook's status: active, or disabled after more
// than 5 consecutive failed deliveries.
func (s *Server) WebhookStatus(id int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.webhooks {
		if h.id == id {
			return h.status
		}
	}
	return ""
}

// Deliveries returns every webhook delivery attempt so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Flush waits for webhook deliveries running in the background.
func (s *Server) Flush() { s.pending.Wait() }

// hooksFor returns the active webhooks for topic. Call with s.mu held.
func (s *Server) hooksFor(topic string) []*webhook {
	var out []*webhook
	res := strings.SplitN(topic, ".", 2)[0]
	for _, h := range s.webhooks {
		if h.status == "active" && (h.topic == topic || h.topic == res+".*") {
			out = append(out, h)
		}
	}
	return out
}

// Sign returns the X-WC-Webhook-Signature WooCommerce sends for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// deliver POSTs payload to each hook once, without retry.
func (s *Server) deliver(hooks []*webhook, topic string, payload any) {
	if len(hooks) == 0 {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return
	}
	parts := strings.SplitN(topic, ".", 2)
	s.mu.Lock()
	source := s.opts.SiteURL + "/"
	client := s.opts.WebhookClient
	s.mu.Unlock()
	for _, h := range hooks {
		d := Delivery{WebhookID: h.id, DeliveryID: randomHex(16), Topic: topic, Body: body, Signature: Sign(h.secret, body)}
		err := func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			hd := req.Header
			hd.Set("Content-Type", "application/json")
			hd.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7) fakewoo")
			hd.Set("X-WC-Webhook-Source", source)
			hd.Set("X-WC-Webhook-Topic", topic)
			hd.Set("X-WC-Webhook-Resource", parts[0])
			hd.Set("X-WC-Webhook-Event", parts[1])
			hd.Set("X-WC-Webhook-Signature", d.Signature)
			hd.Set("X-WC-Webhook-ID", strconv.Itoa(h.id))
			hd.Set("X-WC-Webhook-Delivery-ID", d.DeliveryID)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			d.StatusCode = resp.StatusCode
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				return errors.New(resp.Status)
			}
			return nil
		}()
		s.mu.Lock()
		if err != nil {
			d.Err = err.Error()
			h.failures++
			if h.failures > 5 {
				h.status = "disabled"
			}
		} else {
			h.failures = 0
		}
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
