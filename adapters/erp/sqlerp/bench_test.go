package sqlerp_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

// BenchmarkSnapshotOptimaSQLite reads every kind of a 5,000-product Optima
// fixture and reports records per second. The PostgreSQL figures of the
// issue come from scripts/erpgen and a full read.
func BenchmarkSnapshotOptimaSQLite(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	attach := map[string]string{"CDN": filepath.Join(dir, "cdn.db")}
	dsn := filepath.Join(dir, "erp.db")
	db, err := sqlerp.Open("sqlite", dsn, attach, 1)
	if err != nil {
		b.Fatal(err)
	}
	target := sqlfixture.Target{DB: db, Dialect: "sqlite", Schema: "CDN"}
	if err := sqlfixture.CreateSchema(ctx, target, erpdata.ShapeOptima); err != nil {
		b.Fatal(err)
	}
	if err := sqlfixture.Load(ctx, target, erpdata.ShapeOptima, 5000, 1); err != nil {
		b.Fatal(err)
	}
	_ = db.Close()
	src, err := sqlerp.New(ctx, erp.Params{Driver: "sqlite", DSN: dsn, Profile: sqlerp.ProfileOptima,
		TimeZone: erpdata.Zone, Options: &sqlerp.Options{SQLiteAttach: attach}})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	b.ResetTimer()
	records := 0
	for b.Loop() {
		err := src.Snapshot(ctx, catalog.Kinds, func(catalog.Record) error { records++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
