package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/fault"
)

// maxBody bounds a response body the adapter reads (a page of 100 orders is
// well below it).
const maxBody = 64 << 20

// APIError is an error answer of the WooCommerce API.
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Code and Message are WordPress's error code and message ("" when the
	// body was not WordPress JSON, e.g. a proxy's page).
	Code    string
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// wpError is WordPress's error body and a batch item's "error".
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Status     int `json:"status"`
		ResourceID int `json:"resource_id"`
	} `json:"data"`
}

// scrubbed is an error whose text has the credentials removed; it still
// unwraps to the cause (context.Canceled, a net error) for errors.Is.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub removes the consumer key and secret (also URL-encoded) from s.
func (s *Store) scrub(text string) string {
	for _, secret := range []string{s.creds.ConsumerKey, s.creds.ConsumerSecret, s.creds.WebhookSecret} {
		if len(secret) < 4 {
			continue
		}
		text = strings.ReplaceAll(text, secret, "<redacted>")
		if enc := url.QueryEscape(secret); enc != secret {
			text = strings.ReplaceAll(text, enc, "<redacted>")
		}
	}
	return text
}

// call is one API request. path is below /wp-json/wc/v3; body (if not nil)
// is sent as JSON; out (if not nil) receives the JSON answer. It returns the
// response headers of a 2xx answer. Errors are classified (see the package
// doc) and free of credentials.
func (s *Store) call(ctx context.Context, method, path string, query url.Values, body, out any) (http.Header, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("woocommerce: %s %s: store is closed", method, path)
	}
	u := *s.api
	u.Path += path
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if s.conn.QueryStringAuth {
		q.Set("consumer_key", s.creds.ConsumerKey)
		q.Set("consumer_secret", s.creds.ConsumerSecret)
	}
	u.RawQuery = q.Encode()

	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fault.Permanent(fmt.Errorf("woocommerce: %s %s: encode request: %w", method, path, err))
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fault.Fatal(&scrubbed{msg: s.scrub(fmt.Sprintf("woocommerce: %s %s: %v", method, path, err)), err: errors.Unwrap(err)})
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !s.conn.QueryStringAuth {
		req.SetBasicAuth(s.creds.ConsumerKey, s.creds.ConsumerSecret)
	}

	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		// A *url.Error prints the URL, which holds the credentials with
		// query_string_auth: keep only its cause.
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(cause, ctxErr) {
			cause = fmt.Errorf("%w (%v)", ctxErr, cause)
		}
		e := &scrubbed{msg: s.scrub(fmt.Sprintf("woocommerce: %s %s: %v", method, path, cause)), err: cause}
		s.log.DebugContext(ctx, "woocommerce call failed", slog.String("method", method), slog.String("path", path),
			slog.Duration("took", time.Since(start)), slog.String("error", e.msg))
		return nil, e
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	s.log.DebugContext(ctx, "woocommerce call", slog.String("method", method), slog.String("path", path),
		slog.Int("status", resp.StatusCode), slog.Int("bytes", len(raw)), slog.Duration("took", time.Since(start)))
	if err != nil {
		return nil, &scrubbed{msg: s.scrub(fmt.Sprintf("woocommerce: %s %s: read answer: %v", method, path, err)), err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, s.classify(method, path, resp, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			// Applied or not, the answer is unreadable: retry (pushes are
			// idempotent).
			return nil, fmt.Errorf("woocommerce: %s %s: answer is not the expected JSON (HTTP %d, %d bytes): %w", method, path, resp.StatusCode, len(raw), err)
		}
	}
	return resp.Header, nil
}

// classify turns a non-2xx answer into a classified error.
func (s *Store) classify(method, path string, resp *http.Response, raw []byte) error {
	ae := &APIError{Status: resp.StatusCode}
	var we wpError
	if json.Unmarshal(raw, &we) == nil && we.Code != "" {
		ae.Code, ae.Message = we.Code, s.scrub(we.Message)
	}
	err := fmt.Errorf("woocommerce: %s %s: %w", method, path, ae)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fault.Fatal(fmt.Errorf("%w (check credentials.consumer_key and consumer_secret, and that the key has read/write permission)", err))
	case resp.StatusCode == http.StatusTooManyRequests:
		return fault.RateLimited(err, retryAfter(resp.Header.Get("Retry-After"), time.Now()))
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		return fault.Permanent(fmt.Errorf("%w (the shop's batch limit is below connection.batch_size)", err))
	case resp.StatusCode == http.StatusNotFound && ae.Code == "rest_no_route":
		return fault.Fatal(fmt.Errorf("%w (is connection.url the WordPress site with WooCommerce and pretty permalinks?)", err))
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusConflict:
		return fault.Permanent(err)
	}
	return err
}

// retryAfter reads Retry-After as seconds or an HTTP date (0 when absent).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// page is what a list call tells about pagination.
type page struct {
	total, totalPages int
}

func pageInfo(h http.Header) page {
	p := page{total: -1, totalPages: -1}
	if n, err := strconv.Atoi(h.Get("X-WP-Total")); err == nil {
		p.total = n
	}
	if n, err := strconv.Atoi(h.Get("X-WP-TotalPages")); err == nil {
		p.totalPages = n
	}
	return p
}

// hasNext says whether a page after n exists: X-WP-TotalPages when sent,
// else whether page n was full.
func (p page) hasNext(n, got, perPage int) bool {
	if p.totalPages >= 0 {
		return n < p.totalPages
	}
	return got == perPage
}
