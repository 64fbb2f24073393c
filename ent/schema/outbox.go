package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"kundportal/ent/schema/pulid"
)

// Notification is a message waiting in, or sent from, the outbox (D-C4,
// D-D3, D-O4). It is written in the same transaction as the change it
// reports, so that no change is left unannounced.
type Notification struct{ ent.Schema }

// Mixin of Notification.
func (Notification) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("NO"), TimeMixin{}}
}

// Fields of Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.String("customer_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The customer the message concerns, if any."),
		field.String("recipient_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The person the message is for, if known."),
		field.String("recipient_email").NotEmpty().MaxLen(320).Immutable().Comment("Address the message goes to."),
		field.String("kind").NotEmpty().MaxLen(64).Immutable().
			Comment("What the message is about, e.g. ORDER_TO_ATTEST, SIGNING_LINK, DOCUMENT_CHANGED.").
			Annotations(entgql.OrderField("KIND")),
		field.String("subject").NotEmpty().MaxLen(300).Immutable().Comment("Subject line."),
		field.Text("body").Immutable().Comment("Plain-text body."),
		field.Enum("status").Values("PENDING", "SENT", "FAILED").Default("PENDING").
			Comment("PENDING until the sender has delivered it; FAILED after the last attempt.").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("attempts").Default(0).NonNegative().Comment("Delivery attempts so far."),
		field.Time("sent_at").Optional().Nillable().Comment("When the message was delivered."),
		field.Time("next_attempt_at").Default(time.Now).
			Comment("When the sender may try to deliver the message next: now for a new message, later after a failed attempt or while another instance holds it."),
		field.String("last_error").Optional().Nillable().MaxLen(2000).Comment("Why the last attempt failed."),
		field.String("subject_type").Optional().Nillable().MaxLen(64).Immutable().
			Comment("The type of what the message reports, e.g. DocumentVersion, Agreement, CustomerApplication, so that who was told of it is one query."),
		field.String("subject_id").Optional().Nillable().MaxLen(64).Immutable().
			Comment("The ID of what the message reports."),
	}
}

// Edges of Notification.
func (Notification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Immutable().
			Comment("The customer the message concerns, if any."),
		edge.To("recipient", Person.Type).Field("recipient_id").Unique().Immutable().
			Comment("The person the message is for, if known."),
	}
}

// Indexes of Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "next_attempt_at"), index.Fields("customer_id"), index.Fields("subject_id")}
}

// Annotations of Notification.
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A notification in the outbox: e-mail to a person about a change that concerns them."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// AuditEvent records one state change: who, when, what (D-O6). It is
// append-only.
type AuditEvent struct{ ent.Schema }

// Mixin of AuditEvent.
func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AE")}
}

// Fields of AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("occurred_at").Immutable().
			Comment("When the change happened.").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Enum("actor_kind").Values("PERSON", "STAFF", "PARTNER", "SYSTEM").Immutable().
			Comment("What kind of actor made the change."),
		field.String("actor").NotEmpty().MaxLen(200).Immutable().
			Comment("Who made the change: a person's ID, a staff member's subject, a partner key prefix, or the system job."),
		field.String("action").NotEmpty().MaxLen(64).Immutable().
			Comment("What happened, e.g. ORDER_ATTESTED, ROLE_GRANTED, AGREEMENT_SIGNED.").
			Annotations(entgql.OrderField("ACTION")),
		field.String("entity_type").NotEmpty().MaxLen(64).Immutable().Comment("Type of the changed object, e.g. Order."),
		field.String("entity_id").NotEmpty().MaxLen(64).Immutable().Comment("ID of the changed object."),
		field.String("customer_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The customer the change concerns, if any."),
		field.String("method").Optional().Nillable().MaxLen(32).Immutable().
			Comment("For signatures and attestations: the identification method (D-O6)."),
		field.String("transaction_reference").Optional().Nillable().MaxLen(200).Immutable().
			Comment("For signatures and attestations: the method's transaction reference (D-O6)."),
		field.JSON("details", map[string]any{}).Optional().Immutable().
			Comment("Further facts of the change, such as old and new values."),
	}
}

// Edges of AuditEvent.
func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Immutable().
			Comment("The customer the change concerns, if any."),
	}
}

// Indexes of AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("customer_id", "occurred_at"),
		index.Fields("entity_id"),
	}
}

// Annotations of AuditEvent.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An audit event: one recorded state change with who, when and what (D-O6)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
