SELECT r.currency, r.rate, r.valid_from FROM erpbridge_currency_rates r ORDER BY r.currency, r.valid_from
