package database

import (
	"context"
	"database/sql/driver"
	"errors"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultStatementCacheSize is how many prepared statements each
// PostgreSQL connection keeps. ent writes a few dozen distinct statements
// per hot path (an IN list of another length is another statement), so
// this holds every hot one with room for the long tail.
const DefaultStatementCacheSize = 256

// cachingConnector prepares each statement that carries arguments once
// per connection and executes it by name afterwards. lib/pq sends such a
// statement unnamed, which costs two round trips (Parse+Describe, then
// Bind+Execute) and a parse in the server every time; a named statement
// costs one round trip and no parse. Statements without arguments keep
// lib/pq's simple query protocol, which is already one round trip.
//
// Named statements live in the server session, so this does not work
// behind a pooler in transaction mode (PgBouncer before 1.21 without
// max_prepared_statements): set DB_STATEMENT_CACHE_SIZE=0 there.
type cachingConnector struct {
	driver.Connector
	size int
}

// Connect implements driver.Connector.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(pqConn)
	if !ok {
		return conn, nil
	}
	cc := &cachingConn{pqConn: inner}
	cc.stmts, _ = lru.NewLRU[string, driver.Stmt](c.size, func(_ string, st driver.Stmt) { cc.evicted = append(cc.evicted, st) })
	return cc, nil
}

// pqConn is what lib/pq's connection implements and database/sql uses;
// the cache passes all of it through.
type pqConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// cachingConn is one connection with its statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	pqConn
	stmts *lru.LRU[string, driver.Stmt]
	// evicted are statements dropped from the cache and not yet closed:
	// they are closed before the next statement is prepared, never from
	// inside the cache's callback, while the connection may be reading.
	evicted []driver.Stmt
}

// QueryContext implements driver.QueryerContext.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.pqConn.QueryContext(ctx, query, args)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.pqConn.ExecContext(ctx, query, args)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.(driver.StmtExecContext).ExecContext(ctx, args)
}

// prepared returns the connection's statement for query, preparing it
// the first time.
func (c *cachingConn) prepared(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts.Get(query); ok {
		return st, nil
	}
	if err := c.closeEvicted(); err != nil {
		return nil, err
	}
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts.Add(query, st)
	return st, nil
}

func (c *cachingConn) closeEvicted() error {
	var errs []error
	for _, st := range c.evicted {
		errs = append(errs, st.Close())
	}
	c.evicted = c.evicted[:0]
	return errors.Join(errs...)
}

// Close implements driver.Conn. The server drops the session's
// statements with it.
func (c *cachingConn) Close() error { return c.pqConn.Close() }
