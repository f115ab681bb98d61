package sqlerp_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/catalog"
)

// TestChangeTrackingSQLServer runs the Change Tracking mode against a real
// SQL Server (ERPBRIDGE_TEST_MSSQL): a first read is full, a product changed
// afterwards is the only product the next read returns, and an unchanged
// database returns nothing. Skipped without the variable.
func TestChangeTrackingSQLServer(t *testing.T) {
	t.Parallel()
	env, params := newEnvParams(t, mssqlEngine, sqlerp.ProfileOptima)
	ctx := t.Context()
	u, err := url.Parse(params.DSN)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlx.Open("sqlserver", params.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dbName := u.Query().Get("database")
	for _, stmt := range []string{
		"ALTER DATABASE " + dbName + " SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)",
		"ALTER TABLE CDN.Towary ENABLE CHANGE_TRACKING",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	opt := *params.Options.(*sqlerp.Options)
	opt.ChangeTracking = true
	params.Options = &opt
	src, err := sqlerp.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	read := func(cursor string) (string, []string) {
		t.Helper()
		var skus []string
		next, err := src.Changes(ctx, cursor, func(r catalog.Record) error {
			if p, ok := r.(catalog.Product); ok {
				skus = append(skus, p.SKU)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Changes(%q): %v", cursor, err)
		}
		if !strings.HasPrefix(next, "ct:") {
			t.Fatalf("Changes(%q) returned cursor %q, want ct:<version>", cursor, next)
		}
		return next, skus
	}
	c1, all := read("")
	if len(all) == 0 || len(all) > env.N {
		t.Fatalf("first read returned %d products, want 1..%d", len(all), env.N)
	}
	if _, none := read(c1); len(none) != 0 {
		t.Errorf("read with nothing changed returned %v", none)
	}
	if _, err := db.ExecContext(ctx, "UPDATE CDN.Towary SET Twr_Nazwa = Twr_Nazwa + N' ż' WHERE Twr_Kod = @p1", all[0]); err != nil {
		t.Fatal(err)
	}
	_, changed := read(c1)
	if len(changed) != 1 || changed[0] != all[0] {
		t.Errorf("after changing %s the delta returned %v", all[0], changed)
	}
}
