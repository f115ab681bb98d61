package state

import "context"

// ParkItem parks an item on an operator's decision, whatever its desired
// hash: it is not pushed until retried (Unpark) or until its desired record
// changes, as with a park by the pusher. It returns an error wrapping
// ErrNotFound when the item does not exist.
func (db *DB) ParkItem(ctx context.Context, store, kind, sku, reason string) error {
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET
	parked = TRUE, parked_reason = ?, updated_at = ?
WHERE store = ? AND kind = ? AND sku = ?`), reason, db.tv(db.now()), store, kind, sku)
	return db.oneRow(res, err, "park "+store+"/"+kind+"/"+sku)
}

// SkipItem takes the item's desired record as acknowledged without pushing
// it: the shop keeps what it has, and the item is in step until its desired
// record changes again. Parking, attempts and the last error are cleared. It
// returns an error wrapping ErrNotFound when the item does not exist.
func (db *DB) SkipItem(ctx context.Context, store, kind, sku string) error {
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET
	acked_hash = desired_hash, parked = FALSE, parked_reason = '', attempts = 0, last_error = '', updated_at = ?
WHERE store = ? AND kind = ? AND sku = ?`), db.tv(db.now()), store, kind, sku)
	return db.oneRow(res, err, "skip "+store+"/"+kind+"/"+sku)
}
