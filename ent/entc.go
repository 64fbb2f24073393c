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
		entgql.WithSchemaHook(describeEnums),
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
		},
	}, entc.Extensions(ex), entc.TemplateDir("./ent/schema/pulid/template"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// describeEnums gives every generated enum the description of the field it
// comes from: entgql only writes "X is enum for the field y", and the SPA
// and partner teams read the schema, not ent/schema.
func describeEnums(g *gen.Graph, s *ast.Schema) error {
	for _, n := range g.Nodes {
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
