package ordering_test

import (
	"testing"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/order"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// shop is a customer ready to order: an orderer, an attestant and an
// offering used per care unit that it may order today.
type shop struct {
	e                   *apitest.Env
	db                  *database.DB
	c                   *ent.Customer
	orderer, attestant  *ent.Person
	off                 *ent.Offering
	asOrderer, asAttest *apitest.Env
}

func newShop(t *testing.T, db *database.DB) *shop {
	t.Helper()
	return shopIn(t, apitest.New(t, db), db)
}

// shopIn makes another shop in the Env's database.
func shopIn(t *testing.T, e *apitest.Env, db *database.DB) *shop {
	t.Helper()
	e = e.In(t)
	s := &shop{e: e, db: db, c: e.Fx.Customer()}
	s.orderer, _ = e.Holder(s.c, types.RoleOrderer)
	s.attestant, _ = e.Holder(s.c, types.RoleAttestant)
	s.off = e.Fx.Orderable(s.c)
	s.asOrderer, s.asAttest = e.As(e.BankID(s.orderer)), e.As(e.BankID(s.attestant))
	return s
}

const (
	createMutation = `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id status quantity careUnits(first: 100) { totalCount } } }`
	submitMutation = `mutation($id: ID!, $accept: Boolean!) { submitOrder(id: $id, acceptTerms: $accept) {
		id status startupFee recurringAmount termsVersion { id } priceList { id }
		priceLines { unit quantity unitPrice amount } } }`
	requestCodeMutation = `mutation($id: ID!) { requestAttestationCode(orderId: $id) { sentTo expiresAt } }`
	attestMutation      = `mutation($id: ID!, $code: String!) { attestOrder(orderId: $id, code: $code) { id status subscription { id status } } }`
	deliverMutation     = `mutation($id: ID!) { deliverOrder(id: $id, note: "Anslutningsinstruktioner mejlade till beställaren") { id status } }`
)

// careUnit is a new care unit of an order, with a name.
func careUnit(fx *fixture.F) map[string]any {
	return map[string]any{"hsaId": fixture.HSAID(fx.Next()), "name": "Vårdcentralen"}
}

// draft creates a draft order of quantity care units through the API.
func (s *shop) draft(t *testing.T, quantity int) pulid.ID {
	t.Helper()
	units := []any{}
	for range quantity {
		units = append(units, careUnit(s.e.Fx))
	}
	var out struct{ CreateOrder struct{ ID pulid.ID } }
	s.asOrderer.In(t).Query(createMutation, map[string]any{"in": map[string]any{
		"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": quantity, "careUnits": units}}, &out)
	return out.CreateOrder.ID
}

// submitted creates and submits an order of quantity care units.
func (s *shop) submitted(t *testing.T, quantity int) pulid.ID {
	t.Helper()
	id := s.draft(t, quantity)
	var out struct{}
	s.asOrderer.In(t).Query(submitMutation, map[string]any{"id": id, "accept": true}, &out)
	return id
}

// attested creates, submits and attests (with an SMS code) an order.
func (s *shop) attested(t *testing.T, quantity int) pulid.ID {
	t.Helper()
	id := s.submitted(t, quantity)
	s.e.Fx.AttestationCode(s.get(id), s.attestant, "112233")
	var out struct{}
	s.asAttest.In(t).Query(attestMutation, map[string]any{"id": id, "code": "112233"}, &out)
	return id
}

func (s *shop) get(id pulid.ID) *ent.Order {
	return s.db.Client.Order.GetX(apitest.SystemCtx(), id)
}

func (s *shop) status(id pulid.ID) order.Status { return s.get(id).Status }

// events counts the audit events of an order.
func (s *shop) events(id pulid.ID) int {
	return s.db.Client.AuditEvent.Query().Where(auditevent.EntityID(string(id))).CountX(apitest.SystemCtx())
}
