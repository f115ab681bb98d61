package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Browser tests drive Chromium through the dashboard. Screenshots go to
// $ERPBRIDGE_SCREENSHOTS when set (kept for a look), else to a temporary
// folder.
const (
	chromiumEnv    = "ERPBRIDGE_CHROMIUM"
	screenshotsEnv = "ERPBRIDGE_SCREENSHOTS"
)

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(chromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skipf("Chromium not found: install it (apt-get install -y chromium) or set %s to its path to run the dashboard's browser tests", chromiumEnv)
	return ""
}

// browser starts a fresh headless Chromium with its own profile and returns
// a context driving one tab, bounded to a minute; the browser stops at the
// test's end.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 860),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser; it must not carry the timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancel)
	return tctx
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv(screenshotsEnv); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// shot saves a screenshot of the whole page as dir/name.png.
func shot(t *testing.T, dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name+".png")
		t.Logf("screenshot %s", p)
		return os.WriteFile(p, buf, 0o644)
	})
}

func signIn(base, token string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/ui/login"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("stores")),
	)
}

// text reads the text of the first element matching css.
func text(ctx context.Context, t *testing.T, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

func do(ctx context.Context, t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserAdminRetriesParkedOrder(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	srv := httptest.NewServer(b.h)
	t.Cleanup(srv.Close)
	ctx := browser(t)
	dir := screenshotDir(t)
	if err := b.db.SetCursor(t.Context(), nil, "erp.changes", "2026-12-03T14:55:00Z"); err != nil {
		t.Fatal(err)
	}

	do(ctx, t,
		chromedp.Navigate(srv.URL+"/ui/login"),
		chromedp.WaitVisible(chromedp.ID("token")),
		shot(t, dir, "admin-0-sign-in"),
		signIn(srv.URL, adminToken),
		shot(t, dir, "admin-1-overview"))
	stores := text(ctx, t, "#stores tbody")
	for _, want := range []string{"Sklep detaliczny", "failing", "Hurt", "attention"} {
		if !strings.Contains(stores, want) {
			t.Errorf("overview's stores table lacks %q: %q", want, stores)
		}
	}
	if got := text(ctx, t, "#erp"); !strings.Contains(got, "2026-12-03T14:55:00Z") {
		t.Errorf("overview's ERP facts lack the delta cursor: %q", got)
	}
	if got := text(ctx, t, "#parked-items-card .value"); got != "1" {
		t.Errorf("parked items card = %q, want 1", got)
	}

	row := fmt.Sprintf(`tr[data-order="%d"]`, b.parked)
	retry := chromedp.CSS(row + ` button[data-action="retry"]`)
	do(ctx, t,
		chromedp.Click(chromedp.ID("nav-attention")),
		chromedp.WaitVisible(retry),
		shot(t, dir, "admin-2-needs-attention"))
	if got := text(ctx, t, row+" td.reason"); got != `unknown SKU "NIEZNANY-9"` {
		t.Errorf("parked order's reason on the page = %q", got)
	}
	do(ctx, t,
		chromedp.Click(retry),
		chromedp.WaitNotPresent(chromedp.CSS(row)),
		chromedp.WaitVisible(chromedp.ID("flash")),
		shot(t, dir, "admin-3-after-retry"))
	if got := text(ctx, t, "#flash"); got != "Order b2c #1001 is back in the import queue." {
		t.Errorf("after Retry the page says %q", got)
	}
	o, err := b.db.GetOrder(t.Context(), b.parked)
	if err != nil || o.State != state.OrderReceived {
		t.Fatalf("after Retry the order is %s (%v), want received", o.State, err)
	}

	// The importer takes the order into the ERP; the open order page shows
	// it without a reload.
	do(ctx, t,
		chromedp.Navigate(fmt.Sprintf("%s/ui/orders/%d", srv.URL, b.parked)),
		chromedp.WaitVisible(chromedp.ID("order-state")))
	if got := text(ctx, t, "#order-state"); got != "received" {
		t.Errorf("order page before the import says %q", got)
	}
	if err := b.db.SetOrderState(t.Context(), b.parked, state.OrderImported, "", "RO/17/2026", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("order-state").textContent === "imported"`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the order page never showed the import: %v", err)
	}
	if got := text(ctx, t, "#order"); !strings.Contains(got, "RO/17/2026") {
		t.Errorf("order facts lack the ERP document: %q", got)
	}
	do(ctx, t,
		shot(t, dir, "admin-4-order-imported"),
		chromedp.Navigate(srv.URL+"/ui/audit"),
		chromedp.WaitVisible(chromedp.ID("audit")),
		shot(t, dir, "admin-5-audit"))
	if got := text(ctx, t, "#audit tbody"); !strings.Contains(got, "order.retry") || !strings.Contains(got, "api:ops") {
		t.Errorf("audit page = %q", got)
	}
	do(ctx, t,
		chromedp.Navigate(srv.URL+"/ui/orders"),
		chromedp.WaitVisible(chromedp.ID("orders")),
		shot(t, dir, "admin-6-orders"))
	if got := text(ctx, t, "#orders tbody"); !strings.Contains(got, "RO/17/2026") || !strings.Contains(got, "b2b #B-77") {
		t.Errorf("orders page = %q", got)
	}
	// Filtering by state shows only those orders.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById("filter-state");
		s.value = "invalid"; s.dispatchEvent(new Event("change")); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#orders tbody tr").length === 1`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("filtering orders by state: %v", err)
	}
	if got := text(ctx, t, "#orders tbody"); !strings.Contains(got, "b2b #B-77") {
		t.Errorf("invalid orders = %q", got)
	}
	do(ctx, t,
		chromedp.Navigate(srv.URL+"/ui/config"),
		chromedp.WaitVisible(chromedp.CSS("pre.block")),
		shot(t, dir, "admin-7-config"))
}

func TestBrowserReadOnlySeesNoButtons(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	srv := httptest.NewServer(b.h)
	t.Cleanup(srv.Close)
	ctx := browser(t)
	dir := screenshotDir(t)

	countButtons := chromedp.Evaluate[int](`document.querySelectorAll("#content button").length`)
	do(ctx, t, signIn(srv.URL, readToken), shot(t, dir, "read-1-overview"))
	if got := text(ctx, t, "#role"); !strings.EqualFold(got, "read-only") {
		t.Errorf("role badge = %q", got)
	}
	if n, err := chromedp.Run(ctx, countButtons); err != nil || n != 0 {
		t.Errorf("read-only overview shows %d buttons (%v)", n, err)
	}
	do(ctx, t,
		chromedp.Navigate(srv.URL+"/ui/attention"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-order="%d"]`, b.parked))),
		shot(t, dir, "read-2-needs-attention"))
	if n, err := chromedp.Run(ctx, countButtons); err != nil || n != 0 {
		t.Errorf("read-only attention page shows %d buttons (%v)", n, err)
	}
	for _, pg := range []struct{ path, ready, name string }{
		{fmt.Sprintf("/ui/orders/%d", b.parked), "#timeline", "read-3-order-timeline"},
		{"/ui/stores/b2c/plan", "#content .empty", "read-4-plan"},
	} {
		do(ctx, t, chromedp.Navigate(srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready)), shot(t, dir, pg.name))
		if n, err := chromedp.Run(ctx, countButtons); err != nil || n != 0 {
			t.Errorf("read-only %s shows %d buttons (%v)", pg.path, n, err)
		}
	}
	if got := text(ctx, t, "#content .empty"); !strings.Contains(got, "An admin can run one") {
		t.Errorf("read-only plan page says %q", got)
	}
	// The server refuses too, whatever the page shows.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch("/api/v1/orders/%d/retry", {method: "POST",
		credentials: "same-origin", headers: {"X-CSRF-Token": document.cookie.replace(/.*erpbridge_csrf=([^;]*).*/, "$1")}}).then(r => r.status)`, b.parked),
		chromedp.EvalAwaitPromise))
	if err != nil || status != 403 {
		t.Errorf("read-only retry from the page = %d (%v), want 403", status, err)
	}
	if o, _ := b.db.GetOrder(t.Context(), b.parked); o.State != state.OrderParked {
		t.Errorf("order is %s after a read-only retry", o.State)
	}
}

// samplePlan is a plan with something of each kind, for the plan page.
func samplePlan(_ context.Context, st string, _ engine.ProjectOptions) (engine.ProjectSummary, error) {
	return engine.ProjectSummary{Store: st,
		Desired: map[catalog.Kind]int{catalog.KindProduct: 40, catalog.KindPrice: 40, catalog.KindStock: 40},
		Changed: 7, Created: 2, Deactivated: 1, Zeroed: 1, Parked: 1, OutOfScope: 3,
		Reasons: []string{`price KUBEK-09: no price in list "detal"`},
		Changes: []engine.Change{
			{Kind: catalog.KindProduct, SKU: "KUBEK-21", Op: store.OpUpsert, After: json.RawMessage(`{"name":"Kubek 0,5 l","active":true}`)},
			{Kind: catalog.KindPrice, SKU: "TALERZ-02", Op: store.OpUpsert,
				Before: json.RawMessage(`{"price":"19.90","currency":"PLN"}`), After: json.RawMessage(`{"price":"21.50","currency":"PLN"}`)},
		}}, nil
}

func TestBrowserTimelineAndPlan(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	b.actions.planFn = samplePlan
	ctx0 := t.Context()
	o, err := b.db.GetOrder(ctx0, b.fresh)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []state.OrderEvent{
		{Kind: state.OrderEventRetry, Message: "retry: ERP staging: dial tcp 10.0.0.5:1433: connect: connection refused"},
		{Kind: state.OrderEventStaged, Message: "written to the ERP staging tables", Detail: json.RawMessage(`{"staging_id":"41"}`)},
		{Kind: state.OrderEventERPResult, Message: "imported into the ERP as RO/17/2026, status shipped, tracking DPD TRK-1"},
		{Kind: state.OrderEventStatusSent, Message: "shop told: shipped"},
	} {
		e.Store, e.ShopOrderID, e.At = o.Store, o.ShopOrderID, o.ReceivedAt.Add(time.Duration(i+1)*time.Minute)
		if err := b.db.AddOrderEvent(ctx0, nil, e, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.db.SetOrderState(ctx0, b.fresh, state.OrderImported, "", "41", time.Time{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b.h)
	t.Cleanup(srv.Close)
	ctx := browser(t)
	dir := screenshotDir(t)

	do(ctx, t, signIn(srv.URL, adminToken),
		chromedp.WaitVisible(chromedp.ID("sync-all")),
		chromedp.Click(chromedp.ID("sync-all")),
		chromedp.WaitVisible(chromedp.ID("flash")),
		shot(t, dir, "admin-8-overview-sync"))
	if got := text(ctx, t, "#flash"); got != "Pushing now: push:b2c, push:b2b." {
		t.Errorf("after Sync all the page says %q", got)
	}
	if got := b.actions.started(); !slices.Equal(got, []string{"push:b2c", "push:b2b"}) {
		t.Errorf("Sync all started %v", got)
	}
	if got := text(ctx, t, "#erp"); !strings.Contains(got, "connection refused") || !strings.Contains(got, "failing since") {
		t.Errorf("overview's ERP facts lack the failing snapshot: %q", got)
	}
	if got := text(ctx, t, "#stores tbody"); !strings.Contains(got, "half-open") || !strings.Contains(got, "waited 3 s") {
		t.Errorf("overview's stores lack circuit and rate-limit waits: %q", got)
	}

	do(ctx, t,
		chromedp.Navigate(fmt.Sprintf("%s/ui/orders/%d", srv.URL, b.fresh)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="status_sent"]`)),
		shot(t, dir, "admin-9-order-timeline"))
	var kinds []string
	if kinds, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#timeline li")].map(li => li.dataset.kind)`)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"received", "retry", "staged", "erp_result", "status_sent"}; !slices.Equal(kinds, want) {
		t.Errorf("timeline steps = %v, want %v", kinds, want)
	}
	if got := text(ctx, t, "#timeline"); !strings.Contains(got, "RO/17/2026") || !strings.Contains(got, "Status sent to the shop") {
		t.Errorf("timeline = %q", got)
	}

	do(ctx, t,
		chromedp.Navigate(srv.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-store="b2c"] a.plan-link`)),
		chromedp.Click(chromedp.CSS(`tr[data-store="b2c"] a.plan-link`)),
		chromedp.WaitVisible(chromedp.ID("run-plan")),
		chromedp.Click(chromedp.ID("run-plan")),
		chromedp.WaitVisible(chromedp.ID("plan-samples")),
		shot(t, dir, "admin-10-plan"))
	if got := text(ctx, t, "#plan-update .value"); got != "4" {
		t.Errorf("plan's update count = %q, want 4 (7 changed - 2 created - 1 deactivated)", got)
	}
	if got := text(ctx, t, `#plan-samples tr[data-sku="TALERZ-02"]`); !strings.Contains(got, `"19.90" → "21.50"`) {
		t.Errorf("plan's price sample = %q", got)
	}
	if got := text(ctx, t, "#plan-unmatched"); !strings.Contains(got, "KUBEK-09") {
		t.Errorf("plan's unmatched = %q", got)
	}
}
