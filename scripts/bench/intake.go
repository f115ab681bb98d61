package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// intakeStore is the store id the intake server receives webhooks for.
const intakeStore = "shop"

// runIntakeServer measures issue 6's durable webhook intake together with
// scripts/loadgen, which runs in another process: it serves the hub's real
// webhook handler (POST /webhooks/shop, an "http" store verifying erpbridge-v1
// signatures) over the hub's state database until SIGINT, then prints how
// many orders the inbox holds, so that run.sh can check it against the
// deliveries the load generator saw answered. Order processing does not run:
// the figure is intake alone.
func runIntakeServer(ctx context.Context, args []string, log *slog.Logger) error {
	fs := newFlags("intake-server")
	driver := fs.String("state-driver", state.DriverSQLite, "sqlite or postgres")
	dsn := fs.String("state-dsn", "", "SQLite file or PostgreSQL URL (default a SQLite file in a new temporary directory)")
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on")
	addrFile := fs.String("addr-file", "", "write the server's base URL to this file once it listens")
	single := fs.Bool("no-group-commit", false, "one transaction per delivery (the naive baseline)")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the serving time to this file")
	label := fs.String("label", "intake-server", "name printed in the RESULT line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret := os.Getenv("LOADGEN_SECRET")
	if secret == "" {
		return errors.New("bench intake-server: set LOADGEN_SECRET to the webhook secret the load generator signs with")
	}
	if *dsn == "" {
		if *driver != state.DriverSQLite {
			return errors.New("bench intake-server: -state-dsn is required for postgres")
		}
		d, err := os.MkdirTemp("", "erpbridge-bench-intake-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dsn = filepath.Join(d, "state.db")
	}
	db, err := state.Open(ctx, *driver, *dsn, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	adapter, err := httpstore.New(store.Params{StoreID: intakeStore, Logger: log,
		Connection:  &httpstore.Connection{URL: "http://127.0.0.1:9"}, // never called: intake only
		Credentials: &httpstore.Credentials{Token: "unused", WebhookSecret: secret}})
	if err != nil {
		return err
	}
	svc := &orders.Service{DB: db, Log: log, NoGroupCommit: *single,
		Stores: map[string]*orders.Store{intakeStore: {ID: intakeStore, Adapter: adapter}}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: httpapi.NewHandler(httpapi.Options{Webhooks: svc, Logger: log}), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(base+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintln(os.Stderr, "bench intake-server: listening on", base+"/webhooks/"+intakeStore)
	stopProf, err := profile(*cpu)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		stopProf()
		return err
	}
	stopProf()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	counts, err := db.OrderCounts(sctx, intakeStore)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	mode := "group-commit"
	if *single {
		mode = "one-tx-per-order"
	}
	result(os.Stdout, "figure", *label, "driver", *driver, "mode", mode, "inbox", n, "invalid", counts[state.OrderInvalid])
	return nil
}
