-- erpbridge: key order
-- Rows in key order (price list or warehouse, '|', SKU), bytewise, so the
-- hub compares them with its mirror without holding either in memory.
SELECT p.sku, p.price_list, p.amount, p.currency, p.gross FROM erpbridge_prices p
ORDER BY BYTE_ORDER(CONCAT(p.price_list, '|', p.sku))
