package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/state"
)

// Operator actions on inbox orders, for the CLI and the admin API. Each
// checks the order's state, changes it and writes an audit event in one
// transaction. actor names who acted ("cli", "api:<token name>").

// Retry makes a parked, invalid, skipped or waiting order due now; the next
// Process run takes it again (its payload is re-read from the shop).
func Retry(ctx context.Context, db *state.DB, actor string, id int64) (state.InboxOrder, error) {
	return act(ctx, db, actor, id, "order.retry", "", func(o state.InboxOrder) (state.OrderState, string, error) {
		switch o.State {
		case state.OrderParked, state.OrderInvalid, state.OrderSkipped, state.OrderReceived:
			return state.OrderReceived, "", nil
		}
		return "", "", fmt.Errorf("%w: order %d is %s; retry takes parked, invalid, skipped or received orders", errNotRetryable, id, o.State)
	})
}

// Park sets a received or processing order aside with reason until an
// operator retries it.
func Park(ctx context.Context, db *state.DB, actor string, id int64, reason string) (state.InboxOrder, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return state.InboxOrder{}, fmt.Errorf("orders: park order %d: a reason is required", id)
	}
	return act(ctx, db, actor, id, "order.park", reason, func(o state.InboxOrder) (state.OrderState, string, error) {
		switch o.State {
		case state.OrderReceived, state.OrderProcessing, state.OrderInvalid:
			return state.OrderParked, "parked by " + actor + ": " + reason, nil
		}
		return "", "", fmt.Errorf("%w: order %d is %s; park takes received, processing or invalid orders", errNotRetryable, id, o.State)
	})
}

// Skip marks an order that will never be imported (a test order, one
// entered in the ERP by hand) and releases its hub reservations.
func Skip(ctx context.Context, db *state.DB, actor string, id int64) (state.InboxOrder, error) {
	return act(ctx, db, actor, id, "order.skip", "", func(o state.InboxOrder) (state.OrderState, string, error) {
		switch o.State {
		case state.OrderImported, state.OrderSkipped:
			return "", "", fmt.Errorf("%w: order %d is %s", errNotRetryable, id, o.State)
		}
		return state.OrderSkipped, "skipped by " + actor, nil
	})
}

func act(ctx context.Context, db *state.DB, actor string, id int64, action, detail string,
	next func(state.InboxOrder) (state.OrderState, string, error)) (state.InboxOrder, error) {
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		o, err := db.GetOrder(ctx, id)
		if err != nil {
			return err
		}
		st, reason, err := next(o)
		if err != nil {
			return err
		}
		var due time.Time
		if st == state.OrderReceived {
			due = time.Now()
		}
		if err := db.SetOrderStateTx(ctx, tx, id, st, reason, "", due); err != nil {
			return err
		}
		if st == state.OrderSkipped {
			if err := db.Release(ctx, tx, o.Store, o.ShopOrderID); err != nil {
				return err
			}
		}
		d, err := json.Marshal(map[string]string{"from": string(o.State), "to": string(st), "detail": detail})
		if err != nil {
			return err
		}
		return db.Audit(ctx, tx, state.Event{Actor: actor, Action: action,
			Subject: o.Store + "/order/" + o.ShopOrderID, Detail: d})
	})
	if err != nil {
		return state.InboxOrder{}, fmt.Errorf("orders: %s %d: %w", action, id, err)
	}
	return db.GetOrder(ctx, id)
}
