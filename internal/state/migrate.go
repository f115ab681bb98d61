package state

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Migrations are plain SQL files named NNNN_name.sql, one directory per
// dialect with the same version numbers. A released migration is never
// edited; a change is a new file.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one embedded SQL file.
type migration struct {
	version  int
	name     string // NNNN_name, as reported to callers
	sql      string
	checksum string // hex SHA-256 of the file
}

// appliedMigration is a row of schema_migrations.
type appliedMigration struct {
	version  int
	name     string
	checksum string
}

// migrateLockClass is the first key of the PostgreSQL advisory lock taken
// while migrating ("ERBP"); the second is a hash of the current schema, so
// instances sharing a database but not a schema do not wait for each other.
const migrateLockClass = 0x45524250

func loadMigrations(driver string) ([]migration, error) {
	dir := "migrations/" + driver
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("state: read embedded migrations: %w", err)
	}
	var migs []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ".sql")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || len(num) != 4 {
			return nil, fmt.Errorf("state: embedded migration %s: name must be NNNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("state: embedded migrations %s and %s share version %04d", prev, base, v)
		}
		seen[v] = base
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("state: read embedded migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		migs = append(migs, migration{version: v, name: base, sql: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	return migs, nil
}

// Migrate applies the embedded migrations the database does not have yet, in
// order, each in its own transaction together with its schema_migrations
// row, and returns the names (NNNN_name) of those it applied. It refuses to
// run when an applied migration was edited since, or when the database has a
// migration this binary does not know (it was migrated by a newer erpbridge).
//
// Several instances may migrate at once: on PostgreSQL each step holds an
// advisory transaction lock, on SQLite an immediate transaction.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.createMigrationsTable()); err != nil {
			return fmt.Errorf("state: create schema_migrations: %w", err)
		}
		done, err := db.appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		return db.checkApplied(done)
	})
	if err != nil {
		return nil, err
	}
	for _, m := range db.migrations {
		var ran bool
		err := db.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := db.lockMigrations(ctx, tx); err != nil {
				return err
			}
			// Re-read under the lock: another instance may have applied it.
			done, err := db.appliedMigrations(ctx, tx)
			if err != nil {
				return err
			}
			if err := db.checkApplied(done); err != nil {
				return err
			}
			if _, ok := done[m.version]; ok {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("state: apply migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`),
				m.version, m.name, m.checksum, db.tv(db.now())); err != nil {
				return fmt.Errorf("state: record migration %s: %w", m.name, err)
			}
			ran = true
			return nil
		})
		if err != nil {
			return applied, err
		}
		if ran {
			applied = append(applied, m.name)
			db.logger.Info("state database migration applied", slog.String("migration", m.name), slog.String("driver", db.driver))
		}
	}
	return applied, nil
}

// Pending returns the names (NNNN_name) of the embedded migrations the
// database has not applied, in order. It fails like Migrate when an applied
// migration was edited or the database is newer than this binary.
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	exists, err := db.migrationsTableExists(ctx)
	if err != nil {
		return nil, err
	}
	done := map[int]appliedMigration{}
	if exists {
		if done, err = db.appliedMigrations(ctx, db.x); err != nil {
			return nil, err
		}
		if err := db.checkApplied(done); err != nil {
			return nil, err
		}
	}
	var pending []string
	for _, m := range db.migrations {
		if _, ok := done[m.version]; !ok {
			pending = append(pending, m.name)
		}
	}
	return pending, nil
}

func (db *DB) lockMigrations(ctx context.Context, tx *sqlx.Tx) error {
	if db.driver != DriverPostgres {
		return nil // the immediate transaction already holds the write lock
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, migrateLockClass); err != nil {
		return fmt.Errorf("state: lock for migration: %w", err)
	}
	return nil
}

func (db *DB) createMigrationsTable() string {
	if db.driver == DriverPostgres {
		return `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	checksum   text NOT NULL,
	applied_at timestamptz NOT NULL
)`
	}
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	checksum   TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`
}

func (db *DB) migrationsTableExists(ctx context.Context) (bool, error) {
	var n int
	query := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.driver == DriverPostgres {
		query = `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	if err := db.x.GetContext(ctx, &n, query); err != nil {
		return false, fmt.Errorf("state: look for schema_migrations: %w", err)
	}
	return n > 0, nil
}

func (db *DB) appliedMigrations(ctx context.Context, x sqlx.QueryerContext) (map[int]appliedMigration, error) {
	rows, err := x.QueryContext(ctx, `SELECT version, name, checksum FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("state: read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[int]appliedMigration{}
	for rows.Next() {
		var a appliedMigration
		if err := rows.Scan(&a.version, &a.name, &a.checksum); err != nil {
			return nil, fmt.Errorf("state: read schema_migrations: %w", err)
		}
		done[a.version] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: read schema_migrations: %w", err)
	}
	return done, nil
}

// checkApplied compares the recorded migrations with the embedded ones.
func (db *DB) checkApplied(done map[int]appliedMigration) error {
	known := make(map[int]migration, len(db.migrations))
	latest := 0
	for _, m := range db.migrations {
		known[m.version] = m
		latest = max(latest, m.version)
	}
	versions := make([]int, 0, len(done))
	for v := range done {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	for _, v := range versions {
		a := done[v]
		m, ok := known[v]
		switch {
		case !ok && v > latest:
			return fmt.Errorf("state: the database has migration %04d (%s) but this erpbridge knows migrations up to %04d only; it was migrated by a newer erpbridge: run that version or restore a backup", v, a.name, latest)
		case !ok:
			return fmt.Errorf("state: the database has migration %04d (%s) that this erpbridge does not know", v, a.name)
		case a.checksum != m.checksum:
			return fmt.Errorf("state: migration %04d was edited after it was applied; migrations are never edited once released, add a new one", v)
		}
	}
	return nil
}
