package config_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/config"
)

var update = flag.Bool("update", false, "rewrite testdata/broken/*.golden from the current output")

// TestBroken loads every testdata/broken/NAME.yaml and compares the full
// error text with NAME.golden. Run with -update to rewrite the golden files,
// then read the diff: every message must be clear and name the fix.
func TestBroken(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/broken/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d broken configs, want at least 30", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.LoadWith(file, testOptions())
			if cfg != nil {
				t.Errorf("LoadWith returned a config along with error %v", err)
			}
			var errs config.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("LoadWith error = %v, want config.Errors", err)
			}
			for _, e := range errs {
				if e.File != file || e.Msg == "" {
					t.Errorf("error %q: File = %q, want %q and a message", e, e.File, file)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\n got:\n%s\nwant:\n%s", golden, got, want)
			}
			for _, name := range secretEnv {
				if s := testEnv[name]; strings.Contains(got, s) {
					t.Errorf("errors contain the secret %q", s)
				}
			}
		})
	}
}
