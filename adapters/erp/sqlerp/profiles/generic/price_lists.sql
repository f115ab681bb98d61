SELECT l.code, l.name, l.currency, l.gross, l.active FROM erpbridge_price_lists l ORDER BY l.code
