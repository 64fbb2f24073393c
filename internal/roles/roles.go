// Package roles decides who holds which portal role in a customer (D-O1):
// administrators invite people and give or take roles, and a customer
// always keeps at least one administrator. Every change is an audit event
// (D-O6).
package roles

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kundportal/ent"
	"kundportal/ent/hook"
	"kundportal/ent/person"
	"kundportal/ent/predicate"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/idnumber"
)

// PersonInput describes a person to invite. At least one of the personal
// number and the HSA-id is needed, so that the person can sign in.
type PersonInput struct {
	PersonalNumber *string
	HsaID          *string
	GivenName      string
	FamilyName     string
	Email          string
	Phone          *string
}

// Invite gives a person roles in a customer, creating the person if the
// portal does not know them yet, and queues their invitation e-mail. Only
// the customer's administrators and staff may invite.
func Invite(ctx context.Context, customerID pulid.ID, in PersonInput, kinds []types.RoleKind) (*ent.Person, error) {
	client := ent.FromContext(ctx)
	if len(kinds) == 0 {
		return nil, apperr.Validation("roles", "name at least one role")
	}
	c, err := requireAdministrator(ctx, client, customerID)
	if err != nil {
		return nil, err
	}
	p, err := findOrCreatePerson(ctx, client, in)
	if err != nil {
		return nil, err
	}
	for _, k := range dedupe(kinds) {
		if _, err := grant(ctx, client, c, p, k); err != nil {
			return nil, err
		}
	}
	err = client.Notification.Create().
		SetCustomerID(c.ID).
		SetRecipientID(p.ID).
		SetRecipientEmail(p.Email).
		SetKind("PORTAL_INVITATION").
		SetSubject("Du har bjudits in till kundportalen för " + c.Name).
		SetBody(fmt.Sprintf("Hej %s!\n\nDu har fått behörighet i kundportalen för %s. Logga in med BankID eller SITHS-kort.\n", p.GivenName, c.Name)).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("queueing invitation: %w", err)
	}
	return p, nil
}

// Grant gives a person of the customer another role. Granting a role the
// person already holds returns that role unchanged. Someone without a role
// in the customer is NOT_FOUND here and is added with Invite, which needs
// their personal number or HSA-id: otherwise an administrator could grant
// any person they can see a role, and so read their personal data.
func Grant(ctx context.Context, customerID, personID pulid.ID, kind types.RoleKind) (*ent.Role, error) {
	client := ent.FromContext(ctx)
	c, err := requireAdministrator(ctx, client, customerID)
	if err != nil {
		return nil, err
	}
	p, err := client.Person.Query().
		Where(person.ID(personID), person.HasRolesWith(role.CustomerID(customerID))).
		Only(ctx)
	if ent.IsNotFound(err) && access.FromContext(ctx).IsStaff() {
		p, err = client.Person.Get(ctx, personID)
	}
	if err != nil {
		return nil, fmt.Errorf("granting role: %w", err)
	}
	return grant(ctx, client, c, p, kind)
}

// Revoke takes a role away. The last administrator of a customer cannot
// be removed (LAST_ADMINISTRATOR).
func Revoke(ctx context.Context, roleID pulid.ID) (*ent.Role, error) {
	client := ent.FromContext(ctx)
	// The answer names the person and customer; load them now, since the
	// row is gone when the client's selection is resolved.
	r, err := client.Role.Query().Where(role.ID(roleID)).WithPerson().WithCustomer().Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("revoking role: %w", err)
	}
	if _, err := requireAdministrator(ctx, client, r.CustomerID); err != nil {
		return nil, err
	}
	if err := client.Role.DeleteOne(r).Exec(ctx); err != nil {
		return nil, fmt.Errorf("revoking role: %w", err)
	}
	return r, audit.Record(ctx, client, audit.Event{
		Action: "ROLE_REVOKED", EntityType: "Role", EntityID: r.ID, CustomerID: &r.CustomerID,
		Details: map[string]any{"personId": r.PersonID, "role": r.Role},
	})
}

// KeepOneAdministrator is the Role hook that refuses to delete a
// customer's last administrator, whatever path the deletion takes. It
// locks the customer row first, so two administrators removing each other
// at the same moment cannot both succeed.
func KeepOneAdministrator(next ent.Mutator) ent.Mutator {
	return hook.RoleFunc(func(ctx context.Context, m *ent.RoleMutation) (ent.Value, error) {
		if !m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
			return next.Mutate(ctx, m)
		}
		sys := access.SystemContext(ctx)
		ids, err := m.IDs(sys)
		if err != nil {
			return nil, err
		}
		client := m.Client()
		customers, err := client.Role.Query().
			Where(role.IDIn(ids...), role.RoleEQ(types.RoleAdministrator)).
			GroupBy(role.FieldCustomerID).Strings(sys)
		if err != nil {
			return nil, err
		}
		for _, c := range customers {
			// An UPDATE takes the row lock on PostgreSQL; SQLite write
			// transactions are serialised already.
			if err := client.Customer.UpdateOneID(pulid.ID(c)).SetUpdatedAt(time.Now()).Exec(sys); err != nil {
				return nil, err
			}
			left, err := client.Role.Query().
				Where(role.CustomerID(pulid.ID(c)), role.RoleEQ(types.RoleAdministrator), role.IDNotIn(ids...)).
				Count(sys)
			if err != nil {
				return nil, err
			}
			if left == 0 {
				return nil, apperr.New(apperr.CodeLastAdmin, "a customer must keep at least one administrator; give the role to someone else first")
			}
		}
		return next.Mutate(ctx, m)
	})
}

func grant(ctx context.Context, client *ent.Client, c *ent.Customer, p *ent.Person, kind types.RoleKind) (*ent.Role, error) {
	existing, err := client.Role.Query().
		Where(role.CustomerID(c.ID), role.PersonID(p.ID), role.RoleEQ(kind)).
		Only(access.SystemContext(ctx))
	if err == nil {
		return existing, nil
	}
	if !ent.IsNotFound(err) {
		return nil, err
	}
	_, grantedBy := audit.Actor(ctx)
	r, err := client.Role.Create().
		SetCustomerID(c.ID).SetPersonID(p.ID).SetRole(kind).SetGrantedBy(grantedBy).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("granting role: %w", err)
	}
	return r, audit.Record(ctx, client, audit.Event{
		Action: "ROLE_GRANTED", EntityType: "Role", EntityID: r.ID, CustomerID: &c.ID,
		Details: map[string]any{"personId": p.ID, "role": kind},
	})
}

// requireAdministrator returns the customer if the viewer administers it.
// A customer the viewer cannot see is NOT_FOUND, one they see without
// administering it is FORBIDDEN.
func requireAdministrator(ctx context.Context, client *ent.Client, customerID pulid.ID) (*ent.Customer, error) {
	c, err := client.Customer.Get(ctx, customerID)
	if err != nil {
		return nil, err
	}
	v := access.FromContext(ctx)
	if !v.IsStaff() && !v.HasRole(customerID, types.RoleAdministrator) {
		return nil, apperr.New(apperr.CodeForbidden, "only the customer's administrators may manage its roles")
	}
	return c, nil
}

func findOrCreatePerson(ctx context.Context, client *ent.Client, in PersonInput) (*ent.Person, error) {
	if in.PersonalNumber == nil && in.HsaID == nil {
		return nil, apperr.Validation("personalNumber", "give a personal number or an HSA-id, so that the person can sign in")
	}
	var known []predicate.Person
	if in.PersonalNumber != nil {
		pn, err := idnumber.PersonalNumber(*in.PersonalNumber)
		if err != nil {
			return nil, apperr.Validation("personalNumber", "%s", err)
		}
		in.PersonalNumber = &pn
		known = append(known, person.PersonalNumber(pn))
	}
	if in.HsaID != nil {
		hsa, err := idnumber.HSAID(*in.HsaID)
		if err != nil {
			return nil, apperr.Validation("hsaId", "%s", err)
		}
		in.HsaID = &hsa
		known = append(known, person.HsaID(hsa))
	}
	found, err := client.Person.Query().Where(person.Or(known...)).All(access.SystemContext(ctx))
	switch {
	case err != nil:
		return nil, err
	case len(found) > 1:
		return nil, apperr.Validation("hsaId", "the personal number and the HSA-id belong to two different people")
	case len(found) == 1:
		return found[0], nil
	}
	p, err := client.Person.Create().
		SetNillablePersonalNumber(in.PersonalNumber).
		SetNillableHsaID(in.HsaID).
		SetGivenName(in.GivenName).
		SetFamilyName(in.FamilyName).
		SetEmail(in.Email).
		SetNillablePhone(in.Phone).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating person: %w", err)
	}
	return p, nil
}

func dedupe(kinds []types.RoleKind) []types.RoleKind {
	out := slices.Clone(kinds)
	slices.Sort(out)
	return slices.Compact(out)
}
