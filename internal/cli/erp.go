package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/hub"
)

func (a *app) erpCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "erp",
		Short: "Check the ERP connection, read a snapshot, install the order staging tables",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var limit int
	check := &cobra.Command{
		Use:   "check",
		Short: "Run every query of the ERP profile with a row limit; print counts and samples",
		Long: `Connect to the ERP and run every query of the configured profile, reading at
most --limit rows each, and check the order staging tables. Each query's row
count, columns and first row are printed; a query that fails names the query
and the missing table or column.

Exits 0 when every query ran, 1 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withERP(cmd.Context(), func(ctx context.Context, src erp.Source) error {
				c, ok := src.(erp.Checker)
				if !ok {
					return fmt.Errorf("the %s ERP adapter cannot check its queries", a.erpType)
				}
				if err := src.Ping(ctx); err != nil {
					return fmt.Errorf("erp: cannot connect: %s", a.scrub(err.Error()))
				}
				items, err := c.CheckQueries(ctx, limit)
				for _, it := range items {
					if it.Err != nil {
						fmt.Fprintf(a.stdout, "FAIL %-16s %s\n", it.Name, a.scrub(it.Err.Error()))
						continue
					}
					fmt.Fprintf(a.stdout, "ok   %-16s %d row(s)  %s\n", it.Name, it.Rows, sample(it.Sample))
				}
				if err != nil {
					return reportedError{err}
				}
				return nil
			})
		},
	}
	check.Flags().IntVar(&limit, "limit", 0, "rows read per query (default: erp.options.check_limit)")

	var print bool
	install := &cobra.Command{
		Use:   "install-staging",
		Short: "Create erpbridge's order staging tables in the ERP database (or print their DDL)",
		Long: `Create the tables erpbridge writes orders into (never the ERP's own tables),
in the schema and with the prefix from erp.options. Every statement is safe to
run again. With --print the script is printed for a DBA instead and nothing is
changed. See docs/staging-contract.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withERP(cmd.Context(), func(ctx context.Context, src erp.Source) error {
				st, ok := src.(erp.Staging)
				if !ok {
					return fmt.Errorf("the %s ERP adapter has no staging tables", a.erpType)
				}
				if print {
					fmt.Fprint(a.stdout, st.StagingDDL())
					return nil
				}
				if err := st.InstallStaging(ctx); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "staging tables installed")
				return nil
			})
		},
	}
	install.Flags().BoolVar(&print, "print", false, "print the DDL instead of running it")

	var f syncFlags
	snapshot := &cobra.Command{
		Use:   "snapshot",
		Short: "Read the whole ERP into the hub's mirror and summarize what changed",
		Long: `Read a full snapshot of the ERP into the hub's mirror, with progress, and print
per kind of record how many were read, added, changed and removed. A snapshot
that would remove more than erp.max_remove_share of the mirror is refused
unless --force; nothing is committed unless the whole read succeeds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withHub(cmd.Context(), func(ctx context.Context, h *hub.Hub) error {
				return a.snapshot(ctx, h, f)
			})
		},
	}
	snapshot.Flags().BoolVar(&f.force, "force", false, "allow removing more than erp.max_remove_share")
	cmd.AddCommand(check, install, snapshot)
	return cmd
}

// withERP builds the configured ERP source (no state store needed), runs fn
// and closes it.
func (a *app) withERP(ctx context.Context, fn func(context.Context, erp.Source) error) error {
	cfg, err := a.load(nil)
	if err != nil {
		return err
	}
	log, err := a.logger(cfg)
	if err != nil {
		return err
	}
	a.erpType = cfg.ERP.Type
	src, err := hub.NewERP(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer src.Close()
	return fn(ctx, src)
}

func sample(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}
