package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// LoadProducts builds the product index from the mirror: every ERP product
// and variant SKU with its EAN.
func LoadProducts(ctx context.Context, db *state.DB) (*Products, error) {
	m := map[string]string{}
	for _, kind := range []catalog.Kind{catalog.KindProduct, catalog.KindVariant} {
		err := db.StreamMirror(ctx, string(kind), func(r state.MirrorRecord) error {
			var rec struct {
				SKU string `json:"sku"`
				EAN string `json:"ean"`
			}
			if err := json.Unmarshal(r.Payload, &rec); err != nil || rec.SKU == "" {
				rec.SKU = r.Key
			}
			m[rec.SKU] = rec.EAN
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("orders: load products: %w", err)
		}
	}
	return NewProducts(m), nil
}

// ProcessResult counts what one Process run did.
type ProcessResult struct {
	Imported, Parked, Invalid, Skipped, Retried int
}

func (r ProcessResult) total() int {
	return r.Imported + r.Parked + r.Invalid + r.Skipped + r.Retried
}

// Process claims due inbox orders batch by batch until none is due and
// takes each into the ERP: re-read from the shop where the adapter can (a
// late webhook never moves an order backwards), parse, normalize, reserve its
// stock in the hub, write it to the ERP staging tables (exactly once: the
// staging key decides) and mark it imported. Bad data parks the order with
// its reason; a retryable failure (ERP or shop down) puts it back with a
// later next attempt. One order's failure never stops the others; only a
// failure of the state database ends the run with an error.
func (s *Service) Process(ctx context.Context) (ProcessResult, error) {
	s.init()
	var res ProcessResult
	var products *Products
	for ctx.Err() == nil {
		var batch []state.InboxOrder
		err := s.write(ctx, func() error {
			var err error
			batch, err = s.DB.ClaimOrders(ctx, s.BatchSize, s.Now())
			return err
		})
		if err != nil {
			return res, fmt.Errorf("orders: process: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if products == nil {
			if products, err = LoadProducts(ctx, s.DB); err != nil {
				return res, err
			}
		}
		reservedAny := false
		for i, o := range batch {
			if ctx.Err() != nil {
				// Stopping: hand the rest back at once rather than leave
				// them leased to a worker that is gone.
				s.unclaim(batch[i:])
				break
			}
			r, err := s.processOne(ctx, o, products)
			if err != nil {
				return res, err
			}
			switch r {
			case state.OrderImported:
				res.Imported++
				reservedAny = true
			case state.OrderParked:
				res.Parked++
			case state.OrderInvalid:
				res.Invalid++
			case state.OrderSkipped:
				res.Skipped++
			case state.OrderReceived:
				res.Retried++
			}
		}
		if reservedAny {
			s.reserved(ctx)
		}
	}
	if res.total() > 0 {
		s.Log.Info("orders processed", slog.Int("imported", res.Imported), slog.Int("parked", res.Parked),
			slog.Int("invalid", res.Invalid), slog.Int("skipped", res.Skipped), slog.Int("retry_later", res.Retried))
	}
	return res, ctx.Err()
}

// processOne takes one claimed order as far as it goes and returns the state
// it left it in. The error is for state database failures only.
func (s *Service) processOne(ctx context.Context, o state.InboxOrder, products *Products) (state.OrderState, error) {
	log := s.Log.With(slog.String("store", o.Store), slog.String("order", o.ShopOrderID), slog.Int64("inbox_id", o.ID))
	// State writes finish even when ctx is cancelled mid-order, so that the
	// order's outcome is recorded and it is not left leased.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	set := func(st state.OrderState, reason, ref string, next time.Time) (state.OrderState, error) {
		if ctx.Err() != nil && st == state.OrderReceived {
			reason, next = "interrupted: "+reason, s.Now()
		}
		err := s.write(wctx, func() error { return s.DB.SetOrderState(wctx, o.ID, st, reason, ref, next) })
		if err != nil {
			return "", fmt.Errorf("orders: order %d: %w", o.ID, err)
		}
		if st != state.OrderImported {
			log.Warn("order not imported", slog.String("state", string(st)), slog.String("reason", reason))
			kind := string(st)
			if st == state.OrderReceived {
				kind = state.OrderEventRetry
			}
			s.event(wctx, o.Store, o.ShopOrderID, kind, reason, map[string]any{"attempt": o.Attempts})
		}
		return st, nil
	}
	retry := func(err error) (state.OrderState, error) {
		wait := s.Backoff(o.Attempts)
		if _, after := fault.Classify(err); after > wait {
			wait = after
		}
		return set(state.OrderReceived, "retry: "+err.Error(), "", s.Now().Add(wait))
	}
	st, ok := s.Stores[o.Store]
	if !ok || !st.enabled() {
		return set(state.OrderParked, fmt.Sprintf("store %q is not configured or its orders are disabled", o.Store), "", time.Time{})
	}
	src, ok := st.Adapter.(store.OrderSource)
	if !ok {
		return set(state.OrderParked, "the store's adapter cannot read orders", "", time.Time{})
	}
	raw := o.Payload
	// Webhooks are hints: the shop's current version decides.
	if fresh, err := src.Order(ctx, o.ShopOrderID); err == nil {
		raw = fresh.Raw
		err := s.write(wctx, func() error {
			_, _, err := s.DB.UpdateOrderPayload(wctx, nil, o.Store, o.ShopOrderID, fresh.Raw, fresh.UpdatedAt.UTC())
			return err
		})
		if err != nil {
			return "", fmt.Errorf("orders: order %d: %w", o.ID, err)
		}
	} else if !fault.IsPermanent(err) {
		return retry(fmt.Errorf("re-read from the shop: %w", err))
	}
	parsed, err := src.ParseOrder(raw)
	if err != nil {
		return set(state.OrderInvalid, "parse: "+err.Error(), "", time.Time{})
	}
	if parsed.ShopOrderID == "" {
		parsed.ShopOrderID = o.ShopOrderID
	}
	if parsed.ShopOrderID != o.ShopOrderID {
		return set(state.OrderInvalid, fmt.Sprintf("payload is order %q, not %q", parsed.ShopOrderID, o.ShopOrderID), "", time.Time{})
	}
	if cancelled(parsed.Status) {
		err := s.write(wctx, func() error {
			return s.DB.InTx(wctx, func(tx *sqlx.Tx) error {
				if err := s.DB.Release(wctx, tx, o.Store, o.ShopOrderID); err != nil {
					return err
				}
				return s.DB.SetOrderStateTx(wctx, tx, o.ID, state.OrderSkipped, fmt.Sprintf("%s in the shop before import", parsed.Status), "", time.Time{})
			})
		})
		if err != nil {
			return "", fmt.Errorf("orders: order %d: %w", o.ID, err)
		}
		s.event(wctx, o.Store, o.ShopOrderID, state.OrderEventSkipped, fmt.Sprintf("%s in the shop before import", parsed.Status), nil)
		return state.OrderSkipped, nil
	}
	n, err := Normalize(parsed, st.rules(), products)
	if err != nil {
		return set(state.OrderParked, err.Error(), "", time.Time{})
	}
	// Accepted: its stock is taken from every store at once, before the
	// ERP sees the order.
	var lines []state.ReservationLine
	for _, l := range n.Order.Lines {
		if l.SKU != RoundingSKU {
			lines = append(lines, state.ReservationLine{SKU: l.SKU, Quantity: l.Quantity})
		}
	}
	if err := s.write(wctx, func() error { return s.DB.Reserve(wctx, nil, o.Store, o.ShopOrderID, lines) }); err != nil {
		return "", fmt.Errorf("orders: order %d: %w", o.ID, err)
	}
	ref, err := s.ERP.WriteOrder(ctx, n.Order)
	if err != nil {
		if fault.IsPermanent(err) {
			return set(state.OrderParked, "ERP staging: "+err.Error(), "", time.Time{})
		}
		return retry(fmt.Errorf("ERP staging: %w", err))
	}
	if _, err := set(state.OrderImported, "", ref.ID, time.Time{}); err != nil {
		return "", err
	}
	log.Info("order imported", slog.String("staging_id", ref.ID), slog.Bool("created", ref.Created),
		slog.String("customer_match", n.Order.Customer.MatchKey))
	s.event(wctx, o.Store, o.ShopOrderID, state.OrderEventStaged, "written to the ERP staging tables",
		map[string]any{"staging_id": ref.ID, "created": ref.Created, "attempt": o.Attempts, "customer_match": n.Order.Customer.MatchKey})
	return state.OrderImported, nil
}

// event adds one entry to an order's history. The history is for people:
// failing to write it is logged and changes nothing in the order's way.
func (s *Service) event(ctx context.Context, storeID, shopOrderID, kind, msg string, detail map[string]any) {
	e := state.OrderEvent{Store: storeID, ShopOrderID: shopOrderID, At: s.Now(), Kind: kind, Message: msg}
	if detail != nil {
		e.Detail, _ = json.Marshal(detail)
	}
	once := kind == state.OrderEventERPResult
	if err := s.write(ctx, func() error { return s.DB.AddOrderEvent(ctx, nil, e, once) }); err != nil {
		s.Log.Warn("order event not recorded", slog.String("store", storeID), slog.String("order", shopOrderID),
			slog.String("event", kind), slog.Any("err", err))
	}
}

// unclaim hands claimed orders back, due now.
func (s *Service) unclaim(batch []state.InboxOrder) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, o := range batch {
		err := s.write(ctx, func() error {
			return s.DB.SetOrderState(ctx, o.ID, state.OrderReceived, "interrupted before processing", "", s.Now())
		})
		if err != nil {
			s.Log.Warn("order left claimed until its lease ends", slog.Int64("inbox_id", o.ID), slog.Any("err", err))
		}
	}
}

// errNotRetryable marks operator actions on orders in the wrong state.
var errNotRetryable = errors.New("orders: order is not in a state that allows this")
