package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

// optimaFixture writes an Optima-shaped SQLite ERP with n products into dir
// and returns a config for it with one memory store named id.
func optimaFixture(t *testing.T, n int, id string) string {
	t.Helper()
	dir := t.TempDir()
	cdn := filepath.Join(dir, "cdn.db")
	db, err := sqlerp.Open("sqlite", filepath.Join(dir, "erp.db"), map[string]string{"CDN": cdn}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	target := sqlfixture.Target{DB: db, Dialect: sqlerp.DialectSQLite, Schema: "CDN"}
	ctx := context.Background()
	if err := sqlfixture.CreateSchema(ctx, target, erpdata.ShapeOptima); err != nil {
		t.Fatal(err)
	}
	if err := sqlfixture.Load(ctx, target, erpdata.ShapeOptima, n, 1); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`erp:
  driver: sqlite
  dsn: %[1]s/erp.db
  profile: comarch-optima
  options:
    sqlite_attach: {CDN: %[1]s/cdn.db}
state:
  dsn: %[1]s/state.db
stores:
  - id: %[2]s
    type: memory
    rules:
      prices: {list: detaliczna}
      stock: {warehouses: [MAG, SKLEP]}
      max_deactivate_share: 0.5
`, dir, id)
	path := filepath.Join(dir, "erpbridge.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlanAndSync(t *testing.T) {
	id := "cli-sync-test"
	t.Cleanup(func() { memory.Shops.Delete(id) })
	path := optimaFixture(t, 60, id)

	code, out, errOut := run(t, "--config", path, "plan", "--samples", "2")
	if code != ExitOK {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	m := regexp.MustCompile(`create (\d+), update 0, deactivate 0, zero stock \d+, unchanged 0`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" || !strings.Contains(out, "+ product ") {
		t.Fatalf("plan output:\n%s", out)
	}
	if n := len(memory.ShopFor(id).Products()); n != 0 {
		t.Fatalf("plan pushed %d products", n)
	}

	code, out, errOut = run(t, "--config", path, "sync")
	// The fixture has products without a retail price: they are parked and
	// listed, and sync says so with exit code 1.
	if code != ExitFailure || !strings.Contains(out, `has no price on list "detaliczna"`) || !strings.Contains(out, "dirty 0") {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^1 store\(s\): 0 in step, 1 not; [1-9]\d* item\(s\) pushed, 0 failed$`).MatchString(out) {
		t.Errorf("sync prints no summary line:\n%s", out)
	}
	if !strings.Contains(out, "bound to what the shop has: 0 by SKU, 0 by EAN;") {
		t.Errorf("sync does not report binding:\n%s", out)
	}
	if !strings.Contains(errOut, "product ") || !strings.Contains(errOut, "ERP read in") {
		t.Errorf("sync shows no progress on stderr:\n%s", errOut)
	}
	// Not a terminal: plain progress lines, no bar drawing.
	if !regexp.MustCompile(id+`: [1-9]\d* item\(s\) to push\n`).MatchString(errOut) ||
		!regexp.MustCompile(id+`: [1-9]\d* of [1-9]\d* item\(s\) handled\n`).MatchString(errOut) ||
		!regexp.MustCompile(id+`: push done, [1-9]\d* item\(s\) handled\n`).MatchString(errOut) || strings.Contains(errOut, "\x1b[") {
		t.Errorf("sync's push progress on a non-terminal:\n%s", errOut)
	}
	// Exit 1 lists why items are parked: the summary names each one.
	parkedLine := regexp.MustCompile(`(?m)^  parked price TWR-\d+: .*has no price on list "detaliczna"$`)
	if !parkedLine.MatchString(out) {
		t.Errorf("sync does not list the parked items with their reasons:\n%s", out)
	}
	if n := len(memory.ShopFor(id).Products()); n < 30 {
		t.Fatalf("sync pushed %d products and variants", n)
	}

	code, out, _ = run(t, "--config", path, "plan")
	if code != ExitOK || !regexp.MustCompile(`create 0, update 0, deactivate 0, zero stock 0, unchanged [1-9]`).MatchString(out) {
		t.Fatalf("plan after sync: exit %d\n%s", code, out)
	}
	before := memory.ShopFor(id).Requests()
	code, out, _ = run(t, "--config", path, "sync", "--full", "--no-snapshot")
	if !regexp.MustCompile(`pushed [1-9]\d* in`).MatchString(out) || memory.ShopFor(id).Requests() == before {
		t.Fatalf("sync --full pushed nothing: exit %d\n%s", code, out)
	}
	// Items parked by an earlier run still fail the run, listed with why.
	if code != ExitFailure || !parkedLine.MatchString(out) {
		t.Errorf("sync with items parked earlier: exit %d, want 1 with them listed\n%s", code, out)
	}
	code, _, errOut = run(t, "--config", path, "sync", "--store", "nope")
	if code != ExitFailure || !strings.Contains(errOut, `no store "nope"`) {
		t.Fatalf("sync --store nope: exit %d %s", code, errOut)
	}
}

func TestERPCommands(t *testing.T) {
	id := "cli-erp-test"
	t.Cleanup(func() { memory.Shops.Delete(id) })
	path := optimaFixture(t, 20, id)

	code, out, _ := run(t, "--config", path, "erp", "check", "--limit", "2")
	if code != ExitFailure || !strings.Contains(out, "ok   products") || !strings.Contains(out, "FAIL staging") ||
		!strings.Contains(out, "erpbridge erp install-staging") {
		t.Fatalf("erp check before install-staging: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "--config", path, "erp", "install-staging", "--print")
	if code != ExitOK || !strings.Contains(out, "CREATE TABLE IF NOT EXISTS erpbridge_orders") {
		t.Fatalf("install-staging --print: exit %d\n%s", code, out)
	}
	if code, out, errOut := run(t, "--config", path, "erp", "install-staging"); code != ExitOK {
		t.Fatalf("install-staging: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "--config", path, "erp", "check")
	if code != ExitOK || strings.Contains(out, "FAIL") {
		t.Fatalf("erp check after install-staging: exit %d\n%s", code, out)
	}
	code, _, errOut := run(t, "--config", path, "erp", "snapshot")
	if code != ExitOK || !regexp.MustCompile(`product\s+read\s+20\s+added\s+20`).MatchString(errOut) {
		t.Fatalf("erp snapshot: exit %d\n%s", code, errOut)
	}
}
