package config_test

import (
	"context"
	"errors"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/registry"
	"github.com/erpbridge/erpbridge/internal/store"
)

// fakeshopConn is the connection struct of the "fakeshop" test adapter.
type fakeshopConn struct {
	URL       string `yaml:"url" required:"true"`
	BatchSize int    `yaml:"batch_size" default:"100"`
}

// fakeshopCreds has untagged fields: their keys are "key" and "secret".
type fakeshopCreds struct {
	Key    string
	Secret string
}

// memoryConn mirrors the connection struct of the in-memory reference shop.
type memoryConn struct {
	BatchSize    int           `yaml:"batch_size" default:"100"`
	Basis        string        `yaml:"basis" default:"gross"`
	IntegerStock bool          `yaml:"integer_stock"`
	Latency      time.Duration `yaml:"latency"`
}

// memoryCreds mirrors the credentials struct of the in-memory reference shop.
type memoryCreds struct {
	WebhookSecret config.Secret `yaml:"webhook_secret"`
}

// sqlOptions stands in for the SQL ERP adapter's options.
type sqlOptions struct {
	Schema       string          `yaml:"schema" default:"erpbridge"`
	QueryTimeout config.Duration `yaml:"query_timeout" default:"30s"`
}

var errFake = errors.New("fake adapter: not for use")

func newStore(context.Context, store.Params) (store.Store, error) { return nil, errFake }
func newSource(context.Context, erp.Params) (erp.Source, error)   { return nil, errFake }

// testRegistries returns fresh registries with the fake adapters: store
// types fakeshop, memory and bare (no options at all), ERP type sql.
func testRegistries() (*registry.Registry[store.Factory], *registry.Registry[erp.Factory]) {
	stores := registry.New[store.Factory]("store type")
	stores.Register("fakeshop", store.Factory{
		Connection:  func() any { return &fakeshopConn{} },
		Credentials: func() any { return &fakeshopCreds{} },
		New:         newStore,
	})
	stores.Register("memory", store.Factory{
		Connection:  func() any { return &memoryConn{} },
		Credentials: func() any { return &memoryCreds{} },
		New:         newStore,
	})
	stores.Register("bare", store.Factory{New: newStore})
	erps := registry.New[erp.Factory]("ERP type")
	erps.Register("sql", erp.Factory{
		Profiles: []string{"comarch-optima", "comarch-xl", "generic", "custom"},
		Options:  func() any { return &sqlOptions{} },
		New:      newSource,
	})
	return stores, erps
}

// testEnv is the environment the tests' configs see.
var testEnv = map[string]string{
	"ERP_DSN":        "sqlserver://erpbridge:Erp-Pa55word@sql01/OPTIMA_FIRMA",
	"ADMIN_TOKEN":    "adm-7f3c9a1e5b2d4c6f",
	"READ_TOKEN":     "read-2b8e4f6a0c1d3e5f",
	"SHOP_KEY":       "ck_live_0a1b2c3d4e5f",
	"EMPTY":          "",
	"PUBLIC_HOST":    "hub.example.com",
	"STORE_BATCH":    "250",
	"WEBHOOK_SECRET": "whsec-9d8c7b6a5f4e",
}

// secretEnv are the variables of testEnv holding secrets.
var secretEnv = []string{"ERP_DSN", "ADMIN_TOKEN", "READ_TOKEN", "SHOP_KEY", "WEBHOOK_SECRET"}

func lookupEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// testOptions loads with the fake registries, testEnv and the real file system.
func testOptions() config.Options {
	stores, erps := testRegistries()
	return config.Options{Stores: stores, ERPs: erps, LookupEnv: lookupEnv}
}
