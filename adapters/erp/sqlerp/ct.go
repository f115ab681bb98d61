package sqlerp

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
)

// SQL Server Change Tracking (options.change_tracking): instead of the
// modified_at watermark, Changes reads the product cards SQL Server
// recorded as changed since the version kept in the hub's cursor
// ("ct:<version>"). A product query marks where the filter goes with
//
//	/*erpbridge-changed CDN.Towary t.Twr_TwrId*/
//
// (tracked table, then the card id column); in this mode the marker
// becomes AND t.Twr_TwrId IN (SELECT ct.Twr_TwrId FROM
// CHANGETABLE(CHANGES CDN.Towary, :ct_since) AS ct), elsewhere it is a
// comment. Deletions are left to the full snapshot, as with watermarks.

// ctCursorPrefix starts a Change Tracking cursor.
const ctCursorPrefix = "ct:"

var ctMarkerRe = regexp.MustCompile(`/\*erpbridge-changed ([A-Za-z_][A-Za-z0-9_.]*) ([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\*/`)

// ctFilter replaces the change marker of q with the CHANGETABLE filter.
func ctFilter(q string) string {
	return ctMarkerRe.ReplaceAllString(q, `AND $2.$3 IN (SELECT ct.$3 FROM CHANGETABLE(CHANGES $1, :ct_since) AS ct)`)
}

// ctTable is the table the products query of prof tracks in dialect, or ""
// without a marker.
func ctTable(prof *Profile, dialect string) string {
	text, _ := prof.Text(QueryProducts, dialect)
	if m := ctMarkerRe.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// changeTracker is what the Change Tracking mode asks of the database;
// sqlTracker runs it on SQL Server, tests use a fake.
type changeTracker interface {
	// currentVersion is CHANGE_TRACKING_CURRENT_VERSION().
	currentVersion(ctx context.Context) (int64, error)
	// minValidVersion is CHANGE_TRACKING_MIN_VALID_VERSION of the tracked
	// table; ok is false when tracking is not enabled on it (NULL).
	minValidVersion(ctx context.Context) (v int64, ok bool, err error)
	// read sends the products and variants changed after version, or all
	// of them when full.
	read(ctx context.Context, full bool, version int64, fn func(catalog.Record) error) error
}

// ctChanges is Changes in Change Tracking mode. The current version is read
// first, so a change committed while the delta is read is read again next
// time rather than missed. A cursor that is empty, not a Change Tracking
// cursor (the watermark mode wrote it) or older than the table's minimum
// valid version (the changes were cleaned up) gets a full read.
func ctChanges(ctx context.Context, t changeTracker, log *slog.Logger, cursor string, fn func(catalog.Record) error) (string, error) {
	cur, err := t.currentVersion(ctx)
	if err != nil {
		return cursor, err
	}
	minV, ok, err := t.minValidVersion(ctx)
	if err != nil {
		return cursor, err
	}
	if !ok {
		return cursor, fault.Fatal(fmt.Errorf("sqlerp: change tracking is not enabled on the products table; " +
			"ask the DBA for ALTER DATABASE ... SET CHANGE_TRACKING = ON and ALTER TABLE ... ENABLE CHANGE_TRACKING, or remove options.change_tracking"))
	}
	last, isCT := parseCTCursor(cursor)
	full := !isCT || last < minV
	if full && isCT {
		log.LogAttrs(ctx, slog.LevelWarn, "change tracking version too old, reading all products",
			slog.Int64("cursor_version", last), slog.Int64("min_valid_version", minV))
	}
	if err := t.read(ctx, full, last, fn); err != nil {
		return cursor, err
	}
	return ctCursorPrefix + strconv.FormatInt(cur, 10), nil
}

// parseCTCursor reads a "ct:<version>" cursor.
func parseCTCursor(c string) (int64, bool) {
	v, ok := strings.CutPrefix(c, ctCursorPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

// sqlTracker is changeTracker on the ERP database.
type sqlTracker struct{ s *Source }

func (t sqlTracker) scalar(ctx context.Context, name, q string) (sql.NullInt64, error) {
	var v sql.NullInt64
	if err := t.s.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return v, t.s.queryErr(name, err)
	}
	return v, nil
}

func (t sqlTracker) currentVersion(ctx context.Context) (int64, error) {
	v, err := t.scalar(ctx, "change_tracking_current_version", ctCurrentVersionSQL)
	if err == nil && !v.Valid {
		err = fault.Fatal(fmt.Errorf("sqlerp: change tracking is not enabled on the ERP database (CHANGE_TRACKING_CURRENT_VERSION() is NULL)"))
	}
	return v.Int64, err
}

func (t sqlTracker) minValidVersion(ctx context.Context) (int64, bool, error) {
	v, err := t.scalar(ctx, "change_tracking_min_valid_version", t.s.ctMinValidSQL())
	return v.Int64, v.Valid, err
}

func (t sqlTracker) read(ctx context.Context, full bool, version int64, fn func(catalog.Record) error) error {
	q, v := QueryProducts, QueryVariants
	var extra map[string]any
	if !full {
		extra = map[string]any{"ct_since": version, ctFilterParam: true}
	}
	if err := t.s.readProducts(ctx, q, extra, 0, fn, nil); err != nil {
		return err
	}
	if !t.s.prof.Has(v) {
		return nil
	}
	return t.s.readVariants(ctx, v, extra, 0, fn, nil)
}

// ctFilterParam in a query's extra parameters asks compile for the
// CHANGETABLE filter.
const ctFilterParam = "\x00ct_filter"

const ctCurrentVersionSQL = `SELECT CHANGE_TRACKING_CURRENT_VERSION()`

// ctMinValidSQL reads the tracked table's minimum valid version; the table
// name comes from the profile, never from input.
func (s *Source) ctMinValidSQL() string {
	table := ctTable(s.prof, s.d.name)
	if s.opt.ERPSchema != "CDN" {
		table = cdnRe.ReplaceAllString(table, s.opt.ERPSchema+".")
	}
	return `SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID('` + table + `'))`
}
