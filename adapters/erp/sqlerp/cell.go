package sqlerp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// cell holds one scanned column value whatever type the driver chose.
type cell struct{ v any }

// Scan implements sql.Scanner, copying byte slices the driver may reuse.
func (c *cell) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		c.v = append([]byte(nil), b...)
		return nil
	}
	c.v = src
	return nil
}

// row is one result row with its columns by lower-case name.
type row struct {
	query string
	idx   map[string]int
	cells []cell
}

func (r *row) get(col string) (any, bool) {
	i, ok := r.idx[col]
	if !ok {
		return nil, false
	}
	v := r.cells[i].v
	return v, v != nil
}

// null reports whether col is absent or NULL.
func (r *row) null(col string) bool { _, ok := r.get(col); return !ok }

func (r *row) str(col string) string {
	v, ok := r.get(col)
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case time.Time:
		// ERP times are wall-clock times; the driver's zone means nothing.
		return x.Format("2006-01-02 15:04:05.999999999")
	default:
		return fmt.Sprint(x)
	}
}

func (r *row) dec(col string) (decimal.Decimal, bool, error) {
	v, ok := r.get(col)
	if !ok {
		return decimal.Zero, false, nil
	}
	var d decimal.Decimal
	var err error
	switch x := v.(type) {
	case int64:
		return decimal.NewFromInt(x), true, nil
	case float64:
		d = decimal.NewFromFloat(x)
	case string:
		if d, ok := parseDec(x); ok {
			return d, true, nil
		}
		d, err = decimal.NewFromString(strings.TrimSpace(x))
	case []byte:
		if d, ok := parseDec(string(x)); ok {
			return d, true, nil
		}
		d, err = decimal.NewFromString(strings.TrimSpace(string(x)))
	default:
		d, err = decimal.NewFromString(fmt.Sprint(x))
	}
	if err != nil {
		return decimal.Zero, false, fmt.Errorf("sqlerp: query %s: column %s: %v is not a number", r.query, col, v)
	}
	return normDec(d), true, nil
}

// parseDec reads plain decimal text ("-12.50", up to 18 significant
// digits) straight into a normalised decimal, without the big-number
// parsing of decimal.NewFromString; ok is false for anything else.
func parseDec(s string) (d decimal.Decimal, ok bool) {
	s = strings.TrimSpace(s)
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	var c int64
	var exp int32
	digits, before, after, dot := 0, 0, 0, false
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			if c != 0 || ch != '0' {
				digits++
			}
			if digits > 18 {
				return d, false
			}
			c = c*10 + int64(ch-'0')
			if dot {
				exp--
				after++
			} else {
				before++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			return d, false
		}
	}
	if before == 0 || (dot && after == 0) {
		return d, false
	}
	if neg {
		c = -c
	}
	return trimZeros(c, exp), true
}

// trimZeros is c×10^exp (exp <= 0) without trailing fractional zeros.
func trimZeros(c int64, exp int32) decimal.Decimal {
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
	}
	return decimal.New(c, exp)
}

// subDec is normDec(a.Sub(b)), in int64 arithmetic when both fit in 18
// digits at their common scale.
func subDec(a, b decimal.Decimal) decimal.Decimal {
	ea, eb := a.Exponent(), b.Exponent()
	e := min(ea, eb)
	if ea > 0 || eb > 0 || a.NumDigits()+int(ea-e) > 18 || b.NumDigits()+int(eb-e) > 18 {
		return normDec(a.Sub(b))
	}
	ca, cb := a.CoefficientInt64(), b.CoefficientInt64()
	for ; ea > e; ea-- {
		ca *= 10
	}
	for ; eb > e; eb-- {
		cb *= 10
	}
	return trimZeros(ca-cb, e)
}

// normDec drops trailing zeros so 23.00 and 23 read alike on every engine.
func normDec(d decimal.Decimal) decimal.Decimal {
	switch {
	case d.Exponent() == 0:
		return d
	case d.Exponent() < 0 && d.NumDigits() <= 18:
		return trimZeros(d.CoefficientInt64(), d.Exponent())
	}
	n, err := decimal.NewFromString(d.String())
	if err != nil {
		return d
	}
	return n
}

func (r *row) boolean(col string) bool {
	v, ok := r.get(col)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	switch strings.ToLower(strings.TrimSpace(r.str(col))) {
	case "", "0", "false", "f", "n", "no":
		return false
	}
	return true
}

func (r *row) int64(col string) (int64, bool, error) {
	v, ok := r.get(col)
	if !ok {
		return 0, false, nil
	}
	switch x := v.(type) {
	case int64:
		return x, true, nil
	case float64:
		return int64(x), true, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(r.str(col)), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("sqlerp: query %s: column %s: %q is not an integer", r.query, col, r.str(col))
	}
	return n, true, nil
}

func (r *row) bytes(col string) []byte {
	v, ok := r.get(col)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

var wallLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	time.RFC3339Nano,
	"2006-01-02",
}

// wall returns col as a wall-clock time (its location is meaningless).
func (r *row) wall(col string) (time.Time, bool, error) {
	v, ok := r.get(col)
	if !ok {
		return time.Time{}, false, nil
	}
	if t, ok := v.(time.Time); ok {
		return t, true, nil
	}
	s := strings.TrimSpace(r.str(col))
	for _, l := range wallLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("sqlerp: query %s: column %s: %q is not a date and time", r.query, col, s)
}

// inZone reads wall's clock as a local time in loc.
func inZone(wall time.Time, loc *time.Location) time.Time {
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
}
