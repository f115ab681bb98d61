package sqlerp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
	"github.com/erpbridge/erpbridge/internal/fault"
)

func TestRegistered(t *testing.T) {
	t.Parallel()
	f, ok := erp.Registry.Lookup(sqlerp.TypeName)
	if !ok {
		t.Fatal(`ERP type "sql" is not registered`)
	}
	if len(f.Profiles) != 4 || f.Options == nil {
		t.Errorf("factory: profiles %v, options set %v", f.Profiles, f.Options != nil)
	}
	if _, ok := f.Options().(*sqlerp.Options); !ok {
		t.Errorf("Options() returns %T", f.Options())
	}
	src, err := f.New(context.Background(), erp.Params{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "x.db"), Profile: sqlerp.ProfileOptima, Options: f.Options()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if fe := src.Features(); !fe.Changes || !fe.Orders || len(fe.ChangeKinds) != 2 {
		t.Errorf("features: %+v", fe)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	t.Parallel()
	dsn := filepath.Join(t.TempDir(), "x.db")
	tests := []struct {
		name string
		p    erp.Params
		want string
	}{
		{"unknown driver", erp.Params{Driver: "oracle", DSN: dsn, Profile: sqlerp.ProfileOptima}, `unknown driver "oracle"`},
		{"unknown profile", erp.Params{Driver: "sqlite", DSN: dsn, Profile: "subiekt"}, `unknown profile "subiekt"`},
		{"custom without files", erp.Params{Driver: "sqlite", DSN: dsn, Profile: sqlerp.ProfileCustom}, "options.queries"},
		{"staging in CDN", erp.Params{Driver: "sqlite", DSN: dsn, Profile: sqlerp.ProfileOptima, Options: &sqlerp.Options{StagingSchema: "cdn"}}, "Comarch's own schema"},
		{"bad schema name", erp.Params{Driver: "sqlite", DSN: dsn, Profile: sqlerp.ProfileOptima, Options: &sqlerp.Options{ERPSchema: "CDN; DROP"}}, "erp_schema"},
		{"unknown query file", erp.Params{Driver: "sqlite", DSN: dsn, Profile: sqlerp.ProfileOptima, Options: &sqlerp.Options{Queries: map[string]string{"orders": "x.sql"}}}, `unknown query "orders"`},
		{"wrong options type", erp.Params{Driver: "sqlite", DSN: dsn, Profile: sqlerp.ProfileOptima, Options: "x"}, "want *sqlerp.Options"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := sqlerp.New(context.Background(), tc.p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestStagingDDL(t *testing.T) {
	t.Parallel()
	for _, d := range sqlerp.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ddl, err := sqlerp.StagingDDL(d, "erpbridge", "eb_")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"erpbridge.eb_orders", "erpbridge.eb_order_lines", "UNIQUE (store, shop_order_id)", "erp_number", "nip", "customer_match", "retail_customer", "tracking_number", "updated_at"} {
				if !strings.Contains(ddl, want) {
					t.Errorf("DDL lacks %q:\n%s", want, ddl)
				}
			}
			if strings.Contains(ddl, "CDN.") {
				t.Errorf("DDL touches CDN:\n%s", ddl)
			}
		})
	}
	if _, err := sqlerp.StagingDDL("postgres", "x y", ""); err == nil {
		t.Error("StagingDDL accepted a schema name that is not an identifier")
	}
}

func TestCheckAndImages(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		for _, profile := range sqlerp.Profiles {
			t.Run(e.name+"/"+profile, func(t *testing.T) {
				t.Parallel()
				testCheckAndImages(t, e, profile)
			})
		}
	}
}

func testCheckAndImages(t *testing.T, e engine, profile string) {
	ctx := context.Background()
	env := newEnv(t, e, profile)
	src := env.Source.(*sqlerp.Source)
	rep, err := sqlerp.Check(ctx, src, 3)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(rep.Queries) != len(src.Profile().Names())+1 {
		t.Errorf("%d query reports for %d queries + staging", len(rep.Queries), len(src.Profile().Names()))
	}
	for _, q := range rep.Queries {
		// Only the generic fixture has rates; the Comarch profiles return none.
		if q.Name == sqlerp.QueryCurrencyRates && profile != sqlerp.ProfileGeneric {
			if q.Rows != 0 {
				t.Errorf("query %s: %d rows from a profile that has no rate table", q.Name, q.Rows)
			}
			continue
		}
		if q.Name != "staging" && (q.Rows == 0 || q.Rows > 3 || len(q.Sample) == 0) {
			t.Errorf("query %s: %d rows, sample %v", q.Name, q.Rows, q.Sample)
		}
	}

	// A binary image: bytes by SKU and position, checked against the hash.
	var img catalog.Image
	err = src.Snapshot(ctx, []catalog.Kind{catalog.KindImage}, func(r catalog.Record) error {
		if i := r.(catalog.Image); i.ContentHash != "" && img.ContentHash == "" {
			img = i
		}
		return nil
	})
	if err != nil || img.ContentHash == "" {
		t.Fatalf("no binary image in snapshot: %v", err)
	}
	var reader erp.ImageReader = src
	data, err := reader.ImageData(ctx, img.ProductSKU, img.Position, img.ContentHash)
	if err != nil {
		t.Fatalf("ImageData: %v", err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != img.ContentHash || img.ContentType != "image/png" || http.DetectContentType(data) != "image/png" {
		t.Errorf("image bytes do not match hash %s (%s)", img.ContentHash, img.ContentType)
	}
	if _, err := reader.ImageData(ctx, img.ProductSKU, img.Position, strings.Repeat("0", 64)); !errors.Is(err, erp.ErrImageNotFound) {
		t.Errorf("Image with a stale hash: %v", err)
	}

	// A broken table fails Check naming the query and the table.
	if _, _, err := env.Break(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err = sqlerp.Check(ctx, src, 3)
	if err == nil {
		t.Fatal("Check passed with a table missing")
	}
	var failed []string
	for _, q := range rep.Queries {
		if q.Err != nil {
			failed = append(failed, q.Name)
			table := "twrceny"
			if profile == sqlerp.ProfileGeneric {
				table = "erpbridge_prices"
			}
			if !strings.Contains(strings.ToLower(q.Err.Error()), table) || !strings.Contains(q.Err.Error(), q.Name) {
				t.Errorf("query %s error does not name the query and table: %v", q.Name, q.Err)
			}
			if !fault.IsFatal(q.Err) {
				t.Errorf("missing table is not a fatal error: %v", q.Err)
			}
		}
	}
	if strings.Join(failed, ",") != "prices" {
		t.Errorf("failed queries %v, want [prices]", failed)
	}
}

func TestMissingColumnNamesQueryAndColumn(t *testing.T) {
	t.Parallel()
	for _, e := range engines[:3] {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, params := newEnvParams(t, e, sqlerp.ProfileOptima)
			files, err := sqlerp.ShippedQueries(sqlerp.ProfileOptima)
			if err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "warehouses.sql")
			text := strings.Replace(files["warehouses.sql"], "m.Mag_Nazwa", "m.Mag_NazwaPelna", 1)
			if err := os.WriteFile(bad, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			// The same database, with the warehouses query replaced.
			opt := *params.Options.(*sqlerp.Options)
			opt.Queries = map[string]string{"warehouses": bad}
			params.Options = &opt
			src, err := sqlerp.New(ctx, params)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			rep, err := src.Check(ctx, 1)
			if err == nil {
				t.Fatal("Check passed with a missing column")
			}
			for _, q := range rep.Queries {
				if q.Name == "warehouses" {
					msg := strings.ToLower(q.Err.Error())
					if !strings.Contains(msg, "warehouses") || !strings.Contains(msg, "mag_nazwapelna") {
						t.Errorf("error does not name query and column: %v", q.Err)
					}
				} else if q.Err != nil {
					t.Errorf("query %s failed: %v", q.Name, q.Err)
				}
			}
		})
	}
}

func TestBumpChangesOnlyPricesAndStockOfEveryNth(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{sqlerp.ProfileOptima, sqlerp.ProfileXL} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env, params := newEnvParams(t, sqliteEngine, profile)
			read := func() map[string]string {
				out := map[string]string{}
				err := env.Source.Snapshot(ctx, catalog.Kinds, func(r catalog.Record) error {
					h, err := catalog.HashRecord(r)
					out[string(r.Kind())+"/"+r.Key()] = h
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			before := read()
			db, err := sqlerp.Open(params.Driver, params.DSN, params.Options.(*sqlerp.Options).SQLiteAttach, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			shape := erpdata.ShapeOptima
			if profile == sqlerp.ProfileXL {
				shape = erpdata.ShapeXL
			}
			if _, err := sqlfixture.Bump(ctx, sqlfixture.Target{DB: db, Dialect: "sqlite", Schema: "CDN"}, shape, 5); err != nil {
				t.Fatal(err)
			}
			after := read()
			for k, h := range after {
				changed := before[k] != h
				want := (strings.HasPrefix(k, "price/") || strings.HasPrefix(k, "stock/")) &&
					(strings.HasSuffix(k, "TWR-000005") || strings.HasSuffix(k, "TWR-000010") ||
						strings.HasSuffix(k, "TWR-000015") || strings.HasSuffix(k, "TWR-000020"))
				if changed != want {
					t.Errorf("%s changed %v, want %v", k, changed, want)
				}
			}
		})
	}
}
