package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/state"
)

const (
	adminToken = "admin-secret-token-1"
	readToken  = "read-secret-token-2"
)

// hubBundle is a handler over a seeded state database.
type hubBundle struct {
	db      *state.DB
	h       http.Handler
	parked  int64 // a parked order of b2c
	invalid int64 // an invalid order of b2b
	fresh   int64 // a received order of b2c
	logs    *syncBuffer
	actions *fakeActions
	// skew is added to the handler's clock (advance).
	mu   sync.Mutex
	skew time.Duration
}

// now is the handler's clock: the real time plus what advance added.
func (b *hubBundle) now() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().Add(b.skew)
}

func (b *hubBundle) advance(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.skew += d
}

// newHub opens a fresh SQLite state database, seeds it with stores that
// have parked and failing items and a parked, an invalid and a received
// order, and returns the hub's handler with both tokens configured, a fake
// engine and fixed engine readings.
func newHub(t testing.TB) *hubBundle { return newHubWith(t, nil) }

// newHubWith is newHub with edit applied to the handler's options.
func newHubWith(t testing.TB, edit func(*Options)) *hubBundle {
	t.Helper()
	ctx := t.Context()
	db, err := state.Open(ctx, state.DriverSQLite, filepath.Join(t.TempDir(), "state.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	item := func(store, kind, sku string) state.DesiredItem {
		return state.DesiredItem{Store: store, Kind: kind, SKU: sku, Hash: "h1", Payload: json.RawMessage(`{}`)}
	}
	_, err = db.SetDesired(ctx, nil, []state.DesiredItem{
		item("b2c", "product", "KUBEK-01"), item("b2c", "product", "TALERZ-02"),
		item("b2c", "price", "KUBEK-01"), item("b2c", "stock", "KUBEK-01"), item("b2b", "product", "KUBEK-01"),
	})
	must(err)
	must(db.Park(ctx, "b2c", "product", "TALERZ-02", "h1", "category Naczynia is not mapped in the shop"))
	must(db.Fail(ctx, "b2c", "price", "KUBEK-01", "h1", "HTTP 503 from the shop", time.Now().Add(time.Hour)))
	must(db.Ack(ctx, "b2c", "stock", "KUBEK-01", "77", "h1"))
	must(db.Ack(ctx, "b2b", "product", "KUBEK-01", "12", "h1"))

	b := &hubBundle{db: db, logs: &syncBuffer{}, actions: &fakeActions{off: map[string]bool{}}}
	b.parked, _, err = db.InsertOrder(ctx, state.InboxOrder{Store: "b2c", ShopOrderID: "1001", State: state.OrderParked,
		Payload: []byte(`{"id":1001,"lines":[{"sku":"NIEZNANY-9","qty":"2"}]}`), Reason: `unknown SKU "NIEZNANY-9"`})
	must(err)
	b.invalid, _, err = db.InsertOrder(ctx, state.InboxOrder{Store: "b2b", ShopOrderID: "B-77", State: state.OrderInvalid,
		Payload: []byte(`not json at all`), Reason: "payload is not JSON"})
	must(err)
	b.fresh, _, err = db.InsertOrder(ctx, state.InboxOrder{Store: "b2c", ShopOrderID: "1002",
		Payload: []byte(`{"id":1002}`)})
	must(err)

	log := slog.New(slog.NewTextHandler(b.logs, nil))
	o := Options{
		Logger: log,
		Operator: &Operator{
			State: db,
			Tokens: []Token{
				{Name: "ops", Secret: adminToken, Role: RoleAdmin},
				{Name: "viewer", Secret: readToken, Role: RoleRead},
			},
			Stores: []StoreInfo{
				{ID: "b2c", Name: "Sklep detaliczny", Type: "woocommerce", Enabled: true},
				{ID: "b2b", Name: "Hurt", Type: "http", Enabled: true},
			},
			ERPCursors:     map[string]string{"delta": "erp.changes"},
			RedactedConfig: func() ([]byte, error) { return []byte("erp:\n  dsn: '[redacted]'\n"), nil },
			Metrics:        metrics.New(db, []string{"b2c", "b2b"}, log, 0),
			Actions:        b.actions,
			Readings:       fixedReadings{},
			Now:            b.now,
		},
	}
	if edit != nil {
		edit(&o)
	}
	b.h = NewHandler(o)
	return b
}

// fakeActions is the engine for the admin API: it records the jobs started
// and answers plans from PlanFn.
type fakeActions struct {
	mu   sync.Mutex
	jobs []string
	off  map[string]bool
	// planFn answers Plan; nil answers an empty plan.
	planFn func(ctx context.Context, store string, o engine.ProjectOptions) (engine.ProjectSummary, error)
}

func (f *fakeActions) RunJob(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.off[name] {
		return fmt.Errorf("engine: no job %q is scheduled", name)
	}
	f.jobs = append(f.jobs, name)
	return nil
}

func (f *fakeActions) started() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.jobs)
}

func (f *fakeActions) Plan(ctx context.Context, store string, o engine.ProjectOptions) (engine.ProjectSummary, error) {
	f.mu.Lock()
	fn := f.planFn
	f.mu.Unlock()
	if fn == nil {
		return engine.ProjectSummary{Store: store}, nil
	}
	return fn(ctx, store, o)
}

// fixedReadings: b2c waited 3 s for its rate limit and last took a push
// 90 s ago; b2b's circuit is half-open; the snapshot job last failed.
type fixedReadings struct{}

var readingsAt = time.Now()

func (fixedReadings) Store(id string) metrics.StoreReading {
	switch id {
	case "b2c":
		return metrics.StoreReading{Circuit: "closed", RateLimitWait: 3 * time.Second, LastPushAt: readingsAt.Add(-90 * time.Second)}
	case "b2b":
		return metrics.StoreReading{Circuit: "half-open"}
	}
	return metrics.StoreReading{Circuit: "closed"}
}

func (fixedReadings) Job(name string) metrics.JobReading {
	switch name {
	case "snapshot":
		return metrics.JobReading{LastRunAt: readingsAt, LastErrorAt: readingsAt, LastError: "ERP: connection refused", Failures: 2,
			LastOKAt: readingsAt.Add(-time.Hour)}
	case "erp-delta":
		return metrics.JobReading{LastRunAt: readingsAt, LastOKAt: readingsAt}
	}
	return metrics.JobReading{}
}

func (fixedReadings) LastERPRead(what string) time.Time {
	if what == "delta" {
		return readingsAt
	}
	return time.Time{}
}

// do sends one request with token as bearer ("" for none) and returns the
// recorded answer.
func (b *hubBundle) do(t testing.TB, method, path, token string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}

// decode unmarshals rec's body into v.
func decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// errorCode returns the error code of an error answer.
func errorCode(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var e apiError
	decode(t, rec, &e)
	if e.Error.Message == "" {
		t.Errorf("error answer %q has no message", rec.Body.String())
	}
	return e.Error.Code
}

// syncBuffer is a strings.Builder safe for concurrent writes (the log).
type syncBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sb.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sb.String()
}
