package httpstore_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func TestWebhookVerification(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	placed := b.placeOrder(t, "P1")
	o, err := b.mem.Order(t.Context(), placed.ShopOrderID)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(secret string, at time.Time) (http.Header, []byte) {
		s := &shopserver.Sender{Secret: []byte(secret), Now: func() time.Time { return at }}
		body := append([]byte(nil), payload...)
		return s.Sign(wire.EventOrderCreated, body), body
	}
	now := b.clock.Now()
	tests := []struct {
		name string
		make func() (http.Header, []byte)
		want error
	}{
		{"valid", func() (http.Header, []byte) { return sign(testSecret, now) }, nil},
		{"valid at the edge of the window", func() (http.Header, []byte) { return sign(testSecret, now.Add(-5*time.Minute)) }, nil},
		{"wrong secret", func() (http.Header, []byte) { return sign("other", now) }, store.ErrSignatureInvalid},
		{"tampered body", func() (http.Header, []byte) {
			h, body := sign(testSecret, now)
			body[len(body)-2] ^= 1
			return h, body
		}, store.ErrSignatureInvalid},
		{"missing signature", func() (http.Header, []byte) {
			h, body := sign(testSecret, now)
			h.Del(wire.HeaderSignature)
			return h, body
		}, store.ErrSignatureMissing},
		{"missing timestamp", func() (http.Header, []byte) {
			h, body := sign(testSecret, now)
			h.Del(wire.HeaderTimestamp)
			return h, body
		}, store.ErrSignatureMissing},
		{"timestamp moved after signing", func() (http.Header, []byte) {
			h, body := sign(testSecret, now)
			h.Set(wire.HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h, body
		}, store.ErrSignatureInvalid},
		{"replayed too old", func() (http.Header, []byte) { return sign(testSecret, now.Add(-6*time.Minute)) }, wire.ErrOutsideWindow},
		{"too far in the future", func() (http.Header, []byte) { return sign(testSecret, now.Add(6*time.Minute)) }, wire.ErrOutsideWindow},
		{"garbage timestamp", func() (http.Header, []byte) {
			h, body := sign(testSecret, now)
			h.Set(wire.HeaderTimestamp, "yesterday")
			return h, body
		}, store.ErrSignatureInvalid},
		{"rotated secret, old and new signatures", func() (http.Header, []byte) {
			h, body := sign(testSecret, now)
			h.Set(wire.HeaderSignature, wire.Sign([]byte("old"), now.Unix(), body)+", "+h.Get(wire.HeaderSignature))
			return h, body
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, body := tc.make()
			err := b.st.VerifyWebhook(h, body)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyWebhook: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyWebhook = %v, want %v", err, tc.want)
			}
			if errors.Is(tc.want, wire.ErrOutsideWindow) && !errors.Is(err, store.ErrSignatureInvalid) {
				t.Errorf("replay error %v does not wrap store.ErrSignatureInvalid", err)
			}
		})
	}
}

func TestWebhookSameDeliveryTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	placed := b.placeOrder(t, "P1")
	o, _ := b.mem.Order(t.Context(), placed.ShopOrderID)
	body, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	s := &shopserver.Sender{Secret: []byte(testSecret), Now: b.clock.Now}
	var got []store.Webhook
	for range 2 {
		h := s.Sign(wire.EventOrderUpdated, body)
		if err := b.st.VerifyWebhook(h, body); err != nil {
			t.Fatal(err)
		}
		wh, err := b.st.ParseWebhook(h, body)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, wh)
	}
	if got[0].EventID == "" || got[0].EventID != got[1].EventID {
		t.Errorf("event ids %q and %q: one event must keep its id", got[0].EventID, got[1].EventID)
	}
	if got[0].DeliveryID == got[1].DeliveryID {
		t.Errorf("two deliveries share the id %q", got[0].DeliveryID)
	}
	for _, wh := range got {
		if wh.Kind != store.WebhookOrder || wh.ShopOrderID != placed.ShopOrderID {
			t.Errorf("webhook = %+v, want an order webhook for %s", wh, placed.ShopOrderID)
		}
		parsed, err := b.st.ParseOrder(wh.Raw)
		if err != nil || parsed.ShopOrderID != placed.ShopOrderID {
			t.Errorf("ParseOrder(webhook raw) = %+v, %v", parsed, err)
		}
	}
}

func TestParseWebhookKinds(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	order := `{"shop_order_id":"o-1","updated_at":"2026-03-29T00:30:00Z","status":"new"}`
	tests := []struct {
		event string
		body  string
		kind  store.WebhookKind
		id    string
		perm  bool
	}{
		{wire.EventPing, `{}`, store.WebhookPing, "", false},
		{wire.EventPing, `garbage is fine for a ping`, store.WebhookPing, "", false},
		{"product.updated", `{}`, store.WebhookOther, "", false},
		{wire.EventOrderCreated, order, store.WebhookOrder, "o-1", false},
		{"", order, store.WebhookOrder, "o-1", false},
		{wire.EventOrderUpdated, `{"number":"7"}`, "", "", true},
		{wire.EventOrderUpdated, `{"shop_order_id":"o-1"}`, "", "", true},
		{wire.EventOrderUpdated, `{"shop_order_id":7}`, "", "", true},
		{"", `not json`, "", "", true},
	}
	for _, tc := range tests {
		h := http.Header{}
		h.Set(wire.HeaderEvent, tc.event)
		h.Set(wire.HeaderDelivery, "d-1")
		wh, err := b.st.ParseWebhook(h, []byte(tc.body))
		if tc.perm {
			if !fault.IsPermanent(err) {
				t.Errorf("ParseWebhook(%q, %s) = %+v, %v; want a Permanent error", tc.event, tc.body, wh, err)
			}
			continue
		}
		if err != nil || wh.Kind != tc.kind || wh.ShopOrderID != tc.id || wh.DeliveryID != "d-1" {
			t.Errorf("ParseWebhook(%q, %s) = %+v, %v; want kind %s order %q", tc.event, tc.body, wh, err, tc.kind, tc.id)
		}
	}
}

func TestWebhookWithoutSecretIsRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	st := newStoreNoSecret(t, b)
	s := &shopserver.Sender{Secret: []byte(testSecret), Now: b.clock.Now}
	body := []byte("{}")
	h := s.Sign(wire.EventPing, body)
	if err := st.VerifyWebhook(h, body); !errors.Is(err, store.ErrSignatureInvalid) {
		t.Errorf("VerifyWebhook without a secret = %v, want ErrSignatureInvalid", err)
	}
}
