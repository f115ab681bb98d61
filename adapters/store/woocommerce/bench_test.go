package woocommerce_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
	"github.com/erpbridge/erpbridge/internal/store"
)

// BenchmarkPushStock100 pushes 100 stock levels (without shop ids, so with
// the SKU lookup) to fakewoo; it reports API calls per push.
func BenchmarkPushStock100(b *testing.B) {
	fake := fakewoo.Start(fakewoo.Options{})
	b.Cleanup(fake.Close)
	k, s := fake.Credentials()
	st, err := woocommerce.New(store.Params{Connection: &woocommerce.Connection{URL: fake.URL},
		Credentials: &woocommerce.Credentials{ConsumerKey: k, ConsumerSecret: s}})
	if err != nil {
		b.Fatal(err)
	}
	products := make([]store.Item, 100)
	for i := range products {
		products[i] = productItem(fmt.Sprintf("B-%03d", i))
	}
	if _, err := st.Push(b.Context(), products); err != nil {
		b.Fatal(err)
	}
	fake.ResetCalls()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		items := make([]store.Item, 100)
		for i := range items {
			items[i] = stockItem(fmt.Sprintf("B-%03d", i), strconv.Itoa(n%50+i))
		}
		res, err := st.Push(b.Context(), items)
		if err != nil || res[99].Err != nil {
			b.Fatal(err, res[99].Err)
		}
	}
	b.ReportMetric(float64(fake.Calls())/float64(b.N), "calls/op")
}
