package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/project"
	"github.com/erpbridge/erpbridge/internal/state"
)

// synthERP is an erp.Source that generates a catalog on the fly: products
// in 20 categories, two price lists and three warehouses per product. Every
// bump-th product's retail price is raised by version (0 = none), so
// versions 0 and 1 differ in 1% of the prices with bump 100.
type synthERP struct {
	products int
	bump     int
	version  int
}

func (s *synthERP) Features() erp.Features     { return erp.Features{} }
func (s *synthERP) Ping(context.Context) error { return nil }
func (s *synthERP) Close() error               { return nil }
func (s *synthERP) Changes(context.Context, string, func(catalog.Record) error) (string, error) {
	return "", errors.New("bench: synthetic ERP has no change reads")
}
func (s *synthERP) WriteOrder(context.Context, catalog.Order) (erp.StagingRef, error) {
	return erp.StagingRef{}, errors.New("bench: synthetic ERP takes no orders")
}
func (s *synthERP) OrderResults(context.Context, string, func(erp.OrderResult) error) (string, error) {
	return "", nil
}

func sku(i int) string { return fmt.Sprintf("SKU-%07d", i) }

var warehouses = []string{"MAG1", "MAG2", "MAG3"}

// price is product i's price on list at the ERP's version.
func (s *synthERP) price(i int, list string) catalog.Price {
	amount := decimal.New(int64(1000+i%9000), -2)
	if list == "hurt" {
		amount = amount.Mul(decimal.RequireFromString("0.8")).Round(2)
	}
	if list == "detal" && s.bump > 0 && i%s.bump == 0 {
		amount = amount.Add(decimal.NewFromInt(int64(s.version)))
	}
	return catalog.Price{SKU: sku(i), PriceList: list, Amount: amount, Currency: "PLN", Gross: true}
}

func stockLevel(i int, w string, qty int64) catalog.StockLevel {
	q := decimal.NewFromInt(qty)
	return catalog.StockLevel{SKU: sku(i), Warehouse: w, OnHand: q, Available: q}
}

func (s *synthERP) Snapshot(ctx context.Context, kinds []catalog.Kind, fn func(catalog.Record) error) error {
	for _, k := range kinds {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		switch k {
		case catalog.KindCategory:
			for c := range 20 {
				if err = fn(catalog.Category{Code: fmt.Sprintf("CAT%02d", c), Name: fmt.Sprintf("Kategoria %02d", c)}); err != nil {
					return err
				}
			}
		case catalog.KindProduct:
			for i := range s.products {
				err = fn(catalog.Product{SKU: sku(i), Name: fmt.Sprintf("Produkt zażółć %d", i), EAN: fmt.Sprintf("590%010d", i),
					VATRate: decimal.NewFromInt(23), Active: true, EShop: true, Categories: []string{fmt.Sprintf("CAT%02d", i%20)}})
				if err != nil {
					return err
				}
			}
		case catalog.KindPrice:
			for i := range s.products {
				for _, l := range []string{"detal", "hurt"} {
					if err = fn(s.price(i, l)); err != nil {
						return err
					}
				}
			}
		case catalog.KindStock:
			for i := range s.products {
				for w, code := range warehouses {
					if err = fn(stockLevel(i, code, int64(5+(i+w)%50))); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// benchStores builds n stores on fresh memory shops with different rules:
// retail or wholesale list, markups, warehouses.
func benchStores(n int, batch int) ([]*engine.Store, []*memory.Shop, error) {
	stores := make([]*engine.Store, 0, n)
	shops := make([]*memory.Shop, 0, n)
	for i := range n {
		id := fmt.Sprintf("shop%02d", i)
		shop := memory.NewShop()
		conn := memory.DefaultConnection()
		conn.BatchSize = batch
		adapter, err := memory.New(id, shop, conn, memory.Credentials{}, nil)
		if err != nil {
			return nil, nil, err
		}
		list := "detal"
		if i%3 == 2 {
			list = "hurt"
		}
		stores = append(stores, &engine.Store{
			ID: id, Adapter: adapter, Features: adapter.Features(), MaxDeactivateShare: decimal.RequireFromString("0.1"),
			Rules: project.Rules{
				Price: project.PriceRules{List: list, Gross: true, Currency: "PLN", Step: project.Step001, Mode: project.HalfUp,
					MarkupPercent: decimal.NewFromInt(int64(i))},
				Stock: project.StockRules{Warehouses: warehouses[:1+i%3], SubtractERPReservations: true, WhenZero: project.ZeroOutOfStock},
				Scope: project.ScopeRules{OnlyActive: true, OnlyEShop: true},
			},
		})
		shops = append(shops, shop)
	}
	return stores, shops, nil
}

// openState opens and migrates a SQLite state database at path.
func openState(ctx context.Context, path string) (*state.DB, error) {
	db, err := state.Open(ctx, state.DriverSQLite, path, nil)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// projectAll projects every store once, one after another as the Runner
// does, and returns the time it took and the items that changed.
func projectAll(ctx context.Context, db *state.DB, stores []*engine.Store, o engine.ProjectOptions) (time.Duration, int, error) {
	start := time.Now()
	changed := 0
	var errs []error
	err := engine.ProjectStores(ctx, db, stores, time.Now(), o, func(st *engine.Store, sum engine.ProjectSummary, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("bench: project %s: %w", st.ID, err))
		}
		changed += sum.Changed
	})
	if err = errors.Join(append(errs, err)...); err != nil {
		return 0, 0, err
	}
	return time.Since(start), changed, nil
}
