package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/erpbridge/erpbridge/adapters/all"
)

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeConfig writes a small valid config into a temp dir: SQLite state, a
// SQLite ERP and one in-memory store, with secrets from the environment.
func writeConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`erp:
  driver: sqlite
  dsn: %s
  profile: comarch-optima
state:
  driver: sqlite
  dsn: %s
http:
  listen: 127.0.0.1:0
  admin_tokens:
    - name: ops
      token: ${TEST_ADMIN_TOKEN}
      role: admin
stores:
  - id: b2c
    type: memory
    credentials:
      webhook_secret: ${TEST_WEBHOOK_SECRET}
    rules:
      prices: {list: detal}
      stock: {warehouses: [MAG1]}
%s`, filepath.Join(dir, "erp.db"), filepath.Join(dir, "state.db"), extra)
	path := filepath.Join(dir, "erpbridge.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	adminToken    = "tok-very-secret-admin-4711"
	webhookSecret = "whsec-very-secret-0815"
)

func TestVersionAndUsage(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != ExitOK || !strings.HasPrefix(out, "erpbridge ") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, _, errOut := run(t, "frobnicate")
	if code != ExitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "version", "--no-such-flag")
	if code != ExitUsage || !strings.Contains(errOut, "no-such-flag") {
		t.Fatalf("unknown flag: %d %q", code, errOut)
	}
	code, out, _ = run(t, "--help")
	if code != ExitOK || !strings.Contains(out, "Exit codes") || !strings.Contains(out, "config") {
		t.Fatalf("--help: %d %q", code, out)
	}
}

// setExampleEnv provides what config/example.yaml reads from outside.
func setExampleEnv(t *testing.T) {
	t.Setenv("ERPBRIDGE_ADMIN_TOKEN", adminToken)
	t.Setenv("ERPBRIDGE_B2C_WEBHOOK_SECRET", webhookSecret)
	tokenFile := filepath.Join(t.TempDir(), "read_token")
	if err := os.WriteFile(tokenFile, []byte("read-token-from-file-77\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ERPBRIDGE_READ_TOKEN_FILE", tokenFile)
}

func TestConfigCheckExamples(t *testing.T) {
	setExampleEnv(t)
	files, err := filepath.Glob("../../config/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example configs found: %v", err)
	}
	for _, f := range files {
		code, out, errOut := run(t, "config", "check", f)
		if code != ExitOK || !strings.Contains(out, ": OK") {
			t.Errorf("config check %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
}

func TestConfigCheckReportsEveryError(t *testing.T) {
	t.Setenv("TEST_ADMIN_TOKEN", adminToken)
	t.Setenv("TEST_WEBHOOK_SECRET", webhookSecret)
	path := writeConfig(t, `  - id: b2c
    type: nosuchshop
    rules:
      prices: {list: detal, rounding: {step: "0.07"}}
      stock: {warehouses: [MAG1]}
`)
	code, out, _ := run(t, "config", "check", path)
	if code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{path + ":", "stores[1].id", "stores[1].type", "nosuchshop", "stores[1].rules.prices.rounding.step"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`:\d+:\d+: `).MatchString(out) {
		t.Errorf("errors carry no line:column:\n%s", out)
	}
}

func TestConfigShowRedactsSecrets(t *testing.T) {
	t.Setenv("TEST_ADMIN_TOKEN", adminToken)
	t.Setenv("TEST_WEBHOOK_SECRET", webhookSecret)
	path := writeConfig(t, "")
	code, out, errOut := run(t, "config", "show", "--redacted", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, secret := range []string{adminToken, webhookSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("config show printed a secret:\n%s", out)
		}
	}
	// Defaults are filled in.
	for _, want := range []string{"<redacted>", "timezone: Europe/Warsaw", "removal: deactivate"} {
		if !strings.Contains(out, want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := run(t, "config", "show", "--redacted=false", path); code != ExitUsage {
		t.Errorf("--redacted=false: exit %d, want 2", code)
	}
}

func TestMigrate(t *testing.T) {
	t.Setenv("TEST_ADMIN_TOKEN", adminToken)
	t.Setenv("TEST_WEBHOOK_SECRET", webhookSecret)
	path := writeConfig(t, "")
	code, out, errOut := run(t, "--config", path, "migrate", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "pending 0001") {
		t.Fatalf("migrate --dry-run: %d %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, "--config", path, "migrate")
	if code != ExitOK || !strings.Contains(out, "applied 0001") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "--config", path, "migrate")
	if code != ExitOK || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
}

// TestServe runs the server as a user would, checks health and readiness,
// and stops it with a cancelled context (what SIGINT does in main).
func TestServe(t *testing.T) {
	t.Setenv("TEST_ADMIN_TOKEN", adminToken)
	t.Setenv("TEST_WEBHOOK_SECRET", webhookSecret)
	path := writeConfig(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"--config", path, "--log-format", "json", "serve"}, &out, &errb) }()

	addrRe := regexp.MustCompile(`"addr":"([^"]+)"`)
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" {
		if m := addrRe.FindStringSubmatch(errb.String()); m != nil {
			base = "http://" + m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited early with %d:\n%s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not report its address:\n%s", errb.String())
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("serve exit %d after cancel:\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	logs := errb.String()
	if !strings.Contains(logs, "erpbridge stopped") {
		t.Errorf("no clean stop in logs:\n%s", logs)
	}
	for _, secret := range []string{adminToken, webhookSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("serve logged a secret:\n%s", logs)
		}
	}
}

// TestSecretsNeverLogged loads a config, then fails to connect with it: the
// error output and logs must not contain any configured secret.
func TestSecretsNeverLogged(t *testing.T) {
	t.Setenv("TEST_ADMIN_TOKEN", adminToken)
	t.Setenv("TEST_WEBHOOK_SECRET", webhookSecret)
	pgPassword := "pg-pass-very-secret-9913"
	dir := t.TempDir()
	cfg := fmt.Sprintf(`erp:
  driver: sqlite
  dsn: %s
  profile: comarch-optima
state:
  driver: postgres
  dsn: postgres://erpbridge:%s@127.0.0.1:1/erpbridge?sslmode=disable&connect_timeout=2
http:
  admin_tokens:
    - {name: ops, token: "${TEST_ADMIN_TOKEN}", role: admin}
stores:
  - id: b2c
    type: memory
    credentials: {webhook_secret: "${TEST_WEBHOOK_SECRET}"}
    rules:
      prices: {list: detal}
      stock: {warehouses: [MAG1]}
`, filepath.Join(dir, "erp.db"), pgPassword)
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--config", path, "--log-level", "debug", "migrate"},
		{"--config", path, "--log-level", "debug", "serve"},
	} {
		code, out, errOut := run(t, args...)
		if code != ExitFailure {
			t.Fatalf("%v: exit %d, want 1 (state store unreachable)\n%s%s", args, code, out, errOut)
		}
		all := out + errOut
		for _, secret := range []string{pgPassword, adminToken, webhookSecret} {
			if strings.Contains(all, secret) {
				t.Errorf("%v printed secret %q:\n%s", args, secret, all)
			}
		}
		if !strings.Contains(errOut, "erpbridge:") {
			t.Errorf("%v: no error reported:\n%s", args, errOut)
		}
	}
}
