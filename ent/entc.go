//go:build ignore

// entc generates the ent client and the GraphQL schema (ent.graphql) from
// ent/schema. Run it through `make generate`, from the repository root.
package main

import (
	"bytes"
	"fmt"
	"log"
	"slices"
	"strings"
	"text/template/parse"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"

	"kundportal/internal/counting"
)

func main() {
	if err := capConnections(entgql.PaginationTemplate); err != nil {
		log.Fatal(err)
	}
	countingT := gen.MustParse(gen.NewTemplate("counting").Funcs(entgql.TemplateFuncs).
		ParseFiles("ent/schema/template/counting.tmpl"))
	ex, err := entgql.NewExtension(
		// Before WithWhereInputs, which adds its template to these.
		entgql.WithTemplates(append(slices.Clone(entgql.AllTemplates), countingT)...),
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(glossaryNames, describeEnums, describeTypes, describeFilters, describeCounts),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "kundportal/ent",
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureUpsert,
			gen.FeatureLock,
			gen.FeatureNamedEdges,
			gen.FeatureVersionedMigration,
		},
	}, entc.Extensions(ex), entc.TemplateDir("./ent/schema/pulid/template"),
		// The client counts connections through it (ent/schema/template/counting.tmpl).
		entc.Dependency(entc.DependencyName("Counter"), entc.DependencyType(&counting.Counter{})))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// glossaryNames spells the API's fields as DOMAIN.md's glossary does:
// entgql writes a field hsa_id as hsaID, the glossary and the hand-written
// inputs say hsaId. gqlgen binds fields to Go names without regard to case,
// so only the GraphQL name changes.
func glossaryNames(_ *gen.Graph, s *ast.Schema) error {
	for _, def := range s.Types {
		for _, f := range def.Fields {
			if rest, ok := strings.CutPrefix(f.Name, "hsaID"); ok {
				f.Name = "hsaId" + rest
			}
		}
	}
	return nil
}

// describeEnums gives every generated enum the description of the field it
// comes from: entgql only writes "X is enum for the field y", and the SPA
// and partner teams read the schema, not ent/schema.
func describeEnums(g *gen.Graph, s *ast.Schema) error {
	for _, n := range g.Nodes {
		if s.Types[n.Name] == nil {
			continue // an entity left out of the API (entgql.Skip)
		}
		for _, f := range n.Fields {
			if !f.IsEnum() || f.Comment() == "" {
				continue
			}
			name := n.Name + f.StructField()
			if ant, ok := f.Annotations[entgql.Annotation{}.Name()].(map[string]any); ok {
				if t, ok := ant["Type"].(string); ok && t != "" {
					name = t
				}
			}
			def := s.Types[name]
			if def == nil || def.Kind != ast.Enum {
				return fmt.Errorf("describeEnums: no enum %s for %s.%s", name, n.Name, f.Name)
			}
			if strings.HasSuffix(def.Description, "is enum for the field "+f.Name) {
				def.Description = f.Comment()
			}
		}
	}
	return nil
}

// describeTypes gives every node type the comment of its ent schema, its
// id field and its edges their descriptions, and the top-level lists one
// that points to the authorization rules: entgql leaves them empty.
func describeTypes(g *gen.Graph, s *ast.Schema) error {
	for _, n := range g.Nodes {
		def := s.Types[n.Name]
		if def == nil {
			continue
		}
		if c, ok := n.Annotations["Comment"].(map[string]any); ok && def.Description == "" {
			def.Description, _ = c["Text"].(string)
		}
		if def.Description == "" {
			return fmt.Errorf("describeTypes: %s has no schema.Comment", n.Name)
		}
		for _, f := range def.Fields {
			if f.Description != "" {
				continue
			}
			if f.Name == "id" {
				f.Description = "Opaque, globally unique ID of the " + n.Name + "; node(id:) resolves it."
				continue
			}
			for _, e := range n.Edges {
				if e.Name == f.Name || camel(e.Name) == f.Name {
					f.Description = e.Comment()
				}
			}
		}
	}
	if q := s.Types["Query"]; q != nil {
		q.Description = "The root of every read. Lists return only what the caller may see (docs/authorization.md)."
		for _, f := range q.Fields {
			if f.Description == "" && f.Type.NamedType != "" && strings.HasSuffix(f.Type.NamedType, "Connection") {
				typ := strings.TrimSuffix(f.Type.NamedType, "Connection")
				f.Description = "The " + typ + " objects the caller may see, as a Relay connection; needs first or last."
			}
		}
	}
	return nil
}

// describeFilters describes the predicates of the generated where inputs,
// which entgql names after a fixed pattern.
func describeFilters(_ *gen.Graph, s *ast.Schema) error {
	suffixes := []struct{ suffix, text string }{
		{"NEQ", "is not"}, {"NotIn", "is none of"}, {"In", "is one of"},
		{"GTE", "is at least"}, {"GT", "is greater than"}, {"LTE", "is at most"}, {"LT", "is less than"},
		{"ContainsFold", "contains, ignoring case,"}, {"Contains", "contains"}, {"HasPrefix", "starts with"},
		{"HasSuffix", "ends with"}, {"EqualFold", "equals, ignoring case,"}, {"IsNil", "is null"}, {"NotNil", "is not null"},
	}
	for name, def := range s.Types {
		if !strings.HasSuffix(name, "WhereInput") {
			continue
		}
		for _, f := range def.Fields {
			if f.Description != "" {
				continue
			}
			switch {
			case f.Name == "not":
				f.Description = "Matches what the given filter does not match."
			case f.Name == "and":
				f.Description = "Matches what all the given filters match."
			case f.Name == "or":
				f.Description = "Matches what any of the given filters matches."
			case strings.HasPrefix(f.Name, "has") && strings.HasSuffix(f.Name, "With"):
				f.Description = "Has " + strings.TrimSuffix(strings.TrimPrefix(f.Name, "has"), "With") + " matching all the given filters."
			case strings.HasPrefix(f.Name, "has"):
				f.Description = "Has at least one " + strings.TrimPrefix(f.Name, "has") + " (true) or none (false)."
			default:
				f.Description = f.Name + " equals the value."
				for _, sfx := range suffixes {
					if field, ok := strings.CutSuffix(f.Name, sfx.suffix); ok && field != "" {
						f.Description = field + " " + sfx.text + " the value."
						break
					}
				}
			}
		}
	}
	return nil
}

func camel(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// capConnections adds to every generated connection the field that
// records whether its TotalCount stopped at the counting limit: entgql
// v0.7.0 offers no hook for a connection's fields, and copying its 700-line
// template to change one line would hide the change. The field is
// unexported and false by default, so connections that entgql builds
// elsewhere (a customer's preloaded subscriptions, counted exactly in the
// page's statement or in one grouped statement) are exact. It fails when an entgql upgrade moves the
// line, rather than generating without it.
func capConnections(t *gen.Template) error {
	const anchor = "TotalCount int       `json:\"totalCount\"`\n"
	root := t.Lookup("gql_pagination")
	if root == nil {
		return fmt.Errorf("capConnections: entgql has no gql_pagination template")
	}
	found := 0
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TextNode:
			if i := bytes.Index(n.Text, []byte(anchor)); i >= 0 {
				found++
				field := "\t// totalCountCapped says TotalCount is the counting limit, not the number of items (internal/counting).\n\ttotalCountCapped bool\n"
				n.Text = slices.Concat(n.Text[:i+len(anchor)], []byte(field), n.Text[i+len(anchor):])
			}
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(root.Tree.Root)
	if found != 1 {
		return fmt.Errorf("capConnections: the TotalCount line of entgql's connection struct was found %d times, want 1", found)
	}
	return nil
}

// describeCounts adds totalCountIsExact to every connection and says,
// in totalCount's description, where counts come from: clients must know
// that a large filtered count is a lower bound.
func describeCounts(_ *gen.Graph, s *ast.Schema) error {
	limit := fmt.Sprintf("%d", counting.DefaultLimit)
	for name, def := range s.Types {
		if !strings.HasSuffix(name, "Connection") || def.Fields.ForName("totalCount") == nil {
			continue
		}
		def.Fields.ForName("totalCount").Description = "The number of items in the whole connection (every page), after its filters and " +
			"the caller's access rules. Exact up to the server's counting limit (GRAPHQL_MAX_COUNT, " + limit + " by default); " +
			"above it the count stops and this is the limit: see totalCountIsExact. The unfiltered lists of customers, " +
			"agreements, orders and subscriptions are always exact, read from counts kept as rows are written (docs/performance.md, Counting)."
		def.Fields = append(def.Fields, &ast.FieldDefinition{
			Name:        "totalCountIsExact",
			Description: "False when totalCount stopped at the counting limit, so that the connection holds more items than totalCount says.",
			Type:        ast.NonNullNamedType("Boolean", nil),
		})
	}
	return nil
}
