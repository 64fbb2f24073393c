package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"kundportal/ent/schema/pulid"
)

// PartnerAPIKey is a partner integration's credential. The secret is shown
// once at creation and stored only as a hash.
type PartnerAPIKey struct{ ent.Schema }

// Mixin of PartnerAPIKey.
func (PartnerAPIKey) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AK"), TimeMixin{}}
}

// Fields of PartnerAPIKey.
func (PartnerAPIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Who the key is for, e.g. \"Webcert produktion\".").
			Annotations(entgql.OrderField("NAME")),
		field.String("prefix").NotEmpty().MaxLen(32).Unique().Immutable().
			Comment("The visible start of the key, e.g. kp_3FJ8QK2M; identifies it in logs and audit events."),
		field.String("secret_hash").NotEmpty().Sensitive().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.JSON("scopes", []string{}).
			Comment("What the key grants: subscriptions:read, access:check, reports:read."),
		field.String("service_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("If set, the key sees only this service's subscriptions and subscribers."),
		field.String("created_by").NotEmpty().MaxLen(200).Immutable().
			Comment("Staff member who created the key."),
		field.Time("revoked_at").Optional().Nillable().
			Comment("When staff revoked the key; a revoked key is refused."),
		field.Time("last_used_at").Optional().Nillable().
			Comment("When the key was last used, to the minute."),
	}
}

// Edges of PartnerAPIKey.
func (PartnerAPIKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("service", Service.Type).Field("service_id").Unique().Immutable().
			Comment("The only service whose data the key sees, if any."),
	}
}

// Annotations of PartnerAPIKey.
func (PartnerAPIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A partner integration's API key (staff only). The secret is never shown after creation."),
		entgql.QueryField("partnerAPIKeys"),
		entgql.RelayConnection(),
	}
}
