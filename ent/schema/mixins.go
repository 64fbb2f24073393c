// Package schema is the data model of Kundportal: every entity of DOMAIN.md
// with its fields, edges, indexes and constraints. Everything else under
// ent/ is generated from it.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"kundportal/internal/contact"
	"kundportal/internal/idnumber"
	"kundportal/internal/money"
)

// TimeMixin records when a row was created and last changed.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Comment("When the object was created.").
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Comment("When the object was last changed.").
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// dateField is a required business date (effective, notice, cut-off): a
// DATE column and the GraphQL Date scalar, never a timestamp. A non-empty
// orderBy makes it sortable under that name.
func dateField(name, comment, orderBy string) ent.Field {
	f := field.Time(name).
		SchemaType(map[string]string{dialect.Postgres: "date", dialect.SQLite: "date"}).
		Comment(comment).
		Annotations(gqlAnnotations("Date", orderBy)...)
	return f
}

// optionalDateField is a dateField that may be null.
func optionalDateField(name, comment, orderBy string) ent.Field {
	return field.Time(name).
		SchemaType(map[string]string{dialect.Postgres: "date", dialect.SQLite: "date"}).
		Optional().Nillable().
		Comment(comment).
		Annotations(gqlAnnotations("Date", orderBy)...)
}

// moneyField is an immutable amount of kronor stored as integer öre (D-S5):
// amounts are snapshots or list prices, changed only by a new price list.
func moneyField(name, comment, orderBy string) ent.Field {
	return field.Int64(name).
		GoType(money.Amount(0)).
		Immutable().
		Comment(comment).
		Annotations(gqlAnnotations("Money", orderBy)...)
}

// snapshotMoneyField is an amount of an order's price snapshot: null
// while the order is a draft, set once on submission (D-S4).
func snapshotMoneyField(name, comment string) ent.Field {
	return field.Int64(name).
		GoType(money.Amount(0)).
		Optional().Nillable().
		Comment(comment).
		Annotations(gqlAnnotations("Money", "")...)
}

func gqlAnnotations(gqlType, orderBy string) []schema.Annotation {
	a := []schema.Annotation{entgql.Type(gqlType)}
	if orderBy != "" {
		a = append(a, entgql.OrderField(orderBy))
	}
	return a
}

// canonical turns a normaliser of package idnumber or contact into a field validator
// that accepts only the canonical form: the edge normalises, the data layer
// refuses anything that slipped past it.
func canonical(normalise func(string) (string, error)) func(string) error {
	return func(s string) error {
		c, err := normalise(s)
		if err != nil {
			return err
		}
		if c != s {
			return &notCanonicalError{got: s, want: c}
		}
		return nil
	}
}

type notCanonicalError struct{ got, want string }

func (e *notCanonicalError) Error() string {
	return e.got + " is not in canonical form " + e.want
}

var (
	validOrgNumber      = canonical(idnumber.OrgNumber)
	validPersonalNumber = canonical(idnumber.PersonalNumber)
	validHSAID          = canonical(idnumber.HSAID)
)

var (
	validEmail = canonical(contact.Email)
	validPhone = canonical(contact.Phone)
)
