-- erpbridge: key order
SELECT v.id, v.sku, v.product_sku, v.name, v.ean, v.active, v.modified_at,
       o.name AS option_name, o.value AS option_value
FROM erpbridge_variants v
LEFT JOIN erpbridge_variant_options o ON o.variant_id = v.id
ORDER BY BYTE_ORDER(v.sku), v.id, o.name
