package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/state"
)

// MaxCommitBatch is the most webhook deliveries one group commit stores.
const MaxCommitBatch = 256

// commitTimeout bounds one group commit, its one-by-one retry included.
const commitTimeout = 30 * time.Second

// request is one delivery waiting for its group commit.
type request struct {
	item
	out  Outcome
	err  error
	done chan struct{}
}

// committer queues deliveries for the one goroutine that writes them: it
// runs while the queue is not empty and takes whatever is queued (up to
// MaxCommitBatch) into each transaction, so a batch closes when the writer
// is free again, without a fixed wait.
type committer struct {
	mu    sync.Mutex
	queue []*request
	busy  bool
}

// commitOne stores it and returns its outcome once the transaction holding
// it committed. Unless NoGroupCommit is set, deliveries that arrive while a
// transaction runs wait for the next one and share it: one commit (one
// fsync) for many orders. A failed transaction is retried order by order,
// so one row the database refuses fails alone; every order whose commit
// failed gets an error (the shop retries). When ctx ends first, the order
// may still be stored; a repeated delivery is then a duplicate.
func (s *Service) commitOne(ctx context.Context, it item) (Outcome, error) {
	r := &request{item: it, done: make(chan struct{})}
	if s.NoGroupCommit {
		s.commitBatch(ctx, []*request{r})
	} else {
		c := &s.commits
		c.mu.Lock()
		c.queue = append(c.queue, r)
		start := !c.busy
		c.busy = true
		c.mu.Unlock()
		if start {
			go s.drain()
		}
	}
	select {
	case <-r.done:
		return r.out, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// drain commits queued requests batch by batch until the queue is empty.
func (s *Service) drain() {
	c := &s.commits
	for {
		c.mu.Lock()
		n := min(len(c.queue), MaxCommitBatch)
		if n == 0 {
			c.busy = false
			c.queue = nil
			c.mu.Unlock()
			return
		}
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		s.commitBatch(ctx, batch)
		cancel()
	}
}

// commitBatch stores batch in one transaction and answers every request.
func (s *Service) commitBatch(ctx context.Context, batch []*request) {
	var (
		outs     []Outcome
		released bool
	)
	err := s.retryConflict(ctx, func() error {
		var err error
		outs, released, err = s.commitTx(ctx, batch)
		return err
	})
	if err != nil && len(batch) > 1 {
		s.Log.Warn("group commit failed, storing its orders one by one", slog.Int("orders", len(batch)), slog.Any("err", err))
		for _, r := range batch {
			s.commitBatch(ctx, []*request{r})
		}
		return
	}
	var stored bool
	for i, r := range batch {
		if err != nil {
			r.err = err
		} else {
			r.out = outs[i]
			stored = stored || r.out == Stored || r.out == StoredInvalid
			if r.out == StoredInvalid {
				s.Log.Warn("order payload stored as invalid", slog.String("store", r.st.ID),
					slog.String("order", r.row.ShopOrderID), slog.String("reason", r.row.Reason))
			}
		}
		close(r.done)
	}
	if stored {
		s.wake()
	}
	if released {
		s.reserved(ctx)
	}
	s.checkpoint()
}

// Intake commits skip SQLite's automatic WAL checkpoint, whose writes and
// syncs would delay the deliveries waiting for them. Every checkpointEvery
// commits a checkpoint runs beside the writer instead, and every
// checkpointSyncEvery commits one runs in the writer, between batches: with
// nothing written meanwhile it completes, so the WAL starts over and stays
// small.
const (
	checkpointEvery     = 100
	checkpointSyncEvery = 1000
)

// checkpoint runs after each intake commit.
func (s *Service) checkpoint() {
	if s.DB.Driver() != state.DriverSQLite {
		return
	}
	n := s.commitCount.Add(1)
	if n%checkpointEvery != 0 || !s.checkpointing.CompareAndSwap(false, true) {
		return
	}
	run := func() {
		defer s.checkpointing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		defer cancel()
		if err := s.DB.Checkpoint(ctx); err != nil {
			s.Log.Warn("state checkpoint failed", slog.Any("err", err))
		}
	}
	if n%checkpointSyncEvery == 0 {
		run()
		return
	}
	go run()
}

// commitTx writes batch in one transaction: the first delivery of each
// order key goes into one multi-row insert; the orders it did not create
// (known before, or repeated in the batch) are then handled one by one, a
// key's deliveries in arrival order, each in a savepoint so that a duplicate
// delivery rolls back only itself.
func (s *Service) commitTx(ctx context.Context, batch []*request) ([]Outcome, bool, error) {
	if err := s.enter(ctx); err != nil {
		return nil, false, err
	}
	defer s.leave()
	// Rows are written in key order (arrival order within a key), as polls
	// do, so that writers on one PostgreSQL rarely wait for each other in
	// opposite orders; a deadlock that still happens is retried.
	byKey := make([]int, len(batch))
	for i := range byKey {
		byKey[i] = i
	}
	sort.SliceStable(byKey, func(a, b int) bool {
		ra, rb := batch[byKey[a]].row, batch[byKey[b]].row
		if ra.Store != rb.Store {
			return ra.Store < rb.Store
		}
		return ra.ShopOrderID < rb.ShopOrderID
	})
	type key struct{ store, id string }
	seen := make(map[key]bool, len(batch))
	first := make([]int, 0, len(batch))
	for _, i := range byKey {
		k := key{batch[i].st.ID, batch[i].row.ShopOrderID}
		if !seen[k] {
			seen[k] = true
			first = append(first, i)
		}
	}
	news := make([]state.NewOrder, len(first))
	for j, i := range first {
		r := batch[i]
		news[j] = state.NewOrder{Order: r.row, ShopUpdatedAt: r.updatedAt, Deliveries: r.deliveries}
	}
	outs := make([]Outcome, len(batch))
	var released bool
	err := s.DB.InDurableTx(ctx, func(tx *sqlx.Tx) error {
		clear(outs)
		released = false
		ids, err := s.DB.ReceiveOrders(ctx, tx, news)
		if err != nil {
			return fmt.Errorf("orders: store %d orders: %w", len(news), err)
		}
		for j, i := range first {
			if ids[j] != 0 {
				outs[i] = batch[i].created()
			}
		}
		for _, i := range byKey {
			if outs[i] != 0 {
				continue
			}
			out, rel, err := s.applySaved(ctx, tx, batch[i].item)
			if err != nil {
				return err
			}
			outs[i], released = out, released || rel
		}
		if s.commitFault != nil {
			return s.commitFault()
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return outs, released, nil
}

// applySaved is applyTx inside a savepoint: a duplicate delivery rolls back
// what it wrote and answers Duplicate, the rest of tx stays.
func (s *Service) applySaved(ctx context.Context, tx *sqlx.Tx, it item) (Outcome, bool, error) {
	if len(it.deliveries) == 0 {
		return s.applyTx(ctx, tx, it) // only deliveries can be duplicates
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT intake`); err != nil {
		return 0, false, fmt.Errorf("orders: savepoint: %w", err)
	}
	out, rel, err := s.applyTx(ctx, tx, it)
	if errors.Is(err, errDuplicate) {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT intake`); err != nil {
			return 0, false, fmt.Errorf("orders: rollback to savepoint: %w", err)
		}
		out, rel, err = Duplicate, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT intake`); err != nil {
		return 0, false, fmt.Errorf("orders: release savepoint: %w", err)
	}
	return out, rel, nil
}

// retryConflict runs fn, a transaction, up to three times while PostgreSQL
// aborts it to resolve a deadlock or a serialization failure.
func (s *Service) retryConflict(ctx context.Context, fn func() error) error {
	var err error
	for range 3 {
		if err = fn(); !state.Conflict(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}
