package httpapi_test

import (
	"strconv"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

const benchPage = `{"query":"{ customers(first: 50) { totalCount edges { node { name orgNumber subscriptions(first: 5) { totalCount edges { node { status offering { name } } } } } } } }"}`

// BenchmarkNestedCustomerPage serves the three-level page customers →
// subscriptions → offering, 50 customers with 2 subscriptions each, from
// 16 concurrent clients, with the pool as configured in production
// (16 open, 16 idle) and with database/sql's default of 2 idle
// connections, as staff and as a person who administers all 50 customers
// (whose requests also look up their roles and pass the tenant filter).
// Figures: docs/performance.md.
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
		key := apitest.DevKey(b)
		h := httpapi.New(httpapi.Options{Client: db.Client, DB: db.SQL, Tokens: auth.NewDevTokenVerifier(key)})
		admin := fx.Person()
		for _, c := range db.Client.Customer.Query().AllX(access.SystemContext(b.Context())) {
			fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(c).SetPerson(admin).SetRole(types.RoleAdministrator) })
		}
		callers := map[string]auth.DevToken{
			"staff":  {Subject: "kundtjanst", Staff: true, TTL: time.Hour},
			"person": {Subject: *admin.PersonalNumber, Method: auth.MethodBankID, TTL: time.Hour},
		}
		for _, run := range []struct {
			caller string
			idle   int
		}{{"staff", 16}, {"staff", 2}, {"person", 16}} {
			token, err := auth.IssueDevToken(key, callers[run.caller])
			if err != nil {
				b.Fatal(err)
			}
			idle := run.idle
			b.Run(dialect+"/"+run.caller+"/idle="+strconv.Itoa(idle), func(b *testing.B) {
				db.SQL.SetMaxOpenConns(16)
				db.SQL.SetMaxIdleConns(idle)
				b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						apitest.ServeQuery(b, h, benchPage, "Bearer "+token)
					}
				})
			})
		}
	}
}

// BenchmarkSmallRequest serves `{ __typename }`, the least a request
// costs through HTTP, authentication and GraphQL, as staff with a bearer
// token (verified once, then remembered): the allocations here are paid
// by every request, the partner check's included.
func BenchmarkSmallRequest(b *testing.B) {
	db := testdb.SQLite(b)
	key := apitest.DevKey(b)
	h := httpapi.New(httpapi.Options{Client: db.Client, DB: db.SQL, Tokens: auth.NewDevTokenVerifier(key)})
	token, err := auth.IssueDevToken(key, auth.DevToken{Subject: "kundtjanst", Staff: true, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"query":"query Small { __typename }","variables":{}}`
	b.ReportAllocs()
	for b.Loop() {
		apitest.ServeQuery(b, h, body, "Bearer "+token)
	}
}
