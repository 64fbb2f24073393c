package access

import (
	"context"

	"kundportal/ent"
	"kundportal/ent/privacy"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apperr"
	"kundportal/internal/auth"
)

// StaffOnly lets only staff read the data (partner API keys).
func StaffOnly() privacy.QueryRule {
	return privacy.QueryRuleFunc(func(ctx context.Context, _ ent.Query) error {
		return staffOnly(ctx, "see this")
	})
}

// AdministratorsCreatePeople lets an administrator of any customer add a
// person to the portal, to give them roles (D-O1). Changing a person is
// staff's.
func AdministratorsCreatePeople() privacy.MutationRule {
	return privacy.PersonMutationRuleFunc(func(ctx context.Context, m *ent.PersonMutation) error {
		v := FromContext(ctx)
		if m.Op().Is(ent.OpCreate) && v.IsPerson() && len(v.AdministeredCustomers()) > 0 {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AdministratorsManageRoles lets a customer's administrators create and
// delete roles within that customer, and nowhere else (D-O1).
func AdministratorsManageRoles() privacy.MutationRule {
	return privacy.RoleMutationRuleFunc(func(ctx context.Context, m *ent.RoleMutation) error {
		v := FromContext(ctx)
		if !v.IsPerson() {
			return privacy.Skip
		}
		var customers []pulid.ID
		switch {
		case m.Op().Is(ent.OpCreate):
			c, _ := m.CustomerID()
			customers = []pulid.ID{c}
		case m.Op().Is(ent.OpDeleteOne | ent.OpDelete):
			ids, err := m.IDs(SystemContext(ctx))
			if err != nil {
				return err
			}
			var cs []string
			cs, err = m.Client().Role.Query().Where(role.IDIn(ids...)).
				GroupBy(role.FieldCustomerID).Strings(SystemContext(ctx))
			if err != nil {
				return err
			}
			for _, c := range cs {
				customers = append(customers, pulid.ID(c))
			}
		default:
			return privacy.Skip
		}
		for _, c := range customers {
			if !v.HasRole(c, types.RoleAdministrator) {
				return errForbidden("only the customer's administrators may manage its roles")
			}
		}
		return privacy.Allow
	})
}

// SignedInCreates lets any signed-in viewer create the row: audit events
// and notifications are written by the capabilities acting for them.
func SignedInCreates() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := FromContext(ctx)
		if m.Op().Is(ent.OpCreate) && v != nil && v.Kind != auth.Anonymous {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AppendOnly refuses every change and deletion of an audit event, to
// everyone (D-O6).
func AppendOnly() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		return privacy.Denyf("%w", apperr.New(apperr.CodeForbidden, "audit events cannot be changed"))
	})
}
