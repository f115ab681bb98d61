package orders_test

import (
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/state"
)

// TestRunner: with the runner started, polled orders reach the ERP without
// any other call, and Stop returns with nothing left claimed.
func TestRunner(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	b.place(t, 12)
	r := &orders.Runner{Service: b.svc, Schedules: config.Schedules{OrderPoll: config.Schedule{Every: 50 * time.Millisecond}},
		ProcessEvery: 20 * time.Millisecond}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		counts, err := b.hub.State.OrderCounts(t.Context(), b.store)
		if err != nil {
			t.Fatal(err)
		}
		if counts[state.OrderImported] == 12 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orders not imported by the runner: %v", counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	assertAllImported(t, b, 12)
}
