package hub_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/erpbridge/erpbridge/adapters/all"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/hub"
)

const adminToken = "hub-test-admin-token-31337"

// TestStartWiresTheOperatorSurface starts a hub whose ERP database has no
// Comarch tables: the first snapshot fails, and the admin API shows it, takes
// a snapshot and a sync on demand and runs a plan through the engine.
func TestStartWiresTheOperatorSurface(t *testing.T) {
	dir := t.TempDir()
	cfgText := fmt.Sprintf(`erp:
  driver: sqlite
  dsn: %s
  profile: comarch-optima
state:
  driver: sqlite
  dsn: %s
http:
  admin_tokens:
    - {name: ops, token: %s, role: admin}
schedules:
  erp_delta: off
  order_poll: off
  status_sync: off
  push: 1h
stores:
  - id: b2c
    type: memory
    rules:
      prices: {list: detal}
      stock: {warehouses: [MAG1]}
`, filepath.Join(dir, "erp.db"), filepath.Join(dir, "state.db"), adminToken)
	path := filepath.Join(dir, "erpbridge.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.Open(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	handler, stop, err := h.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	call := func(method, path string, v any) int {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if v != nil {
			if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
				t.Fatalf("%s %s: %v in %q", method, path, err, rec.Body)
			}
		}
		return rec.Code
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	type job struct {
		Name      string `json:"name"`
		Failing   bool   `json:"failing"`
		LastError string `json:"last_error"`
		Failures  int    `json:"failures"`
	}
	snapshotJob := func() job {
		var s struct {
			ERP struct{ Jobs []job } `json:"erp"`
		}
		if code := call("GET", "/api/v1/status", &s); code != http.StatusOK {
			t.Fatalf("status = %d", code)
		}
		for _, j := range s.ERP.Jobs {
			if j.Name == "snapshot" {
				return j
			}
		}
		return job{}
	}
	eventually("the first snapshot to fail", func() bool { return snapshotJob().Failing })
	if j := snapshotJob(); j.LastError == "" || j.Failures < 1 {
		t.Errorf("failing snapshot job = %+v, want its error", j)
	}

	failures := snapshotJob().Failures
	if code := call("POST", "/api/v1/actions/snapshot", nil); code != http.StatusAccepted {
		t.Fatalf("snapshot action = %d", code)
	}
	eventually("the snapshot run on demand", func() bool { return snapshotJob().Failures > failures })
	if code := call("POST", "/api/v1/stores/b2c/sync", nil); code != http.StatusAccepted {
		t.Errorf("sync action = %d", code)
	}

	var started struct {
		Plan struct{ ID, State, Error string } `json:"plan"`
	}
	if code := call("POST", "/api/v1/stores/b2c/plan", &started); code != http.StatusAccepted {
		t.Fatalf("plan = %d %+v", code, started)
	}
	var got struct {
		Plan struct {
			State, Error string
			Result       *struct{ Total int }
		} `json:"plan"`
	}
	eventually("the plan", func() bool {
		call("GET", "/api/v1/plans/"+started.Plan.ID, &got)
		return got.Plan.State != "running"
	})
	// The mirror is empty: the store would get nothing.
	if got.Plan.State != "done" || got.Plan.Result == nil || got.Plan.Result.Total != 0 {
		t.Errorf("plan = %+v", got.Plan)
	}
	if strings.Contains(fmt.Sprint(got), adminToken) {
		t.Error("the token leaked into an answer")
	}
}
