package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/state"
)

func openState(t *testing.T) *state.DB {
	t.Helper()
	db, err := state.Open(t.Context(), state.DriverSQLite, filepath.Join(t.TempDir(), "state.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStateCollector(t *testing.T) {
	t.Parallel()
	db := openState(t)
	ctx := t.Context()
	var items []state.DesiredItem
	for _, sku := range []string{"A", "B", "C", "D"} {
		items = append(items, state.DesiredItem{Store: "b2c", Kind: "product", SKU: sku, Hash: "h", Payload: json.RawMessage(`{}`)})
	}
	if _, err := db.SetDesired(ctx, nil, items); err != nil {
		t.Fatal(err)
	}
	if err := db.Ack(ctx, "b2c", "product", "A", "1", "h"); err != nil {
		t.Fatal(err)
	}
	if err := db.Park(ctx, "b2c", "product", "B", "h", "bad"); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, "b2c", "product", "C", "h", "503", time.Now()); err != nil {
		t.Fatal(err)
	}
	for i, st := range []state.OrderState{state.OrderReceived, state.OrderParked, state.OrderParked} {
		if _, _, err := db.InsertOrder(ctx, state.InboxOrder{Store: "b2c", ShopOrderID: string(rune('1' + i)), State: st}); err != nil {
			t.Fatal(err)
		}
	}
	r := New(db, []string{"b2c", "empty"}, nil, 0)
	got := gather(t, r)
	want := map[string]float64{
		`erpbridge_store_items{state="dirty",store="b2c"}`:     2,
		`erpbridge_store_items{state="failing",store="b2c"}`:   1,
		`erpbridge_store_items{state="in_sync",store="b2c"}`:   1,
		`erpbridge_store_items{state="parked",store="b2c"}`:    1,
		`erpbridge_store_items{state="dirty",store="empty"}`:   0,
		`erpbridge_store_items{state="parked",store="empty"}`:  0,
		`erpbridge_inbox_orders{state="parked",store="b2c"}`:   2,
		`erpbridge_inbox_orders{state="received",store="b2c"}`: 1,
		`erpbridge_inbox_orders{state="imported",store="b2c"}`: 0,
		`erpbridge_state_up`: 1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}

	// A closed database shows as state_up 0, not as a failed scrape.
	db.Close()
	if g := gather(t, r)["erpbridge_state_up"]; g != 0 {
		t.Errorf("erpbridge_state_up with the database closed = %v, want 0", g)
	}
}

// gather scrapes r into a map from "name{label="value",...}" (labels
// sorted, as Prometheus gives them) to the value; histograms by their count.
func gather(t *testing.T, r *Registry) map[string]float64 {
	t.Helper()
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			if len(m.GetLabel()) > 0 {
				var ls []string
				for _, l := range m.GetLabel() {
					ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				}
				key += "{" + strings.Join(ls, ",") + "}"
			}
			switch {
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestEngineAndHTTPMetrics(t *testing.T) {
	t.Parallel()
	r := New(openState(t), nil, nil, 0)
	ObservePush("metrics-test", "price", 300*time.Millisecond, 10, 3)
	SetCircuit("metrics-test", CircuitOpen)
	ObserveRateLimitWait("metrics-test", 2*time.Second)
	ObserveERPRead("metrics-test-delta", time.Second, 42)
	r.ObserveHTTP("/api/v1/orders/:id", "GET", 404, time.Millisecond)
	r.ObserveHTTP("", "GET", 404, time.Millisecond)

	got := gather(t, r)
	want := map[string]float64{
		`erpbridge_pushed_items_total{kind="price",result="ok",store="metrics-test"}`:       7,
		`erpbridge_pushed_items_total{kind="price",result="failed",store="metrics-test"}`:   3,
		`erpbridge_push_duration_seconds{kind="price",store="metrics-test"}`:                1,
		`erpbridge_store_circuit_state{store="metrics-test"}`:                               CircuitOpen,
		`erpbridge_rate_limit_wait_seconds_total{store="metrics-test"}`:                     2,
		`erpbridge_erp_rows_read_total{what="metrics-test-delta"}`:                          42,
		`erpbridge_erp_read_duration_seconds{what="metrics-test-delta"}`:                    1,
		`erpbridge_http_requests_total{code="404",method="GET",route="/api/v1/orders/:id"}`: 1,
		`erpbridge_http_requests_total{code="404",method="GET",route="unmatched"}`:          1,
		`erpbridge_http_request_duration_seconds{method="GET",route="unmatched"}`:           1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// TestGrafanaDashboardNamesExist keeps scripts/grafana/erpbridge.json in
// step with the metrics: every erpbridge_* name its queries use is one this
// package exposes.
func TestGrafanaDashboardNamesExist(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "scripts", "grafana", "erpbridge.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("erpbridge.json: %v", err)
	}
	r := New(openState(t), []string{"b2c"}, nil, 0)
	// Feed every engine metric once so that each has a series to find.
	ObservePush("grafana-test", "product", time.Second, 1, 0)
	ObserveRateLimitWait("grafana-test", time.Second)
	SetCircuit("grafana-test", CircuitClosed)
	ObserveERPRead("grafana-test", time.Second, 1)
	ObserveJob("grafana-test", nil)
	r.ObserveHTTP("/healthz", "GET", 200, time.Millisecond)
	known := map[string]bool{}
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		known[mf.GetName()] = true
		if mf.GetType().String() == "HISTOGRAM" {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				known[mf.GetName()+suffix] = true
			}
		}
	}
	name := regexp.MustCompile(`erpbridge_[a-z_]+`)
	used := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, n := range name.FindAllString(tg.Expr, -1) {
				used++
				if !known[n] {
					t.Errorf("panel %q queries %s, which the hub does not expose", p.Title, n)
				}
			}
		}
	}
	if used < 10 {
		t.Fatalf("the dashboard uses only %d erpbridge metrics", used)
	}
}

func TestReadings(t *testing.T) {
	t.Parallel()
	var r Readings
	if got := r.Store("readings-test"); got.Circuit != "closed" || got.RateLimitWait != 0 || !got.LastPushAt.IsZero() {
		t.Errorf("a store nothing was reported of = %+v", got)
	}
	SetCircuit("readings-test", CircuitOpen)
	ObserveRateLimitWait("readings-test", 1500*time.Millisecond)
	ObserveRateLimitWait("readings-test", 500*time.Millisecond)
	ObservePush("readings-test", "price", time.Second, 10, 10)
	if got := r.Store("readings-test"); got.Circuit != "open" || got.RateLimitWait != 2*time.Second || !got.LastPushAt.IsZero() {
		t.Errorf("after an all-failed push = %+v", got)
	}
	before := time.Now()
	ObservePush("readings-test", "price", time.Second, 10, 3)
	SetCircuit("readings-test", CircuitHalfOpen)
	if got := r.Store("readings-test"); got.Circuit != "half-open" || got.LastPushAt.Before(before) {
		t.Errorf("after an accepted push = %+v", got)
	}

	ObserveJob("readings-test-job", nil)
	ObserveJob("readings-test-job", errors.New("ERP down"))
	j := r.Job("readings-test-job")
	if j.Failures != 1 || j.LastError != "ERP down" || j.LastOKAt.IsZero() || j.LastErrorAt.Before(j.LastOKAt) || !j.LastRunAt.Equal(j.LastErrorAt) {
		t.Errorf("job reading = %+v", j)
	}
	ObserveJob("readings-test-job", nil)
	if j := r.Job("readings-test-job"); j.Failures != 1 || !j.LastOKAt.After(j.LastErrorAt) && !j.LastOKAt.Equal(j.LastErrorAt) {
		t.Errorf("job reading after a good run = %+v", j)
	}
	ObserveERPRead("readings-test-read", time.Second, 5)
	if r.LastERPRead("readings-test-read").Before(before) || !r.LastERPRead("never").IsZero() {
		t.Errorf("last ERP reads wrong")
	}
}
