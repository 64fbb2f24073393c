package httpapi_test

import (
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/ent/subscription"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// The totalCount of a connection under the nodes of a page's own query
// is selected in that query's statement (ent/schema/template/counting.tmpl),
// after its filters and the caller's access rules, exactly as the grouped
// statement that counts it under a nested connection.
func TestCountsUnderAPageAreSelectedWithItsNodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		offering := e.Fx.Offering()
		a, b := e.Fx.Customer(), e.Fx.Customer()
		subscribe := func(c *ent.Customer, status subscription.Status, n int) {
			for range n {
				e.Fx.Subscription(func(s *ent.SubscriptionCreate) {
					s.SetCustomer(c).SetOffering(offering).SetServiceID(offering.ServiceID).SetStatus(status)
				})
			}
		}
		subscribe(a, subscription.StatusACTIVE, 3)
		subscribe(a, subscription.StatusTERMINATED, 2)
		subscribe(b, subscription.StatusACTIVE, 4)
		admin := e.Fx.Person()
		e.Fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(a).SetPerson(admin).SetRole(types.RoleAdministrator) })
		asA := e.As(e.Token(auth.DevToken{Subject: *admin.PersonalNumber, Method: auth.MethodBankID}))

		type counts struct {
			Active apitest.Conn[struct{ Status string }]
			All    apitest.Conn[struct{ Status string }]
		}
		// The lookup the access check makes through the generic API: one
		// statement for the customer and both its counts.
		const lookup = `query($o: String!) { customers(first: 1, where: {orgNumber: $o}) { edges { node {
			active: subscriptions(first: 5, where: {status: ACTIVE}) { totalCount }
			all: subscriptions(first: 5) { totalCount }
		} } } }`
		var one struct{ Customers apitest.Conn[counts] }
		r := e.Query(lookup, map[string]any{"o": a.OrgNumber}, &one)
		if n := one.Customers.Edges[0].Node; n.Active.TotalCount != 3 || n.All.TotalCount != 5 {
			t.Errorf("customer A counts %d active and %d in all, want 3 and 5", n.Active.TotalCount, n.All.TotalCount)
		}
		if len(r.Statements) != 1 || strings.Contains(strings.ToUpper(r.Statements[0]), "GROUP BY") {
			t.Errorf("the lookup ran %d statements, want the customer's with its counts:\n%s", len(r.Statements), strings.Join(r.Statements, "\n"))
		}

		// Under a catalog page the count crosses tenants: the caller's
		// access rules apply inside it.
		const offerings = `query($id: ID!) { offerings(first: 1, where: {id: $id}) { edges { node {
			active: subscriptions(first: 5, where: {status: ACTIVE}) { totalCount edges { node { status } } }
			all: subscriptions(first: 1) { totalCount }
		} } } }`
		for _, c := range []struct {
			who         string
			env         *apitest.Env
			active, all int
		}{{"staff", e, 7, 9}, {"A's administrator", asA, 3, 5}} {
			var page struct{ Offerings apitest.Conn[counts] }
			r := c.env.Query(offerings, map[string]any{"id": offering.ID}, &page)
			n := page.Offerings.Edges[0].Node
			if n.Active.TotalCount != c.active || len(n.Active.Edges) != min(c.active, 5) || n.All.TotalCount != c.all {
				t.Errorf("%s: the offering counts %d active (%d on the page) and %d in all, want %d and %d",
					c.who, n.Active.TotalCount, len(n.Active.Edges), n.All.TotalCount, c.active, c.all)
			}
			for _, s := range r.Statements {
				if strings.Contains(strings.ToUpper(s), "GROUP BY") {
					t.Errorf("%s: a count ran in a statement of its own:\n%s", c.who, s)
				}
			}
		}

		// Under a nested connection (whose statement entgql.LimitPerRow
		// rewrites, dropping all but plain columns) the grouped statement
		// counts, alike.
		const perRow = `query($a: ID!, $b: ID!) { customers(first: 2, where: {idIn: [$a, $b]}) { edges { node { orgNumber
			agreements(first: 5) { edges { node { subscriptions(first: 1, where: {status: ACTIVE}) { totalCount } } } }
		} } } }`
		var rows struct {
			Customers apitest.Conn[struct {
				OrgNumber  string
				Agreements apitest.Conn[struct {
					Subscriptions struct{ TotalCount int }
				}]
			}]
		}
		e.Query(perRow, map[string]any{"a": a.ID, "b": b.ID}, &rows)
		want := map[string]int{a.OrgNumber: 3, b.OrgNumber: 4}
		for _, c := range rows.Customers.Edges {
			if len(c.Node.Agreements.Edges) != 1 || c.Node.Agreements.Edges[0].Node.Subscriptions.TotalCount != want[c.Node.OrgNumber] {
				t.Errorf("customer %s: agreements %+v, want one with %d active subscriptions", c.Node.OrgNumber, c.Node.Agreements, want[c.Node.OrgNumber])
			}
		}
		const nested = `{ offerings(first: 1) { edges { node { subscriptions(first: 10) { edges { node {
			customer { subscriptions(first: 1, where: {status: ACTIVE}) { totalCount } }
		} } } } } } }`
		var deep struct {
			Offerings apitest.Conn[struct {
				Subscriptions apitest.Conn[struct {
					Customer struct {
						Subscriptions struct{ TotalCount int }
					}
				}]
			}]
		}
		asA.Query(nested, nil, &deep)
		subs := deep.Offerings.Edges[0].Node.Subscriptions.Edges
		if len(subs) != 5 {
			t.Fatalf("A's administrator sees %d of the offering's subscriptions, want A's 5", len(subs))
		}
		for _, s := range subs {
			if n := s.Node.Customer.Subscriptions.TotalCount; n != 3 {
				t.Errorf("a nested count of A's active subscriptions is %d, want 3", n)
			}
		}
	})
}
