package memory_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

// backdoor shows a memory.Shop to the conformance suite as an admin sees it.
type backdoor struct{ s *memory.Shop }

func (b backdoor) Product(_ context.Context, sku string) (storetest.ShopProduct, bool, error) {
	p, ok := b.s.Product(sku)
	if !ok {
		return storetest.ShopProduct{}, false, nil
	}
	sp := storetest.ShopProduct{
		ShopID: p.ID, ParentShopID: p.ParentID, SKU: p.SKU, Name: p.Name, EAN: p.EAN,
		Active: p.Active, Options: p.Options, Images: p.Images,
		Price: p.RegularPrice, Sale: p.SalePrice, Stock: p.StockQuantity,
		StockStatus: store.StockStatus(p.StockStatus), Revision: strconv.Itoa(p.Revision),
	}
	for _, id := range p.Categories {
		c, ok := b.s.Category(id)
		if !ok {
			return storetest.ShopProduct{}, false, fmt.Errorf("product %s is in category %s, which the shop lacks", sku, id)
		}
		sp.Categories = append(sp.Categories, c.Code)
	}
	return sp, true, nil
}

func (b backdoor) PlaceOrder(ctx context.Context, o storetest.OrderSpec) (string, error) {
	spec := memory.OrderSpec{Customer: o.Customer, Billing: o.Billing, ShippingAddress: o.Billing, Note: o.Note}
	for _, l := range o.Lines {
		spec.Lines = append(spec.Lines, memory.LineSpec{SKU: l.SKU, Quantity: l.Quantity})
	}
	return b.s.PlaceOrder(ctx, spec)
}

func (b backdoor) Order(_ context.Context, id string) (storetest.ShopOrderState, bool, error) {
	o, ok := b.s.Order(id)
	if !ok {
		return storetest.ShopOrderState{}, false, nil
	}
	return storetest.ShopOrderState{Status: o.HubStatus(), Tracking: o.Tracking, Revision: strconv.Itoa(o.Revision)}, true, nil
}

func (b backdoor) SignWebhook(body []byte) http.Header {
	return b.s.SignWebhook(memory.TopicOrderUpdated, body)
}

func (b backdoor) FailNext(n int, f storetest.Fault) error {
	kinds := map[storetest.FaultKind]memory.FaultKind{
		storetest.FaultRateLimit:   memory.FaultRateLimit,
		storetest.FaultServerError: memory.FaultServerError,
		storetest.FaultAuth:        memory.FaultUnauthorized,
		storetest.FaultLatency:     memory.FaultLatency,
	}
	k, ok := kinds[f.Kind]
	if !ok {
		return fmt.Errorf("fault %s: %w", f.Kind, errors.ErrUnsupported)
	}
	b.s.FailNext(n, memory.Fault{Kind: k, RetryAfter: f.RetryAfter, Delay: f.Delay})
	return nil
}

var (
	_ storetest.Shop          = backdoor{}
	_ storetest.OrderPlacer   = backdoor{}
	_ storetest.WebhookSigner = backdoor{}
	_ storetest.FaultInjector = backdoor{}
)
