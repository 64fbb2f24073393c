package httpapi_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// nodeFixtures build one object of every type that implements Node. A new
// ent type appears in ent.graphql and fails TestNodeLookup until it has an
// entry here.
var nodeFixtures = map[string]func(*fixture.F) pulid.ID{
	"Agreement":           func(f *fixture.F) pulid.ID { return f.Agreement().ID },
	"AgreementDocument":   func(f *fixture.F) pulid.ID { return f.AgreementDocument().ID },
	"Attestation":         func(f *fixture.F) pulid.ID { return f.Attestation().ID },
	"AuditEvent":          func(f *fixture.F) pulid.ID { return f.AuditEvent().ID },
	"CareUnit":            func(f *fixture.F) pulid.ID { return f.CareUnit().ID },
	"Customer":            func(f *fixture.F) pulid.ID { return f.Customer().ID },
	"CustomerApplication": func(f *fixture.F) pulid.ID { return f.CustomerApplication().ID },
	"CustomerCategory":    func(f *fixture.F) pulid.ID { return f.Category().ID },
	"DocumentVersion":     func(f *fixture.F) pulid.ID { return f.DocumentVersion().ID },
	"Notification":        func(f *fixture.F) pulid.ID { return f.Notification().ID },
	"PartnerAPIKey":       func(f *fixture.F) pulid.ID { return f.PartnerAPIKey().ID },
	"Offering":            func(f *fixture.F) pulid.ID { return f.Offering().ID },
	"Order":               func(f *fixture.F) pulid.ID { return f.Order().ID },
	"Person":              func(f *fixture.F) pulid.ID { return f.Person().ID },
	"Price":               func(f *fixture.F) pulid.ID { return f.Price().ID },
	"PriceList":           func(f *fixture.F) pulid.ID { return f.PriceList().ID },
	"Role":                func(f *fixture.F) pulid.ID { return f.Role().ID },
	"Service":             func(f *fixture.F) pulid.ID { return f.Service().ID },
	"Signature":           func(f *fixture.F) pulid.ID { return f.Signature().ID },
	"Subscription":        func(f *fixture.F) pulid.ID { return f.Subscription().ID },
}

// nodeTypes returns the object types of the API schema that implement
// Node, read from the schema files gqlgen generates the server from.
func nodeTypes(t *testing.T) []string {
	t.Helper()
	var sources []*ast.Source
	for _, name := range []string{"ent.graphql", "schema.graphql"} {
		b, err := os.ReadFile("../../" + name)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: name, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatalf("loading the schema: %v", err)
	}
	var names []string
	for _, def := range schema.PossibleTypes["Node"] {
		names = append(names, def.Name)
	}
	slices.Sort(names)
	if len(names) == 0 {
		t.Fatal("no type implements Node")
	}
	return names
}

// typedNode is a node selected as { __typename id }.
type typedNode struct {
	Typename string `json:"__typename"`
	ID       string `json:"id"`
}

func TestEveryNodeTypeHasAFixture(t *testing.T) {
	types := nodeTypes(t)
	for _, name := range types {
		if nodeFixtures[name] == nil {
			t.Errorf("type %s implements Node but has no entry in nodeFixtures", name)
		}
	}
	for name := range nodeFixtures {
		if !slices.Contains(types, name) {
			t.Errorf("nodeFixtures has %s, which does not implement Node", name)
		}
	}
}

func TestNodeLookup(t *testing.T) {
	types := nodeTypes(t)
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var want []typedNode
		for _, name := range types {
			build := nodeFixtures[name]
			if build == nil {
				t.Fatalf("no fixture for Node type %s", name)
			}
			want = append(want, typedNode{name, string(build(e.fx))})
		}

		t.Run("node", func(t *testing.T) {
			e := e.in(t)
			var failed []string
			var first string
			for _, w := range want {
				r := e.post(`query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": w.ID})
				var data struct{ Node *typedNode }
				if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil || data.Node == nil || *data.Node != w {
					failed = append(failed, w.Typename)
					if first == "" {
						first = fmt.Sprintf("node(id: %q) of a %s answered %s", w.ID, w.Typename, r.Body)
					}
				}
			}
			if len(failed) > 0 {
				t.Errorf("node(id:) failed for %d of %d types %v; first: %s", len(failed), len(want), failed, first)
			}
		})

		t.Run("nodes", func(t *testing.T) {
			e := e.in(t)
			ids := make([]string, len(want))
			for i, w := range want {
				ids[len(want)-1-i] = w.ID // reversed, so order is not incidental
			}
			var data struct{ Nodes []*typedNode }
			e.query(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids}, &data)
			if len(data.Nodes) != len(ids) {
				t.Fatalf("got %d nodes, want %d", len(data.Nodes), len(ids))
			}
			for i, n := range data.Nodes {
				if w := want[len(want)-1-i]; n == nil || *n != w {
					t.Errorf("nodes[%d] = %+v, want %+v", i, n, w)
				}
			}
		})

		t.Run("nodes with one id", func(t *testing.T) {
			r := e.in(t).post(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": []string{want[0].ID}})
			var data struct{ Nodes []*typedNode }
			if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil || len(data.Nodes) != 1 || data.Nodes[0] == nil || *data.Nodes[0] != want[0] {
				t.Errorf("nodes(ids: [%s]): got %s, want [%+v]", want[0].ID, r.Body, want[0])
			}
		})
	})
}

// missingIDs are ids that name no object: of a known type but not in the
// database, of an unknown type, and not an id at all.
var missingIDs = []struct{ name, id string }{
	{"unknown customer", string(pulid.MustNew("CU"))},
	{"unknown prefix", string(pulid.MustNew("ZZ"))},
	{"malformed", "not-an-id"},
	{"empty", ""},
}

func TestNodeNotFound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.fx.Customer()

		for _, m := range missingIDs {
			t.Run("node/"+m.name, func(t *testing.T) {
				r := e.in(t).post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": m.id})
				err := r.wantError(t, "NOT_FOUND", "")
				if !slices.Equal(err.Path, []any{"node"}) {
					t.Errorf("error path = %v, want [node]", err.Path)
				}
				var data struct{ Node *typedNode }
				if json.Unmarshal(r.Data, &data) != nil || data.Node != nil {
					t.Errorf("data = %s, want node: null", r.Data)
				}
			})
		}

		t.Run("nodes", func(t *testing.T) {
			ids := []string{string(c.ID)}
			for _, m := range missingIDs {
				ids = append(ids, m.id)
			}
			ids = append(ids, string(c.ID))
			r := e.in(t).post(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids})
			var data struct{ Nodes []*typedNode }
			if err := json.Unmarshal(r.Data, &data); err != nil || len(data.Nodes) != len(ids) {
				t.Fatalf("want %d positions, got %s", len(ids), r.Body)
			}
			found := typedNode{"Customer", string(c.ID)}
			for i, n := range data.Nodes {
				missing := i > 0 && i < len(ids)-1
				switch {
				case missing && n != nil:
					t.Errorf("nodes[%d] (%q) = %+v, want null", i, ids[i], n)
				case !missing && (n == nil || *n != found):
					t.Errorf("nodes[%d] = %+v, want %+v", i, n, found)
				}
			}
			for i := 1; i < len(ids)-1; i++ {
				if !hasError(r, "NOT_FOUND", "nodes", float64(i)) {
					t.Errorf("no NOT_FOUND error at path [nodes %d] (%q); errors: %+v", i, ids[i], r.Errors)
				}
			}
			if len(r.Errors) != len(missingIDs) {
				t.Errorf("got %d errors, want %d: %+v", len(r.Errors), len(missingIDs), r.Errors)
			}
		})
	})
}

// hasError reports whether the response has an error with the code at the
// path (JSON numbers decode as float64).
func hasError(r *response, code string, path ...any) bool {
	for _, e := range r.Errors {
		if e.Extensions.Code == code && slices.Equal(e.Path, path) {
			return true
		}
	}
	return false
}
