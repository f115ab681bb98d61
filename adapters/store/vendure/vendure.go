// Package vendure is the store adapter for Vendure 3 (an open-source headless
// shop server) over its Admin GraphQL API.
//
// What it does:
//   - products with option groups and variants (createProduct,
//     createProductOptionGroup, addOptionGroupToProduct, createProductVariants,
//     updateProductVariants); a product without axes gets one variant under
//     the product's own SKU, so its price and stock have somewhere to live;
//   - prices in the channel's currency as integer minor units, gross or net as
//     the channel's pricesIncludeTax says (checked against the connection's
//     prices_include_tax at first use), and stockOnHand, in bulk;
//   - binding by SKU through productVariants; products are found by their
//     slug, which the adapter derives reversibly from the product's SKU;
//     EANs live in an optional string custom field (connection
//     ean_custom_field), since Vendure has no EAN field of its own;
//   - orders by orderPlacedAt (Vendure's updatedAt does not move on state
//     changes), fulfilment with carrier and tracking, cancellation;
//   - webhooks from the EventBus subscriber in scripts/vendure/server.js
//     (Vendure has none built in), signed with HMAC-SHA256 over
//     timestamp + "." + body, hex-encoded.
//
// What it does not do: categories (Vendure's collections and facets are not
// a category tree the hub could own safely), images (Vendure takes uploads,
// not URLs) and sale prices (Vendure has no sale price with dates; the
// regular price is pushed).
package vendure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Name is the store type this adapter registers under.
const Name = "vendure"

// Connection is the non-secret part of a Vendure store's config.
type Connection struct {
	// URL is the server's base URL, e.g. https://shop.example.com.
	URL string `yaml:"url" doc:"The Vendure server's base URL (https://shop.example.com)."`
	// AdminAPIPath is the Admin API's path on URL.
	AdminAPIPath string `yaml:"admin_api_path" default:"/admin-api" doc:"Path of the Admin API on the server."`
	// ChannelToken selects a channel other than the default one.
	ChannelToken string `yaml:"channel_token" doc:"Token of a channel other than the default one."`
	// LanguageCode is the language product names are written in.
	LanguageCode string `yaml:"language_code" default:"en" doc:"Language product names are written in."`
	// PricesIncludeTax is the basis the hub pushes prices on; it must match
	// the channel's pricesIncludeTax (checked at first use).
	PricesIncludeTax *bool `yaml:"prices_include_tax" default:"true" doc:"Price basis the hub pushes; must match the channel's Prices include tax (checked at first use)."`
	// BatchSize is the most items one push takes.
	BatchSize int `yaml:"batch_size" default:"50" doc:"Most items one push takes."`
	// PageSize is how many variants or orders one list call reads.
	PageSize int `yaml:"page_size" default:"100" doc:"Variants or orders read per list call."`
	// EANCustomField names a string custom field on Product and
	// ProductVariant that holds the EAN (Vendure has no EAN field of its
	// own); empty: the shop keeps no EAN and binding is by SKU only.
	EANCustomField string `yaml:"ean_custom_field" doc:"Name of a string custom field on Product and ProductVariant that holds the EAN (Vendure has none). Empty: no EAN is kept."`
}

// callTimeout bounds one API call of the adapter's own HTTP client.
const callTimeout = 30 * time.Second

// webhookTolerance is how far a webhook's timestamp may be from now.
const webhookTolerance = 5 * time.Minute

// Credentials are a Vendure store's secrets.
type Credentials struct {
	// Username and Password are an administrator's login.
	Username string `yaml:"username" doc:"Login of a Vendure administrator."`
	Password string `yaml:"password" doc:"Password of that administrator."`
	// WebhookSecret is the key of the webhook signatures
	// (ERPBRIDGE_WEBHOOK_SECRET in scripts/vendure/server.js).
	WebhookSecret string `yaml:"webhook_secret" doc:"Key of the webhook signatures (ERPBRIDGE_WEBHOOK_SECRET of the webhook plugin in scripts/vendure/server.js)."`
}

func init() {
	store.Register(Name, store.Factory{
		Description: "Vendure 3 over its Admin GraphQL API",
		Connection:  func() any { return &Connection{} },
		Credentials: func() any { return &Credentials{} },
		New:         New,
	})
}

// Store is a Vendure shop. It is safe for concurrent use.
type Store struct {
	id       string
	conn     Connection
	creds    Credentials
	features store.Features
	admin    *client
	q        queries
	log      *slog.Logger
	now      func() time.Time

	chMu sync.Mutex
	ch   *channelInfo
}

// channelInfo is what the adapter reads from the server once, at first use.
type channelInfo struct {
	currency         string
	pricesIncludeTax bool
	precision        int32
	// taxCategories maps a tax rate's value (as a decimal string such as
	// "23") in the channel's default tax zone to its tax category id.
	taxCategories map[string]string
}

// New builds a Vendure Store from p. It validates the options; it does not
// call the server.
func New(_ context.Context, p store.Params) (store.Store, error) {
	c, ok := p.Connection.(*Connection)
	if !ok || c == nil {
		return nil, fmt.Errorf("vendure: connection options have type %T, want *vendure.Connection", p.Connection)
	}
	cr, ok := p.Credentials.(*Credentials)
	if !ok || cr == nil {
		return nil, fmt.Errorf("vendure: credentials have type %T, want *vendure.Credentials", p.Credentials)
	}
	conn := *c
	if conn.AdminAPIPath == "" {
		conn.AdminAPIPath = "/admin-api"
	}
	if conn.LanguageCode == "" {
		conn.LanguageCode = "en"
	}
	if conn.BatchSize == 0 {
		conn.BatchSize = 50
	}
	if conn.PageSize == 0 {
		conn.PageSize = 100
	}
	gross := true
	if conn.PricesIncludeTax != nil {
		gross = *conn.PricesIncludeTax
	}
	conn.PricesIncludeTax = &gross
	u, err := url.Parse(conn.URL)
	switch {
	case conn.URL == "":
		return nil, errors.New("vendure: connection.url is required, e.g. https://shop.example.com")
	case err != nil:
		return nil, fmt.Errorf("vendure: connection.url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("vendure: connection.url %q must be an http or https URL with a host", conn.URL)
	case conn.BatchSize < 1 || conn.BatchSize > 500:
		return nil, fmt.Errorf("vendure: connection.batch_size %d must be between 1 and 500", conn.BatchSize)
	case conn.PageSize < 1 || conn.PageSize > 1000:
		return nil, fmt.Errorf("vendure: connection.page_size %d must be between 1 and 1000", conn.PageSize)
	case !validFieldName(conn.EANCustomField):
		return nil, fmt.Errorf("vendure: connection.ean_custom_field %q is not a GraphQL field name", conn.EANCustomField)
	case cr.Username == "" || cr.Password == "":
		return nil, errors.New("vendure: credentials.username and credentials.password are required")
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With(slog.String("store", p.StoreID), slog.String("adapter", Name))
	hc := p.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: callTimeout}
	}
	endpoint := strings.TrimRight(conn.URL, "/") + "/" + strings.TrimLeft(conn.AdminAPIPath, "/")
	s := &Store{
		id:    p.StoreID,
		conn:  conn,
		creds: *cr,
		log:   logger,
		now:   time.Now,
		q:     newQueries(conn.EANCustomField),
		admin: &client{
			hc:           hc,
			endpoint:     endpoint,
			channelToken: conn.ChannelToken,
			username:     cr.Username,
			password:     cr.Password,
			log:          logger,
		},
	}
	basis := store.BasisNet
	if gross {
		basis = store.BasisGross
	}
	s.features = store.Features{
		BatchSize:      conn.BatchSize,
		Rate:           10,
		Burst:          10,
		Money:          store.MoneyMinorUnits,
		Basis:          basis,
		IntegerStock:   true,
		MaxVariantAxes: 5,
		Kinds:          []catalog.Kind{catalog.KindProduct, catalog.KindVariant, catalog.KindPrice, catalog.KindStock},
		WebhookScheme:  "hmac-sha256-hex-timestamp",
	}
	return s, nil
}

// validFieldName reports whether s is empty or a GraphQL name, so it can go
// into a query as it is.
func validFieldName(s string) bool {
	for i, c := range s {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Features describes Vendure; it does not change after New.
func (s *Store) Features() store.Features {
	f := s.features
	f.Kinds = append([]catalog.Kind(nil), s.features.Kinds...)
	return f
}

// Close releases idle connections of the adapter's own HTTP client.
func (s *Store) Close() error {
	s.admin.hc.CloseIdleConnections()
	return nil
}

const channelQuery = `query Channel {
  activeChannel {
    code
    defaultCurrencyCode
    pricesIncludeTax
    defaultTaxZone { id }
  }
  globalSettings { serverConfig { moneyStrategyPrecision } }
  taxRates(options: { take: 100 }) {
    items { value enabled zone { id } category { id } }
  }
}`

// channel reads the channel's currency, tax basis and money precision once.
// A channel whose basis differs from the connection's is a Fatal error: every
// price would be wrong by the tax.
func (s *Store) channel(ctx context.Context) (*channelInfo, error) {
	s.chMu.Lock()
	defer s.chMu.Unlock()
	if s.ch != nil {
		return s.ch, nil
	}
	var out struct {
		ActiveChannel struct {
			Code                string `json:"code"`
			DefaultCurrencyCode string `json:"defaultCurrencyCode"`
			PricesIncludeTax    bool   `json:"pricesIncludeTax"`
			DefaultTaxZone      *struct {
				ID string `json:"id"`
			} `json:"defaultTaxZone"`
		} `json:"activeChannel"`
		GlobalSettings struct {
			ServerConfig struct {
				MoneyStrategyPrecision int32 `json:"moneyStrategyPrecision"`
			} `json:"serverConfig"`
		} `json:"globalSettings"`
		TaxRates struct {
			Items []struct {
				Value   json.Number `json:"value"`
				Enabled bool        `json:"enabled"`
				Zone    struct {
					ID string `json:"id"`
				} `json:"zone"`
				Category struct {
					ID string `json:"id"`
				} `json:"category"`
			} `json:"items"`
		} `json:"taxRates"`
	}
	if err := s.admin.call(ctx, "channel", channelQuery, nil, &out); err != nil {
		return nil, err
	}
	ac := out.ActiveChannel
	if ac.PricesIncludeTax != *s.conn.PricesIncludeTax {
		return nil, fault.Fatal(fmt.Errorf("vendure: channel %q has pricesIncludeTax=%t but connection.prices_include_tax is %t: make them agree",
			ac.Code, ac.PricesIncludeTax, *s.conn.PricesIncludeTax))
	}
	ci := &channelInfo{
		currency:         ac.DefaultCurrencyCode,
		pricesIncludeTax: ac.PricesIncludeTax,
		precision:        out.GlobalSettings.ServerConfig.MoneyStrategyPrecision,
		taxCategories:    map[string]string{},
	}
	if ci.precision < 0 || ci.precision > 6 {
		return nil, fault.Fatal(fmt.Errorf("vendure: server money precision %d is not supported", ci.precision))
	}
	if ac.DefaultTaxZone != nil {
		for _, r := range out.TaxRates.Items {
			if !r.Enabled || r.Zone.ID != ac.DefaultTaxZone.ID {
				continue
			}
			if v, err := decimal.NewFromString(string(r.Value)); err == nil {
				ci.taxCategories[v.String()] = r.Category.ID
			}
		}
	}
	s.log.DebugContext(ctx, "vendure: channel read",
		slog.String("channel", ac.Code),
		slog.String("currency", ci.currency),
		slog.Bool("prices_include_tax", ci.pricesIncludeTax),
		slog.Int("precision", int(ci.precision)))
	s.ch = ci
	return ci, nil
}

// Interface guards.
var (
	_ store.Store           = (*Store)(nil)
	_ store.Binder          = (*Store)(nil)
	_ store.OrderSource     = (*Store)(nil)
	_ store.StatusSetter    = (*Store)(nil)
	_ store.WebhookReceiver = (*Store)(nil)
)
