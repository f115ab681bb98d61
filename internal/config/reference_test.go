package config_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	_ "github.com/erpbridge/erpbridge/adapters/all"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/registry"
	"github.com/erpbridge/erpbridge/internal/store"
)

// TestReferenceUpToDate fails when docs/config-reference.md differs from what
// the config types and the shipped adapters generate.
func TestReferenceUpToDate(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := config.Reference(&buf, erp.Registry, store.Registry); err != nil {
		t.Fatal(err)
	}
	const file = "../../docs/config-reference.md"
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v; create it with `%s` from the repository root", err, config.ReferenceCommand)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("docs/config-reference.md is stale (first difference at line %d); regenerate it with `%s` from the repository root",
			firstDiffLine(got, buf.Bytes()), config.ReferenceCommand)
	}
}

func firstDiffLine(a, b []byte) int {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}

type refConn struct {
	URL      string          `yaml:"url" required:"true" doc:"Base URL of the shop."`
	Batch    int             `yaml:"batch" default:"25" doc:"Items per call."`
	Timeout  config.Duration `yaml:"timeout" doc:"Request time limit."`
	Internal string          `yaml:"-"`
}

type refCreds struct {
	Key string `yaml:"key" required:"true" doc:"API key."`
}

type refUndocumented struct {
	Token string `yaml:"token"`
}

func refRegistries(creds func() any) (*registry.Registry[erp.Factory], *registry.Registry[store.Factory]) {
	ers := registry.New[erp.Factory]("ERP type")
	ers.Register("sql", erp.Factory{Description: "test ERP", Profiles: []string{"p1", "p2"}})
	srs := registry.New[store.Factory]("store type")
	srs.Register("refshop", store.Factory{
		Description: "test shop",
		Connection: func() any {
			c := refConn{}
			c.Timeout.Duration = 45e9
			return &c
		},
		Credentials: creds,
	})
	return ers, srs
}

// TestReferenceRows checks the rows generated for an adapter's structs:
// required, secret with its _file twin, tag defaults and defaults the
// factory sets, hidden fields left out.
func TestReferenceRows(t *testing.T) {
	t.Parallel()
	ers, srs := refRegistries(func() any { return &refCreds{} })
	var buf bytes.Buffer
	if err := config.Reference(&buf, ers, srs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"| `url` (**required**) | string |  | Base URL of the shop. |",
		"| `batch` | integer | `25` | Items per call. |",
		"| `timeout` | duration | `45s` | Request time limit. |",
		"| `key` (**required**; secret, or `key_file`) | string |  | API key. |",
		"Profiles (`erp.profile`): `p1`, `p2`.",
		"This adapter takes no `options`",
		"| `dsn` (**required**; secret, or `dsn_file`) | string |",
		"| `max_deactivate_share` | decimal | `0.10` |",
		"## `stores[].rules.prices.sale`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
	if strings.Contains(out, "Internal") || strings.Contains(out, "internal`") {
		t.Error("a yaml:\"-\" field is in the reference")
	}
}

// TestReferenceNeedsDocs fails generation when a key has no doc tag.
func TestReferenceNeedsDocs(t *testing.T) {
	t.Parallel()
	ers, srs := refRegistries(func() any { return &refUndocumented{} })
	var buf bytes.Buffer
	err := config.Reference(&buf, ers, srs)
	if err == nil || !strings.Contains(err.Error(), "stores[].credentials.token") {
		t.Fatalf("err = %v, want one naming stores[].credentials.token", err)
	}
	if buf.Len() != 0 {
		t.Error("a failed generation wrote output")
	}
}
