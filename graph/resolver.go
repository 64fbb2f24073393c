// Package graph is the GraphQL layer: gqlgen's generated executor and the
// resolvers, which translate between GraphQL and the data layer and the
// capability packages under internal/. They hold no business rule.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"kundportal/ent"
	"kundportal/internal/agreements"
	"kundportal/internal/catalog"
	"kundportal/internal/documents"
	"kundportal/internal/entitlement"
	"kundportal/internal/feed"
	"kundportal/internal/ordering"
	"kundportal/internal/pricing"
	"kundportal/internal/reporting"
)

// Services are the capabilities the resolvers call.
type Services struct {
	Agreements *agreements.Service
	Catalog    *catalog.Service
	Documents  *documents.Service
	Ordering   *ordering.Service
	Pricing    *pricing.Service
	// Reports read from the primary or a replica (DATABASE_REPLICA_URL).
	ReportSource *reporting.Source
	Feed         *feed.Reader
	// Entitlements answers access checks from memory; nil reads the
	// database on every check.
	Entitlements *entitlement.Cache
}

// Resolver is the root resolver; one per server.
type Resolver struct {
	client *ent.Client
	Services
}

// NewSchema builds the executable schema over the ent client and the
// capabilities.
func NewSchema(client *ent.Client, services Services) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: &Resolver{client: client, Services: services}})
}
