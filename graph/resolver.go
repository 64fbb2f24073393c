// Package graph is the GraphQL layer: gqlgen's generated executor and the
// resolvers, which translate between GraphQL and the data layer and the
// capability packages under internal/. They hold no business rule.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"kundportal/ent"
)

// Resolver is the root resolver; one per server.
type Resolver struct {
	client *ent.Client
}

// NewSchema builds the executable schema over the ent client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: &Resolver{client: client}})
}
