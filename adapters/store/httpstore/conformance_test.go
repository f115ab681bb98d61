package httpstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

// TestConformance runs the store conformance suite against the adapter
// talking to shopserver over HTTP, with the in-memory backend as the shop.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, storetest.Shop) {
			// The suite runs on the real clock, as signed deliveries do.
			b := setup(t, options{maxBatch: 50, batchSize: 50, pageSize: 3, realClock: true})
			return b.st, backdoor{b}
		},
		OrderPageSize: 3,
	})
}

// backdoor is the storetest.Shop view of a bundle's Memory, with the
// OrderPlacer, WebhookSigner and FaultInjector abilities.
type backdoor struct{ b *bundle }

func (d backdoor) Product(_ context.Context, sku string) (storetest.ShopProduct, bool, error) {
	it, ok := d.b.mem.Item(catalog.KindProduct, sku)
	if !ok {
		it, ok = d.b.mem.Item(catalog.KindVariant, sku)
	}
	if !ok {
		return storetest.ShopProduct{}, false, nil
	}
	doc := it.Doc.(*store.ProductDoc)
	p := storetest.ShopProduct{
		ShopID: it.ShopID, ParentShopID: it.ParentShopID, SKU: it.SKU, Name: doc.Name, EAN: doc.EAN,
		Active: it.Active, Categories: doc.Categories, Options: doc.Options, Images: doc.Images,
	}
	rev := []int{it.Revision, 0, 0}
	if pr, ok := d.b.mem.Item(catalog.KindPrice, sku); ok {
		pd := pr.Doc.(*store.PriceDoc)
		p.Price, p.Sale = &pd.Regular, pd.Sale
		rev[1] = pr.Revision
	}
	if st, ok := d.b.mem.Item(catalog.KindStock, sku); ok {
		sd := st.Doc.(*store.StockDoc)
		p.Stock, p.StockStatus = &sd.Quantity, sd.Status
		rev[2] = st.Revision
	}
	p.Revision = fmt.Sprint(rev)
	return p, true, nil
}

func (d backdoor) PlaceOrder(ctx context.Context, spec storetest.OrderSpec) (string, error) {
	os := shopserver.OrderSpec{Customer: spec.Customer, Billing: spec.Billing}
	for _, l := range spec.Lines {
		os.Lines = append(os.Lines, shopserver.LineSpec{SKU: l.SKU, Quantity: l.Quantity})
	}
	o, err := d.b.mem.PlaceOrder(ctx, os)
	return o.ShopOrderID, err
}

func (d backdoor) Order(ctx context.Context, id string) (storetest.ShopOrderState, bool, error) {
	o, err := d.b.mem.Order(ctx, id)
	if errors.Is(err, shopserver.ErrNotFound) {
		return storetest.ShopOrderState{}, false, nil
	}
	if err != nil {
		return storetest.ShopOrderState{}, false, err
	}
	return storetest.ShopOrderState{Status: o.Status, Tracking: o.Tracking, Revision: o.UpdatedAt.String()}, true, nil
}

func (d backdoor) SignWebhook(body []byte) http.Header {
	s := &shopserver.Sender{Secret: []byte(testSecret)}
	return s.Sign(wire.EventOrderUpdated, body)
}

func (d backdoor) FailNext(n int, f storetest.Fault) error {
	var in injected
	switch f.Kind {
	case storetest.FaultRateLimit:
		in = injected{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": strconv.Itoa(int(f.RetryAfter.Seconds()))},
			body: `{"error":{"code":"rate_limited","message":"slow down"}}`}
	case storetest.FaultServerError:
		in = injected{status: http.StatusInternalServerError, body: `{"error":{"code":"internal","message":"boom"}}`}
	case storetest.FaultAuth:
		in = injected{status: http.StatusUnauthorized, body: `{"error":{"code":"unauthorized","message":"bad token"}}`}
	case storetest.FaultLatency:
		in = injected{delay: f.Delay}
	default:
		return fmt.Errorf("fault %s: %w", f.Kind, errors.ErrUnsupported)
	}
	for range n {
		d.b.faults.push(in)
	}
	return nil
}
