// Package database opens the ent client on PostgreSQL or the embedded
// SQLite file, sizes the connection pool and migrates the schema with
// the versioned migration files of migrations/ (docs/operations.md).
package database

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"    // PostgreSQL driver, also registered as "postgres".
	_ "modernc.org/sqlite" // Pure-Go SQLite driver, registered as "sqlite".

	"kundportal/ent"
	"kundportal/internal/counting"
	// The privacy policies and hooks of ent/schema are registered by this
	// package's init, and the rules and hooks they name are bound by
	// internal/access's and internal/feed's; every client is opened here,
	// so none runs without them.
	_ "kundportal/ent/runtime"
	_ "kundportal/internal/access"
	_ "kundportal/internal/feed"
)

// DefaultSQLiteFile is the embedded database used when no URL is given.
const DefaultSQLiteFile = "kundportal.db"

// Config says where the database is and how large the pool may grow.
type Config struct {
	// URL is postgres://… (or postgresql://…) for PostgreSQL, file:… for an
	// SQLite DSN, or empty for DefaultSQLiteFile in the working directory.
	URL string
	// MaxOpenConns caps connections; database/sql's default is unlimited.
	MaxOpenConns int
	// MaxIdleConns is how many connections stay open between requests;
	// database/sql keeps only 2, which halves throughput under 16
	// concurrent requests.
	MaxIdleConns int
	// ConnMaxLifetime recycles connections, so that a fail-over or a
	// restarted pooler is picked up.
	ConnMaxLifetime time.Duration
	// StatementCache is how many prepared statements each PostgreSQL
	// connection keeps (cachingConnector): 0 means
	// DefaultStatementCacheSize, a negative number none.
	StatementCache int
	// CountLimit is the most rows a connection's totalCount reads when no
	// kept count answers it (internal/counting); 0 means
	// counting.DefaultLimit.
	CountLimit int
}

// DB is an open database: the ent client over the pool.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string
	// URL is what it was opened with.
	URL string

	// driverName and dsn open Migrate's own pool on PostgreSQL.
	driverName, dsn string
}

// Option changes how Open builds the client.
type Option func(*options)

type options struct {
	wrap func(dialect.Driver) dialect.Driver
}

// WithDriver has the client send its statements through wrap's driver
// (the metrics and SQL spans of internal/telemetry).
func WithDriver(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(o *options) { o.wrap = wrap }
}

// Open connects, sizes the pool and checks that the server answers.
func Open(ctx context.Context, cfg Config, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	driverName, dsn, dia, err := resolve(cfg.URL)
	if err != nil {
		return nil, err
	}
	db, err := openPool(driverName, dsn, cfg.StatementCache)
	if err != nil {
		return nil, fmt.Errorf("opening %s database: %w", dia, err)
	}
	if cfg.MaxOpenConns > 0 {
		db.SetMaxOpenConns(cfg.MaxOpenConns)
	}
	if cfg.MaxIdleConns > 0 {
		db.SetMaxIdleConns(cfg.MaxIdleConns)
	}
	if cfg.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s database: %w", dia, err)
	}
	var drv dialect.Driver = entsql.OpenDB(dia, db)
	if o.wrap != nil {
		drv = o.wrap(drv)
	}
	client := ent.NewClient(ent.Driver(drv), ent.Counter(&counting.Counter{Limit: cfg.CountLimit}))
	return &DB{Client: client, SQL: db, Dialect: dia, URL: cfg.URL, driverName: driverName, dsn: dsn}, nil
}

// openPool opens the pool; PostgreSQL's with the statement cache unless
// it is turned off.
func openPool(driverName, dsn string, statements int) (*sql.DB, error) {
	if driverName != "postgres" || statements < 0 {
		return sql.Open(driverName, dsn)
	}
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{Connector: connector, size: cmp.Or(statements, DefaultStatementCacheSize)}), nil
}

// ChangesChannel is the PostgreSQL channel on which every committed
// change to AnnouncedTables is announced, with the table's name as the
// payload: caches of other server instances listen to it
// (internal/entitlement). NOTIFY is transactional: a rolled-back change
// announces nothing, a committed one after its commit.
const ChangesChannel = "kundportal_changes"

// AnnouncedTables are the tables the partner access check reads
// (D-P1..D-P4), each with the columns whose update is announced (all when
// empty): a partner key's last use, written once a minute, is not.
var AnnouncedTables = map[string]string{
	"customers": "", "agreements": "", "subscriptions": "", "services": "", "care_units": "",
	"partner_api_keys": "name, scopes, service_id, secret_hash, revoked_at",
}

const notifyFunction = `CREATE OR REPLACE FUNCTION kundportal_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('` + ChangesChannel + `', TG_TABLE_NAME);
	RETURN NULL;
END $$`

// Close closes the client and the pool.
func (d *DB) Close() error { return d.Client.Close() }

// SQLiteDSN is the DSN of an SQLite database file (or "file:name?mode=memory&cache=shared"
// style URI) with the settings this service relies on: foreign keys
// enforced, a busy timeout instead of immediate SQLITE_BUSY, WAL so readers
// do not block the writer, and write transactions that take the write lock
// at BEGIN, so two writers never deadlock upgrading a read lock.
func SQLiteDSN(file string) string {
	sep := "?"
	if strings.Contains(file, "?") {
		sep = "&"
	}
	if !strings.HasPrefix(file, "file:") {
		file = "file:" + file
	}
	return file + sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"
}

func resolve(url string) (driverName, dsn, dia string, err error) {
	switch {
	case url == "":
		return "sqlite", SQLiteDSN(DefaultSQLiteFile), dialect.SQLite, nil
	case strings.HasPrefix(url, "file:"):
		return "sqlite", SQLiteDSN(url), dialect.SQLite, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return "postgres", url, dialect.Postgres, nil
	default:
		return "", "", "", fmt.Errorf("DATABASE_URL must be empty (embedded SQLite), file:… or postgres://…")
	}
}
