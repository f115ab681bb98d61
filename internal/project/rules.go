package project

import (
	"fmt"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Rules are one store's compiled rules.
type Rules struct {
	Price   PriceRules
	Stock   StockRules
	Scope   ScopeRules
	Product ProductRules
}

// FromConfig compiles a store's config rules, with what its adapter declared
// in f. Sale dates without a time are days in loc (the business's zone): from
// the start of the first day to the end of the last.
func FromConfig(sc config.Store, f store.Features, loc *time.Location) (Rules, error) {
	cr := sc.Rules
	r := Rules{
		Price: PriceRules{
			List:          cr.Prices.List,
			Gross:         cr.Prices.Basis != "net",
			Currency:      cr.Prices.Currency,
			ExchangeRate:  cr.Prices.ExchangeRate,
			RateFromERP:   cr.Prices.RateFromERP,
			HomeCurrency:  cr.Prices.HomeCurrency,
			RateZone:      loc,
			MarkupPercent: cr.Prices.MarkupPercent,
			Step:          Step(cr.Prices.Rounding.Step),
			Mode:          RoundMode(cr.Prices.Rounding.Mode),
			Floor:         Floor(cr.Prices.Floor),
			Minimum:       cr.Prices.Minimum,
		},
		Stock: StockRules{
			Warehouses:              cr.Stock.Warehouses,
			SubtractERPReservations: cr.Stock.SubtractERPReservations == nil || *cr.Stock.SubtractERPReservations,
			Buffer:                  cr.Stock.Buffer,
			Cap:                     cr.Stock.Cap,
			Integer:                 f.IntegerStock,
			WhenZero:                WhenZero(cr.Stock.WhenZero),
		},
		Scope: ScopeRules{
			Categories:        cr.Scope.Categories,
			ExcludeCategories: cr.Scope.ExcludeCategories,
			Attributes:        cr.Scope.Attributes,
			IncludeSKUs:       cr.Scope.IncludeSKUs,
			ExcludeSKUs:       cr.Scope.ExcludeSKUs,
			OnlyActive:        cr.Scope.OnlyActive == nil || *cr.Scope.OnlyActive,
			OnlyEShop:         cr.Scope.OnlyEShop == nil || *cr.Scope.OnlyEShop,
		},
		Product: ProductRules{
			NameAttribute:        cr.Overrides.NameAttribute,
			DescriptionAttribute: cr.Overrides.DescriptionAttribute,
			Owned:                cr.OwnedFields,
		},
	}
	if f.Basis == store.BasisGross && !r.Price.Gross || f.Basis == store.BasisNet && r.Price.Gross {
		return Rules{}, fmt.Errorf("store %s: prices.basis %q, but the %s platform takes %s prices", sc.ID, cr.Prices.Basis, sc.Type, f.Basis)
	}
	if s := cr.Prices.Sale; s != nil {
		r.Price.SaleList = s.List
		var err error
		if r.Price.SaleFrom, err = parseDay(s.From, loc, false); err != nil {
			return Rules{}, fmt.Errorf("store %s: prices.sale.from: %w", sc.ID, err)
		}
		if r.Price.SaleTo, err = parseDay(s.To, loc, true); err != nil {
			return Rules{}, fmt.Errorf("store %s: prices.sale.to: %w", sc.ID, err)
		}
	}
	return r, nil
}

// parseDay reads "2026-12-24" (a day in loc; end selects the end of it) or
// an RFC 3339 time; "" is the zero time (an open end).
func parseDay(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
