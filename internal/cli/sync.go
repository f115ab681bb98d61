package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/hub"
)

// syncFlags are shared by plan and sync.
type syncFlags struct {
	store      string
	force      bool
	noSnapshot bool
}

func (f *syncFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.store, "store", "", "only this store (default: every enabled store)")
	cmd.Flags().BoolVar(&f.force, "force", false, "allow removing or deactivating more than the configured shares")
	cmd.Flags().BoolVar(&f.noSnapshot, "no-snapshot", false, "use the mirror as it is instead of reading the ERP first")
}

func (a *app) planCommand() *cobra.Command {
	var f syncFlags
	var samples int
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a sync would change in each store, without pushing anything",
		Long: `Read the ERP into the hub's mirror (unless --no-snapshot), then compute every
store's desired state under its rules and print, per store, how many items
would be created, updated, deactivated or zeroed, how many are unchanged, and
a sample of the changes field by field. Nothing is pushed to any shop and no
store item is changed.

Exits 0 when the plan could be made, 1 otherwise (for example when a run
would deactivate more than max_deactivate_share without --force).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withHub(cmd.Context(), func(ctx context.Context, h *hub.Hub) error {
				if err := a.snapshot(ctx, h, f); err != nil {
					return err
				}
				ids, err := h.StoreIDs(f.store)
				if err != nil {
					return err
				}
				for _, id := range ids {
					st, err := h.EngineStore(id)
					if err != nil {
						return err
					}
					sum, err := engine.Project(ctx, h.State, st, time.Now(), engine.ProjectOptions{DryRun: true, Force: f.force, Samples: samples})
					if err != nil {
						return err
					}
					printPlan(a.stdout, sum)
				}
				return nil
			})
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&samples, "samples", 5, "how many changes to show per store")
	return cmd
}

func (a *app) syncCommand() *cobra.Command {
	var f syncFlags
	var full bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Read the ERP and bring every store in step once",
		Long: `Run one sync: read the ERP into the hub's mirror (unless --no-snapshot),
compute each store's desired state under its rules, and push what differs
from what the shop last acknowledged (with --full: everything, which repairs
edits made in the shop's own panel), in the platform's batches, with its rate
limit, retries and per-item results. Stores are pushed at the same time,
each at its own pace. Progress goes to stderr (a bar per store on a
terminal, plain lines otherwise); a summary per store, every parked item
with its reason, and a total line go to stdout.

Exits 0 when every store is in step, 1 when anything failed or is parked (the
reasons are listed; 'erpbridge serve' keeps retrying what failed).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withHub(cmd.Context(), func(ctx context.Context, h *hub.Hub) error {
				if err := a.snapshot(ctx, h, f); err != nil {
					return err
				}
				ids, err := h.StoreIDs(f.store)
				if err != nil {
					return err
				}
				// Project the stores one after another (they share the state
				// database), then push to all of them at once, each at its own
				// pace: a slow shop holds up no other.
				var runs []*storeSync
				for _, id := range ids {
					st, err := h.EngineStore(id)
					if err != nil {
						return err
					}
					ps, err := engine.Project(ctx, h.State, st, time.Now(), engine.ProjectOptions{Force: f.force})
					if err != nil {
						return err
					}
					if full {
						n, err := h.State.ResetAcked(ctx, id)
						if err != nil {
							return err
						}
						ps.Changed += n
					}
					counts, err := h.State.StoreItemCounts(ctx, id)
					if err != nil {
						return err
					}
					runs = append(runs, &storeSync{st: st, project: ps, due: counts.Dirty})
				}
				prog := newSyncProgress(ctx, a.stderr, runs)
				var wg sync.WaitGroup
				for _, r := range runs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r.push(ctx, h, prog.tracker(r))
					}()
				}
				wg.Wait()
				prog.wait()
				troubled, pushed, failed := 0, 0, 0
				for _, r := range runs {
					if r.report(ctx, a, h) {
						troubled++
					}
					pushed, failed = pushed+r.pushed.Pushed, failed+r.pushed.Failed
				}
				fmt.Fprintf(a.stdout, "%d store(s): %d in step, %d not; %d item(s) pushed, %d failed\n",
					len(runs), len(runs)-troubled, troubled, pushed, failed)
				if troubled > 0 {
					return reportedError{fmt.Errorf("%d store(s) not fully in step", troubled)}
				}
				return nil
			})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&full, "full", false, "push every item again, not only what changed (repairs edits made in the shop)")
	return cmd
}

// storeSync is one store's part of a sync run.
type storeSync struct {
	st      *engine.Store
	project engine.ProjectSummary
	due     int // dirty items before the push
	bind    engine.BindSummary
	pushed  engine.PushSummary
	err     error
}

// push binds and pushes the store, reporting progress to track.
func (r *storeSync) push(ctx context.Context, h *hub.Hub, track func(handled int, done bool)) {
	defer func() { track(r.pushed.Pushed+r.pushed.Failed+r.pushed.Parked+r.pushed.Deferred, true) }()
	if r.bind, r.err = engine.Bind(ctx, h.State, r.st, false, h.Log); r.err != nil {
		return
	}
	pusher := engine.NewPusher(h.State, r.st, engine.PusherOptions{Logger: h.Log,
		Progress: func(n int) { track(n, false) }})
	r.pushed, r.err = pusher.Run(ctx)
}

// report prints the store's summary to stdout and reports whether the
// store is not fully in step (stopped, dirty or parked items).
func (r *storeSync) report(ctx context.Context, a *app, h *hub.Hub) bool {
	id := r.st.ID
	if !r.bind.Skipped && r.err == nil {
		fmt.Fprintf(a.stdout, "%s: bound to what the shop has: %d by SKU, %d by EAN; %d new in the shop, %d only in the shop\n",
			id, r.bind.BySKU, r.bind.ByEAN, r.bind.NewInShop, r.bind.UnmatchedShop)
	}
	if r.err != nil {
		fmt.Fprintf(a.stdout, "%s: stopped: %s\n", id, a.scrub(r.err.Error()))
		return true
	}
	counts, err := h.State.StoreItemCounts(ctx, id)
	if err != nil {
		fmt.Fprintf(a.stdout, "%s: %s\n", id, a.scrub(err.Error()))
		return true
	}
	pu := r.pushed
	fmt.Fprintf(a.stdout, "%s: pushed %d in %d batch(es), failed %d, parked %d; in step %d of %d, dirty %d, parked %d\n",
		id, pu.Pushed, pu.Batches, pu.Failed, pu.Parked+r.project.Parked, counts.InSync, counts.Total, counts.Dirty, counts.Parked)
	if pu.Unbound > 0 {
		fmt.Fprintf(a.stdout, "  %d item(s) were deleted in the shop and are created again\n", pu.Unbound)
	}
	// Every parked item, whichever run parked it, with its reason; then
	// what failed in this run (it is retried).
	const listed = 50
	parked, err := h.State.ParkedItems(ctx, id, listed)
	if err != nil {
		fmt.Fprintf(a.stdout, "%s: %s\n", id, a.scrub(err.Error()))
		return true
	}
	seen := map[string]bool{}
	for _, it := range parked {
		line := fmt.Sprintf("%s %s: %s", it.Kind, it.SKU, it.ParkedReason)
		seen[line] = true
		fmt.Fprintf(a.stdout, "  parked %s\n", a.scrub(line))
	}
	if counts.Parked > len(parked) {
		fmt.Fprintf(a.stdout, "  … and %d more parked (all of them: GET /api/v1/items?store=%s&state=parked, or the dashboard)\n", counts.Parked-len(parked), id)
	}
	for _, reason := range pu.Reasons {
		if !seen[reason] {
			fmt.Fprintf(a.stdout, "  failed %s\n", a.scrub(reason))
		}
	}
	return counts.Dirty > 0 || counts.Parked > 0
}

// syncProgress shows each store's push: a bar per store when w is a
// terminal, else a plain line per store at start, every tenth of the way
// and at the end (tests, CI, logs).
type syncProgress struct {
	w    io.Writer
	bars *mpb.Progress // nil without a terminal
	mu   sync.Mutex
	byID map[string]*mpb.Bar
}

func newSyncProgress(ctx context.Context, w io.Writer, runs []*storeSync) *syncProgress {
	p := &syncProgress{w: w, byID: map[string]*mpb.Bar{}}
	if f, ok := w.(*os.File); !ok || !isatty.IsTerminal(f.Fd()) {
		for _, r := range runs {
			fmt.Fprintf(w, "%s: %d item(s) to push\n", r.st.ID, r.due)
		}
		return p
	}
	width := 0
	for _, r := range runs {
		width = max(width, len(r.st.ID))
	}
	p.bars = mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(40))
	for _, r := range runs {
		p.byID[r.st.ID] = p.bars.AddBar(int64(max(r.due, 1)),
			mpb.PrependDecorators(decor.Name(r.st.ID, decor.WC{W: width + 1, C: decor.DindentRight})),
			mpb.AppendDecorators(decor.CountersNoUnit("%d / %d"), decor.Name(" "), decor.Percentage()))
	}
	return p
}

// tracker returns r's progress callback: handled items so far, and done
// at the end of its push.
func (p *syncProgress) tracker(r *storeSync) func(handled int, done bool) {
	next := 0
	return func(handled int, done bool) {
		if p.bars != nil {
			bar := p.byID[r.st.ID]
			if done {
				bar.SetTotal(int64(handled), true)
				return
			}
			bar.SetCurrent(int64(min(handled, r.due)))
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		switch {
		case done:
			fmt.Fprintf(p.w, "%s: push done, %d item(s) handled\n", r.st.ID, handled)
		case handled >= next:
			fmt.Fprintf(p.w, "%s: %d of %d item(s) handled\n", r.st.ID, handled, r.due)
			next = handled + max(r.due/10, 1)
		}
	}
}

// wait lets the bars draw their last state.
func (p *syncProgress) wait() {
	if p.bars != nil {
		p.bars.Wait()
	}
}

// withHub loads the config, opens the hub, runs fn and closes the hub.
func (a *app) withHub(ctx context.Context, fn func(context.Context, *hub.Hub) error) error {
	cfg, err := a.load(nil)
	if err != nil {
		return err
	}
	log, err := a.logger(cfg)
	if err != nil {
		return err
	}
	h, err := hub.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer h.Close()
	return fn(ctx, h)
}

// snapshot reads the ERP into the mirror, printing progress to stderr.
func (a *app) snapshot(ctx context.Context, h *hub.Hub, f syncFlags) error {
	if f.noSnapshot {
		return nil
	}
	fmt.Fprintln(a.stderr, "reading the ERP into the mirror ...")
	ids, err := h.StoreIDs("")
	if err != nil {
		return err
	}
	var stores []*engine.Store
	for _, id := range ids {
		st, err := h.EngineStore(id)
		if err != nil {
			return err
		}
		stores = append(stores, st)
	}
	sum, err := engine.Snapshot(ctx, h.State, h.ERP, engine.SnapshotOptions{
		Kinds:          engine.SnapshotKinds(stores),
		MaxRemoveShare: h.Config.ERP.MaxRemoveShare,
		Force:          f.force,
		Logger:         h.Log,
		ProgressEvery:  5000,
		Progress: func(k catalog.Kind, read int, done bool) {
			if !done {
				fmt.Fprintf(a.stderr, "  %s: %d read\n", k, read)
			}
		},
	})
	if err != nil {
		return err
	}
	printSnapshot(a.stderr, sum)
	return nil
}

func printSnapshot(w io.Writer, sum engine.SnapshotSummary) {
	for _, k := range sum.Kinds {
		if k.Read == 0 && k.Removed == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-10s read %7d  added %6d  changed %6d  removed %6d\n", k.Kind, k.Read, k.Added, k.Changed, k.Removed)
	}
	fmt.Fprintf(w, "ERP read in %s\n", sum.Duration.Round(time.Millisecond))
}

func printPlan(w io.Writer, sum engine.ProjectSummary) {
	total := 0
	kinds := make([]string, 0, len(sum.Desired))
	for k, n := range sum.Desired {
		total += n
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "store %s: %d item(s) (%s)\n", sum.Store, total, strings.Join(kinds, ", "))
	fmt.Fprintf(w, "  create %d, update %d, deactivate %d, zero stock %d, unchanged %d, cannot push %d, out of scope %d product(s)\n",
		sum.Created, sum.Changed-sum.Created-sum.Deactivated, sum.Deactivated, sum.Zeroed, total-sum.Changed, sum.Parked, sum.OutOfScope)
	for _, c := range sum.Changes {
		if len(c.Before) == 0 {
			fmt.Fprintf(w, "  + %s %s: %s\n", c.Kind, c.SKU, c.After)
			continue
		}
		fmt.Fprintf(w, "  ~ %s %s (%s): %s\n", c.Kind, c.SKU, c.Op, fieldDiff(c.Before, c.After))
	}
	for _, r := range sum.Reasons {
		fmt.Fprintf(w, "  ! %s\n", r)
	}
}

// fieldDiff lists the top-level fields that differ between two JSON
// documents: `price: "19.9" → "21.5"`.
func fieldDiff(before, after []byte) string {
	var b, a map[string]any
	if json.Unmarshal(before, &b) != nil || json.Unmarshal(after, &a) != nil {
		return string(after)
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		bv, _ := json.Marshal(b[k])
		av, _ := json.Marshal(a[k])
		if string(bv) != string(av) {
			parts = append(parts, fmt.Sprintf("%s: %s → %s", k, bv, av))
		}
	}
	if len(parts) == 0 {
		return "no field changed"
	}
	return strings.Join(parts, ", ")
}
