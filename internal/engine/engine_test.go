package engine

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/project"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fakeERP is an erp.Source over records held in memory; failAfter makes a
// snapshot fail after that many records.
type fakeERP struct {
	mu        sync.Mutex
	recs      map[catalog.Kind][]catalog.Record
	failAfter int // records across calls
	sent      int
}

func (f *fakeERP) Features() erp.Features     { return erp.Features{} }
func (f *fakeERP) Ping(context.Context) error { return nil }
func (f *fakeERP) Close() error               { return nil }
func (f *fakeERP) Changes(context.Context, string, func(catalog.Record) error) (string, error) {
	return "", errors.New("fake: no changes")
}
func (f *fakeERP) WriteOrder(context.Context, catalog.Order) (erp.StagingRef, error) {
	return erp.StagingRef{}, errors.New("fake: no orders")
}
func (f *fakeERP) OrderResults(context.Context, string, func(erp.OrderResult) error) (string, error) {
	return "", nil
}
func (f *fakeERP) Snapshot(ctx context.Context, kinds []catalog.Kind, fn func(catalog.Record) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range kinds {
		for _, r := range f.recs[k] {
			if f.failAfter > 0 && f.sent == f.failAfter {
				return errors.New("fake: connection reset")
			}
			f.sent++
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeERP) set(rs ...catalog.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs = map[catalog.Kind][]catalog.Record{}
	for _, r := range rs {
		f.recs[r.Kind()] = append(f.recs[r.Kind()], r)
	}
}

// catalogRecords is a small ERP: two categories, a mug, a T-shirt with two
// variants, a product not for the e-shop; retail prices and two warehouses.
func catalogRecords(mugPrice string) []catalog.Record {
	return []catalog.Record{
		catalog.Category{Code: "DOM", Name: "Dom"},
		catalog.Category{Code: "KUCH", ParentCode: "DOM", Name: "Kuchnia"},
		catalog.Product{SKU: "KUB-1", Name: "Kubek żółty", VATRate: d("23"), Active: true, EShop: true, Categories: []string{"KUCH"}},
		catalog.Product{SKU: "TSH", Name: "Koszulka", VATRate: d("23"), Active: true, EShop: true}, // axes come from the variants
		catalog.Product{SKU: "HIDDEN", Name: "Poza sklepem", VATRate: d("23"), Active: true, EShop: false},
		catalog.Variant{SKU: "TSH-M", ProductSKU: "TSH", Options: map[string]string{"rozmiar": "M"}, Active: true},
		catalog.Variant{SKU: "TSH-L", ProductSKU: "TSH", Options: map[string]string{"rozmiar": "L"}, Active: true},
		catalog.Price{SKU: "KUB-1", PriceList: "detal", Amount: d(mugPrice), Currency: "PLN", Gross: true},
		catalog.Price{SKU: "TSH", PriceList: "detal", Amount: d("49.99"), Currency: "PLN", Gross: true},
		catalog.Price{SKU: "TSH-L", PriceList: "detal", Amount: d("54.99"), Currency: "PLN", Gross: true},
		catalog.StockLevel{SKU: "KUB-1", Warehouse: "MAG1", OnHand: d("10"), Available: d("8")},
		catalog.StockLevel{SKU: "KUB-1", Warehouse: "MAG2", OnHand: d("3"), Available: d("3")},
		catalog.StockLevel{SKU: "TSH-M", Warehouse: "MAG1", OnHand: d("4"), Available: d("4")},
		catalog.StockLevel{SKU: "TSH-L", Warehouse: "MAG9", OnHand: d("7"), Available: d("7")},
	}
}

type bundle struct {
	db    *state.DB
	erp   *fakeERP
	shop  *memory.Shop
	st    *Store
	now   time.Time
	clock func() time.Time
}

func setup(t *testing.T) *bundle {
	t.Helper()
	db, err := state.Open(t.Context(), state.DriverSQLite, filepath.Join(t.TempDir(), "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := &bundle{db: db, erp: &fakeERP{}, shop: memory.NewShop(), now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	b.clock = func() time.Time { return b.now }
	db.SetClock(b.clock)
	adapter, err := memory.New("b2c", b.shop, memory.DefaultConnection(), memory.Credentials{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.st = &Store{
		ID: "b2c", Adapter: adapter, Features: adapter.Features(), MaxDeactivateShare: d("0.5"),
		Rules: project.Rules{
			Price: project.PriceRules{List: "detal", Gross: true, Currency: "PLN", Step: project.Step001, Mode: project.HalfUp},
			Stock: project.StockRules{Warehouses: []string{"MAG1", "MAG2"}, SubtractERPReservations: true, WhenZero: project.ZeroOutOfStock},
			Scope: project.ScopeRules{OnlyActive: true, OnlyEShop: true},
		},
	}
	b.erp.set(catalogRecords("19.90")...)
	return b
}

func (b *bundle) snapshot(t *testing.T) SnapshotSummary {
	t.Helper()
	sum, err := Snapshot(t.Context(), b.db, b.erp, SnapshotOptions{MaxRemoveShare: d("0.5")})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return sum
}

func (b *bundle) sync(t *testing.T) (ProjectSummary, PushSummary) {
	t.Helper()
	ps, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{Samples: 5})
	if err != nil {
		t.Fatalf("Project: %v", err)
	}
	pu, err := NewPusher(b.db, b.st, PusherOptions{Now: b.clock}).Run(t.Context())
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	return ps, pu
}

func kindSummary(s SnapshotSummary, k catalog.Kind) KindSummary {
	for _, ks := range s.Kinds {
		if ks.Kind == k {
			return ks
		}
	}
	return KindSummary{}
}

func TestSnapshotCountsAndRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.snapshot(t)
	if p := kindSummary(first, catalog.KindProduct); p.Added != 3 || p.Read != 3 {
		t.Fatalf("first snapshot products = %+v", p)
	}
	again := b.snapshot(t)
	if p := kindSummary(again, catalog.KindPrice); p.Unchanged != 3 || p.Added+p.Changed+p.Removed != 0 {
		t.Fatalf("unchanged snapshot prices = %+v", p)
	}

	recs := catalogRecords("21.50")
	b.erp.set(recs[:len(recs)-1]...) // one stock level gone, one price changed
	s := b.snapshot(t)
	if p := kindSummary(s, catalog.KindPrice); p.Changed != 1 {
		t.Errorf("price change not seen: %+v", p)
	}
	if st := kindSummary(s, catalog.KindStock); st.Removed != 1 {
		t.Errorf("stock removal not seen: %+v", st)
	}

	// An ERP that suddenly returns no products is refused, and nothing changes.
	b.erp.set(catalog.Category{Code: "DOM", Name: "Dom"})
	_, err := Snapshot(t.Context(), b.db, b.erp, SnapshotOptions{MaxRemoveShare: d("0.1")})
	if !errors.Is(err, ErrTooManyRemovals) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("emptied ERP: err = %v, want ErrTooManyRemovals naming --force", err)
	}
	if n, _ := b.db.CountMirror(t.Context(), "product"); n != 3 {
		t.Fatalf("refused snapshot changed the mirror: %d products", n)
	}
	if _, err := Snapshot(t.Context(), b.db, b.erp, SnapshotOptions{MaxRemoveShare: d("0.1"), Force: true}); err != nil {
		t.Fatalf("forced snapshot: %v", err)
	}
	if n, _ := b.db.CountMirror(t.Context(), "product"); n != 0 {
		t.Fatalf("forced snapshot left %d products", n)
	}
}

func TestSnapshotFailingMidwayCommitsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.snapshot(t)
	b.erp.set(catalogRecords("99.00")...)
	b.erp.sent, b.erp.failAfter = 0, 11 // after the prices were written, during stock
	if _, err := Snapshot(t.Context(), b.db, b.erp, SnapshotOptions{MaxRemoveShare: d("1")}); err == nil {
		t.Fatal("snapshot with a failing ERP succeeded")
	}
	var amounts []string
	err := b.db.StreamMirror(t.Context(), "price", func(r state.MirrorRecord) error {
		amounts = append(amounts, string(r.Payload))
		return nil
	})
	if err != nil || strings.Contains(strings.Join(amounts, ""), `"amount":"99"`) {
		t.Fatalf("half snapshot committed: %v %v", amounts, err)
	}
}

func TestSyncEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.snapshot(t)
	ps, pu := b.sync(t)
	if ps.OutOfScope != 1 {
		t.Errorf("out of scope = %d, want 1 (HIDDEN is not for the e-shop)", ps.OutOfScope)
	}
	if pu.Parked != 0 || pu.Failed != 0 || pu.Pushed == 0 {
		t.Fatalf("first push = %+v", pu)
	}
	mug, ok := b.shop.Product("KUB-1")
	if !ok || mug.RegularPrice == nil || !mug.RegularPrice.Equal(d("19.9")) || !mug.StockQuantity.Equal(d("11")) || !mug.Active {
		t.Fatalf("mug in shop = %+v", mug)
	}
	if cat, ok := b.shop.CategoryByCode("KUCH"); !ok || cat.Name != "Kuchnia" {
		t.Errorf("category KUCH in shop = %+v %v", cat, ok)
	}
	m, ok := b.shop.Product("TSH-M")
	if !ok || !m.RegularPrice.Equal(d("49.99")) || !m.StockQuantity.Equal(d("4")) {
		t.Errorf("variant M (price from its product) = %+v", m)
	}
	l, ok := b.shop.Product("TSH-L")
	if !ok || !l.RegularPrice.Equal(d("54.99")) || !l.StockQuantity.IsZero() || l.StockStatus != "outofstock" {
		t.Errorf("variant L (own price, stock in another warehouse) = %+v", l)
	}
	if _, ok := b.shop.Product("HIDDEN"); ok {
		t.Error("a product not for the e-shop reached the shop")
	}

	// Nothing changed: nothing to push.
	requests := b.shop.Requests()
	ps, pu = b.sync(t)
	if ps.Changed != 0 || pu.Batches != 0 || b.shop.Requests() != requests {
		t.Fatalf("unchanged re-sync: changed %d, batches %d, requests %d→%d", ps.Changed, pu.Batches, requests, b.shop.Requests())
	}

	// Ten price changes before a push are one push of one item.
	for i := 0; i < 10; i++ {
		b.erp.set(catalogRecords(decimal.NewFromInt(20 + int64(i)).String())...)
		b.snapshot(t)
		if _, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pu, err := NewPusher(b.db, b.st, PusherOptions{Now: b.clock}).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if pu.Pushed != 1 || pu.Batches != 1 {
		t.Fatalf("coalesced push = %+v, want one item in one batch", pu)
	}
	if mug, _ := b.shop.Product("KUB-1"); !mug.RegularPrice.Equal(d("29")) {
		t.Fatalf("mug price = %s, want the last one, 29", mug.RegularPrice)
	}
}

func TestProjectParksPriceUnderFloor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.st.Rules.Price.Floor, b.st.Rules.Price.Minimum = project.FloorMinimum, d("20")
	b.snapshot(t)
	ps, pu := b.sync(t)
	if ps.Parked != 1 || pu.Parked != 0 || !strings.Contains(strings.Join(ps.Reasons, "\n"), "below the floor 20 PLN") {
		t.Fatalf("floor: project %+v push %+v", ps, pu)
	}
	if mug, _ := b.shop.Product("KUB-1"); mug.RegularPrice != nil {
		t.Fatalf("a price under the floor was pushed: %s", mug.RegularPrice)
	}
	counts, err := b.db.StoreItemCounts(t.Context(), "b2c")
	if err != nil || counts.Parked != 1 {
		t.Fatalf("parked count = %+v %v", counts, err)
	}
}

func TestRemovalDeactivatesAndGuards(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.snapshot(t)
	b.sync(t)

	// The mug leaves the e-shop scope: deactivated, not deleted.
	recs := catalogRecords("19.90")
	recs[2] = catalog.Product{SKU: "KUB-1", Name: "Kubek żółty", VATRate: d("23"), Active: true, EShop: false, Categories: []string{"KUCH"}}
	b.erp.set(recs...)
	b.snapshot(t)
	b.st.MaxDeactivateShare = d("0.05")
	_, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{})
	if !errors.Is(err, ErrTooManyDeactivations) {
		t.Fatalf("deactivating 1 of few items over a 5%% share: err = %v", err)
	}
	if mug, _ := b.shop.Product("KUB-1"); !mug.Active {
		t.Fatal("refused run deactivated the mug")
	}
	if _, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{Force: true}); err != nil {
		t.Fatalf("forced: %v", err)
	}
	if _, err := NewPusher(b.db, b.st, PusherOptions{Now: b.clock}).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if mug, ok := b.shop.Product("KUB-1"); !ok || mug.Active {
		t.Fatalf("mug after leaving scope = %+v %v, want kept and inactive", mug, ok)
	}
}

func TestPushRetriesAndStops(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.snapshot(t)
	if _, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Bind(t.Context(), b.db, b.st, false, nil); err != nil {
		t.Fatal(err)
	}
	// A 500 fails the batch; its items wait for their backoff.
	b.shop.FailNext(1, memory.Fault{Kind: memory.FaultServerError})
	p := NewPusher(b.db, b.st, PusherOptions{Now: b.clock})
	p.Backoff = func(int) time.Duration { return time.Minute }
	sum, err := p.Run(t.Context())
	if err != nil || sum.Failed == 0 {
		t.Fatalf("run with a 500: %+v %v", sum, err)
	}
	if _, ok := b.shop.Product("KUB-1"); ok && sum.Failed > 1 {
		t.Log("other kinds went through after the failed batch, as they should")
	}
	counts, _ := b.db.StoreItemCounts(t.Context(), "b2c")
	if counts.Failing == 0 {
		t.Fatalf("failed items not recorded: %+v", counts)
	}
	b.now = b.now.Add(2 * time.Minute)
	if sum, err := p.Run(t.Context()); err != nil || sum.Failed != 0 {
		t.Fatalf("retry after backoff: %+v %v", sum, err)
	}
	if counts, _ := b.db.StoreItemCounts(t.Context(), "b2c"); counts.Dirty != 0 || counts.Parked != 0 {
		t.Fatalf("after retry: %+v", counts)
	}

	// Bad credentials stop the store's run with a fatal error.
	b.erp.set(catalogRecords("25.00")...)
	b.snapshot(t)
	if _, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	b.shop.FailNext(1, memory.Fault{Kind: memory.FaultUnauthorized})
	if _, err := p.Run(t.Context()); !fault.IsFatal(err) {
		t.Fatalf("auth failure: err = %v, want fatal", err)
	}
}

func TestPlanWritesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.snapshot(t)
	ps, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{DryRun: true, Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ps.Changed == 0 || len(ps.Changes) != 3 || ps.Changes[0].After == nil {
		t.Fatalf("plan = %+v", ps)
	}
	if counts, _ := b.db.StoreItemCounts(t.Context(), "b2c"); counts.Total != 0 {
		t.Fatalf("plan wrote %d items", counts.Total)
	}
}

func TestOwnedFieldsStayAsTheShopHasThem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.st.Rules.Product.Owned = []string{"description"}
	recs := catalogRecords("19.90")
	mug := recs[2].(catalog.Product)
	mug.Description = "Opis z ERP"
	recs[2] = mug
	b.erp.set(recs...)
	b.snapshot(t)
	b.sync(t)
	if p, _ := b.shop.Product("KUB-1"); p.Description != "Opis z ERP" {
		t.Fatalf("first push description = %q", p.Description)
	}

	// The ERP changes the description and the name: the name goes out, the
	// description the store owns does not.
	mug.Description, mug.Name = "Nowy opis z ERP", "Kubek żółty duży"
	recs[2] = mug
	b.erp.set(recs...)
	b.snapshot(t)
	// (Products and variants are pushed once more here: after their first
	// push their documents leave the owned fields out.)
	_, pu := b.sync(t)
	if pu.Pushed != 4 || pu.Failed+pu.Parked != 0 {
		t.Fatalf("push after a name change = %+v", pu)
	}
	p, _ := b.shop.Product("KUB-1")
	if p.Name != "Kubek żółty duży" || p.Description != "Opis z ERP" {
		t.Fatalf("after update: name %q, description %q", p.Name, p.Description)
	}
}

func TestBindBeforeFirstPush(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The shop already sells the mug (same SKU) and the T-shirt under another
	// SKU but the same EAN, and something the ERP does not know.
	other, err := memory.New("b2c", b.shop, memory.DefaultConnection(), memory.Credentials{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := other.Push(t.Context(), []store.Item{
		{Kind: catalog.KindProduct, SKU: "KUB-1", Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: "KUB-1", Name: "Kubek (sklep)", Active: true}},
		{Kind: catalog.KindProduct, SKU: "OLD-TSH", Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: "OLD-TSH", EAN: "5901111111111", Name: "Koszulka (sklep)", Axes: []string{"rozmiar"}, Active: true}},
		{Kind: catalog.KindProduct, SKU: "SHOP-ONLY", Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: "SHOP-ONLY", Name: "Tylko w sklepie", Active: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	recs := catalogRecords("19.90")
	tsh := recs[3].(catalog.Product)
	tsh.EAN = "5901111111111"
	recs[3] = tsh
	b.erp.set(recs...)
	b.snapshot(t)
	if _, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err := Bind(t.Context(), b.db, b.st, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.BySKU != 1 || sum.ByEAN != 1 || sum.UnmatchedShop != 1 || sum.NewInShop != 2 {
		t.Fatalf("bind = %+v", sum)
	}
	if _, pu := b.sync(t); pu.Failed+pu.Parked != 0 {
		t.Fatalf("push after binding: %+v", pu)
	}
	if p, _ := b.shop.Product("KUB-1"); p.Name != "Kubek żółty" {
		t.Errorf("bound mug not updated: %+v", p)
	}
	if p, ok := b.shop.Product("TSH"); !ok || p.ID != res[1].ShopID {
		t.Errorf("T-shirt bound by EAN should keep the shop's product %s: %+v %v", res[1].ShopID, p, ok)
	}
	products := 0
	for _, p := range b.shop.Products() {
		if p.ParentID == "" {
			products++
		}
	}
	if products != 3 {
		t.Errorf("shop has %d products, want 3 (mug, T-shirt, shop-only): binding must not duplicate", products)
	}
	if again, _ := Bind(t.Context(), b.db, b.st, false, nil); !again.Skipped {
		t.Error("second Bind did not skip")
	}
}

func TestPusherRateFromStoreConfig(t *testing.T) {
	t.Parallel()
	b := setup(t)
	st := *b.st
	st.Features.Rate, st.Features.Burst = 10, 10
	st.Rate, st.Burst = 2, 3
	if p := NewPusher(b.db, &st, PusherOptions{}); p.limiter.Limit() != 2 || p.limiter.Burst() != 3 {
		t.Errorf("config below the adapter: limit %v burst %d, want 2 and 3", p.limiter.Limit(), p.limiter.Burst())
	}
	st.Rate, st.Burst = 50, 0
	if p := NewPusher(b.db, &st, PusherOptions{}); p.limiter.Limit() != 10 || p.limiter.Burst() != 10 {
		t.Errorf("config above the adapter must not raise it: limit %v burst %d", p.limiter.Limit(), p.limiter.Burst())
	}
	st.Features.Rate, st.Features.Burst = 0, 0
	if p := NewPusher(b.db, &st, PusherOptions{}); p.limiter.Limit() != 50 {
		t.Errorf("unlimited adapter with a configured rate: limit %v, want 50", p.limiter.Limit())
	}
}

// TestPushFeedsMetrics: a push run shows in the Prometheus metrics.
func TestPushFeedsMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.st.ID = "metrics-test" // its own label values, apart from parallel tests
	b.snapshot(t)
	b.sync(t)
	families, err := metrics.New(b.db, []string{b.st.ID}, nil, 0).Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range families {
		if f.GetName() != "erpbridge_pushed_items_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["store"] == "metrics-test" && labels["kind"] == "product" && labels["result"] == "ok" && m.GetCounter().GetValue() >= 2 {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("erpbridge_pushed_items_total{store=metrics-test,kind=product,result=ok} not fed by the push")
	}
}

func TestImagesKeptAsDataGetHubURLs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hash := strings.Repeat("ab", 32)
	b.erp.set(append(catalogRecords("19.90"),
		catalog.Image{ProductSKU: "KUB-1", Position: 0, URL: "https://cdn.example/kubek.jpg"},
		catalog.Image{ProductSKU: "KUB-1", Position: 1, ContentHash: hash, ContentType: "image/png"},
	)...)
	b.snapshot(t)

	b.sync(t)
	if mug, _ := b.shop.Product("KUB-1"); len(mug.Images) != 1 || mug.Images[0] != "https://cdn.example/kubek.jpg" {
		t.Fatalf("without http.public_url: images %q, want only the ERP's URL", mug.Images)
	}

	b.st.ImageBaseURL = "https://hub.example/"
	b.sync(t)
	want := []string{"https://cdn.example/kubek.jpg", "https://hub.example/images/" + hash + "/KUB-1/1"}
	if mug, _ := b.shop.Product("KUB-1"); strings.Join(mug.Images, " ") != strings.Join(want, " ") {
		t.Fatalf("images %q, want %q", mug.Images, want)
	}
}

// eventually waits up to 30 s for ok, calling each (if set) between tries,
// and fails the test naming what it waited for.
func eventually(t *testing.T, what string, ok func() bool, each func()) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if each != nil {
			each()
		}
		time.Sleep(50 * time.Millisecond)
	}
}
