package config_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/config"
)

// TestExampleConfigs loads every ../../config/*.yaml with fake adapters that
// mirror the schemas of the sql ERP adapter and the memory store. The
// example's Docker secret is served from memory; its environment variables
// are set to stand-ins.
func TestExampleConfigs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../config/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d example configs, want example.yaml and minimal.yaml", len(files))
	}
	env := map[string]string{
		"ERPBRIDGE_ADMIN_TOKEN":        "example-admin-token",
		"ERPBRIDGE_B2C_WEBHOOK_SECRET": "example-webhook-secret",
		"ERPBRIDGE_READ_TOKEN_FILE":    "/run/secrets/erpbridge_read_token",
	}
	stores, erps := testRegistries()
	o := config.Options{
		Stores:    stores,
		ERPs:      erps,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile: func(name string) ([]byte, error) {
			if name == "/run/secrets/erpbridge_read_token" {
				return []byte("example-read-token\n"), nil
			}
			if strings.HasPrefix(name, "/run/") {
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
			}
			return os.ReadFile(name)
		},
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			cfg, err := config.LoadWith(file, o)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if len(cfg.Stores) == 0 {
				t.Fatal("no stores")
			}
			for _, s := range cfg.Stores {
				if _, ok := s.Connection.(*memoryConn); !ok {
					t.Errorf("store %s connection = %T", s.ID, s.Connection)
				}
			}
		})
	}
}

// TestExampleReferenceCase checks the reference case example.yaml promises.
func TestExampleReferenceCase(t *testing.T) {
	t.Parallel()
	stores, erps := testRegistries()
	cfg, err := config.LoadWith("../../config/example.yaml", config.Options{
		Stores: stores, ERPs: erps,
		LookupEnv: func(k string) (string, bool) {
			if k == "ERPBRIDGE_READ_TOKEN_FILE" {
				return "/run/secrets/erpbridge_read_token", true
			}
			return "x-secret-value", true
		},
		ReadFile: func(name string) ([]byte, error) {
			if name == "/run/secrets/erpbridge_read_token" {
				return []byte("y-secret-value"), nil
			}
			return os.ReadFile(name)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ list, basis, currency string }{
		"b2c":    {"detal", "gross", "PLN"},
		"b2b":    {"hurt", "net", "PLN"},
		"abroad": {"detal", "gross", "EUR"},
	}
	for id, w := range want {
		s, ok := cfg.StoreByID(id)
		if !ok {
			t.Fatalf("store %s missing", id)
		}
		p := s.Rules.Prices
		if p.List != w.list || p.Basis != w.basis || p.Currency != w.currency {
			t.Errorf("store %s prices = %s/%s/%s, want %v", id, p.List, p.Basis, p.Currency, w)
		}
	}
	if cfg.ERP.Profile != "comarch-optima" || len(cfg.HTTP.AdminTokens) != 2 {
		t.Errorf("erp profile %q, %d admin tokens", cfg.ERP.Profile, len(cfg.HTTP.AdminTokens))
	}
	if got := cfg.HTTP.AdminTokens[1].Token.Reveal(); got != "y-secret-value" {
		t.Errorf("dashboard token = %q", got)
	}
}
