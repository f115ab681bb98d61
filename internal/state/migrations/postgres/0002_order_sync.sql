-- 0002_order_sync: per-order facts the order pipeline keeps beside the inbox
-- (PostgreSQL): the shop's own change time of the stored payload, so that a
-- late delivery never replaces a newer one, and the last status update sent
-- back to the shop, so that it is sent once.
CREATE TABLE order_sync (
	store           text NOT NULL,
	shop_order_id   text NOT NULL,
	shop_updated_at timestamptz,
	status_sent     text NOT NULL DEFAULT '',
	updated_at      timestamptz NOT NULL,
	PRIMARY KEY (store, shop_order_id)
);
