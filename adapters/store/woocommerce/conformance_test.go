package woocommerce_test

import (
	"testing"

	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

// TestConformance runs the store conformance suite against the adapter on a
// fakewoo server (site time zone Europe/Warsaw, 3 orders per page).
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, storetest.Shop) {
			b := setup(t, setupOpts{orderPageSize: 3})
			return b.st, shop{fake: b.fake}
		},
		OrderPageSize: 3,
	})
}
