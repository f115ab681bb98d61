package cli

import (
	"context"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/hub"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/orders"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the hub: keep every store in step with the ERP, serve HTTP",
		Long: `Run erpbridge as a service: open and migrate the state store, build the ERP
source and every enabled store's adapter, run the schedules (schedules.*: ERP
change reads, snapshots, the nightly reconcile, one push job per store; the
first snapshot runs at start), and serve HTTP on http.listen:
  /healthz  the process is alive
  /readyz   the state store and the ERP database answer (503 otherwise)
  /api/v1   the admin REST API (bearer token from http.admin_tokens)
  /ui/      the operator dashboard (sign in with such a token)
  /metrics  Prometheus metrics (bearer token of either role)
  /webhooks/<store>  shop order webhooks (verified, stored, then 202)
Orders are polled (schedules.order_poll), imported into the ERP staging
tables and their status sent back (schedules.status_sync).
SIGINT or SIGTERM stops it gracefully, waiting up to http.shutdown_timeout
for requests in flight.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
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
			runner, err := h.Runner()
			if err != nil {
				return err
			}
			if err := runner.Start(); err != nil {
				return err
			}
			defer runner.Stop()

			storeIDs := make([]string, 0, len(cfg.Stores))
			for _, s := range cfg.Stores {
				storeIDs = append(storeIDs, s.ID)
			}
			orderSvc := h.Orders()
			// An accepted or released order changes what every other store
			// may show: re-project and push at once.
			orderSvc.OnReserved = func(context.Context) { runner.Nudge() }
			orderRunner := &orders.Runner{Service: orderSvc, Schedules: cfg.Schedules}
			if err := orderRunner.Start(); err != nil {
				return err
			}
			defer orderRunner.Stop()

			handler := httpapi.NewHandler(httpapi.Options{
				Logger: log,
				Checks: map[string]httpapi.Check{
					"state": h.State.Ping,
					"erp":   h.ERP.Ping,
				},
				Operator: &httpapi.Operator{
					State:          h.State,
					Tokens:         httpapi.TokensFromConfig(cfg.HTTP.AdminTokens),
					Stores:         httpapi.StoresFromConfig(cfg),
					ERPCursors:     map[string]string{"delta": engine.DeltaCursor},
					RedactedConfig: cfg.Redacted,
					Metrics:        metrics.New(h.State, storeIDs, log, 0),
				},
				Webhooks:     orderSvc,
				MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
			})
			ready := make(chan net.Addr, 1)
			go func() {
				select {
				case addr := <-ready:
					log.Info("erpbridge serving", slog.String("addr", addr.String()),
						slog.Int("stores", len(h.Stores)), slog.String("config", cfg.Path))
				case <-ctx.Done():
				}
			}()
			err = httpapi.Serve(ctx, cfg.HTTP.Listen, handler, cfg.HTTP.ShutdownTimeout.Duration, ready)
			if err == nil {
				log.Info("erpbridge stopped")
			}
			return err
		},
	}
}
