// Package wire is the erpbridge store protocol v1 on the wire: the JSON
// shapes of every request and response, the header names, the error codes
// and the webhook signature. The adapter (package httpstore) and the shop
// side (package shopserver) both use it; docs/store-protocol.md describes the
// same protocol for people who build a shop.
package wire

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Version is the protocol version; it is the first path segment of every
// endpoint ("/v1/items").
const Version = "v1"

// Protocol limits and defaults.
const (
	// DefaultMaxBatch is the batch size a shop takes unless it declares another.
	DefaultMaxBatch = 500
	// DefaultPageLimit is the page size when a list request gives no limit.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest page a list request may ask for; larger
	// limits are lowered to it.
	MaxPageLimit = 500
	// DefaultReplayWindow is how far a webhook's timestamp may be from the
	// receiver's clock, either way.
	DefaultReplayWindow = 5 * time.Minute
)

// Webhook headers.
const (
	// HeaderTimestamp is the delivery's signing time in Unix seconds.
	HeaderTimestamp = "X-Erpbridge-Timestamp"
	// HeaderSignature is one or more comma-separated "v1=<hex>" HMAC-SHA256
	// signatures of timestamp + "." + raw body.
	HeaderSignature = "X-Erpbridge-Signature"
	// HeaderDelivery is unique per delivery attempt.
	HeaderDelivery = "X-Erpbridge-Delivery"
	// HeaderEvent is the event type: EventOrderCreated, EventOrderUpdated
	// or EventPing. The body of an order event is the order's JSON (Order).
	HeaderEvent = "X-Erpbridge-Event"
)

// SignatureScheme is the name adapters declare in store.Features.WebhookScheme.
const SignatureScheme = "erpbridge-v1"

// Error codes of ErrorBody and ItemError.
const (
	CodeBadRequest      = "bad_request"        // 400: malformed JSON or parameters
	CodeUnauthorized    = "unauthorized"       // 401: missing or wrong token
	CodeForbidden       = "forbidden"          // 403: token valid but not allowed
	CodeNotFound        = "not_found"          // 404 or per item: no such order or item
	CodeMethod          = "method_not_allowed" // 405
	CodeTooLarge        = "batch_too_large"    // 413: more items or bytes than allowed
	CodeInvalid         = "invalid"            // 422 or per item: well-formed but not acceptable
	CodeRateLimited     = "rate_limited"       // 429
	CodeInternal        = "internal"           // 5xx or per item: the shop failed
	CodeUnknownKind     = "unknown_kind"       // per item
	CodeUnknownOp       = "unknown_op"         // per item
	CodeInvalidDoc      = "invalid_doc"        // per item: doc missing, unreadable or wrong
	CodeUnknownSKU      = "unknown_sku"        // per item: price or stock for a SKU the shop lacks
	CodeUnknownParent   = "unknown_parent"     // per item: variant of a product the shop lacks
	CodeUnknownCategory = "unknown_category"   // per item: product in a category the shop lacks
	CodeShopIDMismatch  = "shop_id_mismatch"   // per item: shop_id names another item
)

// Error is the body of every non-2xx response: {"error":{...}}.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// MaxItems is set on batch_too_large: the most items a batch may hold.
	MaxItems int `json:"max_items,omitempty"`
}

// ErrorBody wraps Error as it appears on the wire.
type ErrorBody struct {
	Error Error `json:"error"`
}

// Item is one entry of PUT /v1/items. Doc is the JSON of store.ProductDoc
// (kinds product and variant), store.CategoryDoc, store.PriceDoc or
// store.StockDoc; it may be omitted for deactivate and delete.
type Item struct {
	Kind   catalog.Kind    `json:"kind"`
	SKU    string          `json:"sku"`
	Op     store.Op        `json:"op"`
	ShopID string          `json:"shop_id,omitempty"`
	Doc    json.RawMessage `json:"doc,omitempty"`
}

// ItemsRequest is the body of PUT /v1/items.
type ItemsRequest struct {
	Items []Item `json:"items"`
}

// Result statuses.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// ItemError is why one item failed. Permanent is true when the same item
// will fail again until its data changes.
type ItemError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Permanent bool   `json:"permanent"`
}

// ItemResult is the outcome of one Item, in the request's order.
type ItemResult struct {
	Kind   catalog.Kind `json:"kind"`
	SKU    string       `json:"sku"`
	ShopID string       `json:"shop_id,omitempty"`
	Status string       `json:"status"`
	Error  *ItemError   `json:"error,omitempty"`
}

// ItemsResponse is the 200 body of PUT /v1/items.
type ItemsResponse struct {
	Results []ItemResult `json:"results"`
}

// Existing is one entry of GET /v1/items.
type Existing struct {
	Kind         catalog.Kind `json:"kind"`
	SKU          string       `json:"sku"`
	EAN          string       `json:"ean,omitempty"`
	ShopID       string       `json:"shop_id"`
	ParentShopID string       `json:"parent_shop_id,omitempty"`
}

// ExistingPage is the 200 body of GET /v1/items. NextCursor is empty on the
// last page.
type ExistingPage struct {
	Items      []Existing `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// OrderPage is the 200 body of GET /v1/orders. Each order is the JSON of
// catalog.Order. NextCursor is empty on the last page.
type OrderPage struct {
	Orders     []json.RawMessage `json:"orders"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// Webhook event types, sent in HeaderEvent.
const (
	EventOrderCreated = "order.created"
	EventOrderUpdated = "order.updated"
	EventPing         = "ping"
)

// Order is an order on the wire: the JSON of catalog.Order (its "store"
// field is ignored; "updated_at" is when the shop last changed the order)
// plus what the hub sent back with the status.
type Order struct {
	catalog.Order
	ERPNumber string            `json:"erp_number,omitempty"`
	Tracking  *catalog.Tracking `json:"tracking,omitempty"`
}

// OrderEventID is the id of the event "order id reached the state of
// updatedAt": every delivery about the same state of an order has it, so
// receivers dedupe on it. updatedAt is the payload's updated_at text.
func OrderEventID(id, updatedAt string) string {
	return "order:" + strconv.Quote(id) + "@" + updatedAt
}

// ValidStatus reports whether s is one of the order statuses the protocol
// carries: catalog's new, on_hold, processing, shipped, completed,
// cancelled and refunded.
func ValidStatus(s catalog.OrderStatus) bool {
	switch s {
	case catalog.StatusNew, catalog.StatusOnHold, catalog.StatusProcessing, catalog.StatusShipped,
		catalog.StatusCompleted, catalog.StatusCancelled, catalog.StatusRefunded:
		return true
	}
	return false
}

// ValidCurrency reports whether s has the form of an ISO 4217 code: three
// upper-case ASCII letters.
func ValidCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
