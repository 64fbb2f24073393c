package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"kundportal/ent/schema/pulid"
)

// AgreementDocument is one document the agreements consist of (D-D1).
type AgreementDocument struct{ ent.Schema }

// Mixin of AgreementDocument.
func (AgreementDocument) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("AD"), TimeMixin{}}
}

// Fields of AgreementDocument.
func (AgreementDocument) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(100).Unique().Immutable().
			Comment("Stable machine name, e.g. KA2_MAIN or BTV_INTYGSTJANSTER.").
			Annotations(entgql.OrderField("CODE")),
		field.String("title").NotEmpty().MaxLen(300).
			Comment("Swedish title, e.g. \"Allmänna villkor\".").
			Annotations(entgql.OrderField("TITLE")),
		field.Enum("kind").
			Values("MAIN", "GENERAL_TERMS", "DEFINITIONS", "DAMAGES", "DATA_PROCESSING",
				"GENERAL_INSTRUCTIONS", "CUSTOMER_CATEGORIES", "SERVICE_DESCRIPTION").
			Comment("Which part of the agreement the document is; SERVICE_DESCRIPTION is a service's BTV.").
			Annotations(entgql.OrderField("KIND")),
		field.Bool("applies_to_ka1").Default(false).Comment("The document is part of Kundavtal 1."),
		field.Bool("applies_to_ka2").Default(true).Comment("The document is part of Kundavtal 2."),
		field.Bool("applies_to_agent").Default(false).Comment("The document is part of the agent agreement."),
		field.String("service_id").GoType(pulid.ID("")).Optional().Nillable().
			Comment("For a BTV: the service it describes."),
	}
}

// Edges of AgreementDocument.
func (AgreementDocument) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("versions", DocumentVersion.Type).Comment("Published versions of the document (D-D1, D-D4).").
			Annotations(entgql.RelayConnection()),
		edge.From("service", Service.Type).Ref("documents").Field("service_id").Unique().
			Comment("For a BTV: the service it describes."),
	}
}

// Annotations of AgreementDocument.
func (AgreementDocument) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A document of the agreement: main document, general terms, BTV of a service, … (D-D1)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}

// DocumentVersion is one version of an agreement document (D-D1, D-D2).
type DocumentVersion struct{ ent.Schema }

// Mixin of DocumentVersion.
func (DocumentVersion) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.MixinWithPrefix("DV"), TimeMixin{}}
}

// Fields of DocumentVersion.
func (DocumentVersion) Fields() []ent.Field {
	return []ent.Field{
		field.String("document_id").GoType(pulid.ID("")).Immutable().Comment("The document this is a version of."),
		field.String("version").NotEmpty().MaxLen(32).Immutable().
			Comment("Version label, e.g. \"3.2\".").
			Annotations(entgql.OrderField("VERSION")),
		dateField("published_on", "Date the version was published (D-D1).", "PUBLISHED_ON"),
		dateField("effective_on", "Date from which the version is in force (D-D2, D-D4).", "EFFECTIVE_ON"),
		field.Enum("classification").Values("EDITORIAL", "MATERIAL_IN_FAVOUR", "MATERIAL_NOT_IN_FAVOUR").
			Comment("EDITORIAL: no change in meaning; MATERIAL_NOT_IN_FAVOUR takes effect no earlier than the notice period after publication (D-D2).").
			Annotations(entgql.OrderField("CLASSIFICATION")),
		field.JSON("change_items", []string{}).Default([]string{}).
			Comment("The listed changes of this version, in Swedish as published."),
	}
}

// Edges of DocumentVersion.
func (DocumentVersion) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("document", AgreementDocument.Type).Ref("versions").Field("document_id").Unique().Required().Immutable().
			Comment("The document this is a version of."),
	}
}

// Indexes of DocumentVersion.
func (DocumentVersion) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("document_id", "version").Unique(),
		// Exactly one version is in force on a date (D-D4).
		index.Fields("document_id", "effective_on").Unique(),
	}
}

// Annotations of DocumentVersion.
func (DocumentVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A published version of an agreement document, with its effective date and classification (D-D1, D-D2)."),
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
