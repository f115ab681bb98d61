package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/config"
)

// FuzzParse checks that Parse never panics and that it returns either a
// config or a non-empty Errors whose every entry has a message.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/broken/*.yaml")
	seeds = append(seeds, "testdata/valid.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("stores: &s [{<<: *s}]\n"))
	o := testOptions()
	o.ReadFile = func(string) ([]byte, error) { return []byte("secret\n"), nil }
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse("fuzz.yaml", data, o)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v", cfg != nil, err)
		}
		if err != nil {
			errs, ok := err.(config.Errors)
			if !ok || len(errs) == 0 {
				t.Fatalf("error %T %v is not a non-empty config.Errors", err, err)
			}
			for _, e := range errs {
				if e.Msg == "" || strings.Contains(e.Msg, "\n") && !strings.HasPrefix(e.Msg, "YAML") {
					t.Fatalf("bad error entry %#v", e)
				}
			}
			return
		}
		if _, err := cfg.Redacted(); err != nil {
			t.Fatalf("Redacted: %v", err)
		}
	})
}
