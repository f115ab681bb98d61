package orders_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/state"
)

// drain processes until nothing is due, failing the test on an error.
func drain(t *testing.T, b *bundle) {
	t.Helper()
	if _, err := b.svc.Process(t.Context()); err != nil {
		t.Fatalf("Process: %v", err)
	}
}

// assertAllImported checks that exactly want orders of the store are in the
// inbox, all imported, and exactly want are staged in the ERP.
func assertAllImported(t *testing.T, b *bundle, want int) {
	t.Helper()
	counts, err := b.hub.State.OrderCounts(t.Context(), b.store)
	if err != nil {
		t.Fatal(err)
	}
	if counts[state.OrderImported] != want || len(counts) != 1 {
		rows, _ := b.hub.State.ListOrders(t.Context(), state.OrderFilter{Store: b.store, State: state.OrderParked, Limit: 3})
		for _, r := range rows {
			t.Logf("parked %s: %s", r.ShopOrderID, r.Reason)
		}
		t.Fatalf("inbox counts %v, want %d imported", counts, want)
	}
	if n := b.stagingCount(t); n != want {
		t.Fatalf("ERP staging holds %d orders, want %d", n, want)
	}
}

// TestConcurrentDeliveriesAndPolling is fault test (a): every order is
// delivered five times concurrently by webhook while polling with overlap
// and processing run; the ERP gets each order exactly once.
func TestConcurrentDeliveriesAndPolling(t *testing.T) {
	t.Parallel()
	runConcurrent(t, "", "")
}

func TestConcurrentDeliveriesAndPollingPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the order fault tests on PostgreSQL", postgresEnv)
	}
	runConcurrent(t, "postgres", tempPostgres(t, dsn))
}

func runConcurrent(t *testing.T, driver, dsn string) {
	n := 500
	if testing.Short() || raceEnabled {
		n = 60
	}
	b := setup(t, driver, dsn)
	ids := b.place(t, n)
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Webhooks: b.svc, Logger: b.svc.Log}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var bg sync.WaitGroup
	var bgErr atomic.Value
	bg.Add(2)
	go func() { // polling with overlap, over and over
		defer bg.Done()
		for ctx.Err() == nil {
			if _, err := b.svc.Poll(ctx, b.store); err != nil && ctx.Err() == nil {
				bgErr.Store(err)
				return
			}
		}
	}()
	go func() { // processing
		defer bg.Done()
		for ctx.Err() == nil {
			if _, err := b.svc.Process(ctx); err != nil && ctx.Err() == nil {
				bgErr.Store(err)
				return
			}
		}
	}()

	type delivery struct {
		id string
		h  http.Header
		b  []byte
	}
	work := make(chan delivery)
	var stored, dup, other atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+b.store, bytes.NewReader(d.b))
				req.Header = d.h
				resp, err := srv.Client().Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusAccepted:
					stored.Add(1)
				case http.StatusOK:
					dup.Add(1)
				default:
					other.Add(1)
					t.Errorf("order %s: webhook answered %d", d.id, resp.StatusCode)
				}
			}
		}()
	}
	for _, id := range ids {
		for range 5 {
			h, body, err := b.shop.OrderWebhook(id)
			if err != nil {
				t.Fatal(err)
			}
			work <- delivery{id, h, body}
		}
	}
	close(work)
	wg.Wait()
	cancel()
	bg.Wait()
	if err, ok := bgErr.Load().(error); ok {
		t.Fatalf("background job: %v", err)
	}
	if other.Load() != 0 || stored.Load()+dup.Load() != int64(5*n) || stored.Load() > int64(n) {
		t.Fatalf("webhook answers: %d stored, %d duplicate, %d other for %d deliveries of %d orders", stored.Load(), dup.Load(), other.Load(), 5*n, n)
	}
	if _, err := b.svc.Poll(t.Context(), b.store); err != nil {
		t.Fatal(err)
	}
	drain(t, b)
	assertAllImported(t, b, n)
	// place gives every fourth order a company with a NIP, the rest e-mails.
	if m, companies := b.stagingMatches(t), (n+3)/4; m["nip"] != companies || m["email"] != n-companies || len(m) != 2 {
		t.Errorf("staged customer_match counts %v, want %d nip and %d email", m, companies, n-companies)
	}

	// Every accepted order holds its stock in the hub until the ERP has it.
	reserved, err := b.hub.State.ReservedBySKU(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]decimal.Decimal{}
	for _, id := range ids {
		o, _ := b.shop.Order(id)
		for _, l := range o.Lines {
			want[l.SKU] = want[l.SKU].Add(l.Quantity)
		}
	}
	for sku, q := range want {
		if !reserved[sku].Equal(q) {
			t.Errorf("reserved %s = %s, want %s", sku, reserved[sku], q)
		}
	}
}

// flakyERP fails WriteOrder as unreachable until up is set.
type flakyERP struct {
	erp.Source
	up     atomic.Bool
	failed atomic.Int64
}

func (f *flakyERP) WriteOrder(ctx context.Context, o catalog.Order) (erp.StagingRef, error) {
	if !f.up.Load() {
		f.failed.Add(1)
		return erp.StagingRef{}, errors.New("dial tcp 10.0.0.5:1433: connect: connection refused")
	}
	return f.Source.WriteOrder(ctx, o)
}

// TestERPDownDuringIntake is fault test (c): with the ERP unreachable every
// order is kept and retried later; once it is back all are imported once.
func TestERPDownDuringIntake(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	flaky := &flakyERP{Source: b.hub.ERP}
	b.svc.ERP = flaky
	now := time.Now().Add(time.Minute)
	var clockMu sync.Mutex
	b.svc.Now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	b.svc.Backoff = func(int) time.Duration { return time.Hour }
	n := 40
	ids := b.place(t, n)
	if _, err := b.svc.Poll(t.Context(), b.store); err != nil {
		t.Fatal(err)
	}
	drain(t, b)
	counts, err := b.hub.State.OrderCounts(t.Context(), b.store)
	if err != nil {
		t.Fatal(err)
	}
	if counts[state.OrderReceived] != n || flaky.failed.Load() != int64(n) || b.stagingCount(t) != 0 {
		t.Fatalf("with the ERP down: inbox %v, %d failed writes, want %d orders waiting", counts, flaky.failed.Load(), n)
	}
	o, err := b.hub.State.OrderByKey(t.Context(), b.store, ids[0])
	if err != nil || o.Reason == "" || !o.NextAttemptAt.After(now) {
		t.Fatalf("waiting order = %+v, %v; want a reason and a later attempt", o, err)
	}
	// Nothing is due before the backoff ends, even with the ERP back.
	flaky.up.Store(true)
	drain(t, b)
	if n := b.stagingCount(t); n != 0 {
		t.Fatalf("%d orders written before their next attempt", n)
	}
	clockMu.Lock()
	now = now.Add(2 * time.Hour)
	clockMu.Unlock()
	drain(t, b)
	assertAllImported(t, b, n)
}

func TestStatusBackOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	ids := b.place(t, 3)
	if _, err := b.svc.Poll(t.Context(), b.store); err != nil {
		t.Fatal(err)
	}
	drain(t, b)
	assertAllImported(t, b, 3)
	var calls atomic.Int64
	b.svc.OnReserved = func(context.Context) { calls.Add(1) }
	b.execERP(t, `UPDATE $orders SET state = 'imported', erp_number = 'RO/' || shop_order_id, erp_status = 'shipped',
tracking_carrier = 'DPD', tracking_number = 'TRK-' || shop_order_id, updated_at = ? WHERE shop_order_id = ?`,
		time.Now().UTC().Add(time.Second).Format("2006-01-02 15:04:05"), ids[0])
	b.execERP(t, `UPDATE $orders SET state = 'failed', error = 'unknown VAT group', updated_at = ? WHERE shop_order_id = ?`,
		time.Now().UTC().Add(time.Second).Format("2006-01-02 15:04:05"), ids[1])
	res, err := b.svc.SyncStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	o, _ := b.shop.Order(ids[0])
	if res.Sent != 1 || o.ERPNumber != "RO/"+ids[0] || o.Tracking == nil || o.Tracking.Number != "TRK-"+ids[0] || o.HubStatus() != catalog.StatusShipped {
		t.Fatalf("after status sync (%+v) the shop's order is %+v", res, o)
	}
	if calls.Load() == 0 {
		t.Errorf("OnReserved not called after a release")
	}
	reqs := b.shop.Requests()
	res, err = b.svc.SyncStatus(t.Context())
	if err != nil || res.Sent != 0 || b.shop.Requests() != reqs {
		t.Fatalf("second status sync = %+v, %v; %d shop requests, want none", res, err, b.shop.Requests()-reqs)
	}
	failed, err := b.hub.State.OrderByKey(t.Context(), b.store, ids[1])
	if err != nil || failed.State != state.OrderParked || failed.Reason != "ERP importer failed: unknown VAT group" {
		t.Fatalf("order failed by the importer = %+v, %v", failed, err)
	}
	reserved, err := b.hub.State.ReservedBySKU(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sum := decimal.Zero
	for _, q := range reserved {
		sum = sum.Add(q)
	}
	want := decimal.Zero
	for _, id := range ids[1:] {
		o, _ := b.shop.Order(id)
		for _, l := range o.Lines {
			want = want.Add(l.Quantity)
		}
	}
	if !sum.Equal(want) {
		t.Errorf("reserved after release = %s, want %s (the imported order released, the others kept)", sum, want)
	}
	_ = fmt.Sprint
}
