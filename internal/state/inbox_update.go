package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ReceiveOrder is InsertOrder run on x (a transaction from InTx, or nil for
// the pool), so that an order can be stored together with its webhook
// delivery or its poll cursor. shopUpdatedAt is when the shop last changed the
// order (zero: unknown); UpdateOrderPayload compares later payloads with it.
// An existing order is left unchanged and its ID returned with created false.
func (db *DB) ReceiveOrder(ctx context.Context, x sqlx.ExtContext, o InboxOrder, shopUpdatedAt time.Time) (id int64, created bool, err error) {
	if o.Store == "" || o.ShopOrderID == "" {
		return 0, false, fmt.Errorf("state: receive order %q/%q: store and shop order id are required", o.Store, o.ShopOrderID)
	}
	if o.State == "" {
		o.State = OrderReceived
	}
	if !o.State.Valid() {
		return 0, false, fmt.Errorf("state: receive order %s/%s: unknown state %q", o.Store, o.ShopOrderID, o.State)
	}
	x = db.ext(x)
	now := db.now()
	if o.ReceivedAt.IsZero() {
		o.ReceivedAt = now
	}
	if o.NextAttemptAt.IsZero() {
		o.NextAttemptAt = o.ReceivedAt
	}
	payload := o.Payload
	if payload == nil {
		payload = []byte{}
	}
	err = x.QueryRowxContext(ctx, db.q(`INSERT INTO inbox
	(store, shop_order_id, state, payload, reason, attempts, next_attempt_at, erp_ref, received_at, updated_at)
VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
ON CONFLICT (store, shop_order_id) DO NOTHING
RETURNING id`), o.Store, o.ShopOrderID, string(o.State), payload, o.Reason, db.tv(o.NextAttemptAt), o.ERPRef,
		db.tv(o.ReceivedAt), db.tv(now)).Scan(&id)
	switch {
	case err == nil:
		created = true
	case !errors.Is(err, sql.ErrNoRows):
		return 0, false, fmt.Errorf("state: receive order %s/%s: %w", o.Store, o.ShopOrderID, err)
	default:
		err = x.QueryRowxContext(ctx, db.q(`SELECT id FROM inbox WHERE store = ? AND shop_order_id = ?`),
			o.Store, o.ShopOrderID).Scan(&id)
		if err != nil {
			return 0, false, fmt.Errorf("state: receive order %s/%s: find existing: %w", o.Store, o.ShopOrderID, err)
		}
		return id, false, nil
	}
	_, err = x.ExecContext(ctx, db.q(`INSERT INTO order_sync (store, shop_order_id, shop_updated_at, status_sent, updated_at)
VALUES (?, ?, ?, '', ?)
ON CONFLICT (store, shop_order_id) DO NOTHING`), o.Store, o.ShopOrderID, db.ntv(shopUpdatedAt), db.tv(now))
	if err != nil {
		return 0, false, fmt.Errorf("state: receive order %s/%s: record shop time: %w", o.Store, o.ShopOrderID, err)
	}
	return id, true, nil
}

// UpdateOrderPayload replaces the stored payload of the inbox order (store,
// shopOrderID) with a newer version of the same order: only when
// shopUpdatedAt is after the shop time stored with the current payload (or
// none is stored). A zero shopUpdatedAt never replaces anything, so a
// delivery of unknown age cannot move an order backwards. A parked or invalid
// order whose payload is replaced becomes received again (the new version may
// fix what was wrong); other states are kept. It returns whether the payload
// was replaced and the order as it is afterwards; an unknown order is an
// error wrapping ErrNotFound. x is a transaction from InTx or nil for the
// pool.
func (db *DB) UpdateOrderPayload(ctx context.Context, x sqlx.ExtContext, store, shopOrderID string, payload []byte, shopUpdatedAt time.Time) (InboxOrder, bool, error) {
	x = db.ext(x)
	what := fmt.Sprintf("update order %s/%s", store, shopOrderID)
	cur, err := scanOrder(x.QueryRowxContext(ctx, db.q(`SELECT `+inboxCols+` FROM inbox WHERE store = ? AND shop_order_id = ?`), store, shopOrderID))
	if errors.Is(err, sql.ErrNoRows) {
		return InboxOrder{}, false, fmt.Errorf("state: %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return InboxOrder{}, false, fmt.Errorf("state: %s: %w", what, err)
	}
	if shopUpdatedAt.IsZero() {
		return cur, false, nil
	}
	now := db.now()
	res, err := x.ExecContext(ctx, db.q(`INSERT INTO order_sync (store, shop_order_id, shop_updated_at, status_sent, updated_at)
VALUES (?, ?, ?, '', ?)
ON CONFLICT (store, shop_order_id) DO UPDATE SET shop_updated_at = excluded.shop_updated_at, updated_at = excluded.updated_at
WHERE order_sync.shop_updated_at IS NULL OR order_sync.shop_updated_at < excluded.shop_updated_at`),
		store, shopOrderID, db.tv(shopUpdatedAt), db.tv(now))
	if err != nil {
		return InboxOrder{}, false, fmt.Errorf("state: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return InboxOrder{}, false, fmt.Errorf("state: %s: %w", what, err)
	}
	if n == 0 {
		return cur, false, nil
	}
	if payload == nil {
		payload = []byte{}
	}
	o, err := scanOrder(x.QueryRowxContext(ctx, db.q(`UPDATE inbox SET
	payload = ?,
	reason = CASE WHEN state IN ('parked', 'invalid') THEN '' ELSE reason END,
	next_attempt_at = CASE WHEN state IN ('parked', 'invalid') THEN ? ELSE next_attempt_at END,
	state = CASE WHEN state IN ('parked', 'invalid') THEN 'received' ELSE state END,
	updated_at = ?
WHERE id = ?
RETURNING `+inboxCols), payload, db.tv(now), db.tv(now), cur.ID))
	if err != nil {
		return InboxOrder{}, false, fmt.Errorf("state: %s: %w", what, err)
	}
	return o, true, nil
}

// SetOrderStateTx is SetOrderState run on x (a transaction from InTx, or nil
// for the pool), so that a state change commits together with the order's
// reservations.
func (db *DB) SetOrderStateTx(ctx context.Context, x sqlx.ExtContext, id int64, state OrderState, reason, erpRef string, next time.Time) error {
	if !state.Valid() {
		return fmt.Errorf("state: set order %d state: unknown state %q", id, state)
	}
	res, err := db.ext(x).ExecContext(ctx, db.q(`UPDATE inbox SET
	state = ?,
	reason = ?,
	erp_ref = CASE WHEN ? = '' THEN erp_ref ELSE ? END,
	next_attempt_at = COALESCE(?, next_attempt_at),
	updated_at = ?
WHERE id = ?`), string(state), reason, erpRef, erpRef, db.ntv(next), db.tv(db.now()), id)
	return db.oneRow(res, err, fmt.Sprintf("set order %d state", id))
}

// OrderByKey returns the inbox order (store, shopOrderID), or an error
// wrapping ErrNotFound.
func (db *DB) OrderByKey(ctx context.Context, store, shopOrderID string) (InboxOrder, error) {
	o, err := scanOrder(db.x.QueryRowContext(ctx, db.q(`SELECT `+inboxCols+` FROM inbox WHERE store = ? AND shop_order_id = ?`), store, shopOrderID))
	if errors.Is(err, sql.ErrNoRows) {
		return InboxOrder{}, fmt.Errorf("state: order %s/%s: %w", store, shopOrderID, ErrNotFound)
	}
	if err != nil {
		return InboxOrder{}, fmt.Errorf("state: order %s/%s: %w", store, shopOrderID, err)
	}
	return o, nil
}

// StatusSent returns the key of the last status update sent to the shop for
// order (store, shopOrderID), "" when none was.
func (db *DB) StatusSent(ctx context.Context, store, shopOrderID string) (string, error) {
	var v string
	err := db.x.QueryRowContext(ctx, db.q(`SELECT status_sent FROM order_sync WHERE store = ? AND shop_order_id = ?`), store, shopOrderID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state: status sent %s/%s: %w", store, shopOrderID, err)
	}
	return v, nil
}

// SetStatusSent records key as the last status update sent to the shop for
// order (store, shopOrderID). x is a transaction from InTx or nil for the
// pool.
func (db *DB) SetStatusSent(ctx context.Context, x sqlx.ExtContext, store, shopOrderID, key string) error {
	now := db.tv(db.now())
	_, err := db.ext(x).ExecContext(ctx, db.q(`INSERT INTO order_sync (store, shop_order_id, shop_updated_at, status_sent, updated_at)
VALUES (?, ?, NULL, ?, ?)
ON CONFLICT (store, shop_order_id) DO UPDATE SET status_sent = excluded.status_sent, updated_at = excluded.updated_at`),
		store, shopOrderID, key, now)
	if err != nil {
		return fmt.Errorf("state: set status sent %s/%s: %w", store, shopOrderID, err)
	}
	return nil
}
