package httpapi

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"kundportal/graph"
)

// countingSchema counts the fields the complexity estimate visits.
type countingSchema struct {
	connectionComplexity
	fields *int
}

func (s countingSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	*s.fields++
	return s.connectionComplexity.Complexity(ctx, typeName, field, child, args)
}

// The estimate of an operation is walked once when no page size in it is
// a variable (a variable elsewhere, as in a partner's check, changes
// nothing), and on every request when one is.
func TestComplexityIsEstimatedOnceUnlessAPageSizeIsAVariable(t *testing.T) {
	var fields int
	es := countingSchema{connectionComplexity{graph.NewSchema(nil, graph.Services{})}, &fields}
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		walks       int
	}{
		{"literals", `{ customers(first: 5) { edges { node { name } } } }`, nil, 1},
		{"a variable outside the estimate", `query($o: String!) { accessCheck(input: {serviceCode: "SVC01", orgNumber: $o}) { result reasons } }`,
			map[string]any{"o": "5560000001"}, 1},
		{"a page size in a variable", `query($n: Int!) { customers(first: $n) { edges { node { name } } } }`, map[string]any{"n": 5}, 3},
		{"ids in a variable", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{"a"}}, 3},
		{"a page size in a variable in a fragment", `query($n: Int!) { ...F } fragment F on Query { customers(first: $n) { totalCount } }`,
			map[string]any{"n": 5}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(es.Schema(), c.query)
			if errs != nil {
				t.Fatal(errs)
			}
			limit := newComplexityLimit(1000, 10)
			if err := limit.Validate(es); err != nil {
				t.Fatal(err)
			}
			fields = 0
			var perWalk int
			for i := range 3 {
				rc := &graphql.OperationContext{Variables: c.vars, Doc: doc}
				if err := limit.MutateOperationContext(context.Background(), rc); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					perWalk = fields
				}
			}
			if perWalk == 0 || fields != c.walks*perWalk {
				t.Errorf("the estimate visited %d fields in 3 requests, %d per walk; want %d walks", fields, perWalk, c.walks)
			}
		})
	}
}
