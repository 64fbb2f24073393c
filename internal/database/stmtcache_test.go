package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// prepared counts the session's prepared statements whose text starts
// with prefix. It sends no arguments, so it is not prepared itself.
func prepared(t *testing.T, conn *sql.Conn, prefix string) int {
	t.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%s%%'", prefix)
	if err := conn.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A statement with arguments is prepared once per connection and then
// executed by name, in and out of transactions, and a rolled-back
// transaction does not take it along.
func TestStatementsArePreparedOncePerConnection(t *testing.T) {
	db := testdb.Postgres(t)
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = "SELECT $1::int + 1 AS stmtcache_probe"
	for i := range 5 {
		var got int
		if err := conn.QueryRowContext(ctx, q, i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Fatalf("round %d: got %d", i, got)
		}
	}
	if n := prepared(t, conn, "SELECT $1::int + 1"); n != 1 {
		t.Fatalf("%d prepared statements after five runs, want 1", n)
	}

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT $1::text AS stmtcache_in_tx", "x"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := conn.QueryRowContext(ctx, "SELECT $1::text AS stmtcache_in_tx", "after").Scan(&s); err != nil || s != "after" {
		t.Fatalf("the statement prepared in a rolled-back transaction: %q, %v", s, err)
	}
	if n := prepared(t, conn, "SELECT $1::text"); n != 1 {
		t.Fatalf("%d prepared statements after the rollback, want 1", n)
	}
}

// The cache is bounded: the least recently used statement is closed in
// the server when another is prepared.
func TestStatementCacheIsBounded(t *testing.T) {
	url := testdb.PostgresURL(t)
	ctx := context.Background()
	db, err := database.Open(ctx, database.Config{URL: url, MaxOpenConns: 1, StatementCache: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range 10 {
		var got int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT $1::int * %d AS bounded", i), 2).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != 2*i {
			t.Fatalf("statement %d answered %d", i, got)
		}
	}
	if n := prepared(t, conn, "SELECT $1::int *"); n > 3+1 {
		t.Fatalf("%d statements prepared in the session, want at most the cache's 3 and one awaiting its close", n)
	}

	off, err := database.Open(ctx, database.Config{URL: url, MaxOpenConns: 1, StatementCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	offConn, err := off.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer offConn.Close()
	if _, err := offConn.ExecContext(ctx, "SELECT $1::int AS uncached", 1); err != nil {
		t.Fatal(err)
	}
	if n := prepared(t, offConn, "SELECT $1::int AS uncached"); n != 0 {
		t.Fatalf("with the cache off, %d statements are kept", n)
	}
}
