-- 0001_init: the hub's state tables (PostgreSQL).
-- Times are timestamptz (UTC on the wire), decimals numeric, payloads text
-- holding JSON exactly as written. Never edit this file once released; add a
-- new migration instead.

-- The hub's copy of ERP records, one row per (kind, key).
CREATE TABLE mirror (
	kind        text NOT NULL,
	key         text NOT NULL,
	hash        text NOT NULL,
	payload     text NOT NULL,
	first_seen  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	snapshot_id text NOT NULL DEFAULT '',
	PRIMARY KEY (kind, key)
);

-- Per store and item: the desired state and the last state the shop
-- acknowledged. An item is dirty while desired_hash differs from acked_hash.
CREATE TABLE store_items (
	store           text NOT NULL,
	kind            text NOT NULL,
	sku             text NOT NULL,
	shop_id         text NOT NULL DEFAULT '',
	desired_hash    text NOT NULL,
	desired_payload text NOT NULL,
	acked_hash      text,
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	last_error      text NOT NULL DEFAULT '',
	parked          boolean NOT NULL DEFAULT false,
	parked_reason   text NOT NULL DEFAULT '',
	updated_at      timestamptz NOT NULL,
	PRIMARY KEY (store, kind, sku)
);

CREATE INDEX store_items_dirty ON store_items (store, next_attempt_at, kind, sku)
	WHERE NOT parked AND (acked_hash IS NULL OR acked_hash <> desired_hash);

-- Orders from the shops, exactly one row per (store, shop_order_id).
CREATE TABLE inbox (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	store           text NOT NULL,
	shop_order_id   text NOT NULL,
	state           text NOT NULL CHECK (state IN ('received', 'processing', 'imported', 'parked', 'invalid', 'skipped')),
	payload         bytea NOT NULL,
	reason          text NOT NULL DEFAULT '',
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	erp_ref         text NOT NULL DEFAULT '',
	received_at     timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	UNIQUE (store, shop_order_id)
);

CREATE INDEX inbox_claim ON inbox (next_attempt_at, id)
	WHERE state IN ('received', 'processing');
CREATE INDEX inbox_state ON inbox (state, id);
CREATE INDEX inbox_store_state ON inbox (store, state, id);

-- Webhook deliveries (or events) already seen, to drop repeats.
CREATE TABLE inbox_deliveries (
	store       text NOT NULL,
	delivery_id text NOT NULL,
	inbox_id    bigint REFERENCES inbox (id) ON DELETE CASCADE,
	received_at timestamptz NOT NULL,
	PRIMARY KEY (store, delivery_id)
);

CREATE INDEX inbox_deliveries_received ON inbox_deliveries (received_at);

-- Named positions: ERP watermarks, order poll cursors.
CREATE TABLE cursors (
	name       text PRIMARY KEY,
	value      text NOT NULL,
	updated_at timestamptz NOT NULL
);

-- Stock taken by orders the hub accepted but the ERP does not reflect yet.
CREATE TABLE reservations (
	store         text NOT NULL,
	shop_order_id text NOT NULL,
	sku           text NOT NULL,
	quantity      numeric NOT NULL,
	state         text NOT NULL CHECK (state IN ('active', 'released')),
	created_at    timestamptz NOT NULL,
	released_at   timestamptz,
	PRIMARY KEY (store, shop_order_id, sku)
);

CREATE INDEX reservations_active ON reservations (sku) WHERE state = 'active';

-- Who did what, for operators.
CREATE TABLE audit_events (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at      timestamptz NOT NULL,
	actor   text NOT NULL,
	action  text NOT NULL,
	subject text NOT NULL DEFAULT '',
	detail  text NOT NULL DEFAULT '{}'
);
