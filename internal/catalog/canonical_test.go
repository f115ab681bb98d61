package catalog

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// pieces random strings are made of: Polish letters, characters HTML
// escaping would touch, JSON escapes, U+2028/U+2029, invalid UTF-8.
var pieces = []string{
	"a", "Z", "0", " ", "ą", "ć", "ę", "ł", "ń", "ó", "ś", "ź", "ż", "Ą", "Ć", "Ę", "Ł", "Ń", "Ó", "Ś", "Ź", "Ż",
	"<", ">", "&", `"`, `\`, "/", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
	"\u2028", "\u2029", "\u00e9", "€", "😀", "\xff", "\xc3", "\xe2\x80", "\ufffd", "{}", "[]", ":", ",",
}

func randString(r *rand.Rand) string {
	n := r.IntN(8)
	var b []byte
	for range n {
		b = append(b, pieces[r.IntN(len(pieces))]...)
	}
	return string(b)
}

func randDecimal(r *rand.Rand) decimal.Decimal {
	switch r.IntN(4) {
	case 0:
		return decimal.New(r.Int64N(1_000_000)-500_000, int32(r.IntN(8))-6)
	case 1: // more than 18 digits
		v := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(20+r.IntN(10))), nil)
		v.Add(v, big.NewInt(r.Int64()))
		if r.IntN(2) == 0 {
			v.Neg(v)
		}
		return decimal.NewFromBigInt(v, int32(r.IntN(30))-25)
	case 2:
		return decimal.Zero
	}
	return decimal.NewFromFloat(r.NormFloat64() * 1000)
}

func randDecimalPtr(r *rand.Rand) *decimal.Decimal {
	if r.IntN(3) == 0 {
		return nil
	}
	d := randDecimal(r)
	return &d
}

// randStrings is nil, empty or a few strings.
func randStrings(r *rand.Rand) []string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	s := make([]string, 1+r.IntN(4))
	for i := range s {
		s[i] = randString(r)
	}
	return s
}

// randMap is nil, empty or a few entries (Go randomises iteration order).
func randMap(r *rand.Rand) map[string]string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return map[string]string{}
	}
	m := map[string]string{}
	for range 1 + r.IntN(20) {
		m[randString(r)] = randString(r)
	}
	return m
}

func randTime(r *rand.Rand) *time.Time {
	if r.IntN(3) == 0 {
		return nil
	}
	t := time.Unix(r.Int64N(4_000_000_000), r.Int64N(1e9)).UTC()
	if r.IntN(3) == 0 {
		t = t.Truncate(time.Second)
	}
	if r.IntN(4) == 0 {
		t = t.In(time.FixedZone("x", 3600*(r.IntN(25)-12)))
	}
	return &t
}

func randBool(r *rand.Rand) bool { return r.IntN(2) == 0 }

func randRecord(r *rand.Rand) any {
	s := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		return randString(r)
	}
	switch r.IntN(10) {
	case 0:
		return Product{SKU: s(), ERPID: s(), Name: s(), Description: s(), EAN: s(), Unit: s(), VATRate: randDecimal(r),
			WeightKG: randDecimalPtr(r), Active: randBool(r), EShop: randBool(r), Service: randBool(r),
			Categories: randStrings(r), Attributes: randMap(r), Axes: randStrings(r),
			PurchasePrice: randDecimalPtr(r), ModifiedAt: randTime(r)}
	case 1:
		return Variant{SKU: s(), ProductSKU: s(), Name: s(), EAN: s(), Options: randMap(r), Active: randBool(r)}
	case 2:
		return Category{Code: s(), ParentCode: s(), Name: s(), Path: s()}
	case 3:
		return Attribute{Code: s(), Name: s(), Type: s()}
	case 4:
		return Image{ProductSKU: s(), Position: r.IntN(2000) - 1000, URL: s(), ContentHash: s(), ContentType: s(), Alt: s()}
	case 5:
		return PriceList{Code: s(), Name: s(), Currency: s(), Gross: randBool(r), Active: randBool(r)}
	case 6:
		return Price{SKU: s(), PriceList: s(), Amount: randDecimal(r), Currency: s(), Gross: randBool(r)}
	case 7:
		return Warehouse{Code: s(), Name: s()}
	case 8:
		return StockLevel{SKU: s(), Warehouse: s(), OnHand: randDecimal(r), Reserved: randDecimal(r), Available: randDecimal(r)}
	}
	return CurrencyRate{Currency: s(), ValidFrom: s(), Rate: randDecimal(r)}
}

// checkSameAsJSON fails when the fast encoder does not write exactly what
// encoding/json writes for v.
func checkSameAsJSON(t *testing.T, v any) {
	t.Helper()
	fast, ok, ferr := appendCanonical(nil, v)
	if !ok {
		t.Fatalf("%T: no fast encoding", v)
	}
	slow, serr := canonicalJSON(v)
	if r, ok := v.(Record); ok && ferr == nil {
		scratch := bytes.Repeat([]byte{'x'}, 300) // a used buffer
		for _, sc := range []*[]byte{nil, &scratch} {
			payload, sum, err := CanonicalSum(sc, r)
			if err != nil || !bytes.Equal(payload, slow) || hex.EncodeToString(sum[:]) != HashCanonical(r.Kind(), slow) {
				t.Fatalf("%T: CanonicalSum = %q %x, %v; want %q and the hash of it", v, payload, sum, err, slow)
			}
		}
	}
	if (ferr != nil) != (serr != nil) {
		t.Fatalf("%T %+v: fast error %v, encoding/json error %v", v, v, ferr, serr)
	}
	if !bytes.Equal(fast, slow) {
		t.Fatalf("%T: fast encoding differs from encoding/json\nfast: %q\njson: %q", v, fast, slow)
	}
}

func TestCanonicalFastMatchesJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		checkSameAsJSON(t, randRecord(r))
	}
	// Every kind with every field at its zero value.
	for _, v := range []any{Product{}, Variant{}, Category{}, Attribute{}, Image{}, PriceList{}, Price{}, Warehouse{}, StockLevel{}, CurrencyRate{}} {
		checkSameAsJSON(t, v)
	}
	// Decimals at the edges of the fast path: zeros, scale, sign, 18 and 19 digits.
	for _, v := range []string{"0", "0.000", "-0.05", "100", "1e3", "-1.00", "0.0001230", "123456789012345678",
		"-123456789.012345678", "1234567890123456789", "-0.1234567890123456789", "99999999999999999.9"} {
		d := decimal.RequireFromString(v)
		checkSameAsJSON(t, Price{Amount: d})
		checkSameAsJSON(t, StockLevel{OnHand: d, Reserved: d.Neg(), Available: d.Shift(-3)})
	}
	// A time encoding/json refuses is refused too.
	bad := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Canonical(Product{SKU: "A", ModifiedAt: &bad}); err == nil {
		t.Error("year 10000 encoded")
	}
	// Types without a fast encoding still encode.
	if b, err := Canonical(&Price{SKU: "A"}); err != nil || !bytes.Contains(b, []byte(`"sku":"A"`)) {
		t.Errorf("pointer record: %s, %v", b, err)
	}
}

func FuzzCanonicalFast(f *testing.F) {
	f.Add("KUB-001", "Kubek <żółty> & \u2028", "kolor", "\xff\"\\", "19.90", int64(3))
	f.Fuzz(func(t *testing.T, a, b, c, d, num string, n int64) {
		amount, err := decimal.NewFromString(num)
		if err != nil {
			amount = decimal.New(n, int32(n%20))
		}
		checkSameAsJSON(t, Product{SKU: a, Name: b, Description: d, VATRate: amount, WeightKG: &amount,
			Categories: []string{c, d}, Attributes: map[string]string{c: d, a: b, d: a}, Axes: []string{b}})
		checkSameAsJSON(t, Variant{SKU: a, ProductSKU: b, Options: map[string]string{c: d}})
		checkSameAsJSON(t, Image{ProductSKU: a, Position: int(n), URL: b, Alt: c})
		checkSameAsJSON(t, StockLevel{SKU: a, Warehouse: c, OnHand: amount, Reserved: amount, Available: amount})
	})
}

func BenchmarkCanonical(b *testing.B) {
	p := sampleProduct()
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := Canonical(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sum", func(b *testing.B) {
		var scratch []byte
		for b.Loop() {
			if _, _, err := CanonicalSum(&scratch, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := canonicalJSON(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
