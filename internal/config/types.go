package config

import (
	"github.com/shopspring/decimal"
)

// Config is the whole file.
type Config struct {
	ERP       ERP       `yaml:"erp" doc:"The ERP database erpbridge reads catalog, prices and stock from, and writes orders to (staging tables only)."`
	State     State     `yaml:"state" doc:"The hub's own database: mirror of ERP data, per-store sync state, order inbox, audit log."`
	HTTP      HTTP      `yaml:"http" doc:"The HTTP server: shop webhooks, admin API, dashboard, metrics and health checks."`
	Log       Log       `yaml:"log" doc:"Logging. The --log-format and --log-level flags override it."`
	Schedules Schedules `yaml:"schedules" doc:"The periodic jobs of erpbridge serve. Each is an interval (5m), a five-field cron expression (*/5 * * * *) or off."`
	Stores    []Store   `yaml:"stores" required:"true" doc:"One entry per shop."`

	// Path is the file the config was read from (not in YAML).
	Path string `yaml:"-"`
}

// ERP is the ERP connection.
type ERP struct {
	// Type is the ERP adapter ("sql").
	Type string `yaml:"type" default:"sql" doc:"ERP adapter: one of the ERP types below."`
	// Driver is the database driver: sqlserver, postgres, mysql or sqlite.
	Driver string `yaml:"driver" required:"true" doc:"Database driver of the ERP: sqlserver, postgres, mysql or sqlite."`
	// DSN is the connection string; it usually holds a password.
	DSN Secret `yaml:"dsn" required:"true" doc:"Connection string of the ERP database, usually with a password (sqlserver://user:pass@host:1433?database=ERP; a file path for sqlite). Use a read-only login."`
	// Profile is the query set: comarch-optima, comarch-xl, generic, custom.
	Profile string `yaml:"profile" required:"true" doc:"Query set for the ERP's schema: comarch-optima, comarch-xl, generic (views you create) or custom (your SQL files in erp.options.queries)."`
	// TimeZone is the zone of the ERP's local timestamps (IANA name).
	TimeZone string `yaml:"timezone" default:"Europe/Warsaw" doc:"IANA time zone of the ERP's local timestamps (Comarch writes local time without a zone)."`
	// Overlap is how far back each delta read looks again.
	Overlap Duration `yaml:"overlap" default:"10m" doc:"How far back each change read (and each read of order results from staging) looks again, so late commits are not missed."`
	// MaxRemoveShare refuses a snapshot that would remove more than this share
	// of the mirror's products (0..1) unless forced.
	MaxRemoveShare decimal.Decimal `yaml:"max_remove_share" default:"0.10" doc:"Share (0..1) of the mirror's products a snapshot may remove. A snapshot that would remove more stops and needs --force: a broken query returning nothing must not empty the shops."`
	// Options are the adapter's own options. After Load it holds the pointer
	// returned by the ERP factory's Options (nil when it has none).
	Options any `yaml:"options" doc:"The ERP adapter's own options; see the ERP type sections below."`
}

// State is the hub's own database.
type State struct {
	// Driver is sqlite (embedded, one instance) or postgres.
	Driver string `yaml:"driver" default:"sqlite" doc:"sqlite (embedded file, one instance) or postgres (several instances may share it)."`
	// DSN is a file path for sqlite, a connection URL for postgres.
	DSN Secret `yaml:"dsn" default:"data/erpbridge.db" doc:"A file path for sqlite (its directory is created), a postgres:// URL for postgres."`
}

// HTTP is the server for webhooks, the admin API and the dashboard.
type HTTP struct {
	// Listen is the host:port the server listens on.
	Listen string `yaml:"listen" default:"127.0.0.1:8080" doc:"host:port the server listens on. Use 0.0.0.0:8080 (or :8080) in a container or behind a reverse proxy on another host."`
	// PublicURL is how shops reach the hub (for webhook URLs and image URLs).
	PublicURL string `yaml:"public_url" doc:"Absolute http(s) URL at which shops reach the hub. Images the ERP keeps as binary data are served by the hub at public_url/images/<content hash>/<sku>/<position> (public, cacheable forever: the URL changes with the bytes). Empty: such images are left out."`
	// MaxBodyBytes limits webhook bodies.
	MaxBodyBytes int64 `yaml:"max_body_bytes" default:"1048576" doc:"Largest webhook body accepted, in bytes; a larger one gets 413."`
	// AdminTokens are the bearer tokens of the admin API and dashboard.
	AdminTokens []AdminToken `yaml:"admin_tokens" doc:"Bearer tokens of the admin API, the dashboard and /metrics. With none, they refuse every request."`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout Duration `yaml:"shutdown_timeout" default:"15s" doc:"On SIGTERM or SIGINT, how long requests in flight may take to finish."`
	// TrustedProxies are the addresses (IPs or CIDRs) of reverse proxies
	// whose X-Forwarded-For and X-Forwarded-Proto headers are believed;
	// from anyone else they are ignored.
	TrustedProxies []string `yaml:"trusted_proxies" doc:"IPs or CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed (client address for the sign-in limit, https for Secure cookies). From anyone else they are ignored."`
}

// AdminToken is one bearer token with its role.
type AdminToken struct {
	Name  string `yaml:"name" required:"true" doc:"Name of the token, shown in the audit log as who acted."`
	Token Secret `yaml:"token" required:"true" doc:"The token itself; generate a long random value (openssl rand -hex 32)."`
	// Role is admin (may act) or read (may look).
	Role string `yaml:"role" default:"read" doc:"admin (may retry, park and skip) or read (may look)."`
}

// Log sets logging; the CLI flags override it. Format is text or json;
// Level is debug, info, warn or error.
type Log struct {
	Format string `yaml:"format" default:"text" doc:"text (key=value lines) or json (one JSON object per line)."`
	Level  string `yaml:"level" default:"info" doc:"debug, info, warn or error."`
}

// Schedules are the periodic jobs. Each is an interval ("5m") or a cron
// expression ("*/5 * * * *"); "off" disables the job.
type Schedules struct {
	ERPDelta    Schedule `yaml:"erp_delta" default:"1m" doc:"Read products and variants changed in the ERP since the last read (timestamp watermarks)."`
	PricesStock Schedule `yaml:"prices_stock" default:"5m" doc:"Read every price and stock level (and exchange rates, when a store takes them from the ERP) and compare by hash: Comarch keeps no timestamps on them, so this is how their changes are found. Only the products whose prices or stock changed are projected again."`
	Snapshot    Schedule `yaml:"snapshot" default:"1h" doc:"Read the whole ERP into the mirror and compare by hash: finds deleted products and anything the erp_delta watermarks missed, as well as price and stock changes."`
	Reconcile   Schedule `yaml:"reconcile" default:"0 3 * * *" doc:"Full reconcile: a snapshot, then every store re-projected from the mirror, to catch drift and missed changes."`
	Push        Schedule `yaml:"push" default:"10s" doc:"How often each store's push worker looks for items to push."`
	OrderPoll   Schedule `yaml:"order_poll" default:"2m" doc:"Poll every store with orders.poll on for orders changed since the last poll."`
	StatusSync  Schedule `yaml:"status_sync" default:"5m" doc:"Read order results (ERP number, status, tracking) from the staging tables and send them to the shops."`
}

// Store is one shop.
type Store struct {
	// ID is the store's short unique name: [a-z0-9_-], used in URLs and logs.
	ID string `yaml:"id" required:"true" doc:"Short unique name of the store: 1 to 32 of a-z, 0-9, - and _. Used in URLs (/webhooks/<id>), logs, metrics and the staging tables."`
	// Type is the platform adapter (woocommerce, http, vendure, memory, ...).
	Type    string `yaml:"type" required:"true" doc:"Platform adapter: one of the store types below."`
	Name    string `yaml:"name" doc:"Display name for the dashboard."`
	Enabled *bool  `yaml:"enabled" default:"true" doc:"false: the store is skipped entirely (no pushes, no orders, webhooks get 404)."`
	// Connection and Credentials are decoded strictly into the structs the
	// adapter's Factory.Connection and Factory.Credentials return; after Load
	// they hold those pointers. Every credential is a secret with a *_file variant.
	Connection  any `yaml:"connection" doc:"The platform adapter's connection options; see the store type sections below."`
	Credentials any `yaml:"credentials" doc:"The platform adapter's secrets; see the store type sections below. Every value has a _file twin."`
	// Rate caps the request rate below the adapter's default.
	Rate   Rate   `yaml:"rate" doc:"Caps the request rate to the shop below the adapter's own default."`
	Rules  Rules  `yaml:"rules" doc:"What the store shows of the ERP's catalog, and how."`
	Orders Orders `yaml:"orders" doc:"How the store's orders reach the ERP."`
}

// Rate is a token bucket: Requests per second with Burst.
type Rate struct {
	Requests decimal.Decimal `yaml:"requests_per_second" doc:"Requests per second (decimal, 0.5 is one every two seconds). 0: the adapter's default."`
	Burst    int             `yaml:"burst" doc:"Requests allowed at once above the rate. 0: the adapter's default."`
}

// Rules are what a store shows of the ERP's catalog and how.
type Rules struct {
	Prices    Prices    `yaml:"prices" doc:"How an ERP price list becomes the store's prices."`
	Stock     Stock     `yaml:"stock" doc:"How ERP stock becomes the store's quantities."`
	Scope     Scope     `yaml:"scope" doc:"Which products the store carries."`
	Overrides Overrides `yaml:"overrides" doc:"Name and description taken from ERP attributes instead of the product card."`
	// OwnedFields are fields the store owns after the first push; the hub
	// never overwrites them: name, description, images, categories, attributes.
	OwnedFields []string `yaml:"owned_fields" doc:"Fields the shop owns after the first push; the hub never overwrites them: name, description, images, categories, attributes."`
	// Removal is what happens to an item that leaves the ERP or the scope:
	// deactivate or delete.
	Removal string `yaml:"removal" default:"deactivate" doc:"What happens to an item that leaves the ERP or the scope: deactivate (hidden, kept) or delete."`
	// MaxDeactivateShare stops a run that would deactivate or zero more than
	// this share (0..1) of the store's items unless forced.
	MaxDeactivateShare decimal.Decimal `yaml:"max_deactivate_share" default:"0.10" doc:"Share (0..1) of the store's items one run may deactivate or set to zero stock. A run that would do more stops and needs --force."`
}

// Prices turn an ERP price list into the store's prices.
type Prices struct {
	// List is the ERP price list code.
	List string `yaml:"list" required:"true" doc:"ERP price list code the store's prices come from (erp check lists the codes)."`
	// Basis is what the store gets: gross or net.
	Basis string `yaml:"basis" default:"gross" doc:"gross or net: what the store receives. Must match what the platform takes."`
	// Currency is the store's currency (ISO 4217).
	Currency string `yaml:"currency" default:"PLN" doc:"The store's currency, ISO 4217 (PLN, EUR)."`
	// ExchangeRate is how much of Currency one unit of the list's currency
	// buys (1 PLN = 0.23 EUR: 0.23); store price = list price × rate. When
	// RateFromERP is true the ERP's rate table is used instead: the latest
	// rate on or before the day of the projection, the ERP's query
	// currency_rates giving each currency's price in HomeCurrency.
	ExchangeRate decimal.Decimal `yaml:"exchange_rate" default:"1" doc:"How much of currency one unit of the list's currency buys (1 PLN = 0.23 EUR: 0.23). Store price = list price x rate."`
	RateFromERP  bool            `yaml:"rate_from_erp" doc:"Take the rate from the ERP's rate table (the profile's currency_rates query) instead of exchange_rate: the latest rate on or before the day, in the ERP's time zone. A price with no rate is parked with the reason."`
	// HomeCurrency is the ERP's own currency, the one its rate table
	// prices the others in (used with RateFromERP).
	HomeCurrency string `yaml:"home_currency" default:"PLN" doc:"The ERP's own currency, the one its rate table prices the others in (used with rate_from_erp)."`
	// MarkupPercent is added after conversion.
	MarkupPercent decimal.Decimal `yaml:"markup_percent" default:"0" doc:"Percent added after conversion (15, or -5 for a discount)."`
	Rounding      Rounding        `yaml:"rounding" doc:"How prices end."`
	// Floor is purchase (the ERP purchase price), minimum (Minimum) or none.
	Floor   string          `yaml:"floor" default:"none" doc:"Lowest price allowed: none, purchase (the ERP purchase price) or minimum (the minimum key). An item under its floor is parked, not pushed."`
	Minimum decimal.Decimal `yaml:"minimum" default:"0" doc:"Lowest price with floor: minimum (must then be more than 0)."`
	Sale    *Sale           `yaml:"sale" doc:"A sale price from a second price list within a date window."`
}

// Rounding is how prices end: a step (0.01, 0.05, 0.10) or the .99 ending,
// rounding half up or half even. After Load, Step is written exactly as one
// of "0.01", "0.05", "0.10", "0.99" (a file may say 0.1).
type Rounding struct {
	Step string `yaml:"step" default:"0.01" doc:"0.01, 0.05, 0.10, or 0.99 for prices ending in .99."`
	Mode string `yaml:"mode" default:"half_up" doc:"half_up or half_even."`
}

// Sale is a sale price from a second list within a date window. From and To
// are YYYY-MM-DD or RFC 3339 (either may be empty: open-ended); Load checks
// that From is not after To.
type Sale struct {
	List string `yaml:"list" required:"true" doc:"ERP price list code of the sale price."`
	From string `yaml:"from" doc:"First day of the sale: 2026-12-24 or an RFC 3339 time. Empty: open-ended."`
	To   string `yaml:"to" doc:"Last day of the sale (inclusive), same forms. Empty: open-ended."`
}

// Stock turns ERP stock into the store's quantities.
type Stock struct {
	// Warehouses are ERP warehouse codes summed for this store.
	Warehouses []string `yaml:"warehouses" required:"true" doc:"ERP warehouse codes whose stock is summed for this store, such as [MAG1]."`
	// SubtractERPReservations subtracts the ERP's own reservations.
	SubtractERPReservations *bool `yaml:"subtract_erp_reservations" default:"true" doc:"Subtract the ERP's own reservations from stock."`
	// Buffer is held back from every SKU.
	Buffer decimal.Decimal `yaml:"buffer" default:"0" doc:"Quantity held back from every SKU."`
	// Cap is the most ever shown (0: no cap).
	Cap decimal.Decimal `yaml:"cap" default:"0" doc:"Most ever shown per SKU (0: no cap)."`
	// WhenZero is out_of_stock, hide or backorder.
	WhenZero string `yaml:"when_zero" default:"out_of_stock" doc:"What a store shows of an item with nothing to sell: out_of_stock (shown, marked out of stock), hide (product deactivated) or backorder (shown, can be ordered)."`
}

// Scope is which products the store carries.
type Scope struct {
	// Categories are category paths; "*" matches within one level, "**" any depth.
	Categories        []string          `yaml:"categories" doc:"Category path patterns the store carries: Odzież (that category only), Odzież/* (one level below it), Odzież/** (it and everything below). A product is in scope when any of its categories matches. Empty: all."`
	ExcludeCategories []string          `yaml:"exclude_categories" doc:"Category paths left out, same patterns."`
	Attributes        map[string]string `yaml:"attributes" doc:"Attribute code to required value (* for any value); a product must match them all."`
	IncludeSKUs       []string          `yaml:"include_skus" doc:"When set, the only SKUs carried; globs such as KUB-* allowed. The other scope rules still apply."`
	ExcludeSKUs       []string          `yaml:"exclude_skus" doc:"SKUs never carried; globs allowed."`
	OnlyActive        *bool             `yaml:"only_active" default:"true" doc:"Only products active in the ERP."`
	OnlyEShop         *bool             `yaml:"only_eshop" default:"true" doc:"Only products flagged for the e-shop in the ERP (Comarch Twr_ESklep)."`
}

// Overrides take a store's name and description from ERP attributes when set.
type Overrides struct {
	NameAttribute        string `yaml:"name_attribute" doc:"ERP attribute code whose value, when set, is the product name in this store."`
	DescriptionAttribute string `yaml:"description_attribute" doc:"ERP attribute code whose value, when set, is the description in this store."`
}

// Orders are how the store's orders reach the ERP.
type Orders struct {
	Enabled *bool `yaml:"enabled" default:"true" doc:"false: the store's orders are not taken (webhooks get 404, no polling, no import)."`
	// Series is the ERP document series for this store's orders.
	Series string `yaml:"series" doc:"ERP document series for this store's orders. Read but not yet written to the staging tables."`
	// Poll turns polling on; Overlap is how far back each poll looks again.
	Poll    *bool    `yaml:"poll" default:"true" doc:"Poll the shop for orders (schedules.order_poll) besides webhooks."`
	Overlap Duration `yaml:"overlap" default:"10m" doc:"How far back each poll looks again."`
	// ShippingMap and PaymentMap map shop method ids to ERP codes.
	ShippingMap map[string]string `yaml:"shipping_map" doc:"Shop shipping method id to ERP delivery method code (written to staging as shipping_method)."`
	PaymentMap  map[string]string `yaml:"payment_map" doc:"Shop payment method id to ERP payment method code (written to staging as payment_method)."`
	Customers   Customers         `yaml:"customers" doc:"How shop customers are matched to ERP customers."`
}

// Customers are how shop customers are matched to ERP customers.
type Customers struct {
	// Match is the order of keys tried: nip, email.
	Match []string `yaml:"match" default:"[nip,email]" doc:"Keys the importer may match the ERP customer by, tried in order: nip, email. An order needs one of them (or a retail customer)."`
	// RetailCustomer is the ERP code of the one-off retail customer used for
	// private persons who match nothing ("" creates a new customer).
	RetailCustomer string `yaml:"retail_customer" doc:"ERP code of the one-off retail customer for private persons who have none of the match keys. Empty: such an order is parked."`
}
