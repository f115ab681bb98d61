package config

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/shopspring/decimal"
)

var (
	secretType          = reflect.TypeFor[Secret]()
	durationType        = reflect.TypeFor[Duration]()
	scheduleType        = reflect.TypeFor[Schedule]()
	decimalType         = reflect.TypeFor[decimal.Decimal]()
	timeDurationType    = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// scalarType decodes one kind of single value. set stores s in v, or returns
// a message and a fix.
type scalarType struct {
	want string
	set  func(s string, v reflect.Value) (msg, fix string)
}

// isScalar reports whether t is decoded from a single value.
func isScalar(t reflect.Type) bool {
	_, ok := scalarTypeOf(t)
	return ok
}

// scalarTypeOf returns the decoder for single values of type t.
func scalarTypeOf(t reflect.Type) (scalarType, bool) {
	switch t {
	case secretType:
		return scalarType{"a string", setSecret}, true
	case durationType:
		return scalarType{"a duration such as 90s, 5m or 1h30m", setDuration}, true
	case timeDurationType:
		return scalarType{"a duration such as 90s, 5m or 1h30m", setTimeDuration}, true
	case scheduleType:
		return scalarType{"an interval such as 5m, a cron expression or off", setSchedule}, true
	case decimalType:
		return scalarType{"a decimal number such as 0.10", setDecimal}, true
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return scalarType{"a single value", setText}, true
	}
	switch t.Kind() {
	case reflect.String:
		return scalarType{"a string", func(s string, v reflect.Value) (string, string) { v.SetString(s); return "", "" }}, true
	case reflect.Bool:
		return scalarType{"true or false", setBool}, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalarType{"a whole number", setInt}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalarType{"a whole number", setUint}, true
	case reflect.Float32, reflect.Float64:
		return scalarType{"a number", setFloat}, true
	}
	return scalarType{}, false
}

func setSecret(s string, v reflect.Value) (string, string) {
	v.Set(reflect.ValueOf(NewSecret(s)))
	return "", ""
}

const durationFix = "write a duration such as 90s, 5m or 1h30m"

func setDuration(s string, v reflect.Value) (string, string) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Sprintf("%s is not a duration", quote(s)), durationFix
	}
	if d <= 0 {
		return fmt.Sprintf("the duration must be longer than zero, got %s", quote(s)), durationFix
	}
	v.Set(reflect.ValueOf(Duration{d}))
	return "", ""
}

func setTimeDuration(s string, v reflect.Value) (string, string) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Sprintf("%s is not a duration", quote(s)), durationFix
	}
	if d < 0 {
		return fmt.Sprintf("the duration must not be negative, got %s", quote(s)), durationFix
	}
	v.SetInt(int64(d))
	return "", ""
}

const scheduleFix = `write an interval such as 5m, a five-field cron expression such as "*/5 * * * *", or off`

func setSchedule(s string, v reflect.Value) (string, string) {
	sc, msg := parseSchedule(s)
	if msg != "" {
		return msg, scheduleFix
	}
	v.Set(reflect.ValueOf(sc))
	return "", ""
}

// parseSchedule parses an interval, a five-field cron expression or "off".
func parseSchedule(s string) (Schedule, string) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Schedule{Raw: s}, ""
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return Schedule{}, fmt.Sprintf("the interval must be longer than zero, got %s", quote(s))
		}
		return Schedule{Raw: s, Every: d}, ""
	}
	if len(strings.Fields(s)) != 5 {
		return Schedule{}, fmt.Sprintf("%s is not an interval, a cron expression or off", quote(s))
	}
	if err := checkCron(s); err != nil {
		return Schedule{}, fmt.Sprintf("%s is not a valid cron expression: %v", quote(s), err)
	}
	return Schedule{Raw: s, Cron: s}, ""
}

// checkCron parses a standard cron expression, turning a parser panic into
// an error.
func checkCron(s string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("the cron parser failed")
		}
	}()
	_, err = cron.ParseStandard(s)
	return err
}

// plainDecimal is the accepted decimal syntax: no exponent, dot separator.
var plainDecimal = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

func setDecimal(s string, v reflect.Value) (string, string) {
	const fix = "write the number with a dot as the decimal separator and no exponent, such as 12.50"
	if len(s) > 40 || !plainDecimal.MatchString(s) {
		return fmt.Sprintf("expected a decimal number, got %s", quote(s)), fix
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Sprintf("expected a decimal number, got %s", quote(s)), fix
	}
	v.Set(reflect.ValueOf(d))
	return "", ""
}

func setText(s string, v reflect.Value) (string, string) {
	if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
		return fmt.Sprintf("%s is not valid: %v", quote(s), err), ""
	}
	return "", ""
}

func setBool(s string, v reflect.Value) (string, string) {
	switch strings.ToLower(s) {
	case "true":
		v.SetBool(true)
	case "false":
		v.SetBool(false)
	default:
		return fmt.Sprintf("expected true or false, got %s", quote(s)), "write true or false"
	}
	return "", ""
}

func setInt(s string, v reflect.Value) (string, string) {
	i, err := strconv.ParseInt(s, 10, v.Type().Bits())
	if err != nil {
		return numberError(s, err)
	}
	v.SetInt(i)
	return "", ""
}

func setUint(s string, v reflect.Value) (string, string) {
	i, err := strconv.ParseUint(s, 10, v.Type().Bits())
	if err != nil {
		return numberError(s, err)
	}
	v.SetUint(i)
	return "", ""
}

func setFloat(s string, v reflect.Value) (string, string) {
	f, err := strconv.ParseFloat(s, v.Type().Bits())
	if err != nil {
		return numberError(s, err)
	}
	v.SetFloat(f)
	return "", ""
}

func numberError(s string, err error) (string, string) {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Sprintf("%s is out of range", quote(s)), "write a smaller number"
	}
	return fmt.Sprintf("expected a whole number, got %s", quote(s)), "write digits only, such as 100"
}
