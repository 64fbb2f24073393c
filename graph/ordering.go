package graph

import (
	"context"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/ordering"
)

// careUnitInputs translates the care units an order names.
func careUnitInputs(in []*CareUnitInput) []ordering.CareUnitInput {
	if in == nil {
		return nil
	}
	out := make([]ordering.CareUnitInput, len(in))
	for i, u := range in {
		out[i] = ordering.CareUnitInput{HSAID: u.HsaID, Name: u.Name}
	}
	return out
}

// costPreview translates a cost preview.
func costPreview(p *ordering.Preview) *OrderCostPreview {
	out := &OrderCostPreview{
		Offering: p.Offering, PriceList: p.PriceList, Quantity: p.Quantity, Lines: linePointers(p.Lines),
		StartupFee: p.StartupFee, RecurringPerMonth: p.PerMonth, RecurringPerYear: p.PerYear, FirstYearTotal: p.FirstYear(),
		Split: &SplitOrderCost{Orders: p.Split.Orders, StartupFees: p.Split.StartupFee,
			FirstYearTotal: p.Split.FirstYear, ExtraCost: p.Split.ExtraCost},
	}
	if a := p.Adding; a != nil {
		out.AddingToSubscription = &SubscriptionExtensionCost{
			Subscription: a.Subscription, QuantityBefore: a.Subscription.Quantity, QuantityAfter: a.QuantityAfter,
			StartupFee: a.StartupFee, RecurringPerYear: a.PerYear, FirstYearTotal: a.FirstYear(),
		}
	}
	return out
}

// clientOf is the request's transaction in a mutation, so that what the
// mutation wrote is read back, and the resolver's client otherwise.
func (r *Resolver) clientOf(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.client
}

func derefInt(i *int) int {
	if i == nil {
		return 0
	}
	return *i
}

func linePointers(lines []types.PriceLine) []*types.PriceLine {
	out := make([]*types.PriceLine, len(lines))
	for i := range lines {
		out[i] = &lines[i]
	}
	return out
}
