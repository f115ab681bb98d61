package orders_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// webhookPost is one signed delivery with a label the test groups by.
type webhookPost struct {
	label string
	h     http.Header
	body  []byte
}

// deliverBatch posts ds concurrently while the writer is held and releases
// it once all are queued, so that they share one transaction; it returns
// the status codes by position.
func deliverBatch(t *testing.T, b *bundle, srv *httptest.Server, ds []webhookPost) []int {
	t.Helper()
	queued, release := orders.HoldCommits(b.svc)
	codes := make([]int, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+b.store, bytes.NewReader(d.body))
			req.Header = d.h
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Errorf("%s: %v", d.label, err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for queued() < len(ds) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d deliveries queued", queued(), len(ds))
		}
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	return codes
}

func webhookFor(t *testing.T, b *bundle, label, id string) webhookPost {
	t.Helper()
	h, body, err := b.shop.OrderWebhook(id)
	if err != nil {
		t.Fatal(err)
	}
	return webhookPost{label, h, body}
}

// TestGroupCommitMixedBatch: one transaction holding new orders, repeats of
// them (same delivery, same event under a new delivery id), an order known
// before, a newer version of a known order and an unreadable payload twice
// stores each order once and answers 202 exactly once per stored change.
func TestGroupCommitMixedBatch(t *testing.T) {
	t.Parallel()
	runMixedBatch(t, setup(t, "", ""))
}

func TestGroupCommitMixedBatchPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN to run the group commit tests on PostgreSQL", postgresEnv)
	}
	runMixedBatch(t, setup(t, "postgres", tempPostgres(t, dsn)))
}

func runMixedBatch(t *testing.T, b *bundle) {
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Webhooks: b.svc, Logger: b.svc.Log}))
	defer srv.Close()
	ids := b.place(t, 4) // A, B new; C known, then cancelled; D known
	a, bb, c, d := ids[0], ids[1], ids[2], ids[3]
	cOld := webhookFor(t, b, "C old", c)
	dOld := webhookFor(t, b, "D old", d)
	if codes := deliverBatch(t, b, srv, []webhookPost{cOld, dOld}); codes[0] != http.StatusAccepted || codes[1] != http.StatusAccepted {
		t.Fatalf("storing C and D answered %v", codes)
	}
	if err := b.hub.Stores[b.store].(store.StatusSetter).SetStatus(t.Context(), c, catalog.StatusUpdate{Status: catalog.StatusCancelled}); err != nil {
		t.Fatal(err)
	}
	aFirst := webhookFor(t, b, "A", a)
	bad := []byte(`{"id": [`)
	badHook := webhookPost{"invalid", b.shop.SignWebhook(memory.TopicOrderCreated, bad), bad}
	ds := []webhookPost{
		aFirst, aFirst, // the same delivery twice
		{"A", b.shop.SignWebhook(memory.TopicOrderCreated, aFirst.body), aFirst.body}, // same event, new delivery id
		webhookFor(t, b, "B", bb), webhookFor(t, b, "B", bb),
		webhookFor(t, b, "C new", c), cOld,
		webhookFor(t, b, "D", d), dOld,
		badHook, {"invalid", b.shop.SignWebhook(memory.TopicOrderCreated, bad), bad},
	}
	var commits atomic.Int64
	orders.SetCommitFault(b.svc, func() error { commits.Add(1); return nil })
	codes := deliverBatch(t, b, srv, ds)
	orders.SetCommitFault(b.svc, nil)
	if n := commits.Load(); n != 1 {
		t.Errorf("%d transactions, want the whole batch in one", n)
	}
	accepted := map[string]int{}
	for i, code := range codes {
		switch code {
		case http.StatusAccepted:
			accepted[ds[i].label]++
		case http.StatusOK:
		default:
			t.Errorf("delivery %d (%s) answered %d", i, ds[i].label, code)
		}
	}
	want := map[string]int{"A": 1, "B": 1, "C new": 1, "invalid": 1}
	if len(accepted) != len(want) {
		t.Errorf("202 answers by delivery: %v, want %v", accepted, want)
	}
	for k, n := range want {
		if accepted[k] != n {
			t.Errorf("202 answers by delivery: %v, want %v", accepted, want)
			break
		}
	}
	rows, err := b.hub.State.ListOrders(t.Context(), state.OrderFilter{Store: b.store})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("inbox holds %d rows, want A, B, C, D and the invalid payload", len(rows))
	}
	o, err := b.hub.State.OrderByKey(t.Context(), b.store, c)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.hub.Stores[b.store].(store.OrderSource).ParseOrder(o.Payload)
	if err != nil || p.Status != catalog.StatusCancelled {
		t.Errorf("C's stored status = %s, %v; want the newer, cancelled version", p.Status, err)
	}
	drain(t, b)
	if n := b.stagingCount(t); n != 3 {
		t.Errorf("ERP staging holds %d orders, want A, B and D (C was cancelled before import)", n)
	}
}

// TestGroupCommitFailure: when the transaction of a batch fails (and so do
// the one-by-one retries), every waiting delivery is answered 503 and
// nothing is stored; the shop's retries then store each order once.
func TestGroupCommitFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Webhooks: b.svc, Logger: b.svc.Log}))
	defer srv.Close()
	ids := b.place(t, 20)
	var ds []webhookPost
	for _, id := range ids {
		ds = append(ds, webhookFor(t, b, id, id))
	}
	var tries atomic.Int64
	orders.SetCommitFault(b.svc, func() error { tries.Add(1); return errors.New("disk I/O error") })
	codes := deliverBatch(t, b, srv, ds)
	orders.SetCommitFault(b.svc, nil)
	for i, code := range codes {
		if code != http.StatusServiceUnavailable {
			t.Errorf("delivery of %s answered %d after a failed commit, want 503", ds[i].label, code)
		}
	}
	if n := tries.Load(); n != int64(1+len(ds)) {
		t.Errorf("%d transactions tried, want the batch and then each order alone (%d)", n, 1+len(ds))
	}
	counts, err := b.hub.State.OrderCounts(t.Context(), b.store)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Fatalf("inbox after failed commits: %v, want nothing", counts)
	}
	codes = deliverBatch(t, b, srv, ds) // the shop retries
	for i, code := range codes {
		if code != http.StatusAccepted {
			t.Errorf("retried delivery of %s answered %d, want 202", ds[i].label, code)
		}
	}
	drain(t, b)
	assertAllImported(t, b, len(ids))
}
