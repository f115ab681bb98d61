-- 0002_order_sync: per-order facts the order pipeline keeps beside the inbox
-- (SQLite): the shop's own change time of the stored payload, so that a late
-- delivery never replaces a newer one, and the last status update sent back
-- to the shop, so that it is sent once. Times as in 0001.
CREATE TABLE order_sync (
	store           TEXT NOT NULL,
	shop_order_id   TEXT NOT NULL,
	shop_updated_at TEXT,
	status_sent     TEXT NOT NULL DEFAULT '',
	updated_at      TEXT NOT NULL,
	PRIMARY KEY (store, shop_order_id)
);
