package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// DesiredItem is the state one store should show for one item, as derived
// from the mirror and the store's rules.
type DesiredItem struct {
	Store string
	Kind  string
	SKU   string
	// Hash is the canonical hash of Payload.
	Hash string
	// Payload is the store document as JSON.
	Payload json.RawMessage
}

// StoreItem is one (store, kind, sku) row: what the store should show and
// what it last acknowledged.
type StoreItem struct {
	Store string
	Kind  string
	SKU   string
	// ShopID is the shop's id for the item, "" until an Ack supplies it.
	ShopID         string
	DesiredHash    string
	DesiredPayload json.RawMessage
	// AckedHash is the hash the shop last acknowledged, "" if never.
	AckedHash string
	// Attempts counts failed pushes of the current desired state.
	Attempts int
	// NextAttemptAt is when the item may be pushed next.
	NextAttemptAt time.Time
	LastError     string
	// Parked items are not pushed until unparked or their desired hash
	// changes.
	Parked       bool
	ParkedReason string
	UpdatedAt    time.Time
}

// Dirty reports whether the store does not yet show the desired state.
func (it StoreItem) Dirty() bool { return it.AckedHash != it.DesiredHash }

// ItemCounts counts one store's items by state. Total is InSync + Dirty +
// Parked; Failing is the part of Dirty that failed at least once.
type ItemCounts struct {
	Total   int
	InSync  int
	Dirty   int
	Failing int
	Parked  int
}

const storeItemCols = `store, kind, sku, shop_id, desired_hash, desired_payload, acked_hash,
	attempts, next_attempt_at, last_error, parked, parked_reason, updated_at`

func scanStoreItem(sc interface{ Scan(...any) error }) (StoreItem, error) {
	var (
		it    StoreItem
		acked sql.NullString
	)
	err := sc.Scan(&it.Store, &it.Kind, &it.SKU, &it.ShopID, &it.DesiredHash, (*[]byte)(&it.DesiredPayload), &acked,
		&it.Attempts, timeDest{&it.NextAttemptAt}, &it.LastError, &it.Parked, &it.ParkedReason, timeDest{&it.UpdatedAt})
	it.AckedHash = acked.String
	return it, err
}

// SetDesired records the desired state of items. A new item, or one whose
// desired hash changed, becomes due at once: its attempts, last error and
// parking are cleared (a fix in the ERP data retries a parked item). The
// acknowledged hash is never touched, so an item whose desired hash returns
// to the acknowledged one is clean again. Items whose desired hash did not
// change are not written. It returns how many items were inserted or
// changed. x is a transaction from InTx or nil for the pool.
func (db *DB) SetDesired(ctx context.Context, x sqlx.ExtContext, items []DesiredItem) (dirtied int, err error) {
	x = db.ext(x)
	now := db.tv(db.now())
	type row struct {
		it      DesiredItem
		payload string
	}
	// Several rows per statement: one round trip and one statement per
	// chunk instead of per item. A statement must not name a row twice, so
	// an item whose key is already in the chunk starts the next one, and
	// items are applied in order as one statement each would.
	var chunks [][]row
	var cur []row
	inCur := map[[3]string]bool{}
	for _, it := range items {
		if it.Store == "" || it.Kind == "" || it.SKU == "" || it.Hash == "" {
			return dirtied, fmt.Errorf("state: desired item %q/%q/%q: store, kind, sku and hash are required", it.Store, it.Kind, it.SKU)
		}
		payload, err := jsonArg("desired payload of "+it.Store+"/"+it.Kind+"/"+it.SKU, it.Payload, "null")
		if err != nil {
			return dirtied, err
		}
		k := [3]string{it.Store, it.Kind, it.SKU}
		if inCur[k] || len(cur) == setDesiredChunk {
			chunks, cur = append(chunks, cur), nil
			clear(inCur)
		}
		inCur[k] = true
		cur = append(cur, row{it, payload})
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	for _, chunk := range chunks {
		args := make([]any, 0, 7*len(chunk))
		for _, r := range chunk {
			args = append(args, r.it.Store, r.it.Kind, r.it.SKU, r.it.Hash, r.payload, now, now)
		}
		query := db.q(`INSERT INTO store_items (store, kind, sku, desired_hash, desired_payload, next_attempt_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)` + strings.Repeat(`, (?, ?, ?, ?, ?, ?, ?)`, len(chunk)-1) + `
ON CONFLICT (store, kind, sku) DO UPDATE SET
	desired_hash = excluded.desired_hash,
	desired_payload = excluded.desired_payload,
	attempts = 0,
	next_attempt_at = excluded.next_attempt_at,
	last_error = '',
	parked = FALSE,
	parked_reason = '',
	updated_at = excluded.updated_at
WHERE store_items.desired_hash <> excluded.desired_hash`)
		first := chunk[0].it
		res, err := x.ExecContext(ctx, query, args...)
		if err != nil {
			return dirtied, fmt.Errorf("state: set desired %s/%s/%s and %d more: %w", first.Store, first.Kind, first.SKU, len(chunk)-1, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return dirtied, fmt.Errorf("state: set desired %s/%s/%s and %d more: %w", first.Store, first.Kind, first.SKU, len(chunk)-1, err)
		}
		dirtied += int(n)
	}
	return dirtied, nil
}

// setDesiredChunk is how many items one SetDesired statement writes (7
// parameters each, far below SQLite's and PostgreSQL's limits).
const setDesiredChunk = 200

// Dirty returns up to limit items of store that are due for a push: desired
// hash differs from the acknowledged one (or none was acknowledged), not
// parked, and next attempt at or before now; oldest due first, then by kind
// and SKU.
func (db *DB) Dirty(ctx context.Context, store string, limit int, now time.Time) ([]StoreItem, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("state: dirty items of %s: limit must be positive, got %d", store, limit)
	}
	rows, err := db.x.QueryContext(ctx, db.q(`SELECT `+storeItemCols+` FROM store_items
WHERE store = ? AND parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash) AND next_attempt_at <= ?
ORDER BY next_attempt_at, kind, sku
LIMIT ?`), store, db.tv(now), limit)
	if err != nil {
		return nil, fmt.Errorf("state: dirty items of %s: %w", store, err)
	}
	return collectStoreItems(rows, "dirty items of "+store)
}

// DirtyKind is Dirty for one kind of item, so a worker can push categories
// before products, products before variants, and prices and stock last.
func (db *DB) DirtyKind(ctx context.Context, store, kind string, limit int, now time.Time) ([]StoreItem, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("state: dirty %s items of %s: limit must be positive, got %d", kind, store, limit)
	}
	rows, err := db.x.QueryContext(ctx, db.q(`SELECT `+storeItemCols+` FROM store_items
WHERE store = ? AND kind = ? AND parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash) AND next_attempt_at <= ?
ORDER BY next_attempt_at, sku
LIMIT ?`), store, kind, db.tv(now), limit)
	if err != nil {
		return nil, fmt.Errorf("state: dirty %s items of %s: %w", kind, store, err)
	}
	return collectStoreItems(rows, "dirty "+kind+" items of "+store)
}

// StreamStoreItems calls fn for every item of store, by kind and SKU, one row
// at a time. An error from fn stops the walk and is returned.
func (db *DB) StreamStoreItems(ctx context.Context, store string, fn func(StoreItem) error) error {
	rows, err := db.x.QueryContext(ctx, db.q(`SELECT `+storeItemCols+` FROM store_items
WHERE store = ? ORDER BY kind, sku`), store)
	if err != nil {
		return fmt.Errorf("state: items of %s: %w", store, err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanStoreItem(rows)
		if err != nil {
			return fmt.Errorf("state: items of %s: %w", store, err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("state: items of %s: %w", store, err)
	}
	return nil
}

// ResetAcked forgets what store acknowledged, so every item is pushed again
// (a full reconcile that repairs drift made in the shop). Shop ids and
// parking stay. It returns how many items became dirty.
func (db *DB) ResetAcked(ctx context.Context, store string) (int, error) {
	now := db.tv(db.now())
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET acked_hash = NULL, attempts = 0, next_attempt_at = ?, updated_at = ?
WHERE store = ? AND acked_hash IS NOT NULL`), now, now, store)
	if err != nil {
		return 0, fmt.Errorf("state: reset acknowledged of %s: %w", store, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("state: reset acknowledged of %s: %w", store, err)
	}
	return int(n), nil
}

// Bind records the shop's id for an item found already in the shop, so the
// first push updates it instead of creating a duplicate. An item that has a
// shop id keeps it. It reports whether the item was bound.
func (db *DB) Bind(ctx context.Context, store, kind, sku, shopID string) (bool, error) {
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET shop_id = ?, updated_at = ?
WHERE store = ? AND kind = ? AND sku = ? AND shop_id = ''`), shopID, db.tv(db.now()), store, kind, sku)
	if err != nil {
		return false, fmt.Errorf("state: bind %s/%s/%s: %w", store, kind, sku, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("state: bind %s/%s/%s: %w", store, kind, sku, err)
	}
	return n == 1, nil
}

// ParkedItems returns up to limit parked items of store, by kind and SKU.
func (db *DB) ParkedItems(ctx context.Context, store string, limit int) ([]StoreItem, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("state: parked items of %s: limit must be positive, got %d", store, limit)
	}
	rows, err := db.x.QueryContext(ctx, db.q(`SELECT `+storeItemCols+` FROM store_items
WHERE store = ? AND parked = TRUE
ORDER BY kind, sku
LIMIT ?`), store, limit)
	if err != nil {
		return nil, fmt.Errorf("state: parked items of %s: %w", store, err)
	}
	return collectStoreItems(rows, "parked items of "+store)
}

func collectStoreItems(rows *sql.Rows, what string) ([]StoreItem, error) {
	defer rows.Close()
	var out []StoreItem
	for rows.Next() {
		it, err := scanStoreItem(rows)
		if err != nil {
			return nil, fmt.Errorf("state: %s: %w", what, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: %s: %w", what, err)
	}
	return out, nil
}

// GetStoreItem returns one item, or an error wrapping ErrNotFound.
func (db *DB) GetStoreItem(ctx context.Context, store, kind, sku string) (StoreItem, error) {
	row := db.x.QueryRowContext(ctx, db.q(`SELECT `+storeItemCols+` FROM store_items
WHERE store = ? AND kind = ? AND sku = ?`), store, kind, sku)
	it, err := scanStoreItem(row)
	if err == sql.ErrNoRows {
		return StoreItem{}, fmt.Errorf("state: store item %s/%s/%s: %w", store, kind, sku, ErrNotFound)
	}
	if err != nil {
		return StoreItem{}, fmt.Errorf("state: store item %s/%s/%s: %w", store, kind, sku, err)
	}
	return it, nil
}

// Ack records that the store accepted the push of hash, the desired hash the
// pushed document was built from (not the item's current one). If the
// desired hash moved on while the push was in flight the item stays dirty
// and is pushed again. A non-empty shopID replaces the stored one. The
// attempts and last error are cleared when hash is still the desired one.
// It returns an error wrapping ErrNotFound when the item does not exist.
func (db *DB) Ack(ctx context.Context, store, kind, sku, shopID, hash string) error {
	if hash == "" {
		return fmt.Errorf("state: ack %s/%s/%s: empty hash", store, kind, sku)
	}
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET
	acked_hash = ?,
	shop_id = CASE WHEN ? = '' THEN shop_id ELSE ? END,
	attempts = CASE WHEN desired_hash = ? THEN 0 ELSE attempts END,
	last_error = CASE WHEN desired_hash = ? THEN '' ELSE last_error END,
	updated_at = ?
WHERE store = ? AND kind = ? AND sku = ?`),
		hash, shopID, shopID, hash, hash, db.tv(db.now()), store, kind, sku)
	return db.oneRow(res, err, "ack "+store+"/"+kind+"/"+sku)
}

// Fail records a failed push of hash: attempts grow by one, errMsg is kept
// and the item waits until next. It does nothing when the desired hash has
// moved on since the push (the new state gets fresh attempts).
func (db *DB) Fail(ctx context.Context, store, kind, sku, hash, errMsg string, next time.Time) error {
	_, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET
	attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
WHERE store = ? AND kind = ? AND sku = ? AND desired_hash = ?`),
		errMsg, db.tv(next), db.tv(db.now()), store, kind, sku, hash)
	if err != nil {
		return fmt.Errorf("state: fail %s/%s/%s: %w", store, kind, sku, err)
	}
	return nil
}

// Park stops pushes of an item whose push of hash failed permanently (bad
// data), keeping reason for operators. It does nothing when the desired hash
// has moved on since the push. A parked item is pushed again after Unpark or
// when its desired hash changes.
func (db *DB) Park(ctx context.Context, store, kind, sku, hash, reason string) error {
	return db.ParkTx(ctx, nil, store, kind, sku, hash, reason)
}

// ParkTx is Park within x, a transaction from InTx (nil: the pool).
func (db *DB) ParkTx(ctx context.Context, x sqlx.ExtContext, store, kind, sku, hash, reason string) error {
	_, err := db.ext(x).ExecContext(ctx, db.q(`UPDATE store_items SET
	parked = TRUE, parked_reason = ?, last_error = ?, updated_at = ?
WHERE store = ? AND kind = ? AND sku = ? AND desired_hash = ?`),
		reason, reason, db.tv(db.now()), store, kind, sku, hash)
	if err != nil {
		return fmt.Errorf("state: park %s/%s/%s: %w", store, kind, sku, err)
	}
	return nil
}

// Unpark makes an item due at once: parking, attempts and last error are
// cleared. It returns an error wrapping ErrNotFound when the item does not
// exist.
func (db *DB) Unpark(ctx context.Context, store, kind, sku string) error {
	now := db.tv(db.now())
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET
	parked = FALSE, parked_reason = '', attempts = 0, last_error = '', next_attempt_at = ?, updated_at = ?
WHERE store = ? AND kind = ? AND sku = ?`), now, now, store, kind, sku)
	return db.oneRow(res, err, "unpark "+store+"/"+kind+"/"+sku)
}

// UnparkAll unparks every parked item of store, as Unpark does, and returns
// how many there were.
func (db *DB) UnparkAll(ctx context.Context, store string) (int, error) {
	now := db.tv(db.now())
	res, err := db.x.ExecContext(ctx, db.q(`UPDATE store_items SET
	parked = FALSE, parked_reason = '', attempts = 0, last_error = '', next_attempt_at = ?, updated_at = ?
WHERE store = ? AND parked = TRUE`), now, now, store)
	if err != nil {
		return 0, fmt.Errorf("state: unpark all of %s: %w", store, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("state: unpark all of %s: %w", store, err)
	}
	return int(n), nil
}

// StoreItemCounts counts the items of store by state.
func (db *DB) StoreItemCounts(ctx context.Context, store string) (ItemCounts, error) {
	var c ItemCounts
	err := db.x.QueryRowContext(ctx, db.q(`SELECT
	count(*),
	COALESCE(SUM(CASE WHEN parked = FALSE AND acked_hash = desired_hash THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash) THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash) AND attempts > 0 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN parked = TRUE THEN 1 ELSE 0 END), 0)
FROM store_items WHERE store = ?`), store).Scan(&c.Total, &c.InSync, &c.Dirty, &c.Failing, &c.Parked)
	if err != nil {
		return ItemCounts{}, fmt.Errorf("state: count items of %s: %w", store, err)
	}
	return c, nil
}

// oneRow turns the result of an UPDATE addressed by key into nil, a wrapped
// error, or ErrNotFound when no row matched.
func (db *DB) oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("state: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("state: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("state: %s: %w", what, ErrNotFound)
	}
	return nil
}

// ForgetStore deletes everything the hub knows about what store shows: its
// items and its cursors (names starting with prefixes, e.g. "bind.b2c"). The
// next run binds and pushes the store from scratch. For a shop that was
// replaced or emptied; the mirror and orders are untouched.
func (db *DB) ForgetStore(ctx context.Context, store string, cursors ...string) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM store_items WHERE store = ?`), store); err != nil {
			return fmt.Errorf("state: forget store %s: %w", store, err)
		}
		for _, c := range cursors {
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM cursors WHERE name = ?`), c); err != nil {
				return fmt.Errorf("state: forget store %s: %w", store, err)
			}
		}
		return nil
	})
}

// StoreItemsBySKU calls fn for every item of store of one of kinds whose
// SKU is one of skus, by SKU and kind. It reads what a projection compares
// with: the items' Store, Kind, SKU, ShopID, DesiredHash, DesiredPayload
// and AckedHash; the other fields are zero. It stops at the first error
// from fn and returns it.
func (db *DB) StoreItemsBySKU(ctx context.Context, store string, kinds, skus []string, fn func(StoreItem) error) error {
	return db.StoreItemsBySKUTx(ctx, nil, store, kinds, skus, fn)
}

// StoreItemsBySKUTx is StoreItemsBySKU within x, a transaction from InTx
// (nil: the pool). On SQLite the pages it reads stay in the transaction's
// connection's cache for the writes that follow.
func (db *DB) StoreItemsBySKUTx(ctx context.Context, x sqlx.ExtContext, store string, kinds, skus []string, fn func(StoreItem) error) error {
	x = db.ext(x)
	if len(kinds) == 0 {
		return nil
	}
	// PostgreSQL's key is (store, kind, sku): the kinds must be named for
	// it to find the rows. SQLite's (0006) is (store, sku, kind): one search
	// per SKU reads all its kinds from one page, so the kinds (+kind keeps
	// them out of the search) only filter, and the rows come in key order.
	kindCol := "kind"
	if db.driver == DriverSQLite {
		kindCol = "+kind"
	}
	for i := 0; i < len(skus); i += lookupChunk {
		chunk := skus[i:min(i+lookupChunk, len(skus))]
		args := make([]any, 0, len(chunk)+len(kinds)+1)
		args = append(args, store)
		for _, k := range kinds {
			args = append(args, k)
		}
		for _, s := range chunk {
			args = append(args, s)
		}
		rows, err := x.QueryContext(ctx, db.q(`SELECT kind, sku, shop_id, desired_hash, desired_payload, acked_hash FROM store_items
WHERE store = ? AND `+kindCol+` IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
AND sku IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY sku, kind`), args...)
		if err != nil {
			return fmt.Errorf("state: items of %s by SKU: %w", store, err)
		}
		items, err := collectItemHashes(rows, store)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectItemHashes reads the rows of StoreItemsBySKU.
func collectItemHashes(rows *sql.Rows, store string) ([]StoreItem, error) {
	defer rows.Close()
	var out []StoreItem
	for rows.Next() {
		it := StoreItem{Store: store}
		var acked sql.NullString
		if err := rows.Scan(&it.Kind, &it.SKU, &it.ShopID, &it.DesiredHash, (*[]byte)(&it.DesiredPayload), &acked); err != nil {
			return nil, fmt.Errorf("state: items of %s by SKU: %w", store, err)
		}
		it.AckedHash = acked.String
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: items of %s by SKU: %w", store, err)
	}
	return out, nil
}

// CountInShop counts the items of store of the given kinds that are in the
// shop: acknowledged at least once or bound to a shop id.
func (db *DB) CountInShop(ctx context.Context, store string, kinds []string) (int, error) {
	if len(kinds) == 0 {
		return 0, nil
	}
	args := []any{store}
	for _, k := range kinds {
		args = append(args, k)
	}
	var n int
	err := db.x.GetContext(ctx, &n, db.q(`SELECT count(*) FROM store_items
WHERE store = ? AND kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
AND ((acked_hash IS NOT NULL AND acked_hash <> '') OR shop_id <> '')`), args...)
	if err != nil {
		return 0, fmt.Errorf("state: count items in shop of %s: %w", store, err)
	}
	return n, nil
}

// itemsTxCacheKiB is the page cache InItemsTx gives a transaction on SQLite
// (the connection's default is 2 MB).
const itemsTxCacheKiB = 16384

// InItemsTx is InTx for a projection: many store items read and written in
// one transaction. On SQLite the transaction's connection has a 16 MB page
// cache until fn returns, so the item pages it reads are still cached when
// it writes them and its changes need not spill to the WAL before the
// commit; the connection's own size is restored afterwards.
func (db *DB) InItemsTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if db.driver != DriverSQLite {
		return db.InTx(ctx, fn)
	}
	return db.InTx(ctx, func(tx *sqlx.Tx) (err error) {
		var size int
		if err := tx.GetContext(ctx, &size, `PRAGMA cache_size`); err != nil {
			return fmt.Errorf("state: page cache size: %w", err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -itemsTxCacheKiB)); err != nil {
			return fmt.Errorf("state: page cache size: %w", err)
		}
		defer func() {
			if _, rerr := tx.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, size)); rerr != nil && err == nil {
				err = fmt.Errorf("state: restore page cache size: %w", rerr)
			}
		}()
		return fn(tx)
	})
}
