package storetest

import (
	"strings"
	"testing"
)

func TestEAN13(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{0, "2000000000008"},
		{1, "2000000000015"},
		{12345, "2000000123455"}, // 2+1·3+2+3·3+4+5·3 = 35 → 5,
	}
	for _, tc := range tests {
		if got := ean13(tc.n); got != tc.want {
			t.Errorf("ean13(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

func TestNamesUniqueAndGrouped(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, n := range Names() {
		if seen[n] {
			t.Errorf("subtest %q listed twice", n)
		}
		seen[n] = true
		if strings.Count(n, "/") != 1 {
			t.Errorf("subtest %q is not Group/Test", n)
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d subtests", len(seen))
	}
}
