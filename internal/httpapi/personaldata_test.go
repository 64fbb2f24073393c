package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// personalFields is a Person with the fields only some viewers may read.
type personalFields struct {
	ID             string  `json:"id"`
	GivenName      string  `json:"givenName"`
	PersonalNumber *string `json:"personalNumber"`
	Email          *string `json:"email"`
	Phone          *string `json:"phone"`
}

const personNodeQuery = `query($id: ID!) { node(id: $id) { ... on Person { id givenName personalNumber email phone } } }`

// wantPersonalData asserts that got shows p's personal data, or hides all
// of it, and always shows the name.
func wantPersonalData(t *testing.T, got personalFields, p *ent.Person, visible bool) {
	t.Helper()
	if got.ID != string(p.ID) || got.GivenName != p.GivenName {
		t.Fatalf("got person %s %q, want %s %q", got.ID, got.GivenName, p.ID, p.GivenName)
	}
	if visible {
		if got.PersonalNumber == nil || *got.PersonalNumber != *p.PersonalNumber ||
			got.Email == nil || *got.Email != p.Email || got.Phone == nil || *got.Phone != *p.Phone {
			t.Errorf("personal data hidden or wrong: %s, %s, %s; want %s, %s, %s",
				strOrNull(got.PersonalNumber), strOrNull(got.Email), strOrNull(got.Phone), *p.PersonalNumber, p.Email, *p.Phone)
		}
		return
	}
	if got.PersonalNumber != nil || got.Email != nil || got.Phone != nil {
		t.Errorf("personal data shown: %s, %s, %s; want null for this viewer",
			strOrNull(got.PersonalNumber), strOrNull(got.Email), strOrNull(got.Phone))
	}
}

func strOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func TestPersonalDataIsVisibleOnlyToThePersonTheirAdministratorsAndStaff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a, b := e.Fx.Customer(), e.Fx.Customer()
		affiliate := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetParent(a).SetPowerOfAttorneyReference("Fullmakt A") })

		subject, _ := e.Holder(a, types.RoleOrderer)
		e.GiveRole(a, subject, types.RoleSignatory)
		aAdmin, _ := e.Holder(a, types.RoleAdministrator)
		aOrderer, _ := e.Holder(a, types.RoleOrderer)
		aAttestant, _ := e.Holder(a, types.RoleAttestant)
		aContact, _ := e.Holder(a, types.RoleAgreementContact)
		bAdmin, _ := e.Holder(b, types.RoleAdministrator)
		affiliateAdmin, _ := e.Holder(affiliate, types.RoleAdministrator)
		// inBoth holds a role in A and in B: B's administrator manages them.
		inBoth, _ := e.Holder(a, types.RoleAttestant)
		e.GiveRole(b, inBoth, types.RoleOrderer)
		// inAffiliate holds a role only in A's affiliated organisation: A's
		// people see them (D-C5), but A's administrator does not administer
		// the affiliate.
		inAffiliate, _ := e.Holder(affiliate, types.RoleOrderer)

		for _, c := range []struct {
			viewer, target string
			header         string
			p              *ent.Person
			want           string // VISIBLE, HIDDEN or an error code
		}{
			{"themself", "self", e.BankID(subject), subject, "VISIBLE"},
			{"A's administrator", "A's orderer", e.BankID(aAdmin), subject, "VISIBLE"},
			{"staff", "A's orderer", e.Authorization, subject, "VISIBLE"},
			{"A's orderer colleague", "A's orderer", e.BankID(aOrderer), subject, "HIDDEN"},
			{"A's attestant colleague", "A's orderer", e.BankID(aAttestant), subject, "HIDDEN"},
			{"A's agreement contact", "A's orderer", e.BankID(aContact), subject, "HIDDEN"},
			{"A's orderer colleague", "A's administrator", e.BankID(aOrderer), aAdmin, "HIDDEN"},
			{"B's administrator", "A's orderer", e.BankID(bAdmin), subject, "NOT_FOUND"},
			{"B's administrator", "a person in A and B", e.BankID(bAdmin), inBoth, "VISIBLE"},
			{"A's orderer colleague", "a person in A and B", e.BankID(aOrderer), inBoth, "HIDDEN"},
			{"A's affiliate's administrator", "A's orderer", e.BankID(affiliateAdmin), subject, "NOT_FOUND"},
			{"A's administrator", "the affiliate's orderer", e.BankID(aAdmin), inAffiliate, "HIDDEN"},
			{"A's affiliate's administrator", "the affiliate's orderer", e.BankID(affiliateAdmin), inAffiliate, "VISIBLE"},
			{"anonymous", "A's orderer", "", subject, "UNAUTHENTICATED"},
		} {
			t.Run(c.viewer+" reads "+c.target, func(t *testing.T) {
				e := e.As(c.header).In(t)
				r := e.Post(personNodeQuery, map[string]any{"id": string(c.p.ID)})
				if c.want != "VISIBLE" && c.want != "HIDDEN" {
					r.WantError(t, c.want, "")
					if strings.Contains(r.Body, *c.p.PersonalNumber) || strings.Contains(r.Body, c.p.Email) {
						t.Errorf("the refusal leaks personal data: %s", r.Body)
					}
					return
				}
				var data struct{ Node personalFields }
				if err := r.Decode(&data); err != nil {
					t.Fatal(err)
				}
				wantPersonalData(t, data.Node, c.p, c.want == "VISIBLE")
			})
		}

		t.Run("viewer shows a person their own data", func(t *testing.T) {
			var data struct {
				Viewer struct{ Person personalFields }
			}
			e.As(e.BankID(subject)).In(t).Query(`{ viewer { person { id givenName personalNumber email phone } } }`, nil, &data)
			wantPersonalData(t, data.Viewer.Person, subject, true)
		})

		t.Run("a colleague's list hides everyone's data but their own", func(t *testing.T) {
			var data struct{ People apitest.Conn[personalFields] }
			e.As(e.BankID(aOrderer)).In(t).Query(`{ people(first: 50) { edges { node { id givenName personalNumber email phone } } } }`, nil, &data)
			if len(data.People.Edges) < 5 {
				t.Fatalf("the orderer sees %d people, want A's and the affiliate's", len(data.People.Edges))
			}
			for _, edge := range data.People.Edges {
				n := edge.Node
				own := n.ID == string(aOrderer.ID)
				if (n.PersonalNumber != nil) != own || (n.Email != nil) != own || (n.Phone != nil) != own {
					t.Errorf("person %s (own: %v): personal number %s, e-mail %s, phone %s", n.ID, own,
						strOrNull(n.PersonalNumber), strOrNull(n.Email), strOrNull(n.Phone))
				}
			}
		})
	})
}

// TestPersonalDataInMutationAnswers: the administrator who invites a
// person, or gives a person of the customer another role, administers a
// customer where the person holds a role, so the answer shows their
// personal data. The check
// must read within the mutation's transaction: outside it, PostgreSQL does
// not see the new role yet and SQLite waits for the transaction's own
// write lock until the request times out (hence the short timeout here).
func TestPersonalDataInMutationAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db, func(o *httpapi.Options) { o.RequestTimeout = 2 * time.Second })
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		colleague, _ := e.Holder(a, types.RoleOrderer)
		asAdmin := e.As(e.BankID(admin))

		t.Run("invitePerson", func(t *testing.T) {
			e := asAdmin.In(t)
			pn := fixture.PersonalNumber(910_001)
			r := e.Post(`mutation($input: InvitePersonInput!) { invitePerson(input: $input) { id givenName personalNumber email phone } }`,
				map[string]any{"input": map[string]any{"customerId": a.ID, "personalNumber": pn, "givenName": "Ny", "familyName": "Användare",
					"email": "ny.anvandare@example.se", "phone": "+46701234567", "roles": []types.RoleKind{types.RoleOrderer}}})
			var data struct{ InvitePerson personalFields }
			if err := r.Decode(&data); err != nil {
				t.Fatal(err)
			}
			p := e.Fx.Client().Person.GetX(apitest.SystemCtx(), pulid.ID(data.InvitePerson.ID))
			wantPersonalData(t, data.InvitePerson, p, true)
		})

		t.Run("grantRole", func(t *testing.T) {
			e := asAdmin.In(t)
			r := e.Post(`mutation($input: GrantRoleInput!) { grantRole(input: $input) { id person { id givenName personalNumber email phone } } }`,
				map[string]any{"input": map[string]any{"customerId": a.ID, "personId": colleague.ID, "role": types.RoleAttestant}})
			var data struct {
				GrantRole struct{ Person personalFields }
			}
			if err := r.Decode(&data); err != nil {
				t.Fatal(err)
			}
			wantPersonalData(t, data.GrantRole.Person, colleague, true)
		})
	})
}

func TestPersonalDataCannotBeFilteredOrSortedOn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		var data struct {
			Where struct{ InputFields []struct{ Name string } }
			Order struct{ EnumValues []struct{ Name string } }
		}
		e.Query(`{
			where: __type(name: "PersonWhereInput") { inputFields { name } }
			order: __type(name: "PersonOrderField") { enumValues { name } }
		}`, nil, &data)
		if len(data.Where.InputFields) == 0 {
			t.Fatal("PersonWhereInput has no fields")
		}
		var names []string
		for _, f := range data.Where.InputFields {
			names = append(names, f.Name)
		}
		for _, v := range data.Order.EnumValues {
			names = append(names, v.Name)
		}
		for _, n := range names {
			l := strings.ToLower(strings.ReplaceAll(n, "_", ""))
			for _, banned := range []string{"personalnumber", "email", "phone"} {
				if strings.Contains(l, banned) {
					t.Errorf("people can be filtered or sorted by %s, which reveals personal data to everyone", n)
				}
			}
		}

		// The where argument refuses such a filter outright.
		r := e.Post(`{ people(first: 5, where: {personalNumber: "19121212-1212"}) { totalCount } }`, nil)
		r.WantError(t, "GRAPHQL_VALIDATION_FAILED", "")
		r.WantNoStatements(t)
	})
}

// TestPersonalDataCostsConstantStatements: deciding who may see personal
// data asks the database once per request, not once per person.
func TestPersonalDataCostsConstantStatements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		for range 25 {
			e.Holder(a, types.RoleOrderer)
		}
		e = e.As(e.BankID(admin))
		counts := map[int]int{}
		for _, n := range []int{5, 20} {
			var data struct{ People apitest.Conn[personalFields] }
			r := e.Query(`query($n: Int!) { people(first: $n) { edges { node { id givenName personalNumber email phone } } } }`,
				map[string]any{"n": n}, &data)
			counts[n] = len(r.Statements)
			if len(data.People.Edges) != n {
				t.Fatalf("N=%d: got %d people", n, len(data.People.Edges))
			}
			for _, edge := range data.People.Edges {
				if edge.Node.PersonalNumber == nil || edge.Node.Email == nil || edge.Node.Phone == nil {
					t.Fatalf("N=%d: the administrator does not see %s's personal data", n, edge.Node.ID)
				}
			}
			if n == 20 && counts[20] != counts[5] {
				t.Errorf("statements grow with the page: N=5: %d, N=20: %d:\n%s", counts[5], counts[20], strings.Join(r.Statements, "\n"))
			}
		}
		t.Logf("%s: statements for N=5: %d, N=20: %d", db.Dialect, counts[5], counts[20])
	})
}
