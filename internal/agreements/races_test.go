package agreements_test

import (
	"testing"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/customerapplication"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

// TestDC4_SameOrganisationAppliesTwiceAtOnce_OneApplication: two
// applications of one organisation sent at the same moment give one
// SUBMITTED application; the other is APPLICATION_PENDING.
func TestDC4_SameOrganisationAppliesTwiceAtOnce_OneApplication(t *testing.T) {
	db := testdb.Postgres(t)
	e := apitest.New(t, db)
	for round := range 5 {
		in := applicationIn(e.Fx, e.Fx.DefaultCategory())
		got := apitest.Codes(apitest.Concurrently(e, 2, func(_ int, e *apitest.Env) *apitest.Response {
			return e.As(newcomer(e)).Post(submitMutation, map[string]any{"in": in})
		}))
		if got[""] != 1 || got["APPLICATION_PENDING"] != 1 {
			t.Errorf("round %d: %v, want one success and one APPLICATION_PENDING", round, got)
		}
	}
	n := db.Client.CustomerApplication.Query().Where(customerapplication.StatusEQ(customerapplication.StatusSUBMITTED)).CountX(apitest.SystemCtx())
	if n != 5 {
		t.Errorf("%d open applications, want 5", n)
	}
}

// TestDA5_TwoAdministratorsTerminateAtOnce_OneNotice: two administrators
// giving notice on one subscription at the same moment give one notice;
// the other is INVALID_STATE naming TERMINATION_NOTICED.
func TestDA5_TwoAdministratorsTerminateAtOnce_OneNotice(t *testing.T) {
	db := testdb.Postgres(t)
	e := apitest.New(t, db)
	for round := range 5 {
		c := e.Fx.Customer()
		a1, _ := e.Holder(c, types.RoleAdministrator)
		a2, _ := e.Holder(c, types.RoleAdministrator)
		sub := e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) })
		admins := []*ent.Person{a1, a2}
		rs := apitest.Concurrently(e, 2, func(i int, e *apitest.Env) *apitest.Response {
			return e.As(e.BankID(admins[i])).Post(terminateSubscriptionMutation, map[string]any{"id": sub.ID})
		})
		if got := apitest.Codes(rs); got[""] != 1 || got["INVALID_STATE"] != 1 {
			t.Errorf("round %d: %v, want one notice and one INVALID_STATE", round, got)
		}
		events := db.Client.AuditEvent.Query().
			Where(auditevent.Action("SUBSCRIPTION_TERMINATION_NOTICED"), auditevent.EntityID(string(sub.ID))).CountX(apitest.SystemCtx())
		if events != 1 {
			t.Errorf("round %d: %d notices recorded, want 1", round, events)
		}
	}
}

// TestDA5_RefusedTransitionsNameTheState: an agreement given notice is not
// given notice again, a finished signing is not cancelled, and collecting
// a finished signing answers it as it is.
func TestDA5_RefusedTransitionsNameTheState(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ag, s1, _ := awaitingKA2(e, 1)
		e.As(e.BankID(s1)).Post(terminateAgreementMutation, map[string]any{"id": ag.ID}).WantError(t, "INVALID_STATE", "")
		sess := start(t, e, s1, ag)
		collect(t, e, s1, sess.ID)
		if again := collect(t, e, s1, sess.ID); again.Status != "COMPLETE" {
			t.Errorf("collecting a finished signing: %+v", again)
		}
		err := e.As(e.BankID(s1)).Post(`mutation($id: ID!) { cancelAgreementSigning(id: $id) { id } }`, map[string]any{"id": sess.ID}).
			WantError(t, "INVALID_STATE", "")
		if err.Extensions.State != "COMPLETE" {
			t.Errorf("state %q, want COMPLETE", err.Extensions.State)
		}
		e.As(e.BankID(s1)).Query(terminateAgreementMutation, map[string]any{"id": ag.ID}, &struct{}{})
		err = e.As(e.BankID(s1)).Post(terminateAgreementMutation, map[string]any{"id": ag.ID}).WantError(t, "INVALID_STATE", "")
		if err.Extensions.State != "TERMINATION_NOTICED" {
			t.Errorf("state %q, want TERMINATION_NOTICED", err.Extensions.State)
		}
	})
}
