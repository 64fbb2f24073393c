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

// Order is a beställning of an offering (D-O2..D-O5).
type Order struct{ ent.Schema }

// Mixin of Order.
func (Order) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("OR"), TimeMixin{},
		Tenant{Ref: "orders", Comment: "The ordering customer.", IndexWith: []string{"status"}}}
}

// Fields of Order.
func (Order) Fields() []ent.Field {
	return []ent.Field{
		field.String("offering_id").GoType(pulid.ID("")).Immutable().Comment("The offering ordered."),
		field.String("orderer_id").GoType(pulid.ID("")).Immutable().Comment("The person who placed the order (role ORDERER)."),
		field.Enum("status").
			Values("AWAITING_ATTESTATION", "ATTESTED", "REJECTED", "CANCELLED", "DELIVERED").
			Default("AWAITING_ATTESTATION").
			Comment("AWAITING_ATTESTATION after submission (D-O4); ATTESTED or REJECTED by an attestant; CANCELLED by the orderer before attestation; DELIVERED by customer service (D-O5).").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("care_unit_count").NonNegative().
			Comment("How many care units will use the offering (D-O3)."),
		field.Time("terms_accepted_at").Immutable().
			Comment("When the orderer explicitly accepted the terms (D-O3)."),
		field.Time("submitted_at").Immutable().
			Comment("When the order was submitted.").
			Annotations(entgql.OrderField("SUBMITTED_AT")),
		field.String("price_list_id").GoType(pulid.ID("")).Immutable().
			Comment("The price list in force when the order was placed (D-S4)."),
		moneyField("startup_fee", "Startup fee charged once for this order (D-S2), fixed at submission (D-S4).", ""),
		moneyField("recurring_amount", "Recurring amount per period for the ordered quantity, at the prices in force at submission (D-S4).", ""),
		field.JSON("price_lines", []types.PriceLine{}).Immutable().
			Comment("The price snapshot taken at submission: the order keeps these prices (D-S4).").
			Annotations(entgql.Type("[PriceLine!]")),
		field.Time("cancelled_at").Optional().Nillable().Comment("When the orderer cancelled the order (D-O4)."),
		field.Time("delivered_at").Optional().Nillable().
			Comment("When customer service marked the order delivered (D-O5).").
			Annotations(entgql.OrderField("DELIVERED_AT")),
		field.String("delivered_by").Optional().Nillable().MaxLen(200).Comment("Staff member who delivered the order (D-O5)."),
	}
}

// Edges of Order.
func (Order) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("offering", Offering.Type).Field("offering_id").Unique().Required().Immutable().
			Comment("The offering ordered."),
		edge.To("orderer", Person.Type).Field("orderer_id").Unique().Required().Immutable().
			Comment("The person who placed the order."),
		edge.To("price_list", PriceList.Type).Field("price_list_id").Unique().Required().Immutable().
			Comment("The price list in force when the order was placed (D-S4)."),
		edge.To("care_units", CareUnit.Type).Comment("The care units that will use the offering (D-O3).").
			Annotations(entgql.RelayConnection()),
		edge.To("attestation", Attestation.Type).Unique().
			Comment("The attestant's decision, once made (D-O4)."),
		edge.To("subscription", Subscription.Type).Unique().
			Comment("The subscription created on delivery (D-O5)."),
	}
}

// Indexes of Order.
func (Order) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "submitted_at"),
	}
}

// Annotations of Order.
func (Order) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An order (beställning) of an offering, attested by an authorised person and delivered by customer service (D-O2..D-O5)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}

// Attestation is an attestant's decision on an order (D-O4, D-O6).
type Attestation struct{ ent.Schema }

// Mixin of Attestation.
func (Attestation) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AT"), TimeMixin{}}
}

// Fields of Attestation.
func (Attestation) Fields() []ent.Field {
	return []ent.Field{
		// Unique: an order is decided at most once, even under concurrent
		// attempts (D-O4); the database refuses the second decision.
		field.String("order_id").GoType(pulid.ID("")).Unique().Immutable().Comment("The decided order."),
		field.String("attestant_id").GoType(pulid.ID("")).Immutable().Comment("The attestant who decided."),
		field.Enum("decision").Values("ATTESTED", "REJECTED").Immutable().
			Comment("ATTESTED approves the order; REJECTED refuses it with a reason (D-O4).").
			Annotations(entgql.OrderField("DECISION")),
		field.Enum("method").Values("SMS_OTP", "BANKID").Optional().Nillable().Immutable().
			Comment("How the attestant proved their identity when attesting: SMS one-time code or BankID (D-O4)."),
		field.String("transaction_reference").Optional().Nillable().MaxLen(200).Immutable().
			Comment("Reference of the SMS code or BankID transaction (D-O6)."),
		field.String("reason").Optional().Nillable().MaxLen(2000).Immutable().
			Comment("Why the order was rejected (D-O4)."),
		field.Time("decided_at").Immutable().
			Comment("When the decision was made.").
			Annotations(entgql.OrderField("DECIDED_AT")),
	}
}

// Edges of Attestation.
func (Attestation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("attestation").Field("order_id").Unique().Required().Immutable().
			Comment("The decided order."),
		edge.To("attestant", Person.Type).Field("attestant_id").Unique().Required().Immutable().
			Comment("The attestant who decided."),
	}
}

// Annotations of Attestation.
func (Attestation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An attestant's decision on an order: attested with SMS code or BankID, or rejected with a reason (D-O4)."),
		entgql.RelayConnection(),
	}
}

// Subscription is an abonnemang: a customer's running use of an offering.
type Subscription struct{ ent.Schema }

// Mixin of Subscription.
func (Subscription) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("SU"), TimeMixin{},
		// The tenant index is the partner check's lookup (D-P1, D-P4).
		Tenant{Ref: "subscriptions", Comment: "The subscribing customer.", IndexWith: []string{"service_id", "status"},
			Partners: rule.PartnerService, Writes: []rule.Write{rule.AdministratorsTerminate}}}
}

// Fields of Subscription.
func (Subscription) Fields() []ent.Field {
	return []ent.Field{
		field.String("service_id").GoType(pulid.ID("")).Immutable().
			Comment("The service subscribed to; kept beside the offering so that the partner check is one indexed lookup (D-P4)."),
		field.String("offering_id").GoType(pulid.ID("")).Immutable().Comment("The offering subscribed to."),
		field.String("agreement_id").GoType(pulid.ID("")).Comment("The agreement the subscription is held under (KA1 or KA2; D-A6 moves it)."),
		field.String("order_id").GoType(pulid.ID("")).Optional().Nillable().Unique().Immutable().
			Comment("The order whose delivery created the subscription; null for subscriptions of a KA1 agreement (D-A1, D-A6)."),
		field.String("migrated_from_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The KA1 agreement the subscription was held under before it moved to KA2 (D-A6)."),
		field.Enum("status").Values("PENDING", "ACTIVE", "TERMINATION_NOTICED", "TERMINATED").Default("PENDING").
			Comment("PENDING until delivery (D-O5); ACTIVE; TERMINATION_NOTICED during the notice period; TERMINATED after it (D-A5).").
			Annotations(entgql.OrderField("STATUS")),
		optionalDateField("active_from", "Date the subscription became active (D-O5).", "ACTIVE_FROM"),
		optionalDateField("termination_noticed_on", "Date the customer gave notice (D-A5).", ""),
		optionalDateField("ends_on", "Last date of the subscription after the notice period (D-A5).", "ENDS_ON"),
	}
}

// Edges of Subscription.
func (Subscription) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("service", Service.Type).Ref("subscriptions").Field("service_id").Unique().Required().Immutable().
			Comment("The service subscribed to."),
		edge.From("offering", Offering.Type).Ref("subscriptions").Field("offering_id").Unique().Required().Immutable().
			Comment("The offering subscribed to."),
		edge.From("agreement", Agreement.Type).Ref("subscriptions").Field("agreement_id").Unique().Required().
			Comment("The agreement the subscription is held under."),
		edge.From("order", Order.Type).Ref("subscription").Field("order_id").Unique().Immutable().
			Comment("The order whose delivery created the subscription."),
		edge.From("migrated_from", Agreement.Type).Ref("migrated_subscriptions").Field("migrated_from_id").Unique().
			Comment("The KA1 agreement the subscription was held under before it moved to KA2 (D-A6)."),
	}
}

// Indexes of Subscription.
func (Subscription) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("service_id", "status"),
		index.Fields("agreement_id"),
	}
}

// Annotations of Subscription.
func (Subscription) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A subscription (abonnemang): a customer's running use of an offering under an agreement."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
