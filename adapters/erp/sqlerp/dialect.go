package sqlerp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
)

// Dialect names, as the config's erp.driver accepts them.
const (
	DialectSQLServer = "sqlserver"
	DialectPostgres  = "postgres"
	DialectMySQL     = "mysql"
	DialectSQLite    = "sqlite"
)

// Dialects lists the supported dialects.
var Dialects = []string{DialectSQLServer, DialectPostgres, DialectMySQL, DialectSQLite}

// dialect is what differs between the database engines.
type dialect struct {
	name       string // one of Dialects
	driverName string // database/sql driver name
	bind       int    // sqlx bind type
}

// DialectOf maps a configured driver name (and common aliases) to the
// dialect name used by profiles, DDL and fixtures.
func DialectOf(driver string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(driver)) {
	case "sqlserver", "mssql":
		return DialectSQLServer, nil
	case "postgres", "postgresql", "pgx":
		return DialectPostgres, nil
	case "mysql", "mariadb":
		return DialectMySQL, nil
	case "sqlite", "sqlite3":
		return DialectSQLite, nil
	}
	return "", fmt.Errorf("sqlerp: unknown driver %q (known: %s)", driver, strings.Join(Dialects, ", "))
}

func dialectFor(driver string) (*dialect, error) {
	name, err := DialectOf(driver)
	if err != nil {
		return nil, err
	}
	switch name {
	case DialectSQLServer:
		return &dialect{name: name, driverName: "sqlserver", bind: sqlx.AT}, nil
	case DialectPostgres:
		return &dialect{name: name, driverName: "pgx", bind: sqlx.DOLLAR}, nil
	case DialectMySQL:
		return &dialect{name: name, driverName: "mysql", bind: sqlx.QUESTION}, nil
	default:
		return &dialect{name: name, driverName: "sqlite", bind: sqlx.QUESTION}, nil
	}
}

// rebind turns ? placeholders into the dialect's own.
func (d *dialect) rebind(q string) string { return sqlx.Rebind(d.bind, q) }

// byteOrder sorts the text expression expr by its bytes (UTF-8) or, on
// SQL Server, by UTF-16 code unit, which agrees outside surrogates. MySQL
// converts to utf8mb4 first, so latin1 columns sort as their UTF-8 bytes.
func (d *dialect) byteOrder(expr string) string {
	switch d.name {
	case DialectPostgres:
		return `(` + expr + `) COLLATE "C"`
	case DialectSQLServer:
		return `(` + expr + `) COLLATE Latin1_General_BIN2`
	case DialectMySQL:
		return `CONVERT(` + expr + ` USING utf8mb4) COLLATE utf8mb4_bin`
	}
	return `(` + expr + `) COLLATE BINARY`
}

// expandByteOrder replaces every BYTE_ORDER(expr) in q by d.byteOrder(expr).
// expr may hold parentheses and quoted strings.
func (d *dialect) expandByteOrder(q string) (string, error) {
	const macro = "BYTE_ORDER("
	var b strings.Builder
	for {
		i := strings.Index(q, macro)
		if i < 0 {
			b.WriteString(q)
			return b.String(), nil
		}
		b.WriteString(q[:i])
		rest := q[i+len(macro):]
		depth, quoted, end := 1, false, -1
		for j := 0; j < len(rest) && end < 0; j++ {
			switch c := rest[j]; {
			case c == '\'':
				quoted = !quoted
			case quoted:
			case c == '(':
				depth++
			case c == ')':
				depth--
				if depth == 0 {
					end = j
				}
			}
		}
		if end < 0 {
			return "", fmt.Errorf("BYTE_ORDER( has no closing parenthesis")
		}
		b.WriteString(d.byteOrder(strings.TrimSpace(rest[:end])))
		q = rest[end+1:]
	}
}

// sqliteTimeLayout is how timestamps are written as text on SQLite, which
// has no date type; the fixed width keeps text comparison in time order.
const sqliteTimeLayout = "2006-01-02 15:04:05.000000"

// timeParam returns t's wall clock as a query parameter: text on SQLite, a
// time.Time in UTC (wall clock unchanged) elsewhere, so no driver shifts it.
func (d *dialect) timeParam(t time.Time) any {
	w := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	if d.name == DialectSQLite {
		return w.Format(sqliteTimeLayout)
	}
	return w
}

// errorCode extracts a numeric or SQLSTATE code from a driver error.
func errorCode(err error) (code string, ok bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code, true
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return fmt.Sprint(my.Number), true
	}
	if n, ok := mssqlErrorNumber(err); ok {
		return fmt.Sprint(n), true
	}
	return "", false
}

// isMissingObject reports whether err says a table, view, column or schema
// does not exist: a profile that does not fit the database.
func isMissingObject(err error) bool {
	if code, ok := errorCode(err); ok {
		switch code {
		case "42P01", "42703", "3F000", "42704", // PostgreSQL
			"1146", "1054", "1049", // MySQL, MariaDB
			"208", "207", "2812": // SQL Server
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column") ||
		strings.Contains(msg, "unknown database")
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	if code, ok := errorCode(err); ok {
		switch code {
		case "23505", "1062", "2627", "2601":
			return true
		}
		return false
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isTransient reports whether err is a deadlock or serialization failure
// that a retry of the whole transaction resolves.
func isTransient(err error) bool {
	if code, ok := errorCode(err); ok {
		switch code {
		case "40001", "40P01", "1213", "1205":
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}
