package demo

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/attestation"
	"kundportal/ent/attestationcode"
	"kundportal/ent/auditevent"
	"kundportal/ent/order"
	"kundportal/ent/subscription"
	"kundportal/internal/bizdate"
	"kundportal/internal/ordering"
)

// orderSpec is one order (D-O2..D-O5). Instants are "YYYY-MM-DD hh:mm" UTC.
type orderSpec struct {
	key, customer, offering, orderer string
	careUnits                        []string // local parts of the HSA-ids
	submitted                        string
	status                           order.Status
	decision                         *decisionSpec
	cancelled                        string
	delivered, deliveredBy           string
}

// decisionSpec is an attestant's decision (D-O4): attested with a method,
// or rejected with a reason.
type decisionSpec struct {
	attestant, at string
	method        attestation.Method
	reason        string
}

// orderSpecs has an order in every state. Each takes its prices from the
// list in force for the customer's category when it was submitted (D-S4).
var orderSpecs = []orderSpec{
	{key: "tolvan-webcert", customer: custTolvan, offering: offWebcert, orderer: pTolvan, careUnits: []string{"E5001"},
		submitted: "2021-10-04 09:15", status: order.StatusDELIVERED,
		decision:  &decisionSpec{attestant: pTolvan, at: "2021-10-04 09:20", method: attestation.MethodBANKID},
		delivered: "2021-10-06 13:00", deliveredBy: staffOmar},
	{key: "ekdalen-webcert", customer: custEkdalen, offering: offWebcert, orderer: pLina, careUnits: []string{"E4001", "E4002", "E4003"},
		submitted: "2022-02-14 10:30", status: order.StatusDELIVERED,
		decision:  &decisionSpec{attestant: pAhmed, at: "2022-02-15 08:45", method: attestation.MethodSMS_OTP},
		delivered: "2022-02-17 15:10", deliveredBy: staffOmar},
	{key: "uppsala-webcert-draft", customer: custUppsala, offering: offWebcert, orderer: pSofia, careUnits: []string{"E3001", "E3002"},
		status: order.StatusDRAFT},
	{key: "ekdalen-pascal", customer: custEkdalen, offering: offPascal, orderer: pLina, careUnits: []string{"E4001", "E4002"},
		submitted: "2024-03-12 14:05", status: order.StatusAWAITING_ATTESTATION},
	{key: "uppsala-pascal", customer: custUppsala, offering: offPascal, orderer: pSofia, careUnits: []string{"E3001", "E3002", "E3004"},
		submitted: "2024-03-04 09:00", status: order.StatusATTESTED,
		decision: &decisionSpec{attestant: pPeter, at: "2024-03-06 16:20", method: attestation.MethodBANKID}},
	{key: "uppsala-digitalt-mote", customer: custUppsala, offering: offDigitalMeeting, orderer: pSofia, careUnits: []string{"E3001", "E3003"},
		submitted: "2024-02-12 11:00", status: order.StatusREJECTED,
		decision: &decisionSpec{attestant: pPeter, at: "2024-02-13 08:30",
			reason: "Elevhälsan ska inte ingå och Korttidsboende Eken saknas. Lägg en ny beställning med rätt vårdenheter."}},
	{key: "uppsala-1177", customer: custUppsala, offering: offEtjanster1177, orderer: pSofia, careUnits: []string{"E3001", "E3002", "E3004"},
		submitted: "2020-02-10 13:40", status: order.StatusDELIVERED,
		decision:  &decisionSpec{attestant: pPeter, at: "2020-02-11 09:10", method: attestation.MethodBANKID},
		delivered: "2020-02-20 10:00", deliveredBy: staffLena},
	{key: "region-digitalt-mote", customer: custRegion, offering: offDigitalMeeting, orderer: pJohan, careUnits: []string{"E1001", "E1002", "E1003"},
		submitted: "2020-09-01 10:00", status: order.StatusDELIVERED,
		decision:  &decisionSpec{attestant: pKarin, at: "2020-09-02 14:00", method: attestation.MethodSMS_OTP},
		delivered: "2020-09-10 09:30", deliveredBy: staffOmar},
	{key: "region-npo-producent", customer: custRegion, offering: offNPOProducer, orderer: pJohan,
		submitted: "2024-01-15 15:00", status: order.StatusCANCELLED, cancelled: "2024-01-16 08:10"},
	{key: "affiliate-pascal", customer: custAffiliate, offering: offPascal, orderer: pKarin, careUnits: []string{"E2001"},
		submitted: "2023-03-01 10:45", status: order.StatusDELIVERED,
		decision:  &decisionSpec{attestant: pBjorn, at: "2023-03-02 09:05", method: attestation.MethodSMS_OTP},
		delivered: "2023-03-08 14:30", deliveredBy: staffLena},
	{key: "sis-digitalt-mote", customer: custSiS, offering: offDigitalMeeting, orderer: pNils, careUnits: []string{"E6001", "E6002"},
		submitted: "2023-05-08 13:00", status: order.StatusDELIVERED,
		decision:  &decisionSpec{attestant: pNils, at: "2023-05-08 13:30", method: attestation.MethodBANKID},
		delivered: "2023-05-15 10:15", deliveredBy: staffOmar},
}

// label names the spec in an error.
func (spec orderSpec) label() string { return spec.key }

func (s *seeder) createOrder(spec orderSpec) error {
	cust, off, err := s.customerOffering(spec.customer, spec.offering)
	if err != nil {
		return err
	}
	orderer, err := lookup(s.people, "person", spec.orderer)
	if err != nil {
		return err
	}
	units, err := s.careUnitsOf(spec.customer, spec.careUnits)
	if err != nil {
		return err
	}
	create := s.tx.Order.Create().
		SetCustomer(cust).
		SetOffering(off).
		SetOrderer(orderer).
		SetStatus(spec.status).
		SetQuantity(max(1, len(units))).
		AddCareUnits(units...)
	if spec.status == order.StatusDRAFT {
		o, err := create.Save(s.ctx)
		s.orders[spec.key] = o
		return err
	}
	custSpec, _ := customerSpecByKey(spec.customer)
	submitted := at(spec.submitted)
	listRow, list, err := s.priceListFor(custSpec.category, bizdate.Truncate(submitted))
	if err != nil {
		return err
	}
	q, err := list.Quote(off.ID, max(1, len(units)))
	if err != nil {
		return err
	}
	create.SetTermsAcceptedAt(submitted.Add(-3 * time.Minute)).
		SetSubmittedAt(submitted).
		SetPriceList(listRow).
		SetStartupFee(q.StartupFee).
		SetRecurringAmount(q.Recurring).
		SetPriceLines(q.Lines)
	if spec.cancelled != "" {
		create.SetCancelledAt(at(spec.cancelled))
	}
	if spec.delivered != "" {
		create.SetDeliveredAt(at(spec.delivered)).SetDeliveredBy(spec.deliveredBy)
	}
	o, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	s.orders[spec.key] = o
	s.record(auditEntry{at: submitted, kind: auditevent.ActorKindPERSON, actor: string(orderer.ID),
		action: ordering.ActionOrderSubmitted, entity: "Order", id: string(o.ID), customer: cust,
		details: map[string]any{"priceList": string(listRow.ID), "startupFee": q.StartupFee.String(), "recurringAmount": q.Recurring.String()}})
	if spec.cancelled != "" {
		s.record(auditEntry{at: at(spec.cancelled), kind: auditevent.ActorKindPERSON, actor: string(orderer.ID),
			action: ordering.ActionOrderCancelled, entity: "Order", id: string(o.ID), customer: cust})
	}
	if spec.decision != nil {
		if err := s.decide(o, cust, spec.decision); err != nil {
			return err
		}
	}
	switch {
	case spec.delivered != "":
		return s.deliver(o, cust, spec)
	case spec.status == order.StatusATTESTED:
		return s.awaitDelivery(o, cust, spec)
	}
	return nil
}

// awaitDelivery creates the PENDING subscription an attested order will
// start when it is delivered (D-O4, D-O5).
func (s *seeder) awaitDelivery(o *ent.Order, cust *ent.Customer, spec orderSpec) error {
	ag, err := s.ka2For(spec.customer)
	if err != nil {
		return err
	}
	off := s.offerings[spec.offering]
	sub, err := s.tx.Subscription.Create().
		SetCustomer(cust).SetServiceID(off.ServiceID).SetOffering(off).SetAgreement(ag).
		SetStatus(subscription.StatusPENDING).
		Save(s.ctx)
	if err != nil {
		return err
	}
	return s.tx.Order.UpdateOne(o).SetSubscription(sub).Exec(s.ctx)
}

// decide records the attestant's decision on an order (D-O4, D-O6).
func (s *seeder) decide(o *ent.Order, cust *ent.Customer, spec *decisionSpec) error {
	attestant, err := lookup(s.people, "person", spec.attestant)
	if err != nil {
		return err
	}
	decidedAt := at(spec.at)
	create := s.tx.Attestation.Create().
		SetOrder(o).
		SetAttestant(attestant).
		SetDecidedAt(decidedAt)
	entry := auditEntry{at: decidedAt, kind: auditevent.ActorKindPERSON, actor: string(attestant.ID),
		entity: "Order", id: string(o.ID), customer: cust}
	if spec.method != "" {
		ref := reference(string(spec.method), string(o.ID), spec.attestant)
		create.SetDecision(attestation.DecisionATTESTED).SetMethod(spec.method).SetTransactionReference(ref)
		entry.action, entry.method, entry.ref = ordering.ActionOrderAttested, string(spec.method), ref
	} else {
		create.SetDecision(attestation.DecisionREJECTED).SetReason(spec.reason)
		entry.action, entry.details = ordering.ActionOrderRejected, map[string]any{"reason": spec.reason}
	}
	if _, err := create.Save(s.ctx); err != nil {
		return err
	}
	if spec.method == attestation.MethodSMS_OTP {
		if err := s.usedCode(o, attestant, entry.ref, decidedAt); err != nil {
			return err
		}
	}
	s.record(entry)
	return nil
}

// usedCode records the SMS code an attestation was made with, as the
// ordering process keeps it: a salted hash, tried once, used (D-O4).
func (s *seeder) usedCode(o *ent.Order, attestant *ent.Person, messageID string, at time.Time) error {
	if attestant.Phone == nil {
		return fmt.Errorf("attestant %s attests by SMS without a mobile number", attestant.GivenName)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	hash := sha256.Sum256(append(salt, "000000"...))
	return s.tx.AttestationCode.Create().
		SetCustomerID(o.CustomerID).SetOrder(o).SetAttestant(attestant).
		SetSalt(salt).SetCodeHash(hash[:]).SetStatus(attestationcode.StatusUSED).SetAttempts(1).
		SetExpiresAt(at.Add(3 * time.Minute)).SetMessageID(messageID).SetSentTo(*attestant.Phone).
		SetCreatedAt(at.Add(-2 * time.Minute)).
		Exec(s.ctx)
}

// deliver creates the subscription of a delivered order under the
// customer's KA2 agreement, or its parent's for an affiliated organisation
// (D-O5, D-C5).
func (s *seeder) deliver(o *ent.Order, cust *ent.Customer, spec orderSpec) error {
	ag, err := s.ka2For(spec.customer)
	if err != nil {
		return err
	}
	delivered := at(spec.delivered)
	sub, err := s.activeSubscription(cust, s.offerings[spec.offering], ag, bizdate.Truncate(delivered)).
		SetQuantity(o.Quantity).
		Save(s.ctx)
	if err != nil {
		return err
	}
	if err := s.tx.Order.UpdateOne(o).SetSubscription(sub).Exec(s.ctx); err != nil {
		return err
	}
	s.record(auditEntry{at: delivered, kind: auditevent.ActorKindSTAFF, actor: spec.deliveredBy,
		action: ordering.ActionOrderDelivered, entity: "Order", id: string(o.ID), customer: cust,
		details: map[string]any{"subscription": string(sub.ID)}})
	return nil
}

// ka2For returns the active KA2 agreement that covers a customer: its own,
// or that of the organisation it is bound to by power of attorney.
func (s *seeder) ka2For(customerKey string) (*ent.Agreement, error) {
	spec, _ := customerSpecByKey(customerKey)
	holder := customerKey
	if spec.parent != "" {
		holder = spec.parent
	}
	for _, a := range agreementSpecs {
		if a.customer == holder && a.model == agreement.ModelKA2 && a.status == agreement.StatusACTIVE {
			return lookup(s.agreements, "agreement", a.key)
		}
	}
	return nil, fmt.Errorf("customer %q has no active KA2 agreement", customerKey)
}
