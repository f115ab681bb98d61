package vendure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/erpbridge/erpbridge/internal/fault"
)

// maxResponseBytes bounds how much of a response the client reads.
const maxResponseBytes = 32 << 20

// gqlError is one entry of a GraphQL response's "errors".
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// gqlResponse is a GraphQL response envelope.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// requestError is a GraphQL-level failure of a whole request: the server
// answered, but with errors instead of data.
type requestError struct {
	errs []gqlError
}

func (e *requestError) Error() string {
	var b strings.Builder
	for i, x := range e.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		if x.Extensions.Code != "" {
			b.WriteString(x.Extensions.Code)
			b.WriteString(": ")
		}
		b.WriteString(x.Message)
	}
	return b.String()
}

func (e *requestError) has(code string) bool {
	for _, x := range e.errs {
		if x.Extensions.Code == code {
			return true
		}
	}
	return false
}

// classify marks a GraphQL request error by what the caller should do.
func (e *requestError) classify(err error) error {
	switch {
	case e.has("FORBIDDEN") || e.has("UNAUTHORIZED"):
		return fault.Fatal(err)
	case e.has("GRAPHQL_VALIDATION_FAILED") || e.has("GRAPHQL_PARSE_FAILED"):
		// The server does not know a field or argument the adapter sends: a
		// Vendure version the adapter does not support. Retrying cannot help
		// and every item would fail the same way.
		return fault.Fatal(err)
	case e.has("BAD_USER_INPUT") || e.has("USER_INPUT_ERROR") || e.has("ENTITY_NOT_FOUND") ||
		e.has("ILLEGAL_OPERATION") || e.has("INVALID_INPUT"):
		return fault.Permanent(err)
	default:
		return err
	}
}

// client talks GraphQL to one Vendure API (admin or shop) with a bearer token.
type client struct {
	hc           *http.Client
	endpoint     string
	channelToken string
	username     string
	password     string
	log          *slog.Logger

	mu    sync.Mutex
	token string
}

// call runs one GraphQL operation and decodes its data into out. It logs in
// first when it has no token and once more when the server says the token is
// no longer valid. Errors are classified (see package fault).
func (c *client) call(ctx context.Context, op, query string, vars map[string]any, out any) error {
	tok, err := c.ensureToken(ctx)
	if err != nil {
		return err
	}
	data, err := c.post(ctx, op, query, vars, tok)
	var re *requestError
	if errors.As(err, &re) && (re.has("FORBIDDEN") || re.has("UNAUTHORIZED")) {
		// Tokens expire and the server may restart with a fresh session store:
		// log in once more before calling it a credentials problem.
		c.log.DebugContext(ctx, "vendure: token refused, logging in again", slog.String("op", op))
		if tok, err = c.login(ctx, tok); err != nil {
			return err
		}
		data, err = c.post(ctx, op, query, vars, tok)
	}
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("vendure: %s: decode data: %w", op, err)
	}
	return nil
}

func (c *client) ensureToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok := c.token
	c.mu.Unlock()
	if tok != "" {
		return tok, nil
	}
	return c.login(ctx, "")
}

const loginMutation = `mutation Login($u: String!, $p: String!) {
  login(username: $u, password: $p, rememberMe: true) {
    __typename
    ... on CurrentUser { id identifier }
    ... on ErrorResult { errorCode message }
  }
}`

// login gets a fresh token unless another goroutine already replaced stale
// (the token that failed) with a new one.
func (c *client) login(ctx context.Context, stale string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.token != stale {
		return c.token, nil
	}
	var out struct {
		Login struct {
			Typename  string `json:"__typename"`
			ErrorCode string `json:"errorCode"`
			Message   string `json:"message"`
		} `json:"login"`
	}
	vars := map[string]any{"u": c.username, "p": c.password}
	data, hdr, err := c.postRaw(ctx, "login", loginMutation, vars, "")
	if err != nil {
		return "", fmt.Errorf("vendure: login: %w", err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return "", fmt.Errorf("vendure: login: decode: %w", err)
	}
	if out.Login.Typename != "CurrentUser" {
		return "", fault.Fatal(fmt.Errorf("vendure: login as %q refused: %s %s", c.username, out.Login.ErrorCode, out.Login.Message))
	}
	tok := hdr.Get("vendure-auth-token")
	if tok == "" {
		return "", fault.Fatal(errors.New("vendure: login: no vendure-auth-token header in the answer; is the bearer token method enabled in authOptions.tokenMethod?"))
	}
	c.token = tok
	c.log.DebugContext(ctx, "vendure: logged in", slog.String("user", c.username))
	return tok, nil
}

func (c *client) post(ctx context.Context, op, query string, vars map[string]any, tok string) (json.RawMessage, error) {
	data, _, err := c.postRaw(ctx, op, query, vars, tok)
	return data, err
}

// postRaw sends one request and returns its data and headers. HTTP and
// GraphQL request errors are classified here.
func (c *client) postRaw(ctx context.Context, op, query string, vars map[string]any, tok string) (json.RawMessage, http.Header, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, nil, fmt.Errorf("vendure: %s: encode request: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fault.Fatal(fmt.Errorf("vendure: %s: %w", op, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if c.channelToken != "" {
		req.Header.Set("vendure-token", c.channelToken)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("vendure: %s: %w", op, ctx.Err())
		}
		return nil, nil, fmt.Errorf("vendure: %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.log.DebugContext(ctx, "vendure: call",
		slog.String("op", op),
		slog.Int("status", resp.StatusCode),
		slog.Duration("took", time.Since(start)))
	if err != nil {
		return nil, nil, fmt.Errorf("vendure: %s: read answer: %w", op, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, nil, fault.RateLimited(fmt.Errorf("vendure: %s: HTTP 429", op), retryAfter(resp.Header.Get("Retry-After"), time.Now()))
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, nil, fault.Fatal(fmt.Errorf("vendure: %s: HTTP %d", op, resp.StatusCode))
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil, fault.Fatal(fmt.Errorf("vendure: %s: HTTP 404 at %s: check url and admin_api_path", op, c.endpoint))
	case resp.StatusCode >= 500:
		return nil, nil, fmt.Errorf("vendure: %s: HTTP %d", op, resp.StatusCode)
	}
	var env gqlResponse
	if err := json.Unmarshal(raw, &env); err != nil {
		// A proxy's error page or a truncated answer: try again later.
		return nil, nil, fmt.Errorf("vendure: %s: HTTP %d with an unreadable body: %w", op, resp.StatusCode, err)
	}
	if len(env.Errors) > 0 {
		re := &requestError{errs: env.Errors}
		return nil, nil, re.classify(fmt.Errorf("vendure: %s: %w", op, re))
	}
	if resp.StatusCode >= 400 {
		return nil, nil, fault.Permanent(fmt.Errorf("vendure: %s: HTTP %d", op, resp.StatusCode))
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return nil, nil, fmt.Errorf("vendure: %s: answer without data", op)
	}
	return env.Data, resp.Header, nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); 0 when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
