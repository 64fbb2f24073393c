package agreements_test

import (
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/subscription"
	"kundportal/internal/apitest"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

const (
	terminateAgreementMutation    = `mutation($id: ID!) { terminateAgreement(id: $id) { id status terminationNoticedOn endsOn } }`
	terminateSubscriptionMutation = `mutation($id: ID!) { terminateSubscription(id: $id) { id status terminationNoticedOn endsOn } }`
)

// TestDA5_KA2RunsOnWhileSubscriptionsAreActive: a KA2 with an ACTIVE or
// PENDING subscription cannot be terminated, and the refusal names them;
// the administrator terminates the subscription, which ends six months
// later (Europe/Stockholm dates); then KA2 can be terminated too, and the
// scheduled step ends both once their end date has passed.
func TestDA5_KA2RunsOnWhileSubscriptionsAreActive(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		cust := e.Fx.Customer()
		admin, _ := e.Holder(cust, types.RoleAdministrator)
		signer, _ := e.Holder(cust, types.RoleSignatory)
		ka2 := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(cust) })
		active := e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetAgreement(ka2) })
		pending := e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetAgreement(ka2).SetStatus(subscription.StatusPENDING) })
		asSigner, asAdmin := e.As(e.BankID(signer)), e.As(e.BankID(admin))

		err := asSigner.Post(terminateAgreementMutation, map[string]any{"id": ka2.ID}).WantError(t, "SUBSCRIPTIONS_ACTIVE", "")
		if len(err.Extensions.SubscriptionIDs) != 2 {
			t.Errorf("the refusal names %v, want both subscriptions", err.Extensions.SubscriptionIDs)
		}
		today := bizdate.Truncate(e.Agreements.Now())
		var got struct {
			TerminateSubscription struct{ Status, TerminationNoticedOn, EndsOn string }
		}
		asAdmin.Query(terminateSubscriptionMutation, map[string]any{"id": active.ID}, &got)
		ts := got.TerminateSubscription
		if ts.Status != "TERMINATION_NOTICED" || ts.TerminationNoticedOn != today.Format(time.DateOnly) || ts.EndsOn != today.AddDate(0, 6, 0).Format(time.DateOnly) {
			t.Errorf("terminated subscription %+v, want notice today and the end six months later", ts)
		}
		asAdmin.Post(terminateSubscriptionMutation, map[string]any{"id": active.ID}).WantError(t, "INVALID_STATE", "")
		asAdmin.Query(terminateSubscriptionMutation, map[string]any{"id": pending.ID}, &got)
		asSigner.Query(terminateAgreementMutation, map[string]any{"id": ka2.ID}, &struct{}{})
		if st := c.Agreement.GetX(ctx, ka2.ID).Status; st != agreement.StatusTERMINATION_NOTICED {
			t.Fatalf("KA2 is %s after notice", st)
		}

		// The scheduled step: nothing ends before its end date; the day
		// after, agreement and subscriptions are TERMINATED, once.
		if ags, subs, err := e.Agreements.EndDue(ctx, c); err != nil || ags+subs != 0 {
			t.Fatalf("EndDue today ended %d agreements, %d subscriptions (%v)", ags, subs, err)
		}
		e.Agreements.Now = func() time.Time { return time.Now().AddDate(0, 6, 2) }
		defer func() { e.Agreements.Now = time.Now }()
		ags, subs, err2 := e.Agreements.EndDue(ctx, c)
		if err2 != nil || ags != 1 || subs != 2 {
			t.Errorf("EndDue after the notice period ended %d agreements, %d subscriptions (%v), want 1 and 2", ags, subs, err2)
		}
		if ags, subs, _ := e.Agreements.EndDue(ctx, c); ags+subs != 0 {
			t.Error("EndDue ended something twice")
		}
		if st := c.Subscription.GetX(ctx, active.ID).Status; st != subscription.StatusTERMINATED {
			t.Errorf("subscription %s after its end date", st)
		}
	})
}

// TestDA1_KA1IsOneServiceFromSigningToTermination: a KA1 agreement offered
// for one service starts that service's subscription when it is signed,
// records the Modellavtal for a service that processes personal data, and
// terminating it gives its subscription notice with the same end date.
func TestDA1_KA1IsOneServiceFromSigningToTermination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		cust := e.Fx.Customer()
		signer, _ := e.Holder(cust, types.RoleSignatory)
		svc := e.Fx.Service(func(s *ent.ServiceCreate) { s.SetKa1Available(true).SetProcessesPersonalData(true) })
		off := e.Fx.Offering(func(o *ent.OfferingCreate) { o.SetService(svc) })
		closed := e.Fx.Service()

		const offer = `mutation($in: OfferAgreementInput!) { offerAgreement(input: $in) { id status } }`
		e.Post(offer, map[string]any{"in": map[string]any{"customerId": cust.ID, "model": "KA1", "serviceId": closed.ID,
			"offeringId": off.ID}}).WantError(t, "KA1_NOT_AVAILABLE", "")
		var offered struct{ OfferAgreement struct{ ID string } }
		e.Query(offer, map[string]any{"in": map[string]any{"customerId": cust.ID, "model": "KA1", "serviceId": svc.ID, "offeringId": off.ID}}, &offered)
		ka1 := c.Agreement.GetX(ctx, pulid.ID(offered.OfferAgreement.ID))
		collect(t, e, signer, start(t, e, signer, ka1).ID)

		ka1 = c.Agreement.GetX(ctx, ka1.ID)
		if ka1.Status != agreement.StatusACTIVE || ka1.ModelAgreementSignedOn == nil {
			t.Errorf("signed KA1: %s, Modellavtal %v", ka1.Status, ka1.ModelAgreementSignedOn)
		}
		sub := c.Subscription.Query().Where(subscription.AgreementID(ka1.ID)).OnlyX(ctx)
		if sub.Status != subscription.StatusACTIVE || sub.ServiceID != svc.ID || !sub.ActiveFrom.Equal(*ka1.ValidFrom) {
			t.Errorf("KA1 subscription %+v, want the service ACTIVE from signing", sub)
		}
		e.As(e.BankID(signer)).Query(terminateAgreementMutation, map[string]any{"id": ka1.ID}, &struct{}{})
		ka1, sub = c.Agreement.GetX(ctx, ka1.ID), c.Subscription.GetX(ctx, sub.ID)
		if sub.Status != subscription.StatusTERMINATION_NOTICED || sub.EndsOn == nil || !sub.EndsOn.Equal(*ka1.EndsOn) {
			t.Errorf("after terminating KA1 its subscription is %s ending %v, want notice ending %v", sub.Status, sub.EndsOn, ka1.EndsOn)
		}
	})
}
