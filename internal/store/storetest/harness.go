package storetest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Harness is what an adapter's test gives Run.
type Harness struct {
	// New returns a fresh Store connected to a fresh, empty shop, and the
	// backdoor to that same shop (nil when there is none: every subtest that
	// needs it is skipped). The suite closes the Store when the subtest ends;
	// New registers any other cleanup with t.Cleanup. New is called once per
	// subtest, possibly from parallel subtests.
	New func(t *testing.T) (store.Store, Shop)

	// OrderPageSize is how many orders one Orders page of the Store holds.
	// The suite places 2*OrderPageSize+1 orders to see at least three pages;
	// keep it small (the harness configures the adapter's page size). 0 means
	// the suite places 5 orders and does not insist on several pages.
	OrderPageSize int

	// Currency is the currency the shop sells in; prices are pushed in it
	// ("" means PLN).
	Currency string

	// Serial runs the subtests one after another (for a shared real shop or
	// a server that cannot take parallel tests). By default they run in
	// parallel.
	Serial bool

	// Gaps are known gaps of the adapter: subtest name (as below Run, e.g.
	// "Push/OverBatchSize") to the reason. A listed subtest is skipped with
	// its reason, so gaps are explicit and reviewed, never silent.
	Gaps map[string]string
}

// Shop is the backdoor to the shop behind a Store under test: what a real
// platform offers through its admin panel or its own API, read independently
// of the adapter. It reads products back; the optional interfaces below
// (OrderPlacer, WebhookSigner, FaultInjector) add what the shop can do
// besides. The suite checks for them with type assertions and skips, naming
// the missing interface, the subtests that need one it lacks.
type Shop interface {
	// Product returns what the shop shows for the product or variant with
	// sku; ok is false when the shop has no such item.
	Product(ctx context.Context, sku string) (p ShopProduct, ok bool, err error)
}

// ShopProduct is a product or variant as the shop shows it, in the hub's
// terms: category codes (not shop ids), the hub's stock statuses.
type ShopProduct struct {
	ShopID string
	// ParentShopID is the product's id for a variant ("" for a product).
	ParentShopID string
	SKU          string
	Name         string
	EAN          string
	Active       bool
	// Categories are the codes of the item's categories, in any order.
	Categories []string
	// Options are a variant's option values by axis.
	Options map[string]string
	// Images are the image URLs in their order.
	Images []string
	// Price and Sale are nil when the shop shows none.
	Price *decimal.Decimal
	Sale  *decimal.Decimal
	// Stock is nil when the shop does not track the item's quantity.
	Stock       *decimal.Decimal
	StockStatus store.StockStatus
	// Revision changes with every write that changed the item (a version,
	// a modification time); "" when the shop shows none.
	Revision string
}

// OrderPlacer is a Shop that can take orders as a customer would and show
// them as the shop's admin sees them.
type OrderPlacer interface {
	// PlaceOrder creates an order through the shop's own checkout or admin
	// means and returns the shop's order id.
	PlaceOrder(ctx context.Context, o OrderSpec) (shopOrderID string, err error)
	// Order returns the order's state as the shop shows it; ok is false when
	// the shop has no such order.
	Order(ctx context.Context, shopOrderID string) (o ShopOrderState, ok bool, err error)
}

// OrderSpec is an order to place: lines of items that are in the shop with a
// price and stock, and who orders.
type OrderSpec struct {
	Lines    []OrderLineSpec
	Customer catalog.Customer
	Billing  catalog.Address
	Note     string
}

// OrderLineSpec is one line of an OrderSpec.
type OrderLineSpec struct {
	SKU      string
	Quantity decimal.Decimal
}

// ShopOrderState is an order's status and tracking as the shop shows them.
type ShopOrderState struct {
	Status   catalog.OrderStatus
	Tracking *catalog.Tracking
	// Revision changes with every write that changed the order; "" when the
	// shop shows none.
	Revision string
}

// WebhookSigner is a Shop that can sign webhook deliveries as the platform
// does.
type WebhookSigner interface {
	// SignWebhook returns the headers of a valid delivery of body, an order
	// payload as the adapter's Order returns it, about that order. Every
	// call is a new delivery of the same event.
	SignWebhook(body []byte) http.Header
}

// FaultInjector is a Shop whose API can be made to fail.
type FaultInjector interface {
	// FailNext makes the next n API requests the Store makes answer as f
	// says. It returns an error wrapping errors.ErrUnsupported for a fault
	// the shop cannot produce.
	FailNext(n int, f Fault) error
}

// FaultKind is a kind of injected failure.
type FaultKind int

// Fault kinds.
const (
	// FaultRateLimit answers 429 (or the platform's throttling answer) with
	// Fault.RetryAfter.
	FaultRateLimit FaultKind = iota + 1
	// FaultServerError answers 500.
	FaultServerError
	// FaultAuth answers as for wrong or revoked credentials (401/403).
	FaultAuth
	// FaultLatency delays the answer by Fault.Delay.
	FaultLatency
)

// String returns the fault kind's name.
func (k FaultKind) String() string {
	switch k {
	case FaultRateLimit:
		return "rate limit"
	case FaultServerError:
		return "server error"
	case FaultAuth:
		return "auth failure"
	case FaultLatency:
		return "latency"
	}
	return "unknown fault"
}

// Fault is one injected failure.
type Fault struct {
	Kind       FaultKind
	RetryAfter time.Duration
	Delay      time.Duration
}

// RateLimit is a 429 asking to wait retryAfter.
func RateLimit(retryAfter time.Duration) Fault {
	return Fault{Kind: FaultRateLimit, RetryAfter: retryAfter}
}

// ServerError is a 500.
func ServerError() Fault { return Fault{Kind: FaultServerError} }

// AuthFailure is a rejection of the credentials.
func AuthFailure() Fault { return Fault{Kind: FaultAuth} }

// Latency delays the answer by d.
func Latency(d time.Duration) Fault { return Fault{Kind: FaultLatency, Delay: d} }
