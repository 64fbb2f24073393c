package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"kundportal/internal/apitest"

	"kundportal/ent/customer"
	"kundportal/internal/access"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/demo"
	"kundportal/internal/testdb"
)

// TestDemoPeopleSeeExactlyTheirOrganisations signs every demo person in
// with a development token, by BankID and, where they have a SITHS card,
// by HSA-id, and checks that they see exactly the customers where they
// hold a role and those customers' affiliated organisations (D-C5), with
// their roles.
func TestDemoPeopleSeeExactlyTheirOrganisations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := access.SystemContext(context.Background())
		if err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		e := apitest.New(t, db)
		for _, p := range demo.People() {
			var want []string
			for _, m := range p.Memberships {
				want = append(want, m.OrgNumber)
				affiliates := db.Client.Customer.Query().
					Where(customer.HasParentWith(customer.OrgNumber(m.OrgNumber))).
					Select(customer.FieldOrgNumber).StringsX(ctx)
				want = append(want, affiliates...)
			}
			slices.Sort(want)
			want = slices.Compact(want)

			logins := []auth.DevToken{{Subject: p.PersonalNumber, Method: auth.MethodBankID}}
			if p.HSAID != "" {
				logins = append(logins, auth.DevToken{Subject: p.HSAID, Method: auth.MethodSITHS})
			}
			for _, login := range logins {
				t.Run(p.GivenName+"/"+string(login.Method), func(t *testing.T) {
					var data struct {
						Customers apitest.Conn[struct{ OrgNumber string }]
						Viewer    struct {
							Roles []struct {
								Customer struct{ OrgNumber string }
								Roles    []string
							}
						}
					}
					e.As(e.Token(login)).In(t).Query(`{
						customers(first: 50) { totalCount edges { node { orgNumber } } }
						viewer { roles { customer { orgNumber } roles } }
					}`, nil, &data)
					var got []string
					for _, edge := range data.Customers.Edges {
						got = append(got, edge.Node.OrgNumber)
					}
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Errorf("sees %v, want %v", got, want)
					}
					if len(data.Viewer.Roles) != len(p.Memberships) {
						t.Errorf("viewer has roles in %d customers, want %d", len(data.Viewer.Roles), len(p.Memberships))
					}
					for _, r := range data.Viewer.Roles {
						i := slices.IndexFunc(p.Memberships, func(m demo.DemoMembership) bool { return m.OrgNumber == r.Customer.OrgNumber })
						if i < 0 || len(p.Memberships[i].Roles) != len(r.Roles) {
							t.Errorf("viewer roles %v in %s do not match the demo data", r.Roles, r.Customer.OrgNumber)
						}
					}
				})
			}
		}
	})
}
