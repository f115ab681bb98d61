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
	"sync"
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

// KeyOrderedSource is an erp.Source that can promise, kind by kind, to send
// a snapshot's records in strictly ascending bytewise Key order (Go string
// order). For those kinds Snapshot walks the ERP and the mirror side by
// side and holds neither in memory; a broken promise is detected, and the
// kind is read again the other way.
type KeyOrderedSource interface {
	erp.Source
	SnapshotKeyOrdered(k catalog.Kind) bool
}

// Snapshot reads a full snapshot of the ERP into the mirror: new and changed
// records are written, unchanged ones left alone, and records the ERP no
// longer has are removed. Everything happens in one transaction, so a failed
// or refused snapshot leaves the mirror as it was.
//
// Memory: for a kind the source sends in key order (KeyOrderedSource), the
// mirror's keys and hashes are read alongside the ERP, a chunk at a time,
// and memory stays flat whatever the size, but for the keys of records to
// remove, held until the kind is read (bounded by MaxRemoveShare unless
// Force). Other kinds, and an ordered kind whose order turns out broken,
// hold the kind's existing keys and hashes in a map while it is read (about
// 60 bytes a record).
func Snapshot(ctx context.Context, db *state.DB, src erp.Source, o SnapshotOptions) (SnapshotSummary, error) {
	start := time.Now()
	kinds := o.Kinds
	if kinds == nil {
		kinds = catalog.Kinds
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
	ordered, _ := src.(KeyOrderedSource)
	snapID := start.UTC().Format("20060102T150405.000000000Z")
	var sum SnapshotSummary
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		// The ERP query of the next kind runs (and its records are encoded)
		// while this kind is merged; one read ahead at most, started once
		// this kind's read has its first record (or has ended), so a source
		// with a single connection cannot give it to the read ahead first.
		streams := make([]*erpStream, len(kinds))
		open := func(i int, after <-chan struct{}) {
			if i < len(kinds) && streams[i] == nil {
				streams[i] = startERPStream(ctx, src, kinds[i], after)
			}
		}
		defer func() {
			for _, st := range streams {
				if st != nil {
					st.stop()
				}
			}
		}()
		for i, k := range kinds {
			open(i, nil)
			open(i+1, streams[i].reading)
			kr := newKindRead(db, tx, k, snapID, o)
			var err error
			if ordered != nil && ordered.SnapshotKeyOrdered(k) {
				// Before a re-read of this kind, the read ahead gives its
				// connection back; it starts again with the next kind.
				pause := func() {
					if i+1 < len(streams) && streams[i+1] != nil {
						streams[i+1].stop()
						streams[i+1] = nil
					}
				}
				err = kr.inOrder(ctx, src, streams[i], pause)
			} else {
				err = kr.withMap(ctx, streams[i])
			}
			streams[i].stop()
			if err != nil {
				return err
			}
			sum.Kinds = append(sum.Kinds, kr.ks)
			sum.Changes.Merge(kr.cs)
		}
		return nil
	})
	if err != nil {
		sum.Duration = time.Since(start)
		return sum, err
	}
	// After a first read, or any that rewrote a tenth of the mirror, the
	// database's statistics are stale; smaller changes are left to its
	// own maintenance. A failure costs speed only.
	var read, written int
	for _, k := range sum.Kinds {
		read += k.Read + k.Removed
		written += k.Added + k.Changed + k.Removed
	}
	if written > 0 && written*10 >= read {
		if err := db.TidyMirror(ctx); err != nil {
			log := o.Logger
			if log == nil {
				log = slog.Default()
			}
			log.Warn("snapshot committed; tidying the mirror failed", slog.String("error", err.Error()))
		}
	}
	sum.Duration = time.Since(start)
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

// errOutOfOrder stops an in-order read whose records (or mirror keys) are
// not in ascending key order.
var errOutOfOrder = errors.New("engine: snapshot records out of key order")

// kindRead is the read of one kind: what it counts and writes.
type kindRead struct {
	db      *state.DB
	tx      *sqlx.Tx
	k       catalog.Kind
	snapID  string
	o       SnapshotOptions
	ks      KindSummary
	cs      ChangeSet
	batch   []state.MirrorRecord
	removed []string
	// hold keeps removals queued until finish: an in-order read can learn
	// only at its end that a key it took for removed comes later.
	hold   bool
	before int // mirror records of the kind before the read
}

func newKindRead(db *state.DB, tx *sqlx.Tx, k catalog.Kind, snapID string, o SnapshotOptions) *kindRead {
	return &kindRead{db: db, tx: tx, k: k, snapID: snapID, o: o, ks: KindSummary{Kind: k}}
}

// record counts it, whose key the mirror had (with hash old) or not, and
// queues it for writing when it is new or changed.
func (kr *kindRead) record(ctx context.Context, it *erpItem, had bool, old shortHash) error {
	kr.ks.Read++
	if kr.o.Progress != nil && kr.ks.Read%kr.o.ProgressEvery == 0 {
		kr.o.Progress(kr.k, kr.ks.Read, false)
	}
	switch {
	case !had:
		kr.ks.Added++
	case old != shortHash(it.sum[:len(old)]):
		kr.ks.Changed++
	default:
		kr.ks.Unchanged++
		return nil
	}
	payload, err := catalog.Canonical(it.rec)
	if err != nil {
		return err
	}
	parent := mirrorParent(it.rec)
	kr.cs.changed(kr.k, parent)
	kr.batch = append(kr.batch, state.MirrorRecord{Kind: string(kr.k), Key: it.key, Hash: hex.EncodeToString(it.sum[:]),
		Payload: payload, SnapshotID: kr.snapID, Parent: parent})
	if len(kr.batch) < mirrorBatch {
		return nil
	}
	return kr.flush(ctx)
}

func (kr *kindRead) flush(ctx context.Context) error {
	if len(kr.batch) == 0 {
		return nil
	}
	if _, err := kr.db.UpsertMirror(ctx, kr.tx, kr.batch); err != nil {
		return fmt.Errorf("engine: writing mirror %s: %w", kr.k, err)
	}
	kr.batch = kr.batch[:0]
	return nil
}

// remove queues key's removal from the mirror; removals are written a
// batch at a time unless held. A refused read rolls them back with the rest
// of its transaction.
func (kr *kindRead) remove(ctx context.Context, key string) error {
	kr.ks.Removed++
	kr.removed = append(kr.removed, key)
	if kr.hold || len(kr.removed) < mirrorBatch {
		return nil
	}
	return kr.deleteRemoved(ctx)
}

func (kr *kindRead) deleteRemoved(ctx context.Context) error {
	if len(kr.removed) == 0 {
		return nil
	}
	if _, err := kr.db.DeleteMirror(ctx, kr.tx, string(kr.k), kr.removed); err != nil {
		return fmt.Errorf("engine: removing from mirror %s: %w", kr.k, err)
	}
	for _, key := range kr.removed {
		kr.cs.removed(kr.k, key)
	}
	kr.removed = kr.removed[:0]
	return nil
}

// finish writes what is queued and refuses a read that removed too much.
func (kr *kindRead) finish(ctx context.Context) error {
	if err := kr.flush(ctx); err != nil {
		return err
	}
	if kr.ks.Removed > 0 && !kr.o.Force && kr.before > 0 {
		share := decimal.NewFromInt(int64(kr.ks.Removed)).Div(decimal.NewFromInt(int64(kr.before)))
		if share.GreaterThan(kr.o.MaxRemoveShare) {
			return fmt.Errorf("%w: %d of %d %s records (%s%%) are gone from the ERP, more than erp.max_remove_share %s%%; "+
				"a broken query is likelier than an emptied ERP: check the ERP with 'erpbridge erp check', then rerun with --force if the removal is real",
				ErrTooManyRemovals, kr.ks.Removed, kr.before, kr.k, share.Mul(decimal.NewFromInt(100)).Round(1), kr.o.MaxRemoveShare.Mul(decimal.NewFromInt(100)))
		}
	}
	if err := kr.deleteRemoved(ctx); err != nil {
		return err
	}
	if kr.o.Progress != nil {
		kr.o.Progress(kr.k, kr.ks.Read, true)
	}
	if kr.o.Logger != nil {
		kr.o.Logger.Info("snapshot kind read", slog.String("kind", string(kr.k)), slog.Int("read", kr.ks.Read),
			slog.Int("added", kr.ks.Added), slog.Int("changed", kr.ks.Changed), slog.Int("removed", kr.ks.Removed))
	}
	return nil
}

func (kr *kindRead) duplicate(key string) error {
	return fmt.Errorf("engine: ERP returned %s %q twice; check the profile's query for a missing join condition", kr.k, key)
}

// withMap reads the kind holding the mirror's keys and hashes in a map.
func (kr *kindRead) withMap(ctx context.Context, st *erpStream) error {
	// One map holds the mirror's hashes and marks the keys this read saw,
	// so each key is kept once.
	existing := map[string]mirrorEntry{}
	err := kr.db.MirrorHashes(ctx, string(kr.k), func(key, hash string) error {
		existing[key] = mirrorEntry{hash: mirrorHash(hash)}
		return nil
	})
	if err != nil {
		return fmt.Errorf("engine: reading mirror %s: %w", kr.k, err)
	}
	kr.before = len(existing)
	err = st.each(func(it *erpItem) error {
		old, had := existing[it.key]
		if old.seen {
			return kr.duplicate(it.key)
		}
		existing[it.key] = mirrorEntry{hash: old.hash, seen: true}
		return kr.record(ctx, it, had, old.hash)
	})
	if err != nil {
		return fmt.Errorf("engine: ERP snapshot of %s: %w", kr.k, err)
	}
	for key, e := range existing {
		if !e.seen {
			if err := kr.remove(ctx, key); err != nil {
				return err
			}
		}
	}
	return kr.finish(ctx)
}

// inOrder reads the kind merging the ERP's key-ordered records with the
// mirror's keys, which are read concurrently in key order. When either side
// turns out of order, the kind is read again with a map; pause is called
// before that second read.
//
// No savepoint guards the first read (on SQLite it would journal every
// page the kind touches a second time): what it wrote stays right, as its
// records came in ascending order up to the break, so each was compared
// with its own mirror hash. Its removals, the one guess a break can prove
// wrong, were held and are dropped, with its unwritten records. The second
// read compares with the mirror as committed before this snapshot
// (MirrorHashes reads outside the transaction), so it counts and writes
// again all the first one wrote or would have.
func (kr *kindRead) inOrder(ctx context.Context, src erp.Source, st *erpStream, pause func()) error {
	kr.hold = true
	err := kr.merge(ctx, st)
	if !errors.Is(err, errOutOfOrder) {
		return err
	}
	log := kr.o.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn("ERP snapshot not in key order; reading the kind again with its keys in memory",
		slog.String("kind", string(kr.k)), slog.String("error", err.Error()))
	*kr = *newKindRead(kr.db, kr.tx, kr.k, kr.snapID, kr.o)
	st.stop()
	pause()
	again := startERPStream(ctx, src, kr.k, nil)
	defer again.stop()
	return kr.withMap(ctx, again)
}

func (kr *kindRead) merge(ctx context.Context, st *erpStream) error {
	m := openMirrorStream(ctx, kr.db, kr.k)
	defer m.close()
	if err := m.next(); err != nil {
		return err
	}
	prev, first := "", true
	err := st.each(func(it *erpItem) error {
		key := it.key
		if !first && key <= prev {
			if key == prev {
				return kr.duplicate(key)
			}
			return fmt.Errorf("%w: ERP sent %s %q after %q", errOutOfOrder, kr.k, key, prev)
		}
		prev, first = key, false
		for m.ok && m.cur.key < key {
			if err := kr.remove(ctx, m.cur.key); err != nil {
				return err
			}
			if err := m.next(); err != nil {
				return err
			}
		}
		had := m.ok && m.cur.key == key
		old := m.cur.hash
		if had {
			if err := m.next(); err != nil {
				return err
			}
		}
		return kr.record(ctx, it, had, old)
	})
	if err != nil {
		if errors.Is(err, errOutOfOrder) {
			return err
		}
		return fmt.Errorf("engine: ERP snapshot of %s: %w", kr.k, err)
	}
	for m.ok {
		if err := kr.remove(ctx, m.cur.key); err != nil {
			return err
		}
		if err := m.next(); err != nil {
			return err
		}
	}
	kr.before = m.n
	return kr.finish(ctx)
}

// mirrorKey is one mirror record's key and short hash.
type mirrorKey struct {
	key  string
	hash shortHash
}

const mirrorChunk = 1024

// mirrorStream reads a kind's mirror keys and hashes in key order in its
// own goroutine, a chunk at a time, so the mirror is read while the ERP
// query runs; at most a few chunks are held.
type mirrorStream struct {
	kind   catalog.Kind
	chunks chan []mirrorKey
	free   chan []mirrorKey // chunks read through, for reuse
	chunk  []mirrorKey      // the chunk buf is in
	done   chan error
	cancel context.CancelFunc
	buf    []mirrorKey
	cur    mirrorKey
	ok     bool // cur holds a record
	n      int  // records read so far
}

func openMirrorStream(ctx context.Context, db *state.DB, k catalog.Kind) *mirrorStream {
	ctx, cancel := context.WithCancel(ctx)
	m := &mirrorStream{kind: k, chunks: make(chan []mirrorKey, 2), free: make(chan []mirrorKey, 2), done: make(chan error, 1), cancel: cancel}
	go func() {
		defer close(m.chunks)
		chunk := make([]mirrorKey, 0, mirrorChunk)
		err := db.MirrorHashes(ctx, string(k), func(key, hash string) error {
			chunk = append(chunk, mirrorKey{key: key, hash: mirrorHash(hash)})
			if len(chunk) < mirrorChunk {
				return nil
			}
			select {
			case m.chunks <- chunk:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case chunk = <-m.free:
			default:
				chunk = make([]mirrorKey, 0, mirrorChunk)
			}
			return nil
		})
		if err == nil && len(chunk) > 0 {
			select {
			case m.chunks <- chunk:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		m.done <- err
	}()
	return m
}

// next moves to the next mirror record; ok is false after the last one.
func (m *mirrorStream) next() error {
	if len(m.buf) == 0 {
		if m.chunk != nil {
			select {
			case m.free <- m.chunk[:0]:
			default:
			}
			m.chunk = nil
		}
		chunk, open := <-m.chunks
		if !open {
			m.ok = false
			if err := <-m.done; err != nil {
				m.done <- err // close reports it again
				return fmt.Errorf("engine: reading mirror %s: %w", m.kind, err)
			}
			m.done <- nil
			return nil
		}
		m.buf, m.chunk = chunk, chunk
	}
	prev, had := m.cur.key, m.ok
	m.cur, m.buf, m.ok = m.buf[0], m.buf[1:], true
	m.n++
	if had && m.cur.key <= prev {
		return fmt.Errorf("%w: mirror sent %s %q after %q", errOutOfOrder, m.kind, m.cur.key, prev)
	}
	return nil
}

// close stops the reader and waits for it.
func (m *mirrorStream) close() {
	m.cancel()
	for range m.chunks {
	}
	<-m.done
}

// erpItem is one ERP record with its key and content hash, computed by
// the goroutine that reads the ERP. The canonical encoding is not kept:
// most records of a read are unchanged, and the few written are encoded
// again.
type erpItem struct {
	rec catalog.Record
	key string
	sum [32]byte
}

const erpBatch = 256

// erpStream reads one kind of an ERP snapshot and hands the records over a
// batch at a time: one goroutine reads the ERP, another encodes and hashes
// what it read, so the two overlap; at most a few batches are held.
type erpStream struct {
	kind catalog.Kind
	// reading is closed when the source has sent the first record or
	// returned.
	reading chan struct{}
	batches chan []erpItem
	free    chan []erpItem // batches handed over and done with, for reuse
	done    chan error
	cancel  context.CancelFunc
	stopped bool
	err     error
}

// The read begins when after is closed (nil: at once).
func startERPStream(ctx context.Context, src erp.Source, k catalog.Kind, after <-chan struct{}) *erpStream {
	ctx, cancel := context.WithCancel(ctx)
	st := &erpStream{kind: k, reading: make(chan struct{}), batches: make(chan []erpItem, 4), free: make(chan []erpItem, 8),
		done: make(chan error, 1), cancel: cancel}
	raw := make(chan []catalog.Record, 4)
	rawFree := make(chan []catalog.Record, 8)
	readErr := make(chan error, 1)
	go func() {
		defer close(raw)
		var once sync.Once
		reading := func() { once.Do(func() { close(st.reading) }) }
		defer reading()
		if after != nil {
			select {
			case <-after:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
		}
		batch := make([]catalog.Record, 0, erpBatch)
		send := func() error {
			select {
			case raw <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case batch = <-rawFree:
			default:
				batch = make([]catalog.Record, 0, erpBatch)
			}
			return nil
		}
		err := src.Snapshot(ctx, []catalog.Kind{k}, func(r catalog.Record) error {
			if r.Kind() != k {
				return fmt.Errorf("engine: ERP adapter sent a %s while reading %s", r.Kind(), k)
			}
			reading()
			batch = append(batch, r)
			if len(batch) < erpBatch {
				return nil
			}
			return send()
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		readErr <- err
	}()
	go func() {
		defer close(st.batches)
		var (
			err     error
			scratch []byte
		)
		for recs := range raw {
			if err != nil {
				continue // the read is being stopped
			}
			var items []erpItem
			select {
			case items = <-st.free:
			default:
				items = make([]erpItem, 0, erpBatch)
			}
			for _, r := range recs {
				_, sum, perr := catalog.CanonicalSum(&scratch, r)
				if perr != nil {
					err = perr
					cancel()
					break
				}
				items = append(items, erpItem{rec: r, key: r.Key(), sum: sum})
			}
			clear(recs)
			select {
			case rawFree <- recs[:0]:
			default:
			}
			if err != nil {
				continue
			}
			select {
			case st.batches <- items:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		if rerr := <-readErr; err == nil {
			err = rerr
		}
		st.done <- err
	}()
	return st
}

// each calls fn for every record in order and returns the read's error,
// or fn's, which stops the read.
//
// fn must not keep the item: its batch is reused.
func (st *erpStream) each(fn func(*erpItem) error) error {
	for batch := range st.batches {
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				st.stop()
				return err
			}
		}
		clear(batch)
		select {
		case st.free <- batch[:0]:
		default:
		}
	}
	st.stop()
	return st.err
}

// stop ends the read (if it still runs) and waits for its goroutine.
func (st *erpStream) stop() {
	if st.stopped {
		return
	}
	st.stopped = true
	st.cancel()
	for range st.batches {
	}
	st.err = <-st.done
}
