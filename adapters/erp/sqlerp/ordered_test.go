package sqlerp_test

import (
	"testing"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
)

// The shipped profiles promise products, variants, prices, stock and images
// in key order, and keep the promise on every engine: the engine then compares a
// snapshot with the mirror without holding either in memory.
func TestSnapshotKeyOrder(t *testing.T) {
	t.Parallel()
	ordered := []catalog.Kind{catalog.KindProduct, catalog.KindVariant, catalog.KindPrice, catalog.KindStock, catalog.KindImage}
	for _, e := range engines {
		for _, profile := range sqlerp.Profiles {
			t.Run(e.name+"/"+profile, func(t *testing.T) {
				t.Parallel()
				env := newEnv(t, e, profile)
				// engine.KeyOrderedSource, which the engine looks for.
				src, ok := env.Source.(interface {
					erp.Source
					SnapshotKeyOrdered(catalog.Kind) bool
				})
				if !ok {
					t.Fatalf("%T has no SnapshotKeyOrdered", env.Source)
				}
				for _, k := range ordered {
					if !src.SnapshotKeyOrdered(k) {
						t.Errorf("%s: kind %s is not promised in key order", profile, k)
						continue
					}
					prev, n := "", 0
					err := src.Snapshot(t.Context(), []catalog.Kind{k}, func(r catalog.Record) error {
						if n > 0 && r.Key() <= prev {
							t.Errorf("%s: %s %q came after %q", profile, k, r.Key(), prev)
						}
						prev = r.Key()
						n++
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if n < 2 && k != catalog.KindVariant && k != catalog.KindImage {
						t.Errorf("%s: only %d %s records; the order is not tested", profile, n, k)
					}
				}
				if src.SnapshotKeyOrdered(catalog.KindCategory) {
					t.Errorf("categories are read whole to build their paths; they promise no order")
				}
			})
		}
	}
}
