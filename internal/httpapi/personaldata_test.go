package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
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
		e := newEnv(t, db)
		a, b := e.fx.Customer(), e.fx.Customer()
		affiliate := e.fx.Customer(func(c *ent.CustomerCreate) { c.SetParent(a).SetPowerOfAttorneyReference("Fullmakt A") })

		subject, _ := holderOf(e, a, types.RoleOrderer)
		giveRole(e, a, subject, types.RoleSignatory)
		aAdmin, _ := holderOf(e, a, types.RoleAdministrator)
		aOrderer, _ := holderOf(e, a, types.RoleOrderer)
		aAttestant, _ := holderOf(e, a, types.RoleAttestant)
		aContact, _ := holderOf(e, a, types.RoleAgreementContact)
		bAdmin, _ := holderOf(e, b, types.RoleAdministrator)
		affiliateAdmin, _ := holderOf(e, affiliate, types.RoleAdministrator)
		// inBoth holds a role in A and in B: B's administrator manages them.
		inBoth, _ := holderOf(e, a, types.RoleAttestant)
		giveRole(e, b, inBoth, types.RoleOrderer)
		// inAffiliate holds a role only in A's affiliated organisation: A's
		// people see them (D-C5), but A's administrator does not administer
		// the affiliate.
		inAffiliate, _ := holderOf(e, affiliate, types.RoleOrderer)

		for _, c := range []struct {
			viewer, target string
			header         string
			p              *ent.Person
			want           string // VISIBLE, HIDDEN or an error code
		}{
			{"themself", "self", bankIDHeader(e, subject), subject, "VISIBLE"},
			{"A's administrator", "A's orderer", bankIDHeader(e, aAdmin), subject, "VISIBLE"},
			{"staff", "A's orderer", e.authorization, subject, "VISIBLE"},
			{"A's orderer colleague", "A's orderer", bankIDHeader(e, aOrderer), subject, "HIDDEN"},
			{"A's attestant colleague", "A's orderer", bankIDHeader(e, aAttestant), subject, "HIDDEN"},
			{"A's agreement contact", "A's orderer", bankIDHeader(e, aContact), subject, "HIDDEN"},
			{"A's orderer colleague", "A's administrator", bankIDHeader(e, aOrderer), aAdmin, "HIDDEN"},
			{"B's administrator", "A's orderer", bankIDHeader(e, bAdmin), subject, "NOT_FOUND"},
			{"B's administrator", "a person in A and B", bankIDHeader(e, bAdmin), inBoth, "VISIBLE"},
			{"A's orderer colleague", "a person in A and B", bankIDHeader(e, aOrderer), inBoth, "HIDDEN"},
			{"A's affiliate's administrator", "A's orderer", bankIDHeader(e, affiliateAdmin), subject, "NOT_FOUND"},
			{"A's administrator", "the affiliate's orderer", bankIDHeader(e, aAdmin), inAffiliate, "HIDDEN"},
			{"A's affiliate's administrator", "the affiliate's orderer", bankIDHeader(e, affiliateAdmin), inAffiliate, "VISIBLE"},
			{"anonymous", "A's orderer", "", subject, "UNAUTHENTICATED"},
		} {
			t.Run(c.viewer+" reads "+c.target, func(t *testing.T) {
				e := e.as(c.header).in(t)
				r := e.post(personNodeQuery, map[string]any{"id": string(c.p.ID)})
				if c.want != "VISIBLE" && c.want != "HIDDEN" {
					r.wantError(t, c.want, "")
					if strings.Contains(r.Body, *c.p.PersonalNumber) || strings.Contains(r.Body, c.p.Email) {
						t.Errorf("the refusal leaks personal data: %s", r.Body)
					}
					return
				}
				var data struct{ Node personalFields }
				if err := unmarshalData(r, &data); err != nil {
					t.Fatal(err)
				}
				wantPersonalData(t, data.Node, c.p, c.want == "VISIBLE")
			})
		}

		t.Run("viewer shows a person their own data", func(t *testing.T) {
			var data struct {
				Viewer struct{ Person personalFields }
			}
			e.as(bankIDHeader(e, subject)).in(t).query(`{ viewer { person { id givenName personalNumber email phone } } }`, nil, &data)
			wantPersonalData(t, data.Viewer.Person, subject, true)
		})

		t.Run("a colleague's list hides everyone's data but their own", func(t *testing.T) {
			var data struct{ People conn[personalFields] }
			e.as(bankIDHeader(e, aOrderer)).in(t).query(`{ people(first: 50) { edges { node { id givenName personalNumber email phone } } } }`, nil, &data)
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

// unmarshalData decodes a successful response's data.
func unmarshalData(r *response, out any) error {
	if r.Status != 200 || len(r.Errors) > 0 {
		return fmt.Errorf("request failed: status %d: %s", r.Status, r.Body)
	}
	return json.Unmarshal(r.Data, out)
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
		e := newEnv(t, db, func(o *httpapi.Options) { o.RequestTimeout = 2 * time.Second })
		a := e.fx.Customer()
		admin, _ := holderOf(e, a, types.RoleAdministrator)
		colleague, _ := holderOf(e, a, types.RoleOrderer)
		asAdmin := e.as(bankIDHeader(e, admin))

		t.Run("invitePerson", func(t *testing.T) {
			e := asAdmin.in(t)
			pn := fixture.PersonalNumber(910_001)
			r := e.post(`mutation($input: InvitePersonInput!) { invitePerson(input: $input) { id givenName personalNumber email phone } }`,
				map[string]any{"input": inviteInput(a, pn, types.RoleOrderer)})
			var data struct{ InvitePerson personalFields }
			if err := unmarshalData(r, &data); err != nil {
				t.Fatal(err)
			}
			p := e.fx.Client().Person.GetX(systemCtx(), pulid.ID(data.InvitePerson.ID))
			wantPersonalData(t, data.InvitePerson, p, true)
		})

		t.Run("grantRole", func(t *testing.T) {
			e := asAdmin.in(t)
			r := e.post(`mutation($input: GrantRoleInput!) { grantRole(input: $input) { id person { id givenName personalNumber email phone } } }`,
				map[string]any{"input": grantInput(a, colleague, types.RoleAttestant)})
			var data struct {
				GrantRole struct{ Person personalFields }
			}
			if err := unmarshalData(r, &data); err != nil {
				t.Fatal(err)
			}
			wantPersonalData(t, data.GrantRole.Person, colleague, true)
		})
	})
}

func TestPersonalDataCannotBeFilteredOrSortedOn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var data struct {
			Where struct{ InputFields []struct{ Name string } }
			Order struct{ EnumValues []struct{ Name string } }
		}
		e.query(`{
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
		r := e.post(`{ people(first: 5, where: {personalNumber: "19121212-1212"}) { totalCount } }`, nil)
		r.wantError(t, "GRAPHQL_VALIDATION_FAILED", "")
		r.wantNoStatements(t)
	})
}

// TestPersonalDataCostsConstantStatements: deciding who may see personal
// data asks the database once per request, not once per person.
func TestPersonalDataCostsConstantStatements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		a := e.fx.Customer()
		admin, _ := holderOf(e, a, types.RoleAdministrator)
		for range 25 {
			holderOf(e, a, types.RoleOrderer)
		}
		e = e.as(bankIDHeader(e, admin))
		counts := map[int]int{}
		for _, n := range []int{5, 20} {
			var data struct{ People conn[personalFields] }
			r := e.query(`query($n: Int!) { people(first: $n) { edges { node { id givenName personalNumber email phone } } } }`,
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
