-- erpbridge: key order
-- One row per product and attribute value, in SKU (key) order, bytewise.
SELECT p.id, p.sku, p.name, p.description, p.ean, p.unit, p.vat_rate, p.weight_kg,
       p.active, p.eshop, p.service, p.category_code, p.modified_at,
       a.code AS attribute_code, a.value AS attribute_value
FROM erpbridge_products p
LEFT JOIN erpbridge_product_attributes a ON a.product_id = p.id
ORDER BY BYTE_ORDER(p.sku), p.id, a.code
