package vendure

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// fulfilmentHandler is Vendure's built-in fulfilment handler.
const fulfilmentHandler = "manual-fulfillment"

// SetStatus sends a status back to Vendure:
//   - shipped (or completed) fulfils every line not yet fulfilled with the
//     manual-fulfillment handler (method = carrier, trackingCode = number) and
//     moves the fulfilment to Shipped; completed then moves it to Delivered.
//     An order that already has a fulfilment with the same tracking code is
//     only moved forward, so the same update twice changes nothing;
//   - cancelled cancels the order (nothing when it already is);
//   - new and processing need nothing: Vendure's own state says as much;
//   - on_hold and refunded have no Vendure equivalent: Permanent.
func (s *Store) SetStatus(ctx context.Context, shopOrderID string, u catalog.StatusUpdate) error {
	switch u.Status {
	case catalog.StatusNew, catalog.StatusProcessing:
		return nil
	case catalog.StatusShipped, catalog.StatusCompleted, catalog.StatusCancelled:
	default:
		return fault.Permanentf("vendure: order %s: status %q cannot be set in Vendure", shopOrderID, u.Status)
	}
	var out struct {
		Order *apiOrder `json:"order"`
	}
	if err := s.admin.call(ctx, "order", orderQuery, map[string]any{"id": shopOrderID}, &out); err != nil {
		return err
	}
	o := out.Order
	if o == nil {
		return fault.Permanentf("vendure: order %q not found", shopOrderID)
	}
	log := s.log.With(slog.String("order", shopOrderID), slog.String("status", string(u.Status)))
	if u.Status == catalog.StatusCancelled {
		if o.State == "Cancelled" {
			return nil
		}
		var res struct {
			CancelOrder unionResult `json:"cancelOrder"`
		}
		in := map[string]any{"orderId": shopOrderID, "reason": "erpbridge: " + u.Note, "cancelShipping": true}
		if err := s.admin.call(ctx, "cancel order", cancelOrderMutation, map[string]any{"input": in}, &res); err != nil {
			return err
		}
		log.DebugContext(ctx, "vendure: order cancelled")
		return unionErr("cancel order "+shopOrderID, res.CancelOrder)
	}
	carrier, number := "", ""
	if u.Tracking != nil {
		carrier, number = u.Tracking.Carrier, u.Tracking.Number
	}
	f, err := s.fulfilment(ctx, o, carrier, number)
	if err != nil {
		return err
	}
	for _, state := range []string{"Shipped", "Delivered"} {
		if state == "Delivered" && u.Status != catalog.StatusCompleted {
			break
		}
		if f.State == state || f.State == "Delivered" {
			continue
		}
		var res struct {
			T unionResult `json:"transitionFulfillmentToState"`
		}
		if err := s.admin.call(ctx, "transition fulfilment", transitionFulfillmentMutation,
			map[string]any{"id": f.ID, "state": state}, &res); err != nil {
			return err
		}
		if err := unionErr("fulfilment "+f.ID+" to "+state, res.T); err != nil {
			return err
		}
		f.State = state
		log.DebugContext(ctx, "vendure: fulfilment moved", slog.String("fulfilment", f.ID), slog.String("to", state))
	}
	return nil
}

// fulfilment finds the order's fulfilment with the tracking number (or,
// without one, any fulfilment that is not cancelled) or creates one for all
// lines not yet fulfilled.
func (s *Store) fulfilment(ctx context.Context, o *apiOrder, carrier, number string) (*apiFulfillment, error) {
	fulfilled := map[string]int64{}
	for k := range o.Fulfillments {
		f := &o.Fulfillments[k]
		if f.State == "Cancelled" {
			continue
		}
		if number == "" || f.TrackingCode == number {
			return f, nil
		}
		for _, l := range f.Lines {
			fulfilled[l.OrderLineID] += l.Quantity
		}
	}
	var lines []any
	for _, l := range o.Lines {
		q, err := strconv.ParseInt(string(l.Quantity), 10, 64)
		if err != nil {
			return nil, fault.Permanentf("vendure: order %s: line %s quantity %q", o.ID, l.ID, string(l.Quantity))
		}
		if left := q - fulfilled[l.ID]; left > 0 {
			lines = append(lines, map[string]any{"orderLineId": l.ID, "quantity": left})
		}
	}
	if len(lines) == 0 {
		return nil, fault.Permanentf("vendure: order %s is fulfilled already under other tracking numbers; %q has nothing left to ship", o.ID, number)
	}
	if carrier == "" {
		carrier = "erpbridge"
	}
	in := map[string]any{
		"lines": lines,
		"handler": map[string]any{
			"code": fulfilmentHandler,
			"arguments": []any{
				map[string]any{"name": "method", "value": carrier},
				map[string]any{"name": "trackingCode", "value": number},
			},
		},
	}
	var res struct {
		F unionResult `json:"addFulfillmentToOrder"`
	}
	if err := s.admin.call(ctx, "add fulfilment", addFulfillmentMutation, map[string]any{"input": in}, &res); err != nil {
		return nil, err
	}
	if err := unionErr("fulfil order "+o.ID, res.F); err != nil {
		return nil, err
	}
	s.log.DebugContext(ctx, "vendure: fulfilment added", slog.String("order", o.ID), slog.String("fulfilment", res.F.ID))
	return &apiFulfillment{ID: res.F.ID, State: res.F.State, Method: carrier, TrackingCode: number}, nil
}

// unionErr turns an ErrorResult member of a mutation's union into a
// Permanent error: Vendure refused the operation for this order's data.
func unionErr(what string, r unionResult) error {
	if r.ErrorCode == "" {
		return nil
	}
	return fault.Permanentf("vendure: %s: %s: %s", what, r.ErrorCode, r.Message)
}

// Webhook headers sent by scripts/vendure/server.js.
const (
	headerSignature  = "X-Vendure-Signature"
	headerTimestamp  = "X-Vendure-Timestamp"
	headerEvent      = "X-Vendure-Event"
	headerEventID    = "X-Vendure-Event-Id"
	headerDeliveryID = "X-Vendure-Delivery-Id"
)

// VerifyWebhook checks X-Vendure-Signature, the hex HMAC-SHA256 of
// X-Vendure-Timestamp + "." + body under the webhook secret, in constant
// time, and that the timestamp is within five minutes of now (a replayed
// delivery is refused).
func (s *Store) VerifyWebhook(h http.Header, body []byte) error {
	sig, ts := h.Get(headerSignature), h.Get(headerTimestamp)
	if sig == "" || ts == "" {
		return fmt.Errorf("vendure: %w: %s and %s are required", store.ErrSignatureMissing, headerSignature, headerTimestamp)
	}
	if s.creds.WebhookSecret == "" {
		return fmt.Errorf("vendure: %w: no webhook_secret is configured for this store", store.ErrSignatureInvalid)
	}
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return fmt.Errorf("vendure: %w: signature is not hex", store.ErrSignatureInvalid)
	}
	mac := hmac.New(sha256.New, []byte(s.creds.WebhookSecret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("vendure: %w", store.ErrSignatureInvalid)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("vendure: %w: timestamp %q is not unix seconds", store.ErrSignatureInvalid, ts)
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > webhookTolerance || d < -webhookTolerance {
		return fmt.Errorf("vendure: %w: timestamp is %s away from now", store.ErrSignatureInvalid, d.Round(time.Second))
	}
	return nil
}

// ParseWebhook reads a verified delivery. Order events (X-Vendure-Event
// "order.placed", "order.state", or none) carry the order in the shape Orders
// returns, which becomes Raw; other events are WebhookOther.
func (s *Store) ParseWebhook(h http.Header, body []byte) (store.Webhook, error) {
	w := store.Webhook{
		Kind:       store.WebhookOther,
		DeliveryID: h.Get(headerDeliveryID),
		EventID:    h.Get(headerEventID),
		Raw:        body,
	}
	if ev := h.Get(headerEvent); ev != "" && !strings.HasPrefix(ev, "order.") {
		return w, nil
	}
	id, _, err := orderTime(body)
	if err != nil {
		return store.Webhook{}, fault.Permanent(fmt.Errorf("vendure: webhook: %w", err))
	}
	if id == "" {
		return store.Webhook{}, fault.Permanent(errNoOrder)
	}
	w.Kind = store.WebhookOrder
	w.ShopOrderID = id
	return w, nil
}
