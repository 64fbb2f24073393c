package ordering

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/ent/attestation"
	"kundportal/ent/attestationcode"
	"kundportal/ent/offering"
	"kundportal/ent/order"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/agreements"
	"kundportal/internal/apperr"
	"kundportal/internal/sms"
)

// The rules of SMS one-time codes (D-O4; docs/ordering.md).
const (
	// CodeLifetime is how long a code attests.
	CodeLifetime = 5 * time.Minute
	// MaxCodeTries is how many tries a code allows; the last wrong one
	// locks it.
	MaxCodeTries = 5
	// CodeResendAfter is how soon an attestant may ask for another code.
	CodeResendAfter = 30 * time.Second
)

// CodeSent is the answer to a code request.
type CodeSent struct {
	// SentTo is the attestant's mobile number with all but the last
	// digits masked.
	SentTo    string
	ExpiresAt time.Time
}

// RequestAttestationCode sends the signed-in attestant a 6-digit code to
// attest the order with (D-O4). The gateway is asked first: when it is
// down nothing is written. Only the code's salted hash is kept, and an
// earlier live code of the attestant for the order stops working.
func (s *Service) RequestAttestationCode(ctx context.Context, orderID pulid.ID) (*CodeSent, error) {
	client := ent.FromContext(ctx)
	o, attestant, err := s.attestable(ctx, client, orderID)
	if err != nil {
		return nil, err
	}
	if attestant.Phone == nil || *attestant.Phone == "" {
		return nil, apperr.Validation("phone", "the portal has no mobile number of yours; attest with BankID or ask an administrator to add it")
	}
	now := s.Now()
	recent, err := client.AttestationCode.Query().
		Where(attestationcode.OrderID(o.ID), attestationcode.AttestantID(attestant.ID),
			attestationcode.CreatedAtGT(now.Add(-CodeResendAfter))).
		Exist(ctx)
	if err != nil {
		return nil, err
	}
	if recent {
		return nil, apperr.New(apperr.CodeCodeRecentlySent, "a code was sent less than %d seconds ago; wait for it", int(CodeResendAfter.Seconds()))
	}
	code, err := randomCode()
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	sent, err := s.SMS.Send(ctx, sms.Message{To: *attestant.Phone,
		Text: fmt.Sprintf("Din kod för att attestera beställningen i Ineras kundportal: %s. Koden gäller i 5 minuter.", code)})
	if err != nil {
		return nil, &apperr.Error{Code: apperr.CodeProviderUnavailable, Err: err,
			Message: "the SMS gateway did not take the message; try again in a moment or attest with BankID"}
	}
	if err := client.AttestationCode.Update().
		Where(attestationcode.OrderID(o.ID), attestationcode.AttestantID(attestant.ID), attestationcode.StatusEQ(attestationcode.StatusLIVE)).
		SetStatus(attestationcode.StatusREPLACED).Exec(ctx); err != nil {
		return nil, err
	}
	expires := now.Add(CodeLifetime)
	if err := client.AttestationCode.Create().
		SetCustomerID(o.CustomerID).SetOrderID(o.ID).SetAttestantID(attestant.ID).
		SetSalt(salt).SetCodeHash(hashCode(salt, code)).SetExpiresAt(expires).
		SetMessageID(sent.ID).SetSentTo(*attestant.Phone).
		Exec(ctx); err != nil {
		return nil, fmt.Errorf("recording code: %w", err)
	}
	method := string(attestation.MethodSMS_OTP)
	if err := record(ctx, client, o, ActionAttestationCodeSent, &method, &sent.ID, nil); err != nil {
		return nil, err
	}
	return &CodeSent{SentTo: mask(*attestant.Phone), ExpiresAt: expires}, nil
}

// AttestWithCode attests the order with the code the signed-in attestant
// received (D-O4). The try is counted before the code is compared, in
// one row update, so that concurrent guesses share the count; a wrong try
// is kept although the request fails, and the last allowed wrong try
// locks the code.
func (s *Service) AttestWithCode(ctx context.Context, orderID pulid.ID, code string) (*ent.Order, error) {
	client := ent.FromContext(ctx)
	o, attestant, err := s.attestable(ctx, client, orderID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	live, err := client.AttestationCode.Query().
		Where(attestationcode.OrderID(o.ID), attestationcode.AttestantID(attestant.ID),
			attestationcode.StatusIn(attestationcode.StatusLIVE, attestationcode.StatusLOCKED, attestationcode.StatusUSED)).
		Order(ent.Desc(attestationcode.FieldCreatedAt)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, apperr.New(apperr.CodeCodeExpired, "you have no live code for this order; request one")
	case err != nil:
		return nil, err
	case live.Status == attestationcode.StatusUSED:
		// A concurrent request attested with it since the order was read.
		return nil, s.decided(ctx, client, o.ID)
	case live.Status == attestationcode.StatusLOCKED:
		return nil, apperr.New(apperr.CodeCodeLocked, "the code is locked after %d wrong tries; request a new one", MaxCodeTries)
	case !now.Before(live.ExpiresAt):
		return nil, apperr.New(apperr.CodeCodeExpired, "the code expired at %s; request a new one", live.ExpiresAt.Format(time.TimeOnly))
	}
	// Count the try. The update holds the code's row: a concurrent try
	// waits, and then finds the count, or the code USED.
	n, err := client.AttestationCode.Update().
		Where(attestationcode.ID(live.ID), attestationcode.StatusEQ(attestationcode.StatusLIVE),
			attestationcode.AttemptsLT(MaxCodeTries)).
		AddAttempts(1).Save(ctx)
	if err != nil {
		return nil, err
	}
	if live, err = client.AttestationCode.Get(ctx, live.ID); err != nil {
		return nil, err
	}
	if n == 0 {
		if live.Status == attestationcode.StatusUSED {
			return nil, s.decided(ctx, client, o.ID)
		}
		return nil, apperr.New(apperr.CodeCodeLocked, "the code is locked after %d wrong tries; request a new one", MaxCodeTries)
	}
	if !codeMatches(live, code) {
		left := MaxCodeTries - live.Attempts
		if left <= 0 {
			if err := live.Update().SetStatus(attestationcode.StatusLOCKED).Exec(ctx); err != nil {
				return nil, err
			}
			return nil, &apperr.Error{Code: apperr.CodeCodeLocked, KeepWrites: true,
				Message: fmt.Sprintf("wrong code; after %d wrong tries the code is locked: request a new one", MaxCodeTries)}
		}
		return nil, &apperr.Error{Code: apperr.CodeWrongCode, KeepWrites: true, Field: "code",
			Message: fmt.Sprintf("wrong code; %d tries left", left), Extensions: map[string]any{"attemptsLeft": left}}
	}
	if err := live.Update().SetStatus(attestationcode.StatusUSED).Exec(ctx); err != nil {
		return nil, err
	}
	return s.decide(ctx, client, o.ID, attestant.ID, decision{attested: true, method: attestation.MethodSMS_OTP, ref: live.MessageID})
}

// decided answers an attempt with a code another request has just used:
// the order is decided, and its state says how.
func (s *Service) decided(ctx context.Context, client *ent.Client, id pulid.ID) error {
	o, err := client.Order.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := in(o, "attested", order.StatusAWAITING_ATTESTATION); err != nil {
		return err
	}
	return apperr.New(apperr.CodeCodeExpired, "the code has been used; request a new one")
}

// RejectOrder rejects an order awaiting attestation with a reason (D-O4)
// and tells the orderer why.
func (s *Service) RejectOrder(ctx context.Context, orderID pulid.ID, reason string) (*ent.Order, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return nil, apperr.Validation("reason", "say why the order is rejected, in at most 2000 characters")
	}
	client := ent.FromContext(ctx)
	o, attestant, err := s.attestable(ctx, client, orderID)
	if err != nil {
		return nil, err
	}
	if o, err = s.decide(ctx, client, o.ID, attestant.ID, decision{reason: reason}); err != nil {
		return nil, err
	}
	orderer, err := client.Person.Get(access.SystemContext(ctx), o.OrdererID)
	if err != nil {
		return nil, err
	}
	return o, tellPerson(ctx, client, o, orderer, KindOrderRejected, "Din beställning har avslagits",
		fmt.Sprintf("Hej %s!\n\n%s %s har avslagit beställningen med motiveringen:\n\n%s\n\n%s\n",
			orderer.GivenName, attestant.GivenName, attestant.FamilyName, reason, s.link(o)))
}

// attestable loads an order AWAITING_ATTESTATION of a customer where the
// signed-in person holds ATTESTANT, and that person.
func (s *Service) attestable(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.Order, *ent.Person, error) {
	o, err := client.Order.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := access.AttestOrders(ctx, o.CustomerID); err != nil {
		return nil, nil, err
	}
	if err := in(o, "attested or rejected", order.StatusAWAITING_ATTESTATION); err != nil {
		return nil, nil, err
	}
	p, err := client.Person.Get(ctx, access.FromContext(ctx).PersonID)
	if err != nil {
		return nil, nil, err
	}
	return o, p, nil
}

// decision is an attestant's verdict.
type decision struct {
	attested bool
	method   attestation.Method
	ref      string
	reason   string
}

// decide records the one decision on an order (D-O4), holding the order's
// row: of concurrent decisions the first wins and the others find the
// order decided. Attesting it makes the subscription it will start or
// extend on delivery.
func (s *Service) decide(ctx context.Context, client *ent.Client, orderID, attestant pulid.ID, d decision) (*ent.Order, error) {
	o, err := lockOrder(ctx, client, orderID)
	if err != nil {
		return nil, err
	}
	if err := in(o, "attested or rejected", order.StatusAWAITING_ATTESTATION); err != nil {
		return nil, err
	}
	create := client.Attestation.Create().SetOrderID(o.ID).SetAttestantID(attestant).SetDecidedAt(s.Now())
	update := o.Update()
	var method, ref *string
	action := ActionOrderRejected
	details := map[string]any{"attestantId": attestant}
	if d.attested {
		create.SetDecision(attestation.DecisionATTESTED).SetMethod(d.method).SetTransactionReference(d.ref)
		sub, err := s.subscriptionFor(ctx, client, o)
		if err != nil {
			return nil, err
		}
		update.SetStatus(order.StatusATTESTED).SetSubscriptionID(sub.ID)
		method, ref, action = ptr(string(d.method)), &d.ref, ActionOrderAttested
		details["subscriptionId"] = sub.ID
	} else {
		create.SetDecision(attestation.DecisionREJECTED).SetReason(d.reason)
		update.SetStatus(order.StatusREJECTED)
		details["reason"] = d.reason
	}
	if err := create.Exec(ctx); err != nil {
		return nil, fmt.Errorf("recording attestation: %w", err)
	}
	if o, err = update.Save(ctx); err != nil {
		return nil, fmt.Errorf("deciding order: %w", err)
	}
	return o, record(ctx, client, o, action, method, ref, details)
}

// subscriptionFor returns the subscription an attested order will start
// or extend: the customer's PENDING or ACTIVE subscription of the
// offering, or a new PENDING one under the agreement covering the service
// today (D-O2, D-O5). The service writes it with its own rights: it
// follows from the attestation.
func (s *Service) subscriptionFor(ctx context.Context, client *ent.Client, o *ent.Order) (*ent.Subscription, error) {
	sys := access.SystemContext(ctx)
	// One customer's attestations create subscriptions one at a time.
	if err := client.Customer.UpdateOneID(o.CustomerID).SetUpdatedAt(time.Now()).Exec(sys); err != nil {
		return nil, err
	}
	sub, err := client.Subscription.Query().
		Where(subscription.CustomerID(o.CustomerID), subscription.OfferingID(o.OfferingID),
			subscription.StatusIn(subscription.StatusPENDING, subscription.StatusACTIVE)).
		Order(ent.Asc(subscription.FieldCreatedAt)).First(sys)
	if err == nil || !ent.IsNotFound(err) {
		return sub, err
	}
	off, err := client.Offering.Query().Where(offering.ID(o.OfferingID)).WithService().Only(sys)
	if err != nil {
		return nil, err
	}
	c, err := client.Customer.Get(sys, o.CustomerID)
	if err != nil {
		return nil, err
	}
	ag, err := agreements.Covering(ctx, client, c, off.Edges.Service, s.today())
	if err != nil {
		return nil, err
	}
	if ag == nil {
		return nil, apperr.New(apperr.CodeNoValidAgreement, "%s no longer holds a valid agreement covering %s", c.Name, off.Edges.Service.Name)
	}
	return client.Subscription.Create().
		SetCustomerID(o.CustomerID).SetServiceID(off.ServiceID).SetOfferingID(off.ID).SetAgreementID(ag.ID).
		SetStatus(subscription.StatusPENDING).
		Save(sys)
}

// randomCode draws six decimal digits from the system's secure source.
func randomCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("drawing code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func hashCode(salt []byte, code string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(code))
	return h.Sum(nil)
}

// codeMatches compares in constant time.
func codeMatches(c *ent.AttestationCode, code string) bool {
	return subtle.ConstantTimeCompare(hashCode(c.Salt, strings.TrimSpace(code)), c.CodeHash) == 1
}

// mask shows the last three digits of a number.
func mask(phone string) string {
	if len(phone) <= 3 {
		return phone
	}
	return strings.Repeat("•", len(phone)-3) + phone[len(phone)-3:]
}
