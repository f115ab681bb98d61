package catalog

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// appendCanonical appends the canonical encoding of the ERP record types
// without reflection, byte for byte what encoding/json writes for them
// (canonical_test.go compares the two on random records); ok is false for
// any other type, which Canonical encodes with encoding/json.
func appendCanonical(b []byte, v any) (_ []byte, ok bool, err error) {
	if decimal.MarshalJSONWithoutQuotes {
		return b, false, nil
	}
	var e canonEnc
	e.b = b
	switch r := v.(type) {
	case Product:
		e.product(&r)
	case Variant:
		e.open()
		e.str("sku", r.SKU, false)
		e.str("product_sku", r.ProductSKU, false)
		e.str("name", r.Name, true)
		e.str("ean", r.EAN, true)
		e.strMap("options", r.Options)
		e.boolean("active", r.Active, false)
	case Category:
		e.open()
		e.str("code", r.Code, false)
		e.str("parent_code", r.ParentCode, true)
		e.str("name", r.Name, false)
		e.str("path", r.Path, false)
	case Attribute:
		e.open()
		e.str("code", r.Code, false)
		e.str("name", r.Name, false)
		e.str("type", r.Type, true)
	case Image:
		e.open()
		e.str("product_sku", r.ProductSKU, false)
		e.key("position")
		e.b = strconv.AppendInt(e.b, int64(r.Position), 10)
		e.str("url", r.URL, true)
		e.str("content_hash", r.ContentHash, true)
		e.str("content_type", r.ContentType, true)
		e.str("alt", r.Alt, true)
	case PriceList:
		e.open()
		e.str("code", r.Code, false)
		e.str("name", r.Name, false)
		e.str("currency", r.Currency, false)
		e.boolean("gross", r.Gross, false)
		e.boolean("active", r.Active, false)
	case Price:
		e.open()
		e.str("sku", r.SKU, false)
		e.str("price_list", r.PriceList, false)
		e.dec("amount", r.Amount)
		e.str("currency", r.Currency, false)
		e.boolean("gross", r.Gross, false)
	case Warehouse:
		e.open()
		e.str("code", r.Code, false)
		e.str("name", r.Name, false)
	case StockLevel:
		e.open()
		e.str("sku", r.SKU, false)
		e.str("warehouse", r.Warehouse, false)
		e.dec("on_hand", r.OnHand)
		e.dec("reserved", r.Reserved)
		e.dec("available", r.Available)
	case CurrencyRate:
		e.open()
		e.str("currency", r.Currency, false)
		e.str("valid_from", r.ValidFrom, false)
		e.dec("rate", r.Rate)
	default:
		return b, false, nil
	}
	if e.err != nil {
		return b, true, e.err
	}
	return append(e.b, '}'), true, nil
}

func (e *canonEnc) product(p *Product) {
	e.open()
	e.str("sku", p.SKU, false)
	e.str("erp_id", p.ERPID, true)
	e.str("name", p.Name, false)
	e.str("description", p.Description, true)
	e.str("ean", p.EAN, true)
	e.str("unit", p.Unit, true)
	e.dec("vat_rate", p.VATRate)
	if p.WeightKG != nil {
		e.dec("weight_kg", *p.WeightKG)
	}
	e.boolean("active", p.Active, false)
	e.boolean("eshop", p.EShop, false)
	e.boolean("service", p.Service, true)
	e.strSlice("categories", p.Categories)
	e.strMap("attributes", p.Attributes)
	e.strSlice("axes", p.Axes)
	if p.PurchasePrice != nil {
		e.dec("purchase_price", *p.PurchasePrice)
	}
	if p.ModifiedAt != nil {
		e.time("modified_at", *p.ModifiedAt)
	}
}

// canonEnc writes one JSON object's members; the caller closes it.
type canonEnc struct {
	b     []byte
	first bool
	err   error
}

func (e *canonEnc) open() { e.b, e.first = append(e.b, '{'), true }

// key writes a member name (always plain ASCII here) and its colon.
func (e *canonEnc) key(k string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *canonEnc) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	e.key(k)
	e.b = appendJSONString(e.b, v)
}

func (e *canonEnc) boolean(k string, v, omitEmpty bool) {
	if omitEmpty && !v {
		return
	}
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

// dec writes d as decimal.Decimal.MarshalJSON does: its String, quoted.
func (e *canonEnc) dec(k string, d decimal.Decimal) {
	e.key(k)
	e.b = append(e.b, '"')
	e.b = appendDecimal(e.b, d)
	e.b = append(e.b, '"')
}

// appendDecimal appends d.String() without its big-number formatting when
// the coefficient fits in 18 digits and the exponent is not positive.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	exp := d.Exponent()
	if exp > 0 || d.NumDigits() > 18 {
		return append(b, d.String()...)
	}
	c := d.CoefficientInt64()
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], c, 10)
	if exp == 0 {
		return append(b, digits...)
	}
	// As decimal.Decimal.String: integer part, point, leading zeros and
	// the fraction, trailing zeros trimmed when decimal.TrimTrailingZeros.
	scale := int(-exp)
	var intPart, frac []byte
	zeros := 0
	if len(digits) > scale {
		intPart, frac = digits[:len(digits)-scale], digits[len(digits)-scale:]
	} else {
		intPart, frac, zeros = []byte{'0'}, digits, scale-len(digits)
	}
	if decimal.TrimTrailingZeros {
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		if len(frac) == 0 {
			zeros = 0
		}
	}
	b = append(b, intPart...)
	if zeros+len(frac) == 0 {
		return b
	}
	b = append(b, '.')
	for range zeros {
		b = append(b, '0')
	}
	return append(b, frac...)
}

func (e *canonEnc) time(k string, t time.Time) {
	j, err := t.MarshalJSON()
	if err != nil {
		// encoding/json fails the whole value the same way.
		e.err = err
		return
	}
	e.key(k)
	e.b = append(e.b, j...)
}

func (e *canonEnc) strSlice(k string, v []string) {
	if len(v) == 0 {
		return
	}
	e.key(k)
	e.b = append(e.b, '[')
	for i, s := range v {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, s)
	}
	e.b = append(e.b, ']')
}

// strMap writes m with its keys in ascending order, as encoding/json does.
func (e *canonEnc) strMap(k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	var buf [16]string
	keys := buf[:0]
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	e.key(k)
	e.b = append(e.b, '{')
	for i, key := range keys {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, key)
		e.b = append(e.b, ':')
		e.b = appendJSONString(e.b, m[key])
	}
	e.b = append(e.b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does without HTML escaping:
// '"', '\\' and control characters escaped, invalid UTF-8 as \ufffd,
// U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
