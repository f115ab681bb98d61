package state

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"
)

// ReservationLine is the quantity of one SKU an accepted order takes from
// stock.
type ReservationLine struct {
	SKU      string
	Quantity decimal.Decimal
}

// Reserve records the stock taken by an accepted order of store, so that
// every store shows less until the ERP reflects the order. Lines with the
// same SKU are added up. It is idempotent: an order reserved before keeps
// its rows and their state (a released order is not reserved again).
// Quantities must be positive. x is a transaction from InTx or nil for the
// pool.
func (db *DB) Reserve(ctx context.Context, x sqlx.ExtContext, store, shopOrderID string, lines []ReservationLine) error {
	if store == "" || shopOrderID == "" {
		return fmt.Errorf("state: reserve %q/%q: store and shop order id are required", store, shopOrderID)
	}
	totals := map[string]decimal.Decimal{}
	var order []string
	for _, l := range lines {
		if l.SKU == "" {
			return fmt.Errorf("state: reserve %s/%s: line without SKU", store, shopOrderID)
		}
		if !l.Quantity.IsPositive() {
			return fmt.Errorf("state: reserve %s/%s: SKU %s: quantity must be positive, got %s", store, shopOrderID, l.SKU, l.Quantity)
		}
		if _, ok := totals[l.SKU]; !ok {
			order = append(order, l.SKU)
		}
		totals[l.SKU] = totals[l.SKU].Add(l.Quantity)
	}
	x = db.ext(x)
	query := db.q(`INSERT INTO reservations (store, shop_order_id, sku, quantity, state, created_at)
VALUES (?, ?, ?, ?, 'active', ?)
ON CONFLICT (store, shop_order_id, sku) DO NOTHING`)
	now := db.tv(db.now())
	for _, sku := range order {
		if _, err := x.ExecContext(ctx, query, store, shopOrderID, sku, totals[sku].String(), now); err != nil {
			return fmt.Errorf("state: reserve %s/%s SKU %s: %w", store, shopOrderID, sku, err)
		}
	}
	return nil
}

// Release ends the active reservations of an order of store (the ERP now
// reflects it, or it was cancelled). Releasing twice, or an order without
// reservations, does nothing. x is a transaction from InTx or nil for the
// pool.
func (db *DB) Release(ctx context.Context, x sqlx.ExtContext, store, shopOrderID string) error {
	_, err := db.ext(x).ExecContext(ctx, db.q(`UPDATE reservations SET state = 'released', released_at = ?
WHERE store = ? AND shop_order_id = ? AND state = 'active'`), db.tv(db.now()), store, shopOrderID)
	if err != nil {
		return fmt.Errorf("state: release %s/%s: %w", store, shopOrderID, err)
	}
	return nil
}

// ReservedBySKU returns, per SKU, the total quantity of active reservations
// across all stores. SKUs without any are absent. The sum is exact.
func (db *DB) ReservedBySKU(ctx context.Context) (map[string]decimal.Decimal, error) {
	// Quantities are read one row at a time and added in Go: SQLite stores
	// them as text and its SUM would go through floating point.
	rows, err := db.x.QueryContext(ctx, `SELECT sku, quantity FROM reservations WHERE state = 'active'`)
	if err != nil {
		return nil, fmt.Errorf("state: reserved by SKU: %w", err)
	}
	defer rows.Close()
	out := map[string]decimal.Decimal{}
	for rows.Next() {
		var (
			sku string
			q   decimal.Decimal
		)
		if err := rows.Scan(&sku, &q); err != nil {
			return nil, fmt.Errorf("state: reserved by SKU: %w", err)
		}
		out[sku] = out[sku].Add(q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: reserved by SKU: %w", err)
	}
	return out, nil
}
