package database

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"

	entmigrate "kundportal/ent/migrate"
	"kundportal/internal/counting"
)

// migrationFiles holds the versioned migrations, one directory per
// dialect, each with the atlas.sum that `make migration` wrote beside them.
//
//go:embed migrations
var migrationFiles embed.FS

// MigrationsDir is where the migration files of a dialect live in the
// repository (relative to its root), and in the embedded copy.
func MigrationsDir(dia string) (string, error) {
	switch dia {
	case dialect.Postgres:
		return "internal/database/migrations/postgres", nil
	case dialect.SQLite:
		return "internal/database/migrations/sqlite", nil
	default:
		return "", fmt.Errorf("no migrations for dialect %q", dia)
	}
}

// Migrations returns the embedded migration files of a dialect.
func Migrations(dia string) (fs.FS, error) {
	dir, err := MigrationsDir(dia)
	if err != nil {
		return nil, err
	}
	return fs.Sub(migrationFiles, strings.TrimPrefix(dir, "internal/database/"))
}

// MigrationTable is goose's table of applied versions.
const MigrationTable = goose.DefaultTablename

// MigrationLockID is the key of the PostgreSQL session advisory lock
// under which Migrate runs, so that instances starting together apply
// each file once and the others wait, then find nothing left to do.
const MigrationLockID int64 = 0x6b70_6d69_6772 // "kpmigr"

// ErrNoMigrationHistory is returned by Migrate for a database that has
// kundportal's tables but no MigrationTable: the automatic migration of
// earlier versions made it, and replaying the files on it would fail
// half-way.
var ErrNoMigrationHistory = errors.New("the database has kundportal's tables but no migration history")

// Migrate verifies the embedded migration files against their atlas.sum,
// applies those the database lacks, installs the triggers that keep the
// row counts of internal/counting (recomputing the counts) and, on
// PostgreSQL, (re)creates the triggers that announce changes on
// ChangesChannel. On PostgreSQL all of
// it runs under the session advisory lock MigrationLockID; SQLite is one
// process's file and needs none.
func (d *DB) Migrate(ctx context.Context) error {
	fsys, err := Migrations(d.Dialect)
	if err != nil {
		return err
	}
	if err := VerifyChecksum(fsys); err != nil {
		return err
	}
	if d.Dialect != dialect.Postgres {
		if err := applyFiles(ctx, d.SQL, goose.DialectSQLite3, fsys); err != nil {
			return err
		}
		return counting.Install(ctx, d.SQL, d.Dialect)
	}
	// A pool of its own: the lock is held on one connection while goose
	// applies the files on another, which a small MaxOpenConns of the
	// main pool could otherwise starve.
	pool, err := sql.Open(d.driverName, d.dsn)
	if err != nil {
		return fmt.Errorf("opening the migration pool: %w", err)
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connecting for migration: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", MigrationLockID); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	// Closing the session would release the lock as well; unlocking
	// explicitly returns a clean connection.
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", MigrationLockID)
	if err := applyFiles(ctx, pool, goose.DialectPostgres, fsys); err != nil {
		return err
	}
	if err := counting.Install(ctx, conn, d.Dialect); err != nil {
		return err
	}
	return announce(ctx, conn)
}

// applyFiles applies the pending migration files with goose, refusing a
// database of the former automatic migration.
func applyFiles(ctx context.Context, db *sql.DB, dia goose.Dialect, fsys fs.FS) error {
	if err := refuseUnversioned(ctx, db, dia); err != nil {
		return err
	}
	p, err := goose.NewProvider(dia, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("reading the migration files: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	for _, r := range results {
		slog.InfoContext(ctx, "migration applied", "file", r.Source.Path, "duration", r.Duration.Round(time.Millisecond).String())
	}
	return nil
}

func refuseUnversioned(ctx context.Context, db *sql.DB, dia goose.Dialect) error {
	query := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name::text = ANY($1::text[])`
	args := []any{"{" + MigrationTable + "," + strings.Join(tableNames(), ",") + "}"}
	if dia == goose.DialectSQLite3 {
		names := append(tableNames(), MigrationTable)
		query = `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?` + strings.Repeat(", ?", len(names)-1) + `)`
		args = nil
		for _, n := range names {
			args = append(args, n)
		}
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("looking for the migration history: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("looking for the migration history: %w", err)
		}
		found = append(found, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("looking for the migration history: %w", err)
	}
	if len(found) == 0 || slices.Contains(found, MigrationTable) {
		return nil
	}
	return fmt.Errorf("%w (%s): it was made by the automatic migration of an earlier version. "+
		"Delete kundportal.db (embedded SQLite) or point DATABASE_URL at a new, empty database, and start again; "+
		"see docs/operations.md, Migrations", ErrNoMigrationHistory, MigrationTable)
}

func tableNames() []string {
	names := make([]string, len(entmigrate.Tables))
	for i, t := range entmigrate.Tables {
		names[i] = t.Name
	}
	return names
}

// announce creates the function and the statement triggers that NOTIFY
// ChangesChannel. They are not part of the migration files: atlas's
// schema diff does not see triggers, and AnnouncedTables is their one
// source; every statement is idempotent and runs on each start.
func announce(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, notifyFunction); err != nil {
		return fmt.Errorf("creating the change notification function: %w", err)
	}
	for table, columns := range AnnouncedTables {
		update := "UPDATE"
		if columns != "" {
			update += " OF " + columns
		}
		stmt := fmt.Sprintf(`CREATE OR REPLACE TRIGGER kundportal_announce AFTER INSERT OR %s OR DELETE OR TRUNCATE ON %s
			FOR EACH STATEMENT EXECUTE FUNCTION kundportal_announce()`, update, table)
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating the change trigger on %s: %w", table, err)
		}
	}
	return nil
}

// ErrMigrationsTampered is returned when a migration file does not match
// its entry in atlas.sum: a file was edited, added or removed by hand
// after `make migration` wrote it.
var ErrMigrationsTampered = errors.New("migration files do not match atlas.sum")

// VerifyChecksum checks the *.sql files of fsys against its atlas.sum,
// with atlas's own hashing, so that an applied migration edited
// afterwards is refused instead of silently diverging between databases.
func VerifyChecksum(fsys fs.FS) error {
	raw, err := fs.ReadFile(fsys, migrate.HashFileName)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMigrationsTampered, err)
	}
	var want migrate.HashFile
	if err := want.UnmarshalText(raw); err != nil {
		return fmt.Errorf("%w: %s itself: %w", ErrMigrationsTampered, migrate.HashFileName, err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names) // atlas orders a directory's files by name
	files := make([]migrate.File, len(names))
	for i, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return err
		}
		files[i] = migrate.NewLocalFile(path.Base(n), b)
	}
	got, err := migrate.NewHashFile(files)
	if err != nil {
		return err
	}
	if got.Sum() == want.Sum() {
		return nil
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Errorf("%w: %s is missing", ErrMigrationsTampered, want[i].N)
		case i >= len(want) || got[i].N != want[i].N:
			return fmt.Errorf("%w: %s is not listed there", ErrMigrationsTampered, got[i].N)
		case got[i].H != want[i].H:
			return fmt.Errorf("%w: %s was edited", ErrMigrationsTampered, got[i].N)
		}
	}
	return ErrMigrationsTampered
}
