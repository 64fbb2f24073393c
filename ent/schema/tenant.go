package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/access/rule"
)

// Tenant is the mixin of every entity a customer owns: the customer_id
// column, its index, the edge from the customer and the policy that shows
// a row only to those who see its customer (D-C5 affiliates included) and
// to staff. Embedding it is what makes a new entity tenant-safe; the
// cross-tenant tests prove it for every Node type.
type Tenant struct {
	mixin.Schema
	// Ref is the customer's edge to the entity, e.g. "orders".
	Ref string
	// Comment describes the owning customer for this entity, e.g. "The
	// ordering customer."; it becomes the field's and edge's description.
	Comment string
	// IndexWith are the columns that follow customer_id in the tenant
	// index, so that the entity's usual per-customer lookup is one index.
	IndexWith []string
	// Unique makes the tenant index a uniqueness constraint.
	Unique bool
	// Partners is what partners with subscriptions:read see.
	Partners rule.Partners
	// Writes are who, besides staff, may write the entity.
	Writes []rule.Write
}

// Fields of the Tenant mixin.
func (m Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("customer_id").GoType(pulid.ID("")).Immutable().Comment(m.Comment),
	}
}

// Edges of the Tenant mixin.
func (m Tenant) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref(m.Ref).Field("customer_id").Unique().Required().Immutable().
			Comment(m.Comment),
	}
}

// Indexes of the Tenant mixin.
func (m Tenant) Indexes() []ent.Index {
	i := index.Fields(append([]string{"customer_id"}, m.IndexWith...)...)
	if m.Unique {
		i = i.Unique()
	}
	return []ent.Index{i}
}

// Policy of the Tenant mixin.
func (m Tenant) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Members, Column: "customer_id", Partners: m.Partners, Writes: m.Writes})
}
