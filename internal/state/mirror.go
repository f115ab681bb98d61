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

// MirrorRecord is the hub's copy of one ERP record.
type MirrorRecord struct {
	// Kind is the record kind (catalog.Kind as a string).
	Kind string
	// Key identifies the record within its kind.
	Key string
	// Hash is the record's canonical hash (catalog.Hash).
	Hash string
	// Payload is the record as JSON.
	Payload json.RawMessage
	// FirstSeen is when the hub first stored the record; set by the database.
	FirstSeen time.Time
	// UpdatedAt is when the hash last changed; set by the database.
	UpdatedAt time.Time
	// SnapshotID names the ERP read that last changed the record.
	SnapshotID string
	// Parent is the SKU the record belongs to: a product's own SKU, a
	// variant's or image's product SKU, the SKU a price or stock level is
	// for; empty for other kinds. MirrorByParents finds records by it.
	Parent string
}

// UpsertMirror inserts records that are new and updates those whose hash
// differs from the stored one; records with an unchanged hash are not
// written. It returns how many were inserted or updated. x is a transaction
// from InTx or nil for the pool. Records are written upsertMirrorChunk to a
// statement; a key repeated in recs is applied in order, the last one wins.
func (db *DB) UpsertMirror(ctx context.Context, x sqlx.ExtContext, recs []MirrorRecord) (changed int, err error) {
	x = db.ext(x)
	now := db.tv(db.now())
	args := make([]any, 0, 8*min(len(recs), upsertMirrorChunk))
	// On SQLite the parent is set apart, and only where it differs: SQLite
	// rewrites the entry of every index on a column an UPDATE sets, changed
	// or not, and parents rarely change. PostgreSQL writes every index
	// entry of an updated row anyway (the hash is indexed).
	parentApart := db.driver == DriverSQLite
	setParent := ",\n\tparent = excluded.parent"
	var pargs []any
	if parentApart {
		setParent = ""
		pargs = make([]any, 0, 3*min(len(recs), upsertMirrorChunk))
	}
	inChunk := map[[2]string]bool{}
	n := 0 // records in args
	write := func() error {
		if n == 0 {
			return nil
		}
		query := db.q(`INSERT INTO mirror (kind, key, hash, payload, first_seen, updated_at, snapshot_id, parent)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)` + strings.Repeat(`, (?, ?, ?, ?, ?, ?, ?, ?)`, n-1) + `
ON CONFLICT (kind, key) DO UPDATE SET
	hash = excluded.hash,
	payload = excluded.payload,
	updated_at = excluded.updated_at,
	snapshot_id = excluded.snapshot_id` + setParent + `
WHERE mirror.hash <> excluded.hash`)
		res, err := x.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("state: upsert mirror %s/%s and %d more: %w", args[0], args[1], n-1, err)
		}
		c, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("state: upsert mirror %s/%s and %d more: %w", args[0], args[1], n-1, err)
		}
		changed += int(c)
		if parentApart {
			pargs = pargs[:0]
			for i := 0; i < len(args); i += 8 {
				pargs = append(pargs, args[i], args[i+1], args[i+7])
			}
			query = db.q(`WITH v (kind, key, parent) AS (VALUES (?, ?, ?)` + strings.Repeat(`, (?, ?, ?)`, n-1) + `)
UPDATE mirror SET parent = v.parent FROM v
WHERE mirror.kind = v.kind AND mirror.key = v.key AND mirror.parent <> v.parent`)
			if _, err := x.ExecContext(ctx, query, pargs...); err != nil {
				return fmt.Errorf("state: set mirror parents of %s/%s and %d more: %w", args[0], args[1], n-1, err)
			}
		}
		args, n = args[:0], 0
		clear(inChunk)
		return nil
	}
	for _, r := range recs {
		if r.Kind == "" || r.Key == "" || r.Hash == "" {
			return changed, fmt.Errorf("state: mirror record %q/%q: kind, key and hash are required", r.Kind, r.Key)
		}
		payload, err := jsonArg("mirror payload of "+r.Kind+"/"+r.Key, r.Payload, "null")
		if err != nil {
			return changed, err
		}
		// One statement must not name a row twice.
		k := [2]string{r.Kind, r.Key}
		if inChunk[k] || n == upsertMirrorChunk {
			if err := write(); err != nil {
				return changed, err
			}
		}
		inChunk[k] = true
		args = append(args, r.Kind, r.Key, r.Hash, payload, now, now, r.SnapshotID, r.Parent)
		n++
	}
	return changed, write()
}

// upsertMirrorChunk is how many records one UpsertMirror statement writes
// (8 parameters each, far below SQLite's and PostgreSQL's limits).
const upsertMirrorChunk = 200

// mirrorCols are the columns scanMirror reads.
const mirrorCols = `kind, key, hash, payload, first_seen, updated_at, snapshot_id, parent`

func scanMirror(rows *sql.Rows) (MirrorRecord, error) {
	var r MirrorRecord
	err := rows.Scan(&r.Kind, &r.Key, &r.Hash, (*[]byte)(&r.Payload),
		timeDest{&r.FirstSeen}, timeDest{&r.UpdatedAt}, &r.SnapshotID, &r.Parent)
	return r, err
}

// StreamMirror calls fn for every mirror record of kind, in key order, one
// row at a time. It stops at the first error from fn and returns it.
func (db *DB) StreamMirror(ctx context.Context, kind string, fn func(MirrorRecord) error) error {
	rows, err := db.x.QueryContext(ctx, db.q(`SELECT `+mirrorCols+`
FROM mirror WHERE kind = ? ORDER BY key`), kind)
	if err != nil {
		return fmt.Errorf("state: stream mirror %s: %w", kind, err)
	}
	return eachMirror(rows, "stream mirror "+kind, fn)
}

func eachMirror(rows *sql.Rows, what string, fn func(MirrorRecord) error) error {
	defer rows.Close()
	for rows.Next() {
		r, err := scanMirror(rows)
		if err != nil {
			return fmt.Errorf("state: %s: %w", what, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("state: %s: %w", what, err)
	}
	return nil
}

// lookupChunk is how many values one IN list of MirrorByKeys,
// MirrorByParents and StoreItemsBySKU holds (below SQLite's and
// PostgreSQL's parameter limits).
const lookupChunk = 500

// MirrorByKeys calls fn for the mirror records of kind with the given keys
// (keys that do not exist are skipped), in no particular order. It stops at
// the first error from fn and returns it.
func (db *DB) MirrorByKeys(ctx context.Context, kind string, keys []string, fn func(MirrorRecord) error) error {
	return db.mirrorIn(ctx, kind, "key", keys, fn)
}

// MirrorByParents calls fn for the mirror records of kind whose Parent is
// one of parents, in no particular order. It stops at the first error from
// fn and returns it.
func (db *DB) MirrorByParents(ctx context.Context, kind string, parents []string, fn func(MirrorRecord) error) error {
	return db.mirrorIn(ctx, kind, "parent", parents, fn)
}

// mirrorIn reads the records of kind whose column (key or parent, never
// caller input) is in vals, chunk by chunk. There is no ORDER BY: sorting
// by key would make SQLite walk the whole kind in primary key order instead
// of looking the values up in the mirror_parent index.
func (db *DB) mirrorIn(ctx context.Context, kind, column string, vals []string, fn func(MirrorRecord) error) error {
	for i := 0; i < len(vals); i += lookupChunk {
		chunk := vals[i:min(i+lookupChunk, len(vals))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, kind)
		for _, v := range chunk {
			args = append(args, v)
		}
		query := db.q(`SELECT ` + mirrorCols + ` FROM mirror WHERE kind = ? AND ` + column + ` IN (?` +
			strings.Repeat(", ?", len(chunk)-1) + `)`)
		rows, err := db.x.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("state: mirror %s by %s: %w", kind, column, err)
		}
		if err := eachMirror(rows, "mirror "+kind+" by "+column, fn); err != nil {
			return err
		}
	}
	return nil
}

// MirrorHashes calls fn with the key and hash of every mirror record of
// kind, in bytewise key order (the order Go compares strings in, whatever
// the database's collation), without loading payloads; for comparing a full
// ERP snapshot with the mirror. The covering index of migration 0005 makes
// it an index-only scan. It stops at the first error from fn and returns
// it.
func (db *DB) MirrorHashes(ctx context.Context, kind string, fn func(key, hash string) error) error {
	order := `key`
	if db.driver == DriverPostgres {
		order = `key COLLATE "C"`
	}
	rows, err := db.x.QueryContext(ctx, db.q(`SELECT key, hash FROM mirror WHERE kind = ? ORDER BY `+order), kind)
	if err != nil {
		return fmt.Errorf("state: mirror hashes %s: %w", kind, err)
	}
	defer rows.Close()
	var key, hash string
	for rows.Next() {
		if err := rows.Scan(&key, &hash); err != nil {
			return fmt.Errorf("state: mirror hashes %s: %w", kind, err)
		}
		if err := fn(key, hash); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("state: mirror hashes %s: %w", kind, err)
	}
	return nil
}

// DeleteMirror deletes the records of kind with the given keys and returns
// how many existed. x is a transaction from InTx or nil for the pool.
func (db *DB) DeleteMirror(ctx context.Context, x sqlx.ExtContext, kind string, keys []string) (deleted int, err error) {
	x = db.ext(x)
	for i := 0; i < len(keys); i += lookupChunk {
		chunk := keys[i:min(i+lookupChunk, len(keys))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, kind)
		for _, k := range chunk {
			args = append(args, k)
		}
		res, err := x.ExecContext(ctx, db.q(`DELETE FROM mirror WHERE kind = ? AND key IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return deleted, fmt.Errorf("state: delete mirror %s/%s and %d more: %w", kind, chunk[0], len(chunk)-1, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, fmt.Errorf("state: delete mirror %s/%s and %d more: %w", kind, chunk[0], len(chunk)-1, err)
		}
		deleted += int(n)
	}
	return deleted, nil
}

// CountMirror returns how many mirror records of kind there are.
func (db *DB) CountMirror(ctx context.Context, kind string) (int, error) {
	var n int
	if err := db.x.GetContext(ctx, &n, db.q(`SELECT count(*) FROM mirror WHERE kind = ?`), kind); err != nil {
		return 0, fmt.Errorf("state: count mirror %s: %w", kind, err)
	}
	return n, nil
}

// TidyMirror brings the database's statistics and visibility map of the
// mirror up to date after a write of a large share of it. On PostgreSQL it
// runs VACUUM (ANALYZE): right after a first read the planner, still
// believing the table small, sorted each kind on disk for MirrorHashes
// instead of scanning its covering index, and an index-only scan needs the
// visibility map. SQLite needs nothing. It must not run inside InTx.
func (db *DB) TidyMirror(ctx context.Context) error {
	if db.driver != DriverPostgres {
		return nil
	}
	if _, err := db.x.ExecContext(ctx, `VACUUM (ANALYZE) mirror`); err != nil {
		return fmt.Errorf("state: vacuum mirror: %w", err)
	}
	return nil
}
