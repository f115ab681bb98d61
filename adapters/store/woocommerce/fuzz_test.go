package woocommerce_test

import (
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func offline(tb testing.TB) *woocommerce.Store {
	tb.Helper()
	st, err := woocommerce.New(store.Params{
		Connection:  &woocommerce.Connection{URL: "https://shop.example.com"},
		Credentials: &woocommerce.Credentials{ConsumerKey: "ck_x", ConsumerSecret: "cs_x", WebhookSecret: webhookSecret},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// FuzzParseOrder: ParseOrder never panics, fails only with Permanent
// errors, and is deterministic. Seeds: testdata/order_net_company.json and
// testdata/fuzz/FuzzParseOrder.
func FuzzParseOrder(f *testing.F) {
	raw, err := os.ReadFile("testdata/order_net_company.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	st := offline(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := st.ParseOrder(raw)
		if err != nil {
			if !fault.IsPermanent(err) {
				t.Fatalf("error %v is not Permanent", err)
			}
			return
		}
		if o.ShopOrderID == "" || o.PlacedAt.Location() != time.UTC || o.UpdatedAt.Location() != time.UTC || o.Status == "" {
			t.Fatalf("parsed order lacks id, status or UTC times: %+v", o)
		}
		again, err := st.ParseOrder(raw)
		if err != nil || !reflect.DeepEqual(o, again) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

// FuzzParseWebhook: ParseWebhook never panics and fails only with
// Permanent errors; an order delivery always names its order.
func FuzzParseWebhook(f *testing.F) {
	f.Add("order.updated", []byte(`{"id":12,"date_modified_gmt":"2026-12-03T10:00:00"}`))
	f.Add("", []byte("webhook_id=3"))
	f.Add("order.created", []byte(`{"id":"12"}`))
	f.Add("product.updated", []byte(`{}`))
	st := offline(f)
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		h := http.Header{}
		if topic != "" {
			h.Set("X-WC-Webhook-Topic", topic)
		}
		_ = st.VerifyWebhook(h, body)
		w, err := st.ParseWebhook(h, body)
		if err != nil {
			if !fault.IsPermanent(err) {
				t.Fatalf("error %v is not Permanent", err)
			}
			return
		}
		if w.Kind == store.WebhookOrder && w.ShopOrderID == "" {
			t.Fatalf("order delivery without an order id: %+v", w)
		}
	})
}
