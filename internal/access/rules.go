package access

import (
	"context"
	"time"

	"entgo.io/ent/entql"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/order"
	"kundportal/ent/person"
	"kundportal/ent/privacy"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/subscription"
	"kundportal/internal/apperr"
	"kundportal/internal/auth"
	"kundportal/internal/bizdate"
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
)

// Scopes lists every scope a partner key can hold.
var Scopes = []string{ScopeSubscriptionsRead, ScopeAccessCheck}

// errUnauthenticated refuses data that needs a signed-in caller.
func errUnauthenticated() error {
	return privacy.Denyf("%w", apperr.New(apperr.CodeUnauthenticated, "sign in to see this"))
}

func errForbidden(what string) error {
	return privacy.Denyf("%w", apperr.New(apperr.CodeForbidden, "%s", what))
}

// CatalogReadable lets anyone, signed in or not, read the public catalog:
// categories, services, offerings, price lists and prices, agreement
// documents and their published versions. A version published in the
// future is the provider's draft: staff only.
func CatalogReadable() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		if FromContext(ctx).IsStaff() {
			return privacy.Allow
		}
		if f, ok := f.(*ent.DocumentVersionFilter); ok {
			f.WherePublishedOn(entql.TimeLTE(bizdate.Truncate(time.Now())))
		}
		return privacy.Skip
	})
}

// TenantReadable narrows every query of a customer's data to what the
// viewer may see: staff see everything; a person sees the customers where
// they hold a role and their affiliated organisations (D-C5), with their
// agreements, signatures, orders, attestations, subscriptions, care units,
// roles and people; audit events, notifications and applications only as
// the customer's administrator; a partner sees subscriptions and
// subscribers if granted subscriptions:read, and no personal data.
// Objects outside the filter do not exist for the viewer: node(id:) of
// another tenant's object is NOT_FOUND.
func TenantReadable() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := FromContext(ctx)
		switch {
		case v == nil || v.Kind == auth.Anonymous:
			return errUnauthenticated()
		case v.IsStaff():
			return privacy.Allow
		case v.Kind == auth.Partner:
			return partnerFilter(v, f)
		}
		return personFilter(v, f)
	})
}

func personFilter(v *Viewer, f privacy.Filter) error {
	visible := strs(v.VisibleCustomers())
	admin := strs(v.AdministeredCustomers())
	switch f := f.(type) {
	case *ent.CustomerFilter:
		f.Where(oneOf("id", visible))
	case *ent.AgreementFilter, *ent.OrderFilter, *ent.SubscriptionFilter, *ent.CareUnitFilter, *ent.RoleFilter:
		f.Where(oneOf("customer_id", visible))
	case *ent.SignatureFilter:
		f.WhereHasAgreementWith(agreement.CustomerIDIn(v.VisibleCustomers()...))
	case *ent.AttestationFilter:
		f.WhereHasOrderWith(order.CustomerIDIn(v.VisibleCustomers()...))
	case *ent.PersonFilter:
		f.Where(entql.Or(
			entql.FieldEQ(person.FieldID, string(v.PersonID)),
			entql.HasEdgeWith(person.EdgeRoles, oneOf(role.FieldCustomerID, visible)),
		))
	case *ent.AuditEventFilter, *ent.CustomerApplicationFilter:
		f.Where(oneOf("customer_id", admin))
	case *ent.NotificationFilter:
		f.Where(entql.Or(
			entql.FieldEQ("recipient_id", string(v.PersonID)),
			oneOf("customer_id", admin),
		))
	default:
		return errForbidden("not available to persons")
	}
	return privacy.Skip
}

func partnerFilter(v *Viewer, f privacy.Filter) error {
	if !v.HasScope(ScopeSubscriptionsRead) {
		return errForbidden("the API key lacks the scope " + ScopeSubscriptionsRead)
	}
	switch f := f.(type) {
	case *ent.SubscriptionFilter:
		if v.ServiceID != nil {
			f.WhereServiceID(entql.StringEQ(string(*v.ServiceID)))
		}
	case *ent.CustomerFilter:
		if v.ServiceID != nil {
			f.WhereHasSubscriptionsWith(subscription.ServiceID(*v.ServiceID))
		} else {
			f.WhereHasSubscriptions()
		}
	default:
		return errForbidden("partners see subscriptions and subscribers only")
	}
	return privacy.Skip
}

// StaffWrites lets only staff (and the service itself, through
// SystemContext) change the data; capabilities that let customers act
// add their own rules before it.
func StaffWrites() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		return staffOnly(ctx, "change this")
	})
}

// staffOnly allows staff, refuses anonymous callers as UNAUTHENTICATED and
// everyone else as FORBIDDEN.
func staffOnly(ctx context.Context, what string) error {
	v := FromContext(ctx)
	switch {
	case v.IsStaff():
		return privacy.Allow
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	default:
		return errForbidden("only the provider's staff may " + what)
	}
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
