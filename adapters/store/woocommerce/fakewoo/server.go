package fakewoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// BasePath is where the fake serves the REST API, as WooCommerce does.
const BasePath = "/wp-json/wc/v3"

// BatchLimit is WooCommerce's default woocommerce_rest_batch_items_limit:
// create, update and delete objects counted together.
const BatchLimit = 100

// Options configure a Server. The zero value is usable: credentials "ck_test"
// and "cs_test", site time zone UTC, real clock.
type Options struct {
	// ConsumerKey and ConsumerSecret are the REST API key pair the fake
	// accepts.
	ConsumerKey    string
	ConsumerSecret string
	// TimeZone is the site's time zone (WordPress "timezone_string"); local
	// dates are written in it and filters without dates_are_gmt use it.
	TimeZone *time.Location
	// Now is the clock (nil: time.Now). SetNow overrides it.
	Now func() time.Time
	// SiteURL is the site's home URL, sent as X-WC-Webhook-Source and used in
	// media URLs; Start sets it to the test server's URL.
	SiteURL string
	// BatchLimit is the most objects one batch call takes (0: BatchLimit,
	// WooCommerce's default; a site can lower it with the
	// woocommerce_rest_batch_items_limit filter).
	BatchLimit int
	// WebhookClient delivers webhooks (nil: a client with WooCommerce's
	// 5 second timeout).
	WebhookClient *http.Client
}

// Server is the fake shop. It is an http.Handler serving BasePath; create it
// with New (then mount or Serve it) or Start (an httptest server).
type Server struct {
	opts  Options
	table []route

	// URL is the site URL when the Server was made by Start ("" otherwise);
	// the API is at URL + BasePath.
	URL  string
	test *httptest.Server

	mu         sync.Mutex
	now        func() time.Time
	nextPost   int
	nextTerm   int
	nextMedia  int
	nextOther  int
	products   map[int]*Product
	categories map[int]*Category
	media      map[int]Image
	orders     map[int]*Order
	notes      map[int][]Note
	webhooks   []*webhook
	deliveries []Delivery

	latency    time.Duration
	rateLimitN int
	retryAfter time.Duration
	failN      int
	malformN   int
	authN      int
	delayN     int
	delay      time.Duration

	calls    atomic.Int64
	writes   atomic.Int64
	maxBatch atomic.Int64
	pending  sync.WaitGroup
}

// New returns a Server with no data.
func New(opts Options) *Server {
	if opts.ConsumerKey == "" {
		opts.ConsumerKey = "ck_test"
	}
	if opts.ConsumerSecret == "" {
		opts.ConsumerSecret = "cs_test"
	}
	if opts.TimeZone == nil {
		opts.TimeZone = time.UTC
	}
	if opts.BatchLimit <= 0 {
		opts.BatchLimit = BatchLimit
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 5 * time.Second}
	}
	if opts.SiteURL == "" {
		opts.SiteURL = "http://fakewoo.invalid"
	}
	s := &Server{
		opts:       opts,
		now:        opts.Now,
		nextPost:   100,
		nextTerm:   10,
		nextMedia:  1000,
		nextOther:  1,
		products:   map[int]*Product{},
		categories: map[int]*Category{},
		media:      map[int]Image{},
		orders:     map[int]*Order{},
		notes:      map[int][]Note{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.routes()
	return s
}

// Start returns a Server running on a new httptest server on 127.0.0.1;
// Close stops it.
func Start(opts Options) *Server {
	s := New(opts)
	s.test = httptest.NewUnstartedServer(s)
	s.test.Start()
	s.URL = s.test.URL
	s.mu.Lock()
	if opts.SiteURL == "" {
		s.opts.SiteURL = s.test.URL
	}
	s.mu.Unlock()
	return s
}

// Serve serves the fake on addr (e.g. "127.0.0.1:8089") until ctx is done,
// for the demo. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fakewoo: listen: %w", err)
	}
	s.mu.Lock()
	if s.opts.SiteURL == "http://fakewoo.invalid" {
		s.opts.SiteURL = "http://" + ln.Addr().String()
	}
	s.mu.Unlock()
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("fakewoo: serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return fmt.Errorf("fakewoo: shutdown: %w", err)
		}
		s.pending.Wait()
		return nil
	}
}

// Close stops a Server made by Start and waits for webhook deliveries in
// flight.
func (s *Server) Close() {
	if s.test != nil {
		s.test.Close()
	}
	s.pending.Wait()
}

// Credentials returns the consumer key and secret the fake accepts.
func (s *Server) Credentials() (key, secret string) {
	return s.opts.ConsumerKey, s.opts.ConsumerSecret
}

// SetNow freezes the fake's clock at t; the zero time restores the real clock.
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.IsZero() {
		s.now = s.opts.Now
		if s.now == nil {
			s.now = time.Now
		}
		return
	}
	s.now = func() time.Time { return t }
}

// SetLatency delays every API call by d (0 turns it off). A delayed call
// ends early when the client goes away.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// RateLimitNext answers the next n API calls with 429 Too Many Requests and
// Retry-After (whole seconds, rounded up), as a host or WAF would: the body
// is HTML, not WordPress JSON.
func (s *Server) RateLimitNext(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimitN, s.retryAfter = n, retryAfter
}

// FailNext answers the next n API calls with 500 and WordPress's critical
// error body, without applying them.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN = n
}

// MalformNext applies the next n API calls but cuts their response bodies in
// the middle of the JSON (a proxy or PHP notice mangling the answer).
func (s *Server) MalformNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformN = n
}

// RejectAuthNext answers the next n API calls with 401
// woocommerce_rest_authentication_error, as for a revoked key.
func (s *Server) RejectAuthNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authN = n
}

// DelayNext delays each of the next n API calls by d (on top of SetLatency).
// A delayed call ends early when the client goes away.
func (s *Server) DelayNext(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delayN, s.delay = n, d
}

// Calls returns how many API calls the fake received (rejected ones too).
func (s *Server) Calls() int64 { return s.calls.Load() }

// ResetCalls sets the call counter and MaxBatch to zero.
func (s *Server) ResetCalls() {
	s.calls.Store(0)
	s.maxBatch.Store(0)
}

// MaxBatch returns the largest number of objects (create+update+delete) one
// batch call carried since the last ResetCalls, refused calls included.
func (s *Server) MaxBatch() int { return int(s.maxBatch.Load()) }

// Writes returns how many stored objects actually changed (created, updated
// with a different value, deleted). Re-sending the same state adds nothing.
func (s *Server) Writes() int64 { return s.writes.Load() }

// ServeHTTP implements http.Handler: counts the call, applies the switched
// on faults, checks credentials and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, BasePath+"/") {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", nil)
		return
	}
	s.calls.Add(1)
	s.mu.Lock()
	latency := s.latency
	if s.delayN > 0 {
		s.delayN--
		latency += s.delay
	}
	var rateLimited, failed, malformed, authFail bool
	retryAfter := s.retryAfter
	switch {
	case s.rateLimitN > 0:
		s.rateLimitN--
		rateLimited = true
	case s.failN > 0:
		s.failN--
		failed = true
	case s.authN > 0:
		s.authN--
		authFail = true
	case s.malformN > 0:
		s.malformN--
		malformed = true
	}
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if rateLimited {
		secs := int(math.Ceil(retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("<html><head><title>429 Too Many Requests</title></head><body>Too Many Requests</body></html>"))
		return
	}
	if failed {
		writeError(w, http.StatusInternalServerError, "internal_server_error",
			"<p>There has been a critical error on this website.</p>", nil)
		return
	}
	if authFail {
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer key is invalid.", nil)
		return
	}
	if !s.authorize(w, r) {
		return
	}
	if malformed {
		rec := httptest.NewRecorder()
		s.dispatch(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		b := rec.Body.Bytes()
		_, _ = w.Write(b[:len(b)/2])
		return
	}
	s.dispatch(w, r)
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	key, secret, ok := r.BasicAuth()
	if !ok {
		q := r.URL.Query()
		key, secret = q.Get("consumer_key"), q.Get("consumer_secret")
		ok = key != "" || secret != ""
	}
	if !ok {
		code, msg := "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
		if r.Method != http.MethodGet {
			code, msg = "woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."
		}
		writeError(w, http.StatusUnauthorized, code, msg, nil)
		return false
	}
	if key != s.opts.ConsumerKey {
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer key is invalid.", nil)
		return false
	}
	if secret != s.opts.ConsumerSecret {
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer secret is invalid.", nil)
		return false
	}
	return true
}

// apiError is a WordPress REST error.
type apiError struct {
	Status  int
	Code    string
	Message string
	Extra   map[string]any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func (e *apiError) body() map[string]any {
	data := map[string]any{"status": e.Status}
	for k, v := range e.Extra {
		data[k] = v
	}
	return map[string]any{"code": e.Code, "message": e.Message, "data": data}
}

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func invalidParam(name, reason string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "rest_invalid_param",
		Message: "Invalid parameter(s): " + name,
		Extra:   map[string]any{"params": map[string]string{name: reason}}}
}

func writeError(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	e := &apiError{Status: status, Code: code, Message: msg, Extra: extra}
	writeJSON(w, status, e.body())
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeJSON(w, ae.Status, ae.body())
		return
	}
	writeError(w, http.StatusInternalServerError, "internal_server_error", err.Error(), nil)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeBody reads a JSON object body (WordPress also takes form bodies; the
// fake does not).
func decodeBody(r *http.Request) (map[string]json.RawMessage, *apiError) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<20))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, errf(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// pageParams reads per_page and page as WordPress validates them.
func pageParams(q url.Values) (perPage, page int, err *apiError) {
	perPage, page = 10, 1
	if v := q.Get("per_page"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 || n > 100 {
			return 0, 0, invalidParam("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
		}
		perPage = n
	}
	if v := q.Get("page"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 {
			return 0, 0, invalidParam("page", "page must be greater than or equal to 1")
		}
		page = n
	}
	return perPage, page, nil
}

// writePage writes one page of items with WordPress's pagination headers.
func writePage[T any](w http.ResponseWriter, r *http.Request, items []T) {
	perPage, page, aerr := pageParams(r.URL.Query())
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	total := len(items)
	pages := (total + perPage - 1) / perPage
	from := (page - 1) * perPage
	out := []T{}
	if from < total {
		to := min(from+perPage, total)
		out = items[from:to]
	}
	h := w.Header()
	h.Set("X-WP-Total", strconv.Itoa(total))
	h.Set("X-WP-TotalPages", strconv.Itoa(pages))
	var links []string
	link := func(p int, rel string) {
		u := *r.URL
		q := u.Query()
		q.Del("consumer_key")
		q.Del("consumer_secret")
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=%q", u.RequestURI(), rel))
	}
	if page > 1 && page <= pages+1 {
		link(page-1, "prev")
	}
	if page < pages {
		link(page+1, "next")
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, out)
}

// pathID parses a numeric path segment; WooCommerce's routes only match digits.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	v := r.PathValue(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", nil)
		return 0, false
	}
	return n, true
}

// route is one API route: its path segments ("{id}" and "{vid}" match
// digits) and its handler per method.
type route struct {
	segs    []string
	methods map[string]http.HandlerFunc
}

func (s *Server) routes() {
	edit := func(h http.HandlerFunc) map[string]http.HandlerFunc {
		return map[string]http.HandlerFunc{"POST": h, "PUT": h, "PATCH": h}
	}
	item := func(get, upd, del http.HandlerFunc) map[string]http.HandlerFunc {
		m := edit(upd)
		m["GET"] = get
		if del != nil {
			m["DELETE"] = del
		}
		return m
	}
	s.table = []route{
		{[]string{"products"}, map[string]http.HandlerFunc{"GET": s.listProducts, "POST": s.createProduct}},
		{[]string{"products", "batch"}, edit(s.batchProducts)},
		{[]string{"products", "categories"}, map[string]http.HandlerFunc{"GET": s.listCategories, "POST": s.createCategory}},
		{[]string{"products", "categories", "batch"}, edit(s.batchCategories)},
		{[]string{"products", "categories", "{id}"}, item(s.getCategory, s.updateCategory, s.deleteCategory)},
		{[]string{"products", "{id}"}, item(s.getProduct, s.updateProduct, s.deleteProduct)},
		{[]string{"products", "{id}", "variations"}, map[string]http.HandlerFunc{"GET": s.listVariations, "POST": s.createVariation}},
		{[]string{"products", "{id}", "variations", "batch"}, edit(s.batchVariations)},
		{[]string{"products", "{id}", "variations", "{vid}"}, item(s.getVariation, s.updateVariation, s.deleteVariation)},
		{[]string{"orders"}, map[string]http.HandlerFunc{"GET": s.listOrders}},
		{[]string{"orders", "{id}"}, item(s.getOrder, s.updateOrder, nil)},
		{[]string{"orders", "{id}", "notes"}, map[string]http.HandlerFunc{"GET": s.listNotes, "POST": s.createNote}},
	}
}

// dispatch finds the route for r (literal segments first, as WordPress's
// route regexes do) and calls its handler.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, BasePath), "/"), "/")
	for _, rt := range s.table {
		if len(rt.segs) != len(segs) {
			continue
		}
		match := true
		var vars [][2]string
		for i, want := range rt.segs {
			got := segs[i]
			if strings.HasPrefix(want, "{") {
				if _, err := strconv.Atoi(got); err != nil {
					match = false
					break
				}
				vars = append(vars, [2]string{strings.Trim(want, "{}"), got})
				continue
			}
			if want != got {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		h, ok := rt.methods[r.Method]
		if !ok {
			break
		}
		for _, v := range vars {
			r.SetPathValue(v[0], v[1])
		}
		h(w, r)
		return
	}
	writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", nil)
}

// batchRequest is a decoded batch body.
type batchRequest struct {
	Create []map[string]json.RawMessage
	Update []map[string]json.RawMessage
	Delete []int
}

// readBatch decodes {create, update, delete} and enforces the 100-object limit.
func (s *Server) readBatch(r *http.Request) (batchRequest, *apiError) {
	body, aerr := decodeBody(r)
	if aerr != nil {
		return batchRequest{}, aerr
	}
	var br batchRequest
	for key, dst := range map[string]*[]map[string]json.RawMessage{"create": &br.Create, "update": &br.Update} {
		if raw, ok := body[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return br, invalidParam(key, key+" is not of type array.")
			}
		}
	}
	if raw, ok := body["delete"]; ok {
		var ids []json.Number
		if err := json.Unmarshal(raw, &ids); err != nil {
			return br, invalidParam("delete", "delete is not of type array.")
		}
		for _, n := range ids {
			id, err := strconv.Atoi(n.String())
			if err != nil {
				return br, invalidParam("delete", "delete[] is not of type integer.")
			}
			br.Delete = append(br.Delete, id)
		}
	}
	total := len(br.Create) + len(br.Update) + len(br.Delete)
	for {
		cur := s.maxBatch.Load()
		if int64(total) <= cur || s.maxBatch.CompareAndSwap(cur, int64(total)) {
			break
		}
	}
	if total > s.opts.BatchLimit {
		return br, errf(http.StatusRequestEntityTooLarge, "woocommerce_rest_request_entity_too_large",
			"Unable to accept more than %d items for this request.", s.opts.BatchLimit)
	}
	return br, nil
}

// itemError is a batch entry that failed.
func itemError(id int, err error) map[string]any {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errf(http.StatusInternalServerError, "internal_server_error", "%v", err)
	}
	return map[string]any{"id": id, "error": ae.body()}
}

// idOf reads an entry's "id".
func idOf(m map[string]json.RawMessage) (int, *apiError) {
	raw, ok := m["id"]
	if !ok {
		return 0, invalidParam("id", "id is required.")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, invalidParam("id", "id is not of type integer.")
	}
	id, err := strconv.Atoi(n.String())
	if err != nil {
		return 0, invalidParam("id", "id is not of type integer.")
	}
	return id, nil
}
