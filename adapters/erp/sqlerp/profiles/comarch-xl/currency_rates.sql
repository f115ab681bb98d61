-- Exchange rates: no table of this ERP is documented for them in the
-- reference this profile follows, so the profile returns none. A store with
-- rate_from_erp needs them: override this query (erp.options.queries,
-- currency_rates) with one returning currency, rate (in the home currency)
-- and valid_from, for example from a view erpbridge_currency_rates.
SELECT 'PLN' AS currency, 1 AS rate, '2000-01-01' AS valid_from WHERE 1 = 0
