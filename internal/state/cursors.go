package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Cursor returns the value of the named cursor (an ERP watermark, an order
// poll position) and whether it was ever set.
func (db *DB) Cursor(ctx context.Context, name string) (value string, ok bool, err error) {
	err = db.x.QueryRowContext(ctx, db.q(`SELECT value FROM cursors WHERE name = ?`), name).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("state: cursor %s: %w", name, err)
	}
	return value, true, nil
}

// SetCursor sets the named cursor to value. Set it in the same transaction as
// the work it covers, so that a crash repeats the work rather than skipping
// it. x is a transaction from InTx or nil for the pool.
func (db *DB) SetCursor(ctx context.Context, x sqlx.ExtContext, name, value string) error {
	if name == "" {
		return errors.New("state: set cursor: empty name")
	}
	_, err := db.ext(x).ExecContext(ctx, db.q(`INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		name, value, db.tv(db.now()))
	if err != nil {
		return fmt.Errorf("state: set cursor %s: %w", name, err)
	}
	return nil
}
