package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, driver, dsn, want string
	}{
		{"unknown driver", "mssql", "x", `unknown driver "mssql"`},
		{"empty sqlite path", DriverSQLite, "", "empty database path"},
		{"sqlite memory", DriverSQLite, ":memory:", "plain file path"},
		{"sqlite uri", DriverSQLite, "file:x.db", "plain file path"},
		{"sqlite query", DriverSQLite, "x.db?_pragma=foo", "must not contain '?'"},
		{"empty postgres dsn", DriverPostgres, "", "empty DSN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, err := Open(t.Context(), tc.driver, tc.dsn, nil)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q, %q) succeeded", tc.driver, tc.dsn)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open(%q, %q) = %v, want it to contain %q", tc.driver, tc.dsn, err, tc.want)
			}
		})
	}
}

func TestOpenPostgresErrorHidesPassword(t *testing.T) {
	t.Parallel()
	const pw = "s3cr3t-Pa55"
	for _, dsn := range []string{
		"postgres://erp:" + pw + "@127.0.0.1:1/test?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 user=erp password=" + pw + " dbname=test sslmode=disable connect_timeout=2",
		"postgres://erp:" + pw + "@127.0.0.1:notaport/test",
		"host=127.0.0.1 port=x user=erp password=" + pw,
		"postgres://erp@127.0.0.1:notaport/test?password=" + pw,
	} {
		db, err := Open(t.Context(), DriverPostgres, dsn, nil)
		if err == nil {
			db.Close()
			t.Fatalf("Open with an unreachable server succeeded")
		}
		masked := strings.ReplaceAll(dsn, pw, "xxxxx")
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), dsn) || strings.Contains(err.Error(), masked) {
			t.Fatalf("Open error shows the DSN or password: %v", err)
		}
	}
}

func TestOpenSQLitePragmas(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := Open(t.Context(), DriverSQLite, filepath.Join(dir, "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("parent directory not created: %v", err)
	}
	if db.Driver() != DriverSQLite {
		t.Fatalf("Driver() = %q", db.Driver())
	}
	// Hold several connections at once so the check covers more than the
	// first one in the pool.
	ctx := t.Context()
	var conns []*sqlx.Conn
	for range 3 {
		c, err := db.x.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "busy_timeout": "5000", "foreign_keys": "1", "synchronous": "1",
		} {
			var got string
			if err := c.GetContext(ctx, &got, "PRAGMA "+pragma); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, pragma, got, want)
			}
		}
		c.Close()
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func testInTx(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()

	if err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.SetCursor(ctx, tx, "committed", "1"); err != nil {
			return err
		}
		_, err := db.UpsertMirror(ctx, tx, []MirrorRecord{{Kind: "product", Key: "A", Hash: "h", Payload: []byte(`{}`)}})
		return err
	}); err != nil {
		t.Fatalf("InTx: %v", err)
	}

	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.SetCursor(ctx, tx, "rolled-back", "1"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the callback's error", err)
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("InTx swallowed a panic")
			}
		}()
		_ = db.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := db.SetCursor(ctx, tx, "panicked", "1"); err != nil {
				return err
			}
			panic("boom")
		})
	}()

	for name, want := range map[string]bool{"committed": true, "rolled-back": false, "panicked": false} {
		_, ok, err := db.Cursor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if ok != want {
			t.Errorf("cursor %q present = %v, want %v", name, ok, want)
		}
	}
	if n, err := db.CountMirror(ctx, "product"); err != nil || n != 1 {
		t.Errorf("CountMirror = %d, %v; want 1", n, err)
	}
	// The pool still works after the panic (no connection left in a
	// transaction).
	if err := db.SetCursor(ctx, nil, "after", "1"); err != nil {
		t.Fatal(err)
	}
}

func testTimesUTC(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	warsaw := time.FixedZone("CET", 3600)
	at := time.Date(2026, 10, 25, 2, 30, 15, 987654321, warsaw)
	want := at.UTC().Truncate(time.Microsecond)

	id, _, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: "T1", ReceivedAt: at, Payload: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.GetOrder(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]time.Time{"ReceivedAt": o.ReceivedAt, "NextAttemptAt": o.NextAttemptAt} {
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %v (%v), want %v in UTC", name, got, got.Location(), want)
		}
	}

	if err := db.Audit(ctx, nil, Event{At: at, Actor: "test", Action: "time"}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.AuditEvents(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || !evs[0].At.Equal(want) || evs[0].At.Location() != time.UTC {
		t.Fatalf("audit At = %+v, want %v in UTC", evs, want)
	}

	// Comparisons across zones: an item due at `at` is due at want's instant
	// and not a microsecond before.
	c := withClock(db)
	c.t = at
	if _, err := db.SetDesired(ctx, nil, []DesiredItem{{Store: "b2c", Kind: "stock", SKU: "S", Hash: "h", Payload: []byte(`1`)}}); err != nil {
		t.Fatal(err)
	}
	before, err := db.Dirty(ctx, "b2c", 10, want.Add(-time.Microsecond).In(warsaw))
	if err != nil {
		t.Fatal(err)
	}
	onTime, err := db.Dirty(ctx, "b2c", 10, want.In(warsaw))
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 0 || len(onTime) != 1 {
		t.Fatalf("due just before: %d items, due on time: %d items; want 0 and 1", len(before), len(onTime))
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ dsn, msg, want string }{
		{"postgres://u:p%40ss@h/db", "bad `postgres://u:p%40ss@h/db` p@ss", "bad `[dsn hidden]` xxxxx"},
		{"host=h password='pw x'", "got pw x", "got xxxxx"},
		{"host=h password=pw", "cannot parse `host=h password=xxxxx`", "cannot parse `[dsn hidden]`"},
		{"postgres://u@h/db", "dial error", "dial error"},
	}
	for _, tc := range tests {
		err := redact(errors.New(tc.msg), tc.dsn)
		if err.Error() != tc.want {
			t.Errorf("redact(%q, %q) = %q, want %q", tc.msg, tc.dsn, err.Error(), tc.want)
		}
	}
}

func TestOpenSQLiteFileMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(t.Context(), DriverSQLite, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		t.Fatalf("database file mode %v, want no access for group and others", mode)
	}
}
