package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect/sql/schema"
)

// WriteMigration writes into dir the goose migration file, named
// <version>_<name>.sql, that brings a database migrated by dir's files to
// what ent/schema describes, and updates dir's atlas.sum. It returns the
// names of the files written, none when the two already agree.
//
// dev must be an empty database of dir's dialect: ent replays dir's files
// on it (atlas's ModeReplay), so that the diff is against the files, not
// against some database's history, and drops the tables afterwards.
// Dropped fields and indexes are written too: a migration file is
// reviewed, and check mode must see every disagreement.
func WriteMigration(ctx context.Context, dev *DB, dir, version, name string) ([]string, error) {
	d, err := sqltool.NewGooseDir(dir)
	if err != nil {
		return nil, err
	}
	before, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	err = dev.Client.Schema.NamedDiff(ctx, name,
		schema.WithDir(d),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dev.Dialect),
		schema.WithFormatter(gooseFormatter(version)),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return nil, fmt.Errorf("diffing ent/schema against %s: %w", dir, err)
	}
	after, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var written []string
	for _, f := range after {
		if !slices.Contains(before, f) {
			written = append(written, filepath.Base(f))
		}
	}
	return written, nil
}

// ErrMigrationsStale is returned by CheckMigrations when ent/schema
// describes something the migration files do not make.
var ErrMigrationsStale = errors.New("ent/schema and the migration files disagree: run make migration NAME=… and commit the files")

// CheckMigrations fails when dir's files do not match their atlas.sum or
// do not produce exactly the schema of ent/schema on dev (an empty
// database, as for WriteMigration). dir is left as it is.
func CheckMigrations(ctx context.Context, dev *DB, dir string) error {
	if err := VerifyChecksum(os.DirFS(dir)); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp("", "kundportal-migrations-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
		return err
	}
	written, err := WriteMigration(ctx, dev, tmp, "99999999999999", "missing")
	if err != nil {
		return err
	}
	if len(written) == 0 {
		return nil
	}
	missing, err := os.ReadFile(filepath.Join(tmp, written[0]))
	if err != nil {
		return err
	}
	return fmt.Errorf("%s: %w; the missing migration would be:\n%s", dir, ErrMigrationsStale, missing)
}

// gooseFormatter is atlas's sqltool.GooseFormatter with the version
// given rather than the current second, so that `make migration` gives
// the PostgreSQL and the SQLite file of one change the same version.
func gooseFormatter(version string) migrate.Formatter {
	funcs := template.FuncMap{"rev": func(changes []*migrate.Change) []*migrate.Change {
		rev := slices.Clone(changes)
		slices.Reverse(rev)
		return rev
	}}
	name := template.Must(template.New("name").Parse(version + "{{ with .Name }}_{{ . }}{{ end }}.sql"))
	content := template.Must(template.New("content").Funcs(funcs).Parse(strings.TrimLeft(`
-- +goose Up
{{ range .Changes }}{{ with .Comment }}-- {{ println . }}{{ end }}{{ printf "%s;\n" .Cmd }}{{ end }}
-- +goose Down
{{ range $c := rev .Changes }}{{ with $stmts := .ReverseStmts }}{{ with $c.Comment }}-- reverse: {{ println . }}{{ end }}{{ range $stmts }}{{ printf "%s;\n" . }}{{ end }}{{ end }}{{ end }}`, "\n")))
	f, err := migrate.NewTemplateFormatter(name, content)
	if err != nil {
		panic(err) // two templates: cannot happen
	}
	return f
}
