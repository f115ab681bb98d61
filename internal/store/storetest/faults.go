package storetest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

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
