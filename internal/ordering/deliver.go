package ordering

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/ent/order"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
)

// DeliverOrder marks an attested order delivered (D-O5): customer service
// has sent the access instructions, noted in note. The order's
// subscription becomes ACTIVE from today, or, already active, grows by the
// order's quantity. The orderer and the agreement contacts are told.
func (s *Service) DeliverOrder(ctx context.Context, id pulid.ID, note string) (*ent.Order, error) {
	if err := access.DeliverOrders(ctx); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if note == "" || len(note) > 2000 {
		return nil, apperr.Validation("note", "note how the customer got its access instructions, in at most 2000 characters")
	}
	client := ent.FromContext(ctx)
	o, err := lockOrder(ctx, client, id)
	if err != nil {
		return nil, err
	}
	if err := in(o, "delivered", order.StatusATTESTED); err != nil {
		return nil, err
	}
	if o.SubscriptionID == nil {
		return nil, fmt.Errorf("attested order %s has no subscription", o.ID)
	}
	// The subscription's row is held while its quantity grows.
	if err := client.Subscription.UpdateOneID(*o.SubscriptionID).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, err
	}
	sub, err := client.Subscription.Get(ctx, *o.SubscriptionID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	update := sub.Update().AddQuantity(o.Quantity)
	action := ActionSubscriptionExtended
	switch sub.Status {
	case subscription.StatusPENDING:
		update.SetStatus(subscription.StatusACTIVE).SetActiveFrom(today)
		action = ActionSubscriptionStarted
	case subscription.StatusACTIVE:
	default:
		return nil, apperr.InvalidState(sub.Status, "the order's subscription is %s: it can no longer be extended", sub.Status)
	}
	if sub, err = update.Save(ctx); err != nil {
		return nil, fmt.Errorf("activating subscription: %w", err)
	}
	_, staff := audit.Actor(ctx)
	if o, err = o.Update().SetStatus(order.StatusDELIVERED).SetDeliveredAt(s.Now()).
		SetDeliveredBy(staff).SetDeliveryNote(note).Save(ctx); err != nil {
		return nil, fmt.Errorf("delivering order: %w", err)
	}
	if err := record(ctx, client, o, ActionOrderDelivered, nil, nil,
		map[string]any{"subscriptionId": sub.ID, "note": note}); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, client, audit.Event{
		Action: action, EntityType: "Subscription", EntityID: sub.ID, CustomerID: &sub.CustomerID,
		Details: map[string]any{"orderId": o.ID, "quantity": sub.Quantity, "activeFrom": sub.ActiveFrom.Format(time.DateOnly)},
	}); err != nil {
		return nil, err
	}
	return o, s.tellDelivered(ctx, client, o, sub)
}

// tellDelivered e-mails the orderer and the agreement contacts.
func (s *Service) tellDelivered(ctx context.Context, client *ent.Client, o *ent.Order, sub *ent.Subscription) error {
	sys := access.SystemContext(ctx)
	off, err := o.QueryOffering().Only(sys)
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("%s är levererad", off.Name)
	body := func(p *ent.Person) string {
		return fmt.Sprintf("Hej %s!\n\nBeställningen av %s (%d st) är levererad och abonnemanget gäller från och med %s; det omfattar nu %d st.\nInstruktioner för anslutning har skickats separat. %s\n",
			p.GivenName, off.Name, o.Quantity, sub.ActiveFrom.Format(time.DateOnly), sub.Quantity, s.link(o))
	}
	orderer, err := client.Person.Get(sys, o.OrdererID)
	if err != nil {
		return err
	}
	if err := tellPerson(ctx, client, o, orderer, KindOrderDelivered, subject, body(orderer)); err != nil {
		return err
	}
	return tell(ctx, client, o, types.RoleAgreementContact, KindOrderDelivered, subject, body)
}
