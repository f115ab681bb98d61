package docscheck

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const unitFile = "../../scripts/systemd/erpbridge.service"

// unit is a parsed systemd unit file: section → key → values in order.
type unit map[string]map[string][]string

func parseUnit(t *testing.T, data []byte) unit {
	t.Helper()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", unitFile, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// last is the effective value of a key (systemd: the last assignment wins).
func (u unit) last(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// TestSystemdUnit checks the shipped unit for what docs/install.md promises:
// a dedicated user, an environment file, hardening with only the state
// directory writable, restart on failure and a graceful SIGTERM stop that
// outlasts http.shutdown_timeout.
func TestSystemdUnit(t *testing.T) {
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	u := parseUnit(t, data)
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Errorf("no [%s] section", s)
		}
	}
	want := map[string]string{
		"User":                  "erpbridge",
		"Group":                 "erpbridge",
		"EnvironmentFile":       "-/etc/erpbridge/erpbridge.env",
		"Environment":           "ERPBRIDGE_CONFIG=/etc/erpbridge/erpbridge.yaml",
		"ExecStart":             "/usr/local/bin/erpbridge serve",
		"WorkingDirectory":      "/var/lib/erpbridge",
		"StateDirectory":        "erpbridge",
		"ReadWritePaths":        "/var/lib/erpbridge",
		"NoNewPrivileges":       "yes",
		"ProtectSystem":         "strict",
		"ProtectHome":           "yes",
		"PrivateTmp":            "yes",
		"Restart":               "on-failure",
		"KillSignal":            "SIGTERM",
		"CapabilityBoundingSet": "",
	}
	for k, v := range want {
		if _, ok := u["Service"][k]; !ok {
			t.Errorf("[Service] has no %s", k)
		} else if got := u.last("Service", k); got != v {
			t.Errorf("[Service] %s=%q, want %q", k, got, v)
		}
	}
	// The stop timeout must leave erpbridge its http.shutdown_timeout (15s).
	if got := u.last("Service", "TimeoutStopSec"); got != "30s" {
		t.Errorf("TimeoutStopSec=%q, want 30s (above the 15s default shutdown_timeout)", got)
	}
	if got := u.last("Install", "WantedBy"); got != "multi-user.target" {
		t.Errorf("WantedBy=%q", got)
	}
	if !slices.Contains(strings.Fields(u.last("Unit", "After")), "network-online.target") {
		t.Error("After= lacks network-online.target")
	}
	// The state directory the docs tell admins to use is the one writable path.
	if rw := u["Service"]["ReadWritePaths"]; len(rw) != 1 {
		t.Errorf("ReadWritePaths has %d assignments, want exactly one", len(rw))
	}
}

// TestSystemdVerify runs systemd-analyze verify on the unit (with ExecStart
// pointing at an executable that exists here) and fails on any warning.
func TestSystemdVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed; TestSystemdUnit still checks the keys")
	}
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true executable to stand in for the binary")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "erpbridge.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte("/usr/local/bin/erpbridge"), []byte(truePath)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
