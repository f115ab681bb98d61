-- erpbridge: key order
SELECT i.product_id, i.sku, i.url, i.data FROM erpbridge_images i ORDER BY BYTE_ORDER(i.sku), i.product_id, i.position
