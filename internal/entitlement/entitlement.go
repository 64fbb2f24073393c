// Package entitlement answers the question every login of a partner
// service asks (D-P1..D-P3): may this user's organisation use the service
// on this date? It decides from the customer, its agreements and its
// subscriptions, and from the service's enforcement schedule.
package entitlement

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/careunit"
	"kundportal/ent/customer"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/service"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/bizdate"
	"kundportal/internal/idnumber"
)

// Result is the answer of a check.
type Result string

// The results (D-P1).
const (
	// Allowed: the user may use the service.
	Allowed Result = "ALLOWED"
	// Warn: allowed, but the service shows the message at every login
	// (D-P3).
	Warn Result = "WARN"
	// Denied: the user may not use the service.
	Denied Result = "DENIED"
)

// Reason is why a check did not simply allow.
type Reason string

// The reasons.
const (
	ReasonNoCustomer          Reason = "NO_CUSTOMER"
	ReasonCustomerNotActive   Reason = "CUSTOMER_NOT_ACTIVE"
	ReasonNoAgreement         Reason = "NO_AGREEMENT"
	ReasonNoSubscription      Reason = "NO_SUBSCRIPTION"
	ReasonCompanyFormNotAllow Reason = "COMPANY_FORM_NOT_ALLOWED"
	ReasonServiceRetired      Reason = "SERVICE_RETIRED"
)

// Login is who is logging in to the partner service: exactly one of an
// organisation number (SITHS), a personal number (BankID or other
// e-legitimation) or a care unit's HSA-id.
type Login struct {
	OrgNumber, PersonalNumber, HsaID string
}

// Question is one check.
type Question struct {
	// ServiceID or ServiceCode names the service.
	ServiceID   *pulid.ID
	ServiceCode string
	Login       Login
	// On is the date; today in Europe/Stockholm when zero.
	On time.Time
}

// Decision is the answer.
type Decision struct {
	Result  Result
	Reasons []Reason
	Service *ent.Service
	// CustomerID and SubscriptionID name what the decision rests on;
	// Customer and Subscription hold them as read, except in a cached
	// answer, which keeps the IDs only (CustomerOf, SubscriptionOf).
	CustomerID, SubscriptionID *pulid.ID
	Customer                   *ent.Customer
	Subscription               *ent.Subscription
	// MessageSV and MessageEN are for the user, empty when allowed.
	MessageSV, MessageEN string
}

// english are the user messages in English, by result.
var english = map[Result]string{
	Warn:   "Your organisation has no agreement or subscription for this service. To go on using it, your organisation must sign a customer agreement and order a subscription; ask your head of operations.",
	Denied: "Your organisation may not use this service: it has no valid customer agreement and subscription for it.",
}

// Check answers a question as of its date. The caller must be staff or a
// partner with access:check for the service.
func Check(ctx context.Context, client *ent.Client, q Question) (*Decision, error) {
	svc, err := serviceOf(ctx, client, q)
	if err != nil {
		return nil, err
	}
	if err := access.CheckAccess(ctx, svc.ID); err != nil {
		return nil, err
	}
	on := q.On
	if on.IsZero() {
		on = today()
	}
	sys := access.SystemContext(ctx)
	d := &Decision{Service: svc}
	if svc.Status == service.StatusRETIRED {
		return d.deny(ReasonServiceRetired), nil
	}
	enforced := svc.WarnFrom == nil || !on.Before(*svc.WarnFrom)
	c, personal, err := customerOf(sys, client, q.Login)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return d.missing(svc, on, ReasonNoCustomer), nil
	}
	d.Customer, d.CustomerID = c, &c.ID
	if c.Status != customer.StatusACTIVE {
		return d.deny(ReasonCustomerNotActive), nil
	}
	if personal && c.CompanyForm != types.CompanyFormSoleProprietorship && enforced {
		// E-legitimation identifies a person; only a sole proprietor's
		// organisation is that person (D-P2).
		return d.deny(ReasonCompanyFormNotAllow), nil
	}
	owners := []pulid.ID{c.ID}
	if c.ParentID != nil {
		owners = append(owners, *c.ParentID) // an affiliate is covered by its parent (D-C5)
	}
	covered, err := client.Agreement.Query().Where(
		agreement.CustomerIDIn(owners...),
		agreement.StatusIn(agreement.StatusACTIVE, agreement.StatusTERMINATION_NOTICED),
		agreement.ValidFromLTE(on),
		agreement.Or(agreement.EndsOnIsNil(), agreement.EndsOnGTE(on)),
		agreement.Or(agreement.ModelEQ(agreement.ModelKA2), agreement.ServiceID(svc.ID)),
	).Exist(sys)
	if err != nil {
		return nil, fmt.Errorf("checking agreements: %w", err)
	}
	if !covered {
		return d.missing(svc, on, ReasonNoAgreement), nil
	}
	sub, err := client.Subscription.Query().Where(
		subscription.CustomerIDIn(owners...),
		subscription.ServiceID(svc.ID),
		subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED),
		subscription.ActiveFromLTE(on),
		subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(on)),
	).First(sys)
	if ent.IsNotFound(err) {
		return d.missing(svc, on, ReasonNoSubscription), nil
	}
	if err != nil {
		return nil, fmt.Errorf("checking subscriptions: %w", err)
	}
	d.Subscription, d.SubscriptionID = sub, &sub.ID
	d.Result = Allowed
	return d, nil
}

// missing applies the service's enforcement schedule to a login without
// what it needs (D-P3): allowed before the first date, a warning from it,
// denied from the cut-off; a service without a schedule denies at once.
func (d *Decision) missing(svc *ent.Service, on time.Time, why Reason) *Decision {
	d.Reasons = append(d.Reasons, why)
	switch {
	case svc.WarnFrom != nil && on.Before(*svc.WarnFrom):
		d.Result = Allowed
	case svc.DenyFrom != nil && on.Before(*svc.DenyFrom) || svc.WarnFrom != nil && svc.DenyFrom == nil:
		d.Result = Warn
		d.MessageSV, d.MessageEN = deref(svc.WarningMessage), english[Warn]
	default:
		d.Result = Denied
		d.MessageSV, d.MessageEN = deref(svc.DenialMessage), english[Denied]
	}
	return d
}

func (d *Decision) deny(why Reason) *Decision {
	d.Result, d.Reasons = Denied, append(d.Reasons, why)
	if d.Service != nil {
		d.MessageSV = deref(d.Service.DenialMessage)
	}
	d.MessageEN = english[Denied]
	return d
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// serviceOf finds the service by ID or code: UNKNOWN_SERVICE otherwise.
func serviceOf(ctx context.Context, client *ent.Client, q Question) (*ent.Service, error) {
	sys := access.SystemContext(ctx)
	var svc *ent.Service
	var err error
	switch {
	case q.ServiceID != nil:
		svc, err = client.Service.Get(sys, *q.ServiceID)
	case q.ServiceCode != "":
		svc, err = client.Service.Query().Where(service.Code(q.ServiceCode)).Only(sys)
	default:
		return nil, apperr.Validation("serviceId", "name the service by serviceId or serviceCode")
	}
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.CodeUnknownService, "no such service")
	}
	return svc, err
}

// customerOf finds the customer a login belongs to, and whether the login
// was with a personal number (e-legitimation). Bad numbers are
// VALIDATION_ERROR naming the field; an unknown one is no customer.
func customerOf(ctx context.Context, client *ent.Client, l Login) (*ent.Customer, bool, error) {
	given := 0
	for _, s := range []string{l.OrgNumber, l.PersonalNumber, l.HsaID} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return nil, false, apperr.Validation("login", "give exactly one of orgNumber (SITHS), personalNumber (e-legitimation) or hsaId")
	}
	var q *ent.CustomerQuery
	personal := false
	switch {
	case l.OrgNumber != "":
		org, err := idnumber.OrgNumber(l.OrgNumber)
		if err != nil {
			return nil, false, apperr.Validation("orgNumber", "%s", err)
		}
		if _, err := idnumber.PersonalNumber(l.OrgNumber); err == nil && len(l.OrgNumber) >= 12 {
			return nil, false, apperr.Validation("orgNumber", "a SITHS login names an organisation number, not a personal number")
		}
		q = client.Customer.Query().Where(customer.OrgNumber(org))
	case l.PersonalNumber != "":
		pn, err := idnumber.PersonalNumber(l.PersonalNumber)
		if err != nil {
			return nil, false, apperr.Validation("personalNumber", "%s", err)
		}
		personal = true
		// A sole proprietor's organisation number is the owner's
		// personal number without the century (D-P2).
		q = client.Customer.Query().Where(customer.OrgNumber(pn[2:]))
	default:
		hsa, err := idnumber.HSAID(l.HsaID)
		if err != nil {
			return nil, false, apperr.Validation("hsaId", "%s", err)
		}
		q = client.Customer.Query().Where(customer.HasCareUnitsWith(careunit.HsaID(hsa)))
	}
	c, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, personal, nil
	}
	return c, personal, err
}

// today is the business date in Europe/Stockholm.
func today() time.Time { return bizdate.Truncate(time.Now()) }

// CustomerOf returns the customer a decision rests on, reading it when the
// decision came from the cache.
func CustomerOf(ctx context.Context, client *ent.Client, d *Decision) (*ent.Customer, error) {
	if d.Customer != nil || d.CustomerID == nil {
		return d.Customer, nil
	}
	return client.Customer.Get(access.SystemContext(ctx), *d.CustomerID)
}

// SubscriptionOf returns the subscription a decision rests on, reading it
// when the decision came from the cache.
func SubscriptionOf(ctx context.Context, client *ent.Client, d *Decision) (*ent.Subscription, error) {
	if d.Subscription != nil || d.SubscriptionID == nil {
		return d.Subscription, nil
	}
	return client.Subscription.Get(access.SystemContext(ctx), *d.SubscriptionID)
}
