package access

import (
	"context"
	"fmt"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/attestationcode"
	"kundportal/ent/order"
	"kundportal/ent/privacy"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/signingsession"
	"kundportal/ent/subscription"
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

// applicantsSubmit lets those SubmitApplication allows create an
// application (D-C4); deciding it is staff's.
func applicantsSubmit() privacy.MutationRule {
	return privacy.CustomerApplicationMutationRuleFunc(func(ctx context.Context, m *ent.CustomerApplicationMutation) error {
		if m.Op().Is(ent.OpCreate) && !FromContext(ctx).IsStaff() {
			return decide(SubmitApplication(ctx))
		}
		return privacy.Skip
	})
}

// signatoriesSign lets a person write signings, signatures and agreements
// of the customers where SignAgreement allows them to (D-A3..D-A5).
func signatoriesSign() privacy.MutationRule {
	return customerWrites(SignAgreement)
}

// administratorsTerminate lets a person change subscriptions of the
// customers where TerminateSubscription allows them to (D-A5).
func administratorsTerminate() privacy.MutationRule {
	return customerWrites(TerminateSubscription)
}

// customerWrites allows a person's mutation when who allows them to act in
// every customer whose rows it writes; deletions are not theirs.
func customerWrites(who func(context.Context, pulid.ID) error) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if !FromContext(ctx).IsPerson() || m.Op().Is(ent.OpDelete|ent.OpDeleteOne) {
			return privacy.Skip
		}
		customers, err := customersWritten(SystemContext(ctx), m)
		if err != nil {
			return err
		}
		for _, c := range customers {
			if err := who(ctx, c); err != nil {
				return privacy.Denyf("%w", err)
			}
		}
		return privacy.Allow
	})
}

// customersWritten returns the customers whose rows a mutation writes: the
// customer_id a create sets (or, for a signature, its agreement's), or
// the owners of the rows an update changes.
func customersWritten(sys context.Context, m ent.Mutation) ([]pulid.ID, error) {
	if m.Op().Is(ent.OpCreate) {
		if c, ok := m.Field("customer_id"); ok {
			return []pulid.ID{c.(pulid.ID)}, nil
		}
		if m, ok := m.(*ent.AttestationMutation); ok {
			o, _ := m.OrderID()
			c, err := m.Client().Order.Query().Where(order.ID(o)).Only(sys)
			if err != nil {
				return nil, err
			}
			return []pulid.ID{c.CustomerID}, nil
		}
		if m, ok := m.(*ent.SignatureMutation); ok {
			a, _ := m.AgreementID()
			c, err := m.Client().Agreement.Query().Where(agreement.ID(a)).Only(sys)
			if err != nil {
				return nil, err
			}
			return []pulid.ID{c.CustomerID}, nil
		}
		return nil, fmt.Errorf("access: no owner known for a new %s", m.Type())
	}
	var cs []string
	var err error
	switch m := m.(type) {
	case *ent.AgreementMutation:
		ids, e := m.IDs(sys)
		if e != nil {
			return nil, e
		}
		cs, err = m.Client().Agreement.Query().Where(agreement.IDIn(ids...)).
			Unique(true).Select(agreement.FieldCustomerID).Strings(sys)
	case *ent.SubscriptionMutation:
		ids, e := m.IDs(sys)
		if e != nil {
			return nil, e
		}
		cs, err = m.Client().Subscription.Query().Where(subscription.IDIn(ids...)).
			Unique(true).Select(subscription.FieldCustomerID).Strings(sys)
	case *ent.SigningSessionMutation:
		ids, e := m.IDs(sys)
		if e != nil {
			return nil, e
		}
		cs, err = m.Client().SigningSession.Query().Where(signingsession.IDIn(ids...)).
			Unique(true).Select(signingsession.FieldCustomerID).Strings(sys)
	case *ent.OrderMutation:
		ids, e := m.IDs(sys)
		if e != nil {
			return nil, e
		}
		cs, err = m.Client().Order.Query().Where(order.IDIn(ids...)).
			Unique(true).Select(order.FieldCustomerID).Strings(sys)
	case *ent.AttestationCodeMutation:
		ids, e := m.IDs(sys)
		if e != nil {
			return nil, e
		}
		cs, err = m.Client().AttestationCode.Query().Where(attestationcode.IDIn(ids...)).
			Unique(true).Select(attestationcode.FieldCustomerID).Strings(sys)
	default:
		return nil, fmt.Errorf("access: no owner known for a changed %s", m.Type())
	}
	if err != nil {
		return nil, err
	}
	out := make([]pulid.ID, len(cs))
	for i, c := range cs {
		out[i] = pulid.ID(c)
	}
	return out, nil
}
