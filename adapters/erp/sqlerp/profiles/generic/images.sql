SELECT i.product_id, i.sku, i.url, i.data FROM erpbridge_images i ORDER BY i.product_id, i.position
