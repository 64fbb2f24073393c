// Package roles decides who holds which portal role in a customer (D-O1):
// people are invited and given or taken roles, and a customer always keeps
// at least one administrator. Who may do so is internal/access's
// ManageRoles; this package decides when. Every change is an audit event
// (D-O6).
package roles

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kundportal/ent"
	"kundportal/ent/person"
	"kundportal/ent/predicate"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/idnumber"
	"kundportal/internal/notify"
)

// The audit actions of this package (D-O6).
const (
	// ActionRoleGranted: a person was given a role.
	ActionRoleGranted audit.Action = "ROLE_GRANTED"
	// ActionRoleRevoked: a role was taken away.
	ActionRoleRevoked audit.Action = "ROLE_REVOKED"
)

// KindPortalInvitation is the e-mail that invites a person to the portal.
const KindPortalInvitation notify.Kind = "PORTAL_INVITATION"

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
// portal does not know them yet, and queues their invitation e-mail.
func Invite(ctx context.Context, customerID pulid.ID, in PersonInput, kinds []types.RoleKind) (*ent.Person, error) {
	p, c, err := Add(ctx, customerID, in, kinds)
	if err != nil {
		return nil, err
	}
	if err := QueueInvitation(ctx, c, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Add gives a person roles in a customer, creating the person if the
// portal does not know them yet, and sends nothing: Invite sends the
// portal invitation, an approved customer application (D-C4) a message of
// its own to each role.
func Add(ctx context.Context, customerID pulid.ID, in PersonInput, kinds []types.RoleKind) (*ent.Person, *ent.Customer, error) {
	client := ent.FromContext(ctx)
	if len(kinds) == 0 {
		return nil, nil, apperr.Validation("roles", "name at least one role")
	}
	c, err := managedCustomer(ctx, client, customerID)
	if err != nil {
		return nil, nil, err
	}
	p, err := findOrCreatePerson(ctx, client, in)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range dedupe(kinds) {
		if _, err := grant(ctx, client, c, p, k); err != nil {
			return nil, nil, err
		}
	}
	return p, c, nil
}

// QueueInvitation queues the e-mail that invites a person to the portal
// for a customer.
func QueueInvitation(ctx context.Context, c *ent.Customer, p *ent.Person) error {
	return notify.Queue(ctx, ent.FromContext(ctx), notify.Message{
		Kind: KindPortalInvitation, CustomerID: &c.ID, RecipientID: &p.ID, To: p.Email,
		Subject: "Du har bjudits in till kundportalen för " + c.Name,
		Body:    fmt.Sprintf("Hej %s!\n\nDu har fått behörighet i kundportalen för %s. Logga in med BankID eller SITHS-kort.\n", p.GivenName, c.Name),
	})
}

// Grant gives a person of the customer another role. Granting a role the
// person already holds returns that role unchanged. Someone without a role
// in the customer is NOT_FOUND here and is added with Invite, which needs
// their personal number or HSA-id: otherwise an administrator could grant
// any person they can see a role, and so read their personal data.
func Grant(ctx context.Context, customerID, personID pulid.ID, kind types.RoleKind) (*ent.Role, error) {
	client := ent.FromContext(ctx)
	c, err := managedCustomer(ctx, client, customerID)
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
// be removed (LAST_ADMINISTRATOR), also when two administrators remove
// each other at the same moment: the customer's row is locked while the
// administrators left are counted.
func Revoke(ctx context.Context, roleID pulid.ID) (*ent.Role, error) {
	client := ent.FromContext(ctx)
	// The answer names the person and customer; load them now, since the
	// row is gone when the client's selection is resolved.
	r, err := client.Role.Query().Where(role.ID(roleID)).WithPerson().WithCustomer().Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("revoking role: %w", err)
	}
	if err := access.ManageRoles(ctx, r.CustomerID); err != nil {
		return nil, err
	}
	if r.Role == types.RoleAdministrator {
		left, err := otherAdministrators(ctx, client, r)
		if err != nil {
			return nil, fmt.Errorf("revoking role: %w", err)
		}
		if err := keepsAnAdministrator(left); err != nil {
			return nil, err
		}
	}
	if err := client.Role.DeleteOne(r).Exec(ctx); err != nil {
		return nil, fmt.Errorf("revoking role: %w", err)
	}
	return r, audit.Record(ctx, client, audit.Event{
		Action: ActionRoleRevoked, EntityType: "Role", EntityID: r.ID, CustomerID: &r.CustomerID,
		Details: map[string]any{"personId": r.PersonID, "role": r.Role},
	})
}

// keepsAnAdministrator is the rule of D-O1 that a customer always has an
// administrator, given how many would be left.
func keepsAnAdministrator(left int) error {
	if left == 0 {
		return apperr.New(apperr.CodeLastAdmin, "a customer must keep at least one administrator; give the role to someone else first")
	}
	return nil
}

// otherAdministrators locks the customer's row and counts its
// administrators other than r. The lock makes a second revocation in the
// same customer wait for this transaction and then count what it left.
func otherAdministrators(ctx context.Context, client *ent.Client, r *ent.Role) (int, error) {
	sys := access.SystemContext(ctx)
	// An UPDATE takes the row lock on PostgreSQL; SQLite write
	// transactions are serialised already.
	if err := client.Customer.UpdateOneID(r.CustomerID).SetUpdatedAt(time.Now()).Exec(sys); err != nil {
		return 0, err
	}
	return client.Role.Query().
		Where(role.CustomerID(r.CustomerID), role.RoleEQ(types.RoleAdministrator), role.IDNEQ(r.ID)).
		Count(sys)
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
		Action: ActionRoleGranted, EntityType: "Role", EntityID: r.ID, CustomerID: &c.ID,
		Details: map[string]any{"personId": p.ID, "role": kind},
	})
}

// managedCustomer loads the customer whose roles the viewer is about to
// manage: NOT_FOUND when they cannot see it, then whatever
// access.ManageRoles answers.
func managedCustomer(ctx context.Context, client *ent.Client, customerID pulid.ID) (*ent.Customer, error) {
	c, err := client.Customer.Get(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if err := access.ManageRoles(ctx, customerID); err != nil {
		return nil, err
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
