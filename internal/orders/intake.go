package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Errors of Receive; the HTTP layer maps them to status codes.
var (
	// ErrUnknownStore: no enabled store with that id (404).
	ErrUnknownStore = errors.New("orders: unknown or disabled store")
	// ErrNoWebhooks: the store's adapter does not receive webhooks (404).
	ErrNoWebhooks = errors.New("orders: store does not receive webhooks")
	// ErrUnverified: the signature is missing or wrong (401); nothing was
	// stored.
	ErrUnverified = errors.New("orders: webhook signature not verified")
)

// Outcome is what Receive did with a verified delivery.
type Outcome int

// Outcomes of Receive.
const (
	// Stored: a new order, or a newer version of a known one, was stored
	// (answer 202).
	Stored Outcome = iota + 1
	// Duplicate: the order or the delivery was known; nothing changed
	// (answer 200).
	Duplicate
	// Ignored: a ping or a delivery the hub has no use for (answer 200).
	Ignored
	// StoredInvalid: the payload could not be read; it was stored with state
	// invalid and its reason so that nothing is lost (answer 202).
	StoredInvalid
)

// StatusCode is the HTTP status a shop gets for the outcome.
func (o Outcome) StatusCode() int {
	switch o {
	case Stored, StoredInvalid:
		return http.StatusAccepted
	default:
		return http.StatusOK
	}
}

var rejected atomic.Int64

// Rejected returns how many webhook deliveries failed verification since
// the process started (for metrics).
func Rejected() int64 { return rejected.Load() }

// Receive takes one webhook delivery of store storeID: it verifies the
// signature, parses the delivery and stores an order in the inbox together
// with its delivery and event ids; it returns only after that transaction
// committed (deliveries arriving together share one, see commitOne). It
// returns ErrUnknownStore, ErrNoWebhooks or ErrUnverified (wrapped) when the
// delivery is refused, and any other error when it could not be stored (the
// shop should retry). The body and the secret are never logged.
func (s *Service) Receive(ctx context.Context, storeID string, h http.Header, body []byte) (Outcome, error) {
	s.init()
	st, ok := s.Stores[storeID]
	if !ok || !st.enabled() {
		return 0, fmt.Errorf("%w: %q", ErrUnknownStore, storeID)
	}
	wr, ok := st.Adapter.(store.WebhookReceiver)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNoWebhooks, storeID)
	}
	if err := wr.VerifyWebhook(h, body); err != nil {
		rejected.Add(1)
		if ok, n := s.logLim.allow("verify:"+storeID, s.Now()); ok {
			s.Log.Warn("webhook rejected: signature not verified", slog.String("store", storeID),
				slog.String("reason", err.Error()), slog.Int("suppressed_since_last", n),
				slog.Int("body_bytes", len(body)))
		}
		return 0, fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	w, err := wr.ParseWebhook(h, body)
	if err != nil {
		return s.commitOne(ctx, item{st: st, row: state.InboxOrder{
			Store: storeID, ShopOrderID: invalidID(body), State: state.OrderInvalid, Payload: body,
			Reason: "webhook: " + err.Error(),
		}})
	}
	if w.Kind != store.WebhookOrder {
		return Ignored, nil
	}
	raw := w.Raw
	if raw == nil {
		raw = body
	}
	var deliveries []string
	for _, d := range []string{w.DeliveryID, w.EventID} {
		if d != "" {
			deliveries = append(deliveries, d)
		}
	}
	return s.commitOne(ctx, prepare(st, w.ShopOrderID, raw, time.Time{}, deliveries))
}

// invalidID is the synthetic shop order id of a payload that names no
// order, so that it is kept under a stable key.
func invalidID(body []byte) string {
	sum := sha256.Sum256(body)
	return "invalid-" + hex.EncodeToString(sum[:])
}

// errDuplicate rolls back a delivery seen before.
var errDuplicate = errors.New("orders: duplicate delivery")

// item is one order payload on its way into the inbox, parsed before the
// write so that parsing runs outside the writer.
type item struct {
	st  *Store
	row state.InboxOrder
	// updatedAt is the shop's change time (zero: unknown).
	updatedAt  time.Time
	status     catalog.OrderStatus
	deliveries []string
}

// prepare parses raw, one order payload of st from a webhook or a poll.
// known is the shop's change time when the caller has it (polls); otherwise
// the payload is parsed for it. A payload the adapter cannot parse becomes
// an invalid row with the reason.
func prepare(st *Store, shopOrderID string, raw []byte, known time.Time, deliveries []string) item {
	it := item{st: st, updatedAt: known, deliveries: deliveries}
	src, _ := st.Adapter.(store.OrderSource)
	var (
		parsed   catalog.Order
		parseErr error
	)
	if src != nil {
		parsed, parseErr = src.ParseOrder(raw)
	} else {
		parseErr = errors.New("the store's adapter cannot read orders")
	}
	if shopOrderID == "" && parseErr == nil {
		shopOrderID = parsed.ShopOrderID
	}
	it.row = state.InboxOrder{Store: st.ID, ShopOrderID: shopOrderID, Payload: raw}
	if parseErr != nil {
		it.row.State, it.row.Reason = state.OrderInvalid, "parse: "+parseErr.Error()
		if it.row.ShopOrderID == "" {
			it.row.ShopOrderID = invalidID(raw)
		}
		it.updatedAt = time.Time{}
		return it
	}
	if it.updatedAt.IsZero() {
		it.updatedAt = parsed.UpdatedAt
	}
	it.status = parsed.Status
	return it
}

// created is the outcome of storing it as a new inbox row.
func (it item) created() Outcome {
	if it.row.State == state.OrderInvalid {
		return StoredInvalid
	}
	return Stored
}

// applyTx stores or updates one order in tx, one statement at a time. It
// reports whether a cancellation released reservations, and returns
// errDuplicate when the order was known and a delivery id seen before.
func (s *Service) applyTx(ctx context.Context, tx *sqlx.Tx, it item) (Outcome, bool, error) {
	st, row := it.st, it.row
	id, created, err := s.DB.ReceiveOrder(ctx, tx, row, it.updatedAt)
	if err != nil {
		return 0, false, fmt.Errorf("orders: store order %s/%s: %w", st.ID, row.ShopOrderID, err)
	}
	for _, d := range it.deliveries {
		dup, err := s.DB.RecordDelivery(ctx, tx, st.ID, d, id)
		if err != nil {
			return 0, false, fmt.Errorf("orders: store order %s/%s: %w", st.ID, row.ShopOrderID, err)
		}
		if dup && !created {
			return 0, false, errDuplicate
		}
	}
	if created {
		return it.created(), false, nil
	}
	if row.State == state.OrderInvalid {
		return Duplicate, false, nil
	}
	_, changed, err := s.DB.UpdateOrderPayload(ctx, tx, st.ID, row.ShopOrderID, row.Payload, it.updatedAt)
	if err != nil {
		return 0, false, fmt.Errorf("orders: update order %s/%s: %w", st.ID, row.ShopOrderID, err)
	}
	if !changed {
		return Duplicate, false, nil
	}
	if cancelled(it.status) {
		// A cancellation is a state change of the same order: its stock
		// goes back to every store at once.
		if err := s.DB.Release(ctx, tx, st.ID, row.ShopOrderID); err != nil {
			return 0, false, fmt.Errorf("orders: cancel order %s/%s: %w", st.ID, row.ShopOrderID, err)
		}
		return Stored, true, nil
	}
	return Stored, false, nil
}

func cancelled(s catalog.OrderStatus) bool {
	return s == catalog.StatusCancelled || s == catalog.StatusRefunded
}
