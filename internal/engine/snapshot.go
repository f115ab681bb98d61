// Package engine is the ERP → shops half of the hub: it reads ERP snapshots
// into the mirror, projects the mirror into each store's desired state under
// that store's rules, and pushes the difference with per-store workers.
//
// The state tables are the queue (invariant 2): the engine keeps no work in
// memory that a crash could lose; a restart resumes from the store items.
package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/state"
)

// ErrTooManyRemovals refuses a snapshot that would remove more of the mirror
// than allowed: a broken ERP query returning nothing is far likelier than an
// emptied ERP, and it must not empty the shops.
var ErrTooManyRemovals = errors.New("snapshot would remove too much")

// KindSummary counts what one snapshot did to one kind of record.
type KindSummary struct {
	Kind      catalog.Kind
	Read      int
	Added     int
	Changed   int
	Unchanged int
	Removed   int
}

// SnapshotSummary is the result of Snapshot, kind by kind.
type SnapshotSummary struct {
	Kinds    []KindSummary
	Duration time.Duration
	// Changes names the products whose mirror records were added, changed
	// or removed, for ProjectOptions.Only.
	Changes ChangeSet
}

// SnapshotOptions configure Snapshot.
type SnapshotOptions struct {
	// Kinds to read; nil means catalog.Kinds.
	Kinds []catalog.Kind
	// MaxRemoveShare (0..1) is the largest share of a kind's mirror records
	// a snapshot may remove; more is refused unless Force.
	MaxRemoveShare decimal.Decimal
	Force          bool
	// Progress, if set, is called every ProgressEvery records and at the end
	// of each kind.
	Progress      func(kind catalog.Kind, read int, done bool)
	ProgressEvery int
	Logger        *slog.Logger
}

const mirrorBatch = 500

// Snapshot reads a full snapshot of the ERP into the mirror: new and changed
// records are written, unchanged ones left alone, and records the ERP no
// longer has are removed. Everything happens in one transaction, so a failed
// or refused snapshot leaves the mirror as it was.
//
// Memory: each kind's existing keys and hashes are held while that kind is
// read (about 60 bytes a record); rows stream from the ERP one at a time.
func Snapshot(ctx context.Context, db *state.DB, src erp.Source, o SnapshotOptions) (SnapshotSummary, error) {
	start := time.Now()
	kinds := o.Kinds
	if kinds == nil {
		kinds = catalog.Kinds
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
	snapID := start.UTC().Format("20060102T150405.000000000Z")
	var sum SnapshotSummary
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, k := range kinds {
			ks, err := snapshotKind(ctx, db, tx, src, k, snapID, o, &sum.Changes)
			if err != nil {
				return err
			}
			sum.Kinds = append(sum.Kinds, ks)
		}
		return nil
	})
	sum.Duration = time.Since(start)
	if err != nil {
		return sum, err
	}
	return sum, nil
}

type shortHash [16]byte

// mirrorEntry is a mirror record's hash and whether this read saw its key.
type mirrorEntry struct {
	hash shortHash
	seen bool
}

// mirrorHash keeps the first 128 bits of a hex content hash: enough to tell
// changes apart, at half the memory of the full hash.
func mirrorHash(hexHash string) shortHash {
	var h shortHash
	if len(hexHash) < 2*len(h) {
		copy(h[:], hexHash)
		return h
	}
	if _, err := hex.Decode(h[:], []byte(hexHash[:2*len(h)])); err != nil {
		copy(h[:], hexHash)
	}
	return h
}

func snapshotKind(ctx context.Context, db *state.DB, tx *sqlx.Tx, src erp.Source, k catalog.Kind, snapID string, o SnapshotOptions, cs *ChangeSet) (KindSummary, error) {
	ks := KindSummary{Kind: k}
	// One map holds the mirror's hashes and marks the keys this read saw,
	// so each key is kept once.
	existing := map[string]mirrorEntry{}
	err := db.MirrorHashes(ctx, string(k), func(key, hash string) error {
		existing[key] = mirrorEntry{hash: mirrorHash(hash)}
		return nil
	})
	if err != nil {
		return ks, fmt.Errorf("engine: reading mirror %s: %w", k, err)
	}
	before := len(existing)
	batch := make([]state.MirrorRecord, 0, mirrorBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := db.UpsertMirror(ctx, tx, batch); err != nil {
			return fmt.Errorf("engine: writing mirror %s: %w", k, err)
		}
		batch = batch[:0]
		return nil
	}
	err = src.Snapshot(ctx, []catalog.Kind{k}, func(r catalog.Record) error {
		if r.Kind() != k {
			return fmt.Errorf("engine: ERP adapter sent a %s while reading %s", r.Kind(), k)
		}
		key := r.Key()
		old, had := existing[key]
		if old.seen {
			return fmt.Errorf("engine: ERP returned %s %q twice; check the profile's query for a missing join condition", k, key)
		}
		existing[key] = mirrorEntry{hash: old.hash, seen: true}
		ks.Read++
		payload, err := catalog.Canonical(r)
		if err != nil {
			return err
		}
		hash := catalog.HashCanonical(k, payload)
		switch {
		case !had:
			ks.Added++
		case old.hash != mirrorHash(hash):
			ks.Changed++
		default:
			ks.Unchanged++
			return nil
		}
		parent := mirrorParent(r)
		cs.changed(k, parent)
		batch = append(batch, state.MirrorRecord{Kind: string(k), Key: key, Hash: hash, Payload: payload, SnapshotID: snapID, Parent: parent})
		if len(batch) == mirrorBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		if o.Progress != nil && ks.Read%o.ProgressEvery == 0 {
			o.Progress(k, ks.Read, false)
		}
		return nil
	})
	if err != nil {
		return ks, fmt.Errorf("engine: ERP snapshot of %s: %w", k, err)
	}
	if err := flush(); err != nil {
		return ks, err
	}
	for _, e := range existing {
		if !e.seen {
			ks.Removed++
		}
	}
	if ks.Removed > 0 && !o.Force && before > 0 {
		share := decimal.NewFromInt(int64(ks.Removed)).Div(decimal.NewFromInt(int64(before)))
		if share.GreaterThan(o.MaxRemoveShare) {
			return ks, fmt.Errorf("%w: %d of %d %s records (%s%%) are gone from the ERP, more than erp.max_remove_share %s%%; "+
				"a broken query is likelier than an emptied ERP: check the ERP with 'erpbridge erp check', then rerun with --force if the removal is real",
				ErrTooManyRemovals, ks.Removed, before, k, share.Mul(decimal.NewFromInt(100)).Round(1), o.MaxRemoveShare.Mul(decimal.NewFromInt(100)))
		}
	}
	if ks.Removed > 0 {
		keys := make([]string, 0, ks.Removed)
		for key, e := range existing {
			if !e.seen {
				keys = append(keys, key)
				cs.removed(k, key)
			}
		}
		sort.Strings(keys)
		for i := 0; i < len(keys); i += mirrorBatch {
			end := min(i+mirrorBatch, len(keys))
			if _, err := db.DeleteMirror(ctx, tx, string(k), keys[i:end]); err != nil {
				return ks, fmt.Errorf("engine: removing from mirror %s: %w", k, err)
			}
		}
	}
	if o.Progress != nil {
		o.Progress(k, ks.Read, true)
	}
	if o.Logger != nil {
		o.Logger.Info("snapshot kind read", slog.String("kind", string(k)), slog.Int("read", ks.Read),
			slog.Int("added", ks.Added), slog.Int("changed", ks.Changed), slog.Int("removed", ks.Removed))
	}
	return ks, nil
}
