package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
)

// CustomerCategory is a kundkategori (D-C1..D-C3).
type CustomerCategory struct{ ent.Schema }

// Mixin of CustomerCategory.
func (CustomerCategory) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("CG"), TimeMixin{}}
}

// Fields of CustomerCategory.
func (CustomerCategory) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(64).Unique().Immutable().
			Comment("Stable machine name of the category, e.g. REGION; survives a rename.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Current Swedish name, e.g. \"Underleverantörer till offentlig sektor\".").
			Annotations(entgql.OrderField("NAME")),
		field.String("former_name").Optional().Nillable().MaxLen(200).
			Comment("Name before the latest rename, e.g. \"Systemintegratörer\" (D-C2)."),
		optionalDateField("renamed_on", "Date of the latest rename (D-C2).", ""),
		optionalDateField("introduced_on", "Date from which the category exists (D-C2).", ""),
		optionalDateField("ka2_available_from", "Date from which customers of the category may sign Kundavtal 2; null while the wave has not been scheduled (D-C3).", "KA2_AVAILABLE_FROM"),
	}
}

// Edges of CustomerCategory.
func (CustomerCategory) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customers", Customer.Type).
			Comment("Customers in the category.").
			Annotations(entgql.RelayConnection()),
		edge.From("services", Service.Type).Ref("categories").
			Comment("Services that customers of the category may order (kompetensområden, D-C1).").
			Annotations(entgql.RelayConnection()),
		edge.To("prices", Price.Type).
			Comment("The category's prices in every price list (D-S3, D-S4).").
			Annotations(entgql.RelayConnection()),
		edge.From("exempt_from", PriceList.Type).Ref("exempt_categories").
			Comment("Price changes the category was exempt from (D-S4).").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of CustomerCategory.
func (CustomerCategory) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer category (kundkategori): decides which services a customer may order and from when it may sign Kundavtal 2."),
		entgql.QueryField("customerCategories"),
		entgql.RelayConnection(),
	}
}

// Customer is a kund: an organisation with an agreement (D-C1, D-C5).
type Customer struct{ ent.Schema }

// Mixin of Customer.
func (Customer) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("CU"), TimeMixin{}}
}

// Fields of Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("org_number").Unique().Immutable().Validate(validOrgNumber).
			Comment("Organisation number, NNNNNN-NNNN; for a sole proprietorship the owner's personal number without the century.").
			Annotations(entgql.OrderField("ORG_NUMBER")),
		field.String("name").NotEmpty().MaxLen(300).
			Comment("Registered name of the organisation.").
			Annotations(entgql.OrderField("NAME")),
		companyFormField("Legal form (bolagsform); SOLE_PROPRIETORSHIP may log in with e-legitimation (D-P2).", "COMPANY_FORM"),
		field.Enum("status").Values("ACTIVE", "INACTIVE").Default("ACTIVE").
			Comment("ACTIVE customers may sign and order; INACTIVE ones are kept for history.").
			Annotations(entgql.OrderField("STATUS")),
		field.String("category_id").GoType(pulid.ID("")).
			Comment("The customer's category (D-C1)."),
		field.String("parent_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The organisation whose agreement binds this one by power of attorney (D-C5)."),
		field.String("power_of_attorney_reference").Optional().Nillable().MaxLen(200).
			Comment("Reference of the power of attorney (fullmakt) that binds this organisation to its parent's agreement (D-C5)."),
	}
}

// Edges of Customer.
func (Customer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", CustomerCategory.Type).Ref("customers").Field("category_id").Unique().Required().
			Comment("The customer's category (D-C1)."),
		edge.To("affiliates", Customer.Type).
			Comment("Organisations bound to this customer's agreement by power of attorney (D-C5).").
			Annotations(entgql.RelayConnection()).
			From("parent").Field("parent_id").Unique().
			Comment("The organisation whose agreement binds this one (D-C5)."),
		edge.To("roles", Role.Type).Comment("Portal roles held by people in this customer (D-O1).").
			Annotations(entgql.RelayConnection()),
		edge.To("agreements", Agreement.Type).Comment("The customer's agreements (KA1, KA2, agent).").
			Annotations(entgql.RelayConnection()),
		edge.To("orders", Order.Type).Comment("Orders placed by the customer.").
			Annotations(entgql.RelayConnection()),
		edge.To("subscriptions", Subscription.Type).Comment("The customer's subscriptions.").
			Annotations(entgql.RelayConnection()),
		edge.To("care_units", CareUnit.Type).Comment("Care units of the customer that may use services.").
			Annotations(entgql.RelayConnection()),
		edge.To("applications", CustomerApplication.Type).Comment("The application that created this customer, if any.").
			Annotations(entgql.RelayConnection()),
		edge.To("signing_sessions", SigningSession.Type).Comment("E-identity signings of the customer's agreements and orders.").
			Annotations(entgql.RelayConnection()),
		edge.To("attestation_codes", AttestationCode.Type).Comment("SMS codes sent to attest the customer's orders; internal.").
			Annotations(entgql.Skip()),
	}
}

// Indexes of Customer.
func (Customer) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("category_id"),
		index.Fields("parent_id"),
		index.Fields("name"),
	}
}

// Annotations of Customer.
func (Customer) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer (kund): an organisation that holds or has held an agreement with the provider."),
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}

// CustomerApplication is a kundansökan (D-C4).
type CustomerApplication struct{ ent.Schema }

// Mixin of CustomerApplication.
func (CustomerApplication) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("CA"), TimeMixin{}}
}

// Fields of CustomerApplication.
func (CustomerApplication) Fields() []ent.Field {
	return []ent.Field{
		field.String("org_number").Validate(validOrgNumber).
			Comment("Organisation number of the applying organisation.").
			Annotations(entgql.OrderField("ORG_NUMBER")),
		field.String("organisation_name").NotEmpty().MaxLen(300).
			Comment("Name of the applying organisation.").
			Annotations(entgql.OrderField("ORGANISATION_NAME")),
		companyFormField("Legal form of the applying organisation.", ""),
		field.String("category_id").GoType(pulid.ID("")).
			Comment("Category the organisation applies in."),
		field.JSON("contacts", []types.ApplicationContact{}).
			Comment("The named contacts: one ADMINISTRATOR, one or two SIGNATORY, one AGREEMENT_CONTACT (D-C4).").
			Annotations(entgql.Type("[ApplicationContact!]")),
		field.Bool("joint_signing").Default(false).
			Comment("Whether the two signatories must sign jointly (i förening, D-A3)."),
		field.Enum("status").Values("SUBMITTED", "APPROVED", "REJECTED").Default("SUBMITTED").
			Comment("SUBMITTED until customer service approves or rejects it.").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("decided_at").Optional().Nillable().
			Comment("When customer service approved or rejected the application."),
		field.String("decided_by").Optional().Nillable().MaxLen(200).
			Comment("Staff member who decided."),
		field.String("rejection_reason").Optional().Nillable().MaxLen(2000).
			Comment("Why the application was rejected."),
		field.String("customer_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("The customer created on approval."),
		field.String("parent_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().
			Comment("For an affiliated organisation: the customer whose agreement binds it by power of attorney (D-C5)."),
		field.String("power_of_attorney_reference").Optional().Nillable().MaxLen(200).Immutable().
			Comment("Reference of the power of attorney (fullmakt) that binds an affiliated organisation to its parent (D-C5)."),
		field.String("submitted_by").NotEmpty().MaxLen(200).Immutable().Default("unknown").
			Comment("Who submitted the application: the signed-in person's personal number or HSA-id, or a staff member."),
	}
}

// Edges of CustomerApplication.
func (CustomerApplication) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("category", CustomerCategory.Type).Field("category_id").Unique().Required().
			Comment("Category the organisation applies in."),
		edge.From("customer", Customer.Type).Ref("applications").Field("customer_id").Unique().
			Comment("The customer created on approval."),
		edge.To("parent", Customer.Type).Field("parent_id").Unique().Immutable().
			Comment("For an affiliated organisation: the customer whose agreement binds it (D-C5)."),
	}
}

// Indexes of CustomerApplication.
func (CustomerApplication) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_number"),
		index.Fields("status"),
		// One open application per organisation, also when two are sent
		// at the same moment (D-C4).
		index.Fields("org_number").Unique().StorageKey("customerapplication_org_number_submitted").
			Annotations(entsql.IndexWhere("status = 'SUBMITTED'")),
	}
}

// Annotations of CustomerApplication.
func (CustomerApplication) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An application to become a customer (kundansökan), decided by customer service (D-C4)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// companyFormField is the legal form, one GraphQL enum wherever it appears.
func companyFormField(comment, orderBy string) ent.Field {
	return field.Enum("company_form").GoType(types.CompanyForm("")).
		Comment(comment).
		Annotations(gqlAnnotations("CompanyForm", orderBy)...)
}
