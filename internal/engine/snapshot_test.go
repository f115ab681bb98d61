package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/state"
)

// orderedERP is a fakeERP that promises key order for every kind; sorted
// makes it keep the promise.
type orderedERP struct {
	*fakeERP
	sorted bool
}

func (o *orderedERP) SnapshotKeyOrdered(catalog.Kind) bool { return true }

func (o *orderedERP) Snapshot(ctx context.Context, kinds []catalog.Kind, fn func(catalog.Record) error) error {
	if !o.sorted {
		return o.fakeERP.Snapshot(ctx, kinds, fn)
	}
	o.mu.Lock()
	for _, k := range kinds {
		slices.SortFunc(o.recs[k], func(a, b catalog.Record) int { return strings.Compare(a.Key(), b.Key()) })
	}
	o.mu.Unlock()
	return o.fakeERP.Snapshot(ctx, kinds, fn)
}

func mirrorDump(t *testing.T, db *state.DB) string {
	t.Helper()
	var b strings.Builder
	for _, k := range catalog.Kinds {
		if err := db.StreamMirror(t.Context(), string(k), func(r state.MirrorRecord) error {
			b.WriteString(r.Kind + "/" + r.Key + "=" + r.Hash + "\n")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// The in-order read finds what the map read finds: the same counts, the
// same changes and the same mirror, for additions, changes and removals,
// also when the ERP breaks its order promise (then it falls back).
func TestSnapshotInKeyOrder(t *testing.T) {
	t.Parallel()
	steps := []func(b *bundle){
		func(b *bundle) {},
		func(b *bundle) {
			recs := catalogRecords("21.50")
			recs = append(recs, catalog.Price{SKU: "AAA", PriceList: "detal", Amount: d("1"), Currency: "PLN"},
				catalog.Price{SKU: "ZZZ", PriceList: "detal", Amount: d("2"), Currency: "PLN"})
			b.erp.set(slices.Delete(recs, 12, 13)...) // a stock level in the middle gone
		},
		func(b *bundle) {
			recs := catalogRecords("21.50")
			b.erp.set(recs[:len(recs)-1]...) // the last stock level and the extra prices gone
		},
	}
	plain, sorted, broken := setup(t), setup(t), setup(t)
	var logs bytes.Buffer
	srcSorted := &orderedERP{fakeERP: sorted.erp, sorted: true}
	srcBroken := &orderedERP{fakeERP: broken.erp}
	for i, step := range steps {
		step(plain)
		step(sorted)
		step(broken)
		o := SnapshotOptions{MaxRemoveShare: d("0.9")}
		want, err := Snapshot(t.Context(), plain.db, plain.erp, o)
		if err != nil {
			t.Fatalf("step %d, map read: %v", i, err)
		}
		got, err := Snapshot(t.Context(), sorted.db, srcSorted, o)
		if err != nil {
			t.Fatalf("step %d, in-order read: %v", i, err)
		}
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		fell, err := Snapshot(t.Context(), broken.db, srcBroken, o)
		if err != nil {
			t.Fatalf("step %d, broken order: %v", i, err)
		}
		for name, s := range map[string]SnapshotSummary{"in order": got, "broken order": fell} {
			if !slices.Equal(s.Kinds, want.Kinds) {
				t.Errorf("step %d, %s: summary %+v, want %+v", i, name, s.Kinds, want.Kinds)
			}
			if !slices.Equal(s.Changes.Sorted(), want.Changes.Sorted()) || s.Changes.All != want.Changes.All {
				t.Errorf("step %d, %s: changes %v (all %v), want %v (all %v)", i, name, s.Changes.Sorted(), s.Changes.All, want.Changes.Sorted(), want.Changes.All)
			}
		}
		w := mirrorDump(t, plain.db)
		if g := mirrorDump(t, sorted.db); g != w {
			t.Errorf("step %d: in-order mirror\n%s\nwant\n%s", i, g, w)
		}
		if g := mirrorDump(t, broken.db); g != w {
			t.Errorf("step %d: broken-order mirror\n%s\nwant\n%s", i, g, w)
		}
	}
	if !strings.Contains(logs.String(), "not in key order") {
		t.Errorf("the broken order was not logged: %s", logs.String())
	}
	if sk := kindSummary(must(Snapshot(t.Context(), sorted.db, srcSorted, SnapshotOptions{})), catalog.KindStock); sk.Unchanged != 3 || sk.Read != 3 {
		t.Errorf("unchanged in-order read of stock = %+v", sk)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A key sent twice in a row is refused, an emptied kind is refused, and
// neither changes the mirror.
func TestSnapshotInKeyOrderRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	src := &orderedERP{fakeERP: b.erp, sorted: true}
	if _, err := Snapshot(t.Context(), b.db, src, SnapshotOptions{}); err != nil {
		t.Fatal(err)
	}
	before := mirrorDump(t, b.db)
	recs := catalogRecords("99")
	b.erp.set(append(recs, recs[7])...) // a price twice
	_, err := Snapshot(t.Context(), b.db, src, SnapshotOptions{MaxRemoveShare: d("1")})
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate key: err = %v, want one naming it", err)
	}
	b.erp.set(recs[:7]...) // no prices, no stock
	_, err = Snapshot(t.Context(), b.db, src, SnapshotOptions{MaxRemoveShare: d("0.5")})
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("emptied prices: err = %v, want ErrTooManyRemovals", err)
	}
	if got := mirrorDump(t, b.db); got != before {
		t.Errorf("refused reads changed the mirror:\n%s\nwant\n%s", got, before)
	}
}

// oneConnERP is an orderedERP behind a pool of one connection, held for a
// whole Snapshot call, like an ERP adapter with max_open_conns 1.
type oneConnERP struct {
	*orderedERP
	conn chan struct{}
	lag  map[catalog.Kind]time.Duration // before asking for the connection
}

func (o *oneConnERP) Snapshot(ctx context.Context, kinds []catalog.Kind, fn func(catalog.Record) error) error {
	for _, k := range kinds {
		time.Sleep(o.lag[k])
	}
	select {
	case o.conn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-o.conn }()
	return o.orderedERP.Snapshot(ctx, kinds, fn)
}

// The next kind's read ahead must not take the only connection before the
// kind being read has it (the images, slow to ask, come before the prices),
// nor keep it while a kind whose order is broken is read again: the read
// completes (a deadlock ends in the timeout) and the mirror holds every
// record.
func TestSnapshotReadAheadOneConnection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 5000 // far more than the read ahead buffers
	var recs []catalog.Record
	for i := n; i > 0; i-- { // descending: out of key order
		sku := fmt.Sprintf("SKU%05d", i)
		recs = append(recs, catalog.Price{SKU: sku, PriceList: "detal", Amount: d("1"), Currency: "PLN"},
			catalog.StockLevel{SKU: sku, Warehouse: "MAG1", OnHand: d("1"), Available: d("1")})
	}
	b.erp.set(recs...)
	src := &oneConnERP{orderedERP: &orderedERP{fakeERP: b.erp}, conn: make(chan struct{}, 1),
		lag: map[catalog.Kind]time.Duration{catalog.KindImage: 50 * time.Millisecond}}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sum, err := Snapshot(ctx, b.db, src, SnapshotOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []catalog.Kind{catalog.KindPrice, catalog.KindStock} {
		if ks := kindSummary(sum, k); ks.Read != n || ks.Added != n {
			t.Errorf("%s: %+v, want %d read and added", k, ks, n)
		}
	}
}

// A broken order found after the merge took keys for removed must not
// remove them: the ERP sends its last price first, changed, and the others
// after it. The read must not be refused (no removal allowed), must count
// one change and must keep every price.
func TestSnapshotBrokenOrderKeepsEarlyRemovals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	src := &orderedERP{fakeERP: b.erp, sorted: true}
	if _, err := Snapshot(t.Context(), b.db, src, SnapshotOptions{}); err != nil {
		t.Fatal(err)
	}
	var recs []catalog.Record
	for _, r := range catalogRecords("19.90") {
		if p, ok := r.(catalog.Price); ok && p.SKU == "TSH-L" {
			p.Amount = d("59.99")
			recs = append([]catalog.Record{p}, recs...)
			continue
		}
		recs = append(recs, r)
	}
	b.erp.set(recs...)
	src.sorted = false
	sum, err := Snapshot(t.Context(), b.db, src, SnapshotOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("broken order refused: %v", err)
	}
	want := KindSummary{Kind: catalog.KindPrice, Read: 3, Changed: 1, Unchanged: 2}
	if got := kindSummary(sum, catalog.KindPrice); got != want {
		t.Errorf("prices: %+v, want %+v", got, want)
	}
	if got := sum.Changes.Sorted(); !slices.Equal(got, []string{"TSH-L"}) || sum.Changes.All {
		t.Errorf("changes %v (all %v), want [TSH-L]", got, sum.Changes.All)
	}
	if n := must(b.db.CountMirror(t.Context(), string(catalog.KindPrice))); n != 3 {
		t.Errorf("mirror holds %d prices, want 3", n)
	}
}
