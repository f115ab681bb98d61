package memory_test

import (
	"context"

	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

// TestConformanceVariations runs the suite against memory shops configured
// like other platforms, so the suite's other branches run too: no variants,
// net prices, whole-number stock, the smallest batches and pages.
func TestConformanceVariations(t *testing.T) {
	t.Parallel()
	variations := map[string]func(*memory.Connection){
		"no variants, net, integer stock": func(c *memory.Connection) {
			c.MaxVariantAxes, c.Basis, c.IntegerStock = 0, "net", true
		},
		"batch of one, one axis, page of one, EUR": func(c *memory.Connection) {
			c.BatchSize, c.MaxVariantAxes, c.OrderPageSize, c.Currency = 1, 1, 1, "EUR"
		},
	}
	for name, edit := range variations {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conn := memory.DefaultConnection()
			edit(&conn)
			storetest.Run(t, storetest.Harness{
				New: func(t *testing.T) (store.Store, storetest.Shop) {
					shop := memory.NewShop()
					st, err := memory.New("variation", shop, conn, memory.Credentials{WebhookSecret: "s"}, nil)
					if err != nil {
						t.Fatal(err)
					}
					return st, backdoor{shop}
				},
				OrderPageSize: conn.OrderPageSize,
				Currency:      conn.Currency,
			})
		})
	}
}

// bare is the memory adapter showing only store.Store.
type bare struct{ store.Store }

// readOnly is a backdoor that can only read products.
type readOnly struct{ b backdoor }

func (r readOnly) Product(ctx context.Context, sku string) (storetest.ShopProduct, bool, error) {
	return r.b.Product(ctx, sku)
}

// TestConformanceMinimal runs the suite against an adapter with none of the
// optional interfaces and a backdoor that can only read products: the
// subtests that need more must skip, naming what is missing, and the rest
// must pass. The skips here are this test's purpose.
func TestConformanceMinimal(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, storetest.Shop) {
			shop := memory.NewShop()
			st, err := memory.New("minimal", shop, memory.DefaultConnection(), memory.Credentials{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return bare{st}, readOnly{backdoor{shop}}
		},
		Gaps: map[string]string{
			"Features/Declared": "WebhookScheme is declared while store.WebhookReceiver is hidden by the wrapper",
		},
	})
}
