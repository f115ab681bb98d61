// Package erptest is the conformance suite every ERP adapter passes: Run
// exercises an erp.Source against a fresh fixture database filled by the
// erpdata generator. The adapter's test supplies a Harness that builds such
// a database and plays the ERP side (moving the data to the generator's
// second state, acting as the order importer, breaking a table).
package erptest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

// Importer is what the ERP-side importer writes back to a staged order.
type Importer struct {
	State           erp.StagingState
	ERPNumber       string
	Error           string
	ERPStatus       catalog.OrderStatus
	TrackingCarrier string
	TrackingNumber  string
}

// Env is one fresh fixture database with a Source reading it.
type Env struct {
	// Source reads the fixture; the harness closes it in t.Cleanup.
	Source erp.Source
	// N is the generator's base product count; Shape how the data is stored.
	N     int
	Shape erpdata.Shape
	// ApplyState2 moves the ERP data from the generator's state 1 to state 2.
	ApplyState2 func(ctx context.Context) error
	// PlayImporter updates staged order stagingID as the ERP-side importer does.
	PlayImporter func(ctx context.Context, stagingID string, u Importer) error
	// Break makes one query fail with a missing table and returns the kind
	// whose snapshot must then fail and the query name the error must carry.
	Break func(ctx context.Context) (catalog.Kind, string, error)
}

// Harness builds Envs for Run.
type Harness struct {
	// New returns a fresh Env on a fresh database, dropped in t.Cleanup.
	New func(t *testing.T) Env
}

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, env Env)
	}{
		{"SnapshotMatchesGenerator", testSnapshot},
		{"SnapshotIsRepeatable", testSnapshotTwice},
		{"SnapshotAfterSecondState", testSnapshotState2},
		{"ChangesSinceCursor", testChanges},
		{"WriteOrderTwice", testWriteOrderTwice},
		{"WriteOrderConcurrent", testWriteOrderConcurrent},
		{"OrderResultsAfterImport", testOrderResults},
		{"CancelStopsSnapshot", testCancel},
		{"MissingTableNamesQuery", testMissingTable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h.New(t))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// snapshot reads every kind into key → record maps by kind.
func snapshot(t *testing.T, ctx context.Context, src erp.Source) map[catalog.Kind][]catalog.Record {
	t.Helper()
	got := map[catalog.Kind][]catalog.Record{}
	err := src.Snapshot(ctx, catalog.Kinds, func(r catalog.Record) error {
		got[r.Kind()] = append(got[r.Kind()], r)
		return nil
	})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return got
}

// compare reports every difference between want and got of one kind.
func compare(t *testing.T, kind catalog.Kind, want, got []catalog.Record) {
	t.Helper()
	wh, err := erpdata.Hashes(want)
	if err != nil {
		t.Fatalf("%s: expected records: %v", kind, err)
	}
	gh, err := erpdata.Hashes(got)
	if err != nil {
		t.Fatalf("%s: read records: %v", kind, err)
	}
	byKey := func(rs []catalog.Record) map[string]catalog.Record {
		m := map[string]catalog.Record{}
		for _, r := range rs {
			m[r.Key()] = r
		}
		return m
	}
	wr, gr := byKey(want), byKey(got)
	bad := 0
	for _, k := range erpdata.SortedKeys(wh) {
		g, ok := gh[k]
		switch {
		case !ok:
			t.Errorf("%s %s: missing from snapshot", kind, k)
			bad++
		case g != wh[k]:
			wc, _ := catalog.Canonical(wr[k])
			gc, _ := catalog.Canonical(gr[k])
			t.Errorf("%s %s differs:\n want %s\n got  %s", kind, k, wc, gc)
			bad++
		}
		if bad > 10 {
			t.Fatalf("%s: too many differences", kind)
		}
	}
	for _, k := range erpdata.SortedKeys(gh) {
		if _, ok := wh[k]; !ok {
			t.Errorf("%s %s: read but not generated", kind, k)
		}
	}
}

func testSnapshot(t *testing.T, env Env) {
	ctx := ctxT(t)
	got := snapshot(t, ctx, env.Source)
	want := erpdata.Expected(erpdata.Generate(env.N, 1), env.Shape)
	for _, k := range catalog.Kinds {
		if len(want[k]) == 0 {
			t.Fatalf("generator produced no %s records; the fixture is too small", k)
		}
		compare(t, k, want[k], got[k])
	}
	// The cases the hashes cover, spelled out.
	products := map[string]catalog.Product{}
	for _, r := range got[catalog.KindProduct] {
		p := r.(catalog.Product)
		products[p.SKU] = p
	}
	if p := products["TWR-000001"]; p.Name != "Zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ" {
		t.Errorf("Polish name did not round-trip: %q", p.Name)
	}
	if p, ok := products["TWR-000003"]; !ok || p.Description != "" {
		t.Errorf("product with NULL description: %+v (present %v)", p, ok)
	}
	if p, ok := products["TWR-000007"]; !ok || p.Active {
		t.Errorf("inactive product TWR-000007 missing or active: %+v", p)
	}
	if p, ok := products["TWR-000006"]; !ok || p.EShop {
		t.Errorf("non-e-shop product TWR-000006 missing or flagged: %+v", p)
	}
}

func testSnapshotTwice(t *testing.T, env Env) {
	ctx := ctxT(t)
	h := func() map[string]string {
		out := map[string]string{}
		for k, rs := range snapshot(t, ctx, env.Source) {
			hs, err := erpdata.Hashes(rs)
			if err != nil {
				t.Fatal(err)
			}
			for key, v := range hs {
				out[string(k)+"/"+key] = v
			}
		}
		return out
	}
	a, b := h(), h()
	if len(a) == 0 {
		t.Fatal("empty snapshot")
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: hash %s then %s", k, v, b[k])
		}
	}
	if len(a) != len(b) {
		t.Errorf("snapshots have %d and %d records", len(a), len(b))
	}
}

func testSnapshotState2(t *testing.T, env Env) {
	ctx := ctxT(t)
	if err := env.ApplyState2(ctx); err != nil {
		t.Fatalf("ApplyState2: %v", err)
	}
	got := snapshot(t, ctx, env.Source)
	want := erpdata.Expected(erpdata.Generate(env.N, 2), env.Shape)
	for _, k := range catalog.Kinds {
		compare(t, k, want[k], got[k])
	}
}

func testChanges(t *testing.T, env Env) {
	ctx := ctxT(t)
	f := env.Source.Features()
	if !f.Changes {
		t.Skip("adapter declares no deltas")
	}
	for _, k := range f.ChangeKinds {
		if k == catalog.KindPrice || k == catalog.KindStock {
			t.Errorf("ChangeKinds has %s, which Comarch does not timestamp", k)
		}
	}
	read := func(cursor string) (map[string]catalog.Product, string) {
		got := map[string]catalog.Product{}
		next, err := env.Source.Changes(ctx, cursor, func(r catalog.Record) error {
			if p, ok := r.(catalog.Product); ok {
				got[p.SKU] = p
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Changes(%q): %v", cursor, err)
		}
		return got, next
	}
	s1, s2 := erpdata.Generate(env.N, 1), erpdata.Generate(env.N, 2)
	all, c1 := read("")
	if c1 == "" {
		t.Fatal("Changes from the beginning returned no cursor")
	}
	if n := len(erpdata.Expected(s1, env.Shape)[catalog.KindProduct]); len(all) != n {
		t.Errorf("Changes from the beginning: %d products, want %d", len(all), n)
	}
	if err := env.ApplyState2(ctx); err != nil {
		t.Fatalf("ApplyState2: %v", err)
	}
	changed, c2 := read(c1)
	want := map[string]catalog.Record{}
	for _, r := range erpdata.Expected(s2, env.Shape)[catalog.KindProduct] {
		want[r.Key()] = r
	}
	for _, sku := range erpdata.Changed(s1, s2) {
		p, ok := changed[sku]
		if !ok {
			t.Errorf("changed product %s not returned", sku)
			continue
		}
		wh, _ := catalog.HashRecord(want[sku])
		gh, _ := catalog.HashRecord(p)
		if wh != gh {
			t.Errorf("changed product %s read as %+v, want %+v", sku, p, want[sku])
		}
	}
	cur1, _ := time.Parse(time.RFC3339Nano, c1)
	for sku, p := range changed {
		if p.ModifiedAt != nil && p.ModifiedAt.Before(cur1.Add(-3*time.Hour)) {
			t.Errorf("product %s modified %s returned for cursor %s", sku, p.ModifiedAt, c1)
		}
	}
	if backwards(t, c1, c2) {
		t.Errorf("cursor went backwards: %s then %s", c1, c2)
	}
	if _, c3 := read(c2); backwards(t, c2, c3) {
		t.Errorf("cursor went backwards with no changes: %s then %s", c2, c3)
	}
	if _, err := env.Source.Changes(ctx, "yesterday", func(catalog.Record) error { return nil }); err == nil {
		t.Error("Changes accepted a malformed cursor")
	}
}

// backwards reports whether cursor b is earlier than cursor a. Cursors are
// RFC 3339 times; text order is not time order when fractions differ.
func backwards(t *testing.T, a, b string) bool {
	t.Helper()
	ta, err := time.Parse(time.RFC3339Nano, a)
	if err != nil {
		t.Fatalf("cursor %q is not RFC 3339: %v", a, err)
	}
	tb, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		t.Fatalf("cursor %q is not RFC 3339: %v", b, err)
	}
	return tb.Before(ta)
}

// Order returns a test order with Polish customer data.
func Order(store, id string) catalog.Order {
	d := decimal.RequireFromString
	return catalog.Order{
		Store: store, ShopOrderID: id, Number: "#" + id, Status: catalog.StatusProcessing,
		PlacedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Currency: "PLN", PricesIncludeTax: true,
		Customer: catalog.Customer{Kind: catalog.CustomerCompany, Email: "zamowienia@żółw.pl", FirstName: "Łukasz",
			LastName: "Gęślak", CompanyName: "Źrebię Sp. z o.o.", NIP: "5261040828", NIPCountry: "PL"},
		Billing:         catalog.Address{Name: "Łukasz Gęślak", Street: "ul. Świętokrzyska 12/3", City: "Łódź", PostalCode: "90-001", Country: "PL"},
		ShippingAddress: catalog.Address{Name: "Magazyn Żórawina", Street: "ul. Polna 1", City: "Żórawina", PostalCode: "55-020", Country: "PL"},
		Lines: []catalog.OrderLine{
			{ShopLineID: "1", SKU: "TWR-000001", Name: "Zażółć gęślą jaźń", Quantity: d("2"), UnitPrice: d("19.99"), VATRate: d("23"), Total: d("39.98")},
			{ShopLineID: "2", SKU: "TWR-000010-M", Name: "Wariant M", Quantity: d("1.5"), UnitPrice: d("10.10"), VATRate: d("8"), Total: d("15.15")},
		},
		Shipping: catalog.Shipping{Method: "kurier", Cost: d("14.99"), VATRate: d("23")},
		Payment:  catalog.Payment{Method: "przelew", Paid: true, Amount: d("70.12")},
		Total:    d("70.12"),
		Note:     "Proszę dzwonić przed dostawą — „pilne”.",
	}
}

func results(t *testing.T, ctx context.Context, src erp.Source, cursor string) (map[string][]erp.OrderResult, string) {
	t.Helper()
	out := map[string][]erp.OrderResult{}
	next, err := src.OrderResults(ctx, cursor, func(r erp.OrderResult) error {
		k := r.Store + "/" + r.ShopOrderID
		out[k] = append(out[k], r)
		return nil
	})
	if err != nil {
		t.Fatalf("OrderResults(%q): %v", cursor, err)
	}
	return out, next
}

func testWriteOrderTwice(t *testing.T, env Env) {
	ctx := ctxT(t)
	o := Order("b2c", "1001")
	r1, err := env.Source.WriteOrder(ctx, o)
	if err != nil {
		t.Fatalf("WriteOrder: %v", err)
	}
	if !r1.Created || r1.ID == "" {
		t.Fatalf("first WriteOrder: %+v, want Created with an id", r1)
	}
	o.Note = "changed on the second delivery"
	r2, err := env.Source.WriteOrder(ctx, o)
	if err != nil {
		t.Fatalf("second WriteOrder: %v", err)
	}
	if r2.Created || r2.ID != r1.ID {
		t.Fatalf("second WriteOrder: %+v, want %s not created", r2, r1.ID)
	}
	other, err := env.Source.WriteOrder(ctx, Order("b2b", "1001"))
	if err != nil || !other.Created || other.ID == r1.ID {
		t.Fatalf("same shop id in another store: %+v, %v", other, err)
	}
	res, _ := results(t, ctx, env.Source, "")
	if n := len(res["b2c/1001"]); n != 1 {
		t.Errorf("%d staging rows for b2c/1001, want 1", n)
	}
	if r := res["b2c/1001"]; len(r) == 1 && (r[0].State != erp.StagingPending || r[0].StagingID != r1.ID) {
		t.Errorf("staged order: %+v", r[0])
	}
	bad := Order("b2c", "")
	if _, err := env.Source.WriteOrder(ctx, bad); err == nil {
		t.Error("WriteOrder accepted an order without a shop order id")
	}
}

func testWriteOrderConcurrent(t *testing.T, env Env) {
	ctx := ctxT(t)
	o := Order("b2c", "2002")
	const n = 10
	refs := make([]erp.StagingRef, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			refs[i], errs[i] = env.Source.WriteOrder(ctx, o)
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("WriteOrder %d: %v", i, errs[i])
		}
		if refs[i].Created {
			created++
		}
		if refs[i].ID != refs[0].ID {
			t.Errorf("WriteOrder %d returned id %s, another %s", i, refs[i].ID, refs[0].ID)
		}
	}
	if created != 1 {
		t.Errorf("%d writers created the order, want exactly 1", created)
	}
	res, _ := results(t, ctx, env.Source, "")
	if len(res["b2c/2002"]) != 1 {
		t.Errorf("%d staging rows, want 1", len(res["b2c/2002"]))
	}
}

func testOrderResults(t *testing.T, env Env) {
	ctx := ctxT(t)
	a, err := env.Source.WriteOrder(ctx, Order("b2c", "3003"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Source.WriteOrder(ctx, Order("b2c", "3004"))
	if err != nil {
		t.Fatal(err)
	}
	first, c0 := results(t, ctx, env.Source, "")
	if c0 == "" || len(first["b2c/3003"]) != 1 || first["b2c/3003"][0].State != erp.StagingPending {
		t.Fatalf("before import: %+v cursor %q", first, c0)
	}
	if err := env.PlayImporter(ctx, a.ID, Importer{State: erp.StagingImported, ERPNumber: "RO/12/2024",
		ERPStatus: catalog.StatusShipped, TrackingCarrier: "InPost", TrackingNumber: "6200123"}); err != nil {
		t.Fatalf("PlayImporter: %v", err)
	}
	if err := env.PlayImporter(ctx, b.ID, Importer{State: erp.StagingFailed, Error: "Brak towaru: TWR-000001 (kontrahent „Źrebię”)"}); err != nil {
		t.Fatalf("PlayImporter: %v", err)
	}
	after, c1 := results(t, ctx, env.Source, c0)
	ra, rb := after["b2c/3003"], after["b2c/3004"]
	if len(ra) != 1 || ra[0].State != erp.StagingImported || ra[0].ERPNumber != "RO/12/2024" ||
		ra[0].Status != catalog.StatusShipped || ra[0].Tracking == nil || ra[0].Tracking.Number != "6200123" || ra[0].Tracking.Carrier != "InPost" {
		t.Errorf("imported order result: %+v", ra)
	}
	if len(rb) != 1 || rb[0].State != erp.StagingFailed || !strings.Contains(rb[0].Error, "Źrebię") {
		t.Errorf("failed order result: %+v", rb)
	}
	if backwards(t, c0, c1) {
		t.Errorf("cursor went backwards: %s then %s", c0, c1)
	}
	if _, c2 := results(t, ctx, env.Source, c1); backwards(t, c1, c2) {
		t.Errorf("cursor went backwards: %s then %s", c1, c2)
	}
}

func testCancel(t *testing.T, env Env) {
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	n := 0
	err := env.Source.Snapshot(ctx, []catalog.Kind{catalog.KindProduct, catalog.KindPrice, catalog.KindStock}, func(catalog.Record) error {
		n++
		if n == 1 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Snapshot after cancel: %v (after %d records), want context.Canceled", err, n)
	}
	total := 0
	_ = env.Source.Snapshot(context.Background(), []catalog.Kind{catalog.KindProduct, catalog.KindPrice, catalog.KindStock},
		func(catalog.Record) error { total++; return nil })
	if n >= total {
		t.Errorf("cancelled snapshot read %d of %d records", n, total)
	}
	stop := fmt.Errorf("stop here")
	if err := env.Source.Snapshot(context.Background(), []catalog.Kind{catalog.KindProduct}, func(catalog.Record) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Snapshot did not return fn's error: %v", err)
	}
}

func testMissingTable(t *testing.T, env Env) {
	ctx := ctxT(t)
	kind, query, err := env.Break(ctx)
	if err != nil {
		t.Fatalf("Break: %v", err)
	}
	err = env.Source.Snapshot(ctx, []catalog.Kind{kind}, func(catalog.Record) error { return nil })
	if err == nil {
		t.Fatalf("Snapshot of %s succeeded with its table gone", kind)
	}
	if !strings.Contains(err.Error(), query) {
		t.Errorf("error %q does not name query %s", err, query)
	}
	// Other kinds still read.
	other := slices.DeleteFunc(slices.Clone(catalog.Kinds), func(k catalog.Kind) bool { return k == kind })
	if err := env.Source.Snapshot(ctx, other[:1], func(catalog.Record) error { return nil }); err != nil {
		t.Errorf("Snapshot of %s after breaking %s: %v", other[0], kind, err)
	}
}
