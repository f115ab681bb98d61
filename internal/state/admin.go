package state

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ItemState selects store items for ListItems.
type ItemState string

// The item states ListItems filters by.
const (
	// ItemDirty is every item not parked whose store does not show the
	// desired state yet (failing items included).
	ItemDirty ItemState = "dirty"
	// ItemFailing is the part of ItemDirty whose push failed at least once.
	ItemFailing ItemState = "failing"
	// ItemParked is every parked item.
	ItemParked ItemState = "parked"
)

// Valid reports whether s is one of the item states ("" is not).
func (s ItemState) Valid() bool {
	switch s {
	case ItemDirty, ItemFailing, ItemParked:
		return true
	}
	return false
}

// ItemFilter selects store items for ListItems. Empty fields match all.
type ItemFilter struct {
	Store string
	Kind  string
	SKU   string
	State ItemState
	// Limit caps the answer (default 100, at most MaxListLimit).
	Limit int
	// Offset skips that many matching items (the next page).
	Offset int
}

// ListItems returns the store items matching f, by store, kind and SKU.
func (db *DB) ListItems(ctx context.Context, f ItemFilter) ([]StoreItem, error) {
	if f.State != "" && !f.State.Valid() {
		return nil, fmt.Errorf("state: list items: unknown state %q", f.State)
	}
	if f.Offset < 0 {
		return nil, fmt.Errorf("state: list items: negative offset %d", f.Offset)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxListLimit)
	query := `SELECT ` + storeItemCols + ` FROM store_items WHERE 1 = 1`
	var args []any
	for _, c := range []struct{ col, v string }{{"store", f.Store}, {"kind", f.Kind}, {"sku", f.SKU}} {
		if c.v != "" {
			query += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	const dirty = ` AND parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash)`
	switch f.State {
	case ItemDirty:
		query += dirty
	case ItemFailing:
		query += dirty + ` AND attempts > 0`
	case ItemParked:
		query += ` AND parked = TRUE`
	}
	query += ` ORDER BY store, kind, sku LIMIT ? OFFSET ?`
	args = append(args, limit, f.Offset)
	rows, err := db.x.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("state: list items: %w", err)
	}
	return collectStoreItems(rows, "list items")
}

// LastInSync returns when an item of store last became in step with the
// store (the latest change time of its in-sync items: an acknowledged push,
// in practice), and false when no item of store is in sync.
func (db *DB) LastInSync(ctx context.Context, store string) (time.Time, bool, error) {
	var t time.Time
	err := db.x.QueryRowContext(ctx, db.q(`SELECT max(updated_at) FROM store_items
WHERE store = ? AND parked = FALSE AND acked_hash = desired_hash`), store).Scan(timeDest{&t})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("state: last in-sync time of %s: %w", store, err)
	}
	return t, !t.IsZero(), nil
}

// SetOrderStateFrom is SetOrderState done only while order id is in one of
// the states from, in one statement, so an operator's action cannot
// overwrite a state the importer set meanwhile. It returns false, with no
// change, when the order is in another state, and an error wrapping
// ErrNotFound for an unknown id.
func (db *DB) SetOrderStateFrom(ctx context.Context, id int64, from []OrderState, to OrderState, reason string, next time.Time) (bool, error) {
	if !to.Valid() {
		return false, fmt.Errorf("state: set order %d state: unknown state %q", id, to)
	}
	if len(from) == 0 {
		return false, fmt.Errorf("state: set order %d state: no states to move from", id)
	}
	query := `UPDATE inbox SET state = ?, reason = ?, next_attempt_at = COALESCE(?, next_attempt_at), updated_at = ?
WHERE id = ? AND state IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
	args := []any{string(to), reason, db.ntv(next), db.tv(db.now()), id}
	for _, s := range from {
		if !s.Valid() {
			return false, fmt.Errorf("state: set order %d state: unknown state %q", id, s)
		}
		args = append(args, string(s))
	}
	res, err := db.x.ExecContext(ctx, db.q(query), args...)
	if err != nil {
		return false, fmt.Errorf("state: set order %d state: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("state: set order %d state: %w", id, err)
	}
	if n == 1 {
		return true, nil
	}
	if _, err := db.GetOrder(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}
