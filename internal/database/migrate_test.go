package database_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlas "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"kundportal/internal/counting"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// eachUnmigrated runs fn on a fresh, empty database of every dialect.
func eachUnmigrated(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) { fn(t, testdb.Unmigrated(t, d)) })
	}
}

// schemaDiff is what atlas finds different between db and a database
// made by ent's automatic migration (Schema.Create) straight from
// ent/schema, both inspected from the catalog so that PostgreSQL's
// rewriting of index predicates counts on neither side; empty when they
// agree. (ent's own diff of the database against ent/schema compares
// predicates as written, so it would flag every partial index.)
func schemaDiff(t *testing.T, db *database.DB) string {
	t.Helper()
	ctx := context.Background()
	name := "postgres"
	if db.Dialect == dialect.SQLite {
		name = "sqlite"
	}
	ref := testdb.Unmigrated(t, name)
	if err := ref.Client.Schema.Create(ctx); err != nil {
		t.Fatalf("automatic migration of the reference: %v", err)
	}
	want, drv := inspect(t, ref)
	got, _ := inspect(t, db)
	// goose's history and internal/counting's kept counts are Migrate's
	// own, not ent/schema's (the counts have tests of their own there).
	got.Tables = slices.DeleteFunc(got.Tables, func(t *atlas.Table) bool {
		return t.Name == database.MigrationTable || t.Name == counting.Table
	})
	changes, err := drv.SchemaDiff(got, want)
	if err != nil {
		t.Fatalf("diffing: %v", err)
	}
	if len(changes) == 0 {
		return ""
	}
	plan, err := drv.PlanChanges(ctx, "diff", changes)
	if err != nil {
		t.Fatalf("planning: %v", err)
	}
	var out strings.Builder
	for _, c := range plan.Changes {
		fmt.Fprintf(&out, "%s;\n", c.Cmd)
	}
	return out.String()
}

func inspect(t *testing.T, db *database.DB) (*atlas.Schema, migrate.Driver) {
	t.Helper()
	open := postgres.Open
	if db.Dialect == dialect.SQLite {
		open = sqlite.Open
	}
	drv, err := open(db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := drv.InspectSchema(context.Background(), "", nil)
	if err != nil {
		t.Fatalf("inspecting: %v", err)
	}
	return s, drv
}

func appliedVersions(t *testing.T, db *database.DB) map[int64]int {
	t.Helper()
	rows, err := db.SQL.Query("SELECT version_id FROM " + database.MigrationTable + " WHERE version_id > 0")
	if err != nil {
		t.Fatalf("reading %s: %v", database.MigrationTable, err)
	}
	defer rows.Close()
	got := map[int64]int{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got[v]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// fileVersions are the versions of the embedded migration files.
func fileVersions(t *testing.T, dialect string) []int64 {
	t.Helper()
	fsys, err := database.Migrations(dialect)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migration files for %s: %v", dialect, err)
	}
	var vs []int64
	for _, n := range names {
		var v int64
		if _, err := fmt.Sscanf(n, "%d_", &v); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		vs = append(vs, v)
	}
	return vs
}

// Migrating an empty database yields exactly the schema of ent/schema:
// the same tables, columns, defaults, indexes (partial ones with their
// predicates) and foreign keys as ent's automatic migration makes; a
// dropped index shows, so the comparison can fail.
func TestMigrate_EmptyDatabaseGetsExactlyEntSchema(t *testing.T) {
	eachUnmigrated(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if diff := schemaDiff(t, db); diff != "" {
			t.Fatalf("the migrated database differs from ent/schema:\n%s", diff)
		}
		// The partial unique index (entsql.IndexWhere) must be there with
		// its predicate; without it the diff recreates it.
		if _, err := db.SQL.ExecContext(ctx, `DROP INDEX customerapplication_org_number_submitted`); err != nil {
			t.Fatal(err)
		}
		if diff := schemaDiff(t, db); !strings.Contains(diff, "customerapplication_org_number_submitted") {
			t.Fatalf("the diff does not see a missing index:\n%s", diff)
		}
	})
}

// A second Migrate applies nothing and changes nothing.
func TestMigrate_SecondTimeIsNoOp(t *testing.T) {
	eachUnmigrated(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("first Migrate: %v", err)
		}
		first := appliedVersions(t, db)
		if len(first) != len(fileVersions(t, db.Dialect)) {
			t.Fatalf("applied %v, want every file of %v", first, fileVersions(t, db.Dialect))
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if second := appliedVersions(t, db); fmt.Sprint(second) != fmt.Sprint(first) {
			t.Fatalf("second Migrate changed the history: %v, then %v", first, second)
		}
		if diff := schemaDiff(t, db); diff != "" {
			t.Fatalf("after the second Migrate the database differs from ent/schema:\n%s", diff)
		}
	})
}

// Instances that start together on one fresh PostgreSQL database all
// succeed, and each file is applied once: the advisory lock makes the
// others wait and then find nothing to do.
func TestMigrate_ConcurrentInstancesMigrateOnce(t *testing.T) {
	db := testdb.Unmigrated(t, "postgres")
	ctx := context.Background()
	const instances = 8
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst, err := database.Open(ctx, database.Config{URL: db.URL, MaxOpenConns: 1})
			if err != nil {
				errs[i] = err
				return
			}
			defer inst.Close()
			errs[i] = inst.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	applied := appliedVersions(t, db)
	for _, v := range fileVersions(t, db.Dialect) {
		if applied[v] != 1 {
			t.Errorf("version %d applied %d times, want once", v, applied[v])
		}
	}
	if diff := schemaDiff(t, db); diff != "" {
		t.Fatalf("the migrated database differs from ent/schema:\n%s", diff)
	}
}

// On PostgreSQL, Migrate leaves a statement trigger announcing changes on
// every table of AnnouncedTables (internal/entitlement's caches rely on
// them), limited to the listed columns where some are.
func TestMigrate_CreatesNotifyTriggers(t *testing.T) {
	db := testdb.Unmigrated(t, "postgres")
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	for table, columns := range database.AnnouncedTables {
		var def string
		err := db.SQL.QueryRow(`SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
			WHERE t.tgrelid = $1::regclass AND t.tgname = 'kundportal_announce'`, table).Scan(&def)
		if err != nil {
			t.Errorf("%s: no kundportal_announce trigger: %v", table, err)
			continue
		}
		if !strings.Contains(def, "FOR EACH STATEMENT EXECUTE FUNCTION kundportal_announce()") {
			t.Errorf("%s: trigger is %s", table, def)
		}
		if columns != "" && !strings.Contains(def, "UPDATE OF "+columns) {
			t.Errorf("%s: trigger %s, want UPDATE OF %s", table, def, columns)
		}
	}
}

// A database made by the automatic migration of earlier versions (ent's
// Schema.Create: the tables, no migration history) is refused with an
// error that says what to do, and left as it is.
func TestMigrate_RefusesDatabaseOfAutomaticMigration(t *testing.T) {
	eachUnmigrated(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		if err := db.Client.Schema.Create(ctx); err != nil {
			t.Fatalf("automatic migration: %v", err)
		}
		err := db.Migrate(ctx)
		if !errors.Is(err, database.ErrNoMigrationHistory) {
			t.Fatalf("Migrate = %v, want ErrNoMigrationHistory", err)
		}
		for _, hint := range []string{"kundportal.db", "DATABASE_URL", "docs/operations.md"} {
			if !strings.Contains(err.Error(), hint) {
				t.Errorf("the error does not mention %s: %v", hint, err)
			}
		}
		var n int
		if err := db.SQL.QueryRow("SELECT count(*) FROM customers").Scan(&n); err != nil {
			t.Errorf("the old tables were touched: %v", err)
		}
		if err := db.SQL.QueryRow("SELECT count(*) FROM " + database.MigrationTable).Scan(&n); err == nil {
			t.Errorf("Migrate created %s in a database it refused", database.MigrationTable)
		}
	})
}

// mapFS copies the embedded migration files of a dialect.
func mapFS(t *testing.T, dialect string) fstest.MapFS {
	t.Helper()
	fsys, err := database.Migrations(dialect)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The embedded files match their atlas.sum; a file edited, added or
// removed afterwards, or a broken atlas.sum, is refused.
func TestVerifyChecksum_RefusesTamperedMigrations(t *testing.T) {
	for _, d := range []string{dialect.Postgres, dialect.SQLite} {
		t.Run(d, func(t *testing.T) {
			if err := database.VerifyChecksum(mapFS(t, d)); err != nil {
				t.Fatalf("the committed files: %v", err)
			}
			first := func(m fstest.MapFS) string {
				names, _ := fs.Glob(m, "*.sql")
				return names[0]
			}
			cases := map[string]func(m fstest.MapFS){
				"edited": func(m fstest.MapFS) {
					f := m[first(m)]
					f.Data = []byte(strings.Replace(string(f.Data), "NOT NULL", "NULL", 1))
				},
				"added": func(m fstest.MapFS) {
					m["29990101000000_extra.sql"] = &fstest.MapFile{Data: []byte("-- +goose Up\nSELECT 1;\n")}
				},
				"removed": func(m fstest.MapFS) { delete(m, first(m)) },
				"sum":     func(m fstest.MapFS) { m[migrate.HashFileName].Data = []byte("h1:AAAA\n") },
				"no sum":  func(m fstest.MapFS) { delete(m, migrate.HashFileName) },
			}
			for name, tamper := range cases {
				m := mapFS(t, d)
				tamper(m)
				if err := database.VerifyChecksum(m); !errors.Is(err, database.ErrMigrationsTampered) {
					t.Errorf("%s: VerifyChecksum = %v, want ErrMigrationsTampered", name, err)
				}
			}
		})
	}
}

// writeDir writes a dialect's embedded files into a temporary directory,
// changed by edit, with atlas.sum rewritten so that only the schema can
// disagree.
func writeDir(t *testing.T, dialect string, edit func(sql string) string) string {
	t.Helper()
	dir := t.TempDir()
	m := mapFS(t, dialect)
	for name, f := range m {
		data := f.Data
		if strings.HasSuffix(name, ".sql") {
			data = []byte(edit(string(data)))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	local, err := migrate.NewLocalDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := local.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.WriteSumFile(local, sum); err != nil {
		t.Fatal(err)
	}
	return dir
}

// make check-generated's check: the committed files agree with
// ent/schema; files lacking a partial index, or whose atlas.sum is stale,
// are refused.
func TestCheckMigrations_FailsWhenFilesAndSchemaDisagree(t *testing.T) {
	eachUnmigrated(t, func(t *testing.T, dev *database.DB) {
		ctx := context.Background()
		committed := writeDir(t, dev.Dialect, func(s string) string { return s })
		if err := database.CheckMigrations(ctx, dev, committed); err != nil {
			t.Fatalf("the committed files: %v", err)
		}

		stale := writeDir(t, dev.Dialect, func(s string) string {
			var keep []string
			for _, line := range strings.Split(s, "\n") {
				if !strings.HasPrefix(line, "CREATE UNIQUE INDEX") || !strings.Contains(line, "customerapplication_org_number_submitted") {
					keep = append(keep, line)
				}
			}
			return strings.Join(keep, "\n")
		})
		err := database.CheckMigrations(ctx, dev, stale)
		if !errors.Is(err, database.ErrMigrationsStale) || !strings.Contains(err.Error(), "customerapplication_org_number_submitted") {
			t.Fatalf("files without the partial index: CheckMigrations = %v, want ErrMigrationsStale naming the index", err)
		}

		tampered := writeDir(t, dev.Dialect, func(s string) string { return s })
		names, _ := filepath.Glob(filepath.Join(tampered, "*.sql"))
		if err := os.WriteFile(names[0], []byte("-- +goose Up\nSELECT 1;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := database.CheckMigrations(ctx, dev, tampered); !errors.Is(err, database.ErrMigrationsTampered) {
			t.Fatalf("an edited file: CheckMigrations = %v, want ErrMigrationsTampered", err)
		}
	})
}

// make migration writes nothing when ent/schema and the files agree, and
// the missing change, under the given version and name, when they do not.
func TestWriteMigration_WritesTheMissingChange(t *testing.T) {
	eachUnmigrated(t, func(t *testing.T, dev *database.DB) {
		ctx := context.Background()
		dir := writeDir(t, dev.Dialect, func(s string) string { return s })
		written, err := database.WriteMigration(ctx, dev, dir, "29990101000000", "nothing")
		if err != nil || len(written) != 0 {
			t.Fatalf("WriteMigration on agreeing files = %v, %v; want nothing written", written, err)
		}
		dir = writeDir(t, dev.Dialect, func(s string) string {
			return strings.ReplaceAll(s, "customerapplication_org_number_submitted", "old_index_name")
		})
		written, err = database.WriteMigration(ctx, dev, dir, "29990101000000", "rename_index")
		if err != nil || len(written) != 1 || written[0] != "29990101000000_rename_index.sql" {
			t.Fatalf("WriteMigration = %v, %v; want 29990101000000_rename_index.sql", written, err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, written[0]))
		if !strings.HasPrefix(string(b), "-- +goose Up\n") || !strings.Contains(string(b), "customerapplication_org_number_submitted") {
			t.Fatalf("the written migration:\n%s", b)
		}
		if err := database.CheckMigrations(ctx, dev, dir); err != nil {
			t.Fatalf("after writing it the files agree, but: %v", err)
		}
	})
}
