package httpapi

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// auditActions lists the audit log, newest first, as "actor action subject".
func auditActions(t *testing.T, b *hubBundle) []string {
	t.Helper()
	evs, err := b.db.AuditEvents(t.Context(), 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Actor+" "+e.Action+" "+e.Subject)
	}
	return out
}

func TestSyncAndSnapshotActions(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	started := func(rec *httptest.ResponseRecorder) []string {
		t.Helper()
		var body struct{ Started []string }
		decode(t, rec, &body)
		return body.Started
	}
	rec := b.do(t, "POST", "/api/v1/actions/sync", adminToken, nil)
	if got := started(rec); rec.Code != http.StatusAccepted || !slices.Equal(got, []string{"push:b2c", "push:b2b"}) {
		t.Errorf("sync all = %d %s", rec.Code, rec.Body)
	}
	rec = b.do(t, "POST", "/api/v1/stores/b2b/sync", adminToken, nil)
	if got := started(rec); rec.Code != http.StatusAccepted || !slices.Equal(got, []string{"push:b2b"}) {
		t.Errorf("sync b2b = %d %s", rec.Code, rec.Body)
	}
	if rec := b.do(t, "POST", "/api/v1/stores/nope/sync", adminToken, nil); rec.Code != http.StatusNotFound || errorCode(t, rec) != "not_found" {
		t.Errorf("sync of an unknown store = %d %s", rec.Code, rec.Body)
	}
	rec = b.do(t, "POST", "/api/v1/actions/snapshot", adminToken, nil)
	if got := started(rec); rec.Code != http.StatusAccepted || !slices.Equal(got, []string{"snapshot"}) {
		t.Errorf("snapshot = %d %s", rec.Code, rec.Body)
	}
	want := []string{"push:b2c", "push:b2b", "push:b2b", "snapshot"}
	if got := b.actions.started(); !slices.Equal(got, want) {
		t.Errorf("jobs started = %v, want %v", got, want)
	}
	// A job that is off in schedules: 409, and nothing audited.
	b.actions.mu.Lock()
	b.actions.off["snapshot"] = true
	b.actions.mu.Unlock()
	if rec := b.do(t, "POST", "/api/v1/actions/snapshot", adminToken, nil); rec.Code != http.StatusConflict || errorCode(t, rec) != "job_off" {
		t.Errorf("snapshot while off = %d %s", rec.Code, rec.Body)
	}
	wantAudit := []string{"api:ops snapshot.trigger erp", "api:ops sync.trigger b2b", "api:ops sync.trigger all stores"}
	if got := auditActions(t, b); !slices.Equal(got, wantAudit) {
		t.Errorf("audit = %v, want %v", got, wantAudit)
	}

	// A disabled store cannot be synced; without the engine nothing can.
	nb := newHubWith(t, func(o *Options) {
		o.Operator.Actions = nil
		o.Operator.Stores[1].Enabled = false
	})
	if rec := nb.do(t, "POST", "/api/v1/actions/sync", adminToken, nil); rec.Code != http.StatusServiceUnavailable || errorCode(t, rec) != "unavailable" {
		t.Errorf("sync without the engine = %d %s", rec.Code, rec.Body)
	}
	db := newHubWith(t, func(o *Options) { o.Operator.Stores[1].Enabled = false })
	if rec := db.do(t, "POST", "/api/v1/stores/b2b/plan", adminToken, nil); rec.Code != http.StatusConflict || errorCode(t, rec) != "store_disabled" {
		t.Errorf("plan of a disabled store = %d %s", rec.Code, rec.Body)
	}
}

// startPlan posts a plan of store with body ("" for none) as the admin.
func startPlan(t *testing.T, b *hubBundle, store, body string) (planJob, *httptest.ResponseRecorder) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	rec := b.do(t, "POST", "/api/v1/stores/"+store+"/plan", adminToken, r)
	var p struct{ Plan planJob }
	if rec.Code == http.StatusOK || rec.Code == http.StatusAccepted {
		decode(t, rec, &p)
	}
	return p.Plan, rec
}

// waitPlan polls a plan until it is no longer running.
func waitPlan(t *testing.T, b *hubBundle, id string) planJob {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec := b.do(t, "GET", "/api/v1/plans/"+id, readToken, nil)
		var body struct{ Plan planJob }
		decode(t, rec, &body)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET plan %s = %d %s", id, rec.Code, rec.Body)
		}
		if body.Plan.State != planRunning {
			return body.Plan
		}
		if time.Now().After(deadline) {
			t.Fatalf("plan %s still running", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	release := make(chan struct{})
	b.actions.planFn = func(ctx context.Context, st string, o engine.ProjectOptions) (engine.ProjectSummary, error) {
		<-release
		if !o.Force && st == "b2b" {
			return engine.ProjectSummary{}, errors.New("store b2b: would deactivate 80% of its items; run with force")
		}
		return engine.ProjectSummary{Store: st,
			Desired: map[catalog.Kind]int{catalog.KindProduct: 4, catalog.KindPrice: 4},
			Changed: 4, Created: 1, Deactivated: 1, Zeroed: 1, Parked: 1, OutOfScope: 2,
			Reasons: []string{`price KUBEK-09: no price in list "detal"`},
			Changes: []engine.Change{
				{Kind: catalog.KindProduct, SKU: "KUBEK-01", Op: store.OpUpsert, After: json.RawMessage(`{"name":"Kubek"}`)},
				{Kind: catalog.KindPrice, SKU: "TALERZ-02", Op: store.OpUpsert,
					Before: json.RawMessage(`{"price":"19.90","currency":"PLN","sale":null}`),
					After:  json.RawMessage(`{"price": "21.50","currency":"PLN","tax":"23"}`)},
			}}, nil
	}
	first, rec := startPlan(t, b, "b2c", "")
	if rec.Code != http.StatusAccepted || first.State != planRunning || first.By != "ops" ||
		rec.Header().Get("Location") != "/api/v1/plans/"+first.ID {
		t.Fatalf("start plan = %d %s", rec.Code, rec.Body)
	}
	// A second start while it runs answers the same plan.
	if again, rec := startPlan(t, b, "b2c", ""); rec.Code != http.StatusOK || again.ID != first.ID {
		t.Errorf("second start = %d %s, want plan %s again", rec.Code, rec.Body, first.ID)
	}
	other, _ := startPlan(t, b, "b2b", "")
	close(release)

	done := waitPlan(t, b, first.ID)
	r := done.Result
	if done.State != planDone || r == nil || done.FinishedAt == nil {
		t.Fatalf("plan = %+v", done)
	}
	if r.Total != 8 || r.Create != 1 || r.Update != 2 || r.Deactivate != 1 || r.ZeroStock != 1 || r.Unchanged != 4 ||
		r.CannotPush != 1 || r.OutOfScope != 2 || len(r.Unmatched) != 1 || r.Desired["product"] != 4 {
		t.Errorf("plan counts = %+v", r)
	}
	if len(r.Samples) != 2 || !r.Samples[0].New || string(r.Samples[0].Document) != `{"name":"Kubek"}` {
		t.Fatalf("samples = %+v", r.Samples)
	}
	var fields []string
	for _, f := range r.Samples[1].Fields {
		fields = append(fields, fmt.Sprintf("%s: %s → %s", f.Field, f.Before, f.After))
	}
	// Spacing does not count; a field that is null before and absent after
	// (sale) did not change.
	want := []string{`price: "19.90" → "21.50"`, `tax: null → "23"`}
	if !slices.Equal(fields, want) {
		t.Errorf("field diff = %v, want %v", fields, want)
	}

	failed := waitPlan(t, b, other.ID)
	if failed.State != planFailed || !strings.Contains(failed.Error, "run with force") || failed.Result != nil {
		t.Errorf("plan over the deactivation limit = %+v", failed)
	}
	forced, _ := startPlan(t, b, "b2b", `{"force": true}`)
	if p := waitPlan(t, b, forced.ID); p.State != planDone || !p.Force {
		t.Errorf("forced plan = %+v", p)
	}
	if _, rec := startPlan(t, b, "b2b", `{force`); rec.Code != http.StatusBadRequest {
		t.Errorf("plan with a bad body = %d", rec.Code)
	}

	rec = b.do(t, "GET", "/api/v1/plans?store=b2b", readToken, nil)
	var list struct{ Plans []planJob }
	decode(t, rec, &list)
	if len(list.Plans) != 2 || list.Plans[0].ID != forced.ID || list.Plans[0].Result != nil {
		t.Errorf("plans of b2b = %+v", list.Plans)
	}
	if rec := b.do(t, "GET", "/api/v1/plans/999", readToken, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown plan = %d", rec.Code)
	}
	// Only the last maxPlans are kept.
	for range maxPlans {
		p, _ := startPlan(t, b, "b2c", "")
		waitPlan(t, b, p.ID)
	}
	if rec := b.do(t, "GET", "/api/v1/plans/"+first.ID, readToken, nil); rec.Code != http.StatusNotFound {
		t.Errorf("the oldest plan is still kept after %d more", maxPlans)
	}
}

func TestStatusReadings(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	b.advance(10 * time.Minute)
	rec := b.do(t, "GET", "/api/v1/status", readToken, nil)
	var s statusBody
	decode(t, rec, &s)
	if len(s.Stores) != 2 {
		t.Fatalf("status = %s", rec.Body)
	}
	b2c, b2b := s.Stores[0], s.Stores[1]
	if b2c.Circuit != "closed" || b2c.RateLimitWaitSeconds != 3 || b2c.LastPushAt == nil || !b2c.LastPushAt.Equal(readingsAt.Add(-90*time.Second)) {
		t.Errorf("b2c readings = %+v", b2c)
	}
	// b2c has a backlog: its lag runs from the later of its last push
	// (90 s before the readings) and its last item in step (the seeding),
	// ten minutes ago on the handler's clock.
	if b2c.LagSeconds == nil || *b2c.LagSeconds < 595 || *b2c.LagSeconds > 660 {
		t.Errorf("b2c lag = %v, want about 600 s", b2c.LagSeconds)
	}
	// b2b's only item is in step: no lag.
	if b2b.Circuit != "half-open" || b2b.LagSeconds == nil || *b2b.LagSeconds != 0 || b2b.LastPushAt != nil {
		t.Errorf("b2b readings = %+v", b2b)
	}
	var snap, delta jobStatus
	for _, j := range s.ERP.Jobs {
		switch j.Name {
		case "snapshot":
			snap = j
		case "erp-delta":
			delta = j
		}
	}
	if !snap.Failing || snap.LastError != "ERP: connection refused" || snap.Failures != 2 || delta.Failing || delta.LastOKAt == nil {
		t.Errorf("ERP jobs = %+v", s.ERP.Jobs)
	}
	if s.ERP.LastDeltaAt == nil || s.ERP.LastSnapshotAt != nil {
		t.Errorf("ERP reads = %v / %v", s.ERP.LastDeltaAt, s.ERP.LastSnapshotAt)
	}

	// An open circuit makes the store failing.
	ob := newHubWith(t, func(o *Options) { o.Operator.Readings = openCircuit{} })
	decode(t, ob.do(t, "GET", "/api/v1/status", readToken, nil), &s)
	if s.Stores[1].Health != "failing" || s.Stores[1].Circuit != "open" {
		t.Errorf("b2b with an open circuit = %+v", s.Stores[1])
	}
	// Without readings the status says it does not know.
	nb := newHubWith(t, func(o *Options) { o.Operator.Readings = nil })
	decode(t, nb.do(t, "GET", "/api/v1/status", readToken, nil), &s)
	if s.Stores[0].Circuit != "unknown" || s.Stores[0].LastPushAt != nil || len(s.ERP.Jobs) != 4 {
		t.Errorf("status without readings = %+v", s)
	}
}

type openCircuit struct{ fixedReadings }

func (openCircuit) Store(string) metrics.StoreReading { return metrics.StoreReading{Circuit: "open"} }

func TestOrderTimeline(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	ctx := t.Context()
	o, err := b.db.GetOrder(ctx, b.parked)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []state.OrderEvent{
		{Kind: state.OrderEventParked, Message: `unknown SKU "NIEZNANY-9"`},
		{Kind: state.OrderEventStaged, Message: "written to the ERP staging tables", Detail: json.RawMessage(`{"staging_id":"41"}`)},
		{Kind: state.OrderEventERPResult, Message: "imported into the ERP as RO/17/2026, tracking DPD TRK-1"},
		{Kind: state.OrderEventStatusSent, Message: "shop told: shipped"},
	} {
		e.Store, e.ShopOrderID, e.At = "b2c", "1001", o.ReceivedAt
		if i == 1 {
			// The operator's retry comes between parking and staging.
			rec := b.do(t, "POST", fmt.Sprintf("/api/v1/orders/%d/retry", b.parked), adminToken, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("retry = %d %s", rec.Code, rec.Body)
			}
			e.At = time.Now().Add(time.Minute)
		}
		if i > 1 {
			e.At = e.At.Add(time.Duration(i) * time.Minute)
		}
		if err := b.db.AddOrderEvent(ctx, nil, e, false); err != nil {
			t.Fatal(err)
		}
	}
	rec := b.do(t, "GET", fmt.Sprintf("/api/v1/orders/%d", b.parked), readToken, nil)
	var body struct {
		Timeline []timelineEntry
	}
	decode(t, rec, &body)
	var got []string
	for _, e := range body.Timeline {
		got = append(got, e.Kind+" by "+e.Actor)
	}
	want := []string{"received by shop:b2c", "parked by hub", "order.retry by api:ops", "staged by hub", "erp_result by hub", "status_sent by hub"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline = %v, want %v", got, want)
	}
	if string(body.Timeline[3].Detail) != `{"staging_id":"41"}` || !strings.Contains(body.Timeline[4].Message, "RO/17/2026") {
		t.Errorf("timeline entries = %+v", body.Timeline)
	}
	// Another order's history stays out.
	rec = b.do(t, "GET", fmt.Sprintf("/api/v1/orders/%d", b.fresh), readToken, nil)
	decode(t, rec, &body)
	if len(body.Timeline) != 1 || body.Timeline[0].Kind != "received" {
		t.Errorf("fresh order's timeline = %+v", body.Timeline)
	}
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	from := func(remote, xff, token string) *httptest.ResponseRecorder {
		req := loginRequest(token, "http://example.com")
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		return rec
	}
	// Five failures, each claiming another address in X-Forwarded-For,
	// which is not believed from an untrusted peer.
	for i := range signInBurst {
		if rec := from("192.0.2.7:4000", fmt.Sprintf("198.51.100.%d", i), "guess"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, rec.Code)
		}
	}
	rec := from("192.0.2.7:4001", "", adminToken)
	if rec.Code != http.StatusTooManyRequests || cookieOf(rec, sessionCookie) != nil {
		t.Fatalf("sign-in after %d failures = %d, want 429 even with the right token", signInBurst, rec.Code)
	}
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" || !strings.Contains(rec.Body.String(), "Too many failed sign-ins") {
		t.Errorf("429 answer: Retry-After %q, body %q", ra, rec.Body)
	}
	if rec := from("192.0.2.8:4000", "", adminToken); rec.Code != http.StatusSeeOther {
		t.Errorf("another address = %d, want a sign-in", rec.Code)
	}
	b.advance(signInEvery + time.Second)
	if rec := from("192.0.2.7:4002", "", adminToken); rec.Code != http.StatusSeeOther {
		t.Errorf("after waiting = %d, want a sign-in", rec.Code)
	}
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	b := newHubWith(t, func(o *Options) { o.TrustedProxies = []string{"10.0.0.0/8", "::1"} })
	login := func(remote, proto string, tlsOn bool) *http.Cookie {
		t.Helper()
		req := loginRequest(readToken, "http://example.com")
		req.RemoteAddr = remote
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		if tlsOn {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		c := cookieOf(rec, sessionCookie)
		if c == nil || cookieOf(rec, csrfCookie) == nil {
			t.Fatalf("sign-in from %s = %d, no cookies", remote, rec.Code)
		}
		if cookieOf(rec, csrfCookie).Secure != c.Secure {
			t.Errorf("session and CSRF cookies disagree on Secure")
		}
		return c
	}
	for _, tc := range []struct {
		name, remote, proto string
		tls, secure         bool
	}{
		{"plain http", "192.0.2.1:1000", "", false, false},
		{"direct TLS", "192.0.2.1:1000", "", true, true},
		{"forged header from a stranger", "192.0.2.1:1000", "https", false, false},
		{"trusted proxy says https", "10.1.2.3:1000", "https", false, true},
		{"trusted IPv6 proxy", "[::1]:1000", "HTTPS", false, true},
		{"trusted proxy says http", "10.1.2.3:1000", "http", false, false},
	} {
		if got := login(tc.remote, tc.proto, tc.tls).Secure; got != tc.secure {
			t.Errorf("%s: Secure = %v, want %v", tc.name, got, tc.secure)
		}
	}
}

func TestPlanEndsWithTheHub(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	b := newHubWith(t, func(o *Options) { o.Operator.Context = ctx })
	b.actions.planFn = func(ctx context.Context, _ string, _ engine.ProjectOptions) (engine.ProjectSummary, error) {
		<-ctx.Done()
		return engine.ProjectSummary{}, ctx.Err()
	}
	p, _ := startPlan(t, b, "b2c", "")
	cancel()
	if got := waitPlan(t, b, p.ID); got.State != planFailed || !strings.Contains(got.Error, "canceled") {
		t.Errorf("plan after the hub stopped = %+v", got)
	}
}
