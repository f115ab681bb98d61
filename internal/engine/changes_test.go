package engine

import (
	"slices"
	"testing"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/state"
)

// storeItems returns every item of the bundle's store as kind/sku → desired
// hash.
func storeItems(t *testing.T, b *bundle) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := b.db.StreamStoreItems(t.Context(), b.st.ID, func(it state.StoreItem) error {
		out[it.Kind+"/"+it.SKU] = it.DesiredHash
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIncrementalProjectionMatchesFull changes the ERP in ways that touch
// single products, projects only what the snapshot names, and checks that a
// full projection afterwards finds nothing left to change.
func TestIncrementalProjectionMatchesFull(t *testing.T) {
	t.Parallel()
	changeTests := []struct {
		name    string
		change  func([]catalog.Record) []catalog.Record
		wantSKU []string // SKUs the snapshot must name
		changed bool     // the store's desired state changes
	}{
		{"price", func([]catalog.Record) []catalog.Record { return catalogRecords("24.90") },
			[]string{"KUB-1"}, true},
		{"variant price", func(rs []catalog.Record) []catalog.Record {
			for i, r := range rs {
				if p, ok := r.(catalog.Price); ok && p.SKU == "TSH-L" {
					p.Amount = d("59.99")
					rs[i] = p
				}
			}
			return rs
		}, []string{"TSH-L"}, true},
		{"stock removed", func(rs []catalog.Record) []catalog.Record {
			return slices.DeleteFunc(rs, func(r catalog.Record) bool { return r.Key() == "MAG2|KUB-1" })
		}, []string{"KUB-1"}, true},
		{"product leaves the scope", func(rs []catalog.Record) []catalog.Record {
			for i, r := range rs {
				if p, ok := r.(catalog.Product); ok && p.SKU == "TSH" {
					p.EShop = false
					rs[i] = p
				}
			}
			return rs
		}, []string{"TSH"}, true},
		{"product removed", func(rs []catalog.Record) []catalog.Record {
			return slices.DeleteFunc(rs, func(r catalog.Record) bool {
				p, ok := r.(catalog.Price)
				return r.Key() == "KUB-1" || (ok && p.SKU == "KUB-1") || r.Kind() == catalog.KindStock && r.(catalog.StockLevel).SKU == "KUB-1"
			})
		}, []string{"KUB-1"}, true},
		{"product outside the shop changes", func(rs []catalog.Record) []catalog.Record {
			for i, r := range rs {
				if p, ok := r.(catalog.Product); ok && p.SKU == "HIDDEN" {
					p.Name = "Nadal poza sklepem"
					rs[i] = p
				}
			}
			return rs
		}, []string{"HIDDEN"}, false},
	}
	for _, tc := range changeTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.st.MaxDeactivateShare = d("1")
			b.snapshot(t)
			b.sync(t)
			b.erp.set(tc.change(catalogRecords("19.90"))...)
			snap := b.snapshot(t)
			if snap.Changes.All {
				t.Fatalf("snapshot asks for a full projection: %+v", snap.Changes)
			}
			if got := snap.Changes.Sorted(); !slices.Equal(got, tc.wantSKU) {
				t.Fatalf("snapshot names %v, want %v", got, tc.wantSKU)
			}
			before := storeItems(t, b)
			inc, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{Only: &snap.Changes})
			if err != nil {
				t.Fatalf("incremental Project: %v", err)
			}
			if (inc.Changed > 0) != tc.changed {
				t.Fatalf("incremental projection changed %d items, want changes: %v", inc.Changed, tc.changed)
			}
			if changedItems := diffItems(before, storeItems(t, b)); (len(changedItems) > 0) != tc.changed {
				t.Fatalf("store items changed: %v", changedItems)
			}
			full, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{DryRun: true, Samples: 5})
			if err != nil {
				t.Fatalf("full Project: %v", err)
			}
			if full.Changed != 0 {
				t.Fatalf("a full projection after the incremental one still changes %d items: %+v", full.Changed, full.Changes)
			}
		})
	}
}

func diffItems(a, b map[string]string) []string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func TestChangeSetFallsBackToAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		do   func(c *ChangeSet)
		all  bool
	}{
		{"price and stock", func(c *ChangeSet) { c.changed(catalog.KindPrice, "A"); c.removed(catalog.KindStock, "MAG1|B") }, false},
		{"image removed", func(c *ChangeSet) { c.removed(catalog.KindImage, "A#2") }, false},
		{"category changed", func(c *ChangeSet) { c.changed(catalog.KindCategory, "") }, true},
		{"variant removed", func(c *ChangeSet) { c.removed(catalog.KindVariant, "A-M") }, true},
		{"merged", func(c *ChangeSet) { c.Merge(ChangeSet{All: true}) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c ChangeSet
			tc.do(&c)
			if c.All != tc.all || c.Empty() {
				t.Fatalf("ChangeSet = %+v, want All %v and not empty", c, tc.all)
			}
		})
	}
}

// TestProjectStoresSharesRecords: several stores with different lists and
// warehouses projected with one ChangeSet (records read once) end as a full
// projection of each would leave them, and each store's error is its own.
func TestProjectStoresSharesRecords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := *b.st
	other.ID = "b2b"
	other.Rules.Stock.Warehouses = []string{"MAG9"}
	other.Rules.Price.MarkupPercent = d("10")
	stores := []*Store{b.st, &other}
	b.snapshot(t)
	for _, st := range stores {
		if _, err := Project(t.Context(), b.db, st, b.now, ProjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	recs := catalogRecords("24.90")
	for i, r := range recs {
		if s, ok := r.(catalog.StockLevel); ok && s.SKU == "TSH-L" {
			s.Available = d("2")
			recs[i] = s
		}
	}
	b.erp.set(recs...)
	snap := b.snapshot(t)
	got := map[string]int{}
	err := ProjectStores(t.Context(), b.db, stores, b.now, ProjectOptions{Only: &snap.Changes}, func(st *Store, sum ProjectSummary, err error) {
		if err != nil {
			t.Errorf("%s: %v", st.ID, err)
		}
		got[st.ID] = sum.Changed
	})
	if err != nil {
		t.Fatal(err)
	}
	// b2c: the mug's price; b2b: the mug's price and TSH-L's stock (MAG9).
	if got["b2c"] != 1 || got["b2b"] != 2 {
		t.Errorf("changed items = %v, want b2c 1, b2b 2", got)
	}
	for _, st := range stores {
		full, err := Project(t.Context(), b.db, st, b.now, ProjectOptions{DryRun: true, Samples: 5})
		if err != nil || full.Changed != 0 {
			t.Errorf("%s: a full projection after ProjectStores changes %d items (%v): %+v", st.ID, full.Changed, err, full.Changes)
		}
	}
}
