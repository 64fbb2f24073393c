// Command migration writes and checks the versioned migration files of
// internal/database/migrations (docs/operations.md, Migrations).
//
//	go run ./cmd/migration -name add_something   # make migration NAME=add_something
//	go run ./cmd/migration -check                # part of make check-generated
//
// With -name it writes, for PostgreSQL and for SQLite, the next file that
// brings the schema the existing files make to what ent/schema describes,
// with one version for both; nothing when they already agree. With -check
// it exits 1 when a directory's files do not match its atlas.sum or would
// need a new file. Run it from the repository root.
//
// The diff is computed by ent's Atlas integration on dev databases: a
// temporary database on TEST_DATABASE_URL's PostgreSQL server (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), dropped
// afterwards, and an in-memory SQLite.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"kundportal/internal/database"
)

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func main() {
	name := flag.String("name", "", "write the next migration, named `add_something` (lower case, digits, _)")
	check := flag.Bool("check", false, "fail if ent/schema and the migration files disagree")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var err error
	switch {
	case *check && *name == "":
		err = run(ctx, func(ctx context.Context, dev *database.DB, dir string) error {
			return database.CheckMigrations(ctx, dev, dir)
		})
		if err == nil {
			fmt.Println("ent/schema and the migration files agree")
		}
	case *name != "" && !*check:
		if !regexp.MustCompile(`^[a-z][a-z0-9_]*$`).MatchString(*name) {
			err = fmt.Errorf("NAME=%q: use lower case letters, digits and _, e.g. add_invoice_reference", *name)
			break
		}
		version := time.Now().UTC().Format("20060102150405")
		err = run(ctx, func(ctx context.Context, dev *database.DB, dir string) error {
			written, err := database.WriteMigration(ctx, dev, dir, version, *name)
			if err != nil {
				return err
			}
			if len(written) == 0 {
				fmt.Printf("%s: ent/schema and the files agree; nothing written\n", dir)
			}
			for _, f := range written {
				fmt.Printf("%s: wrote %s; review it and commit it with atlas.sum\n", dir, f)
			}
			return nil
		})
	default:
		err = errors.New("give -name add_something or -check")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "migration:", err)
		os.Exit(1)
	}
}

// run calls fn for each dialect's directory with an empty dev database.
func run(ctx context.Context, fn func(ctx context.Context, dev *database.DB, dir string) error) error {
	var errs []error
	for _, dia := range []string{dialect.Postgres, dialect.SQLite} {
		dir, err := database.MigrationsDir(dia)
		if err != nil {
			return err
		}
		dev, drop, err := devDatabase(ctx, dia)
		if err != nil {
			return err
		}
		errs = append(errs, fn(ctx, dev, dir))
		dev.Close()
		if err := drop(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func devDatabase(ctx context.Context, dia string) (*database.DB, func() error, error) {
	suffix := strings.ToLower(rand.Text()[:12])
	if dia == dialect.SQLite {
		dev, err := database.Open(ctx, database.Config{URL: "file:kp_dev_" + suffix + "?mode=memory&cache=shared"})
		return dev, func() error { return nil }, err
	}
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = defaultAdminURL
	}
	u, err := url.Parse(admin)
	if err != nil {
		return nil, nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
	}
	adminDB, err := sql.Open("postgres", admin)
	if err != nil {
		return nil, nil, err
	}
	name := "kp_migration_dev_" + suffix
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		adminDB.Close()
		return nil, nil, fmt.Errorf("creating a dev database on %s (PostgreSQL must run; see README): %w", u.Redacted(), err)
	}
	drop := func() error {
		defer adminDB.Close()
		_, err := adminDB.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	u.Path = "/" + name
	dev, err := database.Open(ctx, database.Config{URL: u.String()})
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return dev, drop, nil
}
