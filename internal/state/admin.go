package state

import (
	"context"
	"fmt"
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
