package state

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// The mirror's multi-row writes and bytewise key order, on both engines.
func TestMirrorChunks(t *testing.T) {
	t.Parallel()
	engines := map[string]opener{"sqlite": openTestSQLite}
	if dsn := os.Getenv(postgresEnv); dsn != "" {
		engines["postgres"] = postgresOpener(dsn)
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testMirrorChunks(t, open)
		})
	}
}

func testMirrorChunks(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	// More records than one statement writes, and one key twice: the later
	// record wins, as with one statement per record.
	var recs []MirrorRecord
	for i := range 2*upsertMirrorChunk + 7 {
		recs = append(recs, MirrorRecord{Kind: "price", Key: fmt.Sprintf("k%04d", i), Hash: "h1", Payload: []byte(`{}`)})
	}
	recs = append(recs, MirrorRecord{Kind: "price", Key: "k0003", Hash: "h2", Payload: []byte(`{"v":2}`)})
	changed, err := db.UpsertMirror(ctx, nil, recs)
	if err != nil {
		t.Fatalf("UpsertMirror: %v", err)
	}
	if want := len(recs); changed != want {
		t.Errorf("UpsertMirror changed %d, want %d", changed, want)
	}
	hashes := map[string]string{}
	if err := db.MirrorHashes(ctx, "price", func(k, h string) error { hashes[k] = h; return nil }); err != nil {
		t.Fatalf("MirrorHashes: %v", err)
	}
	if len(hashes) != 2*upsertMirrorChunk+7 || hashes["k0003"] != "h2" || hashes["k0004"] != "h1" {
		t.Errorf("after UpsertMirror: %d keys, k0003=%q k0004=%q; want %d, h2, h1", len(hashes), hashes["k0003"], hashes["k0004"], 2*upsertMirrorChunk+7)
	}
	var del []string
	for i := range upsertMirrorChunk + 3 {
		del = append(del, fmt.Sprintf("k%04d", i*2))
	}
	del = append(del, "nope")
	n, err := db.DeleteMirror(ctx, nil, "price", del)
	if err != nil || n != upsertMirrorChunk+3 {
		t.Errorf("DeleteMirror = %d, %v; want %d", n, err, upsertMirrorChunk+3)
	}

	// Keys in byte order whatever the collation: upper case before lower
	// case, '|' after letters, Polish letters (UTF-8) last.
	keys := []string{"ż|1", "a|1", "B|1", "a1|1", "Ą|1", "a|2", "_|1", "Z|1"}
	recs = recs[:0]
	for _, k := range keys {
		recs = append(recs, MirrorRecord{Kind: "stock", Key: k, Hash: "h", Payload: []byte(`{}`)})
	}
	if _, err := db.UpsertMirror(ctx, nil, recs); err != nil {
		t.Fatalf("UpsertMirror: %v", err)
	}
	var got []string
	if err := db.MirrorHashes(ctx, "stock", func(k, _ string) error { got = append(got, k); return nil }); err != nil {
		t.Fatalf("MirrorHashes: %v", err)
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("MirrorHashes order %q, want bytewise %q", got, want)
	}
}
