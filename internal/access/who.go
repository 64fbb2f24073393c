package access

import (
	"context"

	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/auth"
)

// The who-predicates: one per action, each the only place that decides who
// may take it. The privacy rules of the data layer call them for every
// write, and a capability may call the same predicate before it starts, to
// refuse early; neither restates the rule. Each answers nil, or
// UNAUTHENTICATED for an anonymous caller and FORBIDDEN for anyone else.

// StaffOnly allows the provider's staff to do what; the service itself
// acts through SystemContext, which the privacy rules allow before
// asking.
func StaffOnly(ctx context.Context, what string) error {
	v := FromContext(ctx)
	switch {
	case v.IsStaff():
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	default:
		return errForbidden("only the provider's staff may " + what)
	}
}

// ManageRoles allows a customer's administrators and staff to give and
// take roles within the customer, and within no other (D-O1).
// Administration does not extend to affiliated organisations.
func ManageRoles(ctx context.Context, customer pulid.ID) error {
	return holdsRole(ctx, customer, types.RoleAdministrator, true, "only the customer's administrators may manage its roles")
}

// AddPeople allows an administrator of any customer, and staff, to add a
// person to the portal so as to give them roles (D-O1).
func AddPeople(ctx context.Context) error {
	v := FromContext(ctx)
	if v.IsPerson() && len(v.AdministeredCustomers()) > 0 {
		return nil
	}
	return StaffOnly(ctx, "add people")
}

// SubmitApplication allows any signed-in person, also one the portal does
// not know yet, and staff to apply for an organisation to become a
// customer (D-C4).
func SubmitApplication(ctx context.Context) error {
	v := FromContext(ctx)
	switch {
	case v.IsStaff(), v != nil && v.Kind == auth.Person:
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	default:
		return errForbidden("only a signed-in person may apply to become a customer")
	}
}

// SignAgreement allows the people holding SIGNATORY in a customer to sign
// its agreements (D-A3, D-A4); staff register paper signatures instead.
func SignAgreement(ctx context.Context, customer pulid.ID) error {
	return holdsRole(ctx, customer, types.RoleSignatory, false, "only the customer's signatories may sign its agreements")
}

// TerminateAgreement allows the customer's signatories, and staff, to give
// notice on its agreements (D-A5).
func TerminateAgreement(ctx context.Context, customer pulid.ID) error {
	return holdsRole(ctx, customer, types.RoleSignatory, true, "only the customer's signatories may terminate its agreements")
}

// TerminateSubscription allows the customer's administrators, and staff,
// to give notice on its subscriptions (D-A5).
func TerminateSubscription(ctx context.Context, customer pulid.ID) error {
	return holdsRole(ctx, customer, types.RoleAdministrator, true, "only the customer's administrators may terminate its subscriptions")
}

// PlaceOrders allows the people holding ORDERER in a customer to create,
// edit, submit and cancel its orders (D-O1, D-O3).
func PlaceOrders(ctx context.Context, customer pulid.ID) error {
	return holdsRole(ctx, customer, types.RoleOrderer, false, "only the customer's orderers may place and change its orders")
}

// AttestOrders allows the people holding ATTESTANT in a customer to attest
// or reject its orders (D-O1, D-O4).
func AttestOrders(ctx context.Context, customer pulid.ID) error {
	return holdsRole(ctx, customer, types.RoleAttestant, false, "only the customer's attestants may attest or reject its orders")
}

// DeliverOrders allows the provider's customer service to deliver attested
// orders (D-O5).
func DeliverOrders(ctx context.Context) error { return StaffOnly(ctx, "deliver orders") }

// ReadFeed allows staff and partners holding subscriptions:read to page
// through the subscription feed; it returns the one service a bound key
// sees, or nil for all.
func ReadFeed(ctx context.Context) (*pulid.ID, error) {
	v := FromContext(ctx)
	switch {
	case v.IsStaff():
		return nil, nil
	case v == nil || v.Kind == auth.Anonymous:
		return nil, errUnauthenticated()
	case v.Kind != auth.Partner || !v.HasScope(ScopeSubscriptionsRead):
		return nil, errForbidden("only partner keys with " + ScopeSubscriptionsRead + " and staff may read the subscription feed")
	}
	return v.ServiceID, nil
}

// ReadReports allows staff and keys holding reports:read that are not
// bound to a service to run the provider's reports (D-R1): the reports
// span every customer and service.
func ReadReports(ctx context.Context) error {
	v := FromContext(ctx)
	switch {
	case v.IsStaff():
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	case v.Kind != auth.Partner || !v.HasScope(ScopeReportsRead):
		return errForbidden("only staff and API keys with " + ScopeReportsRead + " may run reports")
	case v.ServiceID != nil:
		return errForbidden("a key bound to a service cannot run reports, which span every service")
	}
	return nil
}

// anyOf allows what any of the predicates allows; the refusal is the
// first one's.
func anyOf(whos ...func(context.Context, pulid.ID) error) func(context.Context, pulid.ID) error {
	return func(ctx context.Context, customer pulid.ID) error {
		var first error
		for _, who := range whos {
			err := who(ctx, customer)
			if err == nil {
				return nil
			}
			if first == nil {
				first = err
			}
		}
		return first
	}
}

// holdsRole allows a person holding role in customer, and staff if
// staffToo; anonymous callers are UNAUTHENTICATED, everyone else
// FORBIDDEN with the sentence given.
func holdsRole(ctx context.Context, customer pulid.ID, role types.RoleKind, staffToo bool, refusal string) error {
	v := FromContext(ctx)
	switch {
	case v.IsPerson() && v.HasRole(customer, role), staffToo && v.IsStaff():
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	default:
		return errForbidden(refusal)
	}
}

// Self allows only the person themself, e.g. to follow a signing they
// started.
func Self(ctx context.Context, person pulid.ID, refusal string) error {
	v := FromContext(ctx)
	switch {
	case v.IsPerson() && v.PersonID == person:
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	default:
		return errForbidden(refusal)
	}
}

// CheckAccess allows staff and partners holding access:check to ask
// whether a user may use a service (D-P1); a key bound to one service
// asks about that service only.
func CheckAccess(ctx context.Context, service pulid.ID) error {
	v := FromContext(ctx)
	switch {
	case v.IsStaff():
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	case v.Kind != auth.Partner || !v.HasScope(ScopeAccessCheck):
		return errForbidden("only partner keys with " + ScopeAccessCheck + " and staff may check access")
	case v.ServiceID != nil && *v.ServiceID != service:
		return errForbidden("the API key is bound to another service")
	}
	return nil
}
