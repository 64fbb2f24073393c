// Package ent is the generated data layer; the hand-written model is in
// ent/schema. Run `make generate` from the repository root to regenerate it.
package ent
