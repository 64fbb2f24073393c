package agreements

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/offering"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/service"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
)

// live are the subscription states that still bind the customer.
var live = []subscription.Status{subscription.StatusPENDING, subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED}

// Migrate moves a customer's KA1 services that are part of KA2 today under
// its ACTIVE KA2 agreement (D-A6, D-A7): each such KA1 agreement is
// REPLACED and its live subscriptions move to KA2, linked to the KA1
// agreement they came from; a KA1 agreement without one gets one. KA1
// agreements of services not yet in KA2 stay as they are. It returns the
// subscriptions moved or created. The customer's row is held while it
// runs, so two runs at once move each service once: the second finds the
// KA1 agreements replaced already.
func (s *Service) Migrate(ctx context.Context, ka2ID pulid.ID) ([]*ent.Subscription, error) {
	client := ent.FromContext(ctx)
	ka2, err := client.Agreement.Get(ctx, ka2ID)
	if err != nil {
		return nil, err
	}
	if _, err := lockCustomer(ctx, client, ka2.CustomerID); err != nil {
		return nil, err
	}
	if ka2.Model != agreement.ModelKA2 || ka2.Status != agreement.StatusACTIVE {
		return nil, apperr.InvalidState(ka2.Status, "only an ACTIVE Kundavtal 2 takes over KA1 services")
	}
	today := s.today()
	ka1s, err := client.Agreement.Query().
		Where(agreement.CustomerID(ka2.CustomerID), agreement.ModelEQ(agreement.ModelKA1), agreement.StatusEQ(agreement.StatusACTIVE),
			agreement.HasServiceWith(service.Ka2AvailableFromLTE(today))).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding KA1 agreements: %w", err)
	}
	var moved []*ent.Subscription
	for _, ka1 := range ka1s {
		subs, err := s.replace(ctx, client, ka1, ka2, today)
		if err != nil {
			return nil, err
		}
		moved = append(moved, subs...)
	}
	return moved, nil
}

// replace marks one KA1 agreement replaced by KA2 and moves its service.
func (s *Service) replace(ctx context.Context, client *ent.Client, ka1, ka2 *ent.Agreement, today time.Time) ([]*ent.Subscription, error) {
	if err := ka1.Update().
		SetStatus(agreement.StatusREPLACED).SetReplacedByID(ka2.ID).SetEndsOn(today).
		Exec(ctx); err != nil {
		return nil, fmt.Errorf("replacing KA1 agreement: %w", err)
	}
	if err := audit.Record(ctx, client, audit.Event{
		Action: ActionAgreementReplaced, EntityType: "Agreement", EntityID: ka1.ID, CustomerID: &ka1.CustomerID,
		Details: map[string]any{"replacedBy": ka2.ID, "serviceId": ka1.ServiceID},
	}); err != nil {
		return nil, err
	}
	subs, err := ka1.QuerySubscriptions().Where(subscription.StatusIn(live...)).All(ctx)
	if err != nil {
		return nil, err
	}
	var moved []*ent.Subscription
	for _, sub := range subs {
		sub, err := sub.Update().SetAgreementID(ka2.ID).SetMigratedFromID(ka1.ID).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("moving subscription to KA2: %w", err)
		}
		moved = append(moved, sub)
	}
	if len(subs) == 0 {
		// A KA1 agreement activates its service from signing (D-A1); one
		// whose subscription was never recorded gets it now, under KA2.
		sub, err := s.subscriptionFor(ctx, client, ka1, ka2)
		if err != nil {
			return nil, err
		}
		moved = append(moved, sub)
	}
	for _, sub := range moved {
		if err := audit.Record(ctx, client, audit.Event{
			Action: ActionSubscriptionMigrated, EntityType: "Subscription", EntityID: sub.ID, CustomerID: &sub.CustomerID,
			Details: map[string]any{"from": ka1.ID, "to": ka2.ID},
		}); err != nil {
			return nil, err
		}
	}
	return moved, nil
}

// subscriptionFor creates the subscription of a KA1 agreement's service
// under KA2, from the day the KA1 agreement became valid.
func (s *Service) subscriptionFor(ctx context.Context, client *ent.Client, ka1, ka2 *ent.Agreement) (*ent.Subscription, error) {
	if ka1.ServiceID == nil {
		return nil, fmt.Errorf("KA1 agreement %s names no service", ka1.ID)
	}
	off := ka1.OfferingID
	if off == nil {
		id, err := client.Offering.Query().Where(offering.ServiceID(*ka1.ServiceID)).
			Order(offering.ByCode()).FirstID(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding the offering of KA1 agreement %s: %w", ka1.ID, err)
		}
		off = &id
	}
	create := client.Subscription.Create().
		SetCustomerID(ka1.CustomerID).SetServiceID(*ka1.ServiceID).SetOfferingID(*off).
		SetAgreementID(ka2.ID).SetMigratedFromID(ka1.ID).SetStatus(subscription.StatusACTIVE)
	if ka1.ValidFrom != nil {
		create.SetActiveFrom(*ka1.ValidFrom)
	}
	return create.Save(ctx)
}

// TerminateAgreement gives notice on an ACTIVE agreement (D-A5): it ends
// after the notice period. A KA2 agreement cannot be terminated while any
// of its subscriptions is ACTIVE or PENDING; a KA1 agreement takes its
// service's subscription with it (D-A1).
func (s *Service) TerminateAgreement(ctx context.Context, id pulid.ID) (*ent.Agreement, error) {
	client := ent.FromContext(ctx)
	ag, err := client.Agreement.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := access.TerminateAgreement(ctx, ag.CustomerID); err != nil {
		return nil, err
	}
	if ag, err = lockAgreement(ctx, client, id); err != nil {
		return nil, err
	}
	if ag.Status != agreement.StatusACTIVE {
		return nil, apperr.InvalidState(ag.Status, "only an ACTIVE agreement can be terminated")
	}
	if ag.Model == agreement.ModelKA2 {
		if err := s.noLiveSubscriptions(ctx, client, ag); err != nil {
			return nil, err
		}
	}
	today, ends := s.noticePeriod()
	ag, err = ag.Update().
		SetStatus(agreement.StatusTERMINATION_NOTICED).SetTerminationNoticedOn(today).SetEndsOn(ends).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("terminating agreement: %w", err)
	}
	if err := audit.Record(ctx, client, audit.Event{
		Action: ActionAgreementTerminationNoticed, EntityType: "Agreement", EntityID: ag.ID, CustomerID: &ag.CustomerID,
		Details: map[string]any{"endsOn": ends.Format(time.DateOnly)},
	}); err != nil {
		return nil, err
	}
	if ag.Model == agreement.ModelKA1 {
		// The subscription ends with its agreement: the service's own
		// consequence, done with the service's rights.
		sys := access.SystemContext(ctx)
		subs, err := ag.QuerySubscriptions().Where(subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusPENDING)).All(sys)
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			if _, err := s.noticeSubscription(sys, client, sub, today, ends); err != nil {
				return nil, err
			}
		}
	}
	return ag, nil
}

// noLiveSubscriptions is the rule of D-A5: KA2 ends only when no
// subscription under it is ACTIVE or PENDING. The refusal names them.
func (s *Service) noLiveSubscriptions(ctx context.Context, client *ent.Client, ag *ent.Agreement) error {
	ids, err := client.Subscription.Query().
		Where(subscription.AgreementID(ag.ID), subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusPENDING)).
		IDs(access.SystemContext(ctx))
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.CodeSubscriptionsActive,
		Message:    fmt.Sprintf("Kundavtal 2 runs on while %d subscription(s) are active or pending; terminate them first", len(ids)),
		Extensions: map[string]any{"subscriptionIds": ids}}
}

// TerminateSubscription gives notice on an ACTIVE subscription (D-A5); it
// ends after the notice period while the agreement runs on.
func (s *Service) TerminateSubscription(ctx context.Context, id pulid.ID) (*ent.Subscription, error) {
	client := ent.FromContext(ctx)
	sub, err := client.Subscription.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := access.TerminateSubscription(ctx, sub.CustomerID); err != nil {
		return nil, err
	}
	// Hold the row: of two notices at once, the second sees the first.
	if err := client.Subscription.UpdateOneID(id).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, err
	}
	if sub, err = client.Subscription.Get(ctx, id); err != nil {
		return nil, err
	}
	today, ends := s.noticePeriod()
	return s.noticeSubscription(ctx, client, sub, today, ends)
}

// noticeSubscription is the transition ACTIVE → TERMINATION_NOTICED.
func (s *Service) noticeSubscription(ctx context.Context, client *ent.Client, sub *ent.Subscription, today, ends time.Time) (*ent.Subscription, error) {
	if sub.Status != subscription.StatusACTIVE && sub.Status != subscription.StatusPENDING {
		return nil, apperr.InvalidState(sub.Status, "only an ACTIVE subscription can be terminated")
	}
	sub, err := sub.Update().
		SetStatus(subscription.StatusTERMINATION_NOTICED).SetTerminationNoticedOn(today).SetEndsOn(ends).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("terminating subscription: %w", err)
	}
	return sub, audit.Record(ctx, client, audit.Event{
		Action: ActionSubscriptionTerminationNoticed, EntityType: "Subscription", EntityID: sub.ID, CustomerID: &sub.CustomerID,
		Details: map[string]any{"endsOn": ends.Format(time.DateOnly)},
	})
}

// noticePeriod is today and the last day of validity after notice given
// today (D-A5), both dates in Europe/Stockholm.
func (s *Service) noticePeriod() (today, ends time.Time) {
	today = s.today()
	return today, today.AddDate(0, s.TerminationNotice, 0)
}

// EndDue moves agreements and subscriptions whose notice period has run
// out (endsOn before today) to TERMINATED, as the service itself. It is
// the scheduled step of D-A5; running it twice changes nothing more.
func (s *Service) EndDue(ctx context.Context, client *ent.Client) (agreements, subscriptions int, err error) {
	sys := access.SystemContext(ctx)
	today := s.today()
	ags, err := client.Agreement.Query().
		Where(agreement.StatusEQ(agreement.StatusTERMINATION_NOTICED), agreement.EndsOnLT(today)).All(sys)
	if err != nil {
		return 0, 0, err
	}
	for _, ag := range ags {
		n, err := client.Agreement.Update().
			Where(agreement.ID(ag.ID), agreement.StatusEQ(agreement.StatusTERMINATION_NOTICED)).
			SetStatus(agreement.StatusTERMINATED).Save(sys)
		if err != nil {
			return 0, 0, err
		}
		if n == 0 {
			continue // another instance ended it meanwhile
		}
		agreements++
		if err := audit.Record(sys, client, audit.Event{
			Action: ActionAgreementTerminated, EntityType: "Agreement", EntityID: ag.ID, CustomerID: &ag.CustomerID,
		}); err != nil {
			return 0, 0, err
		}
	}
	subs, err := client.Subscription.Query().
		Where(subscription.StatusEQ(subscription.StatusTERMINATION_NOTICED), subscription.EndsOnLT(today)).All(sys)
	if err != nil {
		return 0, 0, err
	}
	for _, sub := range subs {
		n, err := client.Subscription.Update().
			Where(subscription.ID(sub.ID), subscription.StatusEQ(subscription.StatusTERMINATION_NOTICED)).
			SetStatus(subscription.StatusTERMINATED).Save(sys)
		if err != nil {
			return 0, 0, err
		}
		if n == 0 {
			continue
		}
		subscriptions++
		if err := audit.Record(sys, client, audit.Event{
			Action: ActionSubscriptionTerminated, EntityType: "Subscription", EntityID: sub.ID, CustomerID: &sub.CustomerID,
		}); err != nil {
			return 0, 0, err
		}
	}
	return agreements, subscriptions, nil
}
