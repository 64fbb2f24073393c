package apitest

import (
	"slices"
	"testing"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/schema/pulid"
	"kundportal/graph"
	"kundportal/internal/fixture"
)

// Owner says whose an object of a Node type is.
type Owner int

// The owners.
const (
	// Public: the catalog, nobody's; every caller finds it.
	Public Owner = iota + 1
	// Customer: a customer's own data, behind the tenant rules.
	Customer
	// Provider: the provider's own, staff only.
	Provider
)

// NodeKind is one GraphQL type that implements Node.
type NodeKind struct {
	Name  string
	Owner Owner
	// Build makes one object of the type; a Customer-owned one belongs
	// to c, the others ignore it.
	Build func(fx *fixture.F, c *ent.Customer) pulid.ID
}

// New makes one object of the kind, of a new customer if it needs one.
func (k NodeKind) New(fx *fixture.F) pulid.ID {
	var c *ent.Customer
	if k.Owner == Customer {
		c = fx.Customer()
	}
	return k.Build(fx, c)
}

func ignoring(build func(*fixture.F) pulid.ID) func(*fixture.F, *ent.Customer) pulid.ID {
	return func(fx *fixture.F, _ *ent.Customer) pulid.ID { return build(fx) }
}

// NodeKinds is the one registry of Node types: TestEveryNodeTypeIsRegistered
// (internal/httpapi) fails for a type of the schema that is not here, and
// the node lookup, cross-tenant and authorization tests build from it.
var NodeKinds = []NodeKind{
	{"AgreementDocument", Public, ignoring(func(f *fixture.F) pulid.ID { return f.AgreementDocument().ID })},
	{"CustomerCategory", Public, ignoring(func(f *fixture.F) pulid.ID { return f.Category().ID })},
	{"DocumentVersion", Public, ignoring(func(f *fixture.F) pulid.ID { return f.DocumentVersion().ID })},
	{"Offering", Public, ignoring(func(f *fixture.F) pulid.ID { return f.Offering().ID })},
	{"Price", Public, ignoring(func(f *fixture.F) pulid.ID { return f.Price().ID })},
	{"PriceList", Public, ignoring(func(f *fixture.F) pulid.ID { return f.PriceList().ID })},
	{"Service", Public, ignoring(func(f *fixture.F) pulid.ID { return f.Service().ID })},
	{"AvailabilityTarget", Public, ignoring(func(f *fixture.F) pulid.ID { return f.AvailabilityTarget().ID })},
	{"PartnerAPIKey", Provider, ignoring(func(f *fixture.F) pulid.ID { return f.PartnerAPIKey().ID })},
	{"Customer", Customer, func(_ *fixture.F, c *ent.Customer) pulid.ID { return c.ID }},
	{"Agreement", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c) }).ID
	}},
	{"Signature", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Signature(func(s *ent.SignatureCreate) {
			s.SetAgreementID(fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c) }).ID)
		}).ID
	}},
	{"Order", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Order(func(o *ent.OrderCreate) { o.SetCustomer(c) }).ID
	}},
	{"Attestation", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Attestation(func(a *ent.AttestationCreate) { a.SetOrder(fx.Order(func(o *ent.OrderCreate) { o.SetCustomer(c) })) }).ID
	}},
	{"Subscription", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) }).ID
	}},
	{"CareUnit", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.CareUnit(func(u *ent.CareUnitCreate) { u.SetCustomer(c) }).ID
	}},
	{"Role", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(c) }).ID
	}},
	{"Person", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		p := fx.Person()
		fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(c).SetPerson(p) })
		return p.ID
	}},
	{"Notification", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Notification(func(n *ent.NotificationCreate) { n.SetCustomer(c) }).ID
	}},
	{"AuditEvent", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.AuditEvent(func(e *ent.AuditEventCreate) { e.SetCustomer(c) }).ID
	}},
	{"SigningSession", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		a := fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c).SetStatus(agreement.StatusAWAITING_SIGNATURE) })
		return fx.SigningSession(func(s *ent.SigningSessionCreate) { s.SetAgreement(a).SetCustomer(c) }).ID
	}},
	{"CustomerApplication", Customer, func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.CustomerApplication(func(a *ent.CustomerApplicationCreate) { a.SetCustomer(c) }).ID
	}},
}

// NodeKindOf returns the registered kind of a type name.
func NodeKindOf(name string) (NodeKind, bool) {
	i := slices.IndexFunc(NodeKinds, func(k NodeKind) bool { return k.Name == name })
	if i < 0 {
		return NodeKind{}, false
	}
	return NodeKinds[i], true
}

// NodeTypes returns the object types of the served schema that implement
// Node, sorted.
func NodeTypes(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, def := range graph.NewExecutableSchema(graph.Config{}).Schema().PossibleTypes["Node"] {
		names = append(names, def.Name)
	}
	slices.Sort(names)
	if len(names) == 0 {
		t.Fatal("no type implements Node")
	}
	return names
}
