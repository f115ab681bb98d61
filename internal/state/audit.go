package state

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Event is one audit log entry: who did what to what.
type Event struct {
	// ID is assigned by the database.
	ID int64
	// At defaults to now.
	At time.Time
	// Actor is who acted: "cli", "api:<token name>", "scheduler"...
	Actor string
	// Action is what was done, e.g. "order.retry", "item.unpark".
	Action string
	// Subject is what it was done to, e.g. "b2c/order/1001".
	Subject string
	// Detail is JSON; empty means {}. It must not hold secrets.
	Detail json.RawMessage
}

// Audit appends e to the audit log. x is a transaction from InTx (to log a
// change together with it) or nil for the pool.
func (db *DB) Audit(ctx context.Context, x sqlx.ExtContext, e Event) error {
	if e.Actor == "" || e.Action == "" {
		return fmt.Errorf("state: audit %q by %q: actor and action are required", e.Action, e.Actor)
	}
	detail, err := jsonArg("audit detail of "+e.Action, e.Detail, "{}")
	if err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = db.now()
	}
	_, err = db.ext(x).ExecContext(ctx, db.q(`INSERT INTO audit_events (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`),
		db.tv(e.At), e.Actor, e.Action, e.Subject, detail)
	if err != nil {
		return fmt.Errorf("state: audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditEvents returns up to limit events (at most MaxListLimit), newest
// first; with beforeID > 0 only those older than that event (the next page).
func (db *DB) AuditEvents(ctx context.Context, limit int, beforeID int64) ([]Event, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("state: audit events: limit must be positive, got %d", limit)
	}
	limit = min(limit, MaxListLimit)
	query := `SELECT id, at, actor, action, subject, detail FROM audit_events`
	args := []any{}
	if beforeID > 0 {
		query += ` WHERE id < ?`
		args = append(args, beforeID)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.x.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("state: audit events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, timeDest{&e.At}, &e.Actor, &e.Action, &e.Subject, (*[]byte)(&e.Detail)); err != nil {
			return nil, fmt.Errorf("state: audit events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: audit events: %w", err)
	}
	return out, nil
}
