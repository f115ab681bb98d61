-- 0006_store_items_by_sku: store_items becomes a WITHOUT ROWID table keyed
-- (store, sku, kind). A projection of a few changed products reads and
-- writes a product's product, variant, price and stock items together; keyed
-- this way they sit side by side in one b-tree page, found in one search,
-- instead of one key-index page per kind plus the table page. The key's
-- columns are the same, so ON CONFLICT (store, kind, sku) is unchanged.
CREATE TABLE store_items_new (
	store           TEXT NOT NULL,
	kind            TEXT NOT NULL,
	sku             TEXT NOT NULL,
	shop_id         TEXT NOT NULL DEFAULT '',
	desired_hash    TEXT NOT NULL,
	desired_payload TEXT NOT NULL,
	acked_hash      TEXT,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	parked          INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1)),
	parked_reason   TEXT NOT NULL DEFAULT '',
	updated_at      TEXT NOT NULL,
	PRIMARY KEY (store, sku, kind)
) WITHOUT ROWID;

INSERT INTO store_items_new (store, kind, sku, shop_id, desired_hash, desired_payload, acked_hash,
	attempts, next_attempt_at, last_error, parked, parked_reason, updated_at)
SELECT store, kind, sku, shop_id, desired_hash, desired_payload, acked_hash,
	attempts, next_attempt_at, last_error, parked, parked_reason, updated_at
FROM store_items ORDER BY store, sku, kind;

DROP TABLE store_items;
ALTER TABLE store_items_new RENAME TO store_items;

CREATE INDEX store_items_dirty ON store_items (store, next_attempt_at, kind, sku)
	WHERE parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash);

-- Lists by kind and SKU (a store's items, the admin list) keep their order
-- without sorting the store; a projection's updates do not touch it.
CREATE INDEX store_items_kind_sku ON store_items (store, kind, sku);
