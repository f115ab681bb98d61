// Package erp is the contract between the hub and an ERP adapter: read the
// catalog (full snapshots and changes since a cursor), write orders into
// staging tables exactly once, and read back what the ERP made of them.
//
// Errors are classified with package fault: Fatal for a connection that
// cannot work (bad login, missing table), Permanent for one order's data, and
// anything else (ERP down, timeouts) retryable.
package erp

import (
	"context"
	"log/slog"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/registry"
)

// Features is what an ERP adapter declares.
type Features struct {
	// Changes is true when Changes reads deltas; false means every read is a
	// full snapshot.
	Changes bool
	// ChangeKinds are the kinds Changes covers; other kinds (Comarch prices
	// and stock) come only from snapshots.
	ChangeKinds []catalog.Kind
	// Orders is true when WriteOrder and OrderResults work.
	Orders bool
}

// StagingRef identifies an order in the ERP's staging tables. Created is false
// when the order was already there.
type StagingRef struct {
	ID      string
	Created bool
}

// StagingState is where an order stands on the ERP side.
type StagingState string

// Staging states, written by the ERP-side importer.
const (
	StagingPending  StagingState = "pending"
	StagingImported StagingState = "imported"
	StagingFailed   StagingState = "failed"
)

// OrderResult is what the ERP side reports about a staged order: the
// importer's result and, later, the ERP order's status and tracking.
type OrderResult struct {
	StagingID   string
	Store       string
	ShopOrderID string
	State       StagingState
	ERPNumber   string
	Error       string
	Status      catalog.OrderStatus
	Tracking    *catalog.Tracking
	UpdatedAt   time.Time
}

// Source is the contract every ERP adapter implements. Methods are safe for
// concurrent use and stop promptly when ctx is cancelled.
type Source interface {
	// Features describes the adapter; it does not change after New.
	Features() Features

	// Ping checks that the ERP database answers.
	Ping(ctx context.Context) error

	// Snapshot streams every current record of the given kinds to fn, kind by
	// kind in the order given, without holding whole tables in memory. An
	// error from fn stops the read and is returned. A snapshot is complete
	// only when Snapshot returns nil; callers commit nothing before that.
	Snapshot(ctx context.Context, kinds []catalog.Kind, fn func(catalog.Record) error) error

	// Changes streams records of Features().ChangeKinds changed since cursor
	// ("" means from the beginning), reading back an overlap window so that
	// changes committed late are not missed (records may repeat). It returns
	// the cursor to pass next time; the caller stores it only after it has
	// committed every record. Deletions are not reported; snapshots find them.
	Changes(ctx context.Context, cursor string, fn func(catalog.Record) error) (next string, err error)

	// WriteOrder writes o into the staging tables exactly once: the key
	// (o.Store, o.ShopOrderID) is unique in the database, and writing the same
	// order again returns the existing StagingRef with Created false.
	WriteOrder(ctx context.Context, o catalog.Order) (StagingRef, error)

	// OrderResults streams results of staged orders that changed since cursor
	// ("" means all) and returns the next cursor, as Changes does.
	OrderResults(ctx context.Context, cursor string, fn func(OrderResult) error) (next string, err error)

	// Close releases the connection pool.
	Close() error
}

// Params is what a Factory gets to build a Source.
type Params struct {
	// Driver and DSN name the ERP database (sqlserver, postgres, mysql, sqlite).
	Driver string
	DSN    string
	// Profile names the query set (comarch-optima, comarch-xl, generic, custom).
	Profile string
	// TimeZone is the zone of the ERP's local timestamps.
	TimeZone *time.Location
	// Overlap is how far back each change read looks again (erp.overlap).
	Overlap time.Duration
	// Options is the value Factory.Options returned, decoded from the config.
	Options any
	Logger  *slog.Logger
}

// Factory builds Sources of one kind.
type Factory struct {
	// Description is one line for `--help` and docs.
	Description string
	// Profiles lists the profiles this adapter accepts; empty means any.
	Profiles []string
	// Options returns a pointer to a fresh struct of adapter options (yaml
	// tags); nil when there are none.
	Options func() any
	// New builds a Source without touching the database.
	New func(ctx context.Context, p Params) (Source, error)
}

// Registry is the ERP adapter registry adapters register into.
var Registry = registry.New[Factory]("ERP type")

// Register adds an ERP adapter to Registry; call it from init().
func Register(name string, f Factory) { Registry.Register(name, f) }
