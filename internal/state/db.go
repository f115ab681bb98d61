// Package state is the hub's own database: the mirror of ERP records, the
// per-store desired and acknowledged state, the order inbox, cursors,
// stock reservations and the audit log. It runs on SQLite (the embedded
// default, one instance) or PostgreSQL (one or more instances).
//
// It is called state, not store, because in this project a store is a shop.
//
// Every table lives in one [DB]. Methods that write as part of a larger unit
// of work take a [sqlx.ExtContext]: pass the *sqlx.Tx given by [DB.InTx] to
// compose them into one transaction, or nil to run on the pool on their own.
// All times are stored and returned in UTC with microsecond precision.
//
// Inside InTx, pass the transaction to every method that writes: on SQLite
// the transaction holds the database's one write lock, so a write given nil
// there waits for it and fails with SQLITE_BUSY after the busy timeout.
package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	// Database drivers: pgx registers "pgx", modernc registers "sqlite".
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite"
)

// Driver names accepted by Open and returned by DB.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// ErrNotFound is returned (wrapped) when a row addressed by its key does not
// exist. Test for it with errors.Is.
var ErrNotFound = errors.New("state: not found")

// DB is the hub's state database. It is safe for concurrent use.
type DB struct {
	x          *sqlx.DB
	driver     string
	logger     *slog.Logger
	now        func() time.Time
	migrations []migration
}

// Open opens the state database and checks that it answers. It does not
// migrate; call Migrate.
//
// For driver "sqlite" dsn is a file path; its parent directory is created.
// Every pooled connection runs in WAL mode with busy_timeout 5000 ms, foreign
// keys on, synchronous NORMAL and temporary storage in memory, and every
// transaction begins IMMEDIATE, so concurrent writers queue on the lock
// instead of failing with SQLITE_BUSY.
// SQLite is for one erpbridge instance.
//
// For driver "postgres" dsn is a libpq URL or key=value string. Errors never
// contain the DSN or its password.
func Open(ctx context.Context, driver, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		x   *sqlx.DB
		err error
	)
	switch driver {
	case DriverSQLite:
		x, err = openSQLite(dsn)
	case DriverPostgres:
		x, err = openPostgres(dsn)
	default:
		return nil, fmt.Errorf("state: unknown driver %q (want %q or %q)", driver, DriverSQLite, DriverPostgres)
	}
	if err != nil {
		return nil, err
	}
	migs, err := loadMigrations(driver)
	if err != nil {
		x.Close()
		return nil, err
	}
	db := &DB{x: x, driver: driver, logger: logger, now: time.Now, migrations: migs}
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, redact(fmt.Errorf("state: connect to %s: %w", driver, err), dsn)
	}
	logger.Debug("state database open", slog.String("driver", driver))
	return db, nil
}

func openSQLite(path string) (*sqlx.DB, error) {
	switch {
	case path == "":
		return nil, errors.New("state: sqlite: empty database path")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, errors.New("state: sqlite: the DSN must be a plain file path (no \":memory:\", no \"file:\" URI)")
	case strings.ContainsRune(path, '?'):
		return nil, errors.New("state: sqlite: the database path must not contain '?'")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("state: sqlite: create directory for the database: %w", err)
		}
	}
	// Order payloads hold customers' personal data: create the file for the
	// owner only (SQLite gives its -wal and -shm files the same mode).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state: sqlite: open database file: %w", err)
	}
	f.Close()
	q := url.Values{}
	// busy_timeout is applied first by the driver, so the others wait for
	// locks instead of failing.
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals (each multi-row write keeps one) stay in memory:
	// they are small, and on disk they doubled a snapshot's writes.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	x, err := sqlx.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("state: sqlite: %w", err)
	}
	// WAL lets readers run beside the one writer; writers serialise on
	// BEGIN IMMEDIATE under busy_timeout. A few connections are enough for a
	// single instance and keep a streaming read from starving writers.
	x.SetMaxOpenConns(8)
	x.SetMaxIdleConns(8)
	x.SetConnMaxIdleTime(10 * time.Minute)
	return x, nil
}

func openPostgres(dsn string) (*sqlx.DB, error) {
	if dsn == "" {
		return nil, errors.New("state: postgres: empty DSN")
	}
	x, err := sqlx.Open("pgx", dsn)
	if err != nil {
		return nil, redact(fmt.Errorf("state: postgres: %w", err), dsn)
	}
	x.SetMaxOpenConns(20)
	x.SetMaxIdleConns(10)
	x.SetConnMaxLifetime(30 * time.Minute)
	x.SetConnMaxIdleTime(5 * time.Minute)
	return x, nil
}

// Close closes the pool. Streams and transactions still open fail afterwards.
func (db *DB) Close() error {
	if err := db.x.Close(); err != nil {
		return fmt.Errorf("state: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers; for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.x.PingContext(ctx); err != nil {
		return fmt.Errorf("state: ping %s: %w", db.driver, err)
	}
	return nil
}

// Driver returns DriverSQLite or DriverPostgres.
func (db *DB) Driver() string { return db.driver }

// SetClock replaces the clock the database uses for the times it sets itself
// (updated_at, first_seen, the due time of changed items...). Call it before
// the DB is used concurrently; it is for tests and simulations that run on a
// fake clock and pass the same clock's now to Dirty and ClaimOrders. A nil
// now restores time.Now.
func (db *DB) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	db.now = now
}

// SQLX returns the underlying pool, for callers that pass it as the
// sqlx.ExtContext of a method or run their own queries.
func (db *DB) SQLX() *sqlx.DB { return db.x }

// InTx runs fn in one transaction and commits when fn returns nil. It rolls
// back when fn returns an error (returned unchanged) or panics (the panic is
// re-raised after the rollback). On SQLite the transaction takes the write
// lock at once (BEGIN IMMEDIATE).
func (db *DB) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state: begin transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// fn panicked; leave the connection clean and re-raise.
			_ = tx.Rollback()
		}
	}()
	ferr := fn(tx)
	done = true
	if ferr != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			db.logger.Warn("state: rollback failed", slog.String("error", rerr.Error()))
		}
		return ferr
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	return nil
}

// ext returns x, or the pool when x is nil.
func (db *DB) ext(x sqlx.ExtContext) sqlx.ExtContext {
	if x == nil {
		return db.x
	}
	return x
}

// q rewrites a query written with ? placeholders for the driver.
func (db *DB) q(query string) string { return db.x.Rebind(query) }

// timeLayout is how SQLite stores times: UTC, fixed width, so that text
// order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// normTime is how every time is stored: UTC, microseconds (PostgreSQL's
// precision).
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tv returns t as a query argument.
func (db *DB) tv(t time.Time) any {
	t = normTime(t)
	if db.driver == DriverSQLite {
		return t.Format(timeLayout)
	}
	return t
}

// ntv is tv with the zero time as NULL.
func (db *DB) ntv(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.tv(t)
}

// timeDest scans a stored time (NULL as the zero time) into *t, in UTC.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("state: cannot scan %T as a time", src)
	}
	return nil
}

func (d timeDest) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("state: stored time %q: %w", s, err)
	}
	*d.t = t.UTC()
	return nil
}

// jsonArg validates a JSON payload and returns it as a text argument; an
// empty payload becomes def.
func jsonArg(what string, b []byte, def string) (string, error) {
	if len(b) == 0 {
		return def, nil
	}
	if !json.Valid(b) {
		return "", fmt.Errorf("state: %s is not valid JSON", what)
	}
	return string(b), nil
}

// redact removes the DSN, the DSN with its password masked (as drivers
// quote it) and the password itself from err's message.
func redact(err error, dsn string) error {
	if err == nil || dsn == "" {
		return err
	}
	pws := dsnPasswords(dsn)
	masked := dsn
	for _, pw := range pws {
		masked = strings.ReplaceAll(masked, pw, "xxxxx")
	}
	msg := err.Error()
	clean := strings.ReplaceAll(msg, dsn, "[dsn hidden]")
	clean = strings.ReplaceAll(clean, masked, "[dsn hidden]")
	for _, pw := range pws {
		clean = strings.ReplaceAll(clean, pw, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// dsnPasswords returns the password of a URL or key=value DSN in the forms
// it may appear in, longest first; none when there is none.
func dsnPasswords(dsn string) []string {
	var pws []string
	add := func(pw string) {
		if pw != "" {
			pws = append(pws, pw)
			if un, err := url.PathUnescape(pw); err == nil && un != pw {
				pws = append(pws, un)
			}
		}
	}
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		// Parsed by hand: url.Parse rejects some DSNs (a bad port) that a
		// driver still quotes in its error.
		authority := rest
		if i := strings.IndexAny(authority, "/?#"); i >= 0 {
			authority = authority[:i]
		}
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(authority[:at], ":"); ok {
				add(pw)
			}
		}
		if _, query, ok := strings.Cut(rest, "?"); ok {
			if q, err := url.ParseQuery(query); err == nil {
				add(q.Get("password"))
			}
		}
	} else {
		rest := dsn
		for {
			i := strings.Index(rest, "password=")
			if i < 0 {
				break
			}
			rest = rest[i+len("password="):]
			var v string
			if q, ok := strings.CutPrefix(rest, "'"); ok {
				// Quoted: up to the next quote not escaped by a backslash.
				end := len(q)
				for j := 0; j < len(q); j++ {
					if q[j] == '\\' {
						j++
						continue
					}
					if q[j] == '\'' {
						end = j
						break
					}
				}
				v = q[:end]
			} else if end := strings.IndexAny(rest, " \t\n"); end >= 0 {
				v = rest[:end]
			} else {
				v = rest
			}
			add(v)
		}
	}
	sort.Slice(pws, func(i, j int) bool { return len(pws[i]) > len(pws[j]) })
	return pws
}

// redactedError carries a message with secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return errors.Unwrap(e.err) }
