package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestScrubHidesSecrets(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		l, err := New(&buf, Options{Format: format, Level: "debug", Secrets: []string{"s3cr3t-pass", "ck_abcdef", "x"}})
		if err != nil {
			t.Fatal(err)
		}
		l = ForStore(l, "b2c", "woocommerce").With("dsn", "sqlserver://sa:s3cr3t-pass@erp")
		l.Debug("connecting with ck_abcdef",
			"err", errors.New("login failed for s3cr3t-pass"),
			slog.Group("req", slog.String("auth", "Basic ck_abcdef")),
			"count", 3)
		out := buf.String()
		for _, s := range []string{"s3cr3t-pass", "ck_abcdef"} {
			if strings.Contains(out, s) {
				t.Errorf("%s: secret %q leaked: %s", format, s, out)
			}
		}
		for _, want := range []string{"<redacted>", "b2c", "woocommerce", "count"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q: %s", format, want, out)
			}
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	if _, err := New(&bytes.Buffer{}, Options{Format: "xml"}); err == nil || !strings.Contains(err.Error(), "use text or json") {
		t.Errorf("format xml: err = %v", err)
	}
	if _, err := New(&bytes.Buffer{}, Options{Level: "loud"}); err == nil || !strings.Contains(err.Error(), "use debug, info, warn or error") {
		t.Errorf("level loud: err = %v", err)
	}
}

func TestLevelFilters(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l, _ := New(&buf, Options{Level: "warn"})
	l.Info("hidden")
	l.Warn("shown")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), "shown") {
		t.Fatalf("level filter wrong: %q", buf.String())
	}
}
