package orders_test

import (
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/state"
)

// TestOrderHistory follows one order from a failed attempt to the status
// sent back and checks its history says so, once per fact.
func TestOrderHistory(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	flaky := &flakyERP{Source: b.hub.ERP}
	b.svc.ERP = flaky
	now := time.Now().Add(time.Minute) // orders are due from when they were stored
	b.svc.Now = func() time.Time { return now }
	b.svc.Backoff = func(int) time.Duration { return time.Minute }
	ids := b.place(t, 1)
	if _, err := b.svc.Poll(t.Context(), b.store); err != nil {
		t.Fatal(err)
	}
	drain(t, b)
	flaky.up.Store(true)
	now = now.Add(2 * time.Minute)
	drain(t, b)
	assertAllImported(t, b, 1)
	b.execERP(t, `UPDATE $orders SET state = 'imported', erp_number = 'RO/' || shop_order_id, erp_status = 'shipped',
tracking_carrier = 'DPD', tracking_number = 'TRK-1', updated_at = ? WHERE shop_order_id = ?`,
		time.Now().UTC().Add(time.Second).Format("2006-01-02 15:04:05"), ids[0])
	for range 2 {
		if _, err := b.svc.SyncStatus(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	tl, err := b.hub.State.OrderTimeline(t.Context(), b.store, ids[0], 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range tl {
		kinds = append(kinds, e.Kind)
	}
	want := []string{state.OrderEventRetry, state.OrderEventStaged, state.OrderEventERPResult, state.OrderEventStatusSent}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("history = %v, want %v", kinds, want)
	}
	if !strings.Contains(tl[0].Message, "connection refused") {
		t.Errorf("retry event = %q, want the ERP's error", tl[0].Message)
	}
	if !strings.Contains(tl[2].Message, "RO/"+ids[0]) || !strings.Contains(tl[2].Message, "TRK-1") {
		t.Errorf("ERP result event = %q, want the document number and tracking", tl[2].Message)
	}
	if tl[3].Message != "shop told: shipped, tracking DPD TRK-1" {
		t.Errorf("status event = %q", tl[3].Message)
	}
}
