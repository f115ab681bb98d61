package state

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func testMirror(t *testing.T, open opener) {
	db := migrated(t, open)
	c := withClock(db)
	ctx := t.Context()
	t0 := c.Now()

	recs := []MirrorRecord{
		{Kind: "product", Key: "B", Hash: "hb1", Payload: []byte(`{"name":"Bee","price":"12.50"}`), SnapshotID: "s1"},
		{Kind: "product", Key: "A", Hash: "ha1", Payload: []byte(`{"name":"Ay"}`), SnapshotID: "s1"},
		{Kind: "stock", Key: "A", Hash: "hs1", Payload: []byte(`{"qty":"3"}`), SnapshotID: "s1"},
	}
	changed, err := db.UpsertMirror(ctx, nil, recs)
	if err != nil {
		t.Fatalf("UpsertMirror: %v", err)
	}
	if changed != 3 {
		t.Fatalf("first UpsertMirror changed %d, want 3", changed)
	}

	t1 := c.Add(time.Hour)
	changed, err = db.UpsertMirror(ctx, nil, recs)
	if err != nil || changed != 0 {
		t.Fatalf("UpsertMirror with the same hashes: changed %d, err %v; want 0, nil", changed, err)
	}
	recs[0].Hash, recs[0].Payload, recs[0].SnapshotID = "hb2", []byte(`{"name":"Bee","price":"13.00"}`), "s2"
	changed, err = db.UpsertMirror(ctx, nil, recs)
	if err != nil || changed != 1 {
		t.Fatalf("UpsertMirror with one new hash: changed %d, err %v; want 1, nil", changed, err)
	}

	var got []MirrorRecord
	if err := db.StreamMirror(ctx, "product", func(r MirrorRecord) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("StreamMirror: %v", err)
	}
	if len(got) != 2 || got[0].Key != "A" || got[1].Key != "B" {
		t.Fatalf("StreamMirror returned %+v, want A then B", got)
	}
	a, b := got[0], got[1]
	if a.Hash != "ha1" || string(a.Payload) != `{"name":"Ay"}` || a.SnapshotID != "s1" ||
		!a.FirstSeen.Equal(normTime(t0)) || !a.UpdatedAt.Equal(normTime(t0)) {
		t.Errorf("unchanged record A = %+v", a)
	}
	if b.Hash != "hb2" || string(b.Payload) != `{"name":"Bee","price":"13.00"}` || b.SnapshotID != "s2" ||
		!b.FirstSeen.Equal(normTime(t0)) || !b.UpdatedAt.Equal(normTime(t1)) {
		t.Errorf("changed record B = %+v, want first seen %v, updated %v", b, t0, t1)
	}

	hashes := map[string]string{}
	if err := db.MirrorHashes(ctx, "product", func(k, h string) error {
		hashes[k] = h
		return nil
	}); err != nil {
		t.Fatalf("MirrorHashes: %v", err)
	}
	if len(hashes) != 2 || hashes["A"] != "ha1" || hashes["B"] != "hb2" {
		t.Errorf("MirrorHashes = %v", hashes)
	}

	if n, err := db.CountMirror(ctx, "product"); err != nil || n != 2 {
		t.Errorf("CountMirror(product) = %d, %v; want 2", n, err)
	}
	deleted, err := db.DeleteMirror(ctx, nil, "product", []string{"A", "missing"})
	if err != nil || deleted != 1 {
		t.Fatalf("DeleteMirror = %d, %v; want 1", deleted, err)
	}
	if n, err := db.CountMirror(ctx, "product"); err != nil || n != 1 {
		t.Errorf("CountMirror(product) after delete = %d, %v; want 1", n, err)
	}
	if n, err := db.CountMirror(ctx, "stock"); err != nil || n != 1 {
		t.Errorf("CountMirror(stock) = %d, %v; want 1 (other kinds untouched)", n, err)
	}

	for _, bad := range []MirrorRecord{
		{Kind: "product", Key: "X", Hash: "h", Payload: []byte(`{not json`)},
		{Kind: "product", Key: "", Hash: "h"},
		{Kind: "product", Key: "X", Hash: ""},
	} {
		if _, err := db.UpsertMirror(ctx, nil, []MirrorRecord{bad}); err == nil {
			t.Errorf("UpsertMirror(%+v) succeeded", bad)
		}
	}
}

func testMirrorStreamStops(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	var recs []MirrorRecord
	for _, k := range []string{"k1", "k2", "k3", "k4"} {
		recs = append(recs, MirrorRecord{Kind: "price", Key: k, Hash: "h" + k, Payload: []byte(`"` + k + `"`)})
	}
	if _, err := db.UpsertMirror(ctx, nil, recs); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	var seen []string
	err := db.StreamMirror(ctx, "price", func(r MirrorRecord) error {
		seen = append(seen, r.Key)
		if len(seen) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(seen, []string{"k1", "k2"}) {
		t.Fatalf("StreamMirror stopped with %v after %v, want %v after k1, k2", err, seen, stop)
	}
	// A callback may write while the stream is open (the engine marks items
	// dirty while it walks the mirror).
	err = db.MirrorHashes(ctx, "price", func(k, h string) error {
		_, err := db.SetDesired(ctx, nil, []DesiredItem{{Store: "b2c", Kind: "price", SKU: k, Hash: h, Payload: []byte(`{}`)}})
		return err
	})
	if err != nil {
		t.Fatalf("writing from a stream callback: %v", err)
	}
	counts, err := db.StoreItemCounts(ctx, "b2c")
	if err != nil || counts.Dirty != 4 {
		t.Fatalf("StoreItemCounts = %+v, %v; want 4 dirty", counts, err)
	}
	if err := db.MirrorHashes(ctx, "price", func(k, h string) error {
		if !strings.HasPrefix(h, "h") {
			t.Errorf("hash %q of %s", h, k)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TidyMirror succeeds on both engines; on PostgreSQL it leaves the mirror
// vacuumed and analysed.
func testTidyMirror(t *testing.T, open opener) {
	db := migrated(t, open)
	ctx := t.Context()
	if _, err := db.UpsertMirror(ctx, nil, []MirrorRecord{{Kind: "product", Key: "A", Hash: "h", Payload: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := db.TidyMirror(ctx); err != nil {
		t.Fatal(err)
	}
	if db.Driver() != DriverPostgres {
		return
	}
	var vacuumed, analysed bool
	if err := db.SQLX().QueryRowContext(ctx, `SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL
FROM pg_stat_user_tables WHERE relid = 'mirror'::regclass`).Scan(&vacuumed, &analysed); err != nil {
		t.Fatal(err)
	}
	if !vacuumed || !analysed {
		t.Errorf("mirror vacuumed %v, analysed %v; want both", vacuumed, analysed)
	}
}
