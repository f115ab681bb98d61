package engine

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/state"
)

// DeltaCursor names the state cursor of the ERP change reads.
const DeltaCursor = "erp.changes"

// DeltaChanges reads what changed in the ERP since the stored cursor into
// the mirror and stores the ERP's next cursor in the same transaction, so a
// crash never skips changes. It returns how many mirror records changed and
// names the products they belong to, for ProjectOptions.Only. ERPs without
// change reads (Features().Changes false) rely on snapshots: nothing happens. Records read again in the overlap
// window are named even when they did not change; re-projecting them
// changes nothing.
func DeltaChanges(ctx context.Context, db *state.DB, src erp.Source) (int, ChangeSet, error) {
	var cs ChangeSet
	if !src.Features().Changes {
		return 0, cs, nil
	}
	cursor, _, err := db.Cursor(ctx, DeltaCursor)
	if err != nil {
		return 0, cs, err
	}
	changed := 0
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		batch := make([]state.MirrorRecord, 0, mirrorBatch)
		flush := func() error {
			n, err := db.UpsertMirror(ctx, tx, batch)
			changed += n
			batch = batch[:0]
			return err
		}
		next, err := src.Changes(ctx, cursor, func(r catalog.Record) error {
			payload, err := catalog.Canonical(r)
			if err != nil {
				return err
			}
			hash := catalog.HashCanonical(r.Kind(), payload)
			parent := mirrorParent(r)
			cs.changed(r.Kind(), parent)
			batch = append(batch, state.MirrorRecord{Kind: string(r.Kind()), Key: r.Key(), Hash: hash, Payload: payload, Parent: parent})
			if len(batch) == mirrorBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("engine: ERP changes since %q: %w", cursor, err)
		}
		if err := flush(); err != nil {
			return err
		}
		return db.SetCursor(ctx, tx, DeltaCursor, next)
	})
	if err != nil {
		return changed, ChangeSet{}, err
	}
	return changed, cs, nil
}
