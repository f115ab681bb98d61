package sqlerp

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// refNorm is what the adapter did before the fast paths: parse, print,
// parse again.
func refNorm(t *testing.T, s string) (decimal.Decimal, bool) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return d, false
	}
	n, err := decimal.NewFromString(d.String())
	if err != nil {
		t.Fatalf("%q: reprint: %v", s, err)
	}
	return n, true
}

func sameDec(a, b decimal.Decimal) bool {
	return a.String() == b.String() && a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
}

// parseDec and normDec give exactly the decimals (coefficient and exponent)
// the slow parse-print-parse gave, and refuse what they cannot read.
func TestParseDecMatchesSlowPath(t *testing.T) {
	t.Parallel()
	inputs := []string{"0", "0.00", "-0.0", "23", "23.00", "23.50", " 12.3400 ", "-12.50", "+7", "2300", "0.0001",
		"123456789012345678", "1234567890123456789", "12345678901234567.8900", "99999999999999999999.5",
		"1e3", "1.", ".5", "", "-", "abc", "1.2.3", "00012.000", "-0000.10"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		inputs = append(inputs, fmt.Sprintf("%d.%0*d", r.Int64N(1e9)-5e8, r.IntN(6)+1, r.IntN(1000)))
	}
	for _, s := range inputs {
		want, wantOK := refNorm(t, s)
		got, ok := parseDec(s)
		if ok && (!wantOK || !sameDec(got, want)) {
			t.Errorf("parseDec(%q) = %s (exp %d), want %s (exp %d, ok %v)", s, got, got.Exponent(), want, want.Exponent(), wantOK)
		}
		if !ok && wantOK && len(strings.TrimSpace(s)) < 19 && !strings.ContainsAny(s, "e.") {
			t.Errorf("parseDec(%q) refused a plain number", s)
		}
		if wantOK {
			raw, _ := decimal.NewFromString(strings.TrimSpace(s))
			if n := normDec(raw); !sameDec(n, want) {
				t.Errorf("normDec(%q) = %s (exp %d), want %s (exp %d)", s, n, n.Exponent(), want, want.Exponent())
			}
		}
	}
	if got := normDec(decimal.New(105, -1).Sub(decimal.New(5, -1))); !sameDec(got, decimal.New(10, 0)) {
		t.Errorf("normDec(10.5 - 0.5) = %s (exp %d), want 10", got, got.Exponent())
	}
	if _, ok := parseDec("12.50"); !ok {
		t.Error("parseDec refused 12.50")
	}
}

// subDec gives exactly normDec(a.Sub(b)), on the fast path and off it.
func TestSubDecMatchesSlowPath(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	vals := []decimal.Decimal{decimal.Zero, decimal.New(0, -4), decimal.New(5, 2), decimal.New(123456789012345678, 0),
		decimal.New(-999999999999999999, -4), decimal.RequireFromString("12345678901234567890.5")}
	for range 3000 {
		vals = append(vals, decimal.New(r.Int64N(2e12)-1e12, -int32(r.IntN(7))))
	}
	for i := range 6000 {
		a, b := vals[i%len(vals)], vals[r.IntN(len(vals))]
		if got, want := subDec(a, b), normDec(a.Sub(b)); !sameDec(got, want) {
			t.Fatalf("subDec(%s, %s) = %s (exp %d), want %s (exp %d)", a, b, got, got.Exponent(), want, want.Exponent())
		}
	}
}
