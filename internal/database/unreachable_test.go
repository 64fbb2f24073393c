package database_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"kundportal/internal/database"
)

// TestUnreachableTellsLostConnectionsFromRefusedStatements: what lib/pq
// and database/sql return when the server is away is unreachable, also
// wrapped; what the server answers about a statement is not, nor is a
// request's own timeout.
func TestUnreachableTellsLostConnectionsFromRefusedStatements(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{driver.ErrBadConn, true},
		{fmt.Errorf("ent: starting a transaction: %w", driver.ErrBadConn), true},
		{dial, true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, true}, // the request's deadline while connecting
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{&pq.Error{Code: pqerror.AdminShutdown}, true},
		{&pq.Error{Code: pqerror.CannotConnectNow}, true},
		{&pq.Error{Code: "08006"}, true}, // connection_failure
		{&pq.Error{Code: pqerror.UniqueViolation}, false},
		{&pq.Error{Code: pqerror.QueryCanceled}, false},
		{context.DeadlineExceeded, false},
		{errors.New("ent: constraint failed"), false},
		{nil, false},
	} {
		if got := database.Unreachable(tc.err); got != tc.want {
			t.Errorf("Unreachable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
