package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/access/rule"
)

// Agreement is a customer's agreement: Kundavtal 1 for one service,
// Kundavtal 2 for all, or an agent agreement (D-A1..D-A7).
type Agreement struct{ ent.Schema }

// Mixin of Agreement.
func (Agreement) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AG"), TimeMixin{},
		Tenant{Ref: "agreements", Comment: "The customer that is party to the agreement.", IndexWith: []string{"model", "status"},
			Writes: []rule.Write{rule.SignatoriesSign}}}
}

// Fields of Agreement.
func (Agreement) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("model").Values("KA1", "KA2", "AGENT").Immutable().
			Comment("KA1: one agreement per service; KA2: the framework agreement, signed once; AGENT: agent agreement.").
			Annotations(entgql.OrderField("MODEL")),
		field.Enum("status").
			Values("AWAITING_SIGNATURE", "ACTIVE", "TERMINATION_NOTICED", "TERMINATED", "REPLACED").
			Default("AWAITING_SIGNATURE").
			Comment("AWAITING_SIGNATURE until every required signature is in (D-A3); TERMINATION_NOTICED during the notice period (D-A5); REPLACED when a KA1 agreement moved to KA2 (D-A6).").
			Annotations(entgql.OrderField("STATUS")),
		field.String("service_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("For KA1 only: the one service the agreement covers (D-A1)."),
		field.String("offering_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("For KA1 only: the offering whose subscription starts when the agreement is signed (D-A1)."),
		field.Int("required_signatures").Default(1).Range(1, 2).
			Comment("Signatures needed before the agreement is valid: 2 when the organisation signs jointly, i förening (D-A3)."),
		optionalDateField("valid_from", "Date from which the agreement is valid: when the last required signature was received (D-A3).", "VALID_FROM"),
		optionalDateField("termination_noticed_on", "Date the customer gave notice of termination (D-A5).", ""),
		optionalDateField("ends_on", "Last date of validity after the notice period (D-A5), or the date it was replaced (D-A6).", "ENDS_ON"),
		optionalDateField("model_agreement_signed_on", "For KA1 services that process personal data: when the separate data-processing agreement (Modellavtal) was signed (D-A1).", ""),
		field.String("replaced_by_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The KA2 agreement that replaced this KA1 agreement (D-A6)."),
	}
}

// Edges of Agreement.
func (Agreement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("service", Service.Type).Ref("ka1_agreements").Field("service_id").Unique().Immutable().
			Comment("For KA1 only: the one service the agreement covers (D-A1)."),
		edge.To("offering", Offering.Type).Field("offering_id").Unique().Immutable().
			Comment("For KA1 only: the offering whose subscription starts when the agreement is signed (D-A1)."),
		edge.To("signatures", Signature.Type).Comment("Signatures given on the agreement (D-A3, D-A4).").
			Annotations(entgql.RelayConnection()),
		edge.To("subscriptions", Subscription.Type).Comment("Subscriptions held under the agreement.").
			Annotations(entgql.RelayConnection()),
		edge.To("migrated_subscriptions", Subscription.Type).
			Comment("For a replaced KA1 agreement: the subscriptions that moved from it to KA2 (D-A6).").
			Annotations(entgql.RelayConnection()),
		edge.To("signings", SigningSession.Type).Comment("E-identity signings started on the agreement (D-A4).").
			Annotations(entgql.RelayConnection()),
		edge.To("replaces", Agreement.Type).
			Comment("KA1 agreements this KA2 agreement replaced (D-A6).").
			From("replaced_by").Field("replaced_by_id").Unique().
			Comment("The KA2 agreement that replaced this KA1 agreement (D-A6)."),
	}
}

// Indexes of Agreement.
func (Agreement) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("service_id"),
	}
}

// Annotations of Agreement.
func (Agreement) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An agreement between the provider and a customer (Kundavtal 1, Kundavtal 2 or agent agreement)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// Signature is one signing of an agreement (D-A3, D-A4, D-O6).
type Signature struct{ ent.Schema }

// Mixin of Signature.
func (Signature) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("SG"), TimeMixin{}}
}

// Fields of Signature.
func (Signature) Fields() []ent.Field {
	return []ent.Field{
		field.String("agreement_id").GoType(pulid.ID("")).Immutable().Comment("The signed agreement."),
		field.String("signer_id").GoType(pulid.ID("")).Immutable().Comment("The signatory who signed."),
		field.Enum("method").Values("BANKID", "MOBILE_BANKID", "TELIA_SITHS", "PAPER").Immutable().
			Comment("E-identity used, or PAPER when customer service registered a paper signature (D-A4)."),
		field.String("transaction_reference").NotEmpty().MaxLen(200).Immutable().
			Comment("Reference of the e-identity transaction, or of the scanned paper original (D-O6)."),
		field.Time("signed_at").Immutable().
			Comment("When the signature was given.").
			Annotations(entgql.OrderField("SIGNED_AT")),
		field.String("registered_by").Optional().Nillable().MaxLen(200).Immutable().
			Comment("Staff member who registered a paper signature (D-A4)."),
	}
}

// Edges of Signature.
func (Signature) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("agreement", Agreement.Type).Ref("signatures").Field("agreement_id").Unique().Required().Immutable().
			Comment("The signed agreement."),
		edge.To("signer", Person.Type).Field("signer_id").Unique().Required().Immutable().
			Comment("The signatory who signed."),
	}
}

// Indexes of Signature.
func (Signature) Indexes() []ent.Index {
	return []ent.Index{
		// One person signs an agreement once; a second signature must be
		// someone else's (D-A3, i förening).
		index.Fields("agreement_id", "signer_id").Unique(),
	}
}

// Annotations of Signature.
func (Signature) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A signature on an agreement, digital or registered from paper (D-A3, D-A4)."),
		entgql.RelayConnection(),
	}
}

// SigningSession is one e-identity signing of an agreement at the
// provider (BankID, D-A4): started by a signatory, polled until it is
// complete, failed or cancelled.
type SigningSession struct{ ent.Schema }

// Mixin of SigningSession.
func (SigningSession) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("SS"), TimeMixin{},
		Tenant{Ref: "signing_sessions", Comment: "The customer whose agreement is being signed.",
			Writes: []rule.Write{rule.SignatoriesAndAttestants}}}
}

// Fields of SigningSession.
func (SigningSession) Fields() []ent.Field {
	return []ent.Field{
		field.String("agreement_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The agreement being signed; null for an order's attestation."),
		field.String("order_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("The order being attested with BankID (D-O4); null for an agreement's signing."),
		field.String("signer_id").GoType(pulid.ID("")).Immutable().Comment("The signatory signing, or the attestant attesting."),
		field.Enum("method").Values("BANKID", "TELIA_SITHS").Immutable().
			Comment("The e-identity the signatory signs with (D-A4)."),
		field.String("order_ref").NotEmpty().MaxLen(200).Unique().Immutable().
			Comment("The provider's reference of the signing (BankID's orderRef), recorded on the signature (D-O6)."),
		field.Enum("status").Values("PENDING", "COMPLETE", "FAILED", "CANCELLED").Default("PENDING").
			Comment("PENDING while the signatory signs; COMPLETE once the signature is recorded; FAILED or CANCELLED otherwise.").
			Annotations(entgql.OrderField("STATUS")),
		field.String("hint_code").Optional().Nillable().MaxLen(64).
			Comment("The provider's latest hint, e.g. outstandingTransaction, userSign, or for FAILED why: userCancel, expiredTransaction, certificateErr, startFailed."),
		field.String("auto_start_token").NotEmpty().MaxLen(200).Immutable().
			Comment("Token that starts the BankID app on the signatory's device (bankid:///?autostarttoken=…)."),
		field.String("qr_start_token").NotEmpty().MaxLen(200).Immutable().
			Annotations(entgql.Skip()).
			Comment("The provider's QR start token; the animated QR code is derived from it."),
		field.String("qr_start_secret").NotEmpty().MaxLen(200).Immutable().Sensitive().
			Annotations(entgql.Skip()).
			Comment("The provider's QR secret; never leaves the server."),
		field.Time("started_at").Immutable().
			Comment("When the signing was started; the QR code's time counts from it.").
			Annotations(entgql.OrderField("STARTED_AT")),
		field.Time("finished_at").Optional().Nillable().
			Comment("When the signing completed, failed or was cancelled."),
	}
}

// Edges of SigningSession.
func (SigningSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("agreement", Agreement.Type).Ref("signings").Field("agreement_id").Unique().Immutable().
			Comment("The agreement being signed; null for an order's attestation."),
		edge.From("order", Order.Type).Ref("signings").Field("order_id").Unique().Immutable().
			Comment("The order being attested (D-O4); null for an agreement's signing."),
		edge.To("signer", Person.Type).Field("signer_id").Unique().Required().Immutable().
			Comment("The signatory signing, or the attestant attesting."),
	}
}

// Annotations of SigningSession.
func (SigningSession) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An e-identity signing of an agreement (D-A4), or of an order's summary to attest it (D-O4), in progress or done: the SPA shows its QR code or starts the app, and polls it until it is COMPLETE, FAILED or CANCELLED."),
		entgql.RelayConnection(),
	}
}
