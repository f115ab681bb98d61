package cli

import (
	"context"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/hub"
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
			return a.withHub(cmd.Context(), func(ctx context.Context, h *hub.Hub) error {
				handler, stop, err := h.Start()
				if err != nil {
					return err
				}
				defer stop()
				ready := make(chan net.Addr, 1)
				go func() {
					select {
					case addr := <-ready:
						h.Log.Info("erpbridge serving", slog.String("addr", addr.String()),
							slog.Int("stores", len(h.Stores)), slog.String("config", h.Config.Path))
					case <-ctx.Done():
					}
				}()
				err = httpapi.Serve(ctx, h.Config.HTTP.Listen, handler, h.Config.HTTP.ShutdownTimeout.Duration, ready)
				if err == nil {
					h.Log.Info("erpbridge stopped")
				}
				return err
			})
		},
	}
}
