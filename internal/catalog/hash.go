package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// hashVersion is mixed into every hash. Change it only together with the
// pinned hashes in hash_test.go, and expect every store item to be re-pushed.
const hashVersion = "erpbridge-hash-v1"

// Canonical returns the canonical encoding of v: JSON with struct fields in
// declaration order, map keys sorted, decimals as strings without trailing
// zeros, no HTML escaping, and empty slices and maps left out (nil and empty
// encode alike). Times must be in UTC; adapters convert at the edge.
func Canonical(v any) ([]byte, error) {
	if b, ok, err := appendCanonical(make([]byte, 0, 256), v); ok {
		if err != nil {
			return nil, fmt.Errorf("catalog: canonical encoding of %T: %w", v, err)
		}
		return b, nil
	}
	return canonicalJSON(v)
}

// canonicalJSON is Canonical by encoding/json, for every type.
func canonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("catalog: canonical encoding of %T: %w", v, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Hash returns the hex SHA-256 of kind and the canonical encoding of v. Two
// values hash alike exactly when their canonical encodings are equal.
func Hash(kind Kind, v any) (string, error) {
	b, err := Canonical(v)
	if err != nil {
		return "", err
	}
	return HashCanonical(kind, b), nil
}

// HashCanonical is Hash of a value whose canonical encoding (Canonical) is
// b, for callers that keep the encoding too and need not encode twice.
func HashCanonical(kind Kind, b []byte) string {
	sum := SumCanonical(kind, b)
	return hex.EncodeToString(sum[:])
}

// SumCanonical is HashCanonical before hex encoding: the raw SHA-256.
func SumCanonical(kind Kind, b []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(hashVersion))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(b)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// CanonicalSum returns r's canonical encoding (Canonical) and the raw
// SHA-256 that HashRecord hex-encodes, encoding into the hashed buffer.
// The buffer is *scratch, grown as needed and kept there for the next call,
// so the encoding returned is valid only until then; a nil scratch means a
// buffer of its own.
func CanonicalSum(scratch *[]byte, r Record) ([]byte, [sha256.Size]byte, error) {
	k := r.Kind()
	var buf []byte
	if scratch != nil {
		buf = (*scratch)[:0]
	}
	if cap(buf) < 256 {
		buf = make([]byte, 0, 256)
	}
	buf = append(buf, hashVersion...)
	buf = append(buf, 0)
	buf = append(buf, k...)
	buf = append(buf, 0)
	prefix := len(buf)
	buf, ok, err := appendCanonical(buf, r)
	if scratch != nil {
		*scratch = buf
	}
	if err != nil {
		return nil, [sha256.Size]byte{}, fmt.Errorf("catalog: canonical encoding of %T: %w", r, err)
	}
	if !ok {
		b, err := canonicalJSON(r)
		if err != nil {
			return nil, [sha256.Size]byte{}, err
		}
		return b, SumCanonical(k, b), nil
	}
	return buf[prefix:], sha256.Sum256(buf), nil
}

// HashRecord is Hash for a Record under its own kind.
func HashRecord(r Record) (string, error) { return Hash(r.Kind(), r) }

// Decode reads a record of kind k from its JSON encoding (as kept in the
// hub's mirror).
func Decode(k Kind, data []byte) (Record, error) {
	var (
		r   Record
		err error
	)
	switch k {
	case KindProduct:
		r, err = decodeAs[Product](data)
	case KindVariant:
		r, err = decodeAs[Variant](data)
	case KindCategory:
		r, err = decodeAs[Category](data)
	case KindAttribute:
		r, err = decodeAs[Attribute](data)
	case KindImage:
		r, err = decodeAs[Image](data)
	case KindPriceList:
		r, err = decodeAs[PriceList](data)
	case KindPrice:
		r, err = decodeAs[Price](data)
	case KindWarehouse:
		r, err = decodeAs[Warehouse](data)
	case KindStock:
		r, err = decodeAs[StockLevel](data)
	case KindCurrencyRate:
		r, err = decodeAs[CurrencyRate](data)
	default:
		return nil, fmt.Errorf("catalog: unknown record kind %q", k)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: decoding %s: %w", k, err)
	}
	return r, nil
}

func decodeAs[T Record](data []byte) (Record, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}
