// Package woocommerce is the store adapter for WooCommerce over its REST API
// v3 (/wp-json/wc/v3). It registers itself as type "woocommerce".
//
// Mapping:
//   - Products and variants are WooCommerce products and variations, written
//     through /products/batch and /products/<id>/variations/batch (at most 100
//     objects per call, create+update+delete together). A product's shop id
//     is its WooCommerce id ("123"); a variant's is "<parent id>/<variation
//     id>" ("123/456"), so it can be addressed without a lookup. Items
//     without a shop id are looked up by SKU first (GET /products?sku=a,b,
//     which finds variations too), so a repeated create is an update.
//   - A product with Axes is a variable product; each axis is a variation
//     attribute whose options are the values its variants use (added to the
//     parent when its variants are pushed; WooCommerce drops attributes
//     without options). Other attributes are visible, non-variation ones.
//   - Deactivate sets a product to draft and a variation to private;
//     Delete deletes permanently (batch deletes are forced).
//   - Categories: a category's code is its slug (lowercased, anything but
//     letters and digits turned into "-", as WordPress sanitizes slugs), so
//     codes that differ only in case or punctuation collide. Product
//     categories and parents name codes and are resolved through the slugs.
//     Deactivating a category does nothing (WooCommerce has no inactive
//     category); it reports success.
//   - Images by URL: a new image is sent as {src, name: URL}; WooCommerce
//     downloads every src into a new media item, so on update the adapter
//     reads the product first and re-sends images whose name is already the
//     URL by id, and leaves the field out when nothing changed.
//   - Prices: regular_price and sale_price as decimal strings with two
//     decimals (date_on_sale_from_gmt/_to_gmt for sale dates). WooCommerce's
//     own "prices entered with tax" setting decides the basis; set
//     connection.prices_include_tax to have the adapter refuse documents on
//     the other basis.
//   - ProductDoc.EAN is global_unique_id (WooCommerce 9.2+). VATRate is not
//     sent: WooCommerce taxes by tax class, set up in the shop.
//   - Stock: manage_stock true, integer stock_quantity, backorders "notify"
//     for OnBackorder else "no", and stock_status (WooCommerce recomputes it
//     from the quantity when stock is managed).
//   - Orders: GET /orders?modified_after=...&dates_are_gmt=true ordered by
//     modification; without dates_are_gmt WooCommerce reads the time in the
//     site's time zone and orders are missed. See ParseOrder for the field
//     mapping.
//   - Status: see SetStatus. Webhooks: see VerifyWebhook and ParseWebhook.
//
// Errors: 401/403 are Fatal, 429 RateLimited with Retry-After, 413 and 400
// on a whole call Permanent (the adapter sent something wrong), anything
// else (5xx, network, a body that is not JSON) retryable. Inside a batch,
// validation errors (invalid SKU, unknown id, invalid parameter) are
// Permanent for that item; other item errors retryable.
//
// With query_string_auth the key and secret travel in URLs; the adapter
// never logs URLs with their query and scrubs both values from every error
// it returns.
package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Name is the adapter's type name in the config.
const Name = "woocommerce"

// MaxBatch is WooCommerce's default limit of objects per batch call
// (filter woocommerce_rest_batch_items_limit).
const MaxBatch = 100

// Connection is the adapter's connection options.
type Connection struct {
	// URL is the shop's site URL (https://shop.example.com); the API is at
	// URL + "/wp-json/wc/v3".
	URL string `yaml:"url" required:"true" doc:"The shop's site URL (https://shop.example.com); the API is at URL/wp-json/wc/v3."`
	// BatchSize is the most items one Push takes (1..100).
	BatchSize int `yaml:"batch_size" default:"100" doc:"Most items one push call takes (1..100, WooCommerce's batch limit)."`
	// OrderPageSize is how many orders one Orders page holds (1..100).
	OrderPageSize int `yaml:"order_page_size" default:"100" doc:"Orders read per page when polling (1..100)."`
	// Timeout bounds one HTTP request.
	Timeout config.Duration `yaml:"timeout" default:"30s" doc:"Time limit of one HTTP request."`
	// QueryStringAuth sends the key and secret as query parameters instead
	// of HTTP Basic auth, for servers that drop the Authorization header.
	QueryStringAuth bool `yaml:"query_string_auth" doc:"Send the key and secret as query parameters instead of HTTP Basic auth, for servers that drop the Authorization header. They are never logged."`
	// PricesIncludeTax, when set, must match PriceDoc.Gross: it states the
	// shop's "prices entered with tax" setting.
	PricesIncludeTax *bool `yaml:"prices_include_tax" doc:"State the shop's Prices entered with tax setting (true or false); the adapter then refuses prices on the other basis. Unset: not checked."`
	// TrackingNoteToCustomer makes the tracking note a customer note
	// (WooCommerce e-mails it to the buyer) instead of a private one.
	TrackingNoteToCustomer bool `yaml:"tracking_note_to_customer" doc:"Add the tracking number as a customer note (WooCommerce e-mails it to the buyer) instead of a private note."`
}

// Credentials are the adapter's secrets.
type Credentials struct {
	ConsumerKey    string `yaml:"consumer_key" required:"true" doc:"REST API consumer key (ck_...), from WooCommerce, Settings, Advanced, REST API, with Read/Write permission."`
	ConsumerSecret string `yaml:"consumer_secret" required:"true" doc:"REST API consumer secret (cs_...)."`
	// WebhookSecret is the secret set on the shop's webhooks.
	WebhookSecret string `yaml:"webhook_secret" doc:"The Secret field of the shop's order webhooks. Empty: every signed webhook is refused with 401."`
}

func init() {
	store.Register(Name, store.Factory{
		Description: "WooCommerce REST API v3 (consumer key and secret; batch endpoints; signed webhooks)",
		Connection: func() any {
			return &Connection{BatchSize: MaxBatch, OrderPageSize: 100, Timeout: config.Duration{Duration: 30 * time.Second}}
		},
		Credentials: func() any { return &Credentials{} },
		New: func(ctx context.Context, p store.Params) (store.Store, error) {
			return New(p)
		},
	})
}

// Store is a WooCommerce shop. It is safe for concurrent use.
type Store struct {
	conn    Connection
	creds   Credentials
	api     *url.URL
	client  *http.Client
	log     *slog.Logger
	storeID string

	mu         sync.Mutex
	categories map[string]int // slug → term id
	closed     bool
}

// Interface guards.
var (
	_ store.Store           = (*Store)(nil)
	_ store.Binder          = (*Store)(nil)
	_ store.OrderSource     = (*Store)(nil)
	_ store.StatusSetter    = (*Store)(nil)
	_ store.WebhookReceiver = (*Store)(nil)
)

// New builds a Store from p. Connection and Credentials may be given as
// values or pointers. p.Logger is used as given (the hub's per-store logger
// already carries the store and adapter attributes); calls are logged at
// debug level with method, path (never the query), status and duration.
// It does not call the shop.
func New(p store.Params) (*Store, error) {
	var conn Connection
	switch c := p.Connection.(type) {
	case *Connection:
		if c == nil {
			return nil, errors.New("woocommerce: connection options missing")
		}
		conn = *c
	case Connection:
		conn = c
	default:
		return nil, fmt.Errorf("woocommerce: connection options are %T, want *woocommerce.Connection", p.Connection)
	}
	var creds Credentials
	switch c := p.Credentials.(type) {
	case *Credentials:
		if c == nil {
			return nil, errors.New("woocommerce: credentials missing")
		}
		creds = *c
	case Credentials:
		creds = c
	default:
		return nil, fmt.Errorf("woocommerce: credentials are %T, want *woocommerce.Credentials", p.Credentials)
	}
	if conn.URL == "" {
		return nil, errors.New("woocommerce: connection.url is required (the shop's site URL, e.g. https://shop.example.com)")
	}
	u, err := url.Parse(strings.TrimRight(conn.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("woocommerce: connection.url %q is not an http(s) URL", conn.URL)
	}
	if u.User != nil || u.RawQuery != "" {
		return nil, errors.New("woocommerce: connection.url must not carry credentials or a query; put the key and secret in credentials")
	}
	u.Path += "/wp-json/wc/v3"
	if conn.BatchSize == 0 {
		conn.BatchSize = MaxBatch
	}
	if conn.BatchSize < 1 || conn.BatchSize > MaxBatch {
		return nil, fmt.Errorf("woocommerce: connection.batch_size %d is out of range 1..%d (WooCommerce takes at most %d objects per batch)", conn.BatchSize, MaxBatch, MaxBatch)
	}
	if conn.OrderPageSize == 0 {
		conn.OrderPageSize = 100
	}
	if conn.OrderPageSize < 1 || conn.OrderPageSize > 100 {
		return nil, fmt.Errorf("woocommerce: connection.order_page_size %d is out of range 1..100 (WooCommerce's per_page limit)", conn.OrderPageSize)
	}
	if conn.Timeout.Duration <= 0 {
		conn.Timeout.Duration = 30 * time.Second
	}
	if creds.ConsumerKey == "" || creds.ConsumerSecret == "" {
		return nil, errors.New("woocommerce: credentials.consumer_key and credentials.consumer_secret are required")
	}
	client := p.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: conn.Timeout.Duration}
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Store{
		conn:       conn,
		creds:      creds,
		api:        u,
		client:     client,
		log:        logger,
		storeID:    p.StoreID,
		categories: map[string]int{},
	}, nil
}

// Features implements store.Store. WooCommerce has no built-in rate limit;
// Rate and Burst are a polite default for shared hosting (the store's
// config can change them).
func (s *Store) Features() store.Features {
	return store.Features{
		BatchSize:      s.conn.BatchSize,
		Rate:           5,
		Burst:          10,
		Money:          store.MoneyDecimalString,
		Basis:          store.BasisEither,
		IntegerStock:   true,
		MaxVariantAxes: 3,
		Kinds: []catalog.Kind{catalog.KindCategory, catalog.KindProduct, catalog.KindVariant,
			catalog.KindPrice, catalog.KindStock},
		WebhookScheme: "hmac-sha256-base64",
	}
}

// Close implements store.Store: it drops idle connections.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.client.CloseIdleConnections()
	return nil
}
