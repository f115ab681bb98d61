-- 0005_mirror_hash_index: a covering index for MirrorHashes, so comparing a
-- snapshot with the mirror reads (kind, key, hash) from the index alone, in
-- key order, instead of looking each row up in the table.
CREATE INDEX mirror_kind_key_hash ON mirror (kind, key, hash);
