package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/erpbridge/erpbridge/internal/demo"
)

// inspectDemo, when set by a test, sees the demo's shops before they close.
var inspectDemo func(*demo.Shops)

func (a *app) demoCommand() *cobra.Command {
	o := demo.Options{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run erpbridge on generated data: a Comarch-like ERP and three fake shops, no servers needed",
		Long: `Run a self-contained demo: a Comarch-Optima-shaped SQLite ERP with generated
Polish data (made on first run, kept in --dir), three fake shops on
127.0.0.1 speaking their platforms' real protocols, each with its own rules
(b2c: a WooCommerce shop, gross PLN; b2b: a shop on the erpbridge store
protocol, net PLN from the wholesale list, owning its descriptions; abroad: a
WooCommerce shop in EUR at a fixed rate with a markup and .99 prices, garden
and tools only), and the hub with its schedules, order pipeline and HTTP
server (dashboard at /ui/, with an admin token printed at start). After the
first full sync it keeps changing prices and stock in the ERP and placing
orders in the shops, which reach the hub by their signed webhooks (and the
order polls); it prints one line per change, per shop that shows it, per
order that reached the ERP's staging tables, and per ERP document number the
shop shows after an imitation of the ERP-side importer booked the order.

The shops start empty on every run, and so do the hub's state and the staged
orders; the ERP is kept. Ctrl-C stops it and says where its data is.
--duration and --seed make a run repeatable and scriptable. --config is not
used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			level := a.logLevel
			if level == "" {
				level = "warn" // the demo's own lines tell the story
			}
			a.logLevel = level
			log, err := a.logger(nil)
			if err != nil {
				return err
			}
			o.Out, o.Log, o.Inspect = a.stdout, log, inspectDemo
			return demo.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "data/demo", "folder for the demo's ERP, state database and config")
	f.IntVar(&o.Products, "products", 2000, "products in a newly made demo ERP")
	f.DurationVar(&o.Duration, "duration", 0, "stop this long after the first sync (0: run until Ctrl-C)")
	f.DurationVar(&o.Every, "every", 3*time.Second, "how often the ERP changes")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the sequence of ERP changes")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	return cmd
}
