package engine

import (
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
)

// TestRunJobAndPlan: the operator's actions. A push runs on demand, ahead
// of an hourly schedule; a job that is off cannot be started; a plan counts
// what a store would get and writes nothing.
func TestRunJobAndPlan(t *testing.T) {
	b := setup(t)
	hour := config.Schedule{Raw: "1h", Every: time.Hour}
	r := &Runner{DB: b.db, ERP: b.erp, Stores: []*Store{b.st}, MaxRemoveShare: d("0.5"),
		Schedules: config.Schedules{Snapshot: hour, Push: hour}}
	if err := r.RunJob("push:b2c"); err == nil {
		t.Fatal("RunJob before Start succeeded")
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		eventually(t, what, ok, nil)
	}
	// The first snapshot projects the store; nothing is pushed for an hour.
	waitFor("the first projection", func() bool {
		c, err := b.db.StoreItemCounts(t.Context(), "b2c")
		return err == nil && c.Dirty > 0
	})
	before, err := b.db.StoreItemCounts(t.Context(), "b2c")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := r.Plan(t.Context(), "b2c", ProjectOptions{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range sum.Desired {
		total += n
	}
	if total == 0 || sum.Store != "b2c" {
		t.Errorf("plan = %+v, want the store's items", sum)
	}
	if after, _ := b.db.StoreItemCounts(t.Context(), "b2c"); after != before {
		t.Errorf("plan changed the store's items: %+v → %+v", before, after)
	}
	if _, err := r.Plan(t.Context(), "nope", ProjectOptions{}); err == nil {
		t.Error("plan of an unknown store succeeded")
	}

	if err := r.RunJob("push:b2c"); err != nil {
		t.Fatal(err)
	}
	waitFor("the push started on demand", func() bool {
		_, ok := b.shop.Product("KUB-1")
		return ok
	})
	for _, name := range []string{"erp-delta", "push:nope"} {
		if err := r.RunJob(name); err == nil {
			t.Errorf("RunJob(%q) of a job not scheduled succeeded", name)
		}
	}
}
