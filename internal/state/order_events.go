package state

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
)

// The kinds of order events the pipeline records.
const (
	// OrderEventRetry: an import attempt failed and will be retried.
	OrderEventRetry = "retry"
	// OrderEventParked, OrderEventInvalid, OrderEventSkipped: an attempt
	// ended with the order in that state (message: the reason).
	OrderEventParked  = "parked"
	OrderEventInvalid = "invalid"
	OrderEventSkipped = "skipped"
	// OrderEventStaged: the order is in the ERP staging tables (detail:
	// staging_id).
	OrderEventStaged = "staged"
	// OrderEventERPResult: the ERP's importer reported on the order
	// (detail: state, erp_number, status, tracking, error).
	OrderEventERPResult = "erp_result"
	// OrderEventStatusSent: the shop was told the order's status.
	OrderEventStatusSent = "status_sent"
)

// OrderEvent is one entry of an order's history.
type OrderEvent struct {
	// ID is assigned by the database; in a timeline it is the audit
	// event's id for entries from the audit log.
	ID          int64
	Store       string
	ShopOrderID string
	// At defaults to now.
	At   time.Time
	Kind string
	// Actor is "hub" for the pipeline's events, the audit actor otherwise.
	Actor   string
	Message string
	// Detail is JSON; empty means {}. It must not hold secrets.
	Detail json.RawMessage
}

// AddOrderEvent appends e to its order's history. With once, nothing is
// added when the order already has an event of the same kind and message
// (an importer result read again on the next run). x is a transaction from
// InTx or nil for the pool.
func (db *DB) AddOrderEvent(ctx context.Context, x sqlx.ExtContext, e OrderEvent, once bool) error {
	if e.Store == "" || e.ShopOrderID == "" || e.Kind == "" {
		return fmt.Errorf("state: order event %q of %s/%s: store, order and kind are required", e.Kind, e.Store, e.ShopOrderID)
	}
	detail, err := jsonArg("order event detail", e.Detail, "{}")
	if err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = db.now()
	}
	at := "?"
	if db.driver == DriverPostgres {
		at = "CAST(? AS timestamptz)" // a SELECT list parameter is text otherwise
	}
	query := `INSERT INTO order_events (store, shop_order_id, at, kind, message, detail) SELECT ?, ?, ` + at + `, ?, ?, ?`
	args := []any{e.Store, e.ShopOrderID, db.tv(e.At), e.Kind, e.Message, detail}
	if once {
		query += ` WHERE NOT EXISTS (SELECT 1 FROM order_events WHERE store = ? AND shop_order_id = ? AND kind = ? AND message = ?)`
		args = append(args, e.Store, e.ShopOrderID, e.Kind, e.Message)
	}
	if _, err := db.ext(x).ExecContext(ctx, db.q(query), args...); err != nil {
		return fmt.Errorf("state: order event %s of %s/%s: %w", e.Kind, e.Store, e.ShopOrderID, err)
	}
	return nil
}

// OrderTimeline returns the history of one order, oldest first: the
// pipeline's events and the audit log's events about the order (operator
// retries, parks, skips), the latest limit of each (at most MaxListLimit).
func (db *DB) OrderTimeline(ctx context.Context, store, shopOrderID string, limit int) ([]OrderEvent, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("state: order timeline: limit must be positive, got %d", limit)
	}
	limit = min(limit, MaxListLimit)
	var out []OrderEvent
	read := func(what, query string, args ...any) error {
		rows, err := db.x.QueryContext(ctx, db.q(query), args...)
		if err != nil {
			return fmt.Errorf("state: order timeline of %s/%s: %s: %w", store, shopOrderID, what, err)
		}
		defer rows.Close()
		var got []OrderEvent
		for rows.Next() {
			e := OrderEvent{Store: store, ShopOrderID: shopOrderID}
			if err := rows.Scan(&e.ID, timeDest{&e.At}, &e.Kind, &e.Actor, &e.Message, (*[]byte)(&e.Detail)); err != nil {
				return fmt.Errorf("state: order timeline of %s/%s: %s: %w", store, shopOrderID, what, err)
			}
			got = append(got, e)
		}
		slices.Reverse(got) // oldest first, in the order written
		out = append(out, got...)
		return rows.Err()
	}
	err := read("events", `SELECT id, at, kind, 'hub', message, detail FROM order_events
WHERE store = ? AND shop_order_id = ? ORDER BY id DESC LIMIT ?`, store, shopOrderID, limit)
	if err != nil {
		return nil, err
	}
	err = read("audit", `SELECT id, at, action, actor, '', detail FROM audit_events
WHERE subject = ? ORDER BY id DESC LIMIT ?`, store+"/order/"+shopOrderID, limit)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}
