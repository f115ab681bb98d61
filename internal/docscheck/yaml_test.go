package docscheck

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/erpbridge/erpbridge/internal/config"
)

// baseConfig completes a documented config fragment into a whole file: a
// fragment's top-level sections replace these.
const baseConfig = `
erp: {driver: sqlite, dsn: erp.db, profile: comarch-optima}
stores:
  - id: shop
    type: memory
    rules: {prices: {list: detal}, stock: {warehouses: [MAG]}}
`

// TestDocumentedYAMLParses loads every YAML fragment of the admin guides,
// completed with baseConfig, through the real config loader: a key that
// does not exist or a value it refuses fails the test.
func TestDocumentedYAMLParses(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, name := range adminDocs {
		for _, b := range readMarkdown(t, name).blocks {
			if b.info != "yaml" || len(b.lines) == 0 {
				continue
			}
			var text strings.Builder
			for _, l := range b.lines {
				text.WriteString(l.text + "\n")
			}
			if err := parseFragment(text.String()); err != nil {
				t.Errorf("%s:%d: the YAML example does not load: %v", name, b.lines[0].line, err)
			}
			checked++
		}
	}
	if checked < 6 {
		t.Errorf("only %d YAML examples checked", checked)
	}
}

func parseFragment(fragment string) error {
	var base, frag map[string]any
	if err := yaml.Unmarshal([]byte(baseConfig), &base); err != nil {
		return err
	}
	if err := yaml.Unmarshal([]byte(fragment), &frag); err != nil {
		return err
	}
	for k, v := range frag {
		base[k] = v
	}
	data, err := yaml.Marshal(base)
	if err != nil {
		return err
	}
	_, err = config.Parse("example.yaml", data, config.Options{
		LookupEnv: func(string) (string, bool) { return "stand-in-value", true },
		ReadFile:  func(string) ([]byte, error) { return []byte("stand-in-secret\n"), nil },
	})
	return err
}

// TestFragmentCheck shows that a wrong key in a fragment is caught.
func TestFragmentCheck(t *testing.T) {
	t.Parallel()
	if err := parseFragment("state: {driver: sqlite, dsn: x.db}\n"); err != nil {
		t.Fatalf("valid fragment: %v", err)
	}
	if err := parseFragment("state: {drivr: sqlite}\n"); err == nil {
		t.Fatal("a misspelt key loaded")
	}
}
