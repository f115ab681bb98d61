package httpapi

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

// routes returns the gin routes of h outside the dashboard.
func apiRoutes(t testing.TB, h http.Handler) gin.RoutesInfo {
	t.Helper()
	e, ok := h.(*gin.Engine)
	if !ok {
		t.Fatalf("NewHandler returned %T, want *gin.Engine", h)
	}
	var out gin.RoutesInfo
	for _, r := range e.Routes() {
		if r.Path == "/" || strings.HasPrefix(r.Path, DashboardPrefix+"/") {
			continue
		}
		out = append(out, r)
	}
	return out
}

// fill replaces a route's parameters with values of the seeded hub.
func (b *hubBundle) fill(path string) string {
	r := strings.NewReplacer(":id", strconv.FormatInt(b.parked, 10), ":store", "b2c", ":kind", "product", ":sku", "TALERZ-02")
	return r.Replace(path)
}

func TestRouteTableRefusesBadTokens(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	// A plan to read back (GET /plans/:plan); its start is audited.
	started, rec := startPlan(t, b, "b2c", "")
	if rec.Code != http.StatusAccepted || started.ID == "" {
		t.Fatalf("start a plan = %d %s", rec.Code, rec.Body)
	}
	before, err := b.db.AuditEvents(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	routes := apiRoutes(t, b.h)
	checked, writes := 0, 0
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, APIPrefix+"/") && r.Path != "/metrics" {
			continue
		}
		checked++
		path := strings.ReplaceAll(b.fill(r.Path), ":plan", started.ID)
		for _, tok := range []string{"", "wrong-token", adminToken + "x", strings.ToUpper(adminToken)} {
			rec := b.do(t, r.Method, path, tok, nil)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q = %d, want 401", r.Method, r.Path, tok, rec.Code)
				continue
			}
			if code := errorCode(t, rec); code != "unauthorized" {
				t.Errorf("%s %s: error code %q, want unauthorized", r.Method, r.Path, code)
			}
		}
		if r.Method == http.MethodGet {
			if rec := b.do(t, r.Method, path, readToken, nil); rec.Code != http.StatusOK {
				t.Errorf("GET %s with the read token = %d %s, want 200", r.Path, rec.Code, rec.Body)
			}
			continue
		}
		writes++
		rec := b.do(t, r.Method, path, readToken, nil)
		if rec.Code != http.StatusForbidden || errorCode(t, rec) != "forbidden" {
			t.Errorf("%s %s with the read token = %d %s, want 403 forbidden", r.Method, r.Path, rec.Code, rec.Body)
		}
	}
	if checked < 18 || writes < 9 {
		t.Fatalf("walked %d routes with %d writes; the route table lost the admin API", checked, writes)
	}
	// Nothing the refused requests asked for happened.
	evs, err := b.db.AuditEvents(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(before) {
		t.Errorf("refused requests left audit events: %+v", evs[:len(evs)-len(before)])
	}
	if jobs := b.actions.started(); len(jobs) != 0 {
		t.Errorf("refused requests started jobs %v", jobs)
	}
	if o, _ := b.db.GetOrder(t.Context(), b.parked); o.State != "parked" {
		t.Errorf("parked order is %s after refused writes", o.State)
	}
	for _, secret := range []string{adminToken, readToken} {
		if strings.Contains(b.logs.String(), secret) {
			t.Errorf("the log holds a token")
		}
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                          `yaml:"openapi"`
		Paths   map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.yaml is version %q, want 3.x", doc.OpenAPI)
	}
	var inFile []string
	for p, ops := range doc.Paths {
		for m := range ops {
			inFile = append(inFile, strings.ToUpper(m)+" "+p)
		}
	}
	b := newHub(t)
	var served []string
	for _, r := range apiRoutes(t, b.h) {
		parts := strings.Split(r.Path, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
				parts[i] = "{" + s[1:] + "}"
			}
		}
		served = append(served, r.Method+" "+strings.Join(parts, "/"))
	}
	slices.Sort(inFile)
	slices.Sort(served)
	for _, s := range served {
		if !slices.Contains(inFile, s) {
			t.Errorf("route %s is served but missing from openapi.yaml", s)
		}
	}
	for _, s := range inFile {
		if !slices.Contains(served, s) {
			t.Errorf("openapi.yaml describes %s, which is not served", s)
		}
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	if err := b.db.SetCursor(t.Context(), nil, "erp.changes", "2026-12-01T10:00:00Z"); err != nil {
		t.Fatal(err)
	}
	rec := b.do(t, "GET", "/api/v1/status", readToken, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d %s", rec.Code, rec.Body)
	}
	var s statusBody
	decode(t, rec, &s)
	if s.ERP.Cursors["delta"] != "2026-12-01T10:00:00Z" {
		t.Errorf("ERP cursors = %v", s.ERP.Cursors)
	}
	if len(s.Stores) != 2 || s.Stores[0].ID != "b2c" || s.Stores[1].ID != "b2b" {
		t.Fatalf("stores = %+v", s.Stores)
	}
	c, d := s.Stores[0], s.Stores[1]
	if want := (itemCounts{Total: 4, InSync: 1, Dirty: 2, Failing: 1, Parked: 1}); c.Items != want {
		t.Errorf("b2c items = %+v, want %+v", c.Items, want)
	}
	if c.Health != "failing" || d.Health != "attention" {
		t.Errorf("health b2c %q, b2b %q; want failing, attention", c.Health, d.Health)
	}
	if c.Orders["parked"] != 1 || c.Orders["received"] != 1 || d.Orders["invalid"] != 1 || s.Orders["parked"] != 1 {
		t.Errorf("order counts b2c %v, b2b %v, all %v", c.Orders, d.Orders, s.Orders)
	}
	if c.LastInSyncAt == nil || d.LastInSyncAt == nil {
		t.Errorf("last in-sync times missing: %v %v", c.LastInSyncAt, d.LastInSyncAt)
	}
	if s.Totals.Total != 5 || s.Totals.InSync != 2 {
		t.Errorf("totals = %+v", s.Totals)
	}
}

func TestItems(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	tests := []struct {
		query string
		want  []string
		next  bool
	}{
		{"", []string{"b2b/product/KUBEK-01", "b2c/price/KUBEK-01", "b2c/product/KUBEK-01", "b2c/product/TALERZ-02", "b2c/stock/KUBEK-01"}, false},
		{"?store=b2c&kind=product", []string{"b2c/product/KUBEK-01", "b2c/product/TALERZ-02"}, false},
		{"?state=parked", []string{"b2c/product/TALERZ-02"}, false},
		{"?state=failing", []string{"b2c/price/KUBEK-01"}, false},
		{"?state=dirty&store=b2c", []string{"b2c/price/KUBEK-01", "b2c/product/KUBEK-01"}, false},
		{"?sku=KUBEK-01&limit=2", []string{"b2b/product/KUBEK-01", "b2c/price/KUBEK-01"}, true},
		{"?sku=KUBEK-01&limit=2&offset=2", []string{"b2c/product/KUBEK-01", "b2c/stock/KUBEK-01"}, false},
	}
	for _, tc := range tests {
		rec := b.do(t, "GET", "/api/v1/items"+tc.query, readToken, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("items%s = %d %s", tc.query, rec.Code, rec.Body)
		}
		var body struct {
			Items      []item `json:"items"`
			NextOffset *int   `json:"next_offset"`
		}
		decode(t, rec, &body)
		var got []string
		for _, it := range body.Items {
			got = append(got, it.Store+"/"+it.Kind+"/"+it.SKU)
		}
		if !slices.Equal(got, tc.want) || (body.NextOffset != nil) != tc.next {
			t.Errorf("items%s = %v next %v, want %v next %v", tc.query, got, body.NextOffset, tc.want, tc.next)
		}
	}
	for _, q := range []string{"?state=stuck", "?limit=0", "?limit=x", "?offset=-1"} {
		if rec := b.do(t, "GET", "/api/v1/items"+q, readToken, nil); rec.Code != http.StatusBadRequest || errorCode(t, rec) != "bad_request" {
			t.Errorf("items%s = %d %s, want 400 bad_request", q, rec.Code, rec.Body)
		}
	}
}

func TestItemParkAndSkip(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	rec := b.do(t, "POST", "/api/v1/items/b2c/product/KUBEK-01/park", adminToken, strings.NewReader(`{"reason": "wait for the photo shoot"}`))
	var body struct{ Item item }
	decode(t, rec, &body)
	if rec.Code != http.StatusOK || body.Item.State != "parked" || body.Item.ParkedReason != "wait for the photo shoot" {
		t.Fatalf("park = %d %+v", rec.Code, body.Item)
	}
	rec = b.do(t, "POST", "/api/v1/items/b2c/product/TALERZ-02/skip", adminToken, nil)
	decode(t, rec, &body)
	if rec.Code != http.StatusOK || body.Item.State != "in_sync" || body.Item.ParkedReason != "" {
		t.Fatalf("skip = %d %+v, want in step without a reason", rec.Code, body.Item)
	}
	for _, path := range []string{"/api/v1/items/b2c/product/NOPE/park", "/api/v1/items/b2c/product/NOPE/skip"} {
		if rec := b.do(t, "POST", path, adminToken, nil); rec.Code != http.StatusNotFound || errorCode(t, rec) != "not_found" {
			t.Errorf("%s = %d %s", path, rec.Code, rec.Body)
		}
	}
	if rec := b.do(t, "POST", "/api/v1/items/b2c/product/KUBEK-01/park", adminToken, strings.NewReader(`{"reason": 5}`)); rec.Code != http.StatusBadRequest {
		t.Errorf("park with a bad body = %d, want 400", rec.Code)
	}
	got := auditActions(t, b)
	want := []string{"api:ops item.skip b2c/product/TALERZ-02", "api:ops item.park b2c/product/KUBEK-01"}
	if !slices.Equal(got, want) {
		t.Errorf("audit = %v, want %v", got, want)
	}
}

func TestItemRetry(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	rec := b.do(t, "POST", "/api/v1/items/b2c/product/TALERZ-02/retry", adminToken, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("retry = %d %s", rec.Code, rec.Body)
	}
	var body struct{ Item item }
	decode(t, rec, &body)
	if body.Item.State != "dirty" || body.Item.ParkedReason != "" {
		t.Errorf("retried item = %+v, want dirty without a reason", body.Item)
	}
	if rec := b.do(t, "POST", "/api/v1/items/b2c/product/NOPE/retry", adminToken, nil); rec.Code != http.StatusNotFound || errorCode(t, rec) != "not_found" {
		t.Errorf("retry of an unknown item = %d %s", rec.Code, rec.Body)
	}
	if err := b.db.Park(t.Context(), "b2c", "product", "KUBEK-01", "h1", "bad"); err != nil {
		t.Fatal(err)
	}
	rec = b.do(t, "POST", "/api/v1/stores/b2c/retry-parked", adminToken, nil)
	var bulk struct{ Retried int }
	decode(t, rec, &bulk)
	if rec.Code != http.StatusOK || bulk.Retried != 1 {
		t.Errorf("retry-parked = %d %s, want 1 retried", rec.Code, rec.Body)
	}
	if rec := b.do(t, "POST", "/api/v1/stores/nope/retry-parked", adminToken, nil); rec.Code != http.StatusNotFound {
		t.Errorf("retry-parked of an unknown store = %d", rec.Code)
	}
	got := auditActions(t, b)
	want := []string{"api:ops store.retry_parked b2c", "api:ops item.retry b2c/product/TALERZ-02"}
	if !slices.Equal(got, want) {
		t.Errorf("audit = %v, want %v", got, want)
	}
}

func TestOrders(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	rec := b.do(t, "GET", "/api/v1/orders?store=b2c", readToken, nil)
	var list struct {
		Orders     []order `json:"orders"`
		NextBefore *int64  `json:"next_before"`
	}
	decode(t, rec, &list)
	if len(list.Orders) != 2 || list.Orders[0].ID != b.fresh || list.Orders[1].ID != b.parked || list.Orders[0].Payload != nil {
		t.Fatalf("orders of b2c = %+v", list.Orders)
	}
	rec = b.do(t, "GET", "/api/v1/orders?limit=1", readToken, nil)
	decode(t, rec, &list)
	if len(list.Orders) != 1 || list.NextBefore == nil || *list.NextBefore != list.Orders[0].ID {
		t.Fatalf("first page = %+v next %v", list.Orders, list.NextBefore)
	}
	rec = b.do(t, "GET", fmt.Sprintf("/api/v1/orders?limit=5&before=%d", *list.NextBefore), readToken, nil)
	list.NextBefore = nil
	decode(t, rec, &list)
	if len(list.Orders) != 2 || list.NextBefore != nil {
		t.Fatalf("second page = %+v next %v", list.Orders, list.NextBefore)
	}

	var detail struct{ Order order }
	decode(t, b.do(t, "GET", fmt.Sprintf("/api/v1/orders/%d", b.parked), readToken, nil), &detail)
	if detail.Order.Reason != `unknown SKU "NIEZNANY-9"` || !strings.Contains(string(detail.Order.Payload), "NIEZNANY-9") {
		t.Errorf("parked order detail = %+v", detail.Order)
	}
	decode(t, b.do(t, "GET", fmt.Sprintf("/api/v1/orders/%d", b.invalid), readToken, nil), &detail)
	if detail.Order.PayloadText == nil || *detail.Order.PayloadText != "not json at all" {
		t.Errorf("invalid order detail = %+v", detail.Order)
	}
	for path, want := range map[string]int{"/api/v1/orders/999": 404, "/api/v1/orders/x": 400, "/api/v1/orders/-1": 400, "/api/v1/orders?state=lost": 400} {
		if rec := b.do(t, "GET", path, readToken, nil); rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}

func TestOrderActions(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	steps := []struct {
		action string
		id     int64
		body   string
		status int
		state  string
		reason string
	}{
		{"retry", b.parked, "", 200, "received", ""},
		{"retry", b.parked, "", 409, "received", ""},
		{"park", b.fresh, `{"reason":"customer asked to wait"}`, 200, "parked", "customer asked to wait"},
		{"skip", b.invalid, "", 200, "skipped", "skipped by ops"},
		{"park", b.invalid, "", 409, "skipped", "skipped by ops"},
		{"retry", b.invalid, "", 200, "received", ""},
		{"park", b.parked, `{"reason":`, 400, "received", ""},
	}
	for i, s := range steps {
		rec := b.do(t, "POST", fmt.Sprintf("/api/v1/orders/%d/%s", s.id, s.action), adminToken, strings.NewReader(s.body))
		if rec.Code != s.status {
			t.Fatalf("step %d %s = %d %s, want %d", i, s.action, rec.Code, rec.Body, s.status)
		}
		if s.status == 409 && errorCode(t, rec) != "invalid_transition" {
			t.Errorf("step %d: code %s", i, rec.Body)
		}
		o, err := b.db.GetOrder(t.Context(), s.id)
		if err != nil {
			t.Fatal(err)
		}
		if string(o.State) != s.state || o.Reason != s.reason {
			t.Errorf("step %d %s: order is %s %q, want %s %q", i, s.action, o.State, o.Reason, s.state, s.reason)
		}
	}
	evs, err := b.db.AuditEvents(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 || evs[3].Action != "order.retry" || evs[3].Actor != "api:ops" || evs[3].Subject != "b2c/order/1001" ||
		!strings.Contains(string(evs[3].Detail), `"from":"parked"`) {
		t.Errorf("audit = %+v", evs)
	}
	var page struct {
		Events []struct {
			Action string `json:"action"`
		} `json:"events"`
		NextBefore int64 `json:"next_before"`
	}
	decode(t, b.do(t, "GET", "/api/v1/audit?limit=3", readToken, nil), &page)
	if len(page.Events) != 3 || page.NextBefore == 0 || page.Events[0].Action != "order.retry" {
		t.Errorf("audit page = %+v", page)
	}
}

func TestConfigAndWhoami(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	var cfg struct{ YAML string }
	decode(t, b.do(t, "GET", "/api/v1/config", readToken, nil), &cfg)
	if !strings.Contains(cfg.YAML, "[redacted]") {
		t.Errorf("config = %q", cfg.YAML)
	}
	var who struct{ Name, Role string }
	decode(t, b.do(t, "GET", "/api/v1/whoami", readToken, nil), &who)
	if who.Name != "viewer" || who.Role != "read" {
		t.Errorf("whoami = %+v", who)
	}
	if rec := b.do(t, "GET", "/api/v1/nope", readToken, nil); rec.Code != 404 || errorCode(t, rec) != "not_found" {
		t.Errorf("unknown route = %d %s", rec.Code, rec.Body)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	b.do(t, "GET", "/api/v1/status", readToken, nil)
	b.do(t, "BREW", "/coffee", "", nil)
	rec := b.do(t, "GET", "/metrics", readToken, nil)
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	text := rec.Body.String()
	for _, want := range []string{
		`erpbridge_store_items{state="parked",store="b2c"} 1`,
		`erpbridge_store_items{state="failing",store="b2c"} 1`,
		`erpbridge_store_items{state="dirty",store="b2c"} 2`,
		`erpbridge_store_items{state="in_sync",store="b2b"} 1`,
		`erpbridge_inbox_orders{state="invalid",store="b2b"} 1`,
		`erpbridge_inbox_orders{state="received",store="b2c"} 1`,
		`erpbridge_state_up 1`,
		`erpbridge_http_requests_total{code="200",method="GET",route="/api/v1/status"} 1`,
		`erpbridge_http_requests_total{code="404",method="other",route="unmatched"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
