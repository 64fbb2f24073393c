// Package counting answers a connection's totalCount without reading a
// large table on every request (docs/performance.md, "Counting").
//
// Two mechanisms, chosen by what the query filters:
//
//   - Unfiltered lists of the KeptTables (staff asking for every customer,
//     subscription, order or agreement) read the number of rows from
//     Table (the sum of its rows for the table), which database triggers
//     keep in the writing transaction: a
//     rolled-back insert or delete leaves the number as it was, and bulk
//     statements (COPY, INSERT … SELECT, DELETE … WHERE) count as many rows
//     as they touched. Such counts are exact.
//   - Every other count (a where filter, a tenant's rows, a customer's
//     subscriptions, a table without kept count) reads at most Limit+1
//     rows: `SELECT COUNT(*) FROM (SELECT id … LIMIT Limit+1)`. Up to
//     Limit it is exact; above it the answer is Limit and not exact.
//
// The package does not import the generated ent code: ent's generated
// query calls Counter.Count (ent/schema/template/counting.tmpl), and the
// client carries the Counter as a dependency (ent/entc.go).
package counting

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// DefaultLimit is the most rows a bounded count reads when
// GRAPHQL_MAX_COUNT is not set: an index-only scan of 10 000 rows takes
// about a millisecond, and no screen pages through more.
const DefaultLimit = 10_000

// Table holds one row per kept table: its name and its number of rows.
const Table = "row_counts"

// KeptTables are the large tables whose number of rows is kept in Table.
// Each write statement on them costs one more insert into Table (see
// InstallStatements), so audit_events and notifications, written by
// nearly every mutation, are left out: their counts are bounded.
var KeptTables = []string{"customers", "agreements", "orders", "subscriptions"}

// Counter counts rows for a connection's totalCount. A nil Counter counts
// with DefaultLimit.
type Counter struct {
	// Limit is the most rows a bounded count reads; 0 means DefaultLimit.
	Limit int
}

func (c *Counter) limit() int {
	if c == nil || c.Limit <= 0 {
		return DefaultLimit
	}
	return c.Limit
}

// Count counts the rows sel selects from table, after every filter
// (the where input, the edge it hangs off, the privacy policy's tenant
// predicates) is applied to it. unfiltered says that none is: only then
// can the kept count answer. sel's selection and limit are replaced.
// exact is false when the count stopped at the limit; n is then the limit.
func (c *Counter) Count(ctx context.Context, drv dialect.ExecQuerier, dia, table string, unfiltered bool, sel *entsql.Selector) (n int, exact bool, err error) {
	if unfiltered && slices.Contains(KeptTables, table) {
		n, ok, err := readKept(ctx, drv, dia, table)
		if err != nil || ok {
			return n, true, err
		}
		// No kept row: the triggers are not installed (a database not
		// migrated by this version). Count, bounded, rather than trust
		// nothing.
	}
	limit := c.limit()
	sel.Limit(limit + 1)
	query, args := entsql.Dialect(dia).Select(entsql.Count("*")).From(sel.As("bounded")).Query()
	if n, err = scanInt(ctx, drv, query, args); err != nil {
		return 0, false, fmt.Errorf("counting %s: %w", table, err)
	}
	if n > limit {
		return limit, false, nil
	}
	return n, true, nil
}

func readKept(ctx context.Context, drv dialect.ExecQuerier, dia, table string) (int, bool, error) {
	query, args := entsql.Dialect(dia).Select(entsql.Sum("row_count")).From(entsql.Table(Table)).
		Where(entsql.EQ("table_name", table)).Query()
	rows := &entsql.Rows{}
	if err := drv.Query(ctx, query, args, rows); err != nil {
		return 0, false, fmt.Errorf("reading the kept count of %s: %w", table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, false, rows.Err()
	}
	var n stdsql.NullInt64
	if err := rows.Scan(&n); err != nil {
		return 0, false, fmt.Errorf("reading the kept count of %s: %w", table, err)
	}
	return int(n.Int64), n.Valid, rows.Close()
}

func scanInt(ctx context.Context, drv dialect.ExecQuerier, query string, args []any) (int, error) {
	rows := &entsql.Rows{}
	if err := drv.Query(ctx, query, args, rows); err != nil {
		return 0, err
	}
	defer rows.Close()
	return entsql.ScanInt(rows)
}

// TxBeginner is a *sql.DB or a *sql.Conn: on PostgreSQL a migration may
// install on the connection that holds its advisory lock.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts *stdsql.TxOptions) (*stdsql.Tx, error)
}

// Install creates Table and the triggers that keep it, and recomputes
// every kept count, in one transaction. database.Migrate runs it at every
// start, after the schema: so a count can never stay wrong past a restart,
// whatever wrote around the triggers.
func Install(ctx context.Context, db TxBeginner, dia string) error {
	return inTx(ctx, db, func(tx *stdsql.Tx) error {
		for _, stmt := range InstallStatements(dia) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("installing the kept counts: %w", err)
			}
		}
		return recompute(ctx, tx, dia)
	})
}

// Recompute sets every kept count to COUNT(*) of its table. On PostgreSQL
// it locks each table against writes (SHARE) while it counts, so no
// concurrent insert slips between the count and the stored number; reads
// go on.
func Recompute(ctx context.Context, db TxBeginner, dia string) error {
	return inTx(ctx, db, func(tx *stdsql.Tx) error { return recompute(ctx, tx, dia) })
}

func recompute(ctx context.Context, tx *stdsql.Tx, dia string) error {
	for _, table := range KeptTables {
		for _, stmt := range RecomputeStatements(dia, table) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("recomputing the kept count of %s: %w", table, err)
			}
		}
	}
	return nil
}

func inTx(ctx context.Context, db TxBeginner, f func(*stdsql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// RecomputeStatements set table's kept count to its COUNT(*).
func RecomputeStatements(dia, table string) []string {
	set := []string{
		fmt.Sprintf(`DELETE FROM %s WHERE table_name = '%s'`, Table, table),
		fmt.Sprintf(`INSERT INTO %s (table_name, row_count) SELECT '%s', COUNT(*) FROM %s`, Table, table, table),
	}
	if dia == dialect.Postgres {
		return append([]string{"LOCK TABLE " + table + " IN SHARE MODE"}, set...)
	}
	return set
}

// InstallStatements create Table and the triggers on the KeptTables; each
// can run again. They are what a versioned migration has to contain (the
// recomputation then seeds Table).
//
// On PostgreSQL a kept count is the sum of its table's rows in Table: each
// INSERT, DELETE or TRUNCATE statement adds one row with the number of
// rows it touched (from its transition table; none if it touched none).
// Writers only insert, so no two wait for each other, as they would
// updating one shared row (the subscription feed's writers hold their
// transactions open side by side, D-P1). Once a table has more than 32
// rows, the writing statement folds those it can lock into one
// (SKIP LOCKED: it never waits for another writer's fold), so a read sums
// a few dozen rows at most. SQLite has one writer at a time: one row per
// table, updated by row triggers.
func InstallStatements(dia string) []string {
	if dia == dialect.Postgres {
		stmts := []string{
			`CREATE TABLE IF NOT EXISTS ` + Table + ` (id bigserial PRIMARY KEY, table_name text NOT NULL, row_count bigint NOT NULL)`,
			`CREATE INDEX IF NOT EXISTS ` + Table + `_table_name ON ` + Table + ` (table_name)`,
			`CREATE OR REPLACE FUNCTION kundportal_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		DELETE FROM ` + Table + ` WHERE table_name = TG_TABLE_NAME;
		INSERT INTO ` + Table + ` (table_name, row_count) VALUES (TG_TABLE_NAME, 0);
		RETURN NULL;
	ELSIF TG_OP = 'INSERT' THEN
		SELECT COUNT(*) INTO n FROM inserted_rows;
	ELSE
		SELECT -COUNT(*) INTO n FROM deleted_rows;
	END IF;
	IF n = 0 THEN
		RETURN NULL;
	END IF;
	INSERT INTO ` + Table + ` (table_name, row_count) VALUES (TG_TABLE_NAME, n);
	IF (SELECT COUNT(*) FROM ` + Table + ` WHERE table_name = TG_TABLE_NAME) > 32 THEN
		WITH folded AS (
			DELETE FROM ` + Table + ` WHERE id IN (
				SELECT id FROM ` + Table + ` WHERE table_name = TG_TABLE_NAME FOR UPDATE SKIP LOCKED)
			RETURNING row_count)
		INSERT INTO ` + Table + ` (table_name, row_count)
			SELECT TG_TABLE_NAME, SUM(row_count) FROM folded HAVING COUNT(*) > 0;
	END IF;
	RETURN NULL;
END $$`,
		}
		for _, t := range KeptTables {
			stmts = append(stmts,
				`CREATE OR REPLACE TRIGGER kundportal_count_insert AFTER INSERT ON `+t+
					` REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION kundportal_count_rows()`,
				`CREATE OR REPLACE TRIGGER kundportal_count_delete AFTER DELETE ON `+t+
					` REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION kundportal_count_rows()`,
				`CREATE OR REPLACE TRIGGER kundportal_count_truncate AFTER TRUNCATE ON `+t+
					` FOR EACH STATEMENT EXECUTE FUNCTION kundportal_count_rows()`)
		}
		return stmts
	}
	stmts := []string{`CREATE TABLE IF NOT EXISTS ` + Table + ` (table_name text PRIMARY KEY, row_count integer NOT NULL)`}
	for _, t := range KeptTables {
		stmts = append(stmts,
			fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS kundportal_count_insert_%s AFTER INSERT ON %s
				BEGIN UPDATE %s SET row_count = row_count + 1 WHERE table_name = '%s'; END`, t, t, Table, t),
			fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS kundportal_count_delete_%s AFTER DELETE ON %s
				BEGIN UPDATE %s SET row_count = row_count - 1 WHERE table_name = '%s'; END`, t, t, Table, t))
	}
	return stmts
}
