package httpstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// ListItems implements store.Binder: it walks GET /v1/items page by page and
// calls fn for each product and variant (other kinds are skipped).
func (s *Store) ListItems(ctx context.Context, fn func(store.Existing) error) error {
	cursor := ""
	seen := map[string]bool{}
	for {
		q := url.Values{"limit": {strconv.Itoa(s.pageSize)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		c := call{method: http.MethodGet, path: "/v1/items", query: q}
		data, err := s.do(ctx, c)
		if err != nil {
			return err
		}
		var page wire.ExistingPage
		if err := json.Unmarshal(data, &page); err != nil {
			return malformed(c, "%v", err)
		}
		for _, e := range page.Items {
			if e.Kind != catalog.KindProduct && e.Kind != catalog.KindVariant {
				continue
			}
			if e.SKU == "" || e.ShopID == "" {
				return malformed(c, "item without sku or shop_id")
			}
			if err := fn(store.Existing{Kind: e.Kind, SKU: e.SKU, EAN: e.EAN, ShopID: e.ShopID, ParentShopID: e.ParentShopID}); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		if seen[page.NextCursor] {
			return malformed(c, "next_cursor %q repeats an earlier one", page.NextCursor)
		}
		seen[page.NextCursor] = true
		cursor = page.NextCursor
	}
}

// orderHead is what the adapter reads of an order before ParseOrder.
type orderHead struct {
	ID        string          `json:"shop_order_id"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

func readHead(raw []byte) (store.ShopOrder, error) {
	var h orderHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return store.ShopOrder{}, fmt.Errorf("order is not a JSON object with shop_order_id: %w", err)
	}
	if h.ID == "" {
		return store.ShopOrder{}, errors.New("order has no shop_order_id")
	}
	so := store.ShopOrder{ID: h.ID, Raw: append([]byte(nil), raw...)}
	var t time.Time
	if json.Unmarshal(h.UpdatedAt, &t) == nil {
		so.UpdatedAt = t.UTC()
	}
	return so, nil
}

// UnidentifiedPrefix starts the id Orders gives an order payload without a
// readable shop_order_id: the prefix and a hash of the payload.
const UnidentifiedPrefix = "unidentified-"

// Orders implements store.OrderSource with GET /v1/orders. An order without
// a readable shop_order_id is returned under a content-derived id
// (UnidentifiedPrefix) with a warning, so the inbox keeps it and ParseOrder
// says what is wrong; an order with an unreadable updated_at is returned
// with a zero UpdatedAt.
func (s *Store) Orders(ctx context.Context, since time.Time, page string) (store.OrderPage, error) {
	q := url.Values{"limit": {strconv.Itoa(s.pageSize)}}
	if page != "" {
		q.Set("cursor", page)
	} else {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	c := call{method: http.MethodGet, path: "/v1/orders", query: q}
	data, err := s.do(ctx, c)
	if err != nil {
		return store.OrderPage{}, err
	}
	var wp wire.OrderPage
	if err := json.Unmarshal(data, &wp); err != nil {
		return store.OrderPage{}, malformed(c, "%v", err)
	}
	if wp.NextCursor != "" && wp.NextCursor == page {
		return store.OrderPage{}, malformed(c, "next_cursor repeats the cursor asked for")
	}
	out := store.OrderPage{Orders: make([]store.ShopOrder, 0, len(wp.Orders)), Next: wp.NextCursor}
	for i, raw := range wp.Orders {
		so, err := readHead(raw)
		if err != nil {
			// Keep the payload so the inbox can park it with ParseOrder's
			// reason; a content-derived id keys it without clashing.
			sum := sha256.Sum256(raw)
			so = store.ShopOrder{ID: UnidentifiedPrefix + hex.EncodeToString(sum[:12]), Raw: append([]byte(nil), raw...)}
			s.log.LogAttrs(ctx, slog.LevelWarn, "httpstore: order without a readable shop_order_id",
				slog.Int("index", i), slog.String("id", so.ID), slog.String("error", err.Error()))
		}
		out.Orders = append(out.Orders, so)
	}
	return out, nil
}

// Order implements store.OrderSource with GET /v1/orders/{id}.
func (s *Store) Order(ctx context.Context, id string) (store.ShopOrder, error) {
	if id == "" {
		return store.ShopOrder{}, fault.Permanentf("httpstore: order: empty id")
	}
	c := call{method: http.MethodGet, path: "/v1/orders/" + url.PathEscape(id), notFoundPermanent: true}
	data, err := s.do(ctx, c)
	if err != nil {
		return store.ShopOrder{}, err
	}
	so, err := readHead(data)
	if err != nil {
		return store.ShopOrder{}, malformed(c, "%v", err)
	}
	if so.ID != id {
		return store.ShopOrder{}, malformed(c, "asked for order %q, got %q", id, so.ID)
	}
	return so, nil
}

// SetStatus implements store.StatusSetter with POST /v1/orders/{id}/status.
func (s *Store) SetStatus(ctx context.Context, shopOrderID string, u catalog.StatusUpdate) error {
	if shopOrderID == "" {
		return fault.Permanentf("httpstore: set status: empty order id")
	}
	if !wire.ValidStatus(u.Status) {
		return fault.Permanentf("httpstore: set status of order %q: unknown status %q", shopOrderID, u.Status)
	}
	if u.Tracking != nil && strings.TrimSpace(u.Tracking.Number) == "" {
		return fault.Permanentf("httpstore: set status of order %q: tracking without a number", shopOrderID)
	}
	c := call{method: http.MethodPost, path: "/v1/orders/" + url.PathEscape(shopOrderID) + "/status", body: u, notFoundPermanent: true}
	_, err := s.do(ctx, c)
	return err
}

// ParseOrder implements store.OrderSource. The payload is the protocol's
// order JSON (catalog.Order's fields plus erp_number and tracking); its
// "store" field is ignored and left empty. Every problem found is reported,
// joined, in one Permanent error.
func (s *Store) ParseOrder(raw []byte) (catalog.Order, error) {
	return ParseOrder(raw)
}

// ParseOrder is Store.ParseOrder without a Store.
func ParseOrder(raw []byte) (catalog.Order, error) {
	var w wire.Order
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&w); err != nil {
		return catalog.Order{}, fault.Permanentf("httpstore: order payload is not a protocol order: %s", truncate(err.Error(), maxMessageBytes))
	}
	if _, err := dec.Token(); err != io.EOF {
		return catalog.Order{}, fault.Permanentf("httpstore: order payload has data after the order")
	}
	o := w.Order
	o.Store = ""
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.ShopOrderID == "" {
		add("shop_order_id: missing")
	}
	if !wire.ValidStatus(o.Status) {
		add("status: %q is not a known status", o.Status)
	}
	if !wire.ValidCurrency(o.Currency) {
		add("currency: %q is not an ISO 4217 code", o.Currency)
	}
	if o.PlacedAt.IsZero() {
		add("placed_at: missing")
	}
	if o.UpdatedAt.IsZero() {
		add("updated_at: missing")
	}
	o.PlacedAt, o.UpdatedAt = o.PlacedAt.UTC(), o.UpdatedAt.UTC()
	switch o.Customer.Kind {
	case catalog.CustomerPerson, catalog.CustomerCompany:
	case "":
		o.Customer.Kind = catalog.CustomerPerson
		if o.Customer.CompanyName != "" || o.Customer.NIP != "" {
			o.Customer.Kind = catalog.CustomerCompany
		}
	default:
		add("customer.kind: %q is not person or company", o.Customer.Kind)
	}
	if len(o.Lines) == 0 {
		add("lines: none")
	}
	for i, l := range o.Lines {
		if l.SKU == "" && l.EAN == "" {
			add("lines[%d]: neither sku nor ean", i)
		}
		if !l.Quantity.IsPositive() {
			add("lines[%d].quantity: %s is not positive", i, l.Quantity)
		}
		if l.UnitPrice.IsNegative() {
			add("lines[%d].unit_price: %s is negative", i, l.UnitPrice)
		}
		if l.VATRate.IsNegative() {
			add("lines[%d].vat_rate: %s is negative", i, l.VATRate)
		}
	}
	if o.Total.IsNegative() {
		add("total: %s is negative", o.Total)
	}
	if o.Shipping.Cost.IsNegative() {
		add("shipping.cost: %s is negative", o.Shipping.Cost)
	}
	if len(errs) > 0 {
		return catalog.Order{}, fault.Permanentf("httpstore: order %q: %s", truncate(o.ShopOrderID, maxMessageBytes), truncate(errors.Join(errs...).Error(), 8*maxMessageBytes))
	}
	return o, nil
}

// VerifyWebhook implements store.WebhookReceiver: the delivery's timestamp
// must be within the replay window of the adapter's clock and one of its v1
// signatures must match, compared in constant time. Without a configured
// webhook secret every delivery is rejected.
func (s *Store) VerifyWebhook(h http.Header, body []byte) error {
	if len(s.secret) == 0 {
		return fmt.Errorf("httpstore: %w: no credentials.webhook_secret configured", store.ErrSignatureInvalid)
	}
	if err := wire.Verify(h, body, s.secret, s.now(), s.window); err != nil {
		return fmt.Errorf("httpstore: %w", err)
	}
	return nil
}

// ParseWebhook implements store.WebhookReceiver. The X-Erpbridge-Event
// header says what the delivery is: an order event's body is the order's
// JSON (Raw), a ping's body is ignored, and any other event is WebhookOther.
// Without the header a body that is an order is taken as an order event.
// EventID is derived from the order's id and updated_at, so every delivery
// of the same order state has it; DeliveryID is the X-Erpbridge-Delivery
// header.
func (s *Store) ParseWebhook(h http.Header, body []byte) (store.Webhook, error) {
	return ParseWebhook(h, body)
}

// ParseWebhook is Store.ParseWebhook without a Store.
func ParseWebhook(h http.Header, body []byte) (store.Webhook, error) {
	wh := store.Webhook{DeliveryID: h.Get(wire.HeaderDelivery)}
	switch event := h.Get(wire.HeaderEvent); event {
	case wire.EventPing:
		wh.Kind = store.WebhookPing
		if wh.DeliveryID != "" {
			wh.EventID = "ping:" + wh.DeliveryID
		}
		return wh, nil
	case wire.EventOrderCreated, wire.EventOrderUpdated, "":
		var head orderHead
		if err := json.Unmarshal(body, &head); err != nil || head.ID == "" {
			return store.Webhook{}, fault.Permanentf("httpstore: webhook %q: body is not an order with a shop_order_id", event)
		}
		var updated string
		if json.Unmarshal(head.UpdatedAt, &updated) != nil || updated == "" {
			return store.Webhook{}, fault.Permanentf("httpstore: webhook about order %q: updated_at is missing or not a string", head.ID)
		}
		wh.Kind = store.WebhookOrder
		wh.ShopOrderID = head.ID
		wh.EventID = wire.OrderEventID(head.ID, updated)
		wh.Raw = append([]byte(nil), body...)
		return wh, nil
	default:
		wh.Kind = store.WebhookOther
		return wh, nil
	}
}
