package counting_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// The staff page of issue 11, with and without the top-level totalCount,
// and a filtered count of more rows than the counting limit.
const (
	pageFields       = `edges { node { name subscriptions(first: 5) { totalCount edges { node { status offering { name } } } } } }`
	pageWithout      = `{ customers(first: 50) { ` + pageFields + ` } }`
	pageWith         = `{ customers(first: 50) { totalCount ` + pageFields + ` } }`
	filteredCount    = `{ subscriptions(first: 50, where: {status: ACTIVE}) { totalCount totalCountIsExact edges { node { status } } } }`
	benchCustomers   = 66_667
	benchSubscribers = 200_000
)

// BenchmarkPageTotalCount serves those pages on PostgreSQL over 66 667
// customers and 200 000 subscriptions (19 of 20 ACTIVE), from 16
// concurrent clients, as staff. Figures: docs/performance.md, "Counting".
func BenchmarkPageTotalCount(b *testing.B) {
	db := testdb.Postgres(b)
	fillLarge(b, db, benchCustomers, benchSubscribers)
	key := apitest.DevKey(b)
	h := httpapi.New(httpapi.Options{Client: db.Client, DB: db.SQL, Tokens: auth.NewDevTokenVerifier(key)})
	token, err := auth.IssueDevToken(key, auth.DevToken{Subject: "kundtjanst", Staff: true, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	for _, page := range []struct{ name, query string }{
		{"customers(50)/without-totalCount", pageWithout},
		{"customers(50)/with-totalCount", pageWith},
		{"subscriptions(50,status=ACTIVE)/bounded-totalCount", filteredCount},
	} {
		body := fmt.Sprintf(`{"query":%q}`, page.query)
		b.Run(page.name, func(b *testing.B) {
			b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					apitest.ServeQuery(b, h, body, "Bearer "+token)
				}
			})
		})
	}
}

// fillLarge copies customers, one agreement each and subscriptions
// spread over them into db, as cmd/loadbench does: COPY, through the
// counting triggers.
func fillLarge(b testing.TB, db *database.DB, customers, subscriptions int) {
	b.Helper()
	fx := fixture.New(b, db.Client)
	category := fx.DefaultCategory()
	offering := fx.Offering()
	tx, err := db.SQL.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now()
	copyRows := func(table string, columns []string, n int, row func(i int) []any) {
		stmt, err := tx.Prepare(pq.CopyIn(table, columns...))
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if _, err := stmt.Exec(row(i)...); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := stmt.Exec(); err != nil {
			b.Fatal(err)
		}
	}
	ids, agreements := make([]pulid.ID, customers), make([]pulid.ID, customers)
	copyRows("customers", []string{"id", "created_at", "updated_at", "org_number", "name", "company_form", "status", "category_id"}, customers,
		func(i int) []any {
			ids[i] = pulid.MustNew("CU")
			return []any{ids[i], now, now, fmt.Sprintf("BENCH-%07d", i), fmt.Sprintf("Kund %d AB", i), "LIMITED_COMPANY", "ACTIVE", category.ID}
		})
	copyRows("agreements", []string{"id", "created_at", "updated_at", "model", "status", "required_signatures", "valid_from", "customer_id"}, customers,
		func(i int) []any {
			agreements[i] = pulid.MustNew("AG")
			return []any{agreements[i], now, now, "KA2", "ACTIVE", 1, "2020-01-01", ids[i]}
		})
	copyRows("subscriptions", []string{"id", "created_at", "updated_at", "status", "quantity", "active_from", "agreement_id", "customer_id", "offering_id", "service_id"}, subscriptions,
		func(i int) []any {
			status := "ACTIVE"
			if i%20 == 0 {
				status = "TERMINATED"
			}
			c := i % customers
			return []any{pulid.MustNew("SU"), now, now, status, 1, "2020-01-01", agreements[c], ids[c], offering.ID, offering.ServiceID}
		})
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	wantKeptCounts(b, db, "after the copy")
}
