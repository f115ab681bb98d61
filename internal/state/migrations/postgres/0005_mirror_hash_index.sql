-- 0005_mirror_hash_index: a covering index for MirrorHashes, so comparing a
-- snapshot with the mirror is an index-only scan. Keys are ordered bytewise
-- (COLLATE "C"), the order Go compares strings in, so a snapshot can walk
-- the ERP and the mirror side by side whatever the database's collation.
CREATE INDEX mirror_kind_key_hash ON mirror (kind, key COLLATE "C", hash);
