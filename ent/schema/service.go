package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access/rule"
)

// Service is a catalog entry such as Intygstjänster (D-S1, D-A7, D-P3).
type Service struct{ ent.Schema }

// Mixin of Service.
func (Service) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("SV"), TimeMixin{}}
}

// Fields of Service.
func (Service) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(64).Unique().Immutable().
			Comment("Stable machine name, e.g. INTYGSTJANSTER; partners name the service by it.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Swedish name, e.g. \"Intygstjänster\".").
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Optional().MaxLen(4000).Comment("Short description for the catalog."),
		field.Enum("status").Values("ACTIVE", "DECOMMISSIONING", "RETIRED").Default("ACTIVE").
			Comment("ACTIVE services can be ordered; DECOMMISSIONING ones are being wound down and cannot be ordered; RETIRED ones are gone (D-S1). Only forward: see docs/catalog.md.").
			Annotations(entgql.OrderField("STATUS")),
		optionalDateField("decommissioning_from", "Date the service started being decommissioned.", ""),
		optionalDateField("retires_on", "Date the provider plans to retire the service, announced with the decommissioning.", ""),
		optionalDateField("retired_on", "Date the service was retired.", ""),
		field.Bool("processes_personal_data").Default(false).
			Comment("Whether the service processes personal data, so that a data-processing agreement applies (D-A1, D-A2)."),
		optionalDateField("ka2_available_from", "Date from which the service is offered under Kundavtal 2; null if it is not yet part of KA2 (D-A7).", "KA2_AVAILABLE_FROM"),
		field.Bool("ka1_available").Default(false).
			Comment("Whether the service can still be had under a Kundavtal 1 agreement (D-A7)."),
		optionalDateField("warn_from", "From this date, a login without agreement or subscription gives WARN (D-P3).", ""),
		optionalDateField("deny_from", "From this date, a login without agreement or subscription gives DENIED (D-P3).", ""),
		field.String("warning_message").Optional().Nillable().MaxLen(2000).
			Comment("User-facing message shown with WARN at every login (D-P1, D-P3)."),
		field.String("denial_message").Optional().Nillable().MaxLen(2000).
			Comment("User-facing message shown with DENIED (D-P1, D-P3)."),
	}
}

// Edges of Service.
func (Service) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("categories", CustomerCategory.Type).
			Comment("Customer categories that may order the service (D-C1).").
			Annotations(entgql.RelayConnection()),
		edge.To("offerings", Offering.Type).Comment("What can be ordered of the service.").
			Annotations(entgql.RelayConnection()),
		edge.To("ka1_agreements", Agreement.Type).Comment("Kundavtal 1 agreements for this service (D-A1).").
			Annotations(entgql.RelayConnection()),
		edge.To("documents", AgreementDocument.Type).Comment("The service's BTV (D-D1).").
			Annotations(entgql.RelayConnection()),
		edge.To("subscriptions", Subscription.Type).Comment("Subscriptions to the service.").
			Annotations(entgql.RelayConnection()),
		edge.To("availability_targets", AvailabilityTarget.Type).
			Comment("The availability target's history, oldest first (D-S1)."),
		edge.From("exempt_from", PriceList.Type).Ref("exempt_services").
			Comment("Price changes the service was exempt from (D-S4).").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of Service.
func (Service) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A service in the catalog (tjänst), e.g. Intygstjänster (D-S1)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// AvailabilityTarget is a service's availability target from a date
// (D-S1): 99.80 % raised to 99.95 % is two rows.
type AvailabilityTarget struct{ ent.Schema }

// Mixin of AvailabilityTarget.
func (AvailabilityTarget) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AV"), TimeMixin{}}
}

// Fields of AvailabilityTarget.
func (AvailabilityTarget) Fields() []ent.Field {
	return []ent.Field{
		field.String("service_id").GoType(pulid.ID("")).Immutable().Comment("The service."),
		field.Int("basis_points").Range(0, 10000).Immutable().
			Comment("The target in hundredths of a percent: 9995 is 99.95 %."),
		dateField("effective_from", "Date from which the target applies; it applies until the next one's.", ""),
	}
}

// Edges of AvailabilityTarget.
func (AvailabilityTarget) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("service", Service.Type).Ref("availability_targets").Field("service_id").Unique().Required().Immutable(),
	}
}

// Indexes of AvailabilityTarget.
func (AvailabilityTarget) Indexes() []ent.Index {
	// One target per service and date: exactly one in force on a date.
	return []ent.Index{index.Fields("service_id", "effective_from").Unique()}
}

// Annotations of AvailabilityTarget.
func (AvailabilityTarget) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A service's availability target (tillgänglighetsmål) from a date (D-S1)."),
	}
}

// Offering is what is ordered of a service, e.g. Webcert Fristående (D-O3).
type Offering struct{ ent.Schema }

// Mixin of Offering.
func (Offering) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("OF"), TimeMixin{}}
}

// Fields of Offering.
func (Offering) Fields() []ent.Field {
	return []ent.Field{
		field.String("service_id").GoType(pulid.ID("")).Immutable().Comment("The service offered."),
		field.String("code").NotEmpty().MaxLen(64).Unique().Immutable().
			Comment("Stable machine name, e.g. WEBCERT_FRISTAENDE.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Swedish name, e.g. \"Webcert Fristående\".").
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Optional().MaxLen(4000).Comment("What the offering contains."),
		field.Bool("orderable").Default(true).Comment("Whether the offering can be ordered now."),
		field.Bool("requires_care_units").Default(true).
			Comment("Whether an order must name the care units that will use it (D-O3)."),
	}
}

// Edges of Offering.
func (Offering) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("service", Service.Type).Ref("offerings").Field("service_id").Unique().Required().Immutable().
			Comment("The service offered."),
		edge.To("prices", Price.Type).Comment("Prices of the offering in every price list (D-S3).").
			Annotations(entgql.RelayConnection()),
		edge.To("subscriptions", Subscription.Type).Comment("Subscriptions to the offering.").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of Offering.
func (Offering) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An offering (erbjudande): what a customer orders of a service, e.g. Webcert Fristående (D-O3)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// PriceList is a versioned set of prices with an effective date (D-S4).
type PriceList struct{ ent.Schema }

// Mixin of PriceList.
func (PriceList) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("PL"), TimeMixin{}}
}

// Fields of PriceList.
func (PriceList) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Name, e.g. \"Prislista 2024\".").
			Annotations(entgql.OrderField("NAME")),
		optionalDateField("announced_on", "Date the price list was announced to customers (D-S4).", ""),
		field.Time("effective_from").
			SchemaType(map[string]string{dialect.Postgres: "date", dialect.SQLite: "date"}).
			Unique().Immutable().
			Comment("Date from which the prices apply (D-S4). No two lists share a date, so exactly one list is in force on any date from the first.").
			Annotations(gqlAnnotations("Date", "EFFECTIVE_FROM")...),
		field.String("description").Optional().MaxLen(4000).Comment("What changed, e.g. \"Generell höjning +4 %\"."),
		field.Int64("adjustment_basis_points").Optional().Nillable().Immutable().
			Comment("The general adjustment that produced the list from the one before, in hundredths of a percent: 400 is +4 %; null for a list written out price by price (D-S4)."),
		field.Bool("raises_prices").Default(false).Immutable().
			Comment("Whether any price is higher than in the list before: a material change not in the customers' favour, announced a notice period ahead (D-D2)."),
	}
}

// Edges of PriceList.
func (PriceList) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("prices", Price.Type).Comment("Prices in the list: one per offering, customer category and unit.").
			Annotations(entgql.RelayConnection()),
		edge.To("exempt_categories", CustomerCategory.Type).
			Comment("Categories exempt from the list's general adjustment: they keep the prices of the list before (D-S4).").
			Annotations(entgql.RelayConnection()),
		edge.To("exempt_services", Service.Type).
			Comment("Services exempt from the list's general adjustment, e.g. Digitalt möte in 2021 (D-S4).").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of PriceList.
func (PriceList) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A price list (prislista): every price of every offering for every customer category, in force from its effective date until the next list's (D-S3, D-S4)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// Price is one price of an offering in a price list (D-S2, D-S3).
type Price struct{ ent.Schema }

// Mixin of Price.
func (Price) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("PR"), TimeMixin{}}
}

// Fields of Price.
func (Price) Fields() []ent.Field {
	return []ent.Field{
		field.String("price_list_id").GoType(pulid.ID("")).Immutable().Comment("The list the price belongs to."),
		field.String("offering_id").GoType(pulid.ID("")).Immutable().Comment("The offering priced."),
		field.String("category_id").GoType(pulid.ID("")).Immutable().Comment("The customer category the price is for (D-C1, D-S4)."),
		field.Enum("unit").GoType(types.PriceUnit("")).Immutable().
			Comment("What the amount is charged for: STARTUP_FEE once per order (D-S2), ONE_TIME once, the others per unit and period (D-S3).").
			Annotations(entgql.Type("PriceUnit"), entgql.OrderField("UNIT")),
		moneyField("amount", "Amount in kronor, excluding VAT (D-S5).", "AMOUNT"),
	}
}

// Edges of Price.
func (Price) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("price_list", PriceList.Type).Ref("prices").Field("price_list_id").Unique().Required().Immutable().
			Comment("The list the price belongs to."),
		edge.From("offering", Offering.Type).Ref("prices").Field("offering_id").Unique().Required().Immutable().
			Comment("The offering priced."),
		edge.From("category", CustomerCategory.Type).Ref("prices").Field("category_id").Unique().Required().Immutable().
			Comment("The customer category the price is for."),
	}
}

// Indexes of Price.
func (Price) Indexes() []ent.Index {
	return []ent.Index{
		// Exactly one price per offering, category and unit in a list; with
		// one list per effective date, exactly one in force on a date.
		index.Fields("price_list_id", "offering_id", "category_id", "unit").Unique(),
		index.Fields("offering_id", "category_id"),
	}
}

// Annotations of Price.
func (Price) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A price of an offering for a customer category in a price list, per unit and period (D-S3)."),
		entgql.RelayConnection(),
	}
}

// CareUnit is a vårdenhet that uses services (D-O3).
type CareUnit struct{ ent.Schema }

// Mixin of CareUnit.
func (CareUnit) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("CN"), TimeMixin{},
		Tenant{Ref: "care_units", Comment: "The customer the unit belongs to.",
			Writes: []rule.Write{rule.OrderersAndAttestants}}}
}

// Fields of CareUnit.
func (CareUnit) Fields() []ent.Field {
	return []ent.Field{
		field.String("hsa_id").Unique().Immutable().Validate(validHSAID).
			Comment("HSA-id of the care unit.").
			Annotations(entgql.OrderField("HSA_ID")),
		field.String("name").NotEmpty().MaxLen(300).
			Comment("Name of the care unit.").
			Annotations(entgql.OrderField("NAME")),
	}
}

// Edges of CareUnit.
func (CareUnit) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("orders", Order.Type).Ref("care_units").Comment("Orders that name this unit.").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of CareUnit.
func (CareUnit) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A care unit (vårdenhet) of a customer, identified by its HSA-id."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
