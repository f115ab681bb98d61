package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce"
	"github.com/erpbridge/erpbridge/internal/hub"
	"github.com/erpbridge/erpbridge/internal/state"
)

// change is one ERP edit or order the loop waits to see in the shops.
type change struct {
	sku   string
	kind  string
	at    time.Time
	acked map[string]string // store → acked hash when the change was made
}

// watchFor is how long a change or an order is watched for; a change that
// leaves a shop's document as it was (rounding, a cap) never shows there.
const watchFor = 30 * time.Second

// placedOrder is an order the demo placed, watched until the shop shows
// the ERP document the importer made for it.
type placedOrder struct {
	store, id, sku string
	at             time.Time
	erpNumber      string // set once the importer booked it
}

func changeLoop(ctx context.Context, o Options, h *hub.Hub, db *sqlx.DB, shops *Shops) error {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	carried := map[string][]string{}
	for _, id := range StoreIDs {
		err := h.State.StreamStoreItems(ctx, id, func(it state.StoreItem) error {
			if it.Kind == "stock" && len(it.SKU) == len("TWR-000000") {
				carried[id] = append(carried[id], it.SKU)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(carried[id]) == 0 {
			return fmt.Errorf("demo: shop %s carries no product", id)
		}
	}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	watch := time.NewTicker(250 * time.Millisecond)
	defer watch.Stop()
	var (
		pending []*change
		orders  []*placedOrder
		ticks   int
		booked  int
	)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			ticks++
			var c *change
			if ticks%3 == 0 {
				// A customer orders in one shop: the shop's webhook brings
				// the order to the hub, which stages it for the ERP and
				// lowers the other shops' stock at once.
				id := StoreIDs[(ticks/3-1)%len(StoreIDs)]
				placed := placeOrder(ctx, o, shops, id, carried[id], rng)
				if placed == nil {
					continue
				}
				orders = append(orders, placed)
				c = &change{sku: placed.sku, kind: "stock"}
			} else {
				sku := carried["b2c"][rng.IntN(len(carried["b2c"]))]
				var err error
				if c, err = makeChange(ctx, o, sku, rng, db); err != nil {
					return err
				}
			}
			c.at, c.acked = time.Now(), map[string]string{}
			for _, id := range StoreIDs {
				if it, err := h.State.GetStoreItem(ctx, id, c.kind, c.sku); err == nil {
					c.acked[id] = it.AckedHash
				}
			}
			pending = append(pending, c)
		case <-watch.C:
			pending = reportPushed(ctx, o, h, shops, pending)
			var err error
			if orders, err = reportOrders(ctx, o, h, db, shops, orders, &booked); err != nil {
				return err
			}
		}
	}
}

// placeOrder has a customer buy one unit of a product shop id shows for
// sale; nil when ten picks found none.
func placeOrder(ctx context.Context, o Options, shops *Shops, id string, carried []string, rng *rand.Rand) *placedOrder {
	for range 10 {
		sku := carried[rng.IntN(len(carried))]
		if sh, ok := shops.Show(id, sku); !ok || !sh.ForSale {
			continue
		}
		orderID, err := shops.Order(ctx, id, sku)
		if err != nil {
			continue // sold out between the look and the checkout
		}
		fmt.Fprintf(o.Out, "%s: a customer ordered 1 × %s (shop order %s)\n", id, sku, orderID)
		return &placedOrder{store: id, id: orderID, sku: sku, at: time.Now()}
	}
	return nil
}

// makeChange changes the price or the stock of a product in the ERP (the
// stock when the product has no price of its own: its variants have).
func makeChange(ctx context.Context, o Options, sku string, rng *rand.Rand, db *sqlx.DB) (*change, error) {
	const card = "(SELECT Twr_TwrId FROM CDN.Towary WHERE Twr_Kod = ?)"
	if rng.IntN(2) == 0 {
		pct := decimal.NewFromInt(int64(rng.IntN(21) - 10)) // -10% .. +10%
		factor := decimal.NewFromInt(1).Add(pct.Div(decimal.NewFromInt(100)))
		res, err := db.ExecContext(ctx, "UPDATE CDN.TwrCeny SET TwC_Wartosc = ROUND(TwC_Wartosc * ?, 2) WHERE TwC_TwrID = "+card, factor.String(), sku)
		if err != nil {
			return nil, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			fmt.Fprintf(o.Out, "ERP: prices of %s changed by %s%%\n", sku, pct)
			return &change{sku: sku, kind: "price"}, nil
		}
	}
	qty := rng.IntN(40)
	_, err := db.ExecContext(ctx, `UPDATE CDN.TwrIlosci SET TwI_Ilosc = ?, TwI_Rezerwacje = 0
WHERE TwI_TwrId = `+card+` AND TwI_Data = (SELECT MAX(x.TwI_Data) FROM CDN.TwrIlosci x WHERE x.TwI_TwrId = CDN.TwrIlosci.TwI_TwrId AND x.TwI_MagId = CDN.TwrIlosci.TwI_MagId)`, qty, sku)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "ERP: stock of %s set to %d in every warehouse\n", sku, qty)
	return &change{sku: sku, kind: "stock"}, nil
}

// reportPushed prints, per change, the shops whose acknowledged state moved
// on since the change, with what the shop itself now shows, and drops
// changes that every shop carrying the SKU took.
func reportPushed(ctx context.Context, o Options, h *hub.Hub, shops *Shops, pending []*change) []*change {
	var keep []*change
	for _, c := range pending {
		stores := make([]string, 0, len(c.acked))
		for id := range c.acked {
			stores = append(stores, id)
		}
		sort.Strings(stores)
		for _, id := range stores {
			it, err := h.State.GetStoreItem(ctx, id, c.kind, c.sku)
			if err != nil || it.AckedHash == c.acked[id] || it.Dirty() {
				continue
			}
			delete(c.acked, id)
			sh, ok := shops.Show(id, c.sku)
			if !ok {
				continue
			}
			if c.kind == "price" {
				fmt.Fprintf(o.Out, "  %-6s now shows %s at %s %s\n", id, c.sku, sh.Price.StringFixed(2), sh.Currency)
			} else {
				fmt.Fprintf(o.Out, "  %-6s now shows %s with stock %d\n", id, c.sku, sh.Stock)
			}
		}
		if len(c.acked) > 0 && time.Since(c.at) < watchFor {
			keep = append(keep, c)
		}
	}
	return keep
}

// reportOrders prints the orders that reached the ERP's staging tables,
// books each there as the ERP-side importer would (document number, state
// imported, status processing) and prints when the shop shows the ERP
// document the hub reported back.
func reportOrders(ctx context.Context, o Options, h *hub.Hub, db *sqlx.DB, shops *Shops, placed []*placedOrder, booked *int) ([]*placedOrder, error) {
	var keep []*placedOrder
	for _, p := range placed {
		if p.erpNumber != "" {
			if shopShowsERPNumber(ctx, shops, p) {
				fmt.Fprintf(o.Out, "  %s order %s shows ERP document %s, status processing\n", p.store, p.id, p.erpNumber)
				continue
			}
			if time.Since(p.at) < watchFor {
				keep = append(keep, p)
			}
			continue
		}
		in, err := h.State.OrderByKey(ctx, p.store, p.id)
		switch {
		case err == nil && in.State == state.OrderImported:
			*booked++
			number := fmt.Sprintf("RO/%d/%d", *booked, time.Now().Year())
			if err := importerBooks(ctx, db, in.ERPRef, number); err != nil {
				return nil, err
			}
			fmt.Fprintf(o.Out, "  %s order %s reached the ERP staging tables (staging id %s); the importer booked it as %s\n", p.store, p.id, in.ERPRef, number)
			p.erpNumber, p.at = number, time.Now()
			keep = append(keep, p)
		case err == nil && (in.State == state.OrderParked || in.State == state.OrderInvalid):
			fmt.Fprintf(o.Out, "  %s order %s parked: %s\n", p.store, p.id, in.Reason)
		case err != nil && !errors.Is(err, state.ErrNotFound):
			return nil, err
		case time.Since(p.at) < watchFor:
			keep = append(keep, p)
		}
	}
	return keep, nil
}

// importerBooks does what the Windows-side importer does once it created
// the ERP document (docs/staging-contract.md, "Writing an importer").
func importerBooks(ctx context.Context, db *sqlx.DB, stagingID, number string) error {
	id, err := strconv.ParseInt(stagingID, 10, 64)
	if err != nil {
		return fmt.Errorf("demo: staging id %q: %w", stagingID, err)
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000000")
	_, err = db.ExecContext(ctx, `UPDATE erpbridge_orders SET state = 'imported', erp_number = ?, erp_status = 'processing', error = NULL, updated_at = ?
WHERE id = ? AND state = 'pending'`, number, now, id)
	return err
}

// shopShowsERPNumber reports whether the shop's order carries the ERP
// document number the hub sent back.
func shopShowsERPNumber(ctx context.Context, shops *Shops, p *placedOrder) bool {
	if p.store == "b2b" {
		o, err := shops.B2B.Order(ctx, p.id)
		return err == nil && o.ERPNumber == p.erpNumber
	}
	w := shops.B2C
	if p.store == "abroad" {
		w = shops.Abroad
	}
	n, err := strconv.Atoi(p.id)
	if err != nil {
		return false
	}
	o, ok := w.Order(n)
	if !ok {
		return false
	}
	for _, m := range o.MetaData {
		if v, _ := m.Value.(string); m.Key == woocommerce.MetaERPNumber && v == p.erpNumber {
			return true
		}
	}
	return false
}
