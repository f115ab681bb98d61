package storetest

import (
	"errors"
	"net/http"

	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func testWebhookMissing(e *env) {
	t := e.t
	rcv := optional[store.WebhookReceiver](e.t, e.st, "adapter")
	body := []byte(`{"id":"1"}`)
	for name, h := range map[string]http.Header{"nil": nil, "empty": {}, "unrelated": {"Content-Type": {"application/json"}}} {
		err := rcv.VerifyWebhook(h, body)
		if !errors.Is(err, store.ErrSignatureMissing) {
			t.Errorf("VerifyWebhook with %s headers: %v, want store.ErrSignatureMissing", name, err)
		}
	}
}

func testWebhookSigned(e *env) {
	t := e.t
	rcv := optional[store.WebhookReceiver](e.t, e.st, "adapter")
	src := optional[store.OrderSource](e.t, e.st, "adapter")
	p := e.placer()
	signer := e.signer()
	skus, _ := e.sellable(1)
	id := e.place(p, OrderLineSpec{SKU: skus[0], Quantity: dec("1")})
	so, err := src.Order(e.ctx, id)
	if err != nil {
		t.Fatalf("Order(%q): %v", id, err)
	}
	body := so.Raw
	h := signer.SignWebhook(body)
	if err := rcv.VerifyWebhook(h, body); err != nil {
		t.Fatalf("VerifyWebhook of a valid delivery: %v", err)
	}

	tampered := append(append([]byte(nil), body...), ' ')
	if err := rcv.VerifyWebhook(h, tampered); !errors.Is(err, store.ErrSignatureInvalid) {
		t.Errorf("VerifyWebhook of a changed body: %v, want store.ErrSignatureInvalid", err)
	}
	other := signer.SignWebhook([]byte(`{"id":"other"}`))
	if err := rcv.VerifyWebhook(other, body); !errors.Is(err, store.ErrSignatureInvalid) {
		t.Errorf("VerifyWebhook with another body's signature: %v, want store.ErrSignatureInvalid", err)
	}

	w1, err := rcv.ParseWebhook(h, body)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	w2, err := rcv.ParseWebhook(h, body)
	if err != nil {
		t.Fatalf("ParseWebhook of the same delivery again: %v", err)
	}
	if w1.Kind != store.WebhookOrder || w1.ShopOrderID != id {
		t.Errorf("ParseWebhook = kind %q order %q, want order %q", w1.Kind, w1.ShopOrderID, id)
	}
	if w1.DeliveryID != w2.DeliveryID || w1.ShopOrderID != w2.ShopOrderID || w1.EventID != w2.EventID {
		t.Errorf("one delivery parsed twice differs: %+v, then %+v", w1, w2)
	}
	if o, err := src.ParseOrder(w1.Raw); err != nil || o.ShopOrderID != id {
		t.Errorf("ParseOrder of the webhook's Raw: id %q, error %v; want %q", o.ShopOrderID, err, id)
	}
	// A second delivery of the same event names the same order (and event).
	h2 := signer.SignWebhook(body)
	w3, err := rcv.ParseWebhook(h2, body)
	if err != nil {
		t.Fatalf("ParseWebhook of a redelivery: %v", err)
	}
	if w3.ShopOrderID != id || (w1.EventID != "" && w3.EventID != w1.EventID) {
		t.Errorf("redelivery = order %q event %q, want order %q event %q", w3.ShopOrderID, w3.EventID, id, w1.EventID)
	}

	garbage := []byte("this is not an order")
	gw, err := parseNoPanic(t, rcv, signer.SignWebhook(garbage), garbage)
	switch {
	case err != nil && !fault.IsPermanent(err):
		t.Errorf("ParseWebhook of a signed garbage body: %v is %s, want permanent", err, class(err))
	case err == nil && gw.Kind == store.WebhookOrder:
		t.Errorf("ParseWebhook of a signed garbage body gave an order delivery %+v", gw)
	}
}

func parseNoPanic(t interface{ Errorf(string, ...any) }, rcv store.WebhookReceiver, h http.Header, body []byte) (w store.Webhook, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("ParseWebhook panicked: %v", r)
			err = fault.Permanentf("panic: %v", r)
		}
	}()
	return rcv.ParseWebhook(h, body)
}
