package graph

import (
	"context"
	"time"

	"kundportal/ent"
	"kundportal/ent/customer"
	"kundportal/internal/access"
	"kundportal/internal/agreements"
)

// viewer translates the request's access.Viewer for the API.
func viewer(ctx context.Context, client *ent.Client) (*Viewer, error) {
	v := access.FromContext(ctx)
	out := &Viewer{Kind: ViewerKindAnonymous, Roles: []*ViewerRole{}, Scopes: []string{}}
	if v == nil {
		return out, nil
	}
	out.Kind = ViewerKind(v.Kind.String())
	if v.Scopes != nil {
		out.Scopes = v.Scopes
	}
	if v.Method != "" {
		m := LoginMethod(v.Method)
		out.LoginMethod = &m
	}
	if !v.IsPerson() {
		return out, nil
	}
	p, err := client.Person.Get(ctx, v.PersonID)
	if err != nil {
		return nil, err
	}
	out.Person = p
	customers, err := client.Customer.Query().Where(customer.IDIn(v.Customers()...)).Order(customer.ByName()).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range customers {
		out.Roles = append(out.Roles, &ViewerRole{Customer: c, Roles: v.Roles(c.ID)})
	}
	return out, nil
}

// personalData returns a person's personal number, e-mail or phone if the
// viewer may see it (access.Viewer.ManagesPerson), and null otherwise.
func personalData(ctx context.Context, p *ent.Person, value *string) (*string, error) {
	ok, err := access.FromContext(ctx).ManagesPerson(ctx, p.ID)
	if err != nil || !ok {
		return nil, err
	}
	return value, nil
}

func contactOf(in *ApplicationContactInput) agreements.Contact {
	return agreements.Contact{GivenName: in.GivenName, FamilyName: in.FamilyName, Email: in.Email,
		Phone: in.Phone, PersonalNumber: in.PersonalNumber, HsaID: in.HsaID}
}

func contactsOf(in []*ApplicationContactInput) []agreements.Contact {
	out := make([]agreements.Contact, len(in))
	for i, c := range in {
		out[i] = contactOf(c)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefDate(d *time.Time) time.Time {
	if d == nil {
		return time.Time{}
	}
	return *d
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
