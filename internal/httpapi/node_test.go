package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"kundportal/internal/apitest"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// typedNode is a node selected as { __typename id }.
type typedNode struct {
	Typename string `json:"__typename"`
	ID       string `json:"id"`
}

// TestEveryNodeTypeIsRegistered is the one completeness guard of the Node
// types: every type of the schema that implements Node is in
// apitest.NodeKinds, which the node lookup, cross-tenant and authorization
// tests build from, and nothing else is.
func TestEveryNodeTypeIsRegistered(t *testing.T) {
	types := apitest.NodeTypes(t)
	for _, name := range types {
		if _, ok := apitest.NodeKindOf(name); !ok {
			t.Errorf("type %s implements Node but is not in apitest.NodeKinds", name)
		}
	}
	for _, k := range apitest.NodeKinds {
		if !slices.Contains(types, k.Name) {
			t.Errorf("apitest.NodeKinds has %s, which does not implement Node", k.Name)
		}
	}
}

func TestNodeLookup(t *testing.T) {
	types := apitest.NodeTypes(t)
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		var want []typedNode
		for _, name := range types {
			k, ok := apitest.NodeKindOf(name)
			if !ok {
				t.Fatalf("Node type %s is not in apitest.NodeKinds", name)
			}
			want = append(want, typedNode{name, string(k.New(e.Fx))})
		}

		t.Run("node", func(t *testing.T) {
			e := e.In(t)
			var failed []string
			var first string
			for _, w := range want {
				r := e.Post(`query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": w.ID})
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
			e := e.In(t)
			ids := make([]string, len(want))
			for i, w := range want {
				ids[len(want)-1-i] = w.ID // reversed, so order is not incidental
			}
			var data struct{ Nodes []*typedNode }
			e.Query(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids}, &data)
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
			r := e.In(t).Post(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": []string{want[0].ID}})
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
		e := apitest.New(t, db)
		c := e.Fx.Customer()

		for _, m := range missingIDs {
			t.Run("node/"+m.name, func(t *testing.T) {
				r := e.In(t).Post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": m.id})
				err := r.WantError(t, "NOT_FOUND", "")
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
			r := e.In(t).Post(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids})
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
				if !apitest.HasError(r, "NOT_FOUND", "nodes", float64(i)) {
					t.Errorf("no NOT_FOUND error at path [nodes %d] (%q); errors: %+v", i, ids[i], r.Errors)
				}
			}
			if len(r.Errors) != len(missingIDs) {
				t.Errorf("got %d errors, want %d: %+v", len(r.Errors), len(missingIDs), r.Errors)
			}
		})
	})
}
