package httpstore_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// The seed corpus is in testdata/fuzz; these add the smallest cases.
func FuzzParseOrder(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"lines":[{"quantity":"1e99999"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := httpstore.ParseOrder(raw)
		if err != nil {
			if !fault.IsPermanent(err) {
				t.Fatalf("ParseOrder error %v is not Permanent", err)
			}
			if len(err.Error()) > 64<<10 {
				t.Fatalf("ParseOrder error is %d bytes long", len(err.Error()))
			}
			return
		}
		if o.ShopOrderID == "" || len(o.Lines) == 0 || o.Store != "" || o.UpdatedAt.IsZero() {
			t.Fatalf("ParseOrder accepted an incomplete order: %+v", o)
		}
		for _, l := range o.Lines {
			if !l.Quantity.IsPositive() {
				t.Fatalf("ParseOrder accepted quantity %s", l.Quantity)
			}
		}
	})
}

func FuzzParseWebhook(f *testing.F) {
	f.Add(wire.EventOrderCreated, []byte(`{"shop_order_id":"o-1","updated_at":"2026-03-29T00:30:00Z"}`))
	f.Add("", []byte(`[]`))
	f.Add(wire.EventPing, []byte(`{}`))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		h := http.Header{}
		h.Set(wire.HeaderEvent, event)
		h.Set(wire.HeaderDelivery, "d")
		wh, err := httpstore.ParseWebhook(h, body)
		if err != nil {
			if !fault.IsPermanent(err) {
				t.Fatalf("ParseWebhook error %v is not Permanent", err)
			}
			return
		}
		if wh.Kind == store.WebhookOrder && (wh.ShopOrderID == "" || wh.EventID == "" || len(wh.Raw) == 0) {
			t.Fatalf("order webhook without id, event id or payload: %+v", wh)
		}
		// Verification never panics either and rejects an unsigned delivery.
		if err := wire.Verify(h, body, []byte("k"), fuzzNow(), wire.DefaultReplayWindow); !errors.Is(err, store.ErrSignatureMissing) {
			t.Fatalf("Verify of an unsigned delivery = %v", err)
		}
	})
}

func fuzzNow() time.Time { return time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) }
