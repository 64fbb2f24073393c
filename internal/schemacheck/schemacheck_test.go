package schemacheck

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The API's schema is these files; the last release's is Released.
var (
	current  = []string{"../../ent.graphql", "../../schema.graphql"}
	released = "../../docs/schema/released.graphql"
)

// TestSchemaHasNoBreakingChangeSinceTheLastRelease is the CI check of
// docs/schema-evolution.md.
func TestSchemaHasNoBreakingChangeSinceTheLastRelease(t *testing.T) {
	old, err := Load(released)
	if err != nil {
		t.Fatalf("the released schema: %v", err)
	}
	now, err := Load(current...)
	if err != nil {
		t.Fatalf("the schema: %v", err)
	}
	if b := Breaking(old, now); len(b) > 0 {
		t.Errorf("schema.graphql (or ent/schema) breaks clients of the last release (docs/schema/released.graphql):\n- %s\n"+
			"Deprecate first (docs/schema-evolution.md), or make the change compatible.", strings.Join(b, "\n- "))
	}
}

func schema(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatalf("%v\n%s", err, sdl)
	}
	return s
}

const base = `
type Query { customer(id: ID!, at: String): Customer  customers(first: Int): [Customer!]! old: String @deprecated(reason: "gone") }
type Customer { id: ID! name: String status: Status! legacy: String @deprecated(reason: "use name") }
enum Status { ACTIVE INACTIVE OLD @deprecated }
input CustomerInput { name: String! note: String }
type Mutation { save(input: CustomerInput!): Customer }
`

func TestBreakingChangesAreFound(t *testing.T) {
	for _, c := range []struct {
		name, change string
		want         []string
	}{
		{"a field removed", strings.Replace(base, "name: String status", "status", 1), []string{"field Customer.name was removed without being deprecated first"}},
		{"a deprecated field removed", strings.Replace(base, `legacy: String @deprecated(reason: "use name")`, "", 1), nil},
		{"a nullable output made non-null", strings.Replace(base, "name: String status", "name: String! status", 1), nil},
		{"a non-null output made nullable", strings.Replace(base, "status: Status!", "status: Status", 1), []string{"field Customer.status changed type from Status! to Status"}},
		{"a type changed", strings.Replace(base, "name: String status", "name: Int status", 1), []string{"field Customer.name changed type from String to Int"}},
		{"an enum value removed", strings.Replace(base, "ACTIVE INACTIVE", "ACTIVE", 1), []string{"enum value Status.INACTIVE was removed without being deprecated first"}},
		{"a deprecated enum value removed", strings.Replace(base, "OLD @deprecated", "", 1), nil},
		{"a required argument added", strings.Replace(base, "customers(first: Int)", "customers(first: Int, org: String!)", 1), []string{"field Query.customers has a new required argument org"}},
		{"an optional argument added", strings.Replace(base, "customers(first: Int)", "customers(first: Int, org: String)", 1), nil},
		{"an argument removed", strings.Replace(base, "customer(id: ID!, at: String)", "customer(id: ID!)", 1), []string{"argument Query.customer(at) was removed without being deprecated first"}},
		{"an argument made required", strings.Replace(base, "at: String)", "at: String!)", 1), []string{"argument Query.customer(at) changed type from String to String!"}},
		{"a required input field added", strings.Replace(base, "note: String }", "note: String code: String! }", 1), []string{"input CustomerInput has a new required field code"}},
		{"a required input field made optional", strings.Replace(base, "name: String! note", "name: String note", 1), nil},
		{"a type removed", strings.Replace(strings.Replace(base, "enum Status { ACTIVE INACTIVE OLD @deprecated }", "", 1), "status: Status!", "", 1),
			[]string{"field Customer.status was removed without being deprecated first", "type Status was removed"}},
		{"a new type and field", base + "\ntype Extra { x: Int }\nextend type Query { extra: Extra }", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Breaking(schema(t, base), schema(t, c.change))
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
