package ordering

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kundportal/ent"
	"kundportal/ent/attestation"
	"kundportal/ent/order"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/signingsession"
	"kundportal/internal/access"
	"kundportal/internal/agreements"
	"kundportal/internal/apperr"
	"kundportal/internal/bankid"
)

// HintOrderNotAwaitingAttestation is the hint of an order signing that
// completed at BankID after the order was decided.
const HintOrderNotAwaitingAttestation = "orderNotAwaitingAttestation"

// StartSigning asks BankID to sign the order's summary for the signed-in
// attestant (D-O4) and records the signing as PENDING; the SPA follows it
// with CollectSigning as it follows an agreement's. BankID is asked first:
// when it is down nothing is written.
func (s *Service) StartSigning(ctx context.Context, orderID pulid.ID) (*ent.SigningSession, error) {
	client := ent.FromContext(ctx)
	o, attestant, err := s.attestable(ctx, client, orderID)
	if err != nil {
		return nil, err
	}
	if attestant.PersonalNumber == nil {
		return nil, apperr.Validation("method", "BankID needs your personal number, which the portal does not have; attest with an SMS code")
	}
	summary, err := summary(ctx, o)
	if err != nil {
		return nil, err
	}
	res, err := s.BankID.Sign(ctx, bankid.SignRequest{
		EndUserIP: access.FromContext(ctx).Address, UserVisibleData: summary, PersonalNumber: *attestant.PersonalNumber,
	})
	if err != nil {
		return nil, agreements.ProviderError(err)
	}
	sess, err := client.SigningSession.Create().
		SetCustomerID(o.CustomerID).SetOrderID(o.ID).SetSignerID(attestant.ID).SetMethod(signingsession.MethodBANKID).
		SetOrderRef(res.OrderRef).SetAutoStartToken(res.AutoStartToken).
		SetQrStartToken(res.QRStartToken).SetQrStartSecret(res.QRStartSecret).
		SetStartedAt(s.Now()).SetHintCode(string(bankid.HintOutstandingTransaction)).
		Save(ctx)
	if err != nil {
		_ = s.BankID.Cancel(context.WithoutCancel(ctx), res.OrderRef)
		return nil, fmt.Errorf("recording signing: %w", err)
	}
	return sess, record(ctx, client, o, ActionAttestationSigningStarted, ptr(string(attestation.MethodBANKID)), &res.OrderRef, nil)
}

// summary is the text the attestant signs.
func summary(ctx context.Context, o *ent.Order) (string, error) {
	sys := access.SystemContext(ctx)
	off, err := o.QueryOffering().Only(sys)
	if err != nil {
		return "", err
	}
	c, err := o.QueryCustomer().Only(sys)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Jag attesterar beställning %s av %s för %s (%s): %d st.", o.ID, off.Name, c.Name, c.OrgNumber, o.Quantity)
	if o.StartupFee != nil && o.RecurringAmount != nil {
		fmt.Fprintf(&b, " Startavgift %s kr, löpande %s kr, exklusive moms.", *o.StartupFee, *o.RecurringAmount)
	}
	return b.String(), nil
}

// IsOrderSigning reports whether a signing attests an order rather than
// signs an agreement.
func IsOrderSigning(sess *ent.SigningSession) bool { return sess.OrderID != nil }

// CollectSigning asks BankID how a PENDING order signing is going and
// records what it says; on completion the order is attested with method
// BANKID and the orderRef as its reference, unless it was decided
// meanwhile. A signing that is not PENDING is answered as it is.
func (s *Service) CollectSigning(ctx context.Context, id pulid.ID) (*ent.SigningSession, error) {
	client := ent.FromContext(ctx)
	sess, err := ownSigning(ctx, client, id)
	if err != nil || sess.Status != signingsession.StatusPENDING {
		return sess, err
	}
	res, err := s.BankID.Collect(ctx, sess.OrderRef)
	if err != nil {
		var be *bankid.Error
		if errors.As(err, &be) && be.Code == bankid.ErrNotFound {
			return s.finish(ctx, client, sess, signingsession.StatusFAILED, string(bankid.HintExpiredTransaction))
		}
		return nil, agreements.ProviderError(err)
	}
	switch res.Status {
	case bankid.StatusPending:
		return sess.Update().SetHintCode(string(res.HintCode)).Save(ctx)
	case bankid.StatusFailed:
		return s.finish(ctx, client, sess, signingsession.StatusFAILED, string(res.HintCode))
	case bankid.StatusComplete:
	default:
		return nil, agreements.ProviderError(fmt.Errorf("collect answered status %q", res.Status))
	}
	signer, err := client.Person.Get(ctx, sess.SignerID)
	if err != nil {
		return nil, err
	}
	digits := func(s string) string { return strings.ReplaceAll(s, "-", "") }
	if signer.PersonalNumber == nil || digits(res.CompletionData.User.PersonalNumber) != digits(*signer.PersonalNumber) {
		return s.finish(ctx, client, sess, signingsession.StatusFAILED, agreements.HintWrongSigner)
	}
	o, err := lockOrder(ctx, client, *sess.OrderID)
	if err != nil {
		return nil, err
	}
	if o.Status != order.StatusAWAITING_ATTESTATION {
		return s.finish(ctx, client, sess, signingsession.StatusFAILED, HintOrderNotAwaitingAttestation)
	}
	if _, err := s.decide(ctx, client, o.ID, sess.SignerID,
		decision{attested: true, method: attestation.MethodBANKID, ref: sess.OrderRef}); err != nil {
		return nil, err
	}
	return sess.Update().SetStatus(signingsession.StatusCOMPLETE).ClearHintCode().SetFinishedAt(s.Now()).Save(ctx)
}

// CancelSigning cancels a PENDING order signing at BankID.
func (s *Service) CancelSigning(ctx context.Context, id pulid.ID) (*ent.SigningSession, error) {
	client := ent.FromContext(ctx)
	sess, err := ownSigning(ctx, client, id)
	if err != nil {
		return nil, err
	}
	if sess.Status != signingsession.StatusPENDING {
		return nil, apperr.InvalidState(sess.Status, "the signing is %s already", sess.Status)
	}
	if err := s.BankID.Cancel(ctx, sess.OrderRef); err != nil {
		var be *bankid.Error
		if !errors.As(err, &be) || be.Code != bankid.ErrNotFound {
			return nil, agreements.ProviderError(err)
		}
	}
	return s.finish(ctx, client, sess, signingsession.StatusCANCELLED, string(bankid.HintCancelled))
}

func ownSigning(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.SigningSession, error) {
	sess, err := client.SigningSession.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.OrderID == nil {
		return nil, fmt.Errorf("signing %s is an agreement's: %w", id, &ent.NotFoundError{})
	}
	if err := access.Self(ctx, sess.SignerID, "only the attestant who started a signing may follow or cancel it"); err != nil {
		return nil, err
	}
	return sess, nil
}

// finish ends an order signing as FAILED or CANCELLED with BankID's
// reason.
func (s *Service) finish(ctx context.Context, client *ent.Client, sess *ent.SigningSession, st signingsession.Status, hint string) (*ent.SigningSession, error) {
	sess, err := sess.Update().SetStatus(st).SetHintCode(hint).SetFinishedAt(s.Now()).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("ending signing: %w", err)
	}
	o, err := client.Order.Get(access.SystemContext(ctx), *sess.OrderID)
	if err != nil {
		return nil, err
	}
	return sess, record(ctx, client, o, ActionAttestationSigningFailed, ptr(string(attestation.MethodBANKID)), &sess.OrderRef,
		map[string]any{"status": st, "hintCode": hint})
}
