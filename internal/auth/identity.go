// Package auth establishes who is calling: a person signed in with BankID
// or SITHS, a member of the provider's staff, a partner integration with an
// API key, or nobody. What that caller may see and do is decided by package
// access.
package auth

import (
	"context"
	"slices"

	"kundportal/ent/schema/pulid"
)

// Kind is the kind of caller.
type Kind int

// The kinds of caller.
const (
	Anonymous Kind = iota
	Person
	Staff
	Partner
)

// String names the kind as the docs and audit events do.
func (k Kind) String() string {
	return [...]string{"ANONYMOUS", "PERSON", "STAFF", "PARTNER"}[k]
}

// LoginMethod is how a person proved who they are; D-P2 depends on it.
type LoginMethod string

// The login methods. BankID (and other e-legitimation) logins carry a
// personal number; SITHS card logins carry an HSA-id.
const (
	MethodBankID LoginMethod = "BANKID"
	MethodSITHS  LoginMethod = "SITHS"
)

// Identity is the authenticated caller of one request.
type Identity struct {
	Kind Kind
	// Subject is the personal number (BankID) or HSA-id (SITHS) of a
	// person, the subject claim of a staff member, or the visible prefix of
	// a partner's API key.
	Subject string
	// Method is set for persons.
	Method LoginMethod
	// Scopes are a partner key's grants, e.g. subscriptions:read.
	Scopes []string
	// APIKeyID identifies a partner's key.
	APIKeyID pulid.ID
	// ServiceID, if set, limits a partner key to one service's data.
	ServiceID *pulid.ID
	// Address is the IP address the request came from, as the server
	// saw it; BankID asks for the end user's.
	Address string
}

// HasScope reports whether a partner identity was granted scope.
func (i Identity) HasScope(scope string) bool { return slices.Contains(i.Scopes, scope) }

type identityKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the caller, or an anonymous identity.
func FromContext(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}
