// Package httpstore is the store adapter for shops built in-house that speak
// the erpbridge store protocol v1 (docs/store-protocol.md): batches of items
// with per-item results, a list of existing items for binding, orders since
// a cursor, status updates, and webhooks signed with HMAC-SHA256 over a
// timestamp and the body. A downstream erpbridge hub serves the same
// protocol (package shopserver), so this adapter also feeds one hub from
// another.
//
// It registers itself as store type "http".
package httpstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Type is the store type name the adapter registers under.
const Type = "http"

// Defaults of Connection.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultPageSize = wire.DefaultPageLimit
)

// Connection is the adapter's connection options.
type Connection struct {
	// URL is the shop's protocol base URL; endpoints are {url}/v1/...
	URL string `yaml:"url" required:"true" doc:"The shop's protocol base URL; endpoints are URL/v1/... (docs/store-protocol.md)."`
	// BatchSize is the most items per PUT /v1/items; it must not exceed the
	// shop's declared maximum.
	BatchSize int `yaml:"batch_size" default:"500" doc:"Most items per PUT /v1/items; must not exceed the shop's declared maximum."`
	// PageSize is the limit asked for on list requests (at most 500).
	PageSize int `yaml:"page_size" default:"100" doc:"Limit asked for on list requests (at most 500)."`
	// Timeout bounds each request.
	Timeout config.Duration `yaml:"timeout" default:"30s" doc:"Time limit of one HTTP request."`
	// ReplayWindow is how far a webhook's timestamp may be from our clock.
	ReplayWindow config.Duration `yaml:"replay_window" default:"5m" doc:"How far a webhook's timestamp may be from the hub's clock."`
}

// Credentials are the adapter's secrets.
type Credentials struct {
	// Token is the bearer token the shop expects.
	Token string `yaml:"token" required:"true" doc:"Bearer token the shop expects."`
	// WebhookSecret is the shared secret of webhook signatures; without it
	// every webhook is rejected.
	WebhookSecret string `yaml:"webhook_secret" doc:"Shared secret of the webhook signatures. Empty: every webhook is refused."`
}

func init() {
	store.Register(Type, store.Factory{
		Description: "shop built in-house speaking the erpbridge store protocol v1 (also a downstream erpbridge hub)",
		Connection:  func() any { return &Connection{} },
		Credentials: func() any { return &Credentials{} },
		New: func(_ context.Context, p store.Params) (store.Store, error) {
			return New(p)
		},
	})
}

// Option changes how New builds a Store.
type Option func(*Store)

// WithClock replaces the clock used for the webhook replay window and for
// Retry-After dates (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Store is the protocol's client side. It implements store.Store,
// store.Binder, store.OrderSource, store.StatusSetter and
// store.WebhookReceiver, and is safe for concurrent use.
type Store struct {
	storeID   string
	base      string // scheme://host/path without a trailing slash
	token     string
	secret    []byte
	batchSize int
	pageSize  int
	timeout   time.Duration
	window    time.Duration
	client    *http.Client
	ownClient bool
	log       *slog.Logger
	now       func() time.Time

	mu         sync.Mutex
	budget     store.Budget // from the last answer's X-RateLimit-* headers
	budgetSeen bool
}

// New builds a Store from p, whose Connection is a *Connection (or
// Connection) and Credentials a *Credentials (or Credentials). Zero numbers
// take the defaults. It does not call the shop.
func New(p store.Params, opts ...Option) (*Store, error) {
	var conn Connection
	switch c := p.Connection.(type) {
	case *Connection:
		if c != nil {
			conn = *c
		}
	case Connection:
		conn = c
	default:
		return nil, fmt.Errorf("httpstore: store %q: connection is %T, not *httpstore.Connection", p.StoreID, p.Connection)
	}
	var cred Credentials
	switch c := p.Credentials.(type) {
	case *Credentials:
		if c != nil {
			cred = *c
		}
	case Credentials:
		cred = c
	default:
		return nil, fmt.Errorf("httpstore: store %q: credentials are %T, not *httpstore.Credentials", p.StoreID, p.Credentials)
	}
	var errs []error
	base, err := url.Parse(strings.TrimSpace(conn.URL))
	switch {
	case conn.URL == "":
		errs = append(errs, errors.New("connection.url: missing; set the shop's protocol base URL"))
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "":
		errs = append(errs, fmt.Errorf("connection.url: %q is not an http(s) URL with a host", conn.URL))
	case base.RawQuery != "" || base.Fragment != "" || base.User != nil:
		errs = append(errs, fmt.Errorf("connection.url: must not hold a query, fragment or user info"))
	}
	if conn.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("connection.batch_size: %d is negative", conn.BatchSize))
	}
	if conn.PageSize < 0 || conn.PageSize > wire.MaxPageLimit {
		errs = append(errs, fmt.Errorf("connection.page_size: %d is not from 1 to %d", conn.PageSize, wire.MaxPageLimit))
	}
	if conn.Timeout.Duration < 0 || conn.ReplayWindow.Duration < 0 {
		errs = append(errs, errors.New("connection.timeout and connection.replay_window must not be negative"))
	}
	if cred.Token == "" {
		errs = append(errs, errors.New("credentials.token: missing; set the shop's bearer token"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("httpstore: store %q: %w", p.StoreID, errors.Join(errs...))
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""
	s := &Store{
		storeID:   p.StoreID,
		base:      base.String(),
		token:     cred.Token,
		secret:    []byte(cred.WebhookSecret),
		batchSize: orDefault(conn.BatchSize, wire.DefaultMaxBatch),
		pageSize:  orDefault(conn.PageSize, DefaultPageSize),
		timeout:   orDefault(conn.Timeout.Duration, DefaultTimeout),
		window:    orDefault(conn.ReplayWindow.Duration, wire.DefaultReplayWindow),
		client:    p.HTTPClient,
		log:       p.Logger,
		now:       time.Now,
	}
	if s.client == nil {
		s.client = &http.Client{}
		s.ownClient = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With(slog.String("store", p.StoreID), slog.String("adapter", Type))
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Features implements store.Store.
func (s *Store) Features() store.Features {
	return store.Features{
		BatchSize:      s.batchSize,
		Rate:           10,
		Burst:          10,
		Money:          store.MoneyDecimalString,
		Basis:          store.BasisEither,
		IntegerStock:   false,
		MaxVariantAxes: 5,
		Kinds: []catalog.Kind{
			catalog.KindCategory, catalog.KindProduct, catalog.KindVariant, catalog.KindPrice, catalog.KindStock,
		},
		WebhookScheme: wire.SignatureScheme,
	}
}

// Close implements store.Store: it drops idle connections of the adapter's
// own HTTP client (a client from Params is left alone).
func (s *Store) Close() error {
	if s.ownClient {
		s.client.CloseIdleConnections()
	}
	return nil
}

// Interface guards.
var (
	_ store.Store           = (*Store)(nil)
	_ store.Binder          = (*Store)(nil)
	_ store.OrderSource     = (*Store)(nil)
	_ store.StatusSetter    = (*Store)(nil)
	_ store.WebhookReceiver = (*Store)(nil)
	_ store.BudgetReporter  = (*Store)(nil)
)
