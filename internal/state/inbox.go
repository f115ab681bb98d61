package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
)

// OrderState is where an inbox order is in its way to the ERP.
type OrderState string

// The states of an inbox order.
const (
	// OrderReceived: stored, waiting to be imported (also after a retryable
	// failure, with a later next attempt).
	OrderReceived OrderState = "received"
	// OrderProcessing: claimed by a worker until its lease ends.
	OrderProcessing OrderState = "processing"
	// OrderImported: in the ERP staging tables, ERPRef set.
	OrderImported OrderState = "imported"
	// OrderParked: failed permanently (unknown SKU, customer not matched...);
	// kept with its reason until an operator retries it.
	OrderParked OrderState = "parked"
	// OrderInvalid: the payload cannot be read as an order.
	OrderInvalid OrderState = "invalid"
	// OrderSkipped: deliberately not imported (test order, status out of
	// scope).
	OrderSkipped OrderState = "skipped"
)

// OrderStates lists every OrderState.
var OrderStates = []OrderState{OrderReceived, OrderProcessing, OrderImported, OrderParked, OrderInvalid, OrderSkipped}

// Valid reports whether s is one of OrderStates.
func (s OrderState) Valid() bool {
	for _, v := range OrderStates {
		if s == v {
			return true
		}
	}
	return false
}

// ClaimLease is how long a claimed order stays with its worker. An order
// still processing after its lease (the worker died) is claimed again; the
// ERP staging table's own unique key keeps that from importing it twice.
const ClaimLease = 10 * time.Minute

// InboxOrder is one order received from a store.
type InboxOrder struct {
	// ID is assigned by the database.
	ID          int64
	Store       string
	ShopOrderID string
	State       OrderState
	// Payload is the order as the shop sent it, byte for byte; it need not
	// be JSON.
	Payload []byte
	// Reason says why the order is parked, invalid, skipped or waiting for a
	// retry.
	Reason string
	// Attempts counts claims.
	Attempts int
	// NextAttemptAt is when the order may be claimed next.
	NextAttemptAt time.Time
	// ERPRef is the ERP's reference once imported.
	ERPRef     string
	ReceivedAt time.Time
	UpdatedAt  time.Time
}

// MaxListLimit is the most rows ListOrders and AuditEvents return at once,
// whatever the limit asked for (they serve the admin API).
const MaxListLimit = 1000

// OrderFilter selects orders for ListOrders. Empty fields do not filter.
type OrderFilter struct {
	Store string
	State OrderState
	// Limit is the most orders returned; 0 means 100, and more than
	// MaxListLimit means MaxListLimit.
	Limit int
	// BeforeID, when positive, returns only orders with a smaller ID (the
	// next page of a newest-first listing).
	BeforeID int64
}

const inboxCols = `id, store, shop_order_id, state, payload, reason, attempts, next_attempt_at, erp_ref, received_at, updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (InboxOrder, error) {
	var o InboxOrder
	err := sc.Scan(&o.ID, &o.Store, &o.ShopOrderID, &o.State, &o.Payload, &o.Reason, &o.Attempts,
		timeDest{&o.NextAttemptAt}, &o.ERPRef, timeDest{&o.ReceivedAt}, timeDest{&o.UpdatedAt})
	return o, err
}

// InsertOrder stores an order unless the inbox already has one with the
// same (Store, ShopOrderID); the database's unique key decides, so
// concurrent deliveries of one order store it exactly once. It returns the
// order's ID and whether this call created it; an existing order is left
// unchanged. State defaults to OrderReceived, ReceivedAt to now and
// NextAttemptAt to ReceivedAt.
func (db *DB) InsertOrder(ctx context.Context, o InboxOrder) (id int64, created bool, err error) {
	if o.Store == "" || o.ShopOrderID == "" {
		return 0, false, fmt.Errorf("state: insert order %q/%q: store and shop order id are required", o.Store, o.ShopOrderID)
	}
	if o.State == "" {
		o.State = OrderReceived
	}
	if !o.State.Valid() {
		return 0, false, fmt.Errorf("state: insert order %s/%s: unknown state %q", o.Store, o.ShopOrderID, o.State)
	}
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
	err = db.x.QueryRowContext(ctx, db.q(`INSERT INTO inbox
	(store, shop_order_id, state, payload, reason, attempts, next_attempt_at, erp_ref, received_at, updated_at)
VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
ON CONFLICT (store, shop_order_id) DO NOTHING
RETURNING id`), o.Store, o.ShopOrderID, string(o.State), payload, o.Reason, db.tv(o.NextAttemptAt), o.ERPRef,
		db.tv(o.ReceivedAt), db.tv(now)).Scan(&id)
	switch {
	case err == nil:
		return id, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, false, fmt.Errorf("state: insert order %s/%s: %w", o.Store, o.ShopOrderID, err)
	}
	// The order was there already; rows are never deleted, so it still is.
	err = db.x.QueryRowContext(ctx, db.q(`SELECT id FROM inbox WHERE store = ? AND shop_order_id = ?`),
		o.Store, o.ShopOrderID).Scan(&id)
	if err != nil {
		return 0, false, fmt.Errorf("state: insert order %s/%s: find existing: %w", o.Store, o.ShopOrderID, err)
	}
	return id, false, nil
}

// RecordDelivery remembers a webhook delivery (or event) id of store and
// reports whether it was seen before, in which case nothing is written.
// inboxID links the delivery to its order; 0 records none. x is a
// transaction from InTx or nil for the pool.
func (db *DB) RecordDelivery(ctx context.Context, x sqlx.ExtContext, store, deliveryID string, inboxID int64) (dup bool, err error) {
	if store == "" || deliveryID == "" {
		return false, fmt.Errorf("state: record delivery %q/%q: store and delivery id are required", store, deliveryID)
	}
	var ref any
	if inboxID > 0 {
		ref = inboxID
	}
	res, err := db.ext(x).ExecContext(ctx, db.q(`INSERT INTO inbox_deliveries (store, delivery_id, inbox_id, received_at)
VALUES (?, ?, ?, ?)
ON CONFLICT (store, delivery_id) DO NOTHING`), store, deliveryID, ref, db.tv(db.now()))
	if err != nil {
		return false, fmt.Errorf("state: record delivery %s/%s: %w", store, deliveryID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("state: record delivery %s/%s: %w", store, deliveryID, err)
	}
	return n == 0, nil
}

// PruneDeliveries forgets deliveries received before before and returns how
// many; a delivery repeated after that is caught by the order's own key.
func (db *DB) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	res, err := db.x.ExecContext(ctx, db.q(`DELETE FROM inbox_deliveries WHERE received_at < ?`), db.tv(before))
	if err != nil {
		return 0, fmt.Errorf("state: prune deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("state: prune deliveries: %w", err)
	}
	return int(n), nil
}

// ClaimOrders moves up to limit due orders to OrderProcessing for the caller
// and returns them by ID. Due are received orders whose next attempt is at
// or before now, and processing orders whose lease ended (their worker
// died). A claim adds one attempt and holds the order for ClaimLease from
// now. Concurrent claimers, in this process or others on PostgreSQL, never
// get the same order.
func (db *DB) ClaimOrders(ctx context.Context, limit int, now time.Time) ([]InboxOrder, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("state: claim orders: limit must be positive, got %d", limit)
	}
	lock := ""
	if db.driver == DriverPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// On SQLite the transaction is BEGIN IMMEDIATE: claimers run one at a
	// time. On PostgreSQL rows locked by another claimer are skipped.
	query := db.q(`UPDATE inbox SET state = 'processing', attempts = attempts + 1, next_attempt_at = ?, updated_at = ?
WHERE id IN (
	SELECT id FROM inbox
	WHERE state IN ('received', 'processing') AND next_attempt_at <= ?
	ORDER BY next_attempt_at, id
	LIMIT ?` + lock + `
)
RETURNING ` + inboxCols)
	var out []InboxOrder
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, query, db.tv(now.Add(ClaimLease)), db.tv(now), db.tv(now), limit)
		if err != nil {
			return fmt.Errorf("state: claim orders: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrder(rows)
			if err != nil {
				return fmt.Errorf("state: claim orders: %w", err)
			}
			out = append(out, o)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("state: claim orders: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// SetOrderState moves order id to state with reason (replacing the old
// reason, "" clears it). A non-empty erpRef replaces the stored one; a
// non-zero next becomes the next attempt time (give one with OrderReceived
// to retry later). It returns an error wrapping ErrNotFound for an unknown
// id.
func (db *DB) SetOrderState(ctx context.Context, id int64, state OrderState, reason, erpRef string, next time.Time) error {
	if !state.Valid() {
		return fmt.Errorf("state: set order %d state: unknown state %q", id, state)
	}
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE inbox SET
	state = ?,
	reason = ?,
	erp_ref = CASE WHEN ? = '' THEN erp_ref ELSE ? END,
	next_attempt_at = COALESCE(?, next_attempt_at),
	updated_at = ?
WHERE id = ?`), string(state), reason, erpRef, erpRef, db.ntv(next), db.tv(db.now()), id)
	return db.oneRow(res, err, fmt.Sprintf("set order %d state", id))
}

// GetOrder returns order id, or an error wrapping ErrNotFound.
func (db *DB) GetOrder(ctx context.Context, id int64) (InboxOrder, error) {
	o, err := scanOrder(db.x.QueryRowContext(ctx, db.q(`SELECT `+inboxCols+` FROM inbox WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return InboxOrder{}, fmt.Errorf("state: order %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return InboxOrder{}, fmt.Errorf("state: order %d: %w", id, err)
	}
	return o, nil
}

// ListOrders returns the orders matching f, newest (highest ID) first.
func (db *DB) ListOrders(ctx context.Context, f OrderFilter) ([]InboxOrder, error) {
	if f.State != "" && !f.State.Valid() {
		return nil, fmt.Errorf("state: list orders: unknown state %q", f.State)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxListLimit)
	query := `SELECT ` + inboxCols + ` FROM inbox WHERE 1 = 1`
	var args []any
	if f.Store != "" {
		query += ` AND store = ?`
		args = append(args, f.Store)
	}
	if f.State != "" {
		query += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if f.BeforeID > 0 {
		query += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.x.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("state: list orders: %w", err)
	}
	defer rows.Close()
	var out []InboxOrder
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("state: list orders: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: list orders: %w", err)
	}
	return out, nil
}

// OrderCounts counts the orders of store ("" for all stores) by state.
// States without orders are absent from the map.
func (db *DB) OrderCounts(ctx context.Context, store string) (map[OrderState]int, error) {
	query := `SELECT state, count(*) FROM inbox`
	var args []any
	if store != "" {
		query += ` WHERE store = ?`
		args = append(args, store)
	}
	query += ` GROUP BY state`
	rows, err := db.x.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("state: count orders: %w", err)
	}
	defer rows.Close()
	out := map[OrderState]int{}
	for rows.Next() {
		var (
			s string
			n int
		)
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("state: count orders: %w", err)
		}
		out[OrderState(s)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: count orders: %w", err)
	}
	return out, nil
}
