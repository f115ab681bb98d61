// Command erpbridge is the hub between one ERP and many shops. See
// `erpbridge --help` and the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // ERP time zones work without the host's zoneinfo

	_ "github.com/erpbridge/erpbridge/adapters/all"
	"github.com/erpbridge/erpbridge/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
