package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/config"
)

const minimalTail = "stores: [{id: s1, type: memory, rules: {prices: {list: L}, stock: {warehouses: [W]}}}]\n"

// TestParseEdgeCases covers inputs that must give an error naming the
// problem (want) or load (want == "").
func TestParseEdgeCases(t *testing.T) {
	t.Parallel()
	// Merges expand aliases while walking; ten levels of ten would be 10^9.
	bomb := "a: &a {id: x}\n"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		prev := string(rune(n[0] - 1))
		bomb += n + ": &" + n + " {<<: [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]}\n"
	}
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	cases := []struct {
		name, data, want string
	}{
		{"empty file", "", `stores: missing required key "stores"`},
		{"only comments", "# nothing\n", `erp.driver: missing required key "driver"`},
		{"alias bomb", bomb + "stores: [{<<: *i}]\n", "more than 10000 aliases"},
		{"self merge", "erp: &e {<<: *e, driver: sqlite}\n", "nested more than"},
		{"deep nesting", "erp: {options: " + deep + "}\n", "erp.options: expected a mapping"},
		{"exponent decimal", "erp: {driver: sqlite, dsn: x, profile: generic, max_remove_share: 1e999999999}\n" + minimalTail, "no exponent"},
		{"null dsn_file is absent", "erp: {driver: sqlite, dsn: x, dsn_file: ~, profile: generic}\n" + minimalTail, ""},
		{"empty connection for bare", "erp: {driver: sqlite, dsn: x, profile: generic}\n" +
			"stores: [{id: s1, type: bare, connection: {}, rules: {prices: {list: L}, stock: {warehouses: [W]}}}]\n", ""},
		{"merge from anchor", "common: &c {prices: {list: L}, stock: {warehouses: [W]}}\n", `unknown key "common"`},
		{"non-scalar key", "? [a]\n: b\n" + minimalTail, "a key must be a plain word"},
		{"tab indentation", "erp:\n\tdriver: sqlite\n", "YAML syntax error"},
		{"cron with seconds", "schedules: {push: '0 */5 * * * *'}\n" + minimalTail, "not an interval, a cron expression or off"},
		{"negative interval", "schedules: {push: -5m}\n" + minimalTail, "longer than zero"},
		{"uint overflow", "http: {max_body_bytes: 99999999999999999999}\n" + minimalTail, "out of range"},
		{"quoted bool", "stores: [{id: s1, type: memory, enabled: 'false', rules: {prices: {list: L}, stock: {warehouses: [W]}}}]\nerp: {driver: sqlite, dsn: x, profile: generic}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Parse("c.yaml", []byte(c.data), testOptions())
			if c.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if cfg == nil {
					t.Fatal("Parse returned no config and no error")
				}
				return
			}
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse error = %v, want config.Errors", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse error =\n%v\nwant it to contain %q", err, c.want)
			}
			if len(errs) > 100 {
				t.Errorf("%d errors for one problem", len(errs))
			}
		})
	}
}

// TestErrorsSorted checks that errors come out by line and column even when
// validation finds an earlier one after decoding found a later one.
func TestErrorsSorted(t *testing.T) {
	t.Parallel()
	data := "log: {level: loud}\n" + // validation, line 1
		"erp: {driver: sqlite, dsn: x, profile: generic, overlap: soon}\n" + // decoding, line 2
		minimalTail
	_, err := config.Parse("c.yaml", []byte(data), testOptions())
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("Parse error = %v, want 2 errors", err)
	}
	if errs[0].Line != 1 || errs[0].Path != "log.level" || errs[1].Line != 2 || errs[1].Path != "erp.overlap" {
		t.Errorf("errors out of order:\n%v", err)
	}
}
