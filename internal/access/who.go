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
	v := FromContext(ctx)
	switch {
	case v.IsStaff(), v.IsPerson() && v.HasRole(customer, types.RoleAdministrator):
		return nil
	case v == nil || v.Kind == auth.Anonymous:
		return errUnauthenticated()
	default:
		return errForbidden("only the customer's administrators may manage its roles")
	}
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
