package memory_test

import (
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, storetest.Shop) {
			shop := memory.NewShop()
			conn := memory.DefaultConnection()
			conn.OrderPageSize = 3
			st, err := memory.New("conformance", shop, conn, memory.Credentials{WebhookSecret: "s3cret"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return st, backdoor{shop}
		},
		OrderPageSize: 3,
	})
}
