package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access/rule"
)

// Person is someone who uses the portal on behalf of one or more customers.
type Person struct{ ent.Schema }

// Mixin of Person.
func (Person) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("PE"), TimeMixin{}}
}

// Fields of Person.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		field.String("personal_number").Optional().Nillable().Unique().Validate(validPersonalNumber).
			Comment("Personal identity number, YYYYMMDD-NNNN; the subject of BankID logins. Visible only to the person, administrators of a customer where they hold a role, and staff; null for others.").
			Annotations(personalData),
		field.String("hsa_id").Optional().Nillable().Unique().Validate(validHSAID).
			Comment("HSA-id of the person's SITHS card; the subject of SITHS logins.").
			Annotations(entgql.OrderField("HSA_ID")),
		field.String("given_name").NotEmpty().MaxLen(200).
			Comment("Given name.").
			Annotations(entgql.OrderField("GIVEN_NAME")),
		field.String("family_name").NotEmpty().MaxLen(200).
			Comment("Family name.").
			Annotations(entgql.OrderField("FAMILY_NAME")),
		field.String("email").NotEmpty().MaxLen(320).Validate(validEmail).
			Comment("E-mail address for notifications, e.g. orders to attest (D-O4). Visible as personalNumber is.").
			Annotations(personalData),
		field.String("phone").Optional().Nillable().MaxLen(32).Validate(validPhone).
			Comment("Mobile phone number in international form, +46…; receives SMS one-time codes. Visible as personalNumber is.").
			Annotations(personalData),
	}
}

// personalData marks a field that only some viewers may read (see
// access.Viewer.ManagesPerson). schema.graphql declares it, nullable and
// with a resolver that applies the rule; it can be neither filtered nor
// sorted on, since either would reveal it to everyone else.
var personalData = entgql.Skip(entgql.SkipAll)

// Edges of Person.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("roles", Role.Type).Comment("The person's roles, in every customer (D-O1).").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of Person.
func (Person) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A person who acts for one or more customers in the portal."),
		entgql.QueryField("people"),
		entgql.RelayConnection(),
	}
}

// Role is a portal role that a person holds within one customer (D-O1).
type Role struct{ ent.Schema }

// Mixin of Role.
func (Role) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("RO"), TimeMixin{},
		// A person holds each role once per customer.
		Tenant{Ref: "roles", Comment: "The customer within which the role is held.", IndexWith: []string{"person_id", "role"}, Unique: true,
			Writes: []rule.Write{rule.AdministratorsManageRoles}}}
}

// Fields of Role.
func (Role) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("role").GoType(types.RoleKind("")).
			Comment("The role.").
			Annotations(entgql.Type("RoleKind"), entgql.OrderField("ROLE")),
		field.String("person_id").GoType(pulid.ID("")).Immutable().Comment("The person holding the role."),
		field.String("granted_by").Optional().Nillable().MaxLen(200).
			Comment("Who gave the role: an administrator's person ID, staff, or the customer application."),
	}
}

// Edges of Role.
func (Role) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("person", Person.Type).Ref("roles").Field("person_id").Unique().Required().Immutable().
			Comment("The person holding the role."),
	}
}

// Indexes of Role.
func (Role) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("person_id"),
	}
}

// Annotations of Role.
func (Role) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A portal role held by a person within one customer (D-O1)."),
		entgql.RelayConnection(),
	}
}
