package httpstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// maxResponseBytes bounds what the adapter reads of one response.
const maxResponseBytes = 64 << 20

// call is one protocol request.
type call struct {
	method string
	path   string // escaped, below the base URL, starting with "/v1/"
	query  url.Values
	body   any
	// notFoundPermanent makes a 404 with the protocol's not_found code a
	// Permanent error (a missing order) instead of a Fatal one (a wrong URL).
	notFoundPermanent bool
}

// StatusError is a non-2xx answer of the shop, with the protocol error it
// carried when it carried one.
type StatusError struct {
	Method string
	Path   string
	Status int
	Code   string
	Msg    string
}

// Error implements error.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("httpstore: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Msg != "" {
		msg += ": " + e.Msg
	}
	return msg
}

// do sends c and returns the 2xx body. Errors are classified: 401/403 Fatal,
// 429 RateLimited, 400/413/422 Permanent, 404 Fatal (or Permanent, see
// call.notFoundPermanent), 5xx, network errors and everything else
// retryable. A cancelled ctx gives an error wrapping ctx.Err().
func (s *Store) do(ctx context.Context, c call) ([]byte, error) {
	target := s.base + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	var body io.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, fault.Permanent(fmt.Errorf("httpstore: encoding %s %s: %w", c.method, c.path, err))
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, target, body)
	if err != nil {
		return nil, fault.Fatal(fmt.Errorf("httpstore: building %s %s: %w", c.method, c.path, err))
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelDebug, "httpstore: request failed",
			slog.String("method", c.method), slog.String("path", c.path), slog.String("error", err.Error()))
		return nil, fmt.Errorf("httpstore: %s %s: %w", c.method, c.path, err)
	}
	defer resp.Body.Close()
	s.noteBudget(resp.Header)
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	s.log.LogAttrs(ctx, slog.LevelDebug, "httpstore: request",
		slog.String("method", c.method), slog.String("path", c.path),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	if err != nil {
		return nil, fmt.Errorf("httpstore: %s %s: reading the answer: %w", c.method, c.path, err)
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("httpstore: %s %s: answer larger than %d bytes", c.method, c.path, maxResponseBytes)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return data, nil
	}
	return nil, s.classify(c, resp, data)
}

func (s *Store) classify(c call, resp *http.Response, data []byte) error {
	se := &StatusError{Method: c.method, Path: c.path, Status: resp.StatusCode}
	var eb wire.ErrorBody
	if json.Unmarshal(data, &eb) == nil {
		se.Code, se.Msg = eb.Error.Code, truncate(eb.Error.Message, maxMessageBytes)
		if eb.Error.MaxItems > 0 {
			se.Msg += fmt.Sprintf(" (set connection.batch_size to at most %d)", eb.Error.MaxItems)
		}
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fault.Fatal(se)
	case code == http.StatusTooManyRequests:
		return fault.RateLimited(se, retryAfter(resp.Header.Get("Retry-After"), s.now()))
	case code == http.StatusNotFound:
		if c.notFoundPermanent && se.Code == wire.CodeNotFound {
			return fault.Permanent(se)
		}
		return fault.Fatal(se)
	case code == http.StatusMethodNotAllowed:
		return fault.Fatal(se)
	case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge ||
		code == http.StatusUnprocessableEntity:
		return fault.Permanent(se)
	}
	return se
}

// maxMessageBytes bounds how much of a shop's error message goes into an
// error (and so into logs and the parked item's reason).
const maxMessageBytes = 512

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}

// malformed marks a 2xx answer the adapter cannot read: retryable, as a
// shop mid-deploy may send one.
func malformed(c call, format string, args ...any) error {
	return fmt.Errorf("httpstore: %s %s: malformed answer: %s", c.method, c.path, fmt.Sprintf(format, args...))
}

// noteBudget keeps the request budget an answer reports in its
// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (seconds
// until the window refills) headers; answers without them change nothing.
func (s *Store) noteBudget(h http.Header) {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil || limit <= 0 || remaining < 0 {
		return
	}
	b := store.Budget{Remaining: min(remaining, limit), Limit: limit}
	if reset, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset"), 64); err == nil && reset > 0 && reset < 24*3600 {
		b.Reset = time.Duration(reset * float64(time.Second))
	}
	s.mu.Lock()
	s.budget, s.budgetSeen = b, true
	s.mu.Unlock()
}

// Budget implements store.BudgetReporter.
func (s *Store) Budget() (store.Budget, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.budget, s.budgetSeen
}
