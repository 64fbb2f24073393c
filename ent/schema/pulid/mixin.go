package pulid

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// MixinWithPrefix returns the mixin that gives a schema its prefixed ID.
func MixinWithPrefix(prefix string) *Mixin {
	if len(prefix) != PrefixLen {
		panic("pulid: prefix must have exactly two characters: " + prefix)
	}
	return &Mixin{prefix: prefix}
}

// Mixin adds the id field and records the prefix for code generation.
type Mixin struct {
	mixin.Schema
	prefix string
}

// Fields provides the id field.
func (m Mixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			GoType(ID("")).
			MaxLen(PrefixLen + 26).
			Immutable().
			DefaultFunc(func() ID { return MustNew(m.prefix) }),
	}
}

// Annotation carries the ID prefix of a type into code generation.
type Annotation struct {
	Prefix string
}

// Name implements schema.Annotation.
func (a Annotation) Name() string {
	return "PULID"
}

// Annotations returns the prefix annotation of the mixin.
func (m Mixin) Annotations() []schema.Annotation {
	return []schema.Annotation{Annotation{Prefix: m.prefix}}
}
