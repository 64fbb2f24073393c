package demo

import (
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/auditevent"
	"kundportal/ent/signature"
	"kundportal/ent/signingsession"
	"kundportal/ent/subscription"
	"kundportal/internal/agreements"
	"kundportal/internal/bizdate"
)

// agreementSpec is one agreement (D-A1..D-A6) with its signatures.
type agreementSpec struct {
	key, customer  string
	model          agreement.Model
	service        string // KA1: the one service (D-A1)
	status         agreement.Status
	required       int    // signatures needed; 0 means 1
	modelAgreement string // KA1 of a personal-data service: Modellavtal signed
	replacedBy     string // KA1: key of the KA2 agreement that replaced it (D-A6)
	endsOn         string
	signatures     []signatureSpec
}

// signatureSpec is one signing (D-A3, D-A4); a PAPER one is registered by
// staff from the scanned original paperRef.
type signatureSpec struct {
	signer   string
	method   signature.Method
	at       string
	paperRef string
}

// The agreement keys.
const (
	agRegionKA2       = "region-ka2"
	agRegionKA1NPO    = "region-ka1-npo"
	agRegionKA1Svevac = "region-ka1-svevac"
	agUppsalaKA2      = "uppsala-ka2"
	agEkdalenKA2      = "ekdalen-ka2"
	agTolvanKA2       = "tolvan-ka2"
	agSiSKA2          = "sis-ka2"
	agIntegrationSITH = "integration-ka1-siths"
	agIntegrationData = "integration-ka1-open-data"
	agAssistiveKA2    = "assistive-ka2"
)

// agreementSpecs are the demo agreements; a KA2 comes before the KA1
// agreements it replaced. The region signed KA2 jointly (i förening); its
// KA1 for NPÖ was replaced at once, the one for Svevac only when Svevac
// joined KA2 on 2019-02-26 (D-A6).
var agreementSpecs = []agreementSpec{
	{key: agRegionKA2, customer: custRegion, model: agreement.ModelKA2, status: agreement.StatusACTIVE, required: 2,
		signatures: []signatureSpec{
			{signer: pErik, method: signature.MethodTELIA_SITHS, at: "2018-06-12 09:40"},
			{signer: pMaria, method: signature.MethodBANKID, at: "2018-06-18 13:15"}}},
	{key: agRegionKA1NPO, customer: custRegion, model: agreement.ModelKA1, service: svcNPO, status: agreement.StatusREPLACED,
		modelAgreement: "2016-03-01", replacedBy: agRegionKA2, endsOn: "2018-06-18",
		signatures: []signatureSpec{{signer: pErik, method: signature.MethodTELIA_SITHS, at: "2016-03-01 10:00"}}},
	{key: agRegionKA1Svevac, customer: custRegion, model: agreement.ModelKA1, service: svcSvevac, status: agreement.StatusREPLACED,
		modelAgreement: "2015-11-02", replacedBy: agRegionKA2, endsOn: "2019-02-26",
		signatures: []signatureSpec{{signer: pErik, method: signature.MethodTELIA_SITHS, at: "2015-11-02 11:20"}}},
	{key: agUppsalaKA2, customer: custUppsala, model: agreement.ModelKA2, status: agreement.StatusACTIVE,
		signatures: []signatureSpec{{signer: pHelena, method: signature.MethodMOBILE_BANKID, at: "2018-09-03 10:05"}}},
	{key: agEkdalenKA2, customer: custEkdalen, model: agreement.ModelKA2, status: agreement.StatusACTIVE,
		signatures: []signatureSpec{{signer: pOskar, method: signature.MethodBANKID, at: "2019-01-21 15:30"}}},
	{key: agTolvanKA2, customer: custTolvan, model: agreement.ModelKA2, status: agreement.StatusACTIVE,
		signatures: []signatureSpec{{signer: pTolvan, method: signature.MethodMOBILE_BANKID, at: "2021-09-29 08:12"}}},
	{key: agSiSKA2, customer: custSiS, model: agreement.ModelKA2, status: agreement.StatusACTIVE,
		signatures: []signatureSpec{{signer: pGreta, method: signature.MethodPAPER, at: "2019-05-20 14:00", paperRef: "PAPPER-2019-0457"}}},
	{key: agIntegrationSITH, customer: custIntegration, model: agreement.ModelKA1, service: svcSITHS, status: agreement.StatusACTIVE,
		modelAgreement: "2017-04-03",
		signatures:     []signatureSpec{{signer: pFredrik, method: signature.MethodBANKID, at: "2017-04-03 16:45"}}},
	{key: agIntegrationData, customer: custIntegration, model: agreement.ModelKA1, service: svcOpenData, status: agreement.StatusACTIVE,
		signatures: []signatureSpec{{signer: pFredrik, method: signature.MethodBANKID, at: "2018-02-12 09:30"}}},
	{key: agAssistiveKA2, customer: custAssistive, model: agreement.ModelKA2, status: agreement.StatusAWAITING_SIGNATURE, required: 2,
		signatures: []signatureSpec{{signer: pCamilla, method: signature.MethodBANKID, at: "2024-03-11 10:20"}}},
}

// label names the spec in an error.
func (spec agreementSpec) label() string { return spec.key }

func (s *seeder) createAgreement(spec agreementSpec) error {
	cust, err := lookup(s.customers, "customer", spec.customer)
	if err != nil {
		return err
	}
	required := max(spec.required, 1)
	create := s.tx.Agreement.Create().
		SetCustomer(cust).
		SetModel(spec.model).
		SetStatus(spec.status).
		SetRequiredSignatures(required).
		SetNillableModelAgreementSignedOn(date(spec.modelAgreement)).
		SetNillableEndsOn(date(spec.endsOn))
	// Valid once the last required signature is in (D-A3).
	if n := len(spec.signatures); n >= required {
		validFrom := bizdate.Truncate(at(spec.signatures[n-1].at))
		create.SetValidFrom(validFrom)
	}
	if spec.service != "" {
		svc, err := lookup(s.services, "service", spec.service)
		if err != nil {
			return err
		}
		create.SetService(svc)
	}
	if spec.replacedBy != "" {
		by, err := lookup(s.agreements, "agreement", spec.replacedBy)
		if err != nil {
			return err
		}
		create.SetReplacedBy(by)
	}
	ag, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	s.agreements[spec.key] = ag
	if ag.ReplacedByID != nil {
		s.record(auditEntry{at: at(spec.endsOn + " 02:00"), kind: auditevent.ActorKindSYSTEM, actor: systemJob,
			action: agreements.ActionAgreementReplaced, entity: "Agreement", id: string(ag.ID), customer: cust,
			details: map[string]any{"replacedBy": string(*ag.ReplacedByID), "rule": "D-A6"}})
	}
	for _, sig := range spec.signatures {
		if err := s.sign(ag, cust, sig); err != nil {
			return err
		}
	}
	return nil
}

// sign records a signature on an agreement and its audit event (D-O6).
func (s *seeder) sign(ag *ent.Agreement, cust *ent.Customer, spec signatureSpec) error {
	signer, err := lookup(s.people, "person", spec.signer)
	if err != nil {
		return err
	}
	signedAt := at(spec.at)
	ref := spec.paperRef
	if ref == "" {
		ref = reference(string(spec.method), string(ag.ID), spec.signer)
	}
	create := s.tx.Signature.Create().
		SetAgreement(ag).
		SetSigner(signer).
		SetMethod(spec.method).
		SetTransactionReference(ref).
		SetSignedAt(signedAt)
	entry := auditEntry{at: signedAt, kind: auditevent.ActorKindPERSON, actor: string(signer.ID),
		action: agreements.ActionAgreementSigned, entity: "Agreement", id: string(ag.ID), customer: cust,
		method: string(spec.method), ref: ref, details: map[string]any{"signer": string(signer.ID)}}
	if spec.method == signature.MethodPAPER {
		// Customer service registers a paper signature (D-A4).
		create.SetRegisteredBy(staffLena)
		entry.kind, entry.actor = auditevent.ActorKindSTAFF, staffLena
		entry.at = signedAt.AddDate(0, 0, 2)
	}
	sig, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	if spec.method == signature.MethodBANKID || spec.method == signature.MethodMOBILE_BANKID {
		// The BankID signing the signature came from (D-A4).
		err := s.tx.SigningSession.Create().
			SetCustomer(cust).SetAgreement(ag).SetSigner(signer).SetMethod(signingsession.MethodBANKID).
			SetOrderRef(ref).SetAutoStartToken("demo-" + ref).SetQrStartToken("demo-" + ref).SetQrStartSecret("demo-" + ref).
			SetStatus(signingsession.StatusCOMPLETE).SetStartedAt(signedAt.Add(-time.Minute)).SetFinishedAt(signedAt).
			Exec(s.ctx)
		if err != nil {
			return err
		}
	}
	entry.details["signature"] = string(sig.ID)
	s.record(entry)
	return nil
}

// subscriptionSpec is a subscription that no order created: one under a
// KA1 agreement, or one migrated from KA1 to KA2 (D-A6).
type subscriptionSpec struct {
	customer, offering, agreement string
	migratedFrom                  string // key of the replaced KA1 agreement
	activeFrom                    string
	noticedOn                     string // TERMINATION_NOTICED (D-A5)
	noticedBy                     string
}

// noticeMonths is the notice period of a subscription (D-A5, seed 000).
const noticeMonths = 6

var subscriptionSpecs = []subscriptionSpec{
	{customer: custRegion, offering: offNPOConsumer, agreement: agRegionKA2, migratedFrom: agRegionKA1NPO, activeFrom: "2016-03-01"},
	{customer: custRegion, offering: offSvevac, agreement: agRegionKA2, migratedFrom: agRegionKA1Svevac, activeFrom: "2015-11-02",
		noticedOn: "2023-12-15", noticedBy: pAnna},
	{customer: custIntegration, offering: offSITHSCard, agreement: agIntegrationSITH, activeFrom: "2017-04-03"},
	{customer: custIntegration, offering: offOpenData, agreement: agIntegrationData, activeFrom: "2018-02-12"},
}

// label names the spec in an error.
func (spec subscriptionSpec) label() string { return spec.customer + "/" + spec.offering }

func (s *seeder) createSubscription(spec subscriptionSpec) error {
	cust, off, err := s.customerOffering(spec.customer, spec.offering)
	if err != nil {
		return err
	}
	ag, err := lookup(s.agreements, "agreement", spec.agreement)
	if err != nil {
		return err
	}
	create := s.activeSubscription(cust, off, ag, *date(spec.activeFrom)).SetQuantity(1)
	if spec.noticedOn != "" {
		noticed := *date(spec.noticedOn)
		create.SetStatus(subscription.StatusTERMINATION_NOTICED).
			SetTerminationNoticedOn(noticed).
			SetEndsOn(noticed.AddDate(0, noticeMonths, 0))
	}
	sub, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	if spec.migratedFrom != "" {
		from, err := lookup(s.agreements, "agreement", spec.migratedFrom)
		if err != nil {
			return err
		}
		if err := sub.Update().SetMigratedFromID(from.ID).Exec(s.ctx); err != nil {
			return err
		}
		s.record(auditEntry{at: from.EndsOn.Add(2 * time.Hour), kind: auditevent.ActorKindSYSTEM, actor: systemJob,
			action: agreements.ActionSubscriptionMigrated, entity: "Subscription", id: string(sub.ID), customer: cust,
			details: map[string]any{"from": string(from.ID), "to": string(ag.ID), "rule": "D-A6"}})
	}
	if spec.noticedOn != "" {
		by, err := lookup(s.people, "person", spec.noticedBy)
		if err != nil {
			return err
		}
		s.record(auditEntry{at: at(spec.noticedOn + " 11:00"), kind: auditevent.ActorKindPERSON, actor: string(by.ID),
			action: agreements.ActionSubscriptionTerminationNoticed, entity: "Subscription", id: string(sub.ID), customer: cust,
			details: map[string]any{"endsOn": sub.EndsOn.Format("2006-01-02")}})
	}
	return nil
}

// customerOffering looks up a customer and an offering by their keys.
func (s *seeder) customerOffering(customerKey, offeringCode string) (*ent.Customer, *ent.Offering, error) {
	cust, err := lookup(s.customers, "customer", customerKey)
	if err != nil {
		return nil, nil, err
	}
	off, err := lookup(s.offerings, "offering", offeringCode)
	return cust, off, err
}

// activeSubscription starts an ACTIVE subscription of a customer to an
// offering under an agreement.
func (s *seeder) activeSubscription(cust *ent.Customer, off *ent.Offering, ag *ent.Agreement, from time.Time) *ent.SubscriptionCreate {
	return s.tx.Subscription.Create().
		SetCustomer(cust).
		SetServiceID(off.ServiceID).
		SetOffering(off).
		SetAgreement(ag).
		SetStatus(subscription.StatusACTIVE).
		SetActiveFrom(from)
}
