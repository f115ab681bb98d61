package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Runner runs the order jobs of a Service: one poll job per store with
// polling on (schedules.order_poll), the status sync (schedules.status_sync)
// and a processing loop that runs when a webhook or poll stored work and at
// least every ProcessEvery.
type Runner struct {
	Service   *Service
	Schedules config.Schedules
	// ProcessEvery is the longest the processing loop sleeps (default 5 s):
	// orders waiting for a retry become due without a new delivery.
	ProcessEvery time.Duration

	sched  gocron.Scheduler
	cancel context.CancelFunc
	done   chan struct{}
}

// Start schedules the jobs and starts the processing loop; Stop ends them.
func (r *Runner) Start() error {
	s := r.Service
	s.init()
	if r.ProcessEvery <= 0 {
		r.ProcessEvery = 5 * time.Second
	}
	sched, err := gocron.NewScheduler()
	if err != nil {
		return fmt.Errorf("orders: scheduler: %w", err)
	}
	add := func(name string, sc config.Schedule, fn func(context.Context) error) error {
		if sc.Off() {
			s.Log.Info("job off", slog.String("job", name))
			return nil
		}
		def := gocron.DurationJob(sc.Every)
		if sc.Cron != "" {
			def = gocron.CronJob(sc.Cron, false)
		}
		_, err := sched.NewJob(def, gocron.NewTask(func(ctx context.Context) {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				s.Log.Error("job failed", slog.String("job", name), slog.Any("err", err))
			}
		}), gocron.WithName(name), gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithStartAt(gocron.WithStartImmediately()))
		if err != nil {
			return fmt.Errorf("orders: scheduling %s: %w", name, err)
		}
		return nil
	}
	ids := make([]string, 0, len(s.Stores))
	for id := range s.Stores {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var errs []error
	for _, id := range ids {
		st := s.Stores[id]
		if _, ok := st.Adapter.(store.OrderSource); !ok || !st.enabled() || (st.Orders.Poll != nil && !*st.Orders.Poll) {
			continue
		}
		errs = append(errs, add("order-poll:"+id, r.Schedules.OrderPoll, func(ctx context.Context) error {
			_, err := s.Poll(ctx, id)
			return err
		}))
	}
	if s.ERP.Features().Orders {
		errs = append(errs, add("order-status", r.Schedules.StatusSync, func(ctx context.Context) error {
			_, err := s.SyncStatus(ctx)
			return err
		}))
	}
	if err := errors.Join(errs...); err != nil {
		_ = sched.Shutdown()
		return err
	}
	r.sched = sched
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	if s.ERP.Features().Orders {
		go r.loop(ctx)
	} else {
		// Orders are still received and kept; they wait for an ERP
		// adapter that can stage them.
		s.Log.Warn("the ERP adapter does not take orders: received orders wait in the inbox")
		close(r.done)
	}
	sched.Start()
	return nil
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.done)
	s := r.Service
	t := time.NewTicker(r.ProcessEvery)
	defer t.Stop()
	for {
		if _, err := s.Process(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("order processing failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.Kicked():
		case <-t.C:
		}
	}
}

// Stop stops the jobs and the processing loop and waits for them.
func (r *Runner) Stop() error {
	if r.sched == nil {
		return nil
	}
	r.cancel()
	err := r.sched.Shutdown()
	<-r.done
	r.sched = nil
	return err
}
