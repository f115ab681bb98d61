SELECT p.sku, p.price_list, p.amount, p.currency, p.gross FROM erpbridge_prices p
