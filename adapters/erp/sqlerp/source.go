// Package sqlerp is the "sql" ERP adapter: it reads the catalog from an ERP
// database over sqlx with a profile (a named set of SQL queries for one ERP
// schema: comarch-optima, comarch-xl, generic views, custom files) and writes
// orders into staging tables erpbridge owns, never into the ERP's own tables.
//
// Drivers: sqlserver, postgres (pgx), mysql (MariaDB) and sqlite. Reads
// stream rows to a callback; no query result is held whole in memory except
// the category tree, which is small. Deltas use the profile's modified_at
// watermark with an overlap window. See docs/staging-contract.md.
package sqlerp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/fault"
)

// TypeName is the ERP type this adapter registers as.
const TypeName = "sql"

func init() {
	erp.Register(TypeName, erp.Factory{
		Description: "ERP database over SQL (SQL Server, PostgreSQL, MySQL, SQLite) with a query profile",
		Profiles:    Profiles,
		Options:     func() any { return &Options{} },
		New: func(ctx context.Context, p erp.Params) (erp.Source, error) {
			s, err := New(ctx, p)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
	})
}

// Source is the SQL ERP adapter. It is safe for concurrent use.
type Source struct {
	db      *sqlx.DB
	d       *dialect
	prof    *Profile
	opt     Options
	loc     *time.Location
	log     *slog.Logger
	staging stagingNames
	now     func() time.Time
	skip    map[string]bool // attribute codes that are not product attributes
	axes    map[string]bool
}

// New builds a Source from p without touching the database. p.Options may
// be nil, an Options or a *Options.
func New(_ context.Context, p erp.Params) (*Source, error) {
	var opt Options
	switch o := p.Options.(type) {
	case nil:
	case Options:
		opt = o
	case *Options:
		if o != nil {
			opt = *o
		}
	default:
		return nil, fmt.Errorf("sqlerp: options of type %T, want *sqlerp.Options", p.Options)
	}
	if p.Overlap > 0 {
		opt.Overlap = p.Overlap
	}
	opt = opt.withDefaults()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	d, err := dialectFor(p.Driver)
	if err != nil {
		return nil, err
	}
	if err := opt.ValidateFor(p.Driver); err != nil {
		return nil, err
	}
	prof, err := LoadProfile(p.Profile, opt.Queries, opt.Watermark)
	if err != nil {
		return nil, err
	}
	if opt.ChangeTracking && ctTable(prof, d.name) == "" {
		return nil, fmt.Errorf("sqlerp: options.change_tracking: the %s query of profile %s has no /*erpbridge-changed TABLE ALIAS.ID*/ marker saying which table is tracked", QueryProducts, prof.Name)
	}
	loc := p.TimeZone
	if loc == nil {
		loc, err = time.LoadLocation("Europe/Warsaw")
		if err != nil {
			return nil, fmt.Errorf("sqlerp: time zone Europe/Warsaw: %w", err)
		}
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	db, err := Open(p.Driver, p.DSN, opt.SQLiteAttach, opt.MaxOpenConns)
	if err != nil {
		return nil, err
	}
	s := &Source{
		db: db, d: d, prof: prof, opt: opt, loc: loc,
		log:     log.With(slog.String("adapter", "erp/"+TypeName), slog.String("profile", prof.Name)),
		staging: newStagingNames(opt.StagingSchema, opt.StagingPrefix),
		now:     time.Now,
		skip: map[string]bool{
			opt.ImageURLAttribute: true, opt.ImageAttribute: true, opt.ParentAttribute: true,
		},
	}
	if len(opt.VariantAxes) > 0 {
		s.axes = map[string]bool{}
		for _, a := range opt.VariantAxes {
			s.axes[a] = true
		}
	}
	return s, nil
}

// DB returns the connection pool, for tools that share it (fixtures, checks).
func (s *Source) DB() *sqlx.DB { return s.db }

// Profile returns the loaded profile.
func (s *Source) Profile() *Profile { return s.prof }

// Dialect returns the dialect name (sqlserver, postgres, mysql, sqlite).
func (s *Source) Dialect() string { return s.d.name }

// Features implements erp.Source: deltas for the kinds whose changes query
// the profile has (products and variants for Comarch; prices and stock are
// never timestamped there), and order staging.
func (s *Source) Features() erp.Features {
	f := erp.Features{Orders: true}
	if s.opt.ChangeTracking {
		f.ChangeKinds = append(f.ChangeKinds, catalog.KindProduct)
		if s.prof.Has(QueryVariants) {
			f.ChangeKinds = append(f.ChangeKinds, catalog.KindVariant)
		}
	} else if s.prof.Has(QueryProductsChanges) {
		f.ChangeKinds = append(f.ChangeKinds, catalog.KindProduct)
	}
	if !s.opt.ChangeTracking && s.prof.Has(QueryVariantsChanges) && s.prof.Has(QueryVariants) {
		f.ChangeKinds = append(f.ChangeKinds, catalog.KindVariant)
	}
	f.Changes = len(f.ChangeKinds) > 0
	return f
}

// Ping implements erp.Source.
func (s *Source) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlerp: ping %s: %w", s.d.name, err)
	}
	return nil
}

// Close implements erp.Source.
func (s *Source) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlerp: close: %w", err)
	}
	return nil
}

var cdnRe = regexp.MustCompile(`\bCDN\.`)

// params are the named parameters every query may use.
func (s *Source) params(extra map[string]any) map[string]any {
	m := map[string]any{
		"parent_attr":    s.opt.ParentAttribute,
		"image_url_attr": s.opt.ImageURLAttribute,
		"image_attr":     s.opt.ImageAttribute,
		"lang":           s.opt.DescriptionLanguage,
		"today":          xlDay(s.now().In(s.loc)),
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// keyOrderMarker is a comment line by which a snapshot query promises rows
// in ascending bytewise order of the record key: ORDER BY BYTE_ORDER(expr),
// which compile turns into the dialect's binary collation, so the database
// sorts as Go compares strings.
const keyOrderMarker = "-- erpbridge: key order"

// snapshotQueries are the queries a snapshot reads each kind with.
var snapshotQueries = map[catalog.Kind]string{
	catalog.KindProduct: QueryProducts,
	catalog.KindVariant: QueryVariants,
	catalog.KindPrice:   QueryPrices,
	catalog.KindStock:   QueryStock,
	catalog.KindImage:   QueryImages,
}

// SnapshotKeyOrdered implements engine.KeyOrderedSource: a kind's records
// come in key order when its query carries the key-order marker. The
// engine checks the order as it reads and copes with a broken promise
// (images sorted by SKU are out of key order when a product has ten or
// more: "A#10" sorts before "A#2").
func (s *Source) SnapshotKeyOrdered(k catalog.Kind) bool {
	q, ok := snapshotQueries[k]
	if !ok {
		return false
	}
	text, ok := s.prof.Text(q, s.d.name)
	return ok && strings.Contains(text, keyOrderMarker)
}

// compile turns a profile query into the dialect's SQL and arguments: full
// line comments dropped, BYTE_ORDER(expr) made a binary collation, the
// CDN qualifier replaced by options.erp_schema, :name parameters bound in
// the dialect's placeholder style.
func (s *Source) compile(name string, extra map[string]any) (string, []any, error) {
	text, ok := s.prof.Text(name, s.d.name)
	if !ok {
		return "", nil, fault.Fatal(fmt.Errorf("sqlerp: profile %s has no query %s", s.prof.Name, name))
	}
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	q := strings.TrimSpace(b.String())
	q = strings.TrimSuffix(q, ";")
	if _, ok := extra[ctFilterParam]; ok {
		q = ctFilter(q)
	}
	q, err := s.d.expandByteOrder(q)
	if err != nil {
		return "", nil, fault.Fatal(fmt.Errorf("sqlerp: query %s: %w", name, err))
	}
	if s.opt.ERPSchema != "CDN" {
		q = cdnRe.ReplaceAllString(q, s.opt.ERPSchema+".")
	}
	q, args, err := sqlx.Named(q, s.params(extra))
	if err != nil {
		return "", nil, fault.Fatal(fmt.Errorf("sqlerp: query %s: %w", name, err))
	}
	return s.d.rebind(q), args, nil
}

// queryErr wraps a database error with the query's name and classifies it:
// a missing table or column is fatal (the profile does not fit the
// database); cancellation passes through; anything else is retryable.
func (s *Source) queryErr(name string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlerp: query %s: %w", name, err)
	}
	werr := fmt.Errorf("sqlerp: query %s (profile %s, %s): %w", name, s.prof.Name, s.d.name, err)
	if isMissingObject(err) {
		return fault.Fatal(werr)
	}
	return werr
}

// stream runs a profile query and calls fn for each row. It checks the
// query's required columns before the first row. limit > 0 stops after
// that many rows.
func (s *Source) stream(ctx context.Context, name string, extra map[string]any, limit int, fn func(*row) error) error {
	q, args, err := s.compile(name, extra)
	if err != nil {
		return err
	}
	return s.run(ctx, name, q, args, limit, fn)
}

// run executes q and calls fn for each row, with name in every error.
func (s *Source) run(ctx context.Context, name, q string, args []any, limit int, fn func(*row) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return s.queryErr(name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return s.queryErr(name, err)
	}
	r := &row{query: name, idx: make(map[string]int, len(cols)), cells: make([]cell, len(cols))}
	for i, c := range cols {
		r.idx[strings.ToLower(c)] = i
	}
	for _, c := range requiredColumns[name] {
		if _, ok := r.idx[c]; !ok {
			return fault.Fatal(fmt.Errorf("sqlerp: query %s (profile %s) returns no column %s (it returns %s)",
				name, s.prof.Name, c, strings.Join(cols, ", ")))
		}
	}
	dest := make([]any, len(cols))
	for i := range r.cells {
		dest[i] = &r.cells[i]
	}
	n := 0
	for rows.Next() {
		for i := range r.cells {
			r.cells[i].v = nil
		}
		if err := rows.Scan(dest...); err != nil {
			return s.queryErr(name, err)
		}
		if err := fn(r); err != nil {
			return err
		}
		n++
		if limit > 0 && n >= limit {
			return nil
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("sqlerp: query %s: %w", name, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return s.queryErr(name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlerp: query %s: %w", name, err)
	}
	return nil
}

// Interface guard.
var _ erp.Source = (*Source)(nil)
