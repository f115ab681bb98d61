-- 0004_order_events: each order's history as the pipeline lived it (import
-- attempts and their outcome, the ERP staging write, the importer's result,
-- the status sent back to the shop), for the order's timeline; and an index
-- to find the audit events of one order (subject '<store>/order/<id>').
-- Times as in 0001.
CREATE TABLE order_events (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	store         TEXT NOT NULL,
	shop_order_id TEXT NOT NULL,
	at            TEXT NOT NULL,
	kind          TEXT NOT NULL,
	message       TEXT NOT NULL DEFAULT '',
	detail        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX order_events_order ON order_events (store, shop_order_id, id);
CREATE INDEX audit_events_subject ON audit_events (subject, id);
