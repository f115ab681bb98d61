// Package logging builds the process logger: log/slog with text or JSON
// output, a level, and a last line of defence that replaces every configured
// secret value found in a message or attribute with "<redacted>".
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Options configure New.
type Options struct {
	// Format is "text" or "json".
	Format string
	// Level is "debug", "info", "warn" or "error".
	Level string
	// Secrets are values that must never be printed.
	Secrets []string
}

// ParseLevel turns a level name into a slog.Level.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("logging: unknown level %q (use debug, info, warn or error)", s)
}

// New returns a logger writing to w.
func New(w io.Writer, o Options) (*slog.Logger, error) {
	level, err := ParseLevel(o.Level)
	if err != nil {
		return nil, err
	}
	ho := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch strings.ToLower(o.Format) {
	case "", "text":
		h = slog.NewTextHandler(w, ho)
	case "json":
		h = slog.NewJSONHandler(w, ho)
	default:
		return nil, fmt.Errorf("logging: unknown format %q (use text or json)", o.Format)
	}
	return slog.New(Scrub(h, o.Secrets)), nil
}

// Scrub wraps h so that every occurrence of a secret in a record's message or
// string-valued attributes (also inside groups and errors) prints as
// "<redacted>". Secrets shorter than 4 characters are ignored: replacing
// them would mangle ordinary text and they protect nothing.
func Scrub(h slog.Handler, secrets []string) slog.Handler {
	var pairs []string
	for _, s := range secrets {
		if len(s) >= 4 {
			pairs = append(pairs, s, "<redacted>")
		}
	}
	if len(pairs) == 0 {
		return h
	}
	return &scrubber{next: h, r: strings.NewReplacer(pairs...)}
}

type scrubber struct {
	next slog.Handler
	r    *strings.Replacer
}

func (s *scrubber) Enabled(ctx context.Context, l slog.Level) bool { return s.next.Enabled(ctx, l) }

func (s *scrubber) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, s.r.Replace(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(s.attr(a))
		return true
	})
	return s.next.Handle(ctx, out)
}

func (s *scrubber) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, s.r.Replace(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		clean := make([]any, len(attrs))
		for i, g := range attrs {
			clean[i] = s.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Errors and other values print through fmt; scrub that text.
		return slog.String(a.Key, s.r.Replace(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (s *scrubber) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = s.attr(a)
	}
	return &scrubber{next: s.next.WithAttrs(clean), r: s.r}
}

func (s *scrubber) WithGroup(name string) slog.Handler {
	return &scrubber{next: s.next.WithGroup(name), r: s.r}
}

// ForStore returns l with the store id and adapter type on every line, as
// every adapter's log lines must carry them.
func ForStore(l *slog.Logger, storeID, adapter string) *slog.Logger {
	return l.With(slog.String("store", storeID), slog.String("adapter", adapter))
}
