package httpapi_test

import (
	"encoding/json"
	"testing"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// TestCrossTenantNodesAreNotFound fails for a new type until it is.
var tenantObjects = map[string]func(fx *fixture.F, c *ent.Customer) pulid.ID{
	"Customer": func(_ *fixture.F, c *ent.Customer) pulid.ID { return c.ID },
	"Agreement": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c) }).ID
	},
	"Signature": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Signature(func(s *ent.SignatureCreate) {
			s.SetAgreementID(fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c) }).ID)
		}).ID
	},
	"Order": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Order(func(o *ent.OrderCreate) { o.SetCustomer(c) }).ID
	},
	"Attestation": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Attestation(func(a *ent.AttestationCreate) { a.SetOrder(fx.Order(func(o *ent.OrderCreate) { o.SetCustomer(c) })) }).ID
	},
	"Subscription": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) }).ID
	},
	"CareUnit": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.CareUnit(func(u *ent.CareUnitCreate) { u.SetCustomer(c) }).ID
	},
	"Role": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(c) }).ID
	},
	"Person": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		p := fx.Person()
		fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(c).SetPerson(p) })
		return p.ID
	},
	"Notification": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.Notification(func(n *ent.NotificationCreate) { n.SetCustomer(c) }).ID
	},
	"AuditEvent": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.AuditEvent(func(e *ent.AuditEventCreate) { e.SetCustomer(c) }).ID
	},
	"CustomerApplication": func(fx *fixture.F, c *ent.Customer) pulid.ID {
		return fx.CustomerApplication(func(a *ent.CustomerApplicationCreate) { a.SetCustomer(c) }).ID
	},
}

// catalogTypes are public: every viewer finds them by ID.
var catalogTypes = []string{"CustomerCategory", "Service", "Offering", "PriceList", "Price", "AgreementDocument", "DocumentVersion"}

// staffTypes are the provider's own: FORBIDDEN to everyone else.
var staffTypes = []string{"PartnerAPIKey"}

// TestCrossTenantNodesAreNotFound: an administrator of customer A asks
// for customer B's objects of every type by node(id:), nodes(ids:) and
// filters, and finds none of them: NOT_FOUND, never FORBIDDEN, so that
// not even their existence leaks. A's own objects of the same types are
// found, so the test cannot pass by finding nothing.
func TestCrossTenantNodesAreNotFound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a, b := e.Fx.Customer(), e.Fx.Customer()
		admin := e.Fx.Person()
		e.Fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(a).SetPerson(admin).SetRole(types.RoleAdministrator) })
		ae := e.As(e.Token(auth.DevToken{Subject: *admin.PersonalNumber, Method: auth.MethodBankID}))

		for _, k := range apitest.NodeKinds {
			if k.Owner != apitest.Customer {
				continue
			}
			name := k.Name
			theirs, ours := k.Build(e.Fx, b), k.Build(e.Fx, a)
			t.Run(name, func(t *testing.T) {
				ae := ae.In(t)
				r := ae.Post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": theirs})
				r.WantError(t, "NOT_FOUND", "")
				if string(r.Data) != `{"node":null}` {
					t.Errorf("data = %s, want a null node", r.Data)
				}
				r = ae.Post(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []pulid.ID{ours, theirs}})
				var data struct{ Nodes []*struct{ ID pulid.ID } }
				if err := json.Unmarshal(r.Data, &data); err != nil {
					t.Fatal(err)
				}
				if len(data.Nodes) != 2 || data.Nodes[0] == nil || data.Nodes[0].ID != ours || data.Nodes[1] != nil {
					t.Errorf("nodes([ours, theirs]) = %s, want [ours, null]", r.Data)
				}
				r.WantError(t, "NOT_FOUND", "")
				for _, e := range r.Errors {
					if e.Extensions.Code == "FORBIDDEN" {
						t.Errorf("another tenant's %s must read as NOT_FOUND, got FORBIDDEN", name)
					}
				}
			})
		}
		t.Run("filters", func(t *testing.T) {
			var data struct {
				Customers     apitest.Conn[apitest.Labelled]
				Orders        apitest.Conn[apitest.Labelled]
				Subscriptions apitest.Conn[apitest.Labelled]
			}
			ae.In(t).Query(`query($b: ID!) {
				customers(first: 10, where: {id: $b}) { totalCount }
				orders(first: 10, where: {hasCustomerWith: {id: $b}}) { totalCount }
				subscriptions(first: 10, where: {hasCustomerWith: {id: $b}}) { totalCount }
			}`, map[string]any{"b": b.ID}, &data)
			if data.Customers.TotalCount+data.Orders.TotalCount+data.Subscriptions.TotalCount != 0 {
				t.Errorf("filters on customer B found %+v", data)
			}
		})
		t.Run("catalog and staff types", func(t *testing.T) {
			for name, id := range map[string]pulid.ID{"Service": e.Fx.Service().ID, "DocumentVersion": e.Fx.DocumentVersion().ID} {
				var data struct{ Node *struct{ ID pulid.ID } }
				ae.In(t).Query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &data)
				if data.Node == nil {
					t.Errorf("%s is public and must be found", name)
				}
			}
			r := ae.In(t).Post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": e.Fx.PartnerAPIKey().ID})
			r.WantError(t, "FORBIDDEN", "")
		})
	})
}
