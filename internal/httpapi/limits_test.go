package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"kundportal/internal/apitest"

	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// nest wraps inner in levels of customer → category → customers, adding
// four levels of depth each: category { customers(first: 1) { edges { node { … } } } }.
func nest(levels int, inner string) string {
	for range levels {
		inner = "category { customers(first: 1) { edges { node { " + inner + " } } } }"
	}
	return inner
}

// depth12 is exactly as deep as the default limit allows: customers (1),
// edges (2), node (3), two nestings (4..11) and name (12).
var depth12 = "{ customers(first: 1) { edges { node { " + nest(2, "name") + " } } } }"

func TestLimitsRejectBeforeAnySQL(t *testing.T) {
	cases := []struct {
		name, query string
		vars        map[string]any
		code, field string
	}{
		{name: "too deep", code: "DEPTH_LIMIT_EXCEEDED",
			query: "{ customers(first: 1) { edges { node { " + nest(2, "category { name }") + " } } } }"},
		{name: "too deep through fragments", code: "DEPTH_LIMIT_EXCEEDED",
			query: "query { customers(first: 1) { edges { node { ...Deep } } } } fragment Deep on Customer { " + nest(2, "... on Customer { category { name } }") + " }"},
		{name: "too deep under node", code: "DEPTH_LIMIT_EXCEEDED",
			query: `{ node(id: "CU00000000000000000000000000") { ... on Customer { ` + nest(3, "name") + ` } } }`},
		{name: "too complex", code: "COMPLEXITY_LIMIT_EXCEEDED",
			query: `{ customers(first: 100) { edges { node { subscriptions(first: 100) { edges { node {
				offering { prices(first: 100) { edges { node { id amount } } } } } } } } } } }`},
		{name: "too complex with variables", code: "COMPLEXITY_LIMIT_EXCEEDED", vars: map[string]any{"n": 100},
			query: `query($n: Int!) { customers(first: $n) { edges { node { subscriptions(first: $n) { edges { node {
				offering { prices(first: $n) { edges { node { id amount } } } } } } } } } } }`},
		{name: "connection without first or last", code: "VALIDATION_ERROR", field: "first",
			query: `{ customers { totalCount } }`},
		{name: "nested connection without first or last", code: "VALIDATION_ERROR", field: "first",
			query: `{ customers(first: 5) { edges { node { subscriptions { totalCount } } } } }`},
		{name: "first over the page size", code: "VALIDATION_ERROR", field: "first",
			query: `{ customers(first: 101) { totalCount } }`},
		{name: "last over the page size", code: "VALIDATION_ERROR", field: "first",
			query: `{ customers(last: 101) { totalCount } }`},
		{name: "first over the page size in a variable", code: "VALIDATION_ERROR", field: "first", vars: map[string]any{"n": 101},
			query: `query($n: Int) { customers(first: $n) { totalCount } }`},
		{name: "nested first over the page size", code: "VALIDATION_ERROR", field: "first",
			query: `{ customers(first: 1) { edges { node { subscriptions(first: 101) { totalCount } } } } }`},
		{name: "negative first", code: "VALIDATION_ERROR", field: "first",
			query: `{ customers(first: -1) { totalCount } }`},
	}
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		e.Fx.Subscription()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.In(t).Post(c.query, c.vars)
				r.WantError(t, c.code, c.field)
				r.WantNoData(t)
				r.WantNoStatements(t)
			})
		}
		// complexityLimit remembers the estimate of an operation whose
		// page sizes are literals; one asked again is still refused, and
		// one whose page sizes are variables is estimated anew.
		t.Run("a remembered estimate", func(t *testing.T) {
			tooComplex, byVariables := cases[3], cases[4]
			if tooComplex.name != "too complex" || byVariables.name != "too complex with variables" {
				t.Fatal("the cases moved")
			}
			for range 2 {
				r := e.In(t).Post(tooComplex.query, nil)
				r.WantError(t, "COMPLEXITY_LIMIT_EXCEEDED", "")
				r.WantNoStatements(t)
			}
			e.In(t).Query(byVariables.query, map[string]any{"n": 1}, new(map[string]any))
			r := e.In(t).Post(byVariables.query, byVariables.vars)
			r.WantError(t, "COMPLEXITY_LIMIT_EXCEEDED", "")
			r.WantNoStatements(t)
		})
		t.Run("within the limits", func(t *testing.T) {
			var data struct {
				Customers apitest.Conn[struct {
					Category struct {
						Customers apitest.Conn[apitest.Labelled]
					}
				}]
			}
			r := e.In(t).Query(depth12, nil, &data)
			if len(data.Customers.Edges) != 1 || len(r.Statements) == 0 {
				t.Errorf("depth-12 query: %s (%d statements)", r.Body, len(r.Statements))
			}
		})
	})
}

// introspectionQuery is the query GraphiQL sends to build its docs and
// autocompletion; its TypeRef fragment nests ofType eight levels deep.
var introspectionQuery = `
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) {
    name
    description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { ` + typeRef(8) + ` }`

// typeRef selects kind and name, and those of ofType, levels deep.
func typeRef(levels int) string {
	s := "kind name"
	for range levels {
		s = "kind name ofType { " + s + " }"
	}
	return s
}

func TestIntrospectionPassesTheLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		var data struct {
			Schema struct {
				QueryType struct{ Name string }
				Types     []struct{ Name string }
			} `json:"__schema"`
		}
		r := e.Query(introspectionQuery, nil, &data)
		if data.Schema.QueryType.Name != "Query" {
			t.Errorf("queryType = %q, want Query", data.Schema.QueryType.Name)
		}
		var names []string
		for _, ty := range data.Schema.Types {
			names = append(names, ty.Name)
		}
		for _, want := range []string{"Customer", "CustomerConnection", "Date", "Money", "Node"} {
			if !slices.Contains(names, want) {
				t.Errorf("introspection lacks type %s (has %s…)", want, strings.Join(names[:min(5, len(names))], ", "))
			}
		}
		r.WantNoStatements(t)
	})
}

// TestNodesComplexityCountsTheIDs: nodes(ids:) returns one object per id,
// so what it selects costs that many times over, as a connection's does
// per first. 200 ids each selecting a page of 100 subscriptions may hold
// 20 000 subscriptions and must exceed the complexity limit.
func TestNodesComplexityCountsTheIDs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		id := string(e.Fx.Customer().ID)
		ids := make([]string, 200)
		for i := range ids {
			ids[i] = id
		}
		r := e.Post(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer {
			subscriptions(first: 100) { edges { node { id status } } } } } }`, map[string]any{"ids": ids})
		r.WantError(t, "COMPLEXITY_LIMIT_EXCEEDED", "")
		r.WantNoStatements(t)
	})
}
