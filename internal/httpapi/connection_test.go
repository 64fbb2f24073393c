package httpapi_test

import (
	"fmt"
	"slices"
	"testing"

	"kundportal/ent"
	"kundportal/ent/customer"
	"kundportal/ent/documentversion"
	"kundportal/ent/schema/types"
	"kundportal/ent/subscription"
	"kundportal/internal/apitest"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// customerSpecs are created in this order, which is neither the order of
// their names nor of their organisation numbers (org is the counter of
// fixture.OrgNumber).
var customerSpecs = []struct {
	name   string
	org    int
	form   types.CompanyForm
	status customer.Status
	subs   []subscription.Status
}{
	{"Delta kommun", 10, types.CompanyFormMunicipality, customer.StatusINACTIVE, nil},
	{"Alfa kommun", 60, types.CompanyFormMunicipality, customer.StatusACTIVE, []subscription.Status{subscription.StatusACTIVE}},
	{"Golf AB", 70, types.CompanyFormLimitedCompany, customer.StatusACTIVE, []subscription.Status{subscription.StatusACTIVE, subscription.StatusACTIVE}},
	{"Charlie AB", 50, types.CompanyFormLimitedCompany, customer.StatusINACTIVE, []subscription.Status{subscription.StatusTERMINATED, subscription.StatusACTIVE}},
	{"Foxtrot region", 30, types.CompanyFormRegion, customer.StatusACTIVE, nil},
	{"Bravo region", 20, types.CompanyFormRegion, customer.StatusACTIVE, []subscription.Status{subscription.StatusPENDING}},
	{"Echo stiftelse", 40, types.CompanyFormFoundation, customer.StatusACTIVE, []subscription.Status{subscription.StatusTERMINATED}},
}

// customerNames are the names of customerSpecs in alphabetical order.
var customerNames = []string{"Alfa kommun", "Bravo region", "Charlie AB", "Delta kommun", "Echo stiftelse", "Foxtrot region", "Golf AB"}

// seedCustomers creates customerSpecs with their subscriptions, all to one
// offering.
func seedCustomers(e *apitest.Env) {
	e.T.Helper()
	off := e.Fx.Offering()
	for _, s := range customerSpecs {
		c := e.Fx.Customer(func(c *ent.CustomerCreate) {
			c.SetName(s.name).SetOrgNumber(fixture.OrgNumber(s.org)).SetCompanyForm(s.form).SetStatus(s.status)
		})
		for _, st := range s.subs {
			e.Fx.Subscription(func(b *ent.SubscriptionCreate) {
				b.SetCustomer(c).SetOffering(off).SetServiceID(off.ServiceID).SetStatus(st)
			})
		}
	}
}

// versionSpecs are versions of one document, created out of order.
var versionSpecs = []struct {
	version, published, effective string
	class                         documentversion.Classification
}{
	{"2.1", "2024-03-01", "2024-03-01", documentversion.ClassificationEDITORIAL},
	{"1.0", "2022-12-01", "2023-01-01", documentversion.ClassificationEDITORIAL},
	{"3.0", "2024-05-02", "2024-06-01", documentversion.ClassificationMATERIAL_IN_FAVOUR},
	{"2.0", "2023-10-23", "2024-01-23", documentversion.ClassificationMATERIAL_NOT_IN_FAVOUR},
}

func seedVersions(e *apitest.Env) {
	e.T.Helper()
	doc := e.Fx.AgreementDocument()
	for _, s := range versionSpecs {
		e.Fx.DocumentVersion(func(v *ent.DocumentVersionCreate) {
			v.SetDocument(doc).SetVersion(s.version).SetClassification(s.class).
				SetPublishedOn(bizdate.MustParse(s.published)).SetEffectiveOn(bizdate.MustParse(s.effective))
		})
	}
}

// list runs field(first: 100, where: $where, orderBy: orderBy) selecting
// each node's label field, and returns the connection.
func list(e *apitest.Env, field, whereType, orderBy, label string, where map[string]any) apitest.Conn[apitest.Labelled] {
	e.T.Helper()
	q := fmt.Sprintf(`query($where: %s) {
		list: %s(first: 100, where: $where, orderBy: %s) { totalCount edges { node { id label: %s } } }
	}`, whereType, field, orderBy, label)
	var data struct {
		List apitest.Conn[apitest.Labelled]
	}
	e.Query(q, map[string]any{"where": where}, &data)
	return data.List
}

// listCase is a connection query and the labels it must return, in order.
type listCase struct {
	name    string
	seed    func(*apitest.Env)
	field   string
	where   string // the type of where
	orderBy string
	label   string
	filter  map[string]any
	want    []string
}

func customersCase(name, orderBy string, filter map[string]any, want ...string) listCase {
	return listCase{name, seedCustomers, "customers", "CustomerWhereInput", orderBy, "name", filter, want}
}

func versionsCase(name, orderBy string, filter map[string]any, want ...string) listCase {
	return listCase{name, seedVersions, "documentVersions", "DocumentVersionWhereInput", orderBy, "version", filter, want}
}

// runListCases seeds both data sets once per dialect and checks every case's
// exact result and totalCount.
func runListCases(t *testing.T, cases []listCase) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		seedCustomers(e)
		seedVersions(e)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := list(e.In(t), c.field, c.where, c.orderBy, c.label, c.filter)
				if !slices.Equal(apitest.Labels(got), c.want) {
					t.Errorf("got %q, want %q", apitest.Labels(got), c.want)
				}
				if got.TotalCount != len(c.want) {
					t.Errorf("totalCount = %d, want %d", got.TotalCount, len(c.want))
				}
			})
		}
	})
}

const (
	byName        = `[{field: NAME, direction: ASC}]`
	byEffectiveOn = `{field: EFFECTIVE_ON, direction: ASC}`
)

func TestFilters(t *testing.T) {
	runListCases(t, []listCase{
		customersCase("name contains, folding case", byName,
			map[string]any{"nameContainsFold": "KOMMUN"}, "Alfa kommun", "Delta kommun"),
		customersCase("org number", byName,
			map[string]any{"orgNumber": fixture.OrgNumber(40)}, "Echo stiftelse"),
		customersCase("org number in", byName,
			map[string]any{"orgNumberIn": []string{fixture.OrgNumber(10), fixture.OrgNumber(70)}}, "Delta kommun", "Golf AB"),
		customersCase("status enum", byName,
			map[string]any{"status": "INACTIVE"}, "Charlie AB", "Delta kommun"),
		customersCase("company form enum", byName,
			map[string]any{"companyForm": "REGION"}, "Bravo region", "Foxtrot region"),
		customersCase("company form in", byName,
			map[string]any{"companyFormIn": []string{"LIMITED_COMPANY", "FOUNDATION"}}, "Charlie AB", "Echo stiftelse", "Golf AB"),
		customersCase("has subscriptions with status", byName,
			map[string]any{"hasSubscriptionsWith": []any{map[string]any{"status": "ACTIVE"}}}, "Alfa kommun", "Charlie AB", "Golf AB"),
		customersCase("has no subscriptions", byName,
			map[string]any{"hasSubscriptions": false}, "Delta kommun", "Foxtrot region"),
		customersCase("or", byName,
			map[string]any{"or": []any{map[string]any{"status": "INACTIVE"}, map[string]any{"companyForm": "REGION"}}},
			"Bravo region", "Charlie AB", "Delta kommun", "Foxtrot region"),
		customersCase("not, and a field", byName,
			map[string]any{"not": map[string]any{"hasSubscriptions": true}, "status": "ACTIVE"}, "Foxtrot region"),
		customersCase("edge predicate and name", byName,
			map[string]any{"hasSubscriptionsWith": []any{map[string]any{"status": "TERMINATED"}}, "nameContainsFold": "ab"}, "Charlie AB"),
		customersCase("no match", byName,
			map[string]any{"nameContainsFold": "finns inte"}),
		versionsCase("effective on or after a date", byEffectiveOn,
			map[string]any{"effectiveOnGTE": "2024-01-23"}, "2.0", "2.1", "3.0"),
		versionsCase("effective before a date", byEffectiveOn,
			map[string]any{"effectiveOnLT": "2024-01-23"}, "1.0"),
		versionsCase("effective on a date", byEffectiveOn,
			map[string]any{"effectiveOn": "2024-03-01"}, "2.1"),
		versionsCase("published and effective range", byEffectiveOn,
			map[string]any{"publishedOnGTE": "2023-10-23", "effectiveOnLTE": "2024-03-01"}, "2.0", "2.1"),
		versionsCase("classification enum", byEffectiveOn,
			map[string]any{"classification": "MATERIAL_NOT_IN_FAVOUR"}, "2.0"),
		versionsCase("classification in", byEffectiveOn,
			map[string]any{"classificationIn": []string{"EDITORIAL"}}, "1.0", "2.1"),
	})
}

func TestOrdering(t *testing.T) {
	reversed := slices.Clone(customerNames)
	slices.Reverse(reversed)
	byOrg := []string{"Delta kommun", "Bravo region", "Foxtrot region", "Echo stiftelse", "Charlie AB", "Alfa kommun", "Golf AB"}
	byOrgDesc := slices.Clone(byOrg)
	slices.Reverse(byOrgDesc)
	runListCases(t, []listCase{
		customersCase("name ascending", byName, nil, customerNames...),
		customersCase("name descending", `[{field: NAME, direction: DESC}]`, nil, reversed...),
		customersCase("org number ascending", `[{field: ORG_NUMBER}]`, nil, byOrg...),
		customersCase("org number descending", `[{field: ORG_NUMBER, direction: DESC}]`, nil, byOrgDesc...),
		customersCase("company form, then name descending", `[{field: COMPANY_FORM, direction: ASC}, {field: NAME, direction: DESC}]`, nil,
			"Echo stiftelse", "Golf AB", "Charlie AB", "Delta kommun", "Alfa kommun", "Foxtrot region", "Bravo region"),
		customersCase("status descending, then org number", `[{field: STATUS, direction: DESC}, {field: ORG_NUMBER, direction: ASC}]`, nil,
			"Delta kommun", "Charlie AB", "Bravo region", "Foxtrot region", "Echo stiftelse", "Alfa kommun", "Golf AB"),
		customersCase("filtered and ordered", `[{field: NAME, direction: DESC}]`,
			map[string]any{"status": "ACTIVE"}, "Golf AB", "Foxtrot region", "Echo stiftelse", "Bravo region", "Alfa kommun"),
		versionsCase("effective on ascending", byEffectiveOn, nil, "1.0", "2.0", "2.1", "3.0"),
		versionsCase("effective on descending", `{field: EFFECTIVE_ON, direction: DESC}`, nil, "3.0", "2.1", "2.0", "1.0"),
		versionsCase("published on descending", `{field: PUBLISHED_ON, direction: DESC}`, nil, "3.0", "2.1", "2.0", "1.0"),
		versionsCase("version label ascending", `{field: VERSION}`, nil, "1.0", "2.0", "2.1", "3.0"),
	})
}

// pageQuery pages customers by name in either direction.
const pageQuery = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor) {
	customers(first: $first, after: $after, last: $last, before: $before, orderBy: [{field: NAME, direction: ASC}]) {
		totalCount
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
		edges { cursor node { id label: name } }
	}
}`

func TestRelayPaginationForwardAndBackward(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		seedCustomers(e)
		total := len(customerNames)
		for _, dir := range []struct {
			name         string
			size, cursor string // the page-size and cursor variables
			next         func(apitest.PageInfo) *string
			pages        [][]string
		}{
			{
				name: "forward", size: "first", cursor: "after",
				next:  func(p apitest.PageInfo) *string { return p.EndCursor },
				pages: [][]string{customerNames[0:3], customerNames[3:6], customerNames[6:7]},
			},
			{
				name: "backward", size: "last", cursor: "before",
				next:  func(p apitest.PageInfo) *string { return p.StartCursor },
				pages: [][]string{customerNames[4:7], customerNames[1:4], customerNames[0:1]},
			},
		} {
			t.Run(dir.name, func(t *testing.T) {
				e := e.In(t)
				seen := map[string]bool{}
				var cursor *string
				for i, want := range dir.pages {
					vars := map[string]any{dir.size: 3}
					if cursor != nil {
						vars[dir.cursor] = *cursor
					}
					var data struct {
						Customers apitest.Conn[apitest.Labelled]
					}
					e.Query(pageQuery, vars, &data)
					c := data.Customers
					if got := apitest.Labels(c); !slices.Equal(got, want) {
						t.Fatalf("page %d: got %q, want %q", i, got, want)
					}
					if c.TotalCount != total {
						t.Errorf("page %d: totalCount = %d, want %d", i, c.TotalCount, total)
					}
					checkPageInfo(t, i, c, dir.size == "first", i < len(dir.pages)-1, i > 0)
					for _, edge := range c.Edges {
						if seen[edge.Node.ID] {
							t.Errorf("page %d: %s seen twice", i, edge.Node.Label)
						}
						seen[edge.Node.ID] = true
					}
					cursor = dir.next(c.PageInfo)
				}
				if len(seen) != total {
					t.Errorf("saw %d customers, want %d", len(seen), total)
				}
			})
		}
	})
}

// checkPageInfo checks the page info of page i: cursors are those of the
// first and last edge; there is more in the paging direction unless this
// is the last page, and more behind unless it is the first page.
func checkPageInfo(t *testing.T, i int, c apitest.Conn[apitest.Labelled], forward, moreAhead, moreBehind bool) {
	t.Helper()
	p := c.PageInfo
	hasNext, hasPrev := moreAhead, moreBehind
	if !forward {
		hasNext, hasPrev = moreBehind, moreAhead
	}
	if p.HasNextPage != hasNext || p.HasPreviousPage != hasPrev {
		t.Errorf("page %d: hasNextPage=%v hasPreviousPage=%v, want %v %v", i, p.HasNextPage, p.HasPreviousPage, hasNext, hasPrev)
	}
	if len(c.Edges) == 0 {
		t.Fatalf("page %d is empty", i)
	}
	if p.StartCursor == nil || *p.StartCursor != c.Edges[0].Cursor {
		t.Errorf("page %d: startCursor %v is not the first edge's cursor %q", i, p.StartCursor, c.Edges[0].Cursor)
	}
	if p.EndCursor == nil || *p.EndCursor != c.Edges[len(c.Edges)-1].Cursor {
		t.Errorf("page %d: endCursor %v is not the last edge's cursor %q", i, p.EndCursor, c.Edges[len(c.Edges)-1].Cursor)
	}
}

func TestNestedConnectionTotalCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		off := e.Fx.Offering()
		// name → statuses of the customer's subscriptions.
		subs := map[string][]subscription.Status{
			"Alfa":  {"ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "TERMINATED"},
			"Beta":  {"ACTIVE"},
			"Gamma": nil,
		}
		for _, name := range []string{"Gamma", "Alfa", "Beta"} {
			c := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetName(name) })
			for _, st := range subs[name] {
				e.Fx.Subscription(func(s *ent.SubscriptionCreate) {
					s.SetCustomer(c).SetOffering(off).SetServiceID(off.ServiceID).SetStatus(st)
				})
			}
		}
		var data struct {
			Customers apitest.Conn[struct {
				Name   string
				All    apitest.Conn[apitest.Labelled]
				Active apitest.Conn[apitest.Labelled]
			}]
		}
		e.Query(`{ customers(first: 10, orderBy: [{field: NAME}]) { edges { node {
			name
			all: subscriptions(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id label: status } } }
			active: subscriptions(first: 2, where: {status: ACTIVE}) { totalCount edges { node { id label: status } } }
		} } } }`, nil, &data)
		want := []struct {
			name                  string
			all, allEdges, active int
			allHasNext            bool
		}{
			{"Alfa", 5, 2, 4, true},
			{"Beta", 1, 1, 1, false},
			{"Gamma", 0, 0, 0, false},
		}
		if len(data.Customers.Edges) != len(want) {
			t.Fatalf("got %d customers, want %d", len(data.Customers.Edges), len(want))
		}
		for i, w := range want {
			n := data.Customers.Edges[i].Node
			if n.Name != w.name {
				t.Fatalf("customer %d is %q, want %q", i, n.Name, w.name)
			}
			if n.All.TotalCount != w.all || len(n.All.Edges) != w.allEdges || n.All.PageInfo.HasNextPage != w.allHasNext {
				t.Errorf("%s: subscriptions totalCount=%d edges=%d hasNextPage=%v, want %d %d %v",
					w.name, n.All.TotalCount, len(n.All.Edges), n.All.PageInfo.HasNextPage, w.all, w.allEdges, w.allHasNext)
			}
			if n.Active.TotalCount != w.active || len(n.Active.Edges) != min(w.active, 2) {
				t.Errorf("%s: active subscriptions totalCount=%d edges=%d, want %d %d",
					w.name, n.Active.TotalCount, len(n.Active.Edges), w.active, min(w.active, 2))
			}
			for _, edge := range n.Active.Edges {
				if edge.Node.Label != "ACTIVE" {
					t.Errorf("%s: filtered subscription has status %s", w.name, edge.Node.Label)
				}
			}
		}
	})
}
