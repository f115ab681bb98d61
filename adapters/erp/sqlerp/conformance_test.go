package sqlerp_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

// testN is the generator's product count in conformance tests.
const testN = 24

// engine opens a fresh, empty database for one test.
type engine struct {
	name string
	// fresh returns the driver, the DSN for the adapter, SQLite attachments,
	// and the schema that holds the ERP tables. Cleanup drops it.
	fresh func(t *testing.T) (driver, dsn string, attach map[string]string, schema string)
}

func randName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

var sqliteEngine = engine{name: "sqlite", fresh: func(t *testing.T) (string, string, map[string]string, string) {
	dir := t.TempDir()
	return "sqlite", filepath.Join(dir, "erp.db"), map[string]string{"CDN": filepath.Join(dir, "cdn.db")}, "CDN"
}}

var postgresEngine = engine{name: "postgres", fresh: func(t *testing.T) (string, string, map[string]string, string) {
	dsn := os.Getenv("ERPBRIDGE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("set ERPBRIDGE_TEST_POSTGRES to run against PostgreSQL")
	}
	schema := randName("erpt_")
	admin, err := sqlx.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return "postgres", u.String(), nil, schema
}}

var mysqlEngine = engine{name: "mysql", fresh: func(t *testing.T) (string, string, map[string]string, string) {
	dsn := os.Getenv("ERPBRIDGE_TEST_MYSQL")
	if dsn == "" {
		t.Skip("set ERPBRIDGE_TEST_MYSQL to run against MySQL or MariaDB")
	}
	name := randName("erpt_")
	admin, err := sqlx.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE " + name)
		_ = admin.Close()
	})
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return "mysql", cfg.FormatDSN(), nil, name
}}

var mssqlEngine = engine{name: "sqlserver", fresh: func(t *testing.T) (string, string, map[string]string, string) {
	dsn := os.Getenv("ERPBRIDGE_TEST_MSSQL")
	if dsn == "" {
		t.Skip("set ERPBRIDGE_TEST_MSSQL (sqlserver://user:password@host?database=master) to run against SQL Server")
	}
	name := randName("erpt_")
	admin, err := sqlx.Open("sqlserver", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " COLLATE Polish_CI_AS"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("ALTER DATABASE " + name + " SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
		_, _ = admin.Exec("DROP DATABASE " + name)
		_ = admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	db, err := sqlx.Open("sqlserver", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA CDN"); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	return "sqlserver", u.String(), nil, "CDN"
}}

var engines = []engine{sqliteEngine, postgresEngine, mysqlEngine, mssqlEngine}

// customQueries writes the Optima profile's SQL to files for the custom profile.
func customQueries(t *testing.T) map[string]string {
	files, err := sqlerp.ShippedQueries(sqlerp.ProfileOptima)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := map[string]string{}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(name, ".sql")] = p
	}
	return out
}

// newEnv builds a fixture database for profile on e and a Source on it.
func newEnv(t *testing.T, e engine, profile string) erptest.Env {
	t.Helper()
	env, _ := newEnvParams(t, e, profile)
	return env
}

// newEnvParams is newEnv that also returns the Source's parameters.
func newEnvParams(t *testing.T, e engine, profile string) (erptest.Env, erp.Params) {
	t.Helper()
	ctx := context.Background()
	driver, dsn, attach, schema := e.fresh(t)
	shape := erpdata.ShapeOptima
	if profile == sqlerp.ProfileXL {
		shape = erpdata.ShapeXL
	}
	dialect, err := sqlerp.DialectOf(driver)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlerp.Open(driver, dsn, attach, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	target := sqlfixture.Target{DB: db, Dialect: dialect, Schema: schema}
	if err := sqlfixture.CreateSchema(ctx, target, shape); err != nil {
		t.Fatal(err)
	}
	if err := sqlfixture.Load(ctx, target, shape, testN, 1); err != nil {
		t.Fatal(err)
	}
	if profile == sqlerp.ProfileGeneric {
		if err := sqlfixture.CreateGenericViews(ctx, target); err != nil {
			t.Fatal(err)
		}
	}
	opt := &sqlerp.Options{ERPSchema: schema, SQLiteAttach: attach}
	if profile == sqlerp.ProfileCustom {
		opt.Queries = customQueries(t)
	}
	params := erp.Params{Driver: driver, DSN: dsn, Profile: profile, TimeZone: erpdata.Zone, Options: opt}
	src, err := sqlerp.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = src.Close() })
	if err := src.InstallStaging(ctx); err != nil {
		t.Fatal(err)
	}
	if err := src.InstallStaging(ctx); err != nil {
		t.Fatalf("InstallStaging is not repeatable: %v", err)
	}
	orders, _ := src.StagingTables()
	return erptest.Env{
		Source: src, N: testN, Shape: shape,
		ApplyState2: func(ctx context.Context) error { return sqlfixture.Apply(ctx, target, shape, testN) },
		PlayImporter: func(ctx context.Context, id string, u erptest.Importer) error {
			var now any = time.Now().UTC()
			if dialect == sqlerp.DialectSQLite {
				now = time.Now().UTC().Format("2006-01-02 15:04:05.000000")
			}
			q := db.Rebind(fmt.Sprintf(`UPDATE %s SET state = ?, erp_number = ?, error = ?, erp_status = ?,
tracking_carrier = ?, tracking_number = ?, updated_at = ? WHERE id = ?`, orders))
			_, err := db.ExecContext(ctx, q, string(u.State), u.ERPNumber, u.Error, string(u.ERPStatus),
				u.TrackingCarrier, u.TrackingNumber, now, id)
			return err
		},
		Break: func(ctx context.Context) (catalog.Kind, string, error) {
			stmt := "DROP TABLE " + schema + ".TwrCeny"
			if profile == sqlerp.ProfileGeneric {
				stmt = "DROP VIEW " + schema + ".erpbridge_prices"
			}
			_, err := db.ExecContext(ctx, stmt)
			return catalog.KindPrice, sqlerp.QueryPrices, err
		},
	}, params
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		for _, profile := range sqlerp.Profiles {
			t.Run(e.name+"/"+profile, func(t *testing.T) {
				t.Parallel()
				erptest.Run(t, erptest.Harness{New: func(t *testing.T) erptest.Env { return newEnv(t, e, profile) }})
			})
		}
	}
}
