package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
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
		Tenant{Ref: "orders", Comment: "The ordering customer.", IndexWith: []string{"status"},
			Writes: []rule.Write{rule.OrderersAndAttestants}}}
}

// Fields of Order.
func (Order) Fields() []ent.Field {
	return []ent.Field{
		field.String("offering_id").GoType(pulid.ID("")).Immutable().Comment("The offering ordered."),
		field.String("orderer_id").GoType(pulid.ID("")).Immutable().Comment("The person who placed the order (role ORDERER)."),
		field.Enum("status").
			Values("DRAFT", "AWAITING_ATTESTATION", "ATTESTED", "REJECTED", "CANCELLED", "DELIVERED").
			Default("DRAFT").
			Comment("DRAFT while the orderer edits it; AWAITING_ATTESTATION after submission (D-O3, D-O4); ATTESTED or REJECTED by an attestant; CANCELLED by the orderer before it is decided; DELIVERED by customer service (D-O5). See docs/ordering.md.").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("quantity").Range(1, MaxOrderQuantity).Default(1).
			Comment("How many units of the offering's per-unit price are ordered: care units, SITHS cards or service contracts (D-O3, D-S3). For an offering that requires care units it equals the number of care units named."),
		field.Time("terms_accepted_at").Optional().Nillable().
			Comment("When the orderer explicitly accepted the terms, on submission (D-O3)."),
		field.String("terms_version_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The version of the service's terms (its BTV) in force on the day of submission, which the orderer accepted (D-O3)."),
		field.Time("submitted_at").Optional().Nillable().
			Comment("When the order was submitted.").
			Annotations(entgql.OrderField("SUBMITTED_AT")),
		field.String("price_list_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The price list in force for the customer's category on the day of submission (D-S4); null while DRAFT."),
		snapshotMoneyField("startup_fee", "Startup fee charged once for this order (D-S2), fixed at submission (D-S4); null while DRAFT."),
		snapshotMoneyField("recurring_amount", "Recurring amount per period for the ordered quantity, at the prices in force at submission (D-S4); null while DRAFT."),
		field.JSON("price_lines", []types.PriceLine{}).Optional().
			Comment("The price snapshot taken at submission: the order keeps these prices (D-S4). Empty while DRAFT.").
			Annotations(entgql.Type("[PriceLine!]")),
		field.Time("cancelled_at").Optional().Nillable().Comment("When the orderer cancelled the order (D-O4)."),
		field.Time("delivered_at").Optional().Nillable().
			Comment("When customer service marked the order delivered (D-O5).").
			Annotations(entgql.OrderField("DELIVERED_AT")),
		field.String("delivered_by").Optional().Nillable().MaxLen(200).Comment("Staff member who delivered the order (D-O5)."),
		field.String("delivery_note").Optional().Nillable().MaxLen(2000).
			Comment("Customer service's note on delivery, e.g. how access instructions were sent (D-O5)."),
		field.String("subscription_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The subscription the order creates or extends, set when it is attested (D-O4, D-O5)."),
	}
}

// MaxOrderQuantity is the most units one order may name.
const MaxOrderQuantity = 10000

// Edges of Order.
func (Order) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("offering", Offering.Type).Field("offering_id").Unique().Required().Immutable().
			Comment("The offering ordered."),
		edge.To("orderer", Person.Type).Field("orderer_id").Unique().Required().Immutable().
			Comment("The person who placed the order."),
		edge.To("price_list", PriceList.Type).Field("price_list_id").Unique().
			Comment("The price list in force when the order was submitted (D-S4)."),
		edge.To("terms_version", DocumentVersion.Type).Field("terms_version_id").Unique().
			Comment("The version of the service's terms the orderer accepted (D-O3)."),
		edge.To("care_units", CareUnit.Type).Comment("The care units that will use the offering (D-O3).").
			Annotations(entgql.RelayConnection()),
		edge.To("attestation", Attestation.Type).Unique().
			Comment("The attestant's decision, once made (D-O4)."),
		edge.From("subscription", Subscription.Type).Ref("orders").Field("subscription_id").Unique().
			Comment("The subscription the order creates or extends (D-O5)."),
		edge.To("signings", SigningSession.Type).Comment("BankID signings started to attest the order (D-O4).").
			Annotations(entgql.RelayConnection()),
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
		field.String("migrated_from_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The KA1 agreement the subscription was held under before it moved to KA2 (D-A6)."),
		field.Enum("status").Values("PENDING", "ACTIVE", "TERMINATION_NOTICED", "TERMINATED").Default("PENDING").
			Comment("PENDING until delivery (D-O5); ACTIVE; TERMINATION_NOTICED during the notice period; TERMINATED after it (D-A5).").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("quantity").NonNegative().Default(0).
			Comment("Units subscribed to: the sum of the quantities of its delivered orders (D-O5, D-S3); 0 until the first is delivered. A subscription of a Kundavtal 1 agreement counts 1."),
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
		edge.To("orders", Order.Type).Comment("The orders that created and extended the subscription (D-O5).").
			Annotations(entgql.RelayConnection()),
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

// Hooks of Subscription: every change goes into the partners' feed in its
// own transaction.
func (Subscription) Hooks() []ent.Hook { return []ent.Hook{rule.Hook(rule.FeedHook)} }

// Annotations of Subscription.
func (Subscription) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A subscription (abonnemang): a customer's running use of an offering under an agreement."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// AttestationCode is an SMS one-time code sent to an attestant to attest
// an order (D-O4). Only a salted hash of the code is kept.
type AttestationCode struct{ ent.Schema }

// Mixin of AttestationCode.
func (AttestationCode) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AC"), TimeMixin{},
		Tenant{Ref: "attestation_codes", Comment: "The customer whose order the code attests.",
			Writes: []rule.Write{rule.OrderersAndAttestants}}}
}

// Fields of AttestationCode.
func (AttestationCode) Fields() []ent.Field {
	return []ent.Field{
		field.String("order_id").GoType(pulid.ID("")).Immutable().Comment("The order the code attests."),
		field.String("attestant_id").GoType(pulid.ID("")).Immutable().Comment("The attestant the code was sent to."),
		field.Bytes("salt").Immutable().Sensitive().Comment("Random salt of the hash."),
		field.Bytes("code_hash").Immutable().Sensitive().Comment("SHA-256 of the salt and the code; the code itself is never stored."),
		field.Enum("status").Values("LIVE", "USED", "LOCKED", "REPLACED").Default("LIVE").
			Comment("LIVE until it attests the order (USED), five wrong tries lock it (LOCKED) or a new code replaces it (REPLACED)."),
		field.Int("attempts").NonNegative().Default(0).Comment("Tries so far, counted before each is compared."),
		field.Time("expires_at").Immutable().Comment("The code is refused after this time (5 minutes after sending)."),
		field.String("message_id").NotEmpty().MaxLen(200).Immutable().
			Comment("The SMS gateway's id of the message, the attestation's transaction reference (D-O6)."),
		field.String("sent_to").NotEmpty().MaxLen(32).Immutable().Comment("The mobile number the code was sent to."),
	}
}

// Edges of AttestationCode.
func (AttestationCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("order", Order.Type).Field("order_id").Unique().Required().Immutable(),
		edge.To("attestant", Person.Type).Field("attestant_id").Unique().Required().Immutable(),
	}
}

// Indexes of AttestationCode.
func (AttestationCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id", "attestant_id", "status")}
}

// Annotations of AttestationCode.
func (AttestationCode) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An SMS one-time code sent to attest an order (D-O4); internal, not in the API."),
		entgql.Skip(entgql.SkipAll),
	}
}

// SubscriptionChange is one change of a subscription in the feed partners
// keep their copies by: its position, what happened and the subscription
// as it was after (D-P1).
type SubscriptionChange struct{ ent.Schema }

// Fields of SubscriptionChange.
func (SubscriptionChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id").Immutable().Comment("Order of insertion; with tx_id the change's position."),
		field.Int64("tx_id").Optional().Immutable().
			Annotations(entsql.DefaultExprs(map[string]string{
				dialect.Postgres: "(pg_current_xact_id()::text::bigint)",
				dialect.SQLite:   "0",
			})).
			Comment("PostgreSQL: the writing transaction's id, so that a reader returns only changes of transactions older than every one still running, in commit-safe order; 0 on SQLite, whose writers are serialised."),
		field.String("subscription_id").GoType(pulid.ID("")).Immutable(),
		field.String("customer_id").GoType(pulid.ID("")).Immutable(),
		field.String("service_id").GoType(pulid.ID("")).Immutable(),
		field.String("agreement_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("kind").Values("CREATED", "ACTIVATED", "QUANTITY_CHANGED", "TERMINATION_NOTICED", "TERMINATED", "MOVED_TO_KA2").Immutable(),
		field.String("status").Immutable().Comment("The subscription's status after the change."),
		field.Int("quantity").Immutable().Comment("The subscription's quantity after the change."),
		field.Time("occurred_at").Immutable(),
	}
}

// Indexes of SubscriptionChange.
func (SubscriptionChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tx_id", "id"), index.Fields("service_id", "tx_id", "id")}
}

// Policy of SubscriptionChange: written by the feed's hook with the
// service's rights, read through internal/feed.
func (SubscriptionChange) Policy() ent.Policy { return rule.Policy(rule.Spec{Read: rule.StaffOnly}) }

// Annotations of SubscriptionChange.
func (SubscriptionChange) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A change of a subscription in the partners' feed (subscriptionChanges)."),
		entgql.Skip(entgql.SkipAll),
	}
}
