package sqlerp_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/catalog"
)

// TestCurrencyRates reads the generic fixture's rate view on every engine,
// and nothing from a Comarch profile, which has no rate table.
func TestCurrencyRates(t *testing.T) {
	t.Parallel()
	want := []catalog.CurrencyRate{
		{Currency: "EUR", ValidFrom: "2026-01-02", Rate: decimal.RequireFromString("4.2512")},
		{Currency: "EUR", ValidFrom: "2026-06-01", Rate: decimal.RequireFromString("4.21")},
		{Currency: "USD", ValidFrom: "2026-01-02", Rate: decimal.RequireFromString("3.9876")},
	}
	for _, e := range engines {
		for _, profile := range []string{sqlerp.ProfileGeneric, sqlerp.ProfileOptima} {
			t.Run(e.name+"/"+profile, func(t *testing.T) {
				t.Parallel()
				env := newEnv(t, e, profile)
				var got []catalog.CurrencyRate
				err := env.Source.Snapshot(context.Background(), []catalog.Kind{catalog.KindCurrencyRate}, func(r catalog.Record) error {
					got = append(got, r.(catalog.CurrencyRate))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if profile != sqlerp.ProfileGeneric {
					if len(got) != 0 {
						t.Errorf("%s returned rates %v", profile, got)
					}
					return
				}
				if len(got) != len(want) {
					t.Fatalf("rates = %v, want %v", got, want)
				}
				for i := range want {
					if got[i].Currency != want[i].Currency || got[i].ValidFrom != want[i].ValidFrom || !got[i].Rate.Equal(want[i].Rate) {
						t.Errorf("rate %d = %+v, want %+v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
