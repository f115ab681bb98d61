-- erpbridge: key order
-- Rows in key order (price list or warehouse, '|', SKU), bytewise, so the
-- hub compares them with its mirror without holding either in memory.
SELECT s.sku, s.warehouse, s.on_hand, s.reserved FROM erpbridge_stock s
ORDER BY BYTE_ORDER(CONCAT(s.warehouse, '|', s.sku))
