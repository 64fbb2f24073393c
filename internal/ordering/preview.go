package ordering

import (
	"context"
	"fmt"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/money"
	"kundportal/internal/pricing"
)

// PreviewInput is a question about what ordering would cost (D-S2).
type PreviewInput struct {
	CustomerID pulid.ID
	OfferingID pulid.ID
	Quantity   int
	// SplitInto is the number of orders to compare one order with; 0
	// means 2 (1 for a single unit).
	SplitInto int
	// SubscriptionID, if set, is a subscription the units would extend.
	SubscriptionID *pulid.ID
}

// Preview is what an order would cost today, at the prices of the list in
// force for the customer's category.
type Preview struct {
	PriceList *ent.PriceList
	Offering  *ent.Offering
	Quantity  int
	pricing.Quote
	// Split is the same quantity in SplitInto orders.
	Split Split
	// Adding is the extension of a subscription, when one was named.
	Adding *Adding
}

// Split compares one order with several for the same units (D-S2): each
// order carries its own startup fee.
type Split struct {
	Orders     int
	StartupFee money.Amount
	FirstYear  money.Amount
	// ExtraCost is what the split costs more than one order in its first
	// year.
	ExtraCost money.Amount
}

// Adding is an order that extends a subscription.
type Adding struct {
	Subscription  *ent.Subscription
	QuantityAfter int
	pricing.Quote
}

// PreviewCost answers what an offering costs for quantity units today,
// the same units split over several orders, and, for a subscription, the
// cost of extending it. Anyone who sees the customer may ask.
func (s *Service) PreviewCost(ctx context.Context, in PreviewInput) (*Preview, error) {
	client := ent.FromContext(ctx)
	if client == nil {
		return nil, fmt.Errorf("ordering: no client in context")
	}
	c, err := client.Customer.Get(ctx, in.CustomerID)
	if err != nil {
		return nil, err
	}
	off, err := client.Offering.Get(ctx, in.OfferingID)
	if err != nil {
		return nil, err
	}
	if err := validQuantity(in.Quantity); err != nil {
		return nil, err
	}
	k := in.SplitInto
	if k == 0 {
		k = min(2, in.Quantity)
	}
	if k < 1 || k > in.Quantity {
		return nil, apperr.Validation("splitInto", "split %d units over 1 to %d orders", in.Quantity, in.Quantity)
	}
	sys := access.SystemContext(ctx)
	list, err := pricing.ListInForce(sys, client, c.CategoryID, s.today())
	if err != nil {
		return nil, apperr.Wrap(apperr.CodeNotPriced, err, "no price list is in force for the customer's category today")
	}
	one, err := list.Quote(off.ID, in.Quantity)
	if err != nil {
		return nil, apperr.Wrap(apperr.CodeNotPriced, err, "%s has no price for the customer's category today", off.Name)
	}
	p := &Preview{Offering: off, Quantity: in.Quantity, Quote: one, Split: Split{Orders: k}}
	if p.PriceList, err = client.PriceList.Get(sys, list.ID); err != nil {
		return nil, err
	}
	for i := range k {
		// The units spread as evenly as whole units go.
		part := in.Quantity / k
		if i < in.Quantity%k {
			part++
		}
		q, err := list.Quote(off.ID, part)
		if err != nil {
			return nil, err
		}
		p.Split.StartupFee += q.StartupFee
		p.Split.FirstYear += q.FirstYear()
	}
	p.Split.ExtraCost = p.Split.FirstYear - one.FirstYear()
	if in.SubscriptionID != nil {
		sub, err := client.Subscription.Get(ctx, *in.SubscriptionID)
		if err != nil {
			return nil, err
		}
		if sub.CustomerID != c.ID || sub.OfferingID != off.ID {
			return nil, apperr.Validation("subscriptionId", "the subscription is not the customer's subscription of %s", off.Name)
		}
		p.Adding = &Adding{Subscription: sub, QuantityAfter: sub.Quantity + in.Quantity, Quote: one}
	}
	return p, nil
}
