package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
}

// newHub opens a fresh SQLite state database, seeds it with stores that
// have parked and failing items and a parked, an invalid and a received
// order, and returns the hub's handler with both tokens configured.
func newHub(t testing.TB) *hubBundle {
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

	b := &hubBundle{db: db, logs: &syncBuffer{}}
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
	b.h = NewHandler(Options{
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
		},
	})
	return b
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
