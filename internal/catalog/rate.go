package catalog

import "github.com/shopspring/decimal"

// KindCurrencyRate is the kind of CurrencyRate records. It is not in Kinds:
// not every ERP keeps rates, so a snapshot reads them only when a store
// takes its exchange rate from the ERP (rate_from_erp).
const KindCurrencyRate Kind = "currency_rate"

// CurrencyRate is one row of the ERP's exchange rate table: one unit of
// Currency costs Rate of the ERP's home currency (1 EUR = 4.2512 PLN →
// 4.2512) from the day ValidFrom ("2006-01-02", the ERP's local day) until
// the currency's next rate.
type CurrencyRate struct {
	Currency  string          `json:"currency"`
	ValidFrom string          `json:"valid_from"`
	Rate      decimal.Decimal `json:"rate"`
}

// Kind implements Record.
func (CurrencyRate) Kind() Kind { return KindCurrencyRate }

// Key implements Record: currency and day.
func (r CurrencyRate) Key() string { return r.Currency + "|" + r.ValidFrom }
