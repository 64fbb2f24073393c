package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/attestationcode"
	"kundportal/ent/availabilitytarget"
	"kundportal/ent/customerapplication"
	"kundportal/ent/customercategory"
	"kundportal/ent/documentversion"
	"kundportal/ent/offering"
	"kundportal/ent/order"
	"kundportal/ent/partnerapikey"
	"kundportal/ent/person"
	"kundportal/ent/pricelist"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/service"
	"kundportal/ent/signature"
	"kundportal/ent/signingsession"
	"kundportal/ent/subscription"
	"kundportal/graph"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/bankid"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// world is two tenants side by side: customer A with an affiliated
// organisation A2 (D-C5) and a person in each role, customer B with its
// administrator, one object of every kind for each, staff, and two partner
// keys, one with subscriptions:read and one without.
type world struct {
	a, a2, b      *ent.Customer
	roleHolder    map[types.RoleKind]*ent.Person // in A, one role each
	bAdmin        *ent.Person
	keyWith       *ent.PartnerAPIKey
	keyWithout    *ent.PartnerAPIKey
	draftVersion  *ent.DocumentVersion
	notifications map[pulid.ID]*ent.Notification // A's, addressed to A's orderer; B's
}

func newWorld(t *testing.T, fx *fixture.F) *world {
	t.Helper()
	w := &world{roleHolder: map[types.RoleKind]*ent.Person{}, notifications: map[pulid.ID]*ent.Notification{}}
	w.a = fx.Customer()
	w.a2 = fx.Customer(func(c *ent.CustomerCreate) { c.SetParent(w.a).SetPowerOfAttorneyReference("Fullmakt 1") })
	w.b = fx.Customer()
	for _, k := range types.RoleKind("").Values() {
		p := fx.Person()
		fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(w.a).SetPerson(p).SetRole(types.RoleKind(k)) })
		w.roleHolder[types.RoleKind(k)] = p
	}
	w.bAdmin = fx.Person()
	fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(w.b).SetPerson(w.bAdmin).SetRole(types.RoleAdministrator) })
	for _, c := range []*ent.Customer{w.a, w.a2, w.b} {
		fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) })
		fx.CareUnit(func(u *ent.CareUnitCreate) { u.SetCustomer(c) })
		o := fx.Order(func(o *ent.OrderCreate) { o.SetCustomer(c) })
		fx.Attestation(func(a *ent.AttestationCreate) { a.SetOrder(o) })
		fx.Signature(func(s *ent.SignatureCreate) {
			s.SetAgreementID(fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c) }).ID)
		})
		fx.AuditEvent(func(e *ent.AuditEventCreate) { e.SetCustomer(c) })
		fx.CustomerApplication(func(a *ent.CustomerApplicationCreate) { a.SetCustomer(c) })
	}
	na := fx.Notification(func(n *ent.NotificationCreate) { n.SetCustomer(w.a).SetRecipient(w.roleHolder[types.RoleOrderer]) })
	nb := fx.Notification(func(n *ent.NotificationCreate) { n.SetCustomer(w.b) })
	w.notifications[na.ID], w.notifications[nb.ID] = na, nb
	fx.DocumentVersion()
	tomorrow := time.Now().AddDate(0, 0, 2)
	w.draftVersion = fx.DocumentVersion(func(v *ent.DocumentVersionCreate) { v.SetPublishedOn(tomorrow).SetEffectiveOn(tomorrow) })
	w.keyWith = fx.PartnerAPIKey()
	w.keyWithout = fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetScopes([]string{access.ScopeAccessCheck}) })
	return w
}

// viewerCase is one kind of caller in the matrix.
type viewerCase struct {
	name string
	// header is the Authorization header value.
	header func(e *apitest.Env, w *world) string
	// customers the viewer sees, and administers; nil for non-persons.
	sees, administers func(w *world) []pulid.ID
	person            func(w *world) *ent.Person
}

func personOf(k types.RoleKind) func(*world) *ent.Person {
	return func(w *world) *ent.Person { return w.roleHolder[k] }
}

func bearer(p func(*world) *ent.Person) func(*apitest.Env, *world) string {
	return func(e *apitest.Env, w *world) string {
		return e.Token(auth.DevToken{Subject: *p(w).PersonalNumber, Method: auth.MethodBankID})
	}
}

func viewerCases() []viewerCase {
	aSees := func(w *world) []pulid.ID { return []pulid.ID{w.a.ID, w.a2.ID} }
	none := func(*world) []pulid.ID { return nil }
	cases := []viewerCase{
		{name: "anonymous", header: func(*apitest.Env, *world) string { return "" }},
		{name: "staff", header: func(e *apitest.Env, _ *world) string {
			return e.Token(auth.DevToken{Subject: "kundtjanst.ann", Staff: true})
		}},
		{name: "partner with scope", header: func(_ *apitest.Env, w *world) string { return "ApiKey " + fixture.PartnerKeySecret(w.keyWith) }},
		{name: "partner without scope", header: func(_ *apitest.Env, w *world) string { return "ApiKey " + fixture.PartnerKeySecret(w.keyWithout) }},
		{name: "B administrator", header: bearer(func(w *world) *ent.Person { return w.bAdmin }),
			person: func(w *world) *ent.Person { return w.bAdmin },
			sees:   func(w *world) []pulid.ID { return []pulid.ID{w.b.ID} }, administers: func(w *world) []pulid.ID { return []pulid.ID{w.b.ID} }},
	}
	for _, k := range types.RoleKind("").Values() {
		kind := types.RoleKind(k)
		vc := viewerCase{name: "A " + k, header: bearer(personOf(kind)), person: personOf(kind), sees: aSees, administers: none}
		if kind == types.RoleAdministrator {
			vc.administers = func(w *world) []pulid.ID { return []pulid.ID{w.a.ID} }
		}
		cases = append(cases, vc)
	}
	return cases
}

func (vc viewerCase) isPerson() bool { return vc.sees != nil }

// Outcomes of a list query in the matrix.
const (
	all         = "ALL"         // every row of the type
	own         = "OWN"         // the rows of the customers the person sees
	ownAdmin    = "OWN_ADMIN"   // the rows of the customers the person administers
	addressed   = "ADDRESSED"   // addressed to the person, or ownAdmin
	subscribers = "SUBSCRIBERS" // customers that have a subscription
	published   = "PUBLISHED"   // every row but the unpublished draft
)

// listExpectation says what each viewer gets from a top-level list; the
// values are an outcome above or an extensions.code.
type listExpectation struct {
	anonymous, person, staff, partner, partnerWithout string
}

// listMatrix is docs/authorization.md's table of queries. Every connection
// field of Query must have a row: TestAuthorizationMatrixCoversTheSchema.
var listMatrix = map[string]listExpectation{
	"customerCategories":   {all, all, all, all, all},
	"services":             {all, all, all, all, all},
	"offerings":            {all, all, all, all, all},
	"priceLists":           {all, all, all, all, all},
	"agreementDocuments":   {all, all, all, all, all},
	"documentVersions":     {published, published, all, published, published},
	"customers":            {"UNAUTHENTICATED", own, all, subscribers, "FORBIDDEN"},
	"agreements":           {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"orders":               {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"careUnits":            {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"people":               {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"subscriptions":        {"UNAUTHENTICATED", own, all, all, "FORBIDDEN"},
	"auditEvents":          {"UNAUTHENTICATED", ownAdmin, all, "FORBIDDEN", "FORBIDDEN"},
	"customerApplications": {"UNAUTHENTICATED", ownAdmin, all, "FORBIDDEN", "FORBIDDEN"},
	"notifications":        {"UNAUTHENTICATED", addressed, all, "FORBIDDEN", "FORBIDDEN"},
	"partnerAPIKeys":       {"UNAUTHENTICATED", "FORBIDDEN", all, "FORBIDDEN", "FORBIDDEN"},
}

// otherQueryFields are not lists; who may ask them is tested elsewhere
// (node, nodes: TestCrossTenantNodesAreNotFound; viewer: below, it answers
// everyone; accessCheck: TestDP1_WhoMayCheck in internal/entitlement;
// orderCostPreview: TestDS2_CostPreviewAsksTheCustomersReaders in
// internal/ordering; subscriptionChanges: TestDP1_FeedWhoMayRead in
// internal/feed; offeringPrices, public like the catalog:
// TestDS4_Seed004History in internal/pricing asks it anonymously;
// reports: TestDR1_ReportsInGraphQL_ForStaffAndReportingKeys in
// internal/reporting).
var otherQueryFields = []string{"node", "nodes", "viewer", "accessCheck", "orderCostPreview", "subscriptionChanges", "offeringPrices", "reports"}

// mutationMatrix: what each viewer gets from each mutation aimed at
// customer A ("OK" or an extensions.code). Persons of A other than the
// administrator are FORBIDDEN; B's administrator does not see A: NOT_FOUND.
var mutationMatrix = map[string]map[string]string{
	"invitePerson":        {"anonymous": "UNAUTHENTICATED", "staff": "OK", "A ADMINISTRATOR": "OK", "B administrator": "NOT_FOUND", "partner with scope": "FORBIDDEN", "partner without scope": "FORBIDDEN", "A *": "FORBIDDEN"},
	"grantRole":           {"anonymous": "UNAUTHENTICATED", "staff": "OK", "A ADMINISTRATOR": "OK", "B administrator": "NOT_FOUND", "partner with scope": "FORBIDDEN", "partner without scope": "FORBIDDEN", "A *": "FORBIDDEN"},
	"revokeRole":          {"anonymous": "UNAUTHENTICATED", "staff": "OK", "A ADMINISTRATOR": "OK", "B administrator": "NOT_FOUND", "partner with scope": "FORBIDDEN", "partner without scope": "FORBIDDEN", "A *": "FORBIDDEN"},
	"createPartnerAPIKey": {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"revokePartnerAPIKey": {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	// The agreement lifecycle (docs/agreements.md).
	"submitCustomerApplication":  {"anonymous": "UNAUTHENTICATED", "staff": "OK", "B administrator": "OK", "A *": "OK", "*": "FORBIDDEN"},
	"approveCustomerApplication": {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"rejectCustomerApplication":  {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"offerAgreement":             {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"registerPaperSignature":     {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"publishDocumentVersion":     {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"announcePriceChange":        {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	// The catalog (docs/catalog.md).
	"createCustomerCategory":   {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"updateCustomerCategory":   {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"createService":            {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"updateService":            {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"decommissionService":      {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"retireService":            {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"changeAvailabilityTarget": {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"createOffering":           {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"updateOffering":           {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
	"startAgreementSigning":    {"anonymous": "UNAUTHENTICATED", "A SIGNATORY": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"collectAgreementSigning":  {"anonymous": "UNAUTHENTICATED", "A SIGNATORY": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"cancelAgreementSigning":   {"anonymous": "UNAUTHENTICATED", "A SIGNATORY": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"terminateAgreement":       {"anonymous": "UNAUTHENTICATED", "staff": "OK", "A SIGNATORY": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"terminateSubscription":    {"anonymous": "UNAUTHENTICATED", "staff": "OK", "A ADMINISTRATOR": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	// Ordering (docs/ordering.md, D-O1): orderers order, attestants
	// attest, staff deliver.
	"createOrder":            {"anonymous": "UNAUTHENTICATED", "A ORDERER": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"updateOrder":            {"anonymous": "UNAUTHENTICATED", "A ORDERER": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"submitOrder":            {"anonymous": "UNAUTHENTICATED", "A ORDERER": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"cancelOrder":            {"anonymous": "UNAUTHENTICATED", "A ORDERER": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"requestAttestationCode": {"anonymous": "UNAUTHENTICATED", "A ATTESTANT": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"attestOrder":            {"anonymous": "UNAUTHENTICATED", "A ATTESTANT": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"startOrderSigning":      {"anonymous": "UNAUTHENTICATED", "A ATTESTANT": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"collectOrderSigning":    {"anonymous": "UNAUTHENTICATED", "A ATTESTANT": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"cancelOrderSigning":     {"anonymous": "UNAUTHENTICATED", "A ATTESTANT": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"rejectOrder":            {"anonymous": "UNAUTHENTICATED", "A ATTESTANT": "OK", "B administrator": "NOT_FOUND", "*": "FORBIDDEN"},
	"deliverOrder":           {"anonymous": "UNAUTHENTICATED", "staff": "OK", "*": "FORBIDDEN"},
}

func (m listExpectation) of(vc viewerCase) string {
	switch {
	case vc.name == "anonymous":
		return m.anonymous
	case vc.name == "staff":
		return m.staff
	case vc.name == "partner with scope":
		return m.partner
	case vc.name == "partner without scope":
		return m.partnerWithout
	default:
		return m.person
	}
}

func mutationOutcome(field string, vc viewerCase) string {
	row := mutationMatrix[field]
	if o, ok := row[vc.name]; ok {
		return o
	}
	if o, ok := row["A *"]; ok && strings.HasPrefix(vc.name, "A ") {
		return o
	}
	return row["*"]
}

// schemaFields lists the fields of a root type of the served schema.
func schemaFields(t *testing.T, typeName string) []string {
	t.Helper()
	def := graph.NewExecutableSchema(graph.Config{}).Schema().Types[typeName]
	if def == nil {
		t.Fatalf("no type %s in the schema", typeName)
	}
	var names []string
	for _, f := range def.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			names = append(names, f.Name)
		}
	}
	return names
}

func TestAuthorizationMatrixCoversTheSchema(t *testing.T) {
	for _, f := range schemaFields(t, "Query") {
		if _, ok := listMatrix[f]; !ok && !slices.Contains(otherQueryFields, f) {
			t.Errorf("Query.%s has no row in listMatrix (and docs/authorization.md)", f)
		}
	}
	for _, f := range schemaFields(t, "Mutation") {
		if _, ok := mutationMatrix[f]; !ok {
			t.Errorf("Mutation.%s has no row in mutationMatrix (and docs/authorization.md)", f)
		}
	}
	for f := range mutationMatrix {
		if !slices.Contains(schemaFields(t, "Mutation"), f) {
			t.Errorf("mutationMatrix has %s, which the schema does not", f)
		}
	}
}

// TestAuthorizationMatrixQueries asks every top-level list as every kind
// of caller and compares the IDs returned with what the matrix allows.
func TestAuthorizationMatrixQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		w := newWorld(t, e.Fx)
		for _, vc := range viewerCases() {
			ve := e.As(vc.header(e, w))
			for field, m := range listMatrix {
				t.Run(vc.name+"/"+field, func(t *testing.T) {
					r := ve.In(t).Post(fmt.Sprintf(`{ %s(first: 100) { totalCount edges { node { id } } } }`, field), nil)
					want := m.of(vc)
					if strings.ToUpper(want) == want && !strings.Contains("ALL OWN OWN_ADMIN ADDRESSED SUBSCRIBERS PUBLISHED", want) {
						r.WantError(t, want, "")
						r.WantNoData(t)
						return
					}
					if len(r.Errors) > 0 {
						t.Fatalf("want %s, got errors %+v", want, r.Errors)
					}
					var data map[string]apitest.Conn[struct{ ID pulid.ID }]
					if err := json.Unmarshal(r.Data, &data); err != nil {
						t.Fatal(err)
					}
					var got []pulid.ID
					for _, edge := range data[field].Edges {
						got = append(got, edge.Node.ID)
					}
					wantIDs := expectedIDs(t, db, w, vc, field, want)
					sortIDs(got)
					if !slices.Equal(got, wantIDs) || data[field].TotalCount != len(wantIDs) {
						t.Errorf("%s: got %d %v (totalCount %d), want %d %v", want, len(got), got, data[field].TotalCount, len(wantIDs), wantIDs)
					}
				})
			}
		}
	})
}

// expectedIDs computes, with the service's own context, which rows of a
// list the outcome allows: the matrix restated as plain queries.
func expectedIDs(t *testing.T, db *database.DB, w *world, vc viewerCase, field, outcome string) []pulid.ID {
	t.Helper()
	ctx := access.SystemContext(context.Background())
	c := db.Client
	var sees, admin []pulid.ID
	if vc.isPerson() {
		sees, admin = vc.sees(w), vc.administers(w)
	}
	ownerIn := func(owner pulid.ID, set []pulid.ID) bool { return slices.Contains(set, owner) }
	var ids []pulid.ID
	add := func(id pulid.ID, ok bool) {
		if ok {
			ids = append(ids, id)
		}
	}
	switch field {
	case "customers":
		for _, x := range c.Customer.Query().WithSubscriptions().AllX(ctx) {
			add(x.ID, outcome == all || (outcome == own && ownerIn(x.ID, sees)) || (outcome == subscribers && len(x.Edges.Subscriptions) > 0))
		}
	case "agreements":
		for _, x := range c.Agreement.Query().AllX(ctx) {
			add(x.ID, outcome == all || ownerIn(x.CustomerID, sees))
		}
	case "orders":
		for _, x := range c.Order.Query().AllX(ctx) {
			add(x.ID, outcome == all || ownerIn(x.CustomerID, sees))
		}
	case "careUnits":
		for _, x := range c.CareUnit.Query().AllX(ctx) {
			add(x.ID, outcome == all || ownerIn(x.CustomerID, sees))
		}
	case "subscriptions":
		for _, x := range c.Subscription.Query().AllX(ctx) {
			add(x.ID, outcome == all || ownerIn(x.CustomerID, sees))
		}
	case "people":
		for _, x := range c.Person.Query().WithRoles().AllX(ctx) {
			in := vc.isPerson() && x.ID == vc.person(w).ID
			for _, r := range x.Edges.Roles {
				in = in || ownerIn(r.CustomerID, sees)
			}
			add(x.ID, outcome == all || in)
		}
	case "auditEvents":
		for _, x := range c.AuditEvent.Query().AllX(ctx) {
			add(x.ID, outcome == all || (x.CustomerID != nil && ownerIn(*x.CustomerID, admin)))
		}
	case "customerApplications":
		for _, x := range c.CustomerApplication.Query().AllX(ctx) {
			add(x.ID, outcome == all || (x.CustomerID != nil && ownerIn(*x.CustomerID, admin)))
		}
	case "notifications":
		for _, x := range c.Notification.Query().AllX(ctx) {
			mine := vc.isPerson() && x.RecipientID != nil && *x.RecipientID == vc.person(w).ID
			add(x.ID, outcome == all || mine || (x.CustomerID != nil && ownerIn(*x.CustomerID, admin)))
		}
	case "documentVersions":
		for _, x := range c.DocumentVersion.Query().AllX(ctx) {
			add(x.ID, outcome == all || x.ID != w.draftVersion.ID)
		}
	default:
		ids = allIDs(t, ctx, c, field)
	}
	sortIDs(ids)
	return ids
}

func allIDs(t *testing.T, ctx context.Context, c *ent.Client, field string) []pulid.ID {
	t.Helper()
	var ids []pulid.ID
	var err error
	switch field {
	case "customerCategories":
		ids, err = c.CustomerCategory.Query().IDs(ctx)
	case "services":
		ids, err = c.Service.Query().IDs(ctx)
	case "offerings":
		ids, err = c.Offering.Query().IDs(ctx)
	case "priceLists":
		ids, err = c.PriceList.Query().IDs(ctx)
	case "agreementDocuments":
		ids, err = c.AgreementDocument.Query().IDs(ctx)
	case "partnerAPIKeys":
		ids, err = c.PartnerAPIKey.Query().IDs(ctx)
	default:
		t.Fatalf("expectedIDs knows no list %s", field)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func sortIDs(ids []pulid.ID) { sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) }

// TestAuthorizationMatrixMutations runs every mutation as every kind of
// caller against customer A, each on a fresh target, and checks the
// outcome and that a refused mutation wrote nothing.
func TestAuthorizationMatrixMutations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		w := newWorld(t, e.Fx)
		ctx := access.SystemContext(context.Background())
		for _, vc := range viewerCases() {
			ve := e.As(vc.header(e, w))
			for field := range mutationMatrix {
				t.Run(vc.name+"/"+field, func(t *testing.T) {
					query, vars, written := mutationCall(t, e, w, field)
					before := rowCounts(ctx, db.Client)
					r := ve.In(t).Post(query, vars)
					want := mutationOutcome(field, vc)
					if want == "OK" {
						if len(r.Errors) > 0 {
							t.Fatalf("want OK, got %+v", r.Errors)
						}
						if !written() {
							t.Fatal("the mutation answered but its change is not in the database")
						}
						return
					}
					r.WantError(t, want, "")
					if after := rowCounts(ctx, db.Client); after != before || written() {
						t.Errorf("a refused %s wrote: %+v -> %+v", field, before, after)
					}
				})
			}
		}
	})
}

// rows counts what a mutation may write: its objects, and the audit
// events and e-mails that go with them.
type rows struct{ Roles, People, Keys, AuditEvents, Notifications int }

func rowCounts(ctx context.Context, c *ent.Client) rows {
	return rows{c.Role.Query().CountX(ctx), c.Person.Query().CountX(ctx), c.PartnerAPIKey.Query().CountX(ctx),
		c.AuditEvent.Query().CountX(ctx), c.Notification.Query().CountX(ctx)}
}

// mutationCall builds a call of the mutation aimed at customer A, on a
// fresh target, and a check of whether its change was made.
func mutationCall(t *testing.T, e *apitest.Env, w *world, field string) (string, map[string]any, func() bool) {
	t.Helper()
	ctx := access.SystemContext(context.Background())
	c := e.Fx.Client()
	switch field {
	case "invitePerson":
		pn := fixture.PersonalNumber(e.Fx.Next())
		return `mutation($in: InvitePersonInput!) { invitePerson(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"customerId": w.a.ID, "personalNumber": pn, "givenName": "Ny", "familyName": "Person", "email": "ny@example.se", "roles": []string{"ORDERER"}}},
			func() bool { return c.Person.Query().Where(person.PersonalNumber(pn)).ExistX(ctx) }
	case "grantRole":
		p := e.Fx.Person()
		e.Fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(w.a).SetPerson(p).SetRole(types.RoleOrderer) })
		return `mutation($in: GrantRoleInput!) { grantRole(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"customerId": w.a.ID, "personId": p.ID, "role": "ATTESTANT"}},
			func() bool { return c.Person.QueryRoles(p).Where(role.RoleEQ(types.RoleAttestant)).ExistX(ctx) }
	case "revokeRole":
		r := e.Fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(w.a) })
		return `mutation($id: ID!) { revokeRole(id: $id) { id } }`, map[string]any{"id": r.ID},
			func() bool { return !c.Role.Query().Where(role.ID(r.ID)).ExistX(ctx) }
	case "createPartnerAPIKey":
		name := fmt.Sprintf("Nyckel %d", e.Fx.Next())
		return `mutation($in: CreatePartnerAPIKeyInput!) { createPartnerAPIKey(input: $in) { secret apiKey { id } } }`,
			map[string]any{"in": map[string]any{"name": name, "scopes": []string{"subscriptions:read"}}},
			func() bool { return c.PartnerAPIKey.Query().Where(partnerapikey.Name(name)).ExistX(ctx) }
	case "revokePartnerAPIKey":
		k := e.Fx.PartnerAPIKey()
		return `mutation($id: ID!) { revokePartnerAPIKey(id: $id) { id revokedAt } }`, map[string]any{"id": k.ID},
			func() bool { return c.PartnerAPIKey.GetX(ctx, k.ID).RevokedAt != nil }
	}
	if q, vars, written := agreementCall(e, w, field); q != "" {
		return q, vars, written
	}
	if q, vars, written := orderingCall(e, w, field); q != "" {
		return q, vars, written
	}
	t.Fatalf("no call for mutation %s", field)
	return "", nil, nil
}

// agreementCall builds the calls of the agreement lifecycle's mutations,
// aimed at customer A where they concern a customer.
func agreementCall(e *apitest.Env, w *world, field string) (string, map[string]any, func() bool) {
	ctx := apitest.SystemCtx()
	// A date no other case of the matrix reaches: a price list or terms
	// in force from Stockholm's tomorrow would be in force today from
	// 23:00 UTC, and the orders the matrix submits would meet them.
	inAMonth := bizdate.Truncate(time.Now()).AddDate(0, 1, 0).Format(time.DateOnly)
	c, fx := e.Fx.Client(), e.Fx
	signatory := w.roleHolder[types.RoleSignatory]
	awaiting := func() *ent.Agreement {
		return fx.Agreement(func(a *ent.AgreementCreate) {
			a.SetCustomer(w.a).SetModel(agreement.ModelKA1).SetStatus(agreement.StatusAWAITING_SIGNATURE).SetRequiredSignatures(2)
		})
	}
	pending := func() *ent.SigningSession {
		ag := awaiting()
		order, _ := e.Signer.Sign(ctx, bankid.SignRequest{PersonalNumber: *signatory.PersonalNumber})
		return fx.SigningSession(func(s *ent.SigningSessionCreate) {
			s.SetAgreement(ag).SetCustomerID(w.a.ID).SetSigner(signatory).SetOrderRef(order.OrderRef)
		})
	}
	statusOf := func(id pulid.ID) signingsession.Status { return c.SigningSession.GetX(ctx, id).Status }
	switch field {
	case "submitCustomerApplication":
		org := fixture.OrgNumber(fx.Next())
		contact := func(n string) map[string]any {
			return map[string]any{"givenName": n, "familyName": "Sökande", "email": n + "@example.se", "personalNumber": fixture.PersonalNumber(fx.Next())}
		}
		return `mutation($in: SubmitCustomerApplicationInput!) { submitCustomerApplication(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"orgNumber": org, "organisationName": "Ny kund", "companyForm": "MUNICIPALITY",
				"categoryId": fx.DefaultCategory().ID, "administrator": contact("Ada"), "signatories": []any{contact("Sigge")},
				"agreementContact": contact("Kalle")}},
			func() bool {
				return c.CustomerApplication.Query().Where(customerapplication.OrgNumber(org)).ExistX(ctx)
			}
	case "approveCustomerApplication":
		app := fx.CustomerApplication()
		return `mutation($id: ID!) { approveCustomerApplication(id: $id) { customer { id } } }`, map[string]any{"id": app.ID},
			func() bool {
				return c.CustomerApplication.GetX(ctx, app.ID).Status == customerapplication.StatusAPPROVED
			}
	case "rejectCustomerApplication":
		app := fx.CustomerApplication()
		return `mutation($id: ID!) { rejectCustomerApplication(id: $id, reason: "Ofullständig") { id } }`, map[string]any{"id": app.ID},
			func() bool {
				return c.CustomerApplication.GetX(ctx, app.ID).Status == customerapplication.StatusREJECTED
			}
	case "offerAgreement":
		cu := fx.Customer()
		return `mutation($in: OfferAgreementInput!) { offerAgreement(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"customerId": cu.ID, "model": "KA2"}},
			func() bool { return c.Agreement.Query().Where(agreement.CustomerID(cu.ID)).ExistX(ctx) }
	case "registerPaperSignature":
		ag := awaiting()
		return `mutation($in: RegisterPaperSignatureInput!) { registerPaperSignature(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"agreementId": ag.ID, "signerId": signatory.ID, "documentReference": "Arkiv 17", "signedOn": "2024-02-01"}},
			func() bool { return c.Signature.Query().Where(signature.AgreementID(ag.ID)).ExistX(ctx) }
	case "publishDocumentVersion":
		doc := fx.AgreementDocument()
		return `mutation($in: PublishDocumentVersionInput!) { publishDocumentVersion(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"documentId": doc.ID, "version": "9.0", "effectiveOn": inAMonth,
				"classification": "EDITORIAL", "changeItems": []string{"Förtydligande"}}},
			func() bool { return c.DocumentVersion.Query().Where(documentversion.DocumentID(doc.ID)).ExistX(ctx) }
	case "announcePriceChange":
		fx.Price()
		name := fmt.Sprintf("Prislista %d", fx.Next())
		return `mutation($in: AnnouncePriceChangeInput!) { announcePriceChange(input: $in) { priceList { id } } }`,
			map[string]any{"in": map[string]any{"name": name, "effectiveFrom": inAMonth, "adjustmentBasisPoints": -100}},
			func() bool { return c.PriceList.Query().Where(pricelist.Name(name)).ExistX(ctx) }
	case "createCustomerCategory":
		code := fmt.Sprintf("CAT_NEW_%d", fx.Next())
		return `mutation($in: CreateCustomerCategoryInput!) { createCustomerCategory(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"code": code, "name": "Ny kategori"}},
			func() bool { return c.CustomerCategory.Query().Where(customercategory.Code(code)).ExistX(ctx) }
	case "updateCustomerCategory":
		cat := fx.Category()
		return `mutation($in: UpdateCustomerCategoryInput!) { updateCustomerCategory(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": cat.ID, "name": "Nytt namn"}},
			func() bool {
				return c.CustomerCategory.Query().Where(customercategory.ID(cat.ID), customercategory.Name("Nytt namn")).ExistX(ctx)
			}
	case "createService":
		code := fmt.Sprintf("SVC_NEW_%d", fx.Next())
		return `mutation($in: CreateServiceInput!) { createService(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"code": code, "name": "Ny tjänst"}},
			func() bool { return c.Service.Query().Where(service.Code(code)).ExistX(ctx) }
	case "updateService":
		svc := fx.Service()
		return `mutation($in: UpdateServiceInput!) { updateService(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": svc.ID, "name": "Nytt namn"}},
			func() bool { return c.Service.Query().Where(service.ID(svc.ID), service.Name("Nytt namn")).ExistX(ctx) }
	case "decommissionService":
		svc := fx.Service()
		return `mutation($id: ID!, $on: Date!) { decommissionService(id: $id, retiresOn: $on) { id } }`,
			map[string]any{"id": svc.ID, "on": time.Now().AddDate(1, 0, 0).Format(time.DateOnly)},
			func() bool {
				return c.Service.Query().Where(service.ID(svc.ID), service.StatusEQ(service.StatusDECOMMISSIONING)).ExistX(ctx)
			}
	case "retireService":
		svc := fx.Service(func(s *ent.ServiceCreate) { s.SetStatus(service.StatusDECOMMISSIONING) })
		return `mutation($id: ID!) { retireService(id: $id) { id } }`, map[string]any{"id": svc.ID},
			func() bool {
				return c.Service.Query().Where(service.ID(svc.ID), service.StatusEQ(service.StatusRETIRED)).ExistX(ctx)
			}
	case "changeAvailabilityTarget":
		svc := fx.Service()
		return `mutation($id: ID!) { changeAvailabilityTarget(serviceId: $id, basisPoints: 9995, effectiveFrom: "2099-01-01") { basisPoints } }`,
			map[string]any{"id": svc.ID},
			func() bool {
				return c.AvailabilityTarget.Query().Where(availabilitytarget.ServiceID(svc.ID)).ExistX(ctx)
			}
	case "createOffering":
		svc := fx.Service()
		code := fmt.Sprintf("OFF_NEW_%d", fx.Next())
		return `mutation($in: CreateOfferingInput!) { createOffering(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"serviceId": svc.ID, "code": code, "name": "Nytt erbjudande"}},
			func() bool { return c.Offering.Query().Where(offering.Code(code)).ExistX(ctx) }
	case "updateOffering":
		off := fx.Offering()
		return `mutation($in: UpdateOfferingInput!) { updateOffering(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": off.ID, "name": "Nytt namn"}},
			func() bool {
				return c.Offering.Query().Where(offering.ID(off.ID), offering.Name("Nytt namn")).ExistX(ctx)
			}
	case "startAgreementSigning":
		ag := awaiting()
		return `mutation($id: ID!) { startAgreementSigning(agreementId: $id) { id } }`, map[string]any{"id": ag.ID},
			func() bool { return c.SigningSession.Query().Where(signingsession.AgreementID(ag.ID)).ExistX(ctx) }
	case "collectAgreementSigning":
		sess := pending()
		return `mutation($id: ID!) { collectAgreementSigning(id: $id) { id status } }`, map[string]any{"id": sess.ID},
			func() bool { return statusOf(sess.ID) == signingsession.StatusCOMPLETE }
	case "cancelAgreementSigning":
		sess := pending()
		return `mutation($id: ID!) { cancelAgreementSigning(id: $id) { id status } }`, map[string]any{"id": sess.ID},
			func() bool { return statusOf(sess.ID) == signingsession.StatusCANCELLED }
	case "terminateAgreement":
		ag := fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(w.a) })
		return `mutation($id: ID!) { terminateAgreement(id: $id) { id status } }`, map[string]any{"id": ag.ID},
			func() bool { return c.Agreement.GetX(ctx, ag.ID).Status == agreement.StatusTERMINATION_NOTICED }
	case "terminateSubscription":
		sub := fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(w.a) })
		return `mutation($id: ID!) { terminateSubscription(id: $id) { id status } }`, map[string]any{"id": sub.ID},
			func() bool { return c.Subscription.GetX(ctx, sub.ID).Status == subscription.StatusTERMINATION_NOTICED }
	}
	return "", nil, nil
}

// orderingCall builds the calls of the ordering process's mutations, each
// on a fresh order of customer A in the state the step starts from.
func orderingCall(e *apitest.Env, w *world, field string) (string, map[string]any, func() bool) {
	ctx := apitest.SystemCtx()
	c, fx := e.Fx.Client(), e.Fx
	orderer, attestant := w.roleHolder[types.RoleOrderer], w.roleHolder[types.RoleAttestant]
	draft := func() *ent.Order { return fx.DraftOrder(w.a, orderer, fx.Orderable(w.a)) }
	awaiting := func() *ent.Order {
		return fx.Order(func(o *ent.OrderCreate) { o.SetCustomer(w.a).SetOrderer(orderer) })
	}
	statusOf := func(id pulid.ID) order.Status { return c.Order.GetX(ctx, id).Status }
	signing := func() *ent.SigningSession {
		o := awaiting()
		res, _ := e.Signer.Sign(ctx, bankid.SignRequest{PersonalNumber: *attestant.PersonalNumber})
		return fx.SigningSession(func(s *ent.SigningSessionCreate) {
			s.SetOrderID(o.ID).SetCustomerID(w.a.ID).SetSigner(attestant).SetOrderRef(res.OrderRef)
		})
	}
	sessionStatus := func(id pulid.ID) signingsession.Status { return c.SigningSession.GetX(ctx, id).Status }
	switch field {
	case "createOrder":
		off := fx.Orderable(w.a)
		return `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"customerId": w.a.ID, "offeringId": off.ID, "quantity": 1,
				"careUnits": []any{map[string]any{"hsaId": fixture.HSAID(fx.Next()), "name": "Vårdcentralen Ny"}}}},
			func() bool { return c.Order.Query().Where(order.OfferingID(off.ID)).ExistX(ctx) }
	case "updateOrder":
		o := draft()
		return `mutation($in: UpdateOrderInput!) { updateOrder(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": o.ID, "quantity": 2}},
			func() bool { return c.Order.GetX(ctx, o.ID).Quantity == 2 }
	case "submitOrder":
		o := draft()
		return `mutation($id: ID!) { submitOrder(id: $id, acceptTerms: true) { id } }`, map[string]any{"id": o.ID},
			func() bool { return statusOf(o.ID) == order.StatusAWAITING_ATTESTATION }
	case "cancelOrder":
		o := draft()
		return `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, map[string]any{"id": o.ID},
			func() bool { return statusOf(o.ID) == order.StatusCANCELLED }
	case "requestAttestationCode":
		o := awaiting()
		return `mutation($id: ID!) { requestAttestationCode(orderId: $id) { sentTo } }`, map[string]any{"id": o.ID},
			func() bool { return c.AttestationCode.Query().Where(attestationcode.OrderID(o.ID)).ExistX(ctx) }
	case "attestOrder":
		o := awaiting()
		fx.AttestationCode(o, attestant, "424242")
		return `mutation($id: ID!) { attestOrder(orderId: $id, code: "424242") { id } }`, map[string]any{"id": o.ID},
			func() bool { return statusOf(o.ID) == order.StatusATTESTED }
	case "startOrderSigning":
		o := awaiting()
		return `mutation($id: ID!) { startOrderSigning(orderId: $id) { id } }`, map[string]any{"id": o.ID},
			func() bool { return c.SigningSession.Query().Where(signingsession.OrderID(o.ID)).ExistX(ctx) }
	case "collectOrderSigning":
		sess := signing()
		return `mutation($id: ID!) { collectOrderSigning(id: $id) { id status } }`, map[string]any{"id": sess.ID},
			func() bool { return sessionStatus(sess.ID) == signingsession.StatusCOMPLETE }
	case "cancelOrderSigning":
		sess := signing()
		return `mutation($id: ID!) { cancelOrderSigning(id: $id) { id status } }`, map[string]any{"id": sess.ID},
			func() bool { return sessionStatus(sess.ID) == signingsession.StatusCANCELLED }
	case "rejectOrder":
		o := awaiting()
		return `mutation($id: ID!) { rejectOrder(id: $id, reason: "Fel vårdenheter") { id } }`, map[string]any{"id": o.ID},
			func() bool { return statusOf(o.ID) == order.StatusREJECTED }
	case "deliverOrder":
		o := awaiting()
		sub := fx.Subscription(func(s *ent.SubscriptionCreate) {
			s.SetCustomer(w.a).SetOfferingID(o.OfferingID).SetStatus(subscription.StatusPENDING)
		})
		c.Order.UpdateOneID(o.ID).SetStatus(order.StatusATTESTED).SetSubscriptionID(sub.ID).ExecX(ctx)
		return `mutation($id: ID!) { deliverOrder(id: $id, note: "Instruktioner mejlade") { id } }`, map[string]any{"id": o.ID},
			func() bool { return statusOf(o.ID) == order.StatusDELIVERED }
	}
	return "", nil, nil
}

// nodeMatrix says what each caller gets from node(id:) of customer A's
// object of every Node type (catalog objects are nobody's): "FOUND",
// "NOT_FOUND" or another code. Person outcomes: own (every person of A),
// ownAdmin (A's administrator only), addressed (A's administrator and the
// orderer the notification is for); B's administrator never finds A's.
var nodeMatrix = map[string]listExpectation{
	"CustomerCategory":    {all, all, all, all, all},
	"Service":             {all, all, all, all, all},
	"Offering":            {all, all, all, all, all},
	"PriceList":           {all, all, all, all, all},
	"Price":               {all, all, all, all, all},
	"AvailabilityTarget":  {all, all, all, all, all},
	"AgreementDocument":   {all, all, all, all, all},
	"DocumentVersion":     {all, all, all, all, all},
	"Customer":            {"UNAUTHENTICATED", own, all, all, "FORBIDDEN"},
	"Subscription":        {"UNAUTHENTICATED", own, all, all, "FORBIDDEN"},
	"Agreement":           {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"Signature":           {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"Order":               {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"Attestation":         {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"SigningSession":      {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"CareUnit":            {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"Role":                {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"Person":              {"UNAUTHENTICATED", own, all, "FORBIDDEN", "FORBIDDEN"},
	"AuditEvent":          {"UNAUTHENTICATED", ownAdmin, all, "FORBIDDEN", "FORBIDDEN"},
	"CustomerApplication": {"UNAUTHENTICATED", ownAdmin, all, "FORBIDDEN", "FORBIDDEN"},
	"Notification":        {"UNAUTHENTICATED", addressed, all, "FORBIDDEN", "FORBIDDEN"},
	"PartnerAPIKey":       {"UNAUTHENTICATED", "FORBIDDEN", all, "FORBIDDEN", "FORBIDDEN"},
}

// TestAuthorizationMatrixNodes asks node(id:) for customer A's object of
// every Node type, as every kind of caller.
func TestAuthorizationMatrixNodes(t *testing.T) {
	for _, k := range apitest.NodeKinds {
		if _, ok := nodeMatrix[k.Name]; !ok {
			t.Errorf("Node type %s has no row in nodeMatrix (and docs/authorization.md)", k.Name)
		}
	}
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		w := newWorld(t, e.Fx)
		ids := map[string]pulid.ID{}
		for _, k := range apitest.NodeKinds {
			if k.Owner == apitest.Customer {
				ids[k.Name] = k.Build(e.Fx, w.a)
			} else {
				ids[k.Name] = k.New(e.Fx)
			}
		}
		ids["Notification"] = e.Fx.Notification(func(n *ent.NotificationCreate) {
			n.SetCustomer(w.a).SetRecipient(w.roleHolder[types.RoleOrderer])
		}).ID
		for _, vc := range viewerCases() {
			ve := e.As(vc.header(e, w))
			for name, m := range nodeMatrix {
				t.Run(vc.name+"/"+name, func(t *testing.T) {
					want := m.of(vc)
					switch {
					case want == own:
						want = map[bool]string{true: all, false: "NOT_FOUND"}[vc.name != "B administrator"]
					case want == ownAdmin:
						want = map[bool]string{true: all, false: "NOT_FOUND"}[vc.name == "A ADMINISTRATOR"]
					case want == addressed:
						want = map[bool]string{true: all, false: "NOT_FOUND"}[vc.name == "A ADMINISTRATOR" || vc.name == "A ORDERER"]
					}
					r := ve.In(t).Post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": ids[name]})
					if want != all {
						r.WantError(t, want, "")
						return
					}
					var data struct{ Node *struct{ ID pulid.ID } }
					if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || data.Node == nil || data.Node.ID != ids[name] {
						t.Errorf("want the %s, got %s %+v", name, r.Data, r.Errors)
					}
				})
			}
		}
	})
}
