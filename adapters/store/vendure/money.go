package vendure

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/fault"
)

// currencyDecimals lists the ISO 4217 currencies whose minor unit is not
// 1/100; every other currency has two decimals.
var currencyDecimals = map[string]int32{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// decimalsOf returns how many decimals an amount in currency may have.
func decimalsOf(currency string) int32 {
	if d, ok := currencyDecimals[strings.ToUpper(currency)]; ok {
		return d
	}
	return 2
}

// toMinor converts amount to Vendure's integer money. precision is the
// server's money precision (moneyStrategyPrecision, 2 by default): Vendure
// stores every amount as amount × 10^precision. An amount with more decimals
// than its currency has, a negative amount or one too large for an integer is
// a Permanent error: it is the record's data that is wrong.
func toMinor(amount decimal.Decimal, currency string, precision int32) (int64, error) {
	if amount.IsNegative() {
		return 0, fault.Permanentf("vendure: amount %s %s is negative", amount.String(), currency)
	}
	allowed := decimalsOf(currency)
	if precision < allowed {
		allowed = precision
	}
	if !amount.Equal(amount.Truncate(allowed)) {
		return 0, fault.Permanentf("vendure: amount %s %s has more than %d decimals", amount.String(), currency, allowed)
	}
	minor := amount.Shift(precision)
	if minor.GreaterThan(decimal.NewFromInt(math.MaxInt32)) {
		// Vendure's Money scalar is a 32-bit GraphQL Int unless the server
		// uses the BigInt money strategy.
		return 0, fault.Permanentf("vendure: amount %s %s is too large for Vendure's money field", amount.String(), currency)
	}
	return minor.IntPart(), nil
}

// fromMinor converts Vendure's integer money (a JSON number) to a decimal.
// Only a plain integer is money: no fraction, no exponent (an exponent like
// 1e999999999 would also make decimal arithmetic on it unbounded).
func fromMinor(n json.Number, precision int32) (decimal.Decimal, error) {
	if n == "" {
		return decimal.Zero, nil
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return decimal.Zero, fmt.Errorf("money %q is not a whole number of minor units", shorten(string(n)))
	}
	return decimal.New(v, -precision), nil
}

// plainDecimal parses a small decimal such as a tax rate, refusing long or
// exponent forms.
func plainDecimal(n json.Number) (decimal.Decimal, error) {
	s := string(n)
	if len(s) > 24 || strings.ContainsAny(s, "eE") {
		return decimal.Zero, fmt.Errorf("number %q is out of range", shorten(s))
	}
	return decimal.NewFromString(s)
}

// shorten keeps error messages about bad input short.
func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
