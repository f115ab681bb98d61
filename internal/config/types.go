package config

import (
	"github.com/shopspring/decimal"
)

// Config is the whole file.
type Config struct {
	ERP       ERP       `yaml:"erp"`
	State     State     `yaml:"state"`
	HTTP      HTTP      `yaml:"http"`
	Log       Log       `yaml:"log"`
	Schedules Schedules `yaml:"schedules"`
	Stores    []Store   `yaml:"stores" required:"true"`

	// Path is the file the config was read from (not in YAML).
	Path string `yaml:"-"`
}

// ERP is the ERP connection.
type ERP struct {
	// Type is the ERP adapter ("sql").
	Type string `yaml:"type" default:"sql"`
	// Driver is the database driver: sqlserver, postgres, mysql or sqlite.
	Driver string `yaml:"driver" required:"true"`
	// DSN is the connection string; it usually holds a password.
	DSN Secret `yaml:"dsn" required:"true"`
	// Profile is the query set: comarch-optima, comarch-xl, generic, custom.
	Profile string `yaml:"profile" required:"true"`
	// TimeZone is the zone of the ERP's local timestamps (IANA name).
	TimeZone string `yaml:"timezone" default:"Europe/Warsaw"`
	// Overlap is how far back each delta read looks again.
	Overlap Duration `yaml:"overlap" default:"10m"`
	// MaxRemoveShare refuses a snapshot that would remove more than this share
	// of the mirror's products (0..1) unless forced.
	MaxRemoveShare decimal.Decimal `yaml:"max_remove_share" default:"0.10"`
	// Options are the adapter's own options. After Load it holds the pointer
	// returned by the ERP factory's Options (nil when it has none).
	Options any `yaml:"options"`
}

// State is the hub's own database.
type State struct {
	// Driver is sqlite (embedded, one instance) or postgres.
	Driver string `yaml:"driver" default:"sqlite"`
	// DSN is a file path for sqlite, a connection URL for postgres.
	DSN Secret `yaml:"dsn" default:"data/erpbridge.db"`
}

// HTTP is the server for webhooks, the admin API and the dashboard.
type HTTP struct {
	// Listen is the host:port the server listens on.
	Listen string `yaml:"listen" default:"127.0.0.1:8080"`
	// PublicURL is how shops reach the hub (for webhook URLs and image URLs).
	PublicURL string `yaml:"public_url"`
	// MaxBodyBytes limits webhook bodies.
	MaxBodyBytes int64 `yaml:"max_body_bytes" default:"1048576"`
	// AdminTokens are the bearer tokens of the admin API and dashboard.
	AdminTokens []AdminToken `yaml:"admin_tokens"`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout Duration `yaml:"shutdown_timeout" default:"15s"`
}

// AdminToken is one bearer token with its role.
type AdminToken struct {
	Name  string `yaml:"name" required:"true"`
	Token Secret `yaml:"token" required:"true"`
	// Role is admin (may act) or read (may look).
	Role string `yaml:"role" default:"read"`
}

// Log sets logging; the CLI flags override it. Format is text or json;
// Level is debug, info, warn or error.
type Log struct {
	Format string `yaml:"format" default:"text"`
	Level  string `yaml:"level" default:"info"`
}

// Schedules are the periodic jobs. Each is an interval ("5m") or a cron
// expression ("*/5 * * * *"); "off" disables the job.
type Schedules struct {
	ERPDelta   Schedule `yaml:"erp_delta" default:"1m"`
	Snapshot   Schedule `yaml:"snapshot" default:"15m"`
	Reconcile  Schedule `yaml:"reconcile" default:"0 3 * * *"`
	Push       Schedule `yaml:"push" default:"10s"`
	OrderPoll  Schedule `yaml:"order_poll" default:"2m"`
	StatusSync Schedule `yaml:"status_sync" default:"5m"`
}

// Store is one shop.
type Store struct {
	// ID is the store's short unique name: [a-z0-9_-], used in URLs and logs.
	ID string `yaml:"id" required:"true"`
	// Type is the platform adapter (woocommerce, http, vendure, memory, ...).
	Type    string `yaml:"type" required:"true"`
	Name    string `yaml:"name"`
	Enabled *bool  `yaml:"enabled" default:"true"`
	// Connection and Credentials are decoded strictly into the structs the
	// adapter's Factory.Connection and Factory.Credentials return; after Load
	// they hold those pointers. Every credential is a secret with a *_file variant.
	Connection  any `yaml:"connection"`
	Credentials any `yaml:"credentials"`
	// Rate caps the request rate below the adapter's default.
	Rate   Rate   `yaml:"rate"`
	Rules  Rules  `yaml:"rules"`
	Orders Orders `yaml:"orders"`
}

// Rate is a token bucket: Requests per second with Burst.
type Rate struct {
	Requests decimal.Decimal `yaml:"requests_per_second"`
	Burst    int             `yaml:"burst"`
}

// Rules are what a store shows of the ERP's catalog and how.
type Rules struct {
	Prices    Prices    `yaml:"prices"`
	Stock     Stock     `yaml:"stock"`
	Scope     Scope     `yaml:"scope"`
	Overrides Overrides `yaml:"overrides"`
	// OwnedFields are fields the store owns after the first push; the hub
	// never overwrites them: name, description, images, categories, attributes.
	OwnedFields []string `yaml:"owned_fields"`
	// Removal is what happens to an item that leaves the ERP or the scope:
	// deactivate or delete.
	Removal string `yaml:"removal" default:"deactivate"`
	// MaxDeactivateShare stops a run that would deactivate or zero more than
	// this share (0..1) of the store's items unless forced.
	MaxDeactivateShare decimal.Decimal `yaml:"max_deactivate_share" default:"0.10"`
}

// Prices turn an ERP price list into the store's prices.
type Prices struct {
	// List is the ERP price list code.
	List string `yaml:"list" required:"true"`
	// Basis is what the store gets: gross or net.
	Basis string `yaml:"basis" default:"gross"`
	// Currency is the store's currency (ISO 4217).
	Currency string `yaml:"currency" default:"PLN"`
	// ExchangeRate is how much of Currency one unit of the list's currency
	// buys (1 PLN = 0.23 EUR: 0.23); store price = list price × rate. When
	// RateFromERP is true the ERP's rate table is used instead: the latest
	// rate on or before the day of the projection, the ERP's query
	// currency_rates giving each currency's price in HomeCurrency.
	ExchangeRate decimal.Decimal `yaml:"exchange_rate" default:"1"`
	RateFromERP  bool            `yaml:"rate_from_erp"`
	// HomeCurrency is the ERP's own currency, the one its rate table
	// prices the others in (used with RateFromERP).
	HomeCurrency string `yaml:"home_currency" default:"PLN"`
	// MarkupPercent is added after conversion.
	MarkupPercent decimal.Decimal `yaml:"markup_percent" default:"0"`
	Rounding      Rounding        `yaml:"rounding"`
	// Floor is purchase (the ERP purchase price), minimum (Minimum) or none.
	Floor   string          `yaml:"floor" default:"none"`
	Minimum decimal.Decimal `yaml:"minimum" default:"0"`
	Sale    *Sale           `yaml:"sale"`
}

// Rounding is how prices end: a step (0.01, 0.05, 0.10) or the .99 ending,
// rounding half up or half even. After Load, Step is written exactly as one
// of "0.01", "0.05", "0.10", "0.99" (a file may say 0.1).
type Rounding struct {
	Step string `yaml:"step" default:"0.01"`
	Mode string `yaml:"mode" default:"half_up"`
}

// Sale is a sale price from a second list within a date window. From and To
// are YYYY-MM-DD or RFC 3339 (either may be empty: open-ended); Load checks
// that From is not after To.
type Sale struct {
	List string `yaml:"list" required:"true"`
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

// Stock turns ERP stock into the store's quantities.
type Stock struct {
	// Warehouses are ERP warehouse codes summed for this store.
	Warehouses []string `yaml:"warehouses" required:"true"`
	// SubtractERPReservations subtracts the ERP's own reservations.
	SubtractERPReservations *bool `yaml:"subtract_erp_reservations" default:"true"`
	// Buffer is held back from every SKU.
	Buffer decimal.Decimal `yaml:"buffer" default:"0"`
	// Cap is the most ever shown (0: no cap).
	Cap decimal.Decimal `yaml:"cap" default:"0"`
	// WhenZero is out_of_stock, hide or backorder.
	WhenZero string `yaml:"when_zero" default:"out_of_stock"`
}

// Scope is which products the store carries.
type Scope struct {
	// Categories are category paths; "*" matches within one level, "**" any depth.
	Categories        []string          `yaml:"categories"`
	ExcludeCategories []string          `yaml:"exclude_categories"`
	Attributes        map[string]string `yaml:"attributes"`
	IncludeSKUs       []string          `yaml:"include_skus"`
	ExcludeSKUs       []string          `yaml:"exclude_skus"`
	OnlyActive        *bool             `yaml:"only_active" default:"true"`
	OnlyEShop         *bool             `yaml:"only_eshop" default:"true"`
}

// Overrides take a store's name and description from ERP attributes when set.
type Overrides struct {
	NameAttribute        string `yaml:"name_attribute"`
	DescriptionAttribute string `yaml:"description_attribute"`
}

// Orders are how the store's orders reach the ERP.
type Orders struct {
	Enabled *bool `yaml:"enabled" default:"true"`
	// Series is the ERP document series for this store's orders.
	Series string `yaml:"series"`
	// Poll turns polling on; Overlap is how far back each poll looks again.
	Poll    *bool    `yaml:"poll" default:"true"`
	Overlap Duration `yaml:"overlap" default:"10m"`
	// ShippingMap and PaymentMap map shop method ids to ERP codes.
	ShippingMap map[string]string `yaml:"shipping_map"`
	PaymentMap  map[string]string `yaml:"payment_map"`
	Customers   Customers         `yaml:"customers"`
}

// Customers are how shop customers are matched to ERP customers.
type Customers struct {
	// Match is the order of keys tried: nip, email.
	Match []string `yaml:"match" default:"[nip,email]"`
	// RetailCustomer is the ERP code of the one-off retail customer used for
	// private persons who match nothing ("" creates a new customer).
	RetailCustomer string `yaml:"retail_customer"`
}
