package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
)

// NewOrder is one order for ReceiveOrders: the inbox row, when the shop last
// changed it (zero: unknown) and its webhook delivery and event ids.
type NewOrder struct {
	Order         InboxOrder
	ShopUpdatedAt time.Time
	Deliveries    []string
}

// MaxReceiveBatch is the most orders one ReceiveOrders call takes; it keeps
// a statement's parameters within every driver's limit.
const MaxReceiveBatch = 1000

// ReceiveOrders stores several orders on x (a transaction from InTx) with
// one multi-row insert per table: the orders whose (Store, ShopOrderID) the
// inbox does not have yet are created with their shop times and delivery
// ids. It returns, by position, the ID of each created order and 0 for each
// order the inbox already had; those are left unchanged and nothing of
// theirs is recorded (the caller handles them one by one with ReceiveOrder,
// RecordDelivery and UpdateOrderPayload). The keys must be distinct.
func (db *DB) ReceiveOrders(ctx context.Context, x sqlx.ExtContext, orders []NewOrder) ([]int64, error) {
	if len(orders) > MaxReceiveBatch {
		return nil, fmt.Errorf("state: receive %d orders: at most %d at once", len(orders), MaxReceiveBatch)
	}
	type key struct{ store, id string }
	pos := make(map[key]int, len(orders))
	now := db.now()
	var sb strings.Builder
	sb.WriteString(`INSERT INTO inbox
	(store, shop_order_id, state, payload, reason, attempts, next_attempt_at, erp_ref, received_at, updated_at)
VALUES `)
	args := make([]any, 0, 9*len(orders))
	for i, n := range orders {
		o := n.Order
		if o.Store == "" || o.ShopOrderID == "" {
			return nil, fmt.Errorf("state: receive order %q/%q: store and shop order id are required", o.Store, o.ShopOrderID)
		}
		k := key{o.Store, o.ShopOrderID}
		if _, dup := pos[k]; dup {
			return nil, fmt.Errorf("state: receive orders: %s/%s given twice", o.Store, o.ShopOrderID)
		}
		pos[k] = i
		if o.State == "" {
			o.State = OrderReceived
		}
		if !o.State.Valid() {
			return nil, fmt.Errorf("state: receive order %s/%s: unknown state %q", o.Store, o.ShopOrderID, o.State)
		}
		if o.ReceivedAt.IsZero() {
			o.ReceivedAt = now
		}
		if o.NextAttemptAt.IsZero() {
			o.NextAttemptAt = o.ReceivedAt
		}
		if o.Payload == nil {
			o.Payload = []byte{}
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?, 0, ?, ?, ?, ?)")
		args = append(args, o.Store, o.ShopOrderID, string(o.State), o.Payload, o.Reason, db.tv(o.NextAttemptAt),
			o.ERPRef, db.tv(o.ReceivedAt), db.tv(now))
	}
	ids := make([]int64, len(orders))
	if len(orders) == 0 {
		return ids, nil
	}
	sb.WriteString("\nON CONFLICT (store, shop_order_id) DO NOTHING\nRETURNING id, store, shop_order_id")
	rows, err := db.ext(x).QueryxContext(ctx, db.q(sb.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("state: receive %d orders: %w", len(orders), err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			k  key
		)
		if err := rows.Scan(&id, &k.store, &k.id); err != nil {
			return nil, fmt.Errorf("state: receive %d orders: %w", len(orders), err)
		}
		ids[pos[k]] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: receive %d orders: %w", len(orders), err)
	}
	rows.Close()

	var syncArgs, delArgs []any
	for i, n := range orders {
		if ids[i] == 0 {
			continue
		}
		syncArgs = append(syncArgs, n.Order.Store, n.Order.ShopOrderID, db.ntv(n.ShopUpdatedAt), db.tv(now))
		for _, d := range n.Deliveries {
			if d == "" {
				return nil, fmt.Errorf("state: receive order %s/%s: empty delivery id", n.Order.Store, n.Order.ShopOrderID)
			}
			delArgs = append(delArgs, n.Order.Store, d, ids[i], db.tv(now))
		}
	}
	if len(syncArgs) > 0 {
		q := `INSERT INTO order_sync (store, shop_order_id, shop_updated_at, status_sent, updated_at) VALUES ` +
			values("(?, ?, ?, '', ?)", len(syncArgs)/4) + `
ON CONFLICT (store, shop_order_id) DO NOTHING`
		if _, err := db.ext(x).ExecContext(ctx, db.q(q), syncArgs...); err != nil {
			return nil, fmt.Errorf("state: receive %d orders: record shop times: %w", len(orders), err)
		}
	}
	if len(delArgs) > 0 {
		// A delivery id seen before with another order changes nothing: the
		// order itself is new.
		q := `INSERT INTO inbox_deliveries (store, delivery_id, inbox_id, received_at) VALUES ` +
			values("(?, ?, ?, ?)", len(delArgs)/4) + `
ON CONFLICT (store, delivery_id) DO NOTHING`
		if _, err := db.ext(x).ExecContext(ctx, db.q(q), delArgs...); err != nil {
			return nil, fmt.Errorf("state: receive %d orders: record deliveries: %w", len(orders), err)
		}
	}
	return ids, nil
}

// values repeats tuple n times, comma separated.
func values(tuple string, n int) string {
	return strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
}

// InDurableTx is InTx for writes the caller confirms to someone else as
// stored (a webhook's 2xx). The pool's SQLite connections run WAL with
// synchronous NORMAL: a commit survives a crash of the process but may be
// lost with the machine's power. Here the commit is synced to disk
// (synchronous FULL, on a connection of its own), so it survives both; with
// many orders per transaction that is one sync per batch. The commit does
// not checkpoint the WAL either, so that a checkpoint's writes and syncs do
// not delay it: the caller runs Checkpoint beside it. On PostgreSQL every
// commit is durable and this is InTx.
func (db *DB) InDurableTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if db.driver != DriverSQLite {
		return db.InTx(ctx, fn)
	}
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return fmt.Errorf("state: durable transaction: %w", err)
	}
	defer conn.Close()
	// The levels cannot change inside a transaction, so they are set around
	// it and put back (SQLite's default autocheckpoint: 1000 pages) before
	// the connection returns to the pool.
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0`); err != nil {
		return fmt.Errorf("state: durable transaction: %w", err)
	}
	defer func() {
		// A failure here leaves one pooled connection syncing every commit:
		// slower, not wrong, and no reason to fail what was committed.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 1000`); err != nil {
			db.logger.Warn("state: restore synchronous NORMAL", slog.String("error", err.Error()))
		}
	}()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state: begin transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after a commit: sql.ErrTxDone
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	return nil
}

// Checkpoint copies the SQLite WAL into the database file as far as it can
// without waiting for readers or writers (a passive checkpoint), so that the
// WAL stays small while InDurableTx commits skip it. On PostgreSQL it does
// nothing.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.driver != DriverSQLite {
		return nil
	}
	var busy, frames, done int
	if err := db.x.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("state: checkpoint: %w", err)
	}
	return nil
}

// Conflict reports whether err is PostgreSQL's deadlock or serialization
// failure: the database rolled the transaction back to let another finish,
// and running it again is the fix.
func Conflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
