package sqlerp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/fault"
)

// fakeTracker is a changeTracker over fixed versions; it records the calls.
type fakeTracker struct {
	cur, min  int64
	minNull   bool
	failRead  bool
	calls     []string
	readFull  bool
	readSince int64
}

func (f *fakeTracker) currentVersion(context.Context) (int64, error) {
	f.calls = append(f.calls, "current")
	return f.cur, nil
}

func (f *fakeTracker) minValidVersion(context.Context) (int64, bool, error) {
	f.calls = append(f.calls, "min")
	return f.min, !f.minNull, nil
}

func (f *fakeTracker) read(_ context.Context, full bool, since int64, fn func(catalog.Record) error) error {
	f.calls = append(f.calls, "read")
	f.readFull, f.readSince = full, since
	if f.failRead {
		return errors.New("connection reset")
	}
	return fn(catalog.Product{SKU: "A"})
}

func TestChangeTrackingVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cursor    string
		tr        fakeTracker
		wantFull  bool
		wantSince int64
		wantNext  string
		wantWarn  bool
	}{
		{name: "first read", cursor: "", tr: fakeTracker{cur: 40, min: 3}, wantFull: true, wantNext: "ct:40"},
		{name: "watermark cursor from before", cursor: "2026-12-01T10:00:00Z", tr: fakeTracker{cur: 40, min: 3}, wantFull: true, wantNext: "ct:40"},
		{name: "delta", cursor: "ct:17", tr: fakeTracker{cur: 40, min: 3}, wantSince: 17, wantNext: "ct:40"},
		{name: "delta at the minimum", cursor: "ct:3", tr: fakeTracker{cur: 40, min: 3}, wantSince: 3, wantNext: "ct:40"},
		{name: "version cleaned up", cursor: "ct:2", tr: fakeTracker{cur: 40, min: 3}, wantFull: true, wantSince: 2, wantNext: "ct:40", wantWarn: true},
		{name: "nothing changed", cursor: "ct:40", tr: fakeTracker{cur: 40, min: 3}, wantSince: 40, wantNext: "ct:40"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			n := 0
			next, err := ctChanges(t.Context(), &tc.tr, log, tc.cursor, func(catalog.Record) error { n++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if next != tc.wantNext || tc.tr.readFull != tc.wantFull || (!tc.wantFull && tc.tr.readSince != tc.wantSince) || n != 1 {
				t.Errorf("next %q, full %v, since %d, records %d; want %q, %v, %d, 1", next, tc.tr.readFull, tc.tr.readSince, n, tc.wantNext, tc.wantFull, tc.wantSince)
			}
			// The current version is read before the changes, so none is lost.
			if got := strings.Join(tc.tr.calls, ","); got != "current,min,read" {
				t.Errorf("calls %s, want current,min,read", got)
			}
			if warned := strings.Contains(logs.String(), "too old"); warned != tc.wantWarn {
				t.Errorf("warning logged %v, want %v: %s", warned, tc.wantWarn, logs.String())
			}
		})
	}

	// Tracking not enabled on the table: a fatal error, the cursor kept,
	// nothing read.
	tr := &fakeTracker{cur: 40, minNull: true}
	next, err := ctChanges(t.Context(), tr, slog.Default(), "ct:17", func(catalog.Record) error { return nil })
	if err == nil || !fault.IsFatal(err) || next != "ct:17" || strings.Contains(strings.Join(tr.calls, ","), "read") {
		t.Errorf("tracking off: next %q, err %v, calls %v; want ct:17 kept, a fatal error, no read", next, err, tr.calls)
	}
	// A failed read keeps the cursor.
	tr = &fakeTracker{cur: 40, min: 3, failRead: true}
	if next, err := ctChanges(t.Context(), tr, slog.Default(), "ct:17", func(catalog.Record) error { return nil }); err == nil || next != "ct:17" {
		t.Errorf("failed read: next %q, err %v; want ct:17 kept and the error", next, err)
	}
}

func newSQLServerSource(t *testing.T, profile string, opt Options) *Source {
	t.Helper()
	s, err := New(t.Context(), erp.Params{Driver: "sqlserver", DSN: "sqlserver://u:p@127.0.0.1:1?database=erp", Profile: profile, Options: &opt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The SQL the Change Tracking mode sends, for the shapes SQL Server needs
// (it never ran here against SQL Server; see TestChangeTrackingSQLServer).
func TestChangeTrackingSQL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ profile, schema, table, id string }{
		{ProfileOptima, "CDN", "CDN.Towary", "t.Twr_TwrId"},
		{ProfileXL, "CDN", "CDN.TwrKarty", "t.Twr_GIDNumer"},
		{ProfileOptima, "ERP", "ERP.Towary", "t.Twr_TwrId"},
	} {
		s := newSQLServerSource(t, tc.profile, Options{ChangeTracking: true, ERPSchema: tc.schema})
		col := strings.TrimPrefix(tc.id, "t.")
		for _, q := range []string{QueryProducts, QueryVariants} {
			sqlText, args, err := s.compile(q, map[string]any{"ct_since": int64(17), ctFilterParam: true})
			if err != nil {
				t.Fatal(err)
			}
			want := "AND " + tc.id + " IN (SELECT ct." + col + " FROM CHANGETABLE(CHANGES " + tc.table + ", @p"
			if !strings.Contains(sqlText, want) || strings.Contains(sqlText, "erpbridge-changed") {
				t.Errorf("%s/%s delta query lacks %q:\n%s", tc.profile, q, want, sqlText)
			}
			found := false
			for _, a := range args {
				found = found || a == int64(17)
			}
			if !found {
				t.Errorf("%s/%s: version 17 not among the arguments %v", tc.profile, q, args)
			}
			full, _, err := s.compile(q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(full, "CHANGETABLE") || !strings.Contains(full, "/*erpbridge-changed") {
				t.Errorf("%s/%s: full query has a CHANGETABLE filter or lost its marker:\n%s", tc.profile, q, full)
			}
		}
		if got, want := s.ctMinValidSQL(), "SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID('"+tc.table+"'))"; got != want {
			t.Errorf("min valid version query %q, want %q", got, want)
		}
		if f := s.Features(); !f.Changes || len(f.ChangeKinds) != 2 {
			t.Errorf("%s features %+v, want product and variant changes", tc.profile, f)
		}
	}
	if ctCurrentVersionSQL != "SELECT CHANGE_TRACKING_CURRENT_VERSION()" {
		t.Errorf("current version query %q", ctCurrentVersionSQL)
	}
}

// Change Tracking is refused for other drivers and for profiles whose
// products query says nothing of the tracked table.
func TestChangeTrackingRefused(t *testing.T) {
	t.Parallel()
	for _, driver := range []string{"postgres", "mysql", "sqlite"} {
		err := Options{ChangeTracking: true}.ValidateFor(driver)
		if err == nil || !strings.Contains(err.Error(), "change_tracking needs driver sqlserver") {
			t.Errorf("%s: ValidateFor = %v, want a refusal naming the option and the driver", driver, err)
		}
		_, err = New(t.Context(), erp.Params{Driver: driver, DSN: "x", Profile: ProfileOptima, Options: &Options{ChangeTracking: true}})
		if err == nil {
			t.Errorf("%s: New accepted change_tracking", driver)
		}
	}
	if err := (Options{ChangeTracking: true}).ValidateFor("sqlserver"); err != nil {
		t.Errorf("sqlserver: %v", err)
	}
	if err := (Options{}).ValidateFor("postgres"); err != nil {
		t.Errorf("change tracking off: %v", err)
	}
	_, err := New(t.Context(), erp.Params{Driver: "sqlserver", DSN: "sqlserver://u:p@127.0.0.1:1", Profile: ProfileGeneric, Options: &Options{ChangeTracking: true}})
	if err == nil || !strings.Contains(err.Error(), "erpbridge-changed") {
		t.Errorf("generic profile with change tracking: err = %v, want the missing marker named", err)
	}
}
