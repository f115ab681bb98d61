package sqlerp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/erp"
)

// QueryReport is what Check found for one query.
type QueryReport struct {
	// Name is the query name (products, stock, ...) or "staging".
	Name string
	// Rows is how many rows were read, at most the limit.
	Rows int
	// Columns are the columns the query returned.
	Columns []string
	// Sample is the first row, column → text (binary data shown by length).
	Sample map[string]string
	// Err is the failure, naming the query; nil when the query ran.
	Err error
}

// Report is the result of Check: one entry per profile query, then the
// staging tables.
type Report struct {
	Profile string
	Dialect string
	Queries []QueryReport
}

// OK reports whether every query ran.
func (r Report) OK() bool {
	for _, q := range r.Queries {
		if q.Err != nil {
			return false
		}
	}
	return true
}

// Err joins the failures of r, or nil.
func (r Report) Err() error {
	var errs []error
	for _, q := range r.Queries {
		if q.Err != nil {
			errs = append(errs, q.Err)
		}
	}
	return errors.Join(errs...)
}

// Check runs every query of src's profile, reading at most limit rows each
// (options.check_limit when limit <= 0), and checks that the staging tables
// exist. A missing table or column fails that query with the database's
// message, which names it. The error is non-nil when any query failed or
// ctx ended; the report is complete either way.
func Check(ctx context.Context, src erp.Source, limit int) (Report, error) {
	s, ok := src.(*Source)
	if !ok {
		return Report{}, fmt.Errorf("sqlerp: check: source is %T, not the sql adapter", src)
	}
	return s.Check(ctx, limit)
}

// Check is the package-level Check for this source.
func (s *Source) Check(ctx context.Context, limit int) (Report, error) {
	if limit <= 0 {
		limit = s.opt.CheckLimit
	}
	rep := Report{Profile: s.prof.Name, Dialect: s.d.name}
	extra := map[string]any{"since": s.sinceParam(time.Time{}), "sku": ""}
	for _, name := range s.prof.Names() {
		qr := QueryReport{Name: name}
		if name == QueryImageData {
			// Run it for the first product that has an image, if any.
			_ = s.readImageRows(ctx, QueryImages, nil, 1, func(ir imageRow) error {
				extra["sku"] = ir.img.ProductSKU
				return nil
			})
		}
		err := s.stream(ctx, name, extra, limit, func(r *row) error {
			if qr.Rows == 0 {
				qr.Columns = columnsOf(r)
				qr.Sample = sampleOf(r)
			}
			qr.Rows++
			return nil
		})
		if err != nil {
			qr.Err = err
		}
		rep.Queries = append(rep.Queries, qr)
		if ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() == nil {
		qr := QueryReport{Name: "staging"}
		for _, t := range []string{s.staging.orders, s.staging.lines} {
			q := fmt.Sprintf("SELECT COUNT(*) AS n FROM %s", t)
			err := s.run(ctx, "staging", q, nil, 1, func(r *row) error {
				n, _, err := r.int64("n")
				qr.Rows += int(n)
				return err
			})
			if err != nil {
				qr.Err = fmt.Errorf("staging table %s missing or unreadable (create it with erpbridge erp install-staging): %w", t, err)
				break
			}
		}
		rep.Queries = append(rep.Queries, qr)
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("sqlerp: check: %w", err)
	}
	if err := rep.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

func columnsOf(r *row) []string {
	cols := make([]string, len(r.idx))
	for name, i := range r.idx {
		cols[i] = name
	}
	return cols
}

func sampleOf(r *row) map[string]string {
	m := map[string]string{}
	names := make([]string, 0, len(r.idx))
	for n := range r.idx {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_, ok := r.get(n)
		switch {
		case !ok:
			m[n] = "NULL"
		case n == "data":
			m[n] = fmt.Sprintf("<%d bytes>", len(r.bytes(n)))
		default:
			s := r.str(n)
			if rs := []rune(s); len(rs) > 80 {
				s = string(rs[:80]) + "…"
			}
			m[n] = strings.ReplaceAll(s, "\n", " ")
		}
	}
	return m
}
