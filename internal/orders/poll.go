package orders

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/store"
)

// PollCursor is the name of store's order poll cursor in the state
// database: the newest shop change time (UTC, RFC 3339) of the orders
// stored so far.
func PollCursor(storeID string) string { return "orders." + storeID }

// PollResult counts what one Poll did.
type PollResult struct {
	Pages, Orders, Stored int
}

// Poll reads the orders store storeID changed since its cursor minus the
// store's overlap (orders.overlap), page by page. Each page is stored in one
// transaction together with the advanced cursor, so the cursor never covers
// an order that is not stored, and never moves backwards. Orders already in
// the inbox change only when the shop's version is newer.
func (s *Service) Poll(ctx context.Context, storeID string) (PollResult, error) {
	s.init()
	var res PollResult
	st, ok := s.Stores[storeID]
	if !ok || !st.enabled() {
		return res, fmt.Errorf("%w: %q", ErrUnknownStore, storeID)
	}
	src, ok := st.Adapter.(store.OrderSource)
	if !ok {
		return res, fmt.Errorf("orders: poll %s: the store's adapter cannot list orders", storeID)
	}
	name := PollCursor(storeID)
	val, _, err := s.DB.Cursor(ctx, name)
	if err != nil {
		return res, err
	}
	var cursor time.Time
	if val != "" {
		if cursor, err = time.Parse(time.RFC3339Nano, val); err != nil {
			return res, fmt.Errorf("orders: poll %s: cursor %s holds %q: %w", storeID, name, val, err)
		}
	}
	since := cursor
	if !since.IsZero() {
		since = since.Add(-st.Orders.Overlap.Duration)
	}
	page := ""
	var released bool
	for {
		p, err := src.Orders(ctx, since.UTC(), page)
		if err != nil {
			return res, fmt.Errorf("orders: poll %s: %w", storeID, err)
		}
		res.Pages++
		var (
			next   time.Time
			stored int
			rel    bool
		)
		err = s.retryConflict(ctx, func() error {
			next, stored, rel = cursor, 0, false
			return s.write(ctx, func() error {
				return s.DB.InTx(ctx, func(tx *sqlx.Tx) error {
					for _, o := range byID(p.Orders) {
						if o.ID == "" {
							continue
						}
						out, r, err := s.applyTx(ctx, tx, prepare(st, o.ID, o.Raw, o.UpdatedAt.UTC(), nil))
						if err != nil {
							return err
						}
						rel = rel || r
						if out == Stored || out == StoredInvalid {
							stored++
						}
						if o.UpdatedAt.After(next) {
							next = o.UpdatedAt.UTC()
						}
					}
					if next.After(cursor) {
						return s.DB.SetCursor(ctx, tx, name, next.Format(time.RFC3339Nano))
					}
					return nil
				})
			})
		})
		if err != nil {
			return res, err
		}
		res.Stored += stored
		released = released || rel
		cursor = next
		res.Orders += len(p.Orders)
		if p.Next == "" {
			break
		}
		page = p.Next
	}
	if res.Stored > 0 {
		s.Log.Info("orders polled", slog.String("store", storeID), slog.Int("orders", res.Orders), slog.Int("stored", res.Stored))
		s.wake()
	}
	if released {
		s.reserved(ctx)
	}
	return res, nil
}

// byID returns the page's orders by shop order id, so that every writer
// takes the rows of a batch in the same order (see commitTx).
func byID(orders []store.ShopOrder) []store.ShopOrder {
	out := slices.Clone(orders)
	slices.SortStableFunc(out, func(a, b store.ShopOrder) int { return strings.Compare(a.ID, b.ID) })
	return out
}
