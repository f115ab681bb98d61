package httpstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// TestBudgetHeaders: the shop reports its request budget in X-RateLimit-*
// headers, the adapter passes it on (store.BudgetReporter), and a request
// over the budget gets 429 with Retry-After until the window refills.
func TestBudgetHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t, options{budget: 3})
	ctx := context.Background()
	if _, ok := b.st.Budget(); ok {
		t.Fatal("a budget before any answer")
	}
	for i, want := range []int{2, 1, 0} {
		pushOK(t, b.st, []store.Item{product("B" + string(rune('A'+i)))})
		got, ok := b.st.Budget()
		if !ok || got.Remaining != want || got.Limit != 3 || got.Reset != time.Minute {
			t.Fatalf("after push %d: budget %+v (%t), want %d of 3 left, refill in 1m", i+1, got, ok, want)
		}
	}
	_, err := b.st.Push(ctx, []store.Item{product("BZ")})
	if c, after := fault.Classify(err); c != fault.RateLimitedClass || after != time.Minute {
		t.Fatalf("push over the budget: %v (%s, after %v), want rate limited for 1m", err, c, after)
	}
	b.clock.Add(61 * time.Second)
	pushOK(t, b.st, []store.Item{product("BZ")})
	if got, _ := b.st.Budget(); got.Remaining != 2 {
		t.Errorf("after the refill: budget %+v, want 2 left", got)
	}
}
