// Package reporting is the provider's reports (D-R1), each one aggregate
// SQL statement run in the database as of a date or over a period, never
// rows loaded into Go to be counted. They read through a Source, which is
// the primary or, when DATABASE_REPLICA_URL is set, a replica. Who may run
// them is access.ReadReports; the reports, their columns and examples are
// in docs/reports.md.
package reporting

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/apperr"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/money"
)

// Open returns where the reports read: the replica of replica.URL
// (DATABASE_REPLICA_URL) when it is set, of the primary's dialect, or else
// the primary. The replica's pool lives as long as the process.
func Open(ctx context.Context, replica database.Config, primary *database.DB) (*Source, error) {
	if replica.URL == "" {
		return &Source{DB: primary.SQL, Dialect: primary.Dialect}, nil
	}
	r, err := database.Open(ctx, replica)
	if err != nil {
		return nil, fmt.Errorf("opening the reports' replica: %w", err)
	}
	if r.Dialect != primary.Dialect {
		r.Close()
		return nil, fmt.Errorf("the reports' replica is %s but the primary is %s", r.Dialect, primary.Dialect)
	}
	return &Source{DB: r.SQL, Dialect: r.Dialect}, nil
}

// Querier runs a statement; *sql.DB is one.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Source is where reports read: a pool and its dialect.
type Source struct {
	DB      Querier
	Dialect string
}

// Earliest and the horizon bound the dates a report accepts: before the
// provider's data and far in the future, a date is a typing error.
var Earliest = bizdate.MustParse("2000-01-01")

const horizonYears = 10

// checkDate refuses a date far outside the data.
func checkDate(field string, d time.Time, today time.Time) error {
	if d.Before(Earliest) || d.After(today.AddDate(horizonYears, 0, 0)) {
		return &apperr.Error{Code: apperr.CodeDateOutOfRange, Field: field,
			Message: fmt.Sprintf("a report date lies between %s and %d years from today", Earliest.Format(time.DateOnly), horizonYears)}
	}
	return nil
}

// checkPeriod refuses a period that ends before it starts, or lies far
// outside the data.
func checkPeriod(from, to, today time.Time) error {
	if err := checkDate("from", from, today); err != nil {
		return err
	}
	if err := checkDate("to", to, today); err != nil {
		return err
	}
	if to.Before(from) {
		return &apperr.Error{Code: apperr.CodeInvalidPeriod, Field: "to", Message: "the period ends before it starts"}
	}
	return nil
}

// query runs a statement written with ? placeholders, numbered for
// PostgreSQL.
func (s Source) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.Dialect == dialect.Postgres {
		var b strings.Builder
		n := 0
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		q = b.String()
	}
	return s.DB.QueryContext(ctx, q, args...)
}

// dayNumber is an SQL expression for a date column as days since
// 1970-01-01, so that periods are integer arithmetic in both dialects.
func (s Source) dayNumber(col string) string {
	if s.Dialect == dialect.Postgres {
		return "(" + col + " - DATE '1970-01-01')"
	}
	// modernc.org/sqlite stores a time as Go formats it ("2024-01-01
	// 00:00:00 +0000 UTC"); its first ten characters are the date.
	return "CAST(julianday(substr(" + col + ", 1, 10)) - 2440587.5 AS INTEGER)"
}

// greatest and least are the dialect's functions of several arguments.
func (s Source) greatest(args ...string) string {
	if s.Dialect == dialect.Postgres {
		return "GREATEST(" + strings.Join(args, ", ") + ")"
	}
	return "MAX(" + strings.Join(args, ", ") + ")"
}

func (s Source) least(args ...string) string {
	if s.Dialect == dialect.Postgres {
		return "LEAST(" + strings.Join(args, ", ") + ")"
	}
	return "MIN(" + strings.Join(args, ", ") + ")"
}

// day is a date as a number of days since 1970-01-01.
func day(d time.Time) int64 { return d.Unix() / 86400 }

// endOf is the instant a business date ends: midnight in Stockholm, in
// UTC as the timestamps are stored.
func endOf(d time.Time) time.Time {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	y, m, dd := d.Date()
	return time.Date(y, m, dd+1, 0, 0, 0, 0, loc).UTC()
}

// CategoryModel is a row of CustomersByCategoryAndModel.
type CategoryModel struct {
	CategoryCode, CategoryName string
	// Model is KA1, KA2, AGENT, or NONE for customers without an
	// agreement valid that day.
	Model     string
	Customers int
}

// CustomersByCategoryAndModel counts the customers of each category by
// the model of the agreements valid on the date (valid_from on or before
// it, ends_on null or on or after it). A customer with agreements of two
// models counts once under each; an affiliate without agreements of its
// own counts under NONE (it is covered by its parent's, D-C5).
func (s Source) CustomersByCategoryAndModel(ctx context.Context, asOf, today time.Time) ([]CategoryModel, error) {
	if err := checkDate("asOf", asOf, today); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `
SELECT cc.code, cc.name, COALESCE(m.model, 'NONE') AS model, COUNT(*)
FROM customers c
JOIN customer_categories cc ON cc.id = c.category_id
LEFT JOIN (SELECT DISTINCT a.customer_id, a.model FROM agreements a
           WHERE a.valid_from IS NOT NULL AND a.valid_from <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)) m
       ON m.customer_id = c.id
GROUP BY cc.code, cc.name, COALESCE(m.model, 'NONE')
ORDER BY cc.code, model`, asOf, asOf)
	if err != nil {
		return nil, fmt.Errorf("customers by category and model: %w", err)
	}
	return collect(rows, func(r *CategoryModel) []any { return []any{&r.CategoryCode, &r.CategoryName, &r.Model, &r.Customers} })
}

// ServiceStatus is a row of SubscriptionsByServiceAndStatus.
type ServiceStatus struct {
	ServiceCode, ServiceName string
	// Status as of the date: PENDING, ACTIVE, TERMINATION_NOTICED or
	// TERMINATED.
	Status        string
	Subscriptions int
	Quantity      int
}

// SubscriptionsByServiceAndStatus counts the subscriptions of each
// service by their status on the date, derived from their dates: TERMINATED
// after ends_on, TERMINATION_NOTICED from termination_noticed_on, ACTIVE
// from active_from, PENDING before (a subscription that did not exist yet
// is not counted). The quantity is that of the orders delivered by the
// end of the day, or the subscription's own for one no order made (a
// migrated KA1 subscription).
func (s Source) SubscriptionsByServiceAndStatus(ctx context.Context, asOf, today time.Time) ([]ServiceStatus, error) {
	if err := checkDate("asOf", asOf, today); err != nil {
		return nil, err
	}
	end := endOf(asOf)
	rows, err := s.query(ctx, `
SELECT sv.code, sv.name, x.st, COUNT(*), CAST(COALESCE(SUM(x.qty), 0) AS BIGINT)
FROM (
  SELECT sub.service_id,
    CASE WHEN (sub.ends_on IS NOT NULL AND sub.ends_on < ?) OR (sub.ends_on IS NULL AND sub.status = 'TERMINATED') THEN 'TERMINATED'
         WHEN sub.termination_noticed_on IS NOT NULL AND sub.termination_noticed_on <= ? THEN 'TERMINATION_NOTICED'
         WHEN sub.active_from IS NOT NULL AND sub.active_from <= ? THEN 'ACTIVE'
         ELSE 'PENDING' END AS st,
    CASE WHEN oq.subscription_id IS NULL THEN sub.quantity ELSE oq.qty END AS qty
  FROM subscriptions sub
  LEFT JOIN (SELECT o.subscription_id,
                    SUM(CASE WHEN o.delivered_at IS NOT NULL AND o.delivered_at < ? THEN o.quantity ELSE 0 END) AS qty
             FROM orders o WHERE o.subscription_id IS NOT NULL GROUP BY o.subscription_id) oq
         ON oq.subscription_id = sub.id
  WHERE (sub.active_from IS NOT NULL AND sub.active_from <= ?) OR sub.created_at < ?
) x
JOIN services sv ON sv.id = x.service_id
GROUP BY sv.code, sv.name, x.st
ORDER BY sv.code, x.st`, asOf, asOf, asOf, end, asOf, end)
	if err != nil {
		return nil, fmt.Errorf("subscriptions by service and status: %w", err)
	}
	return collect(rows, func(r *ServiceStatus) []any {
		return []any{&r.ServiceCode, &r.ServiceName, &r.Status, &r.Subscriptions, &r.Quantity}
	})
}

// WaitingOrder is a row of OrdersAwaitingAttestation.
type WaitingOrder struct {
	OrderID                    pulid.ID
	CustomerName, OrgNumber    string
	OfferingCode, OfferingName string
	Quantity                   int
	SubmittedAt                time.Time
	// AgeDays is the number of whole days from submission to the end of
	// the as-of date.
	AgeDays int
}

// OrdersAwaitingAttestation lists the orders submitted by the end of the
// date and neither decided nor cancelled by then, oldest first.
func (s Source) OrdersAwaitingAttestation(ctx context.Context, asOf, today time.Time) ([]WaitingOrder, error) {
	if err := checkDate("asOf", asOf, today); err != nil {
		return nil, err
	}
	end := endOf(asOf)
	rows, err := s.query(ctx, `
SELECT o.id, c.name, c.org_number, off.code, off.name, o.quantity, o.submitted_at
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN offerings off ON off.id = o.offering_id
WHERE o.submitted_at IS NOT NULL AND o.submitted_at < ?
  AND (o.cancelled_at IS NULL OR o.cancelled_at >= ?)
  AND (o.delivered_at IS NULL OR o.delivered_at >= ?)
  AND NOT EXISTS (SELECT 1 FROM attestations a WHERE a.order_id = o.id AND a.decided_at < ?)
ORDER BY o.submitted_at, o.id`, end, end, end, end)
	if err != nil {
		return nil, fmt.Errorf("orders awaiting attestation: %w", err)
	}
	out, err := collect(rows, func(r *WaitingOrder) []any {
		return []any{&r.OrderID, &r.CustomerName, &r.OrgNumber, &r.OfferingCode, &r.OfferingName, &r.Quantity, &r.SubmittedAt}
	})
	for i := range out {
		out[i].AgeDays = int(end.Sub(out[i].SubmittedAt).Hours() / 24)
	}
	return out, err
}

// Revenue is a row of ExpectedRevenue.
type Revenue struct {
	ServiceCode, ServiceName   string
	CategoryCode, CategoryName string
	Amount                     money.Amount
}

// ExpectedRevenue is the recurring revenue each service can expect from
// each customer category over a period (inclusive dates), from the prices
// in force on each day of it: for every subscription active on a day, the
// recurring prices of the list in force that day for its offering and the
// customer's category, per unit times the subscription's quantity (a flat
// price once), a year's price spread evenly over 365 days and a month's
// price over 365/12. The sum is rounded to whole öre, half away from
// zero, once per row.
func (s Source) ExpectedRevenue(ctx context.Context, from, to, today time.Time) ([]Revenue, error) {
	if err := checkPeriod(from, to, today); err != nil {
		return nil, err
	}
	// Each (subscription, list) pair contributes its prices times the
	// days where the period, the list's time in force and the
	// subscription's life overlap: [start, end) in day numbers.
	start := s.greatest("?", s.dayNumber("l.effective_from"), s.dayNumber("sub.active_from"))
	end := s.least("? + 1", "COALESCE("+s.dayNumber("nl.effective_from")+", ? + 1)", "COALESCE("+s.dayNumber("sub.ends_on")+" + 1, ? + 1)")
	q := `
SELECT sv.code, sv.name, cc.code, cc.name, CAST(SUM(x.weighted) AS BIGINT)
FROM (
  SELECT sub.service_id, c.category_id,
    p.amount
    * (CASE WHEN p.unit IN ('PER_CARE_UNIT_PER_MONTH', 'PER_CARE_UNIT_PER_YEAR', 'PER_CARD_PER_YEAR', 'PER_CONTRACT_PER_YEAR') THEN sub.quantity ELSE 1 END)
    * (CASE WHEN p.unit IN ('PER_CARE_UNIT_PER_MONTH', 'PER_MONTH') THEN 12 ELSE 1 END)
    * (` + end + ` - ` + start + `) AS weighted
  FROM subscriptions sub
  JOIN customers c ON c.id = sub.customer_id
  JOIN prices p ON p.offering_id = sub.offering_id AND p.category_id = c.category_id
  JOIN price_lists l ON l.id = p.price_list_id
  LEFT JOIN price_lists nl ON nl.effective_from = (SELECT MIN(n.effective_from) FROM price_lists n WHERE n.effective_from > l.effective_from)
  WHERE p.unit NOT IN ('STARTUP_FEE', 'ONE_TIME')
    AND sub.active_from IS NOT NULL
    AND ` + end + ` > ` + start + `
) x
JOIN services sv ON sv.id = x.service_id
JOIN customer_categories cc ON cc.id = x.category_id
GROUP BY sv.code, sv.name, cc.code, cc.name
ORDER BY sv.code, cc.code`
	f, t := day(from), day(to)
	// The placeholders in order: start's, then end's in the SELECT, then
	// end's and start's again in the WHERE.
	args := []any{t, t, t, f, t, t, t, f}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("expected revenue: %w", err)
	}
	var weighted []int64
	out, err := collect(rows, func(r *Revenue) []any {
		weighted = append(weighted, 0)
		return []any{&r.ServiceCode, &r.ServiceName, &r.CategoryCode, &r.CategoryName, &weighted[len(weighted)-1]}
	})
	for i := range out {
		out[i].Amount = money.Amount(divRound(weighted[i], 365))
	}
	return out, err
}

// divRound divides rounding half away from zero.
func divRound(n, d int64) int64 {
	q, r := n/d, n%d
	if 2*r >= d {
		q++
	} else if 2*r <= -d {
		q--
	}
	return q
}

// Change is a row of Changes.
type Change struct {
	ServiceCode, ServiceName string
	// Kind is NEW (activated in the period), EXTENDED (an order delivered
	// in the period added units to a subscription active before it),
	// TERMINATED (its last day in the period).
	Kind          string
	Subscriptions int
	Quantity      int
	// RecurringAmount is the recurring charges per period of the orders
	// behind the change (their snapshots); StartupFees the startup fees of
	// the orders delivered in the period (NEW and EXTENDED).
	RecurringAmount money.Amount
	StartupFees     money.Amount
}

// Changes is what changed in a period (inclusive dates), for billing, per
// service: new, extended and terminated subscriptions with quantities and
// amounts, and the startup fees of the orders delivered.
func (s Source) Changes(ctx context.Context, from, to, today time.Time) ([]Change, error) {
	if err := checkPeriod(from, to, today); err != nil {
		return nil, err
	}
	start, end := endOf(from.AddDate(0, 0, -1)), endOf(to)
	rows, err := s.query(ctx, `
SELECT sv.code, sv.name, x.kind, COUNT(DISTINCT x.sub_id), CAST(COALESCE(SUM(x.qty), 0) AS BIGINT),
  CAST(COALESCE(SUM(x.recurring), 0) AS BIGINT), CAST(COALESCE(SUM(x.startup), 0) AS BIGINT)
FROM (
  SELECT sub.service_id, 'NEW' AS kind, sub.id AS sub_id, o.quantity AS qty, o.recurring_amount AS recurring, o.startup_fee AS startup
  FROM subscriptions sub JOIN orders o ON o.subscription_id = sub.id
  WHERE sub.active_from >= ? AND sub.active_from <= ? AND o.delivered_at IS NOT NULL AND o.delivered_at < ?
  UNION ALL
  SELECT sub.service_id, 'EXTENDED', sub.id, o.quantity, o.recurring_amount, o.startup_fee
  FROM subscriptions sub JOIN orders o ON o.subscription_id = sub.id
  WHERE sub.active_from < ? AND o.delivered_at >= ? AND o.delivered_at < ?
  UNION ALL
  SELECT sub.service_id, 'TERMINATED', sub.id, sub.quantity, 0, 0
  FROM subscriptions sub
  WHERE sub.ends_on >= ? AND sub.ends_on <= ?
) x
JOIN services sv ON sv.id = x.service_id
GROUP BY sv.code, sv.name, x.kind
ORDER BY sv.code, x.kind`, from, to, end, from, start, end, from, to)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return collect(rows, func(r *Change) []any {
		return []any{&r.ServiceCode, &r.ServiceName, &r.Kind, &r.Subscriptions, &r.Quantity, &r.RecurringAmount, &r.StartupFees}
	})
}

// collect scans every row into a T through the pointers fields gives.
func collect[T any](rows *sql.Rows, fields func(*T) []any) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var r T
		if err := rows.Scan(fields(&r)...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Reports is the GraphQL namespace of the reports (Query.reports); it
// carries nothing, its fields run the reports.
type Reports struct{}
