package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func testWebhookMissing(e *env) {
	t := e.t
	rcv := e.webhookReceiver()
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
	rcv := e.webhookReceiver()
	src := e.orderSource()
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

// faultTarget pushes a product and returns a stock item for it that the
// shop would take, and a way to read the product's stock back.
func (e *env) faultTarget() (store.Item, func() string) {
	e.t.Helper()
	e.needKinds(catalog.KindStock)
	d := e.product("FAULT", 900)
	e.pushOK(productItem(d))
	before := fmtDec(e.read(d.SKU).Stock)
	return stockItem(d.SKU, "42", store.InStock), func() string {
		if now := fmtDec(e.read(d.SKU).Stock); now != before {
			return fmt.Sprintf("stock changed from %s to %s", before, now)
		}
		return ""
	}
}

func testRateLimit(e *env) {
	t := e.t
	item, changed := e.faultTarget()
	e.inject(1, RateLimit(7*time.Second))
	_, err := e.st.Push(e.ctx, []store.Item{item})
	c, after := fault.Classify(err)
	switch {
	case err == nil:
		t.Fatal("Push answered 429 succeeded")
	case c != fault.RateLimitedClass:
		t.Errorf("Push answered 429: %v is %s, want rate_limited", err, c)
	case after != 7*time.Second:
		t.Errorf("Push answered 429 with Retry-After 7s: the error asks to wait %s", after)
	}
	if d := changed(); d != "" {
		t.Errorf("a rate-limited Push applied its item: %s", d)
	}
	for _, r := range e.pushRaw([]store.Item{item}) {
		wantOK(t, r, "the same push after the rate limit")
	}
}

func testServerError(e *env) {
	t := e.t
	item, _ := e.faultTarget()
	e.inject(1, ServerError())
	_, err := e.st.Push(e.ctx, []store.Item{item})
	if err == nil {
		t.Fatal("Push answered 500 succeeded")
	}
	if c, _ := fault.Classify(err); c != fault.Retryable {
		t.Errorf("Push answered 500: %v is %s, want retryable", err, c)
	}
	for _, r := range e.pushRaw([]store.Item{item}) {
		wantOK(t, r, "the same push after the server error")
	}
}

func testAuthFailure(e *env) {
	t := e.t
	item, changed := e.faultTarget()
	e.inject(1, AuthFailure())
	_, err := e.st.Push(e.ctx, []store.Item{item})
	if err == nil {
		t.Fatal("Push with rejected credentials succeeded")
	}
	if !fault.IsFatal(err) {
		t.Errorf("Push with rejected credentials: %v is %s, want fatal", err, class(err))
	}
	if d := changed(); d != "" {
		t.Errorf("a Push with rejected credentials applied its item: %s", d)
	}
	if src, ok := e.st.(store.OrderSource); ok {
		e.inject(1, AuthFailure())
		if _, err := src.Orders(e.ctx, time.Now().Add(-time.Hour), ""); !fault.IsFatal(err) {
			t.Errorf("Orders with rejected credentials: %v (class %s), want fatal", err, class(err))
		}
	}
}

// cancelBound is how long a call may take to notice its context ended; it
// is generous on purpose: the test checks that the call returns at all.
const cancelBound = 5 * time.Second

func testCancel(e *env) {
	t := e.t
	item, _ := e.faultTarget()
	e.inject(1, Latency(time.Hour))
	ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.st.Push(ctx, []store.Item{item})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Push past its deadline returned %v, want an error wrapping context.DeadlineExceeded", err)
		}
		if c, _ := fault.Classify(err); c == fault.PermanentClass || c == fault.FatalClass {
			t.Errorf("Push past its deadline: %v is %s; a cancelled call is not the item's or the store's fault", err, c)
		}
	case <-time.After(cancelBound):
		t.Fatalf("Push did not return within %s of its context's deadline", cancelBound)
	}
}
