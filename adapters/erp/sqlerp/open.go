package sqlerp

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers driver "sqlite"
)

// Open connects to an ERP database with the settings erpbridge needs: MySQL
// with parseTime and UTC, SQLite with a busy timeout, immediate write
// transactions and the attached databases of attach (schema name → file).
// It does not touch the database; the first query does.
func Open(driverName, dsn string, attach map[string]string, maxOpen int) (*sqlx.DB, error) {
	d, err := dialectFor(driverName)
	if err != nil {
		return nil, err
	}
	var db *sqlx.DB
	switch d.name {
	case DialectMySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlerp: mysql dsn: %w", err)
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		db, err = sqlx.Open(d.driverName, cfg.FormatDSN())
		if err != nil {
			return nil, fmt.Errorf("sqlerp: open mysql: %w", err)
		}
	case DialectSQLite:
		base, err := sql.Open(d.driverName, "")
		if err != nil {
			return nil, fmt.Errorf("sqlerp: open sqlite: %w", err)
		}
		drv := base.Driver()
		_ = base.Close()
		c := &sqliteConnector{drv: drv, dsn: sqliteDSN(dsn), attach: attach}
		db = sqlx.NewDb(sql.OpenDB(c), d.driverName)
	default:
		db, err = sqlx.Open(d.driverName, dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlerp: open %s: %w", d.name, err)
		}
	}
	if maxOpen > 0 {
		db.SetMaxOpenConns(maxOpen)
		db.SetMaxIdleConns(maxOpen)
	}
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// sqliteDSN adds a busy timeout and immediate write transactions unless the
// DSN sets them: concurrent writers then wait instead of failing at once.
func sqliteDSN(dsn string) string {
	var add []string
	if !strings.Contains(dsn, "busy_timeout") {
		add = append(add, "_pragma=busy_timeout(10000)")
	}
	if !strings.Contains(dsn, "_txlock") {
		add = append(add, "_txlock=immediate")
	}
	if len(add) == 0 {
		return dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(add, "&")
}

// sqliteConnector opens SQLite connections and attaches the configured
// databases to each, since ATTACH is per connection.
type sqliteConnector struct {
	drv    driver.Driver
	dsn    string
	attach map[string]string
}

// Connect implements driver.Connector: open, then attach.
func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	if len(c.attach) == 0 {
		return conn, nil
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlerp: sqlite driver cannot execute ATTACH")
	}
	names := make([]string, 0, len(c.attach))
	for n := range c.attach {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !identRe.MatchString(n) {
			_ = conn.Close()
			return nil, fmt.Errorf("sqlerp: sqlite attach name %q is not an identifier", n)
		}
		args := []driver.NamedValue{{Ordinal: 1, Value: c.attach[n]}}
		if _, err := ex.ExecContext(ctx, "ATTACH DATABASE ? AS "+n, args); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("sqlerp: sqlite attach %s: %w", n, err)
		}
	}
	return conn, nil
}

// Driver implements driver.Connector.
func (c *sqliteConnector) Driver() driver.Driver { return c.drv }
