package access

import (
	"context"

	"kundportal/ent"
	"kundportal/ent/privacy"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/internal/apperr"
	"kundportal/internal/auth"
)

// staffWrites lets only staff (and the service itself, through
// SystemContext) change the data; the write rules of a spec come before
// it and allow others where the domain does.
func staffWrites() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		return decide(StaffOnly(ctx, "change this"))
	})
}

// administratorsCreatePeople lets those AddPeople allows create a person
// (D-O1); changing a person is staff's.
func administratorsCreatePeople() privacy.MutationRule {
	return privacy.PersonMutationRuleFunc(func(ctx context.Context, m *ent.PersonMutation) error {
		if m.Op().Is(ent.OpCreate) && FromContext(ctx).IsPerson() {
			return decide(AddPeople(ctx))
		}
		return privacy.Skip
	})
}

// administratorsManageRoles lets a person create and delete roles in the
// customers ManageRoles allows them to (D-O1).
func administratorsManageRoles() privacy.MutationRule {
	return privacy.RoleMutationRuleFunc(func(ctx context.Context, m *ent.RoleMutation) error {
		if !FromContext(ctx).IsPerson() {
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
			cs, err := m.Client().Role.Query().Where(role.IDIn(ids...)).
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
			if err := ManageRoles(ctx, c); err != nil {
				return privacy.Denyf("%w", err)
			}
		}
		return privacy.Allow
	})
}

// signedInCreates lets any signed-in viewer create the row: audit events
// and notifications are written by the capabilities acting for them.
func signedInCreates() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := FromContext(ctx)
		if m.Op().Is(ent.OpCreate) && v != nil && v.Kind != auth.Anonymous {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// appendOnly refuses every change and deletion of an audit event, to
// everyone (D-O6).
func appendOnly() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		return privacy.Denyf("%w", apperr.New(apperr.CodeForbidden, "audit events cannot be changed"))
	})
}
