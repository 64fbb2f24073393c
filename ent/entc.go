//go:build ignore

// entc generates the ent client and the GraphQL schema (ent.graphql) from
// ent/schema. Run it through `make generate`, from the repository root.
package main

import (
	"fmt"
	"log"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(glossaryNames, describeEnums, describeTypes, describeFilters),
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
	}, entc.Extensions(ex), entc.TemplateDir("./ent/schema/pulid/template"))
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
