package ordering_test

import (
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

// TestSeed001_FromRolesToAnActiveWebcertSubscription runs seed 001's
// ordering through the HTTP handler as the SPA would: the administrator
// gives an orderer and an attestant their roles, the orderer previews the
// cost, orders Webcert Fristående for three care units and submits, the
// attestant attests with an SMS code (the real 46elks client against a
// gateway speaking its protocol), customer service delivers, and the
// subscription is ACTIVE with quantity 3 and visible to the Webcert
// partner key.
func TestSeed001_FromRolesToAnActiveWebcertSubscription(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx := apitest.SystemCtx()
		c := e.Fx.Customer()
		admin, _ := e.Holder(c, types.RoleAdministrator)
		webcert := e.Fx.Orderable(c)
		e.Fx.Client().Offering.UpdateOneID(webcert.ID).SetName("Webcert Fristående").ExecX(ctx)
		asAdmin := e.As(e.BankID(admin))

		// 1. The administrator gives the roles (D-O1).
		invite := `mutation($in: InvitePersonInput!) { invitePerson(input: $in) { id } }`
		ordererPN, attestantPN := fixture.PersonalNumber(e.Fx.Next()), fixture.PersonalNumber(e.Fx.Next())
		var inv struct{ InvitePerson struct{ ID pulid.ID } }
		asAdmin.Query(invite, map[string]any{"in": map[string]any{"customerId": c.ID, "personalNumber": ordererPN,
			"givenName": "Olle", "familyName": "Orderer", "email": "olle@vardcentral.se", "roles": []string{"ORDERER"}}}, &inv)
		asAdmin.Query(invite, map[string]any{"in": map[string]any{"customerId": c.ID, "personalNumber": attestantPN,
			"givenName": "Asta", "familyName": "Attest", "email": "asta@vardcentral.se", "phone": "+46701234567", "roles": []string{"ATTESTANT"}}}, &inv)
		asOrderer := e.As(e.Token(auth.DevToken{Subject: ordererPN, Method: auth.MethodBankID}))
		asAttestant := e.As(e.Token(auth.DevToken{Subject: attestantPN, Method: auth.MethodBankID}))

		// 2. The orderer previews: one order of three, or three of one (D-S2).
		var preview struct {
			OrderCostPreview struct {
				StartupFee, RecurringPerYear, FirstYearTotal string
				Split                                        struct {
					Orders    int
					ExtraCost string
				}
			}
		}
		asOrderer.Query(`query($in: OrderCostPreviewInput!) { orderCostPreview(input: $in) {
			startupFee recurringPerYear firstYearTotal split { orders extraCost } } }`,
			map[string]any{"in": map[string]any{"customerId": c.ID, "offeringId": webcert.ID, "quantity": 3, "splitInto": 3}}, &preview)
		p := preview.OrderCostPreview
		if p.StartupFee != "2500.00" || p.RecurringPerYear != "255.00" || p.FirstYearTotal != "2755.00" || p.Split.Orders != 3 || p.Split.ExtraCost != "5000.00" {
			t.Fatalf("preview %+v", p)
		}

		// 3. The orderer orders three care units and submits (D-O2, D-O3).
		units := []any{careUnit(e.Fx), careUnit(e.Fx), careUnit(e.Fx)}
		var created struct{ CreateOrder struct{ ID pulid.ID } }
		asOrderer.Query(createMutation, map[string]any{"in": map[string]any{
			"customerId": c.ID, "offeringId": webcert.ID, "quantity": 3, "careUnits": units}}, &created)
		id := created.CreateOrder.ID
		var out struct{}
		asOrderer.Query(submitMutation, map[string]any{"id": id, "accept": true}, &out)

		// 4. The attestant attests with the SMS code (D-O4).
		asAttestant.Query(requestCodeMutation, map[string]any{"id": id}, &out)
		code := e.SMS.LastCode("+46701234567")
		if code == "" {
			t.Fatalf("no code reached the attestant's phone: %+v", e.SMS.Messages())
		}
		asAttestant.Query(attestMutation, map[string]any{"id": id, "code": code}, &out)

		// 5. Customer service delivers (D-O5).
		e.Query(deliverMutation, map[string]any{"id": id}, &out)

		// 6. The subscription is ACTIVE with three units, for the customer…
		var mine struct {
			Node struct {
				Status       string
				Subscription struct {
					ID       pulid.ID
					Status   string
					Quantity int
				}
			}
		}
		asOrderer.Query(`query($id: ID!) { node(id: $id) { ... on Order { status subscription { id status quantity } } } }`,
			map[string]any{"id": id}, &mine)
		if mine.Node.Status != "DELIVERED" || mine.Node.Subscription.Status != "ACTIVE" || mine.Node.Subscription.Quantity != 3 {
			t.Fatalf("after delivery: %+v", mine)
		}
		// …and for the Webcert partner key (D-P1), which sees no other
		// service's subscriptions.
		e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) })
		var key struct{ CreatePartnerAPIKey struct{ Secret string } }
		e.Query(`mutation($in: CreatePartnerAPIKeyInput!) { createPartnerAPIKey(input: $in) { secret } }`,
			map[string]any{"in": map[string]any{"name": "Webcert", "scopes": []string{"subscriptions:read"}, "serviceId": webcert.ServiceID}}, &key)
		var seen struct {
			Subscriptions apitest.Conn[struct {
				ID       pulid.ID
				Quantity int
			}]
		}
		e.As("ApiKey "+key.CreatePartnerAPIKey.Secret).Query(`{ subscriptions(first: 10) { totalCount edges { node { id quantity } } } }`, nil, &seen)
		if seen.Subscriptions.TotalCount != 1 || seen.Subscriptions.Edges[0].Node.ID != mine.Node.Subscription.ID || seen.Subscriptions.Edges[0].Node.Quantity != 3 {
			t.Fatalf("the Webcert key sees %+v", seen.Subscriptions)
		}
	})
}
