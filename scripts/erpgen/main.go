// Command erpgen fills a database with the deterministic erpbridge ERP
// fixture: a Comarch-Optima-shaped or Comarch-XL-shaped schema with N
// products, variants, price types, three warehouses, reservations and
// Polish text, in state 1, or moves an existing state-1 database to state 2
// (changes, additions, removals).
//
//	go run ./scripts/erpgen -driver postgres -dsn 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -products 200000
//	go run ./scripts/erpgen -driver postgres -dsn ... -products 200000 -state 2
//	go run ./scripts/erpgen -driver postgres -dsn ... -bump 100   # 1% of prices and stock
//	go run ./scripts/erpgen -driver sqlite -dsn erp.db -attach CDN=cdn.db -products 1000 -views
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp/sqlfixture"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "erpgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("erpgen", flag.ContinueOnError)
	driver := fs.String("driver", "sqlite", "database driver: sqlserver, postgres, mysql, sqlite")
	dsn := fs.String("dsn", "", "connection string (a file path for sqlite)")
	shape := fs.String("shape", string(erpdata.ShapeOptima), "schema shape: comarch-optima or comarch-xl")
	schema := fs.String("schema", "CDN", "schema (MySQL: database) for the ERP tables")
	attach := fs.String("attach", "", "sqlite: NAME=FILE databases to attach, comma separated (e.g. CDN=cdn.db)")
	products := fs.Int("products", 1000, "number of base products")
	state := fs.Int("state", 1, "1 creates the tables and loads state 1; 2 moves a state-1 database to state 2")
	bump := fs.Int("bump", 0, "only raise prices and stock of every Nth product of an existing database (100 = 1%)")
	views := fs.Bool("views", false, "also create the generic profile's views (comarch-optima shape only)")
	printDDL := fs.Bool("print-ddl", false, "print the table DDL and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" && !*printDDL {
		return errors.New("-dsn is required")
	}
	if *products < 1 {
		return errors.New("-products must be at least 1")
	}
	sh := erpdata.Shape(*shape)
	if sh != erpdata.ShapeOptima && sh != erpdata.ShapeXL {
		return fmt.Errorf("-shape %q: use comarch-optima or comarch-xl", *shape)
	}
	dialect, err := sqlerp.DialectOf(*driver)
	if err != nil {
		return err
	}
	att := map[string]string{}
	for _, kv := range strings.Split(*attach, ",") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("-attach %q: want NAME=FILE", kv)
		}
		att[k] = v
	}
	if dialect == sqlerp.DialectSQLite && att[*schema] == "" && !*printDDL {
		return fmt.Errorf("sqlite: attach a database for schema %s, e.g. -attach %s=cdn.db", *schema, *schema)
	}
	if *printDDL {
		stmts, err := sqlfixture.DDL(sqlfixture.Target{Dialect: dialect, Schema: *schema}, sh)
		if err != nil {
			return err
		}
		fmt.Println(strings.Join(stmts, ";\n\n") + ";")
		return nil
	}

	if dialect == sqlerp.DialectSQLite {
		// SQLite files may go into a folder that does not exist yet.
		for _, f := range append([]string{*dsn}, values(att)...) {
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				return err
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	db, err := sqlerp.Open(*driver, *dsn, att, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	t := sqlfixture.Target{DB: db, Dialect: dialect, Schema: *schema}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	start := time.Now()
	if *bump > 0 {
		n, err := sqlfixture.Bump(ctx, t, sh, *bump)
		if err != nil {
			return err
		}
		log.Info("prices and stock bumped", slog.Int("every", *bump), slog.Int64("rows", n), slog.Duration("took", time.Since(start)))
		return nil
	}
	switch *state {
	case 1:
		if err := sqlfixture.EnsureNamespace(ctx, t); err != nil {
			return err
		}
		if err := sqlfixture.CreateSchema(ctx, t, sh); err != nil {
			return err
		}
		if err := sqlfixture.Load(ctx, t, sh, *products, 1); err != nil {
			return err
		}
		if *views {
			if sh != erpdata.ShapeOptima {
				return errors.New("-views needs the comarch-optima shape")
			}
			if err := sqlfixture.CreateGenericViews(ctx, t); err != nil {
				return err
			}
		}
	case 2:
		if err := sqlfixture.Apply(ctx, t, sh, *products); err != nil {
			return err
		}
	default:
		return fmt.Errorf("-state %d: use 1 or 2", *state)
	}
	log.Info("fixture written", slog.String("shape", string(sh)), slog.String("driver", dialect),
		slog.Int("products", *products), slog.Int("state", *state), slog.Duration("took", time.Since(start)))
	return nil
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
