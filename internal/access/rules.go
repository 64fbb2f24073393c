package access

import (
	"entgo.io/ent/entql"

	"kundportal/ent/schema/pulid"
	"kundportal/internal/apperr"
)

// Partner scopes: what an API key may be granted.
const (
	// ScopeSubscriptionsRead lets a partner read subscriptions (of its
	// service, if the key is bound to one) and the subscribing customers'
	// names and organisation numbers.
	ScopeSubscriptionsRead = "subscriptions:read"
	// ScopeAccessCheck lets a partner ask whether a user may use its
	// service now (D-P1).
	ScopeAccessCheck = "access:check"
	// ScopeReportsRead lets a reporting client (an internal tool with a
	// key of its own, not bound to a service) run the provider's reports
	// (D-R1).
	ScopeReportsRead = "reports:read"
)

// Scopes lists every scope a partner key can hold.
var Scopes = []string{ScopeSubscriptionsRead, ScopeAccessCheck, ScopeReportsRead}

// errUnauthenticated refuses what needs a signed-in caller.
func errUnauthenticated() *apperr.Error {
	return apperr.New(apperr.CodeUnauthenticated, "sign in to see this")
}

func errForbidden(what string) *apperr.Error {
	return apperr.New(apperr.CodeForbidden, "%s", what)
}

func strs(ids []pulid.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// oneOf matches rows whose field is one of ids; no ids match nothing.
func oneOf(field string, ids []string) entql.P {
	if len(ids) == 0 {
		// SQL has no empty IN list; every row has an id.
		return entql.FieldNil("id")
	}
	vs := make([]any, len(ids))
	for i, s := range ids {
		vs[i] = s
	}
	return entql.FieldIn(field, vs...)
}
