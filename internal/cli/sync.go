package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

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
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Read the ERP and bring every store in step once",
		Long: `Run one sync: read the ERP into the hub's mirror (unless --no-snapshot),
compute each store's desired state under its rules, and push what differs
from what the shop last acknowledged, in the platform's batches, with its rate
limit, retries and per-item results. Progress goes to stderr; a summary per
store to stdout.

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
				troubled := 0
				for _, id := range ids {
					st, err := h.EngineStore(id)
					if err != nil {
						return err
					}
					ps, err := engine.Project(ctx, h.State, st, time.Now(), engine.ProjectOptions{Force: f.force})
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stderr, "%s: %d item(s) to push\n", id, ps.Changed)
					pusher := engine.NewPusher(h.State, st, engine.PusherOptions{Logger: h.Log})
					pu, err := pusher.Run(ctx)
					if err != nil {
						fmt.Fprintf(a.stdout, "%s: stopped: %s\n", id, a.scrub(err.Error()))
						troubled++
						continue
					}
					counts, err := h.State.StoreItemCounts(ctx, id)
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "%s: pushed %d in %d batch(es), failed %d, parked %d; in step %d of %d, dirty %d, parked %d\n",
						id, pu.Pushed, pu.Batches, pu.Failed, pu.Parked+ps.Parked, counts.InSync, counts.Total, counts.Dirty, counts.Parked)
					for _, r := range append(ps.Reasons, pu.Reasons...) {
						fmt.Fprintf(a.stdout, "  %s\n", a.scrub(r))
					}
					if counts.Dirty > 0 || counts.Parked > 0 {
						troubled++
					}
				}
				if troubled > 0 {
					return reportedError{fmt.Errorf("%d store(s) not fully in step", troubled)}
				}
				return nil
			})
		},
	}
	f.register(cmd)
	return cmd
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
	sum, err := engine.Snapshot(ctx, h.State, h.ERP, engine.SnapshotOptions{
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
