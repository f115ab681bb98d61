// Package project holds the pure functions that turn ERP records and one
// store's rules into that store's desired records: scope, prices, stock and
// product documents. Nothing here reads a database or a clock; the engine
// passes in what it needs (mirror records, reservations, now).
package project

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// RoundMode is how a half is rounded.
type RoundMode string

// Rounding modes.
const (
	HalfUp   RoundMode = "half_up"   // 0.125 → 0.13, -0.125 → -0.13 (away from zero)
	HalfEven RoundMode = "half_even" // 0.125 → 0.12, 0.135 → 0.14 (banker's rounding)
)

// Step is what prices are rounded to.
type Step string

// Rounding steps.
const (
	Step001 Step = "0.01" // to the grosz/cent
	Step005 Step = "0.05" // to five hundredths: 12.32 → 12.30, 12.33 → 12.35
	Step010 Step = "0.10" // to ten hundredths: 12.34 → 12.30, 12.35 → 12.40 (half up)
	// Step099 ends every price in .99: round to a whole number with the mode,
	// then take 0.01 off: 12.34 → 11.99, 12.50 → 12.99 (half up), 0.30 → 0.99.
	Step099 Step = "0.99"
)

// Floor is what a price may not fall below.
type Floor string

// Floors.
const (
	FloorNone     Floor = "none"
	FloorPurchase Floor = "purchase" // the ERP's net purchase price, converted to the store's basis and currency
	FloorMinimum  Floor = "minimum"  // a fixed amount in the store's currency and basis
)

// PriceRules are one store's price rules.
type PriceRules struct {
	// List is the ERP price list; SaleList the optional sale list, active
	// from SaleFrom (inclusive) to SaleTo (exclusive); zero times are open ends.
	List     string
	SaleList string
	SaleFrom time.Time
	SaleTo   time.Time
	// Gross is the store's basis: true for prices with VAT.
	Gross bool
	// Currency is the store's; ExchangeRate is how much of it one unit of
	// the list's currency buys (1 PLN = 0.23 EUR → 0.23): amount × rate.
	Currency     string
	ExchangeRate decimal.Decimal
	// RateFromERP converts with the ERP's rate table instead: Rates holds
	// each currency's price in HomeCurrency on the projection's day (see
	// RatesOn; the engine fills it) and RateDay names that day for errors.
	RateFromERP  bool
	HomeCurrency string
	Rates        map[string]decimal.Decimal
	RateDay      string
	// RateZone is the ERP's time zone, whose day picks the rate (nil: UTC).
	RateZone *time.Location
	// MarkupPercent is added after conversion (10 → ×1.10).
	MarkupPercent decimal.Decimal
	Step          Step
	Mode          RoundMode
	Floor         Floor
	Minimum       decimal.Decimal
}

var (
	hundred = decimal.NewFromInt(100)
	one     = decimal.NewFromInt(1)
	cent    = decimal.RequireFromString("0.01")
)

// internal precision of intermediate results before the final rounding
const workPlaces = 10

// Round rounds amount to step with mode. It is exact: no float is involved.
func Round(amount decimal.Decimal, step Step, mode RoundMode) (decimal.Decimal, error) {
	roundTo := func(d decimal.Decimal, places int32) decimal.Decimal {
		if mode == HalfEven {
			return d.RoundBank(places)
		}
		return d.Round(places) // shopspring rounds half away from zero
	}
	switch step {
	case Step001, "":
		return roundTo(amount, 2), nil
	case Step005, Step010:
		unit := decimal.RequireFromString(string(step))
		return roundTo(amount.Div(unit), 0).Mul(unit), nil
	case Step099:
		whole := roundTo(amount, 0)
		if whole.LessThan(one) {
			return decimal.RequireFromString("0.99"), nil
		}
		return whole.Sub(cent), nil
	}
	return decimal.Decimal{}, fmt.Errorf("project: unknown rounding step %q (use 0.01, 0.05, 0.10 or 0.99)", step)
}

// convert takes a list amount to the store's basis and currency, before
// markup and rounding.
func (r PriceRules) convert(amount decimal.Decimal, listGross bool, listCurrency string, vatRate decimal.Decimal) (decimal.Decimal, error) {
	factor := one.Add(vatRate.Div(hundred))
	switch {
	case listGross && !r.Gross:
		amount = amount.DivRound(factor, workPlaces)
	case !listGross && r.Gross:
		amount = amount.Mul(factor)
	}
	if listCurrency != "" && r.Currency != "" && listCurrency != r.Currency && r.RateFromERP {
		from, err := r.erpRate(listCurrency)
		if err != nil {
			return decimal.Decimal{}, err
		}
		to, err := r.erpRate(r.Currency)
		if err != nil {
			return decimal.Decimal{}, err
		}
		amount = amount.Mul(from).DivRound(to, workPlaces)
	} else if listCurrency != "" && r.Currency != "" && listCurrency != r.Currency {
		if !r.ExchangeRate.IsPositive() {
			return decimal.Decimal{}, fault.Permanentf("no exchange rate from %s to %s", listCurrency, r.Currency)
		}
		amount = amount.Mul(r.ExchangeRate)
	}
	return amount, nil
}

// erpRate is the price of one unit of currency c in the home currency, from
// the ERP's rate table.
func (r PriceRules) erpRate(c string) (decimal.Decimal, error) {
	if c == r.HomeCurrency {
		return one, nil
	}
	if rate, ok := r.Rates[c]; ok && rate.IsPositive() {
		return rate, nil
	}
	return decimal.Decimal{}, fault.Permanentf("the ERP's rate table has no positive %s rate (in %s) on or before %s", c, r.HomeCurrency, r.RateDay)
}

// WithERPRates returns r with Rates and RateDay set from the ERP's rate
// table for the day now falls on in RateZone; r itself when it does not
// use the ERP's rates.
func (r PriceRules) WithERPRates(table []catalog.CurrencyRate, now time.Time) PriceRules {
	if !r.RateFromERP {
		return r
	}
	zone := r.RateZone
	if zone == nil {
		zone = time.UTC
	}
	r.RateDay = now.In(zone).Format(time.DateOnly)
	r.Rates = RatesOn(table, r.RateDay)
	return r
}

// RatesOn picks from the ERP's rate table each currency's rate on day
// ("2006-01-02"): the one with the latest ValidFrom on or before day.
// Currencies whose rates all start later are left out.
func RatesOn(rates []catalog.CurrencyRate, day string) map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	from := map[string]string{}
	for _, r := range rates {
		if r.ValidFrom > day {
			continue
		}
		if cur, ok := from[r.Currency]; !ok || r.ValidFrom > cur {
			from[r.Currency], out[r.Currency] = r.ValidFrom, r.Rate
		}
	}
	return out
}

// final applies markup and rounding to a converted amount.
func (r PriceRules) final(amount decimal.Decimal) (decimal.Decimal, error) {
	if !r.MarkupPercent.IsZero() {
		amount = amount.Mul(one.Add(r.MarkupPercent.Div(hundred)))
	}
	return Round(amount, r.Step, r.Mode)
}

// PriceInput is what Price needs about one SKU.
type PriceInput struct {
	SKU     string
	VATRate decimal.Decimal
	// Purchase is the net purchase price in PurchaseCurrency, when known.
	Purchase         *decimal.Decimal
	PurchaseCurrency string
	// Regular is the SKU's price on the store's list; Sale on the sale list.
	Regular *catalog.Price
	Sale    *catalog.Price
}

// Price computes the store's price of one SKU at time now. A SKU with no
// price on the store's list, a negative price, or a price under the floor
// gives a Permanent error naming the reason: such a price is parked, never
// pushed.
func (r PriceRules) Price(in PriceInput, now time.Time) (store.PriceDoc, error) {
	if in.Regular == nil {
		return store.PriceDoc{}, fault.Permanentf("%s has no price on list %q", in.SKU, r.List)
	}
	regular, err := r.storePrice(*in.Regular, in.VATRate)
	if err != nil {
		return store.PriceDoc{}, err
	}
	if regular.IsNegative() || regular.IsZero() {
		return store.PriceDoc{}, fault.Permanentf("%s: price %s %s on list %q is not positive", in.SKU, regular, r.Currency, r.List)
	}
	if err := r.checkFloor(in, regular); err != nil {
		return store.PriceDoc{}, err
	}
	doc := store.PriceDoc{SKU: in.SKU, Currency: r.Currency, Gross: r.Gross, Regular: regular}
	if in.Sale != nil && r.saleActive(now) {
		sale, err := r.storePrice(*in.Sale, in.VATRate)
		if err != nil {
			return store.PriceDoc{}, err
		}
		// A "sale" that is not cheaper is no sale; a sale under the floor is
		// dropped rather than parking the regular price with it.
		if sale.IsPositive() && sale.LessThan(regular) && r.checkFloor(in, sale) == nil {
			doc.Sale = &sale
			if !r.SaleFrom.IsZero() {
				from := r.SaleFrom.UTC()
				doc.SaleFrom = &from
			}
			if !r.SaleTo.IsZero() {
				to := r.SaleTo.UTC()
				doc.SaleTo = &to
			}
		}
	}
	return doc, nil
}

func (r PriceRules) storePrice(p catalog.Price, vat decimal.Decimal) (decimal.Decimal, error) {
	amount, err := r.convert(p.Amount, p.Gross, p.Currency, vat)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return r.final(amount)
}

func (r PriceRules) saleActive(now time.Time) bool {
	if r.SaleList == "" {
		return false
	}
	if !r.SaleFrom.IsZero() && now.Before(r.SaleFrom) {
		return false
	}
	if !r.SaleTo.IsZero() && !now.Before(r.SaleTo) {
		return false
	}
	return true
}

func (r PriceRules) checkFloor(in PriceInput, price decimal.Decimal) error {
	switch r.Floor {
	case FloorPurchase:
		if in.Purchase == nil {
			return nil
		}
		floor, err := r.convert(*in.Purchase, false, in.PurchaseCurrency, in.VATRate)
		if err != nil {
			return err
		}
		if price.LessThan(floor) {
			return fault.Permanentf("%s: price %s %s is below the floor %s %s (purchase price)",
				in.SKU, price, r.Currency, floor.Round(2), r.Currency)
		}
	case FloorMinimum:
		if price.LessThan(r.Minimum) {
			return fault.Permanentf("%s: price %s %s is below the floor %s %s (configured minimum)",
				in.SKU, price, r.Currency, r.Minimum, r.Currency)
		}
	}
	return nil
}
