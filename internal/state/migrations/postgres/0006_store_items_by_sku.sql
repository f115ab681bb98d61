-- 0006_store_items_by_sku: on SQLite store_items becomes a table clustered
-- by (store, sku, kind), so a projection of a few changed products finds a
-- product's items together. PostgreSQL keeps its heap and (store, kind, sku)
-- key: StoreItemsBySKU names the kinds for it, and rows written together
-- (a product's items, in a projection) already share heap pages. Nothing
-- changes here; the file keeps the two drivers' versions in step.
SELECT 1;
