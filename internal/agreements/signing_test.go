package agreements_test

import (
	"errors"
	"sync"
	"testing"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/auditevent"
	"kundportal/ent/notification"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/signature"
	"kundportal/ent/signingsession"
	"kundportal/ent/subscription"
	"kundportal/internal/apitest"
	"kundportal/internal/bankid"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

const (
	startMutation   = `mutation($id: ID!) { startAgreementSigning(agreementId: $id) { id status autoStartToken qrData } }`
	collectMutation = `mutation($id: ID!) { collectAgreementSigning(id: $id) { id status hintCode } }`
)

type session struct {
	ID, Status, AutoStartToken string
	QRData, HintCode           *string
}

// start starts a signing of the agreement as the person and returns it.
func start(t *testing.T, e *apitest.Env, p *ent.Person, ag *ent.Agreement) session {
	t.Helper()
	var got struct{ StartAgreementSigning session }
	e.As(e.BankID(p)).Query(startMutation, map[string]any{"id": ag.ID}, &got)
	return got.StartAgreementSigning
}

func collect(t *testing.T, e *apitest.Env, p *ent.Person, id string) session {
	t.Helper()
	var got struct{ CollectAgreementSigning session }
	e.As(e.BankID(p)).Query(collectMutation, map[string]any{"id": id}, &got)
	return got.CollectAgreementSigning
}

// awaitingKA2 is a KA2 of a new customer awaiting required signatures,
// with two signatories.
func awaitingKA2(e *apitest.Env, required int) (*ent.Agreement, *ent.Person, *ent.Person) {
	c := e.Fx.Customer()
	s1, _ := e.Holder(c, types.RoleSignatory)
	s2, _ := e.Holder(c, types.RoleSignatory)
	e.Holder(c, types.RoleAgreementContact)
	ag := e.Fx.Agreement(func(a *ent.AgreementCreate) {
		a.SetCustomer(c).SetStatus(agreement.StatusAWAITING_SIGNATURE).SetRequiredSignatures(required)
	})
	return ag, s1, s2
}

// TestDA3_JointSigningIsValidOnTheSecondSignature: an agreement signed
// jointly (i förening) is ACTIVE from the second BankID signature, the
// first leaves it awaiting; each signature records the method and BankID's
// order reference (D-O6).
func TestDA3_JointSigningIsValidOnTheSecondSignature(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		ag, s1, s2 := awaitingKA2(e, 2)

		first := start(t, e, s1, ag)
		if first.Status != "PENDING" || first.AutoStartToken == "" || first.QRData == nil {
			t.Fatalf("started %+v, want PENDING with an auto-start token and QR data", first)
		}
		req := e.Signer.Request(c.SigningSession.GetX(ctx, pulid.ID(first.ID)).OrderRef)
		if req.PersonalNumber != *s1.PersonalNumber || req.EndUserIP == "" || req.UserVisibleData == "" {
			t.Errorf("BankID was asked %+v", req)
		}
		if got := collect(t, e, s1, first.ID); got.Status != "COMPLETE" {
			t.Fatalf("collect answered %+v", got)
		}
		if st := c.Agreement.GetX(ctx, ag.ID).Status; st != agreement.StatusAWAITING_SIGNATURE {
			t.Fatalf("after one of two signatures the agreement is %s", st)
		}
		collect(t, e, s2, start(t, e, s2, ag).ID)
		got := c.Agreement.GetX(ctx, ag.ID)
		if got.Status != agreement.StatusACTIVE || got.ValidFrom == nil || !got.ValidFrom.Equal(bizdate.Truncate(e.Agreements.Now())) {
			t.Errorf("after both signatures: %s valid from %v, want ACTIVE from today", got.Status, got.ValidFrom)
		}
		for _, sg := range c.Signature.Query().Where(signature.AgreementID(ag.ID)).AllX(ctx) {
			if sg.Method != signature.MethodBANKID || sg.TransactionReference == "" {
				t.Errorf("signature %+v lacks method or reference", sg)
			}
		}
		signed := c.AuditEvent.Query().Where(auditevent.Action("AGREEMENT_SIGNED"), auditevent.EntityID(string(ag.ID))).AllX(ctx)
		if len(signed) != 2 || signed[0].Method == nil || signed[0].TransactionReference == nil {
			t.Errorf("audit of the signatures: %+v", signed)
		}
		if !c.Notification.Query().Where(notification.Kind("AGREEMENT_ACTIVE"), notification.SubjectID(string(ag.ID))).ExistX(ctx) {
			t.Error("the agreement contact was not told the agreement is valid")
		}
	})
}

// TestDA4_OnlySignatoriesSignAndOnlyOnce: someone without SIGNATORY is
// refused; a signatory who signed cannot sign again.
func TestDA4_OnlySignatoriesSignAndOnlyOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ag, s1, _ := awaitingKA2(e, 2)
		orderer, _ := e.Holder(e.Fx.Client().Customer.GetX(apitest.SystemCtx(), ag.CustomerID), types.RoleOrderer)
		e.As(e.BankID(orderer)).Post(startMutation, map[string]any{"id": ag.ID}).WantError(t, "FORBIDDEN", "")
		collect(t, e, s1, start(t, e, s1, ag).ID)
		r := e.As(e.BankID(s1)).Post(startMutation, map[string]any{"id": ag.ID})
		r.WantError(t, "ALREADY_SIGNED", "")
		if n := db.Client.SigningSession.Query().Where(signingsession.AgreementID(ag.ID)).CountX(apitest.SystemCtx()); n != 1 {
			t.Errorf("%d signings, want 1", n)
		}
	})
}

// TestDA4_FailedAndCancelledSigningsRecordNothing: BankID's failures end
// the signing with its hint and no signature; a provider that is down or
// busy gives a clear error and writes nothing.
func TestDA4_FailedAndCancelledSigningsRecordNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		ag, s1, _ := awaitingKA2(e, 1)
		for _, hint := range []bankid.HintCode{bankid.HintUserCancel, bankid.HintExpiredTransaction, bankid.HintCertificateErr, bankid.HintStartFailed} {
			sess := start(t, e, s1, ag)
			e.Signer.Outcome = func(ref string) (*bankid.CollectResponse, error) {
				return &bankid.CollectResponse{OrderRef: ref, Status: bankid.StatusFailed, HintCode: hint}, nil
			}
			got := collect(t, e, s1, sess.ID)
			if got.Status != "FAILED" || got.HintCode == nil || *got.HintCode != string(hint) {
				t.Errorf("%s: collect answered %+v", hint, got)
			}
		}
		e.Signer.Outcome = nil
		sess := start(t, e, s1, ag)
		var cancelled struct{ CancelAgreementSigning session }
		e.As(e.BankID(s1)).Query(`mutation($id: ID!) { cancelAgreementSigning(id: $id) { id status } }`, map[string]any{"id": sess.ID}, &cancelled)
		if cancelled.CancelAgreementSigning.Status != "CANCELLED" || len(e.Signer.Cancelled) != 1 {
			t.Errorf("cancel answered %+v, BankID cancelled %v", cancelled, e.Signer.Cancelled)
		}
		if n := c.Signature.Query().Where(signature.AgreementID(ag.ID)).CountX(ctx); n != 0 {
			t.Errorf("%d signatures after failed signings", n)
		}

		before := c.SigningSession.Query().CountX(ctx)
		e.Signer.SignErr = &bankid.Error{Code: bankid.ErrMaintenance}
		e.As(e.BankID(s1)).Post(startMutation, map[string]any{"id": ag.ID}).WantError(t, "PROVIDER_UNAVAILABLE", "")
		e.Signer.SignErr = &bankid.Error{Code: bankid.ErrAlreadyInProgress}
		e.As(e.BankID(s1)).Post(startMutation, map[string]any{"id": ag.ID}).WantError(t, "SIGNING_IN_PROGRESS", "")
		e.Signer.SignErr = nil
		if after := c.SigningSession.Query().CountX(ctx); after != before {
			t.Errorf("a refused start wrote a signing: %d -> %d", before, after)
		}
		sess = start(t, e, s1, ag)
		e.Signer.Outcome = func(string) (*bankid.CollectResponse, error) { return nil, errors.New("connection reset") }
		e.As(e.BankID(s1)).Post(collectMutation, map[string]any{"id": sess.ID}).WantError(t, "PROVIDER_UNAVAILABLE", "")
		e.Signer.Outcome = nil
		if st := c.SigningSession.GetX(ctx, pulid.ID(sess.ID)).Status; st != signingsession.StatusPENDING {
			t.Errorf("a provider that is away left the signing %s, want PENDING to retry", st)
		}
	})
}

// TestDA3_TwoSignatoriesCompletingAtOnce_OneActivation: an agreement that
// needs one signature, both signatories' BankID signings completing at the
// same moment: one signature activates it, the other signing fails with
// its reason, and the agreement is activated once.
func TestDA3_TwoSignatoriesCompletingAtOnce_OneActivation(t *testing.T) {
	db := testdb.Postgres(t)
	e := apitest.New(t, db)
	ctx, c := apitest.SystemCtx(), db.Client
	for round := range 5 {
		ag, s1, s2 := awaitingKA2(e, 1)
		a, b := start(t, e, s1, ag), start(t, e, s2, ag)
		var wg sync.WaitGroup
		results := make([]*apitest.Response, 2)
		for i, x := range []struct {
			p  *ent.Person
			id string
		}{{s1, a.ID}, {s2, b.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.As(e.BankID(x.p)).Post(collectMutation, map[string]any{"id": x.id})
			}()
		}
		wg.Wait()
		statuses := map[string]int{}
		for _, r := range results {
			var got struct{ CollectAgreementSigning session }
			if err := r.Decode(&got); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			statuses[got.CollectAgreementSigning.Status]++
		}
		if statuses["COMPLETE"] != 1 || statuses["FAILED"] != 1 {
			t.Errorf("round %d: signings %v, want one COMPLETE and one FAILED", round, statuses)
		}
		activations := c.AuditEvent.Query().Where(auditevent.Action("AGREEMENT_ACTIVATED"), auditevent.EntityID(string(ag.ID))).CountX(ctx)
		sigs := c.Signature.Query().Where(signature.AgreementID(ag.ID)).CountX(ctx)
		if activations != 1 || sigs != 1 || c.Agreement.GetX(ctx, ag.ID).Status != agreement.StatusACTIVE {
			t.Errorf("round %d: %d activations, %d signatures; want one ACTIVE agreement", round, activations, sigs)
		}
	}
}

// TestDA4_StaffRegisterPaperSignatures: a signatory without e-identity
// signs on paper and customer service registers it.
func TestDA4_StaffRegisterPaperSignatures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ag, s1, _ := awaitingKA2(e, 1)
		stranger := e.Fx.Person()
		const paper = `mutation($in: RegisterPaperSignatureInput!) { registerPaperSignature(input: $in) { method transactionReference registeredBy } }`
		in := func(p *ent.Person) map[string]any {
			return map[string]any{"in": map[string]any{"agreementId": ag.ID, "signerId": p.ID, "documentReference": "Diarie 2024/118", "signedOn": "2024-02-01"}}
		}
		e.Post(paper, in(stranger)).WantError(t, "VALIDATION_ERROR", "signerId")
		var got struct {
			RegisterPaperSignature struct{ Method, TransactionReference, RegisteredBy string }
		}
		e.Query(paper, in(s1), &got)
		if got.RegisterPaperSignature.Method != "PAPER" || got.RegisterPaperSignature.RegisteredBy != apitest.StaffSubject {
			t.Errorf("registered %+v", got.RegisterPaperSignature)
		}
		if st := db.Client.Agreement.GetX(apitest.SystemCtx(), ag.ID).Status; st != agreement.StatusACTIVE {
			t.Errorf("agreement %s after its one paper signature, want ACTIVE", st)
		}
		e.Post(paper, in(s1)).WantError(t, "INVALID_STATE", "")
	})
}

// ka1Of gives the customer an ACTIVE KA1 agreement for a new service,
// part of KA2 already or not yet, with its subscription.
func ka1Of(e *apitest.Env, c *ent.Customer, inKA2 bool) (*ent.Agreement, *ent.Subscription) {
	svc := e.Fx.Service(func(s *ent.ServiceCreate) { s.SetKa1Available(true) })
	if !inKA2 {
		e.Fx.Client().Service.UpdateOne(svc).ClearKa2AvailableFrom().ExecX(apitest.SystemCtx())
	}
	off := e.Fx.Offering(func(o *ent.OfferingCreate) { o.SetService(svc) })
	ka1 := e.Fx.Agreement(func(a *ent.AgreementCreate) {
		a.SetCustomer(c).SetModel(agreement.ModelKA1).SetServiceID(svc.ID).SetOfferingID(off.ID)
	})
	sub := e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c).SetAgreement(ka1).SetOffering(off) })
	return ka1, sub
}

// TestDA6_SigningKA2MovesKA1ServicesThatArePartOfIt: a KA1 customer is
// offered KA2 by staff and signs it; its KA1 service that is part of KA2
// moves under KA2 in the same transaction, linked to where it came from,
// and the one not yet in KA2 stays on KA1.
func TestDA6_SigningKA2MovesKA1ServicesThatArePartOfIt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		cust := e.Fx.Customer()
		signer, _ := e.Holder(cust, types.RoleSignatory)
		moving, movingSub := ka1Of(e, cust, true)
		staying, stayingSub := ka1Of(e, cust, false)

		var offered struct{ OfferAgreement struct{ ID string } }
		e.Query(`mutation($in: OfferAgreementInput!) { offerAgreement(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"customerId": cust.ID, "model": "KA2"}}, &offered)
		ka2 := c.Agreement.GetX(ctx, pulid.ID(offered.OfferAgreement.ID))
		collect(t, e, signer, start(t, e, signer, ka2).ID)

		if got := c.Agreement.GetX(ctx, moving.ID); got.Status != agreement.StatusREPLACED || got.ReplacedByID == nil || *got.ReplacedByID != ka2.ID {
			t.Errorf("KA1 of a KA2 service: %s replaced by %v", got.Status, got.ReplacedByID)
		}
		sub := c.Subscription.GetX(ctx, movingSub.ID)
		if sub.AgreementID != ka2.ID || sub.MigratedFromID == nil || *sub.MigratedFromID != moving.ID || sub.Status != subscription.StatusACTIVE {
			t.Errorf("moved subscription %+v, want it under KA2 from %s", sub, moving.ID)
		}
		if got := c.Agreement.GetX(ctx, staying.ID); got.Status != agreement.StatusACTIVE {
			t.Errorf("KA1 of a service not in KA2 is %s, want ACTIVE", got.Status)
		}
		if c.Subscription.GetX(ctx, stayingSub.ID).AgreementID != staying.ID {
			t.Error("the subscription of a service not in KA2 moved")
		}
		if n := c.AuditEvent.Query().Where(auditevent.Action("SUBSCRIPTION_MIGRATED")).CountX(ctx); n != 1 {
			t.Errorf("%d migration events, want 1", n)
		}
	})
}

// TestDA6_MigrationRunTwiceConcurrently_MovesOnce: two migrations of the
// same customer at the same moment move each service once and create no
// second subscription.
func TestDA6_MigrationRunTwiceConcurrently_MovesOnce(t *testing.T) {
	db := testdb.Postgres(t)
	e := apitest.New(t, db)
	ctx, c := apitest.SystemCtx(), db.Client
	for round := range 5 {
		cust := e.Fx.Customer()
		ka1, _ := ka1Of(e, cust, true)
		// A KA1 agreement whose subscription was never recorded gets one.
		bare := e.Fx.Agreement(func(a *ent.AgreementCreate) {
			svc := e.Fx.Service(func(s *ent.ServiceCreate) { s.SetKa1Available(true) })
			e.Fx.Offering(func(o *ent.OfferingCreate) { o.SetService(svc) })
			a.SetCustomer(cust).SetModel(agreement.ModelKA1).SetServiceID(svc.ID)
		})
		ka2 := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(cust) })
		var wg sync.WaitGroup
		moved := make([]int, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tx, err := c.Tx(ctx)
				if err != nil {
					errs[i] = err
					return
				}
				subs, err := e.Agreements.Migrate(ent.NewContext(ctx, tx.Client()), ka2.ID)
				if err != nil {
					_ = tx.Rollback()
					errs[i] = err
					return
				}
				moved[i] = len(subs)
				errs[i] = tx.Commit()
			}()
		}
		wg.Wait()
		if errors.Join(errs...) != nil {
			t.Fatalf("round %d: %v", round, errors.Join(errs...))
		}
		if moved[0]+moved[1] != 2 || (moved[0] != 0 && moved[1] != 0) {
			t.Errorf("round %d: the runs moved %v, want 2 by one run and 0 by the other", round, moved)
		}
		under := c.Subscription.Query().Where(subscription.AgreementID(ka2.ID)).CountX(ctx)
		if under != 2 {
			t.Errorf("round %d: %d subscriptions under KA2, want 2", round, under)
		}
		for _, a := range []*ent.Agreement{ka1, bare} {
			if st := c.Agreement.GetX(ctx, a.ID).Status; st != agreement.StatusREPLACED {
				t.Errorf("round %d: KA1 %s is %s", round, a.ID, st)
			}
		}
	}
}
