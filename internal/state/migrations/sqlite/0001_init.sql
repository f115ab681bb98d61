-- 0001_init: the hub's state tables (SQLite).
-- Times are TEXT in UTC, fixed width (2006-01-02T15:04:05.000000Z), so text
-- order is time order. Decimals are TEXT so they stay exact. Booleans are
-- 0/1. Never edit this file once released; add a new migration instead.

-- The hub's copy of ERP records, one row per (kind, key).
CREATE TABLE mirror (
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL,
	hash        TEXT NOT NULL,
	payload     TEXT NOT NULL,
	first_seen  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	snapshot_id TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (kind, key)
);

-- Per store and item: the desired state and the last state the shop
-- acknowledged. An item is dirty while desired_hash differs from acked_hash.
CREATE TABLE store_items (
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
	PRIMARY KEY (store, kind, sku)
);

CREATE INDEX store_items_dirty ON store_items (store, next_attempt_at, kind, sku)
	WHERE parked = FALSE AND (acked_hash IS NULL OR acked_hash <> desired_hash);

-- Orders from the shops, exactly one row per (store, shop_order_id).
CREATE TABLE inbox (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	store           TEXT NOT NULL,
	shop_order_id   TEXT NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('received', 'processing', 'imported', 'parked', 'invalid', 'skipped')),
	payload         BLOB NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	erp_ref         TEXT NOT NULL DEFAULT '',
	received_at     TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	UNIQUE (store, shop_order_id)
);

CREATE INDEX inbox_claim ON inbox (next_attempt_at, id)
	WHERE state IN ('received', 'processing');
CREATE INDEX inbox_state ON inbox (state, id);
CREATE INDEX inbox_store_state ON inbox (store, state, id);

-- Webhook deliveries (or events) already seen, to drop repeats.
CREATE TABLE inbox_deliveries (
	store       TEXT NOT NULL,
	delivery_id TEXT NOT NULL,
	inbox_id    INTEGER REFERENCES inbox (id) ON DELETE CASCADE,
	received_at TEXT NOT NULL,
	PRIMARY KEY (store, delivery_id)
);

CREATE INDEX inbox_deliveries_received ON inbox_deliveries (received_at);

-- Named positions: ERP watermarks, order poll cursors.
CREATE TABLE cursors (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Stock taken by orders the hub accepted but the ERP does not reflect yet.
CREATE TABLE reservations (
	store         TEXT NOT NULL,
	shop_order_id TEXT NOT NULL,
	sku           TEXT NOT NULL,
	quantity      TEXT NOT NULL,
	state         TEXT NOT NULL CHECK (state IN ('active', 'released')),
	created_at    TEXT NOT NULL,
	released_at   TEXT,
	PRIMARY KEY (store, shop_order_id, sku)
);

CREATE INDEX reservations_active ON reservations (sku) WHERE state = 'active';

-- Who did what, for operators.
CREATE TABLE audit_events (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      TEXT NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	detail  TEXT NOT NULL DEFAULT '{}'
);
