package agreements_test

import (
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/customer"
	"kundportal/ent/customerapplication"
	"kundportal/ent/notification"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const submitMutation = `mutation($in: SubmitCustomerApplicationInput!) {
	submitCustomerApplication(input: $in) { id status orgNumber contacts { role givenName personalNumber } }
}`

const approveMutation = `mutation($id: ID!) {
	approveCustomerApplication(id: $id) {
		application { id status }
		customer { id orgNumber name }
		agreement { id model status requiredSignatures }
	}
}`

// contactIn is an ApplicationContactInput of a new person.
func contactIn(fx *fixture.F, given string) map[string]any {
	return map[string]any{"givenName": given, "familyName": "Sökande", "email": given + "@example.se",
		"phone": "070-123 45 67", "personalNumber": fixture.PersonalNumber(fx.Next())}
}

// applicationIn is seed 001's application: an organisation names its
// administrator, two signatories who sign jointly and the agreement
// contact.
func applicationIn(fx *fixture.F, cat *ent.CustomerCategory) map[string]any {
	org := fixture.OrgNumber(fx.Next())
	return map[string]any{"orgNumber": org[:6] + org[7:], "organisationName": "Vårdcentralen Exempel AB",
		"companyForm": "LIMITED_COMPANY", "categoryId": cat.ID,
		"administrator": contactIn(fx, "Ada"), "signatories": []any{contactIn(fx, "Sigrid"), contactIn(fx, "Sten")},
		"jointSigning": true, "agreementContact": contactIn(fx, "Kalle")}
}

// newcomer is a person the portal does not know, signed in with BankID.
func newcomer(e *apitest.Env) string {
	return e.Token(auth.DevToken{Subject: fixture.PersonalNumber(e.Fx.Next() + 700_000), Method: auth.MethodBankID})
}

// TestDC4_ApprovedApplicationMakesTheCustomer follows seed 001 step 1: a
// person the portal does not know applies, customer service approves, and
// the customer, its people and roles, a KA2 awaiting both joint
// signatures and the three different messages exist.
func TestDC4_ApprovedApplicationMakesTheCustomer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		in := applicationIn(e.Fx, e.Fx.DefaultCategory())
		var sub struct {
			SubmitCustomerApplication struct {
				ID, Status, OrgNumber string
				Contacts              []struct{ Role, GivenName, PersonalNumber string }
			}
		}
		e.As(newcomer(e)).Query(submitMutation, map[string]any{"in": in}, &sub)
		app := sub.SubmitCustomerApplication
		if app.Status != "SUBMITTED" || len(app.Contacts) != 4 || app.OrgNumber[6] != '-' {
			t.Fatalf("submitted %+v", app)
		}
		var got struct {
			ApproveCustomerApplication struct {
				Application struct{ Status string }
				Customer    struct{ ID, OrgNumber string }
				Agreement   struct {
					ID, Model, Status  string
					RequiredSignatures int
				}
			}
		}
		e.Query(approveMutation, map[string]any{"id": app.ID}, &got)
		a := got.ApproveCustomerApplication
		if a.Application.Status != "APPROVED" || a.Agreement.Model != "KA2" || a.Agreement.Status != "AWAITING_SIGNATURE" || a.Agreement.RequiredSignatures != 2 {
			t.Fatalf("approval answered %+v", a)
		}
		cust := c.Customer.Query().Where(customer.OrgNumber(a.Customer.OrgNumber)).OnlyX(ctx)
		roles := map[types.RoleKind]int{}
		for _, r := range c.Role.Query().Where(role.CustomerID(cust.ID)).AllX(ctx) {
			roles[r.Role]++
		}
		if roles[types.RoleAdministrator] != 1 || roles[types.RoleSignatory] != 2 || roles[types.RoleAgreementContact] != 1 {
			t.Errorf("roles %v, want one administrator, two signatories, one agreement contact", roles)
		}
		kinds := map[string]int{}
		for _, n := range c.Notification.Query().Where(notification.CustomerID(cust.ID)).AllX(ctx) {
			kinds[n.Kind]++
			if n.SubjectID == nil || *n.SubjectID != app.ID {
				t.Errorf("%s message does not reference the application", n.Kind)
			}
		}
		if kinds["PORTAL_INVITATION"] != 1 || kinds["SIGNING_LINK"] != 2 || kinds["AGREEMENT_CONTACT"] != 1 || len(kinds) != 3 {
			t.Errorf("messages %v, want one invitation, two signing links, one contact notice", kinds)
		}
		if !c.AuditEvent.Query().Where(auditevent.Action("APPLICATION_APPROVED"), auditevent.EntityID(app.ID)).ExistX(ctx) {
			t.Error("no audit event of the approval")
		}
	})
}

// TestDC4_ApplicationRefusals: every refusal has its own code, names the
// field where one is wrong, and writes nothing.
func TestDC4_ApplicationRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		cat := e.Fx.DefaultCategory()
		existing := e.Fx.Customer()
		pending := e.Fx.CustomerApplication()
		region := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetCompanyForm(types.CompanyFormRegion) })
		limited := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetCompanyForm(types.CompanyFormLimitedCompany) })
		with := func(change func(in map[string]any)) map[string]any {
			in := applicationIn(e.Fx, cat)
			change(in)
			return in
		}
		for _, tc := range []struct {
			name, code, field string
			in                map[string]any
		}{
			{"already a customer", "ALREADY_CUSTOMER", "", with(func(in map[string]any) { in["orgNumber"] = existing.OrgNumber })},
			{"an open application", "APPLICATION_PENDING", "", with(func(in map[string]any) { in["orgNumber"] = pending.OrgNumber })},
			{"a bad organisation number", "VALIDATION_ERROR", "orgNumber", with(func(in map[string]any) { in["orgNumber"] = "556000-0002" })},
			{"a bad personal number", "VALIDATION_ERROR", "signatories[1].personalNumber", with(func(in map[string]any) {
				in["signatories"].([]any)[1].(map[string]any)["personalNumber"] = "19121212-1213"
			})},
			{"a bad e-mail", "VALIDATION_ERROR", "agreementContact.email", with(func(in map[string]any) {
				in["agreementContact"].(map[string]any)["email"] = "kalle"
			})},
			{"joint signing with one signatory", "VALIDATION_ERROR", "jointSigning", with(func(in map[string]any) {
				in["signatories"] = in["signatories"].([]any)[:1]
			})},
			{"an affiliate without power of attorney", "POWER_OF_ATTORNEY_REQUIRED", "", with(func(in map[string]any) { in["parentId"] = region.ID })},
			{"an affiliate of a company", "VALIDATION_ERROR", "parentId", with(func(in map[string]any) {
				in["parentId"], in["powerOfAttorneyReference"] = limited.ID, "Fullmakt 7"
			})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := c.CustomerApplication.Query().CountX(ctx)
				r := e.In(t).As(newcomer(e)).Post(submitMutation, map[string]any{"in": tc.in})
				r.WantError(t, tc.code, tc.field)
				r.WantNoData(t)
				if after := c.CustomerApplication.Query().CountX(ctx); after != before {
					t.Errorf("%d applications, want %d", after, before)
				}
			})
		}
	})
}

// TestDC5_AffiliateIsBoundToItsParent: an affiliate names its parent and
// power of attorney and, once approved, is the parent's affiliate.
func TestDC5_AffiliateIsBoundToItsParent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		region := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetCompanyForm(types.CompanyFormRegion) })
		in := applicationIn(e.Fx, e.Fx.DefaultCategory())
		in["parentId"], in["powerOfAttorneyReference"] = region.ID, "Fullmakt 2024/12"
		var sub struct{ SubmitCustomerApplication struct{ ID string } }
		e.As(newcomer(e)).Query(submitMutation, map[string]any{"in": in}, &sub)
		var got struct {
			ApproveCustomerApplication struct{ Customer struct{ ID string } }
		}
		e.Query(approveMutation, map[string]any{"id": sub.SubmitCustomerApplication.ID}, &got)
		cust := db.Client.Customer.GetX(apitest.SystemCtx(), pulid.ID(got.ApproveCustomerApplication.Customer.ID))
		if cust.ParentID == nil || *cust.ParentID != region.ID || cust.PowerOfAttorneyReference == nil {
			t.Errorf("affiliate %+v, want parent %s with its power of attorney", cust, region.ID)
		}
	})
}

// TestDC3_CategoryMaySignKA2FromItsDate: before its category's KA2 date
// an organisation can neither apply nor be approved.
func TestDC3_CategoryMaySignKA2FromItsDate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx := apitest.SystemCtx()
		later := e.Fx.Category(func(c *ent.CustomerCategoryCreate) { c.SetKa2AvailableFrom(time.Now().AddDate(0, 1, 0)) })
		unscheduled := db.Client.CustomerCategory.UpdateOne(e.Fx.Category()).ClearKa2AvailableFrom().SaveX(ctx)
		for _, cat := range []*ent.CustomerCategory{later, unscheduled} {
			r := e.As(newcomer(e)).Post(submitMutation, map[string]any{"in": applicationIn(e.Fx, cat)})
			r.WantError(t, "KA2_NOT_AVAILABLE", "")
		}
		// An application of a category whose date was moved after it was
		// sent is not approved either.
		moved := e.Fx.Category()
		app := e.Fx.CustomerApplication(func(a *ent.CustomerApplicationCreate) { a.SetCategory(moved) })
		db.Client.CustomerCategory.UpdateOne(moved).SetKa2AvailableFrom(time.Now().AddDate(0, 0, 7)).ExecX(ctx)
		e.Post(approveMutation, map[string]any{"id": app.ID}).WantError(t, "KA2_NOT_AVAILABLE", "")
		if db.Client.CustomerApplication.GetX(ctx, app.ID).Status != customerapplication.StatusSUBMITTED {
			t.Error("the refused approval changed the application")
		}
	})
}

// TestDC4_ApplicationIsDecidedOnce: a decided application is neither
// approved nor rejected again; the refusal names its state.
func TestDC4_ApplicationIsDecidedOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		approved, rejected := e.Fx.CustomerApplication(), e.Fx.CustomerApplication()
		e.Query(approveMutation, map[string]any{"id": approved.ID}, &struct{}{})
		e.Query(`mutation($id: ID!) { rejectCustomerApplication(id: $id, reason: "Fel kategori") { id } }`, map[string]any{"id": rejected.ID}, &struct{}{})
		for _, tc := range []struct {
			id    string
			state string
		}{{string(approved.ID), "APPROVED"}, {string(rejected.ID), "REJECTED"}} {
			for _, q := range []string{approveMutation, `mutation($id: ID!) { rejectCustomerApplication(id: $id, reason: "Igen") { id } }`} {
				err := e.Post(q, map[string]any{"id": tc.id}).WantError(t, "INVALID_STATE", "")
				if err.Extensions.State != tc.state {
					t.Errorf("state %q, want %s", err.Extensions.State, tc.state)
				}
			}
		}
		n := db.Client.Customer.Query().Where(customer.OrgNumber(approved.OrgNumber)).CountX(apitest.SystemCtx())
		if n != 1 {
			t.Errorf("%d customers of the approved application, want 1", n)
		}
		rej := db.Client.Notification.Query().Where(notification.Kind("APPLICATION_REJECTED"), notification.SubjectID(string(rejected.ID))).CountX(apitest.SystemCtx())
		if rej != 1 {
			t.Errorf("%d rejection messages, want 1 to the administrator", rej)
		}
	})
}

// TestDC2_RenamedCategoryKeepsItsCustomers: renaming Systemintegratörer to
// Underleverantörer till offentlig sektor keeps the category's customers
// and its code.
func TestDC2_RenamedCategoryKeepsItsCustomers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		cat := e.Fx.Category(func(c *ent.CustomerCategoryCreate) {
			c.SetCode("PUBLIC_SECTOR_SUBCONTRACTOR").SetName("Systemintegratörer")
		})
		for range 3 {
			e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetCategory(cat) })
		}
		db.Client.CustomerCategory.UpdateOne(cat).
			SetName("Underleverantörer till offentlig sektor").SetFormerName("Systemintegratörer").
			SetRenamedOn(fixture.Day).ExecX(apitest.SystemCtx())
		var got struct {
			CustomerCategories apitest.Conn[struct {
				Code, Name string
				Customers  apitest.Conn[struct{ ID string }]
			}]
		}
		e.Query(`{ customerCategories(first: 5, where: {code: "PUBLIC_SECTOR_SUBCONTRACTOR"}) { edges { node {
			code name customers(first: 10) { totalCount edges { node { id } } } } } } }`, nil, &got)
		node := got.CustomerCategories.Edges[0].Node
		if node.Name != "Underleverantörer till offentlig sektor" || node.Customers.TotalCount != 3 {
			t.Errorf("after the rename: %s with %d customers, want the new name and 3", node.Name, node.Customers.TotalCount)
		}
	})
}
