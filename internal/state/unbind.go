package state

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Unbind forgets the shop id of store's (kind, sku) item when it is still
// shopID, because the shop said the item is gone, and makes the item and
// the items of the same SKU (its price and stock) due again unacknowledged:
// the next push creates the item anew (or binds it by SKU), then its price
// and stock. It reports whether the item was unbound (false when its id
// had changed meanwhile).
func (db *DB) Unbind(ctx context.Context, store, kind, sku, shopID string) (unbound bool, err error) {
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		now := db.tv(db.now())
		res, err := tx.ExecContext(ctx, db.q(`UPDATE store_items SET shop_id = '', acked_hash = NULL, attempts = 0,
	last_error = '', next_attempt_at = ?, updated_at = ?
WHERE store = ? AND kind = ? AND sku = ? AND shop_id = ? AND shop_id <> ''`), now, now, store, kind, sku, shopID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		unbound = true
		// A price or stock item keeps the id of the product it was pushed to.
		_, err = tx.ExecContext(ctx, db.q(`UPDATE store_items SET shop_id = '', acked_hash = NULL, attempts = 0, next_attempt_at = ?, updated_at = ?
WHERE store = ? AND sku = ? AND kind IN ('price', 'stock')`), now, now, store, sku)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("state: unbind %s/%s/%s: %w", store, kind, sku, err)
	}
	return unbound, nil
}
