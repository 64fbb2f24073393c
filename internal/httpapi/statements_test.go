package httpapi_test

import (
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// nestedPage is the three-level page whose statement count must not grow
// with its size: customers, their subscriptions, and each one's offering.
const nestedPage = `query($n: Int!) { customers(first: $n) { edges { node {
	name
	subscriptions(first: 5) { totalCount edges { node { status offering { name } } } }
} } } }`

// maxNestedStatements bounds the statements of nestedPage: one per level
// plus the subscriptions' count.
const maxNestedStatements = 6

func TestStatementCountDoesNotGrowWithPageSize(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		offerings := []*ent.Offering{e.Fx.Offering(), e.Fx.Offering()}
		for range 50 {
			c := e.Fx.Customer()
			for _, o := range offerings {
				e.Fx.Subscription(func(s *ent.SubscriptionCreate) {
					s.SetCustomer(c).SetOffering(o).SetServiceID(o.ServiceID)
				})
			}
		}
		counts := map[int]int{}
		for _, n := range []int{5, 50} {
			var data struct {
				Customers apitest.Conn[struct {
					Name          string
					Subscriptions apitest.Conn[struct {
						Status   string
						Offering struct{ Name string }
					}]
				}]
			}
			r := e.Query(nestedPage, map[string]any{"n": n}, &data)
			counts[n] = len(r.Statements)
			if len(data.Customers.Edges) != n {
				t.Fatalf("N=%d: got %d customers", n, len(data.Customers.Edges))
			}
			for _, c := range data.Customers.Edges {
				s := c.Node.Subscriptions
				if s.TotalCount != 2 || len(s.Edges) != 2 || s.Edges[0].Node.Offering.Name == "" || s.Edges[1].Node.Status != "ACTIVE" {
					t.Fatalf("N=%d: customer %s has subscriptions %+v, want 2 active with offerings", n, c.Node.Name, s)
				}
			}
			if counts[n] > maxNestedStatements {
				t.Errorf("N=%d: %d statements, want at most %d:\n%s", n, counts[n], maxNestedStatements, strings.Join(r.Statements, "\n"))
			}
		}
		t.Logf("%s: statements for N=5: %d, N=50: %d", db.Dialect, counts[5], counts[50])
		if counts[5] != counts[50] {
			t.Errorf("statements grow with the page size: N=5: %d, N=50: %d", counts[5], counts[50])
		}
	})
}
