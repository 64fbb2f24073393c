package httpapi_test

import (
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// TestRequestTimeoutEndsAStatementWaitingOnALock: a request whose
// statement waits on a lock another transaction holds is ended at the
// request timeout with TIMEOUT (on PostgreSQL the statement is cancelled,
// which the driver reports as query_canceled, not as the deadline), and
// the database serves the next request once the lock is gone. The
// deadline observe gives every request reaches the database, although
// its timer is made only once something waits on it.
func TestRequestTimeoutEndsAStatementWaitingOnALock(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		const timeout = 500 * time.Millisecond
		e := apitest.New(t, db, func(o *httpapi.Options) { o.RequestTimeout = timeout })
		e.Fx.Customer()
		staff := e.As(e.Token(auth.DevToken{Subject: "kundtjanst.ann", Staff: true}))

		tx, err := db.SQL.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		// PostgreSQL: nobody reads customers. SQLite: nobody writes.
		lock, blocked := "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE", `{ customers(first: 1) { edges { node { id orgNumber } } } }`
		if db.Dialect == dialect.SQLite {
			lock, blocked = "DELETE FROM customers WHERE 1 = 0",
				`mutation { createCustomerCategory(input: {code: "LOCKED_OUT", name: "Utelåsta"}) { id } }`
		}
		if _, err := tx.ExecContext(t.Context(), lock); err != nil {
			t.Fatal(err)
		}

		start := time.Now()
		r := staff.Post(blocked, nil)
		elapsed := time.Since(start)
		r.WantError(t, "TIMEOUT", "")
		if elapsed < timeout || elapsed > timeout+5*time.Second {
			t.Errorf("answered after %v, want the timeout of %v", elapsed, timeout)
		}

		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if r := staff.Post(blocked, nil); len(r.Errors) > 0 {
			t.Errorf("after the lock: %s", r.Body)
		}
	})
}
