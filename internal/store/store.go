// Package store is the contract between the hub and a shop platform adapter.
// ("Store" means a shop in this project; the hub's own database is package
// state.)
//
// An adapter implements Store and any of the optional interfaces beside it
// (Binder, OrderSource, StatusSetter, WebhookReceiver). It declares its limits
// and formats in Features. The engine reads Features and checks for optional
// interfaces; it never switches on an adapter's type.
//
// Errors returned by adapters are classified with package fault: Permanent
// (this item's data is wrong: park it), RateLimited (wait as told), Fatal
// (credentials or URL wrong: stop this store) and anything else retryable.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/registry"
)

// MoneyFormat is how a platform's API writes amounts.
type MoneyFormat string

// Money formats. Adapters convert at their edge; the hub is decimal inside.
const (
	MoneyDecimalString MoneyFormat = "decimal_string" // "12.30" (WooCommerce, Shopify)
	MoneyMinorUnits    MoneyFormat = "minor_units"    // 1230 (Vendure)
	MoneyDecimalNumber MoneyFormat = "decimal_number" // 12.3 as a JSON number
)

// PriceBasis says whether the platform takes gross or net prices, or either
// (set per store in the config).
type PriceBasis string

// Price bases.
const (
	BasisGross  PriceBasis = "gross"
	BasisNet    PriceBasis = "net"
	BasisEither PriceBasis = "either"
)

// Features is what an adapter declares about its platform.
type Features struct {
	// BatchSize is the most items one Push call takes (at least 1).
	BatchSize int
	// Rate and Burst are the default request rate (per second) and burst; the
	// store's config can lower them.
	Rate  float64
	Burst int
	// Money is the platform's amount format; Basis its price basis.
	Money MoneyFormat
	Basis PriceBasis
	// IntegerStock is true when the platform takes whole quantities only.
	IntegerStock bool
	// MaxVariantAxes is how many option axes a product may have (0: the
	// platform has no variants; variants are pushed as products).
	MaxVariantAxes int
	// Kinds are the record kinds Push accepts.
	Kinds []catalog.Kind
	// WebhookScheme names how webhooks are signed ("" when the platform sends
	// none), e.g. "hmac-sha256-base64".
	WebhookScheme string
}

// Pushes reports whether Push accepts kind k.
func (f Features) Pushes(k catalog.Kind) bool {
	for _, x := range f.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Op is what a Push item asks for.
type Op string

// Push operations.
const (
	// OpUpsert creates the item when ShopID is empty, else updates it.
	OpUpsert Op = "upsert"
	// OpDeactivate hides the item in the shop but keeps it (and its orders).
	OpDeactivate Op = "deactivate"
	// OpDelete removes the item; used only when the store is configured to.
	OpDelete Op = "delete"
)

// Item is one record to push. Doc holds the desired record for its kind:
// *ProductDoc for product and variant, *CategoryDoc, *PriceDoc or *StockDoc.
// ShopID is the shop's id from an earlier push or from binding ("" if none).
type Item struct {
	Kind   catalog.Kind
	SKU    string
	ShopID string
	Op     Op
	Doc    any
}

// Result is the outcome of one pushed item. Err is nil on success and then
// ShopID holds the shop's id for the item; otherwise Err is classified with
// package fault.
type Result struct {
	Kind   catalog.Kind
	SKU    string
	ShopID string
	Err    error
}

// ErrNotInShop is wrapped by a Result's Err (a Permanent one) when the
// item's ShopID (for a price or stock: the ShopID of the product or variant
// it belongs to) names nothing in the shop any more: someone deleted it in
// the shop's panel. The engine then forgets that id and creates the item
// again (or binds it by SKU) on the next push. Adapters never return it for
// an item pushed without a ShopID.
var ErrNotInShop = errors.New("the item's shop id names nothing in the shop (deleted there?)")

// NotInShop wraps err so that it is Permanent and wraps ErrNotInShop.
func NotInShop(err error) error {
	return fault.Permanent(fmt.Errorf("%w: %w", err, ErrNotInShop))
}

// Existing is an item already in the shop, found while binding.
type Existing struct {
	Kind   catalog.Kind
	SKU    string
	EAN    string
	ShopID string
	// ParentShopID is the product's id for a variant.
	ParentShopID string
}

// ShopOrder is an order as read from the shop: its id, when it last changed,
// and the raw payload the inbox keeps. ParseOrder turns Raw into the hub's form.
type ShopOrder struct {
	ID        string
	UpdatedAt time.Time
	Raw       []byte
}

// OrderPage is one page of orders; Next is the token of the next page, empty
// on the last one.
type OrderPage struct {
	Orders []ShopOrder
	Next   string
}

// WebhookKind tells an order delivery from anything else a shop sends.
type WebhookKind string

// Webhook kinds.
const (
	WebhookOrder WebhookKind = "order"
	// WebhookPing is a platform's test delivery: answer 200, store nothing.
	WebhookPing WebhookKind = "ping"
	// WebhookOther is a verified delivery the hub has no use for.
	WebhookOther WebhookKind = "other"
)

// Webhook is a verified delivery. For an order, ShopOrderID and Raw are set;
// DeliveryID and EventID dedupe repeated deliveries when the platform sends them.
type Webhook struct {
	Kind        WebhookKind
	DeliveryID  string
	EventID     string
	ShopOrderID string
	Raw         []byte
}

// Store is the contract every shop adapter implements. Methods are safe for
// concurrent use and stop promptly when ctx is cancelled.
type Store interface {
	// Features describes the platform; it does not change after New.
	Features() Features

	// Push applies items (at most Features().BatchSize) in the platform's bulk
	// form. When the error is nil there is exactly one Result per item, in the
	// same order; one item's failure never fails the others. A non-nil error
	// means the call as a whole failed and no item may be taken as applied
	// (classified: RateLimited, Fatal for bad credentials, else retryable).
	// Pushing the same desired state twice changes nothing in the shop.
	// More than BatchSize items is the caller's bug: the adapter either
	// handles them all or rejects the whole call, applying nothing, with a
	// Permanent error (retrying the same call cannot help).
	Push(ctx context.Context, items []Item) ([]Result, error)

	// Close releases connections. The Store is unusable afterwards.
	Close() error
}

// Binder lists what is already in the shop, so the engine can bind existing
// items by SKU, then EAN, before its first push.
type Binder interface {
	// ListItems calls fn once per product and variant in the shop, streaming
	// page by page. An error from fn stops the walk and is returned.
	ListItems(ctx context.Context, fn func(Existing) error) error
}

// Budget is what a shop's last answer said about its request budget
// (rate-limit or cost headers).
type Budget struct {
	// Remaining is how many requests (or cost units) are left in the
	// current window, Limit how many the window holds.
	Remaining int
	Limit     int
	// Reset is how long until the window refills; 0 when the shop did not
	// say.
	Reset time.Duration
}

// BudgetReporter is a Store whose platform reports its remaining request
// budget with its answers. The push worker reads it after every Push and
// slows down while the budget is low, before the shop answers 429.
type BudgetReporter interface {
	// Budget returns what the last answer said; ok is false while no
	// answer said anything.
	Budget() (b Budget, ok bool)
}

// OrderSource reads orders from the shop.
type OrderSource interface {
	// Orders returns orders changed at or after since (UTC), oldest first, one
	// page per call; page is "" for the first page, then OrderPage.Next. The
	// caller subtracts its overlap window from since and dedupes by order id.
	Orders(ctx context.Context, since time.Time, page string) (OrderPage, error)
	// Order reads one order by the shop's id; a missing order is Permanent.
	Order(ctx context.Context, id string) (ShopOrder, error)
	// ParseOrder turns a raw payload (from Orders, Order or a webhook) into
	// the hub's form. It never panics; bad input gives a Permanent error that
	// says what is wrong. The returned order's Store is left empty.
	ParseOrder(raw []byte) (catalog.Order, error)
}

// StatusSetter sends an order's status and tracking back to the shop.
type StatusSetter interface {
	// SetStatus sets the order's status and, when u.Tracking is set, its
	// tracking. Sending the same update twice changes nothing.
	SetStatus(ctx context.Context, shopOrderID string, u catalog.StatusUpdate) error
}

// WebhookReceiver verifies and parses webhook deliveries.
type WebhookReceiver interface {
	// VerifyWebhook checks the delivery's signature in constant time. It
	// returns ErrSignatureMissing or ErrSignatureInvalid (wrapped) on failure.
	VerifyWebhook(h http.Header, body []byte) error
	// ParseWebhook reads a verified delivery. A body it cannot read gives a
	// Permanent error; the caller keeps the payload with the reason.
	ParseWebhook(h http.Header, body []byte) (Webhook, error)
}

// Params is what a Factory gets to build a Store.
type Params struct {
	// StoreID is the store's id from the config; it goes on every log line.
	StoreID string
	// Connection and Credentials are the values Factory.Connection and
	// Factory.Credentials returned, decoded from the store's config.
	Connection  any
	Credentials any
	Logger      *slog.Logger
	// HTTPClient is the client to use for the platform's API (nil: adapter's own).
	HTTPClient *http.Client
}

// Factory builds Stores of one platform.
type Factory struct {
	// Description is one line for `--help` and docs.
	Description string
	// Connection returns a pointer to a fresh struct of the adapter's
	// connection options (yaml tags, `default:"..."` tags); nil when none.
	Connection func() any
	// Credentials returns a pointer to a fresh struct of the adapter's
	// secrets; every string field in it is a secret.
	Credentials func() any
	// New builds a Store. It validates p but does not call the platform.
	New func(ctx context.Context, p Params) (Store, error)
}

// Registry is the store adapter registry adapters register into.
var Registry = registry.New[Factory]("store type")

// Register adds a platform adapter to Registry; call it from init().
func Register(name string, f Factory) { Registry.Register(name, f) }
