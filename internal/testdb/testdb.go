// Package testdb gives each test a database of its own, on PostgreSQL and
// on the embedded SQLite, so that runs never see each other's data.
//
// PostgreSQL comes from TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). A test
// package migrates one template database once and each test gets a copy
// (CREATE DATABASE … TEMPLATE), which is much faster than migrating per
// test. Call Main from the package's TestMain so the template is dropped.
// Without a reachable server the PostgreSQL tests skip loudly, except under
// CI=true, where they fail.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"kundportal/internal/database"
)

// DefaultURL is the development and CI PostgreSQL server.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Dialects names the databases every rule is proven on.
var Dialects = []string{"postgres", "sqlite"}

func adminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

var template struct {
	once sync.Once
	name string
	err  error
}

// Main runs the package's tests and then drops the template database.
func Main(m *testing.M) {
	code := m.Run()
	if template.name != "" {
		if err := adminExec("DROP DATABASE IF EXISTS " + template.name + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "testdb: dropping template:", err)
		}
	}
	os.Exit(code)
}

// Open returns a fresh, migrated database of the given dialect
// ("postgres" or "sqlite"), closed and dropped when the test ends.
func Open(t testing.TB, dialect string) *database.DB {
	t.Helper()
	switch dialect {
	case "postgres":
		return Postgres(t)
	case "sqlite":
		return SQLite(t)
	default:
		t.Fatalf("testdb: unknown dialect %q", dialect)
		return nil
	}
}

// Each runs fn as a subtest on a fresh database of every dialect.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

// SQLite returns a fresh in-memory SQLite database, migrated.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	ctx := context.Background()
	name := "kp_" + strings.ToLower(rand.Text()[:12])
	db, err := database.Open(ctx, database.Config{
		URL: "file:" + name + "?mode=memory&cache=shared", MaxOpenConns: 8, MaxIdleConns: 8,
	})
	if err != nil {
		t.Fatalf("testdb: opening SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrating SQLite: %v", err)
	}
	return db
}

// PostgresURL returns the URL of a fresh PostgreSQL database copied from
// the package's migrated template, for a test that opens it itself (a
// pool of its own, a server process); it is dropped when the test ends,
// after the test's own cleanups.
func PostgresURL(t testing.TB) string {
	t.Helper()
	template.once.Do(func() { template.name, template.err = makeTemplate() })
	if template.err != nil {
		unavailable(t, template.err)
	}
	name := "kp_test_" + strings.ToLower(rand.Text()[:12])
	if err := adminExec("CREATE DATABASE " + name + " TEMPLATE " + template.name); err != nil {
		t.Fatalf("testdb: creating %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("testdb: dropping %s: %v", name, err)
		}
	})
	return withDatabase(name)
}

// Postgres returns a fresh PostgreSQL database copied from the package's
// migrated template, dropped when the test ends.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	url := PostgresURL(t)
	db, err := database.Open(context.Background(), database.Config{URL: url, MaxOpenConns: 16, MaxIdleConns: 16})
	if err != nil {
		t.Fatalf("testdb: opening %s: %v", redact(url), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Unmigrated returns a fresh, empty database of the given dialect
// ("postgres" or "sqlite"), not migrated, for the tests of migration
// itself; a PostgreSQL one is dropped when the test ends.
func Unmigrated(t testing.TB, dialect string) *database.DB {
	t.Helper()
	ctx := context.Background()
	url := "file:kp_" + strings.ToLower(rand.Text()[:12]) + "?mode=memory&cache=shared"
	if dialect == "postgres" {
		if _, err := Reachable(); err != nil {
			unavailable(t, err)
		}
		name := "kp_test_" + strings.ToLower(rand.Text()[:12])
		if err := adminExec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("testdb: creating %s: %v", name, err)
		}
		t.Cleanup(func() {
			if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				t.Errorf("testdb: dropping %s: %v", name, err)
			}
		})
		url = withDatabase(name)
	}
	db, err := database.Open(ctx, database.Config{URL: url, MaxOpenConns: 8, MaxIdleConns: 8})
	if err != nil {
		t.Fatalf("testdb: opening %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Reachable reports whether the PostgreSQL server of TEST_DATABASE_URL
// answers, and its redacted URL.
func Reachable() (string, error) {
	db, err := sql.Open("postgres", adminURL())
	if err == nil {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
	}
	return redact(adminURL()), err
}

// unavailable skips the test loudly, or fails it under CI.
func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("\n*** PostgreSQL at %s is not reachable: %v\n*** PostgreSQL tests are SKIPPED. Start it with:\n***   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n", redact(adminURL()), err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "*** CI=true: this is a failure.")
	}
	t.Skip(msg)
}

func makeTemplate() (string, error) {
	name := "kp_tpl_" + strings.ToLower(rand.Text()[:12])
	if err := adminExec("CREATE DATABASE " + name); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := database.Open(ctx, database.Config{URL: withDatabase(name)})
	if err == nil {
		err = db.Migrate(ctx)
		db.Close()
	}
	if err != nil {
		_ = adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		return "", err
	}
	return name, nil
}

func adminExec(stmt string) error {
	db, err := sql.Open("postgres", adminURL())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// withDatabase returns the admin URL pointing at another database.
func withDatabase(name string) string {
	u, err := url.Parse(adminURL())
	if err != nil {
		return adminURL()
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "TEST_DATABASE_URL"
	}
	return u.Redacted()
}
