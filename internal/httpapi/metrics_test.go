package httpapi_test

import (
	"context"
	"strings"
	"testing"

	entsql "entgo.io/ent/dialect/sql"

	"kundportal/ent"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/notify"
	"kundportal/internal/telemetry"
	"kundportal/internal/testdb"
)

// TestMetricsCountRequestsByOperationAndOutcome: /metrics counts every
// request by route, GraphQL operation name and outcome (ok or the first
// error's code), times it, counts the SQL statements by kind, and reports
// the pool and the outbox's backlog.
func TestMetricsCountRequestsByOperationAndOutcome(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		m := telemetry.NewMetrics()
		m.RegisterDB("primary", db.SQL)
		m.RegisterOutbox(func(ctx context.Context) (int, error) { return notify.Pending(ctx, db.Client) })
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.Metrics, o.ServeMetrics = m, true
			o.Client = ent.NewClient(ent.Driver(telemetry.WrapDriver(entsql.OpenDB(db.Dialect, db.SQL), nil, m)))
		})
		e.Fx.Notification()
		e.Fx.Notification()
		e.Fx.Offering()

		e.Query(`query Services { services(first: 1) { totalCount } }`, nil, &struct{}{})
		e.Query(`query Services { services(first: 2) { totalCount } }`, nil, &struct{}{})
		e.Post(`query Broken { noSuchField }`, nil).WantError(t, "GRAPHQL_VALIDATION_FAILED", "")
		e.Query(`{ __typename }`, nil, &struct{}{})
		long := "Q" + strings.Repeat("x", telemetry.MaxOperationNameLength)
		e.Query(`query `+long+` { __typename }`, nil, &struct{}{})
		e.As("Bearer not-a-token").Post(`query Services { __typename }`, nil).WantRefused401(t)
		e.Get("/healthz")

		r := e.Get("/metrics")
		if r.Status != 200 {
			t.Fatalf("/metrics: %d %s", r.Status, r.Body)
		}
		for _, want := range []string{
			`kundportal_http_requests_total{operation="Services",outcome="ok",route="/query"} 2`,
			`kundportal_http_requests_total{operation="Broken",outcome="GRAPHQL_VALIDATION_FAILED",route="/query"} 1`,
			`kundportal_http_requests_total{operation="anonymous",outcome="ok",route="/query"} 1`,
			`kundportal_http_requests_total{operation="other",outcome="ok",route="/query"} 1`,
			`kundportal_http_requests_total{operation="",outcome="UNAUTHENTICATED",route="/query"} 1`,
			`kundportal_http_requests_total{operation="",outcome="ok",route="/healthz"} 1`,
			`kundportal_http_request_duration_seconds_count{operation="Services",route="/query"} 2`,
			`kundportal_outbox_pending 2`,
			`go_sql_max_open_connections{db_name="primary"}`,
		} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("/metrics lacks %s; it has\n%s", want, grep(r.Body, "kundportal_http"))
			}
		}
		if strings.Contains(r.Body, long) {
			t.Errorf("an over-long operation name has a series of its own")
		}
		if strings.Contains(r.Body, `kundportal_sql_statements_total{kind="select"} 0`) || !strings.Contains(r.Body, `kundportal_sql_statements_total{kind="select"}`) {
			t.Errorf("SELECT statements not counted:\n%s", grep(r.Body, "kundportal_sql"))
		}
	})
}

// TestMetricsCanBeLeftOffTheAPIPort: without ServeMetrics (METRICS_ADDR
// set to a listener of its own, or off) the API's port does not serve them.
func TestMetricsCanBeLeftOffTheAPIPort(t *testing.T) {
	db := testdb.SQLite(t)
	e := apitest.New(t, db, func(o *httpapi.Options) { o.Metrics = telemetry.NewMetrics() })
	e.Query(`query Services { __typename }`, nil, &struct{}{})
	if r := e.Get("/metrics"); strings.Contains(r.Body, "kundportal_http_requests_total") {
		t.Errorf("/metrics served on the API's handler: %.200s", r.Body)
	}
}

func grep(body, word string) string {
	var out []string
	for l := range strings.SplitSeq(body, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
