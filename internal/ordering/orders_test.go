package ordering_test

import (
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/careunit"
	"kundportal/ent/notification"
	"kundportal/ent/order"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/service"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/money"
	"kundportal/internal/ordering"
	"kundportal/internal/testdb"
)

// TestDO2_SubmissionRefusesEachUnmetCondition: each condition of D-O2 and
// D-O3 refuses submission with its own code and writes nothing; the same
// order submits once the condition is met.
func TestDO2_SubmissionRefusesEachUnmetCondition(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := apitest.SystemCtx()
		env := apitest.New(t, db)
		cases := []struct {
			name, code string
			accept     bool
			// breaks the shop; the returned func mends it.
			brk func(t *testing.T, s *shop, id pulid.ID) func()
		}{
			{name: "terms not accepted", code: "TERMS_NOT_ACCEPTED", accept: false,
				brk: func(*testing.T, *shop, pulid.ID) func() { return nil }},
			{name: "no valid agreement", code: "NO_VALID_AGREEMENT", accept: true,
				brk: func(t *testing.T, s *shop, _ pulid.ID) func() {
					n := db.Client.Agreement.Update().Where(agreement.CustomerID(s.c.ID)).SetStatus(agreement.StatusTERMINATED).SaveX(ctx)
					if n == 0 {
						t.Fatal("the shop has no agreement to break")
					}
					return func() {
						db.Client.Agreement.Update().Where(agreement.CustomerID(s.c.ID)).SetStatus(agreement.StatusACTIVE).ExecX(ctx)
					}
				}},
			{name: "service not in KA2 and no KA1 for it", code: "NO_VALID_AGREEMENT", accept: true,
				brk: func(t *testing.T, s *shop, _ pulid.ID) func() {
					db.Client.Service.UpdateOneID(s.off.ServiceID).ClearKa2AvailableFrom().ExecX(ctx)
					return func() {
						s.e.Fx.Agreement(func(a *ent.AgreementCreate) {
							a.SetCustomer(s.c).SetModel(agreement.ModelKA1).SetServiceID(s.off.ServiceID)
						})
					}
				}},
			{name: "category may not order it", code: "CATEGORY_NOT_ALLOWED", accept: true,
				brk: func(t *testing.T, s *shop, _ pulid.ID) func() {
					db.Client.Service.UpdateOneID(s.off.ServiceID).ClearCategories().ExecX(ctx)
					return func() { db.Client.Service.UpdateOneID(s.off.ServiceID).AddCategoryIDs(s.c.CategoryID).ExecX(ctx) }
				}},
			{name: "nobody holds ATTESTANT", code: "NO_ATTESTANT", accept: true,
				brk: func(t *testing.T, s *shop, _ pulid.ID) func() {
					db.Client.Role.Delete().Where(role.CustomerID(s.c.ID), role.RoleEQ(types.RoleAttestant)).ExecX(ctx)
					return func() { s.e.GiveRole(s.c, s.attestant, types.RoleAttestant) }
				}},
			{name: "offering withdrawn", code: "OFFERING_NOT_ORDERABLE", accept: true,
				brk: func(t *testing.T, s *shop, _ pulid.ID) func() {
					db.Client.Offering.UpdateOneID(s.off.ID).SetOrderable(false).ExecX(ctx)
					return func() { db.Client.Offering.UpdateOneID(s.off.ID).SetOrderable(true).ExecX(ctx) }
				}},
			{name: "service retired", code: "OFFERING_NOT_ORDERABLE", accept: true,
				brk: func(t *testing.T, s *shop, _ pulid.ID) func() {
					db.Client.Service.UpdateOneID(s.off.ServiceID).SetStatus(service.StatusRETIRED).ExecX(ctx)
					return func() { db.Client.Service.UpdateOneID(s.off.ServiceID).SetStatus(service.StatusACTIVE).ExecX(ctx) }
				}},
			{name: "quantity differs from the care units", code: "QUANTITY_MISMATCH", accept: true,
				brk: func(t *testing.T, s *shop, id pulid.ID) func() {
					db.Client.Order.UpdateOneID(id).SetQuantity(3).ExecX(ctx)
					return func() { db.Client.Order.UpdateOneID(id).SetQuantity(1).ExecX(ctx) }
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := shopIn(t, env, db)
				id := s.draft(t, 1)
				mend := c.brk(t, s, id)
				before := s.events(id)
				r := s.asOrderer.In(t).Post(submitMutation, map[string]any{"id": id, "accept": c.accept})
				r.WantError(t, c.code, "")
				if o := s.get(id); o.Status != order.StatusDRAFT || o.PriceListID != nil || o.TermsAcceptedAt != nil || s.events(id) != before {
					t.Fatalf("a refused submission wrote: %+v", o)
				}
				if mend != nil {
					mend()
				}
				var out struct{}
				s.asOrderer.In(t).Query(submitMutation, map[string]any{"id": id, "accept": true}, &out)
				if s.status(id) != order.StatusAWAITING_ATTESTATION {
					t.Fatalf("mended, the order is %s", s.status(id))
				}
			})
		}
		t.Run("not a draft", func(t *testing.T) {
			s := shopIn(t, env, db)
			id := s.submitted(t, 1)
			r := s.asOrderer.In(t).Post(submitMutation, map[string]any{"id": id, "accept": true})
			if e := r.WantError(t, "INVALID_STATE", ""); e.Extensions.State != "AWAITING_ATTESTATION" {
				t.Fatalf("state %q", e.Extensions.State)
			}
		})
	})
}

// TestDO2_AffiliateOrdersUnderItsParentsAgreement: an affiliated
// organisation without an agreement of its own orders under its parent's
// KA2 (D-C5), and the subscription is held under that agreement.
func TestDO2_AffiliateOrdersUnderItsParentsAgreement(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		parent := e.Fx.Customer()
		parentKA2 := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(parent) })
		aff := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetParent(parent).SetPowerOfAttorneyReference("Fullmakt 7") })
		s := &shop{e: e, db: db, c: aff}
		s.orderer, _ = e.Holder(aff, types.RoleOrderer)
		s.attestant, _ = e.Holder(aff, types.RoleAttestant)
		s.off = e.Fx.Orderable(parent) // the parent's KA2, the affiliate's category
		e.Fx.Client().Service.UpdateOneID(s.off.ServiceID).AddCategoryIDs(aff.CategoryID).ExecX(apitest.SystemCtx())
		s.asOrderer, s.asAttest = e.As(e.BankID(s.orderer)), e.As(e.BankID(s.attestant))
		id := s.attested(t, 1)
		sub := s.get(id).QuerySubscription().OnlyX(apitest.SystemCtx())
		if sub.AgreementID != parentKA2.ID && e.Fx.Client().Agreement.GetX(apitest.SystemCtx(), sub.AgreementID).CustomerID != parent.ID {
			t.Fatalf("the subscription is held under %s, not the parent's agreement", sub.AgreementID)
		}
	})
}

// TestDO3_SubmissionRecordsTermsAndSnapshot: submission records the terms
// version in force and the price snapshot of the day in öre (D-S4, D-S5),
// and e-mails each attestant a link (D-O4).
func TestDO3_SubmissionRecordsTermsAndSnapshot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		second, _ := s.e.Holder(s.c, types.RoleAttestant)
		id := s.draft(t, 3)
		var out struct {
			SubmitOrder struct {
				Status, StartupFee, RecurringAmount string
				TermsVersion                        *struct{ ID pulid.ID }
				PriceLines                          []struct {
					Unit              string
					Quantity          int
					UnitPrice, Amount string
				}
			}
		}
		s.asOrderer.Query(submitMutation, map[string]any{"id": id, "accept": true}, &out)
		got := out.SubmitOrder
		if got.Status != "AWAITING_ATTESTATION" || got.StartupFee != fixture.OrderStartupFee.String() ||
			got.RecurringAmount != fixture.OrderUnitPrice.Times(3).String() || got.TermsVersion == nil || len(got.PriceLines) != 2 {
			t.Fatalf("submitted: %+v", got)
		}
		if l := got.PriceLines[1]; l.Unit != "PER_CARE_UNIT_PER_YEAR" || l.Quantity != 3 || l.Amount != "255.00" {
			t.Errorf("care-unit line %+v", l)
		}
		o := s.get(id)
		if o.TermsAcceptedAt == nil || o.SubmittedAt == nil || *o.StartupFee != money.Kronor(2500) {
			t.Errorf("order %+v", o)
		}
		for _, p := range []*ent.Person{s.attestant, second} {
			n := db.Client.Notification.Query().Where(notification.RecipientID(p.ID), notification.Kind(string(ordering.KindOrderToAttest)),
				notification.SubjectID(string(id)), notification.BodyContains("https://portal.test/bestallningar/"+string(id))).
				CountX(apitest.SystemCtx())
			if n != 1 {
				t.Errorf("attestant %s got %d e-mails with the link", p.GivenName, n)
			}
		}
	})
}

// TestDS4_SubmittedOrderKeepsItsPricesWhenANewListTakesEffect: a list in
// force after submission does not change the order (D-S4).
func TestDS4_SubmittedOrderKeepsItsPricesWhenANewListTakesEffect(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 2)
		before := s.get(id)
		newer := s.e.Fx.PriceList(func(l *ent.PriceListCreate) { l.SetEffectiveFrom(fixture.OrderListDay.AddDate(0, 1, 0)) })
		s.e.Fx.Price(func(p *ent.PriceCreate) {
			p.SetPriceList(newer).SetOffering(s.off).SetCategoryID(s.c.CategoryID).SetUnit(types.PriceUnitStartupFee).SetAmount(money.Kronor(9999))
		})
		after := s.get(id)
		if *after.StartupFee != *before.StartupFee || *after.PriceListID != *before.PriceListID || len(after.PriceLines) != len(before.PriceLines) {
			t.Fatalf("the snapshot changed: %+v -> %+v", before, after)
		}
		// A new order takes the new list.
		next := s.submitted(t, 1)
		if got := *s.get(next).StartupFee; got != money.Kronor(9999) {
			t.Fatalf("an order submitted under the new list has startup fee %s", got)
		}
	})
}

// TestDO3_CreateOrderNamesCareUnits: known units are reused, new ones are
// added with their names, and a bad HSA-id, a nameless new unit, another
// customer's unit, a repeated unit or a bad quantity is refused naming the
// field, writing nothing.
func TestDO3_CreateOrderNamesCareUnits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		ctx := apitest.SystemCtx()
		known := s.e.Fx.CareUnit(func(u *ent.CareUnitCreate) { u.SetCustomer(s.c) })
		foreign := s.e.Fx.CareUnit()
		fresh := fixture.HSAID(s.e.Fx.Next())
		in := func(q int, units ...map[string]any) map[string]any {
			us := []any{}
			for _, u := range units {
				us = append(us, u)
			}
			return map[string]any{"in": map[string]any{"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": q, "careUnits": us}}
		}
		var out struct {
			CreateOrder struct {
				ID, Status string
				Quantity   int
				CareUnits  struct{ TotalCount int }
			}
		}
		s.asOrderer.Query(createMutation, in(2, map[string]any{"hsaId": known.HsaID}, map[string]any{"hsaId": fresh, "name": "Ny mottagning"}), &out)
		if out.CreateOrder.Status != "DRAFT" || out.CreateOrder.Quantity != 2 || out.CreateOrder.CareUnits.TotalCount != 2 {
			t.Fatalf("created %+v", out.CreateOrder)
		}
		if u := db.Client.CareUnit.Query().Where(careunit.HsaID(fresh)).OnlyX(ctx); u.CustomerID != s.c.ID || u.Name != "Ny mottagning" {
			t.Fatalf("new unit %+v", u)
		}
		orders := db.Client.Order.Query().CountX(ctx)
		units := db.Client.CareUnit.Query().CountX(ctx)
		for name, vars := range map[string]map[string]any{
			"bad HSA-id":       in(1, map[string]any{"hsaId": "SE123"}),
			"new without name": in(1, map[string]any{"hsaId": fixture.HSAID(s.e.Fx.Next())}),
			"other customer's": in(1, map[string]any{"hsaId": foreign.HsaID}),
			"named twice":      in(2, map[string]any{"hsaId": known.HsaID}, map[string]any{"hsaId": known.HsaID}),
		} {
			t.Run(name, func(t *testing.T) {
				s.asOrderer.In(t).Post(createMutation, vars).WantError(t, "VALIDATION_ERROR", "careUnits")
			})
		}
		for _, q := range []int{0, -1, 10001} {
			s.asOrderer.In(t).Post(createMutation, in(q)).WantError(t, "VALIDATION_ERROR", "quantity")
		}
		if db.Client.Order.Query().CountX(ctx) != orders || db.Client.CareUnit.Query().CountX(ctx) != units {
			t.Fatal("a refused order wrote orders or care units")
		}
		// Editing a draft replaces the units; a submitted order is not edited.
		id := s.draft(t, 1)
		upd := `mutation($in: UpdateOrderInput!) { updateOrder(input: $in) { quantity careUnits(first: 100) { totalCount } } }`
		var edited struct {
			UpdateOrder struct {
				Quantity  int
				CareUnits struct{ TotalCount int }
			}
		}
		s.asOrderer.Query(upd, map[string]any{"in": map[string]any{"id": id, "quantity": 2,
			"careUnits": []any{map[string]any{"hsaId": known.HsaID}, careUnit(s.e.Fx)}}}, &edited)
		if edited.UpdateOrder.Quantity != 2 || edited.UpdateOrder.CareUnits.TotalCount != 2 {
			t.Fatalf("edited %+v", edited)
		}
		sub := s.submitted(t, 1)
		r := s.asOrderer.Post(upd, map[string]any{"in": map[string]any{"id": sub, "quantity": 5}})
		r.WantError(t, "INVALID_STATE", "")
		if s.get(sub).Quantity != 1 {
			t.Fatal("a submitted order was edited")
		}
	})
}

// TestDO1_SoleProprietorOrdersAndAttestsAlone: one person holding ORDERER
// and ATTESTANT orders and attests their own order; an orderer without
// ATTESTANT may not attest, an attestant without ORDERER may not order.
func TestDO1_SoleProprietorOrdersAndAttestsAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		s.e.Fx.AttestationCode(s.get(id), s.orderer, "777777")
		s.asOrderer.Post(attestMutation, map[string]any{"id": id, "code": "777777"}).WantError(t, "FORBIDDEN", "")
		s.asAttest.Post(createMutation, map[string]any{"in": map[string]any{"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": 1}}).
			WantError(t, "FORBIDDEN", "")

		s.e.GiveRole(s.c, s.orderer, types.RoleAttestant) // the sole proprietor holds both
		var out struct{}
		s.asOrderer.Query(attestMutation, map[string]any{"id": id, "code": "777777"}, &out)
		if s.status(id) != order.StatusATTESTED {
			t.Fatalf("the sole proprietor's attest left the order %s", s.status(id))
		}
	})
}

// TestDO4_CancelUntilDecided: the orderer cancels a draft or an order
// awaiting attestation; a decided order is not cancelled, and a cancelled
// one is not attested.
func TestDO4_CancelUntilDecided(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		cancel := `mutation($id: ID!) { cancelOrder(id: $id) { id status } }`
		var out struct{}
		for _, id := range []pulid.ID{s.draft(t, 1), s.submitted(t, 1)} {
			s.asOrderer.Query(cancel, map[string]any{"id": id}, &out)
			if o := s.get(id); o.Status != order.StatusCANCELLED || o.CancelledAt == nil {
				t.Fatalf("cancelled order %+v", o)
			}
			s.e.Fx.AttestationCode(s.get(id), s.attestant, "121212")
			r := s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": "121212"})
			if e := r.WantError(t, "INVALID_STATE", ""); e.Extensions.State != "CANCELLED" {
				t.Fatalf("state %q", e.Extensions.State)
			}
		}
		attested := s.attested(t, 1)
		s.asOrderer.Post(cancel, map[string]any{"id": attested}).WantError(t, "INVALID_STATE", "")
		if s.status(attested) != order.StatusATTESTED {
			t.Fatal("an attested order was cancelled")
		}
	})
}

// TestDO4_RejectWithReason: an attestant rejects with a reason, the
// orderer is told why, and the order cannot be attested afterwards.
func TestDO4_RejectWithReason(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		reject := `mutation($id: ID!, $reason: String!) { rejectOrder(id: $id, reason: $reason) { status attestation { decision reason } } }`
		s.asAttest.Post(reject, map[string]any{"id": id, "reason": "  "}).WantError(t, "VALIDATION_ERROR", "reason")
		var out struct {
			RejectOrder struct {
				Status      string
				Attestation struct{ Decision, Reason string }
			}
		}
		s.asAttest.Query(reject, map[string]any{"id": id, "reason": "Fel vårdenheter"}, &out)
		if out.RejectOrder.Status != "REJECTED" || out.RejectOrder.Attestation.Reason != "Fel vårdenheter" {
			t.Fatalf("rejected: %+v", out)
		}
		told := db.Client.Notification.Query().Where(notification.RecipientID(s.orderer.ID),
			notification.Kind(string(ordering.KindOrderRejected)), notification.BodyContains("Fel vårdenheter")).ExistX(apitest.SystemCtx())
		if !told {
			t.Error("the orderer was not told why")
		}
		s.e.Fx.AttestationCode(s.get(id), s.attestant, "343434")
		s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": "343434"}).WantError(t, "INVALID_STATE", "")
	})
}

// TestDO5_DeliveryActivatesThenExtendsTheSubscription: the first delivered
// order makes its subscription ACTIVE from that day with its quantity; a
// second order of the offering extends the same subscription, each order
// keeping its own startup fee; the orderer and the agreement contacts are
// told; an order is delivered once, and only when attested.
func TestDO5_DeliveryActivatesThenExtendsTheSubscription(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		ctx := apitest.SystemCtx()
		contact, _ := s.e.Holder(s.c, types.RoleAgreementContact)
		first := s.attested(t, 3)
		sub := s.get(first).QuerySubscription().OnlyX(ctx)
		if sub.Status != "PENDING" || sub.Quantity != 0 {
			t.Fatalf("after attestation the subscription is %s with %d", sub.Status, sub.Quantity)
		}
		var out struct{}
		s.e.Query(deliverMutation, map[string]any{"id": first}, &out)
		sub = db.Client.Subscription.GetX(ctx, sub.ID)
		if sub.Status != "ACTIVE" || sub.Quantity != 3 || sub.ActiveFrom == nil {
			t.Fatalf("delivered: subscription %s with %d from %v", sub.Status, sub.Quantity, sub.ActiveFrom)
		}
		if o := s.get(first); o.DeliveredBy == nil || *o.DeliveredBy != apitest.StaffSubject || o.DeliveryNote == nil {
			t.Errorf("delivered order %+v", o)
		}
		for _, p := range []*ent.Person{s.orderer, contact} {
			if !db.Client.Notification.Query().Where(notification.RecipientID(p.ID), notification.Kind(string(ordering.KindOrderDelivered))).ExistX(ctx) {
				t.Errorf("%s was not told of the delivery", p.GivenName)
			}
		}
		s.e.Post(deliverMutation, map[string]any{"id": first}).WantError(t, "INVALID_STATE", "")
		s.e.Post(deliverMutation, map[string]any{"id": s.submitted(t, 1)}).WantError(t, "INVALID_STATE", "")

		second := s.attested(t, 2)
		if got := *s.get(second).SubscriptionID; got != sub.ID {
			t.Fatalf("the second order opened subscription %s, not extended %s", got, sub.ID)
		}
		s.e.Query(deliverMutation, map[string]any{"id": second}, &out)
		sub = db.Client.Subscription.GetX(ctx, sub.ID)
		if sub.Quantity != 5 || sub.Status != "ACTIVE" {
			t.Fatalf("extended: %s with %d, want ACTIVE with 5", sub.Status, sub.Quantity)
		}
		if *s.get(second).StartupFee != fixture.OrderStartupFee {
			t.Error("the extension order carries no startup fee of its own")
		}
		r := s.asOrderer.Post(`query($id: ID!) { node(id: $id) { ... on Subscription { quantity orders(first: 10) { totalCount } } } }`, map[string]any{"id": sub.ID})
		var node struct {
			Node struct {
				Quantity int
				Orders   struct{ TotalCount int }
			}
		}
		if err := r.Decode(&node); err != nil || node.Node.Quantity != 5 || node.Node.Orders.TotalCount != 2 {
			t.Fatalf("subscription as the customer sees it: %+v (%v)", node, err)
		}
	})
}

// TestDO6_OrderHistoryRecordsEveryTransition: the order exposes who did
// what, with the attestation's method and transaction reference.
func TestDO6_OrderHistoryRecordsEveryTransition(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.draft(t, 1)
		var out struct{}
		s.asOrderer.Query(submitMutation, map[string]any{"id": id, "accept": true}, &out)
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &out)
		code := s.e.SMS.LastCode(*s.attestant.Phone)
		s.asAttest.Query(attestMutation, map[string]any{"id": id, "code": code}, &out)
		var delivered struct {
			DeliverOrder struct{ History []struct{ Action string } }
		}
		s.e.Query(`mutation($id: ID!) { deliverOrder(id: $id, note: "Klart") { history { action } } }`, map[string]any{"id": id}, &delivered)
		if h := delivered.DeliverOrder.History; len(h) == 0 || h[len(h)-1].Action != "ORDER_DELIVERED" {
			t.Fatalf("the delivery's own answer shows history %+v", h)
		}
		var h struct {
			Node struct {
				History []struct {
					Action, ActorKind, Actor     string
					Method, TransactionReference *string
				}
			}
		}
		s.asOrderer.Query(`query($id: ID!) { node(id: $id) { ... on Order { history { action actorKind actor method transactionReference } } } }`,
			map[string]any{"id": id}, &h)
		var actions []string
		for _, e := range h.Node.History {
			actions = append(actions, e.Action)
		}
		want := "ORDER_CREATED ORDER_SUBMITTED ORDER_ATTESTATION_CODE_SENT ORDER_ATTESTED ORDER_DELIVERED"
		if strings.Join(actions, " ") != want {
			t.Fatalf("history %v, want %s", actions, want)
		}
		att := h.Node.History[3]
		msgID := s.e.SMS.Messages()[0].ID
		if att.Actor != string(s.attestant.ID) || att.Method == nil || *att.Method != "SMS_OTP" || att.TransactionReference == nil || *att.TransactionReference != msgID {
			t.Fatalf("attestation event %+v, want the attestant, SMS_OTP and the gateway's message id %s", att, msgID)
		}
		if h.Node.History[4].ActorKind != "STAFF" {
			t.Errorf("delivery by %s", h.Node.History[4].ActorKind)
		}
	})
}
