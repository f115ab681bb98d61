-- erpbridge: key order
SELECT i.product_id, i.sku, i.url, i.data FROM erpbridge_images i ORDER BY i.sku BYTE_ORDER, i.product_id, i.position
