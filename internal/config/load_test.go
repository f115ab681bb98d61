package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/erpbridge/erpbridge/internal/config"
)

func loadValid(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.LoadWith("testdata/valid.yaml", testOptions())
	if err != nil {
		t.Fatalf("LoadWith(valid.yaml): %v", err)
	}
	return cfg
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	cfg := loadValid(t)
	checks := []struct {
		name      string
		got, want any
	}{
		{"path", cfg.Path, "testdata/valid.yaml"},
		{"erp.type default", cfg.ERP.Type, "sql"},
		{"erp.dsn from env", cfg.ERP.DSN.Reveal(), testEnv["ERP_DSN"]},
		{"erp.timezone default", cfg.ERP.TimeZone, "Europe/Warsaw"},
		{"erp.overlap default", cfg.ERP.Overlap.Duration, 10 * time.Minute},
		{"erp.max_remove_share default", cfg.ERP.MaxRemoveShare.String(), "0.1"},
		{"erp.options", *cfg.ERP.Options.(*sqlOptions), sqlOptions{Schema: "hub", QueryTimeout: config.Duration{Duration: 30 * time.Second}}},
		{"state.dsn from file, newline trimmed", cfg.State.DSN.Reveal(), "sqlserver://erpbridge:FromFile-Pa55@sql01/OPTIMA"},
		{"http.public_url interpolated", cfg.HTTP.PublicURL, "https://hub.example.com/hub"},
		{"http.max_body_bytes default", cfg.HTTP.MaxBodyBytes, int64(1048576)},
		{"token role default", cfg.HTTP.AdminTokens[1].Role, "read"},
		{"http.trusted_proxies", cfg.HTTP.TrustedProxies, []string{"10.0.0.0/8", "::1"}},
		{"schedules.erp_delta default", cfg.Schedules.ERPDelta.Every, time.Minute},
		{"schedules.reconcile cron", cfg.Schedules.Reconcile.Cron, "30 2 * * *"},
		{"schedules.push off", cfg.Schedules.Push.Off(), true},
		{"$${ literal", cfg.Stores[0].Name, "Price is ${NOT_A_VAR}"},
		{"enabled default", *cfg.Stores[0].Enabled, true},
		{"enabled false", *cfg.Stores[1].Enabled, false},
		{"fakeshop connection", *cfg.Stores[0].Connection.(*fakeshopConn), fakeshopConn{URL: "https://shop.example.com", BatchSize: 100}},
		{"fakeshop credentials", *cfg.Stores[0].Credentials.(*fakeshopCreds), fakeshopCreds{Key: testEnv["SHOP_KEY"], Secret: "shop-secret-value-123"}},
		{"memory connection", *cfg.Stores[1].Connection.(*memoryConn), memoryConn{BatchSize: 250, Basis: "gross", Latency: 150 * time.Millisecond}},
		{"memory credentials from file", cfg.Stores[1].Credentials.(*memoryCreds).WebhookSecret.Reveal(), "whsec-file-0123456789"},
		{"rounding step canonical", cfg.Stores[0].Rules.Prices.Rounding.Step, "0.10"},
		{"rounding mode default", cfg.Stores[0].Rules.Prices.Rounding.Mode, "half_up"},
		{"sale", *cfg.Stores[0].Rules.Prices.Sale, config.Sale{List: "promo", From: "2026-12-01", To: "2026-12-24T18:00:00+01:00"}},
		{"buffer", cfg.Stores[0].Rules.Stock.Buffer.String(), "2"},
		{"subtract reservations default", *cfg.Stores[0].Rules.Stock.SubtractERPReservations, true},
		{"match default", cfg.Stores[0].Orders.Customers.Match, []string{"nip", "email"}},
		{"match set", cfg.Stores[1].Orders.Customers.Match, []string{"nip"}},
		{"merged stock", cfg.Stores[1].Rules.Stock.Warehouses, []string{"MAG1", "MAG2"}},
		{"explicit prices win over merged", cfg.Stores[1].Rules.Prices.List, "hurt"},
		{"merged prices are replaced whole", cfg.Stores[1].Rules.Prices.Sale == nil, true},
		{"exchange rate exact", cfg.Stores[1].Rules.Prices.ExchangeRate.Equal(decimal.NewFromInt(1)), true},
		{"orders.overlap default", cfg.Stores[1].Orders.Overlap.Duration, 10 * time.Minute},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if s, ok := cfg.StoreByID("b2b"); !ok || s != &cfg.Stores[1] {
		t.Errorf("StoreByID(b2b) = %v, %v", s, ok)
	}
	if _, ok := cfg.StoreByID("nope"); ok {
		t.Error("StoreByID(nope) found a store")
	}
}

func TestSecretsAreNeverPrinted(t *testing.T) {
	t.Parallel()
	cfg := loadValid(t)
	secrets := cfg.Secrets()
	for _, want := range []string{testEnv["ERP_DSN"], testEnv["ADMIN_TOKEN"], testEnv["READ_TOKEN"], testEnv["SHOP_KEY"],
		"shop-secret-value-123", "whsec-file-0123456789", "sqlserver://erpbridge:FromFile-Pa55@sql01/OPTIMA"} {
		if !contains(secrets, want) {
			t.Errorf("Secrets() = %q, missing %q", secrets, want)
		}
	}
	redacted, err := cfg.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("loaded", "config", cfg, "store", cfg.Stores[0], "stores", cfg.Stores)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("loaded", "config", cfg, "store", cfg.Stores[0], "stores", cfg.Stores)
	asJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	asYAML, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"Redacted":  string(redacted),
		"%v":        fmt.Sprintf("%v", cfg),
		"%+v":       fmt.Sprintf("%+v", *cfg),
		"%#v":       fmt.Sprintf("%#v", *cfg),
		"%v stores": fmt.Sprintf("%v", cfg.Stores),
		"slog text": text.String(),
		"slog json": js.String(),
		"json":      string(asJSON),
		"yaml":      string(asYAML),
	}
	for name, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains secret %q:\n%s", name, s, out)
			}
		}
	}
	if !strings.Contains(string(redacted), "dsn: <redacted>") || !strings.Contains(string(redacted), "secret: <redacted>") {
		t.Errorf("Redacted() does not show <redacted> for dsn and credentials:\n%s", redacted)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestRedactedRoundTrip loads the redacted output again: it must be a
// complete, valid config whose non-secret values are the same.
func TestRedactedRoundTrip(t *testing.T) {
	t.Parallel()
	cfg := loadValid(t)
	first, err := cfg.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(first)
	// Give each redacted secret a distinct stand-in: tokens must differ.
	for i := 0; bytes.Contains(out, []byte(config.Redacted)); i++ {
		out = bytes.Replace(out, []byte(config.Redacted), []byte(fmt.Sprintf("stand-in-%d", i)), 1)
	}
	again, err := config.Parse("redacted.yaml", out, testOptions())
	if err != nil {
		t.Fatalf("Parse(Redacted()) = %v\n%s", err, out)
	}
	if again.ERP.DSN.Reveal() != "stand-in-0" {
		t.Errorf("reloaded dsn = %q, want the first stand-in", again.ERP.DSN.Reveal())
	}
	if again.Stores[0].Name != cfg.Stores[0].Name {
		t.Errorf("reloaded name = %q, want %q ($${ must be written escaped)", again.Stores[0].Name, cfg.Stores[0].Name)
	}
	second, err := again.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	if string(second) != string(first) {
		t.Errorf("Redacted() of the reloaded config differs:\n%s\nwant:\n%s", second, first)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	t.Parallel()
	_, err := config.LoadWith(filepath.Join(t.TempDir(), "missing.yaml"), testOptions())
	var errs config.Errors
	if err == nil || errors.As(err, &errs) || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: ") {
		t.Fatalf("LoadWith(missing) = %v, want a wrapped not-exist error", err)
	}
}

func TestInjectedReadFileAndEnv(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"/etc/erpbridge/config.yaml": "erp: {driver: sqlite, dsn_file: dsn, profile: generic}\n" +
			"stores: [{id: s1, type: memory, rules: {prices: {list: L}, stock: {warehouses: [W]}}}]\n",
		"/etc/erpbridge/dsn": "file:erp.db?mode=ro\n",
	}
	o := testOptions()
	o.ReadFile = func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	cfg, err := config.LoadWith("/etc/erpbridge/config.yaml", o)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ERP.DSN.Reveal(); got != "file:erp.db?mode=ro" {
		t.Errorf("dsn = %q", got)
	}
}

func TestSecretNotInInterpolationErrors(t *testing.T) {
	t.Parallel()
	// The same secret also lands in a field that rejects it.
	data := "erp: {driver: sqlite, dsn: '${ERP_DSN}', profile: generic}\n" +
		"http: {listen: '${ERP_DSN}'}\n" +
		"stores: [{id: s1, type: memory, rules: {prices: {list: L}, stock: {warehouses: [W]}}}]\n"
	_, err := config.Parse("x.yaml", []byte(data), testOptions())
	if err == nil {
		t.Fatal("no error for a bad listen address")
	}
	if strings.Contains(err.Error(), testEnv["ERP_DSN"]) || !strings.Contains(err.Error(), "http.listen") {
		t.Errorf("error = %v", err)
	}
}

func TestDefaultRegistriesAndEnv(t *testing.T) {
	t.Setenv("ERPBRIDGE_CONFIG_TEST_DSN", "erp.db")
	path := filepath.Join(t.TempDir(), "c.yaml")
	data := "erp: {type: nosuchtype, driver: sqlite, dsn: '${ERPBRIDGE_CONFIG_TEST_DSN}', profile: generic}\n" +
		"stores: [{id: s1, type: nosuchshop, rules: {prices: {list: L}, stock: {warehouses: [W]}}}]\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	if err == nil || strings.Contains(err.Error(), "environment variable") ||
		!strings.Contains(err.Error(), `unknown ERP type "nosuchtype"`) || !strings.Contains(err.Error(), `unknown store type "nosuchshop"`) {
		t.Fatalf("Load = %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		e    config.Error
		want string
	}{
		{config.Error{File: "c.yaml", Line: 3, Column: 5, Path: "erp.dsn", Msg: "bad", Fix: "do it"}, "c.yaml:3:5: erp.dsn: bad (fix: do it)"},
		{config.Error{File: "c.yaml", Line: 3, Msg: "bad"}, "c.yaml:3: bad"},
		{config.Error{File: "c.yaml", Path: "stores", Msg: "bad"}, "c.yaml: stores: bad"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	errs := config.Errors{&cases[0].e, &cases[1].e}
	if got := errs.Error(); got != cases[0].want+"\n"+cases[1].want {
		t.Errorf("Errors.Error() = %q", got)
	}
}
