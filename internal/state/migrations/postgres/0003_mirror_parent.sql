-- 0002_mirror_parent: the SKU each mirror record belongs to, so a projection
-- of a few changed products reads only their records instead of the whole
-- mirror. Products: their own SKU; variants, images: the product's SKU;
-- prices and stock: the SKU they price or count (a product's or a
-- variant's). Other kinds: ''. Existing rows are filled from their keys and
-- payloads.
ALTER TABLE mirror ADD COLUMN parent text NOT NULL DEFAULT '';

UPDATE mirror SET parent = key WHERE kind = 'product';
UPDATE mirror SET parent = COALESCE(payload::jsonb ->> 'product_sku', '') WHERE kind IN ('variant', 'image');
UPDATE mirror SET parent = substr(key, strpos(key, '|') + 1) WHERE kind IN ('price', 'stock') AND strpos(key, '|') > 0;

CREATE INDEX mirror_parent ON mirror (kind, parent);
