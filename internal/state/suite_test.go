package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const postgresEnv = "ERPBRIDGE_TEST_POSTGRES"

// opener returns a fresh, empty, unmigrated database for one test.
type opener func(t testing.TB) *DB

func TestSQLite(t *testing.T) {
	t.Parallel()
	runSuite(t, openTestSQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the state suite on PostgreSQL", postgresEnv)
	}
	runSuite(t, postgresOpener(dsn))
}

// runSuite runs every test of the package's behaviour on one engine.
func runSuite(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"Migrate", testMigrate},
		{"MigrateEdited", testMigrateEdited},
		{"MigrateNewer", testMigrateNewer},
		{"MigrateConcurrent", testMigrateConcurrent},
		{"InTx", testInTx},
		{"Mirror", testMirror},
		{"MirrorStreamStops", testMirrorStreamStops},
		{"MirrorLookups", testMirrorLookups},
		{"TidyMirror", testTidyMirror},
		{"SetDesiredChunks", testSetDesiredChunks},
		{"StoreItems", testStoreItems},
		{"AckStaleHash", testAckStaleHash},
		{"StoreItemsParking", testStoreItemsParking},
		{"ItemOperatorActions", testItemOperatorActions},
		{"StoreItemsByKind", testStoreItemsByKind},
		{"Inbox", testInbox},
		{"InboxDeliveries", testInboxDeliveries},
		{"InsertOrderConcurrent", testInsertOrderConcurrent},
		{"ClaimOrders", testClaimOrders},
		{"ClaimOrdersConcurrent", testClaimOrdersConcurrent},
		{"InboxUpdate", testInboxUpdate},
		{"Cursors", testCursors},
		{"Reservations", testReservations},
		{"Audit", testAudit},
		{"ListItems", testListItems},
		{"SetOrderStateFrom", testSetOrderStateFrom},
		{"TimesUTC", testTimesUTC},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openTestSQLite(t testing.TB) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	db, err := Open(t.Context(), DriverSQLite, path, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresOpener gives each test its own schema, dropped afterwards.
func postgresOpener(base string) opener {
	return func(t testing.TB) *DB {
		t.Helper()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatalf("open admin connection: %v", err)
		}
		t.Cleanup(func() { admin.Close() })
		b := make([]byte, 6)
		rand.Read(b)
		schema := "erpbridge_state_test_" + hex.EncodeToString(b)
		if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
		db, err := Open(t.Context(), DriverPostgres, withSearchPath(t, base, schema), testLogger(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		// Parallel tests share the server's connection limit.
		db.SQLX().SetMaxOpenConns(6)
		t.Cleanup(func() { db.Close() })
		return db
	}
}

func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse %s: %v", postgresEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// migrated opens a fresh database and applies every migration.
func migrated(t testing.TB, open opener) *DB {
	t.Helper()
	db := open(t)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// clock is a settable clock for DB.now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// withClock makes db's clock start at a fixed time; call before any
// concurrent use of db.
func withClock(db *DB) *clock {
	c := &clock{t: time.Date(2026, 3, 29, 0, 30, 0, 123456000, time.UTC)}
	db.SetClock(c.Now)
	return c
}

func names(t testing.TB, db *DB) []string {
	t.Helper()
	var out []string
	for _, m := range db.migrations {
		out = append(out, m.name)
	}
	if len(out) == 0 {
		t.Fatal("no embedded migrations")
	}
	return out
}
