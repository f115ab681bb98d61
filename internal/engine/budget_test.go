package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/erpbridge/erpbridge/internal/store"
)

// budgetStore is a Store that reports a request budget, as a shop sending
// X-RateLimit headers would.
type budgetStore struct {
	store.Store
	mu     sync.Mutex
	budget store.Budget
	calls  int
}

func (b *budgetStore) Budget() (store.Budget, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.budget, b.calls > 0
}

func (b *budgetStore) Push(ctx context.Context, items []store.Item) ([]store.Result, error) {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	return b.Store.Push(ctx, items)
}

func (b *budgetStore) set(remaining, limit int, reset time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.budget = store.Budget{Remaining: remaining, Limit: limit, Reset: reset}
}

// TestPusherFollowsShopBudget: a shop reporting a low remaining budget
// slows the pusher (its rate becomes what is left over the time to the
// refill) without ever answering 429; with nothing left the pusher waits
// for the refill; a refilled budget restores the configured rate.
func TestPusherFollowsShopBudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bs := &budgetStore{Store: b.st.Adapter}
	b.st.Adapter = bs
	b.snapshot(t)
	if _, err := Project(t.Context(), b.db, b.st, b.now, ProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	p := NewPusher(b.db, b.st, PusherOptions{Now: b.clock, Rate: 1000, Burst: 10})

	bs.set(15, 100, 100*time.Millisecond) // 15% left: spread over 100 ms
	sum, err := p.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sum.RateLimitWaits != 0 || sum.Pushed == 0 {
		t.Fatalf("push = %+v, want items pushed without rate-limit waits", sum)
	}
	if got, want := p.limiter.Limit(), rate.Limit(150); got != want || p.limiter.Burst() != 1 {
		t.Errorf("with 15 of 100 left for 100 ms: limit %v burst %d, want %v and 1", got, p.limiter.Burst(), want)
	}

	bs.set(0, 100, 50*time.Millisecond)
	p.adapt()
	if wait := time.Until(p.pauseUntil); wait <= 0 || wait > 50*time.Millisecond {
		t.Errorf("with nothing left the pusher pauses %v, want up to the 50 ms refill", wait)
	}

	bs.set(90, 100, time.Second)
	p.adapt()
	if p.limiter.Limit() != 1000 || p.limiter.Burst() != 10 {
		t.Errorf("refilled budget: limit %v burst %d, want the configured 1000 and 10", p.limiter.Limit(), p.limiter.Burst())
	}
	bs.set(90, 0, 0) // a shop that says nothing useful changes nothing
	p.adapt()
	if p.limiter.Limit() != 1000 {
		t.Errorf("an empty budget changed the limit to %v", p.limiter.Limit())
	}
}
