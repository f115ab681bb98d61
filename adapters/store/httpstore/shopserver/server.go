package shopserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// DefaultMaxBodyBytes bounds a request body unless Config says otherwise.
const DefaultMaxBodyBytes = 16 << 20

// Config configures a Server.
type Config struct {
	// Backend does the work; required.
	Backend Backend
	// Token is the bearer token clients must send; required.
	Token string
	// MaxBatch is the most items one PUT /v1/items takes (default
	// wire.DefaultMaxBatch); more gives 413.
	MaxBatch int
	// MaxBodyBytes bounds a request body (default DefaultMaxBodyBytes); more
	// gives 413.
	MaxBodyBytes int64
	// Logger gets one debug line per request and the Backend's internal
	// errors (default: discard).
	Logger *slog.Logger
	// Budget, when above zero, is how many requests a client may make per
	// BudgetWindow (default one minute). Every answer then reports what is
	// left in X-RateLimit-Limit, X-RateLimit-Remaining and
	// X-RateLimit-Reset (seconds until the window refills); a request over
	// the budget gets 429 with Retry-After.
	Budget       int
	BudgetWindow time.Duration
	// Now is the server's clock for the budget window (default time.Now).
	Now func() time.Time
}

// Server is the protocol's shop side as an http.Handler. Mount it at the
// shop's base URL (the handler serves paths starting with /v1/; use
// http.StripPrefix for a base path). It is safe for concurrent use.
type Server struct {
	backend  Backend
	tokenSum [sha256.Size]byte
	maxBatch int
	maxBody  int64
	log      *slog.Logger
	mux      *http.ServeMux

	budget       int
	budgetWindow time.Duration
	now          func() time.Time
	mu           sync.Mutex
	windowStart  time.Time
	used         int
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("shopserver: no backend")
	}
	if cfg.Token == "" {
		return nil, errors.New("shopserver: no token")
	}
	if cfg.MaxBatch < 0 || cfg.MaxBodyBytes < 0 || cfg.Budget < 0 || cfg.BudgetWindow < 0 {
		return nil, errors.New("shopserver: negative limit")
	}
	s := &Server{
		backend:  cfg.Backend,
		tokenSum: sha256.Sum256([]byte(cfg.Token)),
		maxBatch: cfg.MaxBatch,
		maxBody:  cfg.MaxBodyBytes,
		log:      cfg.Logger,

		budget:       cfg.Budget,
		budgetWindow: cfg.BudgetWindow,
		now:          cfg.Now,
	}
	if s.budgetWindow == 0 {
		s.budgetWindow = time.Minute
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBatch == 0 {
		s.maxBatch = wire.DefaultMaxBatch
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/v1/items", s.items)
	s.mux.HandleFunc("/v1/orders", s.orders)
	s.mux.HandleFunc("/v1/orders/{id}", s.order)
	s.mux.HandleFunc("/v1/orders/{id}/status", s.status)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, wire.Error{Code: wire.CodeNotFound, Message: "no such endpoint: " + r.URL.Path})
	})
	return s, nil
}

// MaxBatch returns the most items one batch may hold.
func (s *Server) MaxBatch() int { return s.maxBatch }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "shopserver: request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status))
	}()
	if !s.authorized(r) {
		rec.Header().Set("WWW-Authenticate", `Bearer realm="erpbridge-store"`)
		writeError(rec, http.StatusUnauthorized, wire.Error{Code: wire.CodeUnauthorized, Message: "missing or wrong bearer token"})
		return
	}
	if !s.spend(rec) {
		writeError(rec, http.StatusTooManyRequests, wire.Error{Code: wire.CodeRateLimited, Message: "request budget spent; retry later"})
		return
	}
	r.Body = http.MaxBytesReader(rec, r.Body, s.maxBody)
	s.mux.ServeHTTP(rec, r)
}

// spend counts a request against the budget (when there is one), sets the
// X-RateLimit-* headers and, over the budget, Retry-After; it reports
// whether the request may go on.
func (s *Server) spend(w http.ResponseWriter) bool {
	if s.budget == 0 {
		return true
	}
	s.mu.Lock()
	now := s.now()
	if now.Sub(s.windowStart) >= s.budgetWindow {
		s.windowStart, s.used = now, 0
	}
	ok := s.used < s.budget
	if ok {
		s.used++
	}
	remaining, reset := s.budget-s.used, s.windowStart.Add(s.budgetWindow).Sub(now)
	s.mu.Unlock()
	secs := strconv.FormatFloat(math.Ceil(reset.Seconds()), 'f', 0, 64)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.budget))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", secs)
	if !ok {
		h.Set("Retry-After", secs)
	}
	return ok
}

func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, wire.Error{Code: wire.CodeMethod, Message: r.Method + " is not allowed here; use " + method})
	return false
}

func (s *Server) items(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		s.putItems(w, r)
	case http.MethodGet, http.MethodHead:
		s.listItems(w, r)
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeError(w, http.StatusMethodNotAllowed, wire.Error{Code: wire.CodeMethod, Message: r.Method + " is not allowed here; use GET or PUT"})
	}
}

func (s *Server) putItems(w http.ResponseWriter, r *http.Request) {
	var req wire.ItemsRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	if req.Items == nil {
		writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: `body has no "items" array`})
		return
	}
	if len(req.Items) > s.maxBatch {
		writeError(w, http.StatusRequestEntityTooLarge, wire.Error{
			Code:     wire.CodeTooLarge,
			Message:  fmt.Sprintf("batch has %d items; at most %d are allowed", len(req.Items), s.maxBatch),
			MaxItems: s.maxBatch,
		})
		return
	}
	results := make([]wire.ItemResult, len(req.Items))
	var valid []store.Item
	var at []int
	for i, wi := range req.Items {
		results[i] = wire.ItemResult{Kind: wi.Kind, SKU: wi.SKU, ShopID: wi.ShopID}
		it, ierr := validateItem(wi)
		if ierr != nil {
			results[i].Status = wire.StatusError
			results[i].Error = ierr
			continue
		}
		valid = append(valid, it)
		at = append(at, i)
	}
	if len(valid) > 0 {
		got, err := s.backend.Apply(r.Context(), valid)
		if err == nil && len(got) != len(valid) {
			err = fmt.Errorf("shopserver: backend returned %d results for %d items", len(got), len(valid))
		}
		if err != nil {
			s.writeBackendError(w, r, err)
			return
		}
		for j, res := range got {
			i := at[j]
			if res.Err != nil {
				results[i].Status = wire.StatusError
				results[i].Error = s.itemError(r.Context(), req.Items[i], res.Err)
				continue
			}
			results[i].Status = wire.StatusOK
			results[i].ShopID = res.ShopID
		}
	}
	writeJSON(w, http.StatusOK, wire.ItemsResponse{Results: results})
}

// itemError turns a Backend's per-item error into its wire form. Permanent
// errors concern the item's data and are shown as they are; other errors
// may hold internals and are logged, not sent.
func (s *Server) itemError(ctx context.Context, wi wire.Item, err error) *wire.ItemError {
	perm := fault.IsPermanent(err)
	var ie *ItemError
	switch {
	case errors.As(err, &ie):
		return &wire.ItemError{Code: ie.Code, Message: ie.Message, Permanent: ie.Permanent || perm}
	case errors.Is(err, ErrNotFound):
		return &wire.ItemError{Code: wire.CodeNotFound, Message: err.Error(), Permanent: true}
	case perm:
		return &wire.ItemError{Code: wire.CodeInvalid, Message: err.Error(), Permanent: true}
	}
	s.log.LogAttrs(ctx, slog.LevelWarn, "shopserver: backend failed an item",
		slog.String("kind", string(wi.Kind)), slog.String("sku", wi.SKU), slog.String("error", err.Error()))
	return &wire.ItemError{Code: wire.CodeInternal, Message: "the shop could not apply the item; try again later"}
}

func (s *Server) listItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := parseLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	items, next, err := s.backend.ListItems(r.Context(), q.Get("cursor"), limit)
	if err != nil {
		s.writeBackendError(w, r, err)
		return
	}
	page := wire.ExistingPage{Items: make([]wire.Existing, 0, len(items)), NextCursor: next}
	for _, e := range items {
		page.Items = append(page.Items, wire.Existing{Kind: e.Kind, SKU: e.SKU, EAN: e.EAN, ShopID: e.ShopID, ParentShopID: e.ParentShopID})
	}
	writeJSON(w, http.StatusOK, page)
}

func parseLimit(w http.ResponseWriter, text string) (int, bool) {
	if text == "" {
		return wire.DefaultPageLimit, true
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "limit must be a whole number of at least 1"})
		return 0, false
	}
	return min(n, wire.MaxPageLimit), true
}

func (s *Server) orders(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	limit, ok := parseLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	var pos OrderPosition
	if c := q.Get("cursor"); c != "" {
		p, err := decodeCursor(c)
		if err != nil {
			writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "cursor is not one this shop issued"})
			return
		}
		pos = p
	} else {
		since := q.Get("since")
		if since == "" {
			writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "since is required on the first page (RFC 3339, UTC)"})
			return
		}
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "since is not an RFC 3339 time: " + strconv.Quote(since)})
			return
		}
		pos = OrderPosition{UpdatedAt: t.UTC()}
	}
	list, err := s.backend.ListOrders(r.Context(), pos, limit)
	if err != nil {
		s.writeBackendError(w, r, err)
		return
	}
	if len(list) > limit {
		list = list[:limit]
	}
	page := wire.OrderPage{Orders: make([]json.RawMessage, 0, len(list))}
	for _, o := range list {
		if o.ShopOrderID == "" || o.UpdatedAt.IsZero() || !pos.Before(o.Order) {
			s.writeBackendError(w, r, fmt.Errorf("shopserver: backend listed order %q out of order or without id or time", o.ShopOrderID))
			return
		}
		raw, err := json.Marshal(inUTC(o))
		if err != nil {
			s.writeBackendError(w, r, fmt.Errorf("shopserver: encoding order %q: %w", o.ShopOrderID, err))
			return
		}
		page.Orders = append(page.Orders, raw)
		pos = OrderPosition{UpdatedAt: o.UpdatedAt, ID: o.ShopOrderID}
	}
	if len(list) == limit {
		page.NextCursor = encodeCursor(pos)
	}
	writeJSON(w, http.StatusOK, page)
}

type cursor struct {
	V int    `json:"v"`
	T string `json:"t"`
	I string `json:"i"`
}

// encodeCursor makes the opaque order cursor: versioned JSON in unpadded
// base64url.
func encodeCursor(p OrderPosition) string {
	b, _ := json.Marshal(cursor{V: 1, T: p.UpdatedAt.UTC().Format(time.RFC3339Nano), I: p.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (OrderPosition, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return OrderPosition{}, err
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return OrderPosition{}, err
	}
	if c.V != 1 {
		return OrderPosition{}, errors.New("unknown cursor version")
	}
	t, err := time.Parse(time.RFC3339Nano, c.T)
	if err != nil {
		return OrderPosition{}, err
	}
	return OrderPosition{UpdatedAt: t.UTC(), ID: c.I}, nil
}

func (s *Server) order(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	o, err := s.backend.Order(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeBackendError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inUTC(o))
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	var u catalog.StatusUpdate
	if !s.decodeBody(w, r, &u) {
		return
	}
	if msg := validateStatus(u); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, wire.Error{Code: wire.CodeInvalid, Message: msg})
		return
	}
	o, err := s.backend.SetStatus(r.Context(), r.PathValue("id"), u)
	if err != nil {
		s.writeBackendError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inUTC(o))
}

// inUTC returns o with its times in UTC, as the protocol writes them.
func inUTC(o wire.Order) wire.Order {
	o.PlacedAt, o.UpdatedAt = o.PlacedAt.UTC(), o.UpdatedAt.UTC()
	return o
}

// decodeBody reads one JSON value into v, answering 400 or 413 itself when
// it cannot.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, wire.Error{Code: wire.CodeTooLarge, Message: fmt.Sprintf("body is larger than %d bytes", s.maxBody)})
			return false
		}
		writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "could not read the body"})
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "body is not valid JSON for this endpoint: " + err.Error()})
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, wire.Error{Code: wire.CodeBadRequest, Message: "body has data after the JSON value"})
		return false
	}
	return true
}

// writeBackendError answers for a Backend error on a whole call.
func (s *Server) writeBackendError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, wire.Error{Code: wire.CodeNotFound, Message: err.Error()})
		return
	}
	class, after := fault.Classify(err)
	switch class {
	case fault.RateLimitedClass:
		secs := int64(math.Ceil(after.Seconds()))
		w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		writeError(w, http.StatusTooManyRequests, wire.Error{Code: wire.CodeRateLimited, Message: "too many requests; retry later"})
		return
	case fault.PermanentClass:
		writeError(w, http.StatusUnprocessableEntity, wire.Error{Code: wire.CodeInvalid, Message: err.Error()})
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "shopserver: backend failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	code := http.StatusInternalServerError
	if r.Context().Err() != nil || class == fault.FatalClass {
		code = http.StatusServiceUnavailable
	}
	writeError(w, code, wire.Error{Code: wire.CodeInternal, Message: "the shop failed; try again later"})
}

func writeError(w http.ResponseWriter, code int, e wire.Error) {
	writeJSON(w, code, wire.ErrorBody{Error: e})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"could not encode the response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
