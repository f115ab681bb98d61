package config

import "testing"

func TestExpand(t *testing.T) {
	t.Parallel()
	env := map[string]string{"A": "1", "EMPTY": "", "LONG_NAME_2": "x${A}"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := []struct {
		in, want, errName string
		bad               bool
	}{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "1"},
		{in: "a${A}b${EMPTY}c", want: "a1bc"},
		{in: "${LONG_NAME_2}", want: "x${A}"}, // values are not expanded again
		{in: "$${A}", want: "${A}"},
		{in: "$A and $", want: "$A and $"},
		{in: "$$${A}", want: "$${A}"},
		{in: "${MISSING}", bad: true, errName: "MISSING"},
		{in: "${A", bad: true},
		{in: "${}", bad: true},
		{in: "${9A}", bad: true},
		{in: "${A-B}", bad: true},
	}
	for _, c := range cases {
		got, err := expand(c.in, lookup)
		switch {
		case c.bad && err == nil:
			t.Errorf("expand(%q) = %q, want an error", c.in, got)
		case c.bad && err.Name != c.errName:
			t.Errorf("expand(%q) error names %q, want %q", c.in, err.Name, c.errName)
		case !c.bad && (err != nil || got != c.want):
			t.Errorf("expand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"list", "basis", "currency", "price_list", "exchange_rate"}
	cases := map[string]string{"curency": "currency", "pricelist": "price_list", "lsit": "list", "colour": "", "exchangerate": "exchange_rate"}
	for in, want := range cases {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParentPath(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"stores[2].rules.prices.list": "stores[2].rules.prices",
		"stores[2]":                   "stores",
		"stores":                      "",
		`a.map["x y"]`:                "a.map",
	}
	for in, want := range cases {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}
