package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

const benchPage = `{"query":"{ customers(first: 50) { totalCount edges { node { name orgNumber subscriptions(first: 5) { totalCount edges { node { status offering { name } } } } } } } }"}`

// BenchmarkNestedCustomerPage serves the three-level page customers →
// subscriptions → offering, 50 customers with 2 subscriptions each, from
// 16 concurrent clients, with the pool as configured in production
// (16 open, 16 idle) and with database/sql's default of 2 idle
// connections. Figures: docs/performance.md.
func BenchmarkNestedCustomerPage(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		db := testdb.Open(b, dialect)
		fx := fixture.New(b, db.Client)
		for range 50 {
			c := fx.Customer()
			for range 2 {
				fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) })
			}
		}
		h := httpapi.New(httpapi.Options{Client: db.Client, DB: db.SQL})
		for _, idle := range []int{16, 2} {
			b.Run(dialect+"/idle="+strconv.Itoa(idle), func(b *testing.B) {
				db.SQL.SetMaxOpenConns(16)
				db.SQL.SetMaxIdleConns(idle)
				b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						rec := httptest.NewRecorder()
						req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(benchPage))
						req.Header.Set("Content-Type", "application/json")
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
							b.Fatalf("%d %s", rec.Code, rec.Body.String())
						}
					}
				})
			})
		}
	}
}
