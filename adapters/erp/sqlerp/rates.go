package sqlerp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

// readCurrencyRates streams the currency_rates query: currency, rate (the
// price of one unit in the ERP's home currency) and valid_from (a date).
// Rows without a currency are skipped; a rate or date that cannot be read
// is an error naming the row.
func (s *Source) readCurrencyRates(ctx context.Context, limit int, fn func(catalog.Record) error) error {
	return s.stream(ctx, QueryCurrencyRates, nil, limit, func(r *row) error {
		c := catalog.CurrencyRate{Currency: strings.ToUpper(strings.TrimSpace(r.str("currency")))}
		if c.Currency == "" {
			return nil
		}
		rate, ok, err := r.dec("rate")
		if err == nil && !ok {
			err = fmt.Errorf("sqlerp: query %s: %s has no rate", QueryCurrencyRates, c.Currency)
		}
		if err != nil {
			return err
		}
		day, ok, err := r.wall("valid_from")
		if err == nil && !ok {
			err = fmt.Errorf("sqlerp: query %s: %s rate %s has no valid_from", QueryCurrencyRates, c.Currency, rate)
		}
		if err != nil {
			return err
		}
		c.Rate, c.ValidFrom = rate, day.Format(time.DateOnly)
		return fn(c)
	})
}
