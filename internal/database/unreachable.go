package database

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// Unreachable reports whether err says that the database could not be
// reached or the connection to it was lost, rather than that it refused a
// statement: the request may succeed once the database is back. It knows
// what database/sql and lib/pq return for a cut or refused connection;
// the error presenter maps it to UNAVAILABLE.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// Dialing, reading or writing the socket failed (a dial's timeout
	// included); a statement's own errors never come as *net.OpError.
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case pqerror.AdminShutdown, pqerror.CrashShutdown, pqerror.CannotConnectNow:
			return true
		}
		return pqErr.Code.Class() == pqerror.ConnectionException.Class()
	}
	return false
}

// Cancelled reports whether err is PostgreSQL's query_canceled: the
// statement was cancelled, by lib/pq when its context ended (the request
// ran out of time) or by statement_timeout. lib/pq reports that as the
// server's error, not as the context's, so the error presenter maps it
// to TIMEOUT as it does context.DeadlineExceeded.
func Cancelled(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == pqerror.QueryCanceled
}
