package httpstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/registry"
	"github.com/erpbridge/erpbridge/internal/store"
)

// TestConfigDecoding checks the adapter's options through the real config
// loader: YAML keys, defaults, durations and *_file secrets.
func TestConfigDecoding(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"/etc/erpbridge/erpbridge.yaml": `
erp:
  driver: sqlite
  dsn: data/erp.db
  profile: comarch-optima
stores:
  - id: downstream
    type: http
    connection:
      url: https://hub-b.example/erpbridge
      timeout: 10s
    credentials:
      token: ${HUB_B_TOKEN}
      webhook_secret_file: secrets/hub-b-webhook
    rules:
      prices:
        list: detal
      stock:
        warehouses: [MAG1]
`,
		"/etc/erpbridge/secrets/hub-b-webhook": "whsec-from-file\n",
	}
	erps := registry.New[erp.Factory]("ERP type")
	erps.Register("sql", erp.Factory{Description: "stand-in; this test reads stores only"})
	opts := config.Options{
		Stores: store.Registry,
		ERPs:   erps,
		LookupEnv: func(k string) (string, bool) {
			return map[string]string{"HUB_B_TOKEN": "tok-env"}[k], k == "HUB_B_TOKEN"
		},
		ReadFile: func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, &notFound{name}
		},
	}
	cfg, err := config.LoadWith("/etc/erpbridge/erpbridge.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	conn, ok := cfg.Stores[0].Connection.(*httpstore.Connection)
	if !ok {
		t.Fatalf("connection decoded as %T", cfg.Stores[0].Connection)
	}
	cred, ok := cfg.Stores[0].Credentials.(*httpstore.Credentials)
	if !ok {
		t.Fatalf("credentials decoded as %T", cfg.Stores[0].Credentials)
	}
	if conn.URL != "https://hub-b.example/erpbridge" || conn.BatchSize != 500 || conn.PageSize != 100 ||
		conn.Timeout.Duration != 10*time.Second || conn.ReplayWindow.Duration != 5*time.Minute {
		t.Errorf("connection = %+v", conn)
	}
	if cred.Token != "tok-env" || cred.WebhookSecret != "whsec-from-file" {
		t.Errorf("credentials not read from env and file")
	}
	if _, err := httpstore.New(store.Params{StoreID: "downstream", Connection: conn, Credentials: cred}); err != nil {
		t.Errorf("New from the loaded config: %v", err)
	}

	bad := strings.Replace(files["/etc/erpbridge/erpbridge.yaml"], "timeout: 10s", "timout: 10s", 1)
	files["/etc/erpbridge/bad.yaml"] = bad
	if _, err := config.LoadWith("/etc/erpbridge/bad.yaml", opts); err == nil || !strings.Contains(err.Error(), "timout") {
		t.Errorf("a misspelt option: %v, want an error naming it", err)
	}
}

type notFound struct{ name string }

func (e *notFound) Error() string { return "no file " + e.name }
