package state

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

func testMigrate(t *testing.T, open opener) {
	db := open(t)
	ctx := t.Context()
	all := names(t, db)

	pending, err := db.Pending(ctx)
	if err != nil {
		t.Fatalf("Pending on an empty database: %v", err)
	}
	if !slices.Equal(pending, all) {
		t.Fatalf("Pending on an empty database = %v, want %v", pending, all)
	}

	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if !slices.Equal(applied, all) {
		t.Fatalf("Migrate applied %v, want %v", applied, all)
	}

	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(again) != 0 {
		t.Fatalf("second Migrate applied %v, want nothing", again)
	}
	pending, err = db.Pending(ctx)
	if err != nil {
		t.Fatalf("Pending after Migrate: %v", err)
	}
	if len(pending) != 0 {
		t.Fatalf("Pending after Migrate = %v, want none", pending)
	}

	var n int
	if err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(all))
	}
	for _, table := range []string{"mirror", "store_items", "inbox", "inbox_deliveries", "cursors", "reservations", "audit_events"} {
		if err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM `+table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func testMigrateEdited(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	if _, err := db.x.ExecContext(ctx, db.q(`UPDATE schema_migrations SET checksum = ? WHERE version = 1`), "0000"); err != nil {
		t.Fatal(err)
	}
	const want = "migration 0001 was edited after it was applied; migrations are never edited once released, add a new one"
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Migrate after an edit: err = %v, want it to contain %q", err, want)
	}
	if _, err := db.Pending(ctx); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Pending after an edit: err = %v, want it to contain %q", err, want)
	}
}

func testMigrateNewer(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	if _, err := db.x.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`),
		9999, "9999_future", "abc", db.tv(db.now())); err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]func() error{
		"Migrate": func() error { _, err := db.Migrate(ctx); return err },
		"Pending": func() error { _, err := db.Pending(ctx); return err },
	} {
		err := run()
		if err == nil || !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer erpbridge") {
			t.Errorf("%s on a newer database: err = %v, want one naming 9999 and a newer erpbridge", name, err)
		}
	}
}

func testMigrateConcurrent(t *testing.T, open opener) {
	db := open(t)
	ctx := t.Context()
	const workers = 4
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied []string
		errs    []error
	)
	for range workers {
		wg.Go(func() {
			a, err := db.Migrate(ctx)
			mu.Lock()
			defer mu.Unlock()
			applied = append(applied, a...)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Migrate: %v", errs)
	}
	slices.Sort(applied)
	if want := names(t, db); !slices.Equal(applied, want) {
		t.Fatalf("concurrent Migrate applied %v in total, want each of %v once", applied, want)
	}
}

// TestMigrationFilesMatch checks that both dialects have the same versions
// and names.
func TestMigrationFilesMatch(t *testing.T) {
	t.Parallel()
	lite, err := loadMigrations(DriverSQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations(DriverPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, lite[i].name, pg[i].name)
		}
		if lite[i].version != i+1 {
			t.Errorf("migration %s: version %d, want %d (no gaps)", lite[i].name, lite[i].version, i+1)
		}
	}
}
