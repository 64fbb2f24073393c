package reporting_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/reporting"
	"kundportal/internal/testdb"
)

const customersQuery = `{ reports { customersByCategoryAndModel(asOf: "2024-06-30") { categoryCode categoryName model customers } } }`

// TestDR1_ReportsInGraphQL_ForStaffAndReportingKeys: staff and a key with
// reports:read run the reports; a person, a key without the scope and an
// anonymous caller cannot.
func TestDR1_ReportsInGraphQL_ForStaffAndReportingKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		generateWith(t, e.Fx, db, 3)
		reporter := e.Fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetScopes([]string{access.ScopeReportsRead}) })
		checker := e.Fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetScopes([]string{access.ScopeAccessCheck}) })
		person, _ := e.Holder(e.Fx.Customer(), types.RoleAdministrator)

		var got struct {
			Reports struct {
				CustomersByCategoryAndModel []struct {
					CategoryCode, Model string
					Customers           int
				}
			}
		}
		for _, as := range []string{e.Authorization, "ApiKey " + fixture.PartnerKeySecret(reporter)} {
			e.As(as).Query(customersQuery, nil, &got)
			rows := got.Reports.CustomersByCategoryAndModel
			if len(rows) < 2 || rows[0].CategoryCode != "A" || rows[0].Model != "KA2" || rows[0].Customers != 3 {
				t.Errorf("rows %+v", rows)
			}
		}
		e.As("ApiKey "+fixture.PartnerKeySecret(checker)).Post(customersQuery, nil).WantError(t, "FORBIDDEN", "")
		e.As(e.BankID(person)).Post(customersQuery, nil).WantError(t, "FORBIDDEN", "")
		e.As("").Post(customersQuery, nil).WantError(t, "UNAUTHENTICATED", "")
		e.Post(`{ reports { changes(from: "2024-02-01", to: "2024-01-01") { kind } } }`, nil).WantError(t, "INVALID_PERIOD", "to")
		e.Post(`{ reports { subscriptionsByServiceAndStatus(asOf: "1999-01-01") { status } } }`, nil).WantError(t, "DATE_OUT_OF_RANGE", "asOf")
	})
}

// TestDR1_CSVExport: the changes report as a file Excel opens: a BOM,
// a header, Swedish names intact and amounts with a decimal point; bad
// requests answered with their codes.
func TestDR1_CSVExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		generateWith(t, e.Fx, db, 3)
		r := e.Get("/reports/changes.csv?from=2024-01-01&to=2024-01-31")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), `filename="changes-2024-01-01-2024-01-31.csv"`) {
			t.Fatalf("status %d, headers %v\n%s", r.Status, r.Header, r.Body)
		}
		want := "\uFEFFservice_code,service_name,kind,subscriptions,quantity,recurring_amount_sek,startup_fees_sek\n" +
			"OPPNA_DATA,Öppna data,NEW,1,1,1200.00,1000.00\n" +
			"PASCAL,Pascal,NEW,3,6,600.00,3000.00\n"
		if r.Body != want {
			t.Errorf("body:\n%q\nwant\n%q", r.Body, want)
		}
		asOf := e.Get("/reports/subscriptions-by-service-and-status.csv?asOf=2024-06-30")
		if asOf.Status != http.StatusOK || !strings.HasPrefix(asOf.Body, "\uFEFFservice_code,service_name,status,subscriptions,quantity\n") {
			t.Errorf("as-of report: %d\n%s", asOf.Status, asOf.Body)
		}
		for _, c := range []struct {
			target string
			status int
			code   string
		}{
			{"/reports/changes.csv?from=2024-01-01&to=januari", 400, "VALIDATION_ERROR"},
			{"/reports/changes.csv?from=2024-02-01&to=2024-01-01", 400, "INVALID_PERIOD"},
			{"/reports/customers-by-category-and-model.csv?asOf=1850-01-01", 400, "DATE_OUT_OF_RANGE"},
			{"/reports/everything.csv", 404, "NOT_FOUND"},
		} {
			r := e.Get(c.target)
			if r.Status != c.status || len(r.Errors) == 0 || r.Errors[0].Extensions.Code != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.target, r.Status, r.Body, c.status, c.code)
			}
		}
		post := e.Serve(httptest.NewRequest(http.MethodPost, "/reports/changes.csv", nil))
		if post.Status != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d", post.Status)
		}
		if anon := e.As("").Get("/reports/changes.csv?from=2024-01-01&to=2024-01-31"); anon.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", anon.Status)
		}
		person, _ := e.Holder(e.Fx.Customer(), types.RoleAdministrator)
		if p := e.As(e.BankID(person)).Get("/reports/changes.csv?from=2024-01-01&to=2024-01-31"); p.Status != http.StatusForbidden {
			t.Errorf("a person: %d", p.Status)
		}
	})
}

// TestDR1_ReportsReadTheReplica: with DATABASE_REPLICA_URL the reports
// read the replica's data, without it the primary's.
func TestDR1_ReportsReadTheReplica(t *testing.T) {
	primary, replica := testdb.Postgres(t), testdb.Postgres(t)
	generate(t, replica, 2)
	ctx := t.Context()
	viaReplica, err := reporting.Open(ctx, database.Config{URL: replica.URL, MaxOpenConns: 2, MaxIdleConns: 2}, primary)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := viaReplica.CustomersByCategoryAndModel(ctx, d("2024-06-30"), today)
	if err != nil || len(rows) != 2 || rows[0].Customers != 2 {
		t.Errorf("via the replica: %+v, %v", rows, err)
	}
	direct, err := reporting.Open(ctx, database.Config{}, primary)
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := direct.CustomersByCategoryAndModel(ctx, d("2024-06-30"), today); err != nil || len(rows) != 0 {
		t.Errorf("without a replica the primary (empty) answers %+v, %v", rows, err)
	}
	if _, err := reporting.Open(ctx, database.Config{URL: "file:" + t.TempDir() + "/x.db", MaxOpenConns: 1, MaxIdleConns: 1}, primary); err == nil {
		t.Error("a replica of another dialect was accepted")
	}
}
