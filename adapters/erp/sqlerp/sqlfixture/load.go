package sqlfixture

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest/erpdata"
)

// Target is where a fixture goes.
type Target struct {
	// DB is an open pool (see sqlerp.Open); on SQLite the schema must be an
	// attached database.
	DB *sqlx.DB
	// Dialect is sqlserver, postgres, mysql or sqlite.
	Dialect string
	// Schema qualifies the ERP tables: CDN, or a test schema or database.
	Schema string
}

func (t Target) qual() string { return t.Schema + "." }

func (t Target) bind() int {
	switch t.Dialect {
	case sqlerp.DialectPostgres:
		return sqlx.DOLLAR
	case sqlerp.DialectSQLServer:
		return sqlx.AT
	}
	return sqlx.QUESTION
}

func tables(shape erpdata.Shape) ([]table, error) {
	switch shape {
	case erpdata.ShapeOptima:
		return optimaTables, nil
	case erpdata.ShapeXL:
		return xlTables, nil
	}
	return nil, fmt.Errorf("sqlfixture: unknown shape %q", shape)
}

// DDL returns the statements that create the shape's tables in t.Schema
// (the schema itself must exist).
func DDL(t Target, shape erpdata.Shape) ([]string, error) {
	ts, err := tables(shape)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, tb := range ts {
		out = append(out, tb.ddl(t.Dialect, t.qual())...)
	}
	return out, nil
}

// CreateSchema creates the shape's tables.
func CreateSchema(ctx context.Context, t Target, shape erpdata.Shape) error {
	stmts, err := DDL(t, shape)
	if err != nil {
		return err
	}
	// One transaction where DDL is transactional (MySQL commits each
	// statement anyway); it also spares SQLite a sync per statement.
	tx, err := t.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlfixture: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqlfixture: %w\n%s", err, s)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlfixture: commit: %w", err)
	}
	return nil
}

// Load writes the data set with n base products in state into t, which
// must have the shape's empty tables.
func Load(ctx context.Context, t Target, shape erpdata.Shape, n, state int) error {
	return withLoader(ctx, t, func(l *loader) error {
		if err := l.statics(shape, erpdata.Statics(state)); err != nil {
			return err
		}
		return erpdata.Each(n, state, func(p erpdata.Product) error { return l.card(shape, p) })
	})
}

// Apply turns t's data from state 1 into state 2 of the data set with n
// base products: cards that changed are deleted and written again, removed
// cards deleted, added cards written. Optima stock history grows a row.
func Apply(ctx context.Context, t Target, shape erpdata.Shape, n int) error {
	return withLoader(ctx, t, func(l *loader) error {
		var del []int
		var put []erpdata.Product
		for i := 1; i <= erpdata.Last(n, 2); i++ {
			c1, c2 := erpdata.Cards(i, n, 1), erpdata.Cards(i, n, 2)
			if reflect.DeepEqual(c1, c2) {
				continue
			}
			for _, c := range c1 {
				del = append(del, c.ID)
			}
			put = append(put, c2...)
		}
		if err := l.deleteCards(shape, del); err != nil {
			return err
		}
		for _, p := range put {
			if err := l.card(shape, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func withLoader(ctx context.Context, t Target, fn func(*loader) error) error {
	tx, err := t.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlfixture: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	l := &loader{ctx: ctx, tx: tx, t: t, bufs: map[string]*batch{}}
	if err := fn(l); err != nil {
		return err
	}
	if err := l.flushAll(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlfixture: commit: %w", err)
	}
	return nil
}

type batch struct {
	t    table
	rows [][]any
}

type loader struct {
	ctx   context.Context
	tx    *sqlx.Tx
	t     Target
	bufs  map[string]*batch
	order []string
}

func (l *loader) maxRows(t table) int {
	params := 30000
	if l.t.Dialect == sqlerp.DialectSQLServer {
		params = 2000
	}
	return max(1, min(1000, params/len(t.cols)))
}

func (l *loader) add(t table, vals ...any) error {
	if len(vals) != len(t.cols) {
		return fmt.Errorf("sqlfixture: %s: %d values for %d columns", t.name, len(vals), len(t.cols))
	}
	b, ok := l.bufs[t.name]
	if !ok {
		b = &batch{t: t}
		l.bufs[t.name] = b
		l.order = append(l.order, t.name)
	}
	for i, v := range vals {
		vals[i] = l.value(v)
	}
	b.rows = append(b.rows, vals)
	if len(b.rows) >= l.maxRows(t) {
		return l.flush(b)
	}
	return nil
}

// value converts fixture values to parameters every driver takes alike.
func (l *loader) value(v any) any {
	switch x := v.(type) {
	case time.Time:
		w := time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), 0, time.UTC)
		if l.t.Dialect == sqlerp.DialectSQLite {
			return w.Format("2006-01-02 15:04:05")
		}
		return w
	case decimal.Decimal:
		return x.String()
	case *decimal.Decimal:
		if x == nil {
			return nil
		}
		return x.String()
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case bool:
		if x {
			return 1
		}
		return 0
	}
	return v
}

func (l *loader) flush(b *batch) error {
	if len(b.rows) == 0 {
		return nil
	}
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.t.cols)), ", ") + ")"
	var sb strings.Builder
	fmt.Fprintf(&sb, "INSERT INTO %s%s (%s) VALUES ", l.t.qual(), b.t.name, strings.Join(b.t.colNames(), ", "))
	args := make([]any, 0, len(b.rows)*len(b.t.cols))
	for i, r := range b.rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(ph)
		args = append(args, r...)
	}
	if _, err := l.tx.ExecContext(l.ctx, sqlx.Rebind(l.t.bind(), sb.String()), args...); err != nil {
		return fmt.Errorf("sqlfixture: insert into %s: %w", b.t.name, err)
	}
	b.rows = b.rows[:0]
	return nil
}

func (l *loader) flushAll() error {
	for _, name := range l.order {
		if err := l.flush(l.bufs[name]); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) exec(q string, args ...any) error {
	if _, err := l.tx.ExecContext(l.ctx, sqlx.Rebind(l.t.bind(), q), args...); err != nil {
		return fmt.Errorf("sqlfixture: %w\n%s", err, q)
	}
	return nil
}

// deleteCards removes every row of the cards with ids.
func (l *loader) deleteCards(shape erpdata.Shape, ids []int) error {
	if err := l.flushAll(); err != nil {
		return err
	}
	type target struct{ table, col, cond string }
	var targets []target
	if shape == erpdata.ShapeOptima {
		targets = []target{
			{"TwrAtrybuty", "TwA_TwrId", ""}, {"DaneBinarne", "DAB_DABId", ""}, {"TwrCeny", "TwC_TwrID", ""},
			{"TwrIlosci", "TwI_TwrId", ""}, {"TwrZasoby", "TwZ_TwrId", ""}, {"Towary", "Twr_TwrId", ""},
		}
	} else {
		targets = []target{
			{"TwrOpisy", "TwO_TwrNumer", ""}, {"TwrGrupy", "TwG_GIDNumer", "TwG_GIDTyp = 16 AND "},
			{"Atrybuty", "Atr_ObiNumer", "Atr_ObiTyp = 16 AND "}, {"DaneObiekty", "DAO_ObiNumer", "DAO_ObiTyp = 16 AND "},
			{"DaneBinarne", "DAB_ID", ""}, {"TwrCeny", "TwC_TwrNumer", ""}, {"TwrZasoby", "TwZ_TwrNumer", ""},
			{"Rezerwacje", "Rez_TwrNumer", ""}, {"TwrKarty", "Twr_GIDNumer", ""},
		}
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
		for _, tg := range targets {
			if err := l.exec(fmt.Sprintf("DELETE FROM %s%s WHERE %s%s IN %s", l.t.qual(), tg.table, tg.cond, tg.col, in), args...); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *loader) statics(shape erpdata.Shape, ds *erpdata.Dataset) error {
	if shape == erpdata.ShapeOptima {
		for _, g := range ds.Groups {
			if err := l.add(optTwrGrupy, g.ID, -16, g.ID, g.ParentID, g.Code, g.Name); err != nil {
				return err
			}
		}
		for _, d := range ds.AttrDefs {
			if err := l.add(optDefAtrybuty, d.ID, d.Code, 1, d.Format); err != nil {
				return err
			}
		}
		for _, p := range ds.PriceTypes {
			if err := l.add(optDefCeny, p.Lp*10, p.Lp, p.Name, grossType(p.Gross), p.Currency, !p.Active); err != nil {
				return err
			}
		}
		for _, w := range ds.Warehouses {
			if err := l.add(optMagazyny, w.ID, w.Code, w.Name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, g := range ds.Groups {
		if err := l.add(xlTwrGrupy, -16, g.ID, g.ParentID, g.Code, g.Name); err != nil {
			return err
		}
	}
	for _, d := range ds.AttrDefs {
		if err := l.add(xlAtrybutyKlasy, d.ID, d.Code, d.Format); err != nil {
			return err
		}
	}
	for _, p := range ds.PriceTypes {
		if err := l.add(xlTwrCenyNag, p.Lp, p.Name, grossType(p.Gross), 80000, p.Active, p.Currency, 1000); err != nil {
			return err
		}
	}
	for _, w := range ds.Warehouses {
		if err := l.add(xlMagazyny, w.ID, w.Code, w.Name); err != nil {
			return err
		}
	}
	return nil
}

func grossType(g bool) int {
	if g {
		return 2
	}
	return 1
}

// card writes one product card in the shape.
func (l *loader) card(shape erpdata.Shape, p erpdata.Product) error {
	if shape == erpdata.ShapeOptima {
		return l.optimaCard(p)
	}
	return l.xlCard(p)
}

func (l *loader) optimaCard(p erpdata.Product) error {
	typ := 1
	if p.Service {
		typ = 0
	}
	if err := l.add(optTowary, p.ID, p.SKU, p.Name, p.EAN, p.Description, p.Unit, p.VAT, p.GroupID,
		typ, !p.Active, p.WeightKG, p.EShop, p.Created, p.Modified, nil); err != nil {
		return err
	}
	for k, a := range p.Attrs {
		if err := l.add(optTwrAtrybuty, p.ID*10+k, p.ID, a.DefID, a.Value, nil); err != nil {
			return err
		}
	}
	if len(p.Image) > 0 {
		if err := l.add(optDaneBinarne, p.ID, p.Image, p.SKU+".png"); err != nil {
			return err
		}
		if err := l.add(optTwrAtrybuty, p.ID*10+9, p.ID, erpdata.AttrImage, nil, p.ID); err != nil {
			return err
		}
	}
	for _, pr := range p.Prices {
		// Currency left NULL on the retail price: the price type's applies.
		var cur any = map[int]string{2: "PLN", 3: "EUR"}[pr.Lp]
		if pr.Lp == 1 {
			cur = nil
		}
		if err := l.add(optTwrCeny, p.ID*10+pr.Lp, p.ID, pr.Lp, pr.Amount, cur, grossType(pr.Lp == 1), "0.01", nil); err != nil {
			return err
		}
	}
	for k, st := range p.Stock {
		if err := l.add(optTwrIlosci, p.ID*100+k, p.ID, st.WarehouseID, st.Date, st.OnHand, st.Reserved, "0"); err != nil {
			return err
		}
	}
	if len(p.Stock) > 0 {
		// A totals row without a warehouse, which the profile must ignore.
		if err := l.add(optTwrIlosci, p.ID*100+99, p.ID, nil, p.Modified.Add(time.Hour), "999", "0", "0"); err != nil {
			return err
		}
	}
	return nil
}

var xlDayEpoch = time.Date(1800, 12, 28, 0, 0, 0, 0, time.UTC)

func xlSeconds(wall time.Time) int64 {
	w := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
	return int64(w.Sub(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)) / time.Second)
}

func xlDay(y int, m time.Month, d int) int64 {
	return int64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(xlDayEpoch).Hours() / 24)
}

func (l *loader) xlCard(p erpdata.Product) error {
	typ := 1
	if p.Service {
		typ = 4
	}
	mod := xlSeconds(p.Modified)
	if err := l.add(xlTwrKarty, 16, p.ID, p.SKU, p.Name, p.EAN, p.Unit, typ, p.VAT, !p.Active, p.EShop,
		mod, mod, xlSeconds(p.Created)); err != nil {
		return err
	}
	if p.Description != nil {
		if err := l.add(xlTwrOpisy, p.ID, 1, *p.Description, 0); err != nil {
			return err
		}
		// An English text in another language slot, which must not be read.
		if err := l.add(xlTwrOpisy, p.ID, 1, "English description", 1); err != nil {
			return err
		}
	}
	if p.GroupID != 0 {
		if err := l.add(xlTwrGrupy, 16, p.ID, p.GroupID, p.SKU, p.Name); err != nil {
			return err
		}
	}
	for k, a := range p.Attrs {
		if err := l.add(xlAtrybuty, p.ID*10+k, 16, p.ID, 0, a.DefID, a.Value); err != nil {
			return err
		}
	}
	if len(p.Image) > 0 {
		if err := l.add(xlDaneBinarne, p.ID, p.SKU, "png", p.Image, mod); err != nil {
			return err
		}
		if err := l.add(xlDaneObiekty, p.ID, p.ID, 16, p.ID); err != nil {
			return err
		}
	}
	for _, pr := range p.Prices {
		if err := l.add(xlTwrCeny, p.ID*10+pr.Lp, p.ID, pr.Lp, pr.Lp, pr.Amount, nil, 0, 1, mod); err != nil {
			return err
		}
	}
	if len(p.Prices) > 0 {
		// A customer's own price and an inactive price: both ignored.
		if err := l.add(xlTwrCeny, p.ID*10+5, p.ID, 1, 1, "0.01", "PLN", 123, 1, mod); err != nil {
			return err
		}
		if err := l.add(xlTwrCeny, p.ID*10+6, p.ID, 1, 1, "0.02", "PLN", 0, 0, mod); err != nil {
			return err
		}
	}
	if q := p.XLAllWarehousesReserved(); q.IsPositive() {
		// A reservation for all warehouses: reserved in each of them.
		if err := l.add(xlRezerwacje, p.ID*100+99, 2576, p.ID, 0, q, "0", 1, 0); err != nil {
			return err
		}
	}
	for _, st := range p.Current() {
		base := p.ID*100 + st.WarehouseID*10
		one := decimal.NewFromInt(1)
		if st.OnHand.GreaterThan(one) {
			// Two deliveries.
			if err := l.add(xlTwrZasoby, base, p.ID, st.WarehouseID, st.OnHand.Sub(one), st.OnHand.Sub(one)); err != nil {
				return err
			}
			if err := l.add(xlTwrZasoby, base+1, p.ID, st.WarehouseID, one, one); err != nil {
				return err
			}
		} else if err := l.add(xlTwrZasoby, base, p.ID, st.WarehouseID, st.OnHand, st.OnHand); err != nil {
			return err
		}
		if st.Reserved.IsPositive() {
			// Active: ordered reserved+1, one already issued.
			if err := l.add(xlRezerwacje, base, 2576, p.ID, st.WarehouseID, st.Reserved.Add(one), one, 1, 0); err != nil {
				return err
			}
		}
		// Inactive and expired reservations, which must not count.
		if err := l.add(xlRezerwacje, base+1, 2576, p.ID, st.WarehouseID, "7", "0", 0, 0); err != nil {
			return err
		}
		if err := l.add(xlRezerwacje, base+2, 2576, p.ID, st.WarehouseID, "5", "0", 1, xlDay(2020, 1, 1)); err != nil {
			return err
		}
	}
	return nil
}

// EnsureNamespace creates t.Schema unless it exists: a schema on SQL Server
// and PostgreSQL (folded to lower case there), a database on MySQL. On
// SQLite it must be attached already (sqlerp.Open with attach).
func EnsureNamespace(ctx context.Context, t Target) error {
	var q string
	switch t.Dialect {
	case sqlerp.DialectSQLServer:
		q = fmt.Sprintf("IF SCHEMA_ID(N'%s') IS NULL EXEC(N'CREATE SCHEMA %s')", t.Schema, t.Schema)
	case sqlerp.DialectPostgres:
		q = "CREATE SCHEMA IF NOT EXISTS " + t.Schema
	case sqlerp.DialectMySQL:
		q = "CREATE DATABASE IF NOT EXISTS " + t.Schema + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
	default:
		return nil
	}
	if _, err := t.DB.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("sqlfixture: create %s: %w", t.Schema, err)
	}
	return nil
}

// Bump raises the prices and stock of every base product whose number is a
// multiple of every (every = 100 changes 1%), the way a day of sales and a
// price update touch an ERP without touching product timestamps. It returns
// the number of rows changed. Bumping twice changes the values again.
func Bump(ctx context.Context, t Target, shape erpdata.Shape, every int) (int64, error) {
	if every < 1 {
		return 0, fmt.Errorf("sqlfixture: bump every %d: want at least 1", every)
	}
	// Base product cards have ids n*10, variants n*10+k: id % (10*every) = 0
	// picks the base products n with n % every = 0.
	m := 10 * every
	var stmts []string
	switch shape {
	case erpdata.ShapeOptima:
		stmts = []string{
			fmt.Sprintf("UPDATE %sTwrCeny SET TwC_Wartosc = TwC_Wartosc + 1 WHERE TwC_TwrID %% %d = 0", t.qual(), m),
			fmt.Sprintf("UPDATE %sTwrIlosci SET TwI_Ilosc = TwI_Ilosc + 1 WHERE TwI_TwrId %% %d = 0", t.qual(), m),
		}
	case erpdata.ShapeXL:
		stmts = []string{
			fmt.Sprintf("UPDATE %sTwrCeny SET TwC_Wartosc = TwC_Wartosc + 1 WHERE TwC_TwrNumer %% %d = 0", t.qual(), m),
			fmt.Sprintf("UPDATE %sTwrZasoby SET TwZ_Ilosc = TwZ_Ilosc + 1 WHERE TwZ_TwrNumer %% %d = 0", t.qual(), m),
		}
	default:
		return 0, fmt.Errorf("sqlfixture: unknown shape %q", shape)
	}
	var total int64
	for _, s := range stmts {
		res, err := t.DB.ExecContext(ctx, s)
		if err != nil {
			return total, fmt.Errorf("sqlfixture: %w\n%s", err, s)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlfixture: %w", err)
		}
		total += n
	}
	return total, nil
}
