// Package access decides what a caller may see and do: the viewer of a
// request with its roles per customer, and the privacy rules that the data
// layer applies to every query and mutation, so that no resolver can forget
// them. docs/authorization.md is the matrix these rules implement.
package access

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"kundportal/ent"
	"kundportal/ent/customer"
	"kundportal/ent/person"
	"kundportal/ent/privacy"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/auth"
)

// Viewer is the caller of one request, with what the database says about
// them: for a person, their record and roles.
type Viewer struct {
	auth.Identity
	// PersonID is the signed-in person's record, or "" for a person the
	// portal does not know yet (they see only the public catalog).
	PersonID pulid.ID
	// roles maps each customer where the person holds a role to the roles.
	roles map[pulid.ID][]types.RoleKind
	// visible is every customer the person may see: those with a role and
	// their affiliated organisations (D-C5).
	visible []pulid.ID

	client      *ent.Client
	managedOnce sync.Once
	managed     map[pulid.ID]bool
	managedErr  error
}

// IsStaff reports whether the viewer is the provider's staff.
func (v *Viewer) IsStaff() bool { return v != nil && v.Kind == auth.Staff }

// IsPerson reports whether the viewer is a signed-in person known to the
// portal.
func (v *Viewer) IsPerson() bool { return v != nil && v.Kind == auth.Person && v.PersonID != "" }

// HasRole reports whether the person holds r within customer c.
func (v *Viewer) HasRole(c pulid.ID, r types.RoleKind) bool {
	return v != nil && slices.Contains(v.roles[c], r)
}

// Roles returns the person's roles within customer c.
func (v *Viewer) Roles(c pulid.ID) []types.RoleKind { return v.roles[c] }

// Customers returns the customers where the person holds a role.
func (v *Viewer) Customers() []pulid.ID {
	ids := make([]pulid.ID, 0, len(v.roles))
	for id := range v.roles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// VisibleCustomers returns the customers whose data the person may see.
func (v *Viewer) VisibleCustomers() []pulid.ID { return v.visible }

// AdministeredCustomers returns the customers where the person is
// ADMINISTRATOR.
func (v *Viewer) AdministeredCustomers() []pulid.ID {
	var ids []pulid.ID
	for _, c := range v.Customers() {
		if v.HasRole(c, types.RoleAdministrator) {
			ids = append(ids, c)
		}
	}
	return ids
}

// ManagesPerson reports whether the viewer may see a person's personal
// number, e-mail and phone: the person themself, staff, and the
// administrators of a customer where the person holds a role. It asks the
// database once per request, not once per person.
func (v *Viewer) ManagesPerson(ctx context.Context, p pulid.ID) (bool, error) {
	switch {
	case v.IsStaff():
		return true, nil
	case !v.IsPerson():
		return false, nil
	case v.PersonID == p:
		return true, nil
	}
	v.managedOnce.Do(func() {
		v.managed = map[pulid.ID]bool{}
		admin := v.AdministeredCustomers()
		if len(admin) == 0 {
			return
		}
		// Inside a mutation the transaction's client sees the roles the
		// mutation just gave; the root client would not (and on SQLite
		// would wait for the transaction's lock).
		client := ent.FromContext(ctx)
		if client == nil {
			client = v.client
		}
		var ids []pulid.ID
		ids, v.managedErr = client.Role.Query().
			Where(role.CustomerIDIn(admin...)).
			QueryPerson().IDs(SystemContext(ctx))
		for _, id := range ids {
			v.managed[id] = true
		}
	})
	return v.managed[p], v.managedErr
}

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the request's viewer, or nil outside a request.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// SystemContext marks work the service does on its own behalf (demo data,
// looking up the caller's roles, background jobs): the privacy rules allow
// it. Never derive it from a client's request.
func SystemContext(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// maxAffiliateDepth bounds the walk down power-of-attorney chains (D-C5);
// a region's affiliate having affiliates of its own is already rare.
const maxAffiliateDepth = 4

// Resolve loads what the database knows about an identity.
func Resolve(ctx context.Context, client *ent.Client, id auth.Identity) (*Viewer, error) {
	v := &Viewer{Identity: id, client: client}
	if id.Kind != auth.Person {
		return v, nil
	}
	sys := SystemContext(ctx)
	q := client.Person.Query()
	if id.Method == auth.MethodSITHS {
		q = q.Where(person.HsaID(id.Subject))
	} else {
		q = q.Where(person.PersonalNumber(id.Subject))
	}
	p, err := q.WithRoles().Only(sys)
	if ent.IsNotFound(err) {
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up the signed-in person: %w", err)
	}
	v.PersonID = p.ID
	v.roles = make(map[pulid.ID][]types.RoleKind, len(p.Edges.Roles))
	for _, r := range p.Edges.Roles {
		v.roles[r.CustomerID] = append(v.roles[r.CustomerID], r.Role)
	}
	v.visible = v.Customers()
	frontier := v.visible
	for depth := 0; depth < maxAffiliateDepth && len(frontier) > 0; depth++ {
		children, err := client.Customer.Query().
			Where(customer.ParentIDIn(frontier...), customer.IDNotIn(v.visible...)).
			IDs(sys)
		if err != nil {
			return nil, fmt.Errorf("looking up affiliated organisations: %w", err)
		}
		v.visible = append(v.visible, children...)
		frontier = children
	}
	return v, nil
}
