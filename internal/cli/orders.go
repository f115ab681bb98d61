package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/state"
)

func (a *app) ordersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "orders",
		Short: "List and act on the orders in the hub's inbox",
		Long: `List the orders the hub received from the shops and act on them.

States: received (waiting, also after a retryable failure), processing,
imported (in the ERP staging tables), parked (needs an operator: the reason
says what to fix), invalid (the payload could not be read), skipped.

Every action is written to the audit log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("orders: name a subcommand: list, show, retry, park or skip")}
		},
	}
	var (
		store, st string
		limit     int
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List inbox orders, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if st != "" && !state.OrderState(st).Valid() {
				return usageError{fmt.Errorf("--state %q: want one of %s", st, stateNames())}
			}
			return a.withState(cmd.Context(), func(ctx context.Context, db *state.DB) error {
				rows, err := db.ListOrders(ctx, state.OrderFilter{Store: store, State: state.OrderState(st), Limit: limit})
				if err != nil {
					return err
				}
				counts, err := db.OrderCounts(ctx, store)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tSTORE\tORDER\tSTATE\tATTEMPTS\tERP\tUPDATED\tREASON")
				for _, o := range rows {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", o.ID, o.Store, o.ShopOrderID, o.State, o.Attempts,
						dash(o.ERPRef), o.UpdatedAt.Format(time.RFC3339), oneLine(o.Reason, 80))
				}
				if err := w.Flush(); err != nil {
					return err
				}
				var parts []string
				for _, s := range state.OrderStates {
					if n := counts[s]; n > 0 {
						parts = append(parts, fmt.Sprintf("%s %d", s, n))
					}
				}
				if len(parts) == 0 {
					parts = []string{"no orders"}
				}
				fmt.Fprintf(a.stdout, "shown %d; in the inbox: %s\n", len(rows), strings.Join(parts, ", "))
				return nil
			})
		},
	}
	list.Flags().StringVar(&store, "store", "", "only this store's orders")
	list.Flags().StringVar(&st, "state", "", "only orders in this state ("+stateNames()+")")
	list.Flags().IntVar(&limit, "limit", 50, fmt.Sprintf("most orders shown (at most %d)", state.MaxListLimit))

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one inbox order with its payload",
		Args:  usageArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderID(args[0])
			if err != nil {
				return err
			}
			return a.withState(cmd.Context(), func(ctx context.Context, db *state.DB) error {
				o, err := db.GetOrder(ctx, id)
				if err != nil {
					return err
				}
				a.printOrder(o, true)
				return nil
			})
		},
	}
	retry := &cobra.Command{
		Use:   "retry ID",
		Short: "Take a parked, invalid or skipped order again now",
		Args:  usageArgs(1),
		RunE: a.orderAction(func(ctx context.Context, db *state.DB, id int64) (state.InboxOrder, error) {
			return orders.Retry(ctx, db, "cli", id)
		}),
	}
	var reason string
	parkCmd := &cobra.Command{
		Use:   "park ID --reason TEXT",
		Short: "Set an order aside until it is retried",
		Args:  usageArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageError{errors.New("orders park: --reason is required")}
			}
			return a.orderAction(func(ctx context.Context, db *state.DB, id int64) (state.InboxOrder, error) {
				return orders.Park(ctx, db, "cli", id, reason)
			})(cmd, args)
		},
	}
	parkCmd.Flags().StringVar(&reason, "reason", "", "why the order is parked (required)")
	skip := &cobra.Command{
		Use:   "skip ID",
		Short: "Never import an order (test order, entered by hand) and release its stock",
		Args:  usageArgs(1),
		RunE: a.orderAction(func(ctx context.Context, db *state.DB, id int64) (state.InboxOrder, error) {
			return orders.Skip(ctx, db, "cli", id)
		}),
	}
	for _, c := range []*cobra.Command{show, retry, parkCmd, skip} {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	}
	cmd.AddCommand(list, show, retry, parkCmd, skip)
	return cmd
}

func (a *app) orderAction(fn func(ctx context.Context, db *state.DB, id int64) (state.InboxOrder, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := orderID(args[0])
		if err != nil {
			return err
		}
		return a.withState(cmd.Context(), func(ctx context.Context, db *state.DB) error {
			o, err := fn(ctx, db, id)
			if err != nil {
				return err
			}
			a.printOrder(o, false)
			return nil
		})
	}
}

func (a *app) withState(ctx context.Context, fn func(context.Context, *state.DB) error) error {
	cfg, err := a.load(nil)
	if err != nil {
		return err
	}
	log, err := a.logger(cfg)
	if err != nil {
		return err
	}
	db, err := state.Open(ctx, cfg.State.Driver, cfg.State.DSN.Reveal(), log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	return fn(ctx, db)
}

func (a *app) printOrder(o state.InboxOrder, payload bool) {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "id\t%d\n", o.ID)
	fmt.Fprintf(w, "store\t%s\n", o.Store)
	fmt.Fprintf(w, "order\t%s\n", o.ShopOrderID)
	fmt.Fprintf(w, "state\t%s\n", o.State)
	fmt.Fprintf(w, "reason\t%s\n", dash(o.Reason))
	fmt.Fprintf(w, "attempts\t%d\n", o.Attempts)
	fmt.Fprintf(w, "next attempt\t%s\n", o.NextAttemptAt.Format(time.RFC3339))
	fmt.Fprintf(w, "erp staging id\t%s\n", dash(o.ERPRef))
	fmt.Fprintf(w, "received\t%s\n", o.ReceivedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "updated\t%s\n", o.UpdatedAt.Format(time.RFC3339))
	_ = w.Flush()
	if payload {
		fmt.Fprintf(a.stdout, "payload (%d bytes):\n%s\n", len(o.Payload), strings.ToValidUTF8(string(o.Payload), "\uFFFD"))
	}
}

func orderID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("order ID %q: want the inbox id (a positive number) shown by 'erpbridge orders list'", s)}
	}
	return id, nil
}

func stateNames() string {
	names := make([]string, len(state.OrderStates))
	for i, s := range state.OrderStates {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// usageArgs is cobra.ExactArgs(n) with a wrong count as a usage error.
func usageArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
