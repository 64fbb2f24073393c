package agreements

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/signature"
	"kundportal/ent/signingsession"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bankid"
)

// SigningMethod is how a signatory signs (D-A4).
type SigningMethod = signingsession.Method

// The signing methods.
const (
	MethodBankID     = signingsession.MethodBANKID
	MethodTeliaSITHS = signingsession.MethodTELIA_SITHS
)

// StartSigning asks the provider to sign the agreement on behalf of the
// signed-in signatory (D-A3, D-A4) and records the signing as PENDING. The
// provider is asked first: when it is down nothing is written.
func (s *Service) StartSigning(ctx context.Context, agreementID pulid.ID, method SigningMethod) (*ent.SigningSession, error) {
	client := ent.FromContext(ctx)
	ag, err := client.Agreement.Get(ctx, agreementID)
	if err != nil {
		return nil, err
	}
	if err := access.SignAgreement(ctx, ag.CustomerID); err != nil {
		return nil, err
	}
	v := access.FromContext(ctx)
	signer, err := client.Person.Get(ctx, v.PersonID)
	if err != nil {
		return nil, err
	}
	if err := awaitingSignature(ag); err != nil {
		return nil, err
	}
	if err := notSignedBy(ctx, client, ag, signer.ID); err != nil {
		return nil, err
	}
	c, err := ag.QueryCustomer().WithCategory().Only(ctx)
	if err != nil {
		return nil, err
	}
	if ag.Model == agreement.ModelKA2 {
		if err := s.ka2Available(c.Edges.Category); err != nil {
			return nil, err
		}
	}
	provider := s.Signers[method]
	if provider == nil {
		return nil, apperr.Validation("method", "signing with %s is not offered here; sign with BankID", method)
	}
	req := bankid.SignRequest{
		EndUserIP:       v.Address,
		UserVisibleData: fmt.Sprintf("Jag undertecknar %s mellan %s (%s) och Inera AB.", modelName(ag), c.Name, c.OrgNumber),
	}
	if method == MethodBankID {
		if signer.PersonalNumber == nil {
			return nil, apperr.Validation("method", "BankID needs your personal number, which the portal does not have; ask customer service")
		}
		req.PersonalNumber = *signer.PersonalNumber
	}
	order, err := provider.Sign(ctx, req)
	if err != nil {
		return nil, ProviderError(err)
	}
	sess, err := client.SigningSession.Create().
		SetCustomerID(ag.CustomerID).SetAgreementID(ag.ID).SetSignerID(signer.ID).SetMethod(method).
		SetOrderRef(order.OrderRef).SetAutoStartToken(order.AutoStartToken).
		SetQrStartToken(order.QRStartToken).SetQrStartSecret(order.QRStartSecret).
		SetStartedAt(s.Now()).SetHintCode(string(bankid.HintOutstandingTransaction)).
		Save(ctx)
	if err != nil {
		// The provider's order would be left dangling until it expires.
		_ = provider.Cancel(context.WithoutCancel(ctx), order.OrderRef)
		return nil, fmt.Errorf("recording signing: %w", err)
	}
	method2 := string(method)
	return sess, audit.Record(ctx, client, audit.Event{
		Action: ActionSigningStarted, EntityType: "Agreement", EntityID: ag.ID, CustomerID: &ag.CustomerID,
		Method: &method2, TransactionReference: &order.OrderRef,
	})
}

// CollectSigning asks the provider how a PENDING signing is going and
// records what it says. On completion the signature is recorded and the
// agreement activated if it has all its signatures (D-A3). A signing
// that is not PENDING is answered as it is.
func (s *Service) CollectSigning(ctx context.Context, id pulid.ID) (*ent.SigningSession, error) {
	client := ent.FromContext(ctx)
	sess, provider, err := s.ownSigning(ctx, client, id)
	if err != nil || sess.Status != signingsession.StatusPENDING {
		return sess, err
	}
	res, err := provider.Collect(ctx, sess.OrderRef)
	if err != nil {
		var be *bankid.Error
		if errors.As(err, &be) && be.Code == bankid.ErrNotFound {
			// The provider forgot the order: it expired long ago.
			return s.finish(ctx, client, sess, signingsession.StatusFAILED, string(bankid.HintExpiredTransaction))
		}
		return nil, ProviderError(err)
	}
	switch res.Status {
	case bankid.StatusPending:
		return sess.Update().SetHintCode(string(res.HintCode)).Save(ctx)
	case bankid.StatusFailed:
		return s.finish(ctx, client, sess, signingsession.StatusFAILED, string(res.HintCode))
	case bankid.StatusComplete:
		return s.complete(ctx, client, sess, res)
	}
	return nil, ProviderError(fmt.Errorf("collect answered status %q", res.Status))
}

// complete records the signature of a completed signing, in the order the
// agreement's row lock gives: of two signatories completing at the same
// moment, one records the last required signature and activates the
// agreement, and the other finds it no longer awaiting signature.
func (s *Service) complete(ctx context.Context, client *ent.Client, sess *ent.SigningSession, res *bankid.CollectResponse) (*ent.SigningSession, error) {
	if sess.Method == MethodBankID {
		signer, err := client.Person.Get(ctx, sess.SignerID)
		if err != nil {
			return nil, err
		}
		digits := func(s string) string { return strings.ReplaceAll(s, "-", "") }
		if signer.PersonalNumber == nil || digits(res.CompletionData.User.PersonalNumber) != digits(*signer.PersonalNumber) {
			// BankID was told whose signature to take; anything else is
			// not this signatory's.
			return s.finish(ctx, client, sess, signingsession.StatusFAILED, HintWrongSigner)
		}
	}
	ag, err := lockAgreement(ctx, client, *sess.AgreementID)
	if err != nil {
		return nil, err
	}
	if awaitingSignature(ag) != nil || notSignedBy(ctx, client, ag, sess.SignerID) != nil {
		return s.finish(ctx, client, sess, signingsession.StatusFAILED, HintNotAwaitingSignature)
	}
	method := signature.MethodBANKID
	if sess.Method == MethodTeliaSITHS {
		method = signature.MethodTELIA_SITHS
	}
	if err := s.sign(ctx, client, ag, sess.SignerID, method, sess.OrderRef, s.Now(), nil); err != nil {
		return nil, err
	}
	return sess.Update().
		SetStatus(signingsession.StatusCOMPLETE).ClearHintCode().SetFinishedAt(s.Now()).
		Save(ctx)
}

// HintNotAwaitingSignature is the hint of a signing that completed at the
// provider after the agreement stopped awaiting signature (another
// signatory completed it first, or it was signed already).
const HintNotAwaitingSignature = "agreementNotAwaitingSignature"

// HintWrongSigner is the hint of a signing the provider completed for
// another person than the signatory who started it.
const HintWrongSigner = "wrongSigner"

// finish ends a signing as FAILED or CANCELLED with the provider's reason.
func (s *Service) finish(ctx context.Context, client *ent.Client, sess *ent.SigningSession, st signingsession.Status, hint string) (*ent.SigningSession, error) {
	sess, err := sess.Update().SetStatus(st).SetHintCode(hint).SetFinishedAt(s.Now()).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("ending signing: %w", err)
	}
	method := string(sess.Method)
	return sess, audit.Record(ctx, client, audit.Event{
		Action: ActionSigningFailed, EntityType: "Agreement", EntityID: *sess.AgreementID, CustomerID: &sess.CustomerID,
		Method: &method, TransactionReference: &sess.OrderRef, Details: map[string]any{"status": st, "hintCode": hint},
	})
}

// CancelSigning cancels a PENDING signing at the provider.
func (s *Service) CancelSigning(ctx context.Context, id pulid.ID) (*ent.SigningSession, error) {
	client := ent.FromContext(ctx)
	sess, provider, err := s.ownSigning(ctx, client, id)
	if err != nil {
		return nil, err
	}
	if sess.Status != signingsession.StatusPENDING {
		return nil, apperr.InvalidState(sess.Status, "the signing is %s already", sess.Status)
	}
	if err := provider.Cancel(ctx, sess.OrderRef); err != nil {
		var be *bankid.Error
		if !errors.As(err, &be) || be.Code != bankid.ErrNotFound {
			return nil, ProviderError(err)
		}
	}
	return s.finish(ctx, client, sess, signingsession.StatusCANCELLED, string(bankid.HintCancelled))
}

// ownSigning loads a signing of the signed-in person's, with its provider.
func (s *Service) ownSigning(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.SigningSession, bankid.Provider, error) {
	sess, err := client.SigningSession.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if sess.AgreementID == nil {
		return nil, nil, fmt.Errorf("signing %s is an order's attestation: %w", id, &ent.NotFoundError{})
	}
	if err := access.Self(ctx, sess.SignerID, "only the signatory who started a signing may follow or cancel it"); err != nil {
		return nil, nil, err
	}
	provider := s.Signers[sess.Method]
	if provider == nil {
		return nil, nil, apperr.New(apperr.CodeProviderUnavailable, "the %s provider is not configured", sess.Method)
	}
	return sess, provider, nil
}

// PaperSignature is a signature given on paper, as staff register it.
type PaperSignature struct {
	AgreementID, SignerID pulid.ID
	DocumentReference     string
	SignedOn              time.Time
}

// RegisterPaperSignature records a signature given on paper by a customer
// without e-identity (D-A4), and activates the agreement if it has all its
// signatures.
func (s *Service) RegisterPaperSignature(ctx context.Context, in PaperSignature) (*ent.Signature, error) {
	if err := access.StaffOnly(ctx, "register paper signatures"); err != nil {
		return nil, err
	}
	if in.DocumentReference == "" || len(in.DocumentReference) > 200 {
		return nil, apperr.Validation("documentReference", "give the reference of the archived original, at most 200 characters")
	}
	if in.SignedOn.After(s.today()) {
		return nil, apperr.Validation("signedOn", "a paper cannot have been signed in the future")
	}
	client := ent.FromContext(ctx)
	ag, err := lockAgreement(ctx, client, in.AgreementID)
	if err != nil {
		return nil, err
	}
	if err := awaitingSignature(ag); err != nil {
		return nil, err
	}
	holds, err := client.Role.Query().
		Where(role.CustomerID(ag.CustomerID), role.PersonID(in.SignerID), role.RoleEQ(types.RoleSignatory)).
		Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !holds {
		return nil, apperr.Validation("signerId", "the signer must hold SIGNATORY in the agreement's customer")
	}
	if err := notSignedBy(ctx, client, ag, in.SignerID); err != nil {
		return nil, err
	}
	_, staff := audit.Actor(ctx)
	if err := s.sign(ctx, client, ag, in.SignerID, signature.MethodPAPER, in.DocumentReference, in.SignedOn, &staff); err != nil {
		return nil, err
	}
	return client.Signature.Query().
		Where(signature.AgreementID(ag.ID), signature.SignerID(in.SignerID)).Only(ctx)
}

// sign records a signature on an agreement whose row the caller holds,
// and activates the agreement when it is the last required one (D-A3).
func (s *Service) sign(ctx context.Context, client *ent.Client, ag *ent.Agreement, signer pulid.ID,
	method signature.Method, ref string, at time.Time, registeredBy *string) error {
	if _, err := client.Signature.Create().
		SetAgreementID(ag.ID).SetSignerID(signer).SetMethod(method).SetTransactionReference(ref).
		SetSignedAt(at).SetNillableRegisteredBy(registeredBy).
		Save(ctx); err != nil {
		return fmt.Errorf("recording signature: %w", err)
	}
	m := string(method)
	if err := audit.Record(ctx, client, audit.Event{
		Action: ActionAgreementSigned, EntityType: "Agreement", EntityID: ag.ID, CustomerID: &ag.CustomerID,
		Method: &m, TransactionReference: &ref, Details: map[string]any{"signerId": signer},
	}); err != nil {
		return err
	}
	n, err := client.Signature.Query().Where(signature.AgreementID(ag.ID)).Count(ctx)
	if err != nil {
		return err
	}
	if n < ag.RequiredSignatures {
		return nil
	}
	return s.activate(ctx, client, ag)
}

// notSignedBy is the rule that a signatory signs an agreement once.
func notSignedBy(ctx context.Context, client *ent.Client, ag *ent.Agreement, signer pulid.ID) error {
	signed, err := client.Signature.Query().
		Where(signature.AgreementID(ag.ID), signature.SignerID(signer)).Exist(access.SystemContext(ctx))
	if err != nil {
		return err
	}
	if signed {
		return apperr.New(apperr.CodeAlreadySigned, "this signatory has signed the agreement already")
	}
	return nil
}

// activate makes the agreement valid from today (D-A3) and does what its
// model says follows: a KA1 agreement starts its service's subscription
// (D-A1), a KA2 agreement takes over the customer's KA1 services that are
// part of KA2 (D-A6). Those consequences are the service's own doing, not
// the signatory's, and run with the service's rights.
func (s *Service) activate(ctx context.Context, client *ent.Client, ag *ent.Agreement) error {
	today := s.today()
	update := ag.Update().SetStatus(agreement.StatusACTIVE).SetValidFrom(today)
	if ag.Model == agreement.ModelKA1 && ag.ServiceID != nil {
		svc, err := client.Service.Get(ctx, *ag.ServiceID)
		if err != nil {
			return err
		}
		if svc.ProcessesPersonalData {
			// The Modellavtal is signed with the agreement (D-A1).
			update.SetModelAgreementSignedOn(today)
		}
	}
	ag, err := update.Save(ctx)
	if err != nil {
		return fmt.Errorf("activating agreement: %w", err)
	}
	if err := audit.Record(ctx, client, audit.Event{
		Action: ActionAgreementActivated, EntityType: "Agreement", EntityID: ag.ID, CustomerID: &ag.CustomerID,
		Details: map[string]any{"model": ag.Model, "validFrom": today.Format(time.DateOnly)},
	}); err != nil {
		return err
	}
	sys := access.SystemContext(ctx)
	switch ag.Model {
	case agreement.ModelKA1:
		if err := s.startKA1Subscription(sys, client, ag); err != nil {
			return err
		}
	case agreement.ModelKA2:
		if _, err := s.Migrate(sys, ag.ID); err != nil {
			return err
		}
	}
	return s.tellContacts(ctx, client, ag)
}

// startKA1Subscription starts the subscription of a KA1 agreement's
// service on the day it is signed (D-A1).
func (s *Service) startKA1Subscription(ctx context.Context, client *ent.Client, ag *ent.Agreement) error {
	if ag.ServiceID == nil || ag.OfferingID == nil {
		return fmt.Errorf("KA1 agreement %s names no service or offering", ag.ID)
	}
	sub, err := client.Subscription.Create().
		SetCustomerID(ag.CustomerID).SetServiceID(*ag.ServiceID).SetOfferingID(*ag.OfferingID).SetAgreementID(ag.ID).
		SetStatus(subscription.StatusACTIVE).SetActiveFrom(*ag.ValidFrom).SetQuantity(1).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("starting KA1 subscription: %w", err)
	}
	return audit.Record(ctx, client, audit.Event{
		Action: ActionSubscriptionStarted, EntityType: "Subscription", EntityID: sub.ID, CustomerID: &ag.CustomerID,
		Details: map[string]any{"agreementId": ag.ID, "serviceId": ag.ServiceID},
	})
}

// tellContacts e-mails the customer's agreement contacts that the
// agreement is valid.
func (s *Service) tellContacts(ctx context.Context, client *ent.Client, ag *ent.Agreement) error {
	c, err := client.Customer.Get(access.SystemContext(ctx), ag.CustomerID)
	if err != nil {
		return err
	}
	return tellHolders(ctx, client, c, types.RoleAgreementContact, ag, KindAgreementActive,
		fmt.Sprintf("%s för %s är giltigt", modelName(ag), c.Name),
		func(p *ent.Person) string {
			return fmt.Sprintf("Hej %s!\n\n%s mellan %s och Inera är signerat och gäller från och med %s.\n",
				p.GivenName, modelName(ag), c.Name, ag.ValidFrom.Format(time.DateOnly))
		})
}

// ProviderError turns an e-identity provider's failure into what the client acts on:
// a signing of the same person already in progress, or a retryable
// PROVIDER_UNAVAILABLE. The provider's own words go to the log only.
func ProviderError(err error) error {
	var be *bankid.Error
	if errors.As(err, &be) && be.Code == bankid.ErrAlreadyInProgress {
		return &apperr.Error{Code: apperr.CodeSigningInProgress, Err: err,
			Message: "a signing of yours is in progress already; finish or cancel it in the BankID app, then try again"}
	}
	return &apperr.Error{Code: apperr.CodeProviderUnavailable, Err: err,
		Message: "the e-identity provider did not answer as expected; try again in a moment"}
}

// QRData is the current frame of a PENDING BankID signing's animated QR
// code, computed from the secret that never leaves the server; nil
// otherwise.
func (s *Service) QRData(sess *ent.SigningSession) *string {
	if sess.Status != signingsession.StatusPENDING || sess.Method != MethodBankID {
		return nil
	}
	d := bankid.QRData(sess.QrStartToken, sess.QrStartSecret, s.Now().Sub(sess.StartedAt))
	return &d
}
