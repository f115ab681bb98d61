// Package orders takes shop orders into the ERP exactly once: webhook intake
// and polling meet in the state inbox (its unique key (store, shop order id)
// makes their union exactly-once), the processor normalizes and writes each
// order to the ERP staging tables, reserves its stock in the hub until the
// ERP reflects it, and the status sync sends the ERP's result, status and
// tracking back to the shop once.
//
// Every durable fact lives in the state database; the jobs here only move
// rows between states, so a crash repeats work and never loses it.
package orders

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Store is one enabled store as the order pipeline sees it.
type Store struct {
	ID string
	// Adapter is the store's adapter; the pipeline uses the optional
	// interfaces it implements (OrderSource, StatusSetter, WebhookReceiver).
	Adapter store.Store
	// Orders is the store's orders config (stores[].orders).
	Orders config.Orders
}

func (s *Store) enabled() bool { return s.Orders.Enabled == nil || *s.Orders.Enabled }

func (s *Store) rules() Rules {
	return Rules{
		Store: s.ID, ShippingMap: s.Orders.ShippingMap, PaymentMap: s.Orders.PaymentMap,
		Match: s.Orders.Customers.Match, RetailCustomer: s.Orders.Customers.RetailCustomer,
	}
}

// Service is the order pipeline over the state database, the ERP and the
// stores. Set the fields, then use it from any number of goroutines; do not
// change the fields afterwards.
type Service struct {
	DB  *state.DB
	ERP erp.Source
	// Stores are the enabled stores by id.
	Stores map[string]*Store
	Log    *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnReserved, when set, is called after hub reservations were taken or
	// released, so that the caller re-projects and pushes every store's
	// stock ahead of routine work. It must not block for long.
	OnReserved func(ctx context.Context)
	// Backoff is the wait before retry attempt n (n ≥ 1) after a retryable
	// ERP or shop failure (default: 30 s doubling to 30 min, with jitter).
	Backoff func(attempt int) time.Duration
	// BatchSize is how many inbox orders one claim takes (default 20).
	BatchSize int
	// NoGroupCommit stores every webhook delivery in its own transaction
	// instead of sharing transactions between concurrent deliveries; it is
	// the baseline group commit is measured against.
	NoGroupCommit bool

	initOnce sync.Once
	kick     chan struct{}
	// gate serialises intake transactions on SQLite, whose one write lock
	// is not fair: queued in Go, a burst of webhooks waits its turn instead
	// of timing out in SQLite's busy handler.
	gate    chan struct{}
	logLim  *logLimiter
	commits committer
	// checkpointing is set while a WAL checkpoint runs; commitCount counts
	// intake commits (see checkpoint).
	checkpointing atomic.Bool
	commitCount   atomic.Int64
	// commitFault, when set (tests), fails every intake transaction just
	// before its commit.
	commitFault func() error
}

func (s *Service) init() {
	s.initOnce.Do(func() {
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Backoff == nil {
			s.Backoff = DefaultBackoff
		}
		if s.BatchSize <= 0 {
			s.BatchSize = 20
		}
		s.kick = make(chan struct{}, 1)
		if s.DB != nil && s.DB.Driver() == state.DriverSQLite {
			s.gate = make(chan struct{}, 1)
		}
		s.logLim = newLogLimiter(10 * time.Second)
	})
}

// Kicked returns a channel that receives when new work arrived (a webhook
// stored an order); the Runner's processing loop waits on it.
func (s *Service) Kicked() <-chan struct{} {
	s.init()
	return s.kick
}

// enter waits for the intake gate (SQLite only); leave releases it.
func (s *Service) enter(ctx context.Context) error {
	if s.gate == nil {
		return nil
	}
	select {
	case s.gate <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) leave() {
	if s.gate != nil {
		<-s.gate
	}
}

// write runs fn, a state database write, inside the gate.
func (s *Service) write(ctx context.Context, fn func() error) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.leave()
	return fn()
}

func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Service) reserved(ctx context.Context) {
	if s.OnReserved != nil {
		s.OnReserved(ctx)
	}
}

// DefaultBackoff waits 30 s before the first retry, doubling up to 30 min,
// with up to 20 % jitter so that retries of many orders spread out.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 30*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 30*time.Minute)
	var b [8]byte
	_, _ = rand.Read(b[:])
	return d + time.Duration(binary.LittleEndian.Uint64(b[:])%uint64(d/5+1))
}

// logLimiter lets one log line per key through per interval and counts the
// rest, so that a flood of bad webhooks cannot flood the log.
type logLimiter struct {
	mu         sync.Mutex
	every      time.Duration
	last       map[string]time.Time
	suppressed map[string]int
}

func newLogLimiter(every time.Duration) *logLimiter {
	return &logLimiter{every: every, last: map[string]time.Time{}, suppressed: map[string]int{}}
}

// allow reports whether a line for key may be logged now and how many were
// suppressed since the last one.
func (l *logLimiter) allow(key string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.every {
		l.suppressed[key]++
		return false, 0
	}
	n := l.suppressed[key]
	l.last[key] = now
	l.suppressed[key] = 0
	return true, n
}
