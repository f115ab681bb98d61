package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/state"
)

// Runner runs the engine's periodic jobs with gocron: ERP delta reads,
// snapshots, nightly reconciles and one push job per store. Jobs are named
// and in singleton mode: a long run never overlaps itself, and each store's
// pushes run on their own, so a slow store delays no other.
type Runner struct {
	DB     *state.DB
	ERP    erp.Source
	Stores []*Store
	Log    *slog.Logger
	// Schedules says when each job runs; MaxRemoveShare guards snapshots.
	Schedules      config.Schedules
	MaxRemoveShare decimal.Decimal
	Now            func() time.Time

	mu       sync.Mutex // serializes mirror reads and projections
	pushJobs []gocron.Job
	sched    gocron.Scheduler
	nudges   chan struct{}
	done     chan struct{}
	// projected is set after the first full projection; reserved holds the
	// hub reservations that projection saw.
	projected bool
	reserved  map[string]decimal.Decimal
}

// Start schedules the jobs and returns at once; a first snapshot runs
// immediately. Stop ends them.
func (r *Runner) Start() error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	s, err := gocron.NewScheduler()
	if err != nil {
		return err
	}
	r.sched = s
	add := func(name string, sc config.Schedule, fn func(context.Context) error, now bool) error {
		if sc.Off() {
			r.Log.Info("job off", slog.String("job", name))
			return nil
		}
		def := gocron.DurationJob(sc.Every)
		if sc.Cron != "" {
			def = gocron.CronJob(sc.Cron, false)
		}
		opts := []gocron.JobOption{gocron.WithName(name), gocron.WithSingletonMode(gocron.LimitModeReschedule)}
		if now {
			opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
		}
		job, err := s.NewJob(def, gocron.NewTask(func(ctx context.Context) {
			start := time.Now()
			err := fn(ctx)
			if ctx.Err() == nil {
				metrics.ObserveJob(name, err)
			}
			if err != nil && ctx.Err() == nil {
				r.Log.Error("job failed", slog.String("job", name), slog.Any("err", err))
				return
			}
			r.Log.Debug("job done", slog.String("job", name), slog.Duration("took", time.Since(start)))
		}), opts...)
		if err != nil {
			return fmt.Errorf("engine: scheduling %s: %w", name, err)
		}
		if strings.HasPrefix(name, "push:") {
			r.pushJobs = append(r.pushJobs, job)
		}
		return nil
	}
	errs := []error{
		add("erp-delta", r.Schedules.ERPDelta, r.delta, false),
		add("prices-stock", r.Schedules.PricesStock, r.pricesStock, false),
		add("snapshot", r.Schedules.Snapshot, r.snapshot, true),
		add("reconcile", r.Schedules.Reconcile, r.reconcile, false),
	}
	for _, st := range r.Stores {
		p := NewPusher(r.DB, st, PusherOptions{Logger: r.Log, Now: r.Now})
		errs = append(errs, add("push:"+st.ID, r.Schedules.Push, func(ctx context.Context) error {
			_, err := p.Run(ctx)
			return err
		}, false))
	}
	if err := errors.Join(errs...); err != nil {
		_ = s.Shutdown()
		return err
	}
	r.nudges, r.done = make(chan struct{}, 1), make(chan struct{})
	go r.nudgeLoop()
	s.Start()
	return nil
}

// Nudge asks for every store to be projected again and pushed now, ahead of
// the schedules: hub reservations changed (an order accepted in one store
// lowers the stock shown in all the others at once). Nudges that arrive
// while one is being handled coalesce into one more run.
func (r *Runner) Nudge() {
	select {
	case r.nudges <- struct{}{}:
	default:
	}
}

// RunJob starts the named job ("erp-delta", "snapshot", "reconcile" or
// "push:<store>") now, ahead of its schedule; singleton mode still keeps it
// from overlapping a run in progress. It fails when the runner is not
// started or no such job is scheduled (it is off in schedules).
func (r *Runner) RunJob(name string) error {
	if r.sched == nil {
		return errors.New("engine: the runner is not started")
	}
	for _, j := range r.sched.Jobs() {
		if j.Name() == name {
			return j.RunNow()
		}
	}
	return fmt.Errorf("engine: no job %q is scheduled (is it off in schedules?)", name)
}

// Plan projects store id as a dry run (nothing is written), holding the
// runner's lock so that it never reads a mirror a snapshot is half-way
// through updating.
func (r *Runner) Plan(ctx context.Context, id string, o ProjectOptions) (ProjectSummary, error) {
	for _, st := range r.Stores {
		if st.ID != id {
			continue
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		o.DryRun = true
		return Project(ctx, r.DB, st, time.Now(), o)
	}
	return ProjectSummary{}, fmt.Errorf("engine: no enabled store %q", id)
}

func (r *Runner) nudgeLoop() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-r.done; cancel() }()
	for {
		select {
		case <-r.done:
			return
		case <-r.nudges:
		}
		r.mu.Lock()
		changes, err := r.reservationChanges(ctx)
		if err == nil && !changes.Empty() {
			err = r.projectAll(ctx, &changes, false)
		}
		r.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			r.Log.Error("projection after a reservation change failed", slog.Any("err", err))
		}
		for _, j := range r.pushJobs {
			if err := j.RunNow(); err != nil && ctx.Err() == nil {
				r.Log.Warn("could not start a push early", slog.String("job", j.Name()), slog.Any("err", err))
			}
		}
	}
}

// Stop stops scheduling and waits for running jobs, whose contexts are
// cancelled.
func (r *Runner) Stop() error {
	if r.sched == nil {
		return nil
	}
	close(r.done)
	return r.sched.Shutdown()
}

func (r *Runner) delta(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	n, changes, err := DeltaChanges(ctx, r.DB, r.ERP)
	if err != nil {
		return err
	}
	metrics.ObserveERPRead("delta", time.Since(start), n)
	if n == 0 {
		return nil
	}
	r.Log.Info("ERP changes read", slog.Int("changed", n))
	return r.projectAll(ctx, &changes, false)
}

// snapshot reads the ERP; the first one after start projects every store in
// full (rules may have changed while the hub was down), later ones only the
// products that changed.
func (r *Runner) snapshot(ctx context.Context) error {
	return r.read(ctx, "snapshot", SnapshotKinds(r.Stores))
}

// pricesStock reads the kinds Comarch keeps no timestamps on, prices and
// stock (and the exchange rates stores take from the ERP), and projects the
// products whose records changed. Until the first full snapshot after start
// has projected every store it leaves the projection to that snapshot.
func (r *Runner) pricesStock(ctx context.Context) error {
	return r.read(ctx, "prices-stock", PricesStockKinds(r.Stores))
}

// read snapshots kinds (nil: all) and projects what changed.
func (r *Runner) read(ctx context.Context, what string, kinds []catalog.Kind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum, err := Snapshot(ctx, r.DB, r.ERP, SnapshotOptions{MaxRemoveShare: r.MaxRemoveShare, Kinds: kinds})
	if err != nil {
		return err
	}
	changed, read := 0, 0
	for _, k := range sum.Kinds {
		changed += k.Added + k.Changed + k.Removed
		read += k.Read
	}
	r.Log.Info("ERP "+what+" read", slog.Int("changed", changed), slog.Duration("took", sum.Duration))
	metrics.ObserveERPRead(what, sum.Duration, read)
	if !r.projected {
		if kinds != nil && !slices.Contains(kinds, catalog.KindProduct) {
			return nil
		}
		return r.projectAll(ctx, nil, false)
	}
	return r.projectAll(ctx, &sum.Changes, false)
}

// reconcile reads a snapshot, projects every store in full and pushes every
// item again, repairing drift made in the shops and opening or closing sale
// windows.
func (r *Runner) reconcile(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := Snapshot(ctx, r.DB, r.ERP, SnapshotOptions{MaxRemoveShare: r.MaxRemoveShare, Kinds: SnapshotKinds(r.Stores)}); err != nil {
		return err
	}
	return r.projectAll(ctx, nil, true)
}

// reservationChanges names the SKUs whose hub reservations changed since the
// last projection (orders accepted or released).
func (r *Runner) reservationChanges(ctx context.Context) (ChangeSet, error) {
	cur, err := r.DB.ReservedBySKU(ctx)
	if err != nil {
		return ChangeSet{}, err
	}
	cs := ChangeSet{SKUs: map[string]struct{}{}}
	for sku, q := range cur {
		if old, ok := r.reserved[sku]; !ok || !old.Equal(q) {
			cs.SKUs[sku] = struct{}{}
		}
	}
	for sku := range r.reserved {
		if _, ok := cur[sku]; !ok {
			cs.SKUs[sku] = struct{}{}
		}
	}
	return cs, nil
}

// projectAll projects every store, in full when only is nil, else the
// products only names; one store's refusal (too many deactivations) is
// logged and does not stop the others.
func (r *Runner) projectAll(ctx context.Context, only *ChangeSet, reset bool) error {
	reserved, err := r.DB.ReservedBySKU(ctx)
	if err != nil {
		return err
	}
	var errs []error
	stores := r.Stores
	if reset {
		stores = nil
		for _, st := range r.Stores {
			if _, err := r.DB.ResetAcked(ctx, st.ID); err != nil {
				errs = append(errs, err)
				continue
			}
			stores = append(stores, st)
		}
	}
	// One after another, sharing the changed products' mirror records.
	err = ProjectStores(ctx, r.DB, stores, r.Now(), ProjectOptions{Only: only}, func(st *Store, sum ProjectSummary, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("store %s: %w", st.ID, err))
			return
		}
		if sum.Changed > 0 {
			r.Log.Info("store items changed", slog.String("store", st.ID), slog.Int("changed", sum.Changed),
				slog.Int("parked", sum.Parked))
		}
	})
	if err != nil {
		errs = append(errs, err)
	}
	if only == nil && len(errs) == 0 {
		r.projected = true
	}
	r.reserved = reserved
	return errors.Join(errs...)
}

// PricesStockKinds are the kinds the prices-stock job reads for stores.
func PricesStockKinds(stores []*Store) []catalog.Kind {
	kinds := []catalog.Kind{catalog.KindPrice, catalog.KindStock}
	if slices.Contains(SnapshotKinds(stores), catalog.KindCurrencyRate) {
		kinds = append(kinds, catalog.KindCurrencyRate)
	}
	return kinds
}

// SnapshotKinds are the kinds a snapshot for stores reads: catalog.Kinds,
// and the ERP's exchange rates when a store takes its rate from the ERP.
func SnapshotKinds(stores []*Store) []catalog.Kind {
	for _, st := range stores {
		if st.Rules.Price.RateFromERP {
			return append(slices.Clone(catalog.Kinds), catalog.KindCurrencyRate)
		}
	}
	return nil
}
