// Package shopserver is the shop side of the erpbridge store protocol v1
// (docs/store-protocol.md): an http.Handler that checks the bearer token,
// validates every request strictly and hands the work to a Backend, plus a
// webhook Sender that signs and posts deliveries to a hub.
//
// A shop built in-house can run it in front of its own catalog; a downstream
// erpbridge hub runs it in front of its own state, so that an upstream hub
// feeds it as if it were a shop. Memory is an in-memory Backend for tests and
// demos.
package shopserver

import (
	"context"
	"errors"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// ErrNotFound is returned (wrapped or not) by a Backend for an order or item
// it does not have. The server answers 404 for a whole call and a permanent
// not_found result for a pushed item.
var ErrNotFound = errors.New("not found")

// Backend is the shop behind the protocol. The server has already checked
// the token and validated every request when it calls a Backend: items have
// a known kind and op, a SKU, and (for upserts) a Doc of the kind's type
// (*store.ProductDoc for product and variant, *store.CategoryDoc,
// *store.PriceDoc, *store.StockDoc) whose SKU or code is the item's SKU.
//
// Errors are classified with package fault. For a whole call: ErrNotFound
// gives 404, fault.Permanent 422, fault.RateLimited 429 with Retry-After,
// anything else 500 with a generic message (the real error is logged, never
// sent). Methods are called concurrently and must stop when ctx ends.
type Backend interface {
	// Apply applies items in order and returns exactly one store.Result per
	// item, in the same order, with the item's shop id on success. One
	// item's failure never fails the others: its Result.Err says why, marked
	// fault.Permanent when the item will fail again until its data changes
	// (an *ItemError sets the wire code; ErrNotFound gives not_found).
	// Applying the same items twice changes nothing the second time. A
	// non-nil error fails the whole call and must mean nothing was applied.
	Apply(ctx context.Context, items []store.Item) ([]store.Result, error)

	// ListItems returns up to limit products and variants (kinds product and
	// variant only) after cursor, which is "" for the first page and then the
	// next cursor this method returned. next is "" on the last page. The
	// cursor format is the Backend's own; the server passes it through.
	ListItems(ctx context.Context, cursor string, limit int) (items []store.Existing, next string, err error)

	// ListOrders returns up to limit orders that come after pos in the order
	// (UpdatedAt, ShopOrderID), ascending, both compared exactly (times to
	// the nanosecond, ids bytewise). Every returned order has a non-empty
	// ShopOrderID and a non-zero UpdatedAt in UTC; an order that changes
	// gets a later UpdatedAt, so it is listed again further on.
	ListOrders(ctx context.Context, pos OrderPosition, limit int) ([]wire.Order, error)

	// Order returns one order by its shop id, or ErrNotFound.
	Order(ctx context.Context, id string) (wire.Order, error)

	// SetStatus sets an order's status, ERP number and (when u.Tracking is
	// set) tracking, and returns the order as it now is; ErrNotFound when
	// there is no such order. Setting what the order already has changes
	// nothing, not even UpdatedAt.
	SetStatus(ctx context.Context, id string, u catalog.StatusUpdate) (wire.Order, error)
}

// OrderPosition is a place in the orders' (UpdatedAt, ShopOrderID) order.
// The first page of a listing since T starts at {UpdatedAt: T}; as ids are
// never empty, that includes every order changed at T.
type OrderPosition struct {
	UpdatedAt time.Time
	ID        string
}

// Before reports whether the position is before order o, that is whether a
// listing from pos includes o.
func (pos OrderPosition) Before(o catalog.Order) bool {
	if !o.UpdatedAt.Equal(pos.UpdatedAt) {
		return o.UpdatedAt.After(pos.UpdatedAt)
	}
	return o.ShopOrderID > pos.ID
}

// ItemError is a per-item failure with its protocol error code (the wire
// Code* constants). Permanent says whether retrying the same item can help.
type ItemError struct {
	Code      string
	Message   string
	Permanent bool
}

// Error implements error.
func (e *ItemError) Error() string { return e.Code + ": " + e.Message }
