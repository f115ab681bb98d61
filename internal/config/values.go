package config

import (
	"log/slog"
	"time"
)

// Secret is a string that never prints: String, logging and YAML/JSON output
// all give "<redacted>". Reveal returns the value for the one place that uses it.
type Secret struct{ v string }

// Redacted is what a Secret prints as.
const Redacted = "<redacted>"

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return s.v }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s.v != "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer, so %#v hides the value too.
func (s Secret) GoString() string { return Redacted }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText implements encoding.TextMarshaler (JSON and YAML output).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// Duration is a time.Duration written as "90s", "5m", "1h30m".
type Duration struct{ time.Duration }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Schedule is when a periodic job runs: an interval ("5m"), a five-field cron
// expression ("*/5 * * * *"), or "off".
type Schedule struct {
	// Raw is the text as written.
	Raw string
	// Every is set for an interval; Cron for a cron expression; both zero
	// for "off".
	Every time.Duration
	Cron  string
}

// Off reports whether the job is disabled.
func (s Schedule) Off() bool { return s.Every == 0 && s.Cron == "" }

// MarshalText implements encoding.TextMarshaler.
func (s Schedule) MarshalText() ([]byte, error) { return []byte(s.Raw), nil }
