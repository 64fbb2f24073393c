// Package pricing decides what an order costs (D-S2..D-S5): which price
// list is in force for a customer category on a date, the quote of an
// offering for a quantity, and the snapshot an order keeps from the day it
// was placed. The core is pure; ListInForce and SnapshotFor read the
// lists through an ent client.
package pricing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/price"
	"kundportal/ent/pricelist"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/money"
)

// Key names one price within a list: an offering and a price unit.
type Key struct {
	OfferingID pulid.ID
	Unit       types.PriceUnit
}

// List is a price list with its prices (D-S4).
type List struct {
	ID pulid.ID
	// CategoryID is the one category the list applies to, or nil for a
	// general list.
	CategoryID    *pulid.ID
	EffectiveFrom time.Time
	Prices        map[Key]money.Amount
}

// ErrNoListInForce is returned when no price list is in force.
var ErrNoListInForce = errors.New("no price list is in force")

// InForce returns the list in force on a date for a customer of a
// category (D-S4): the latest effective one that is general or of that
// category, the category's own list winning over a general one of the
// same date.
func InForce(lists []*List, category pulid.ID, on time.Time) (*List, error) {
	var best *List
	for _, l := range lists {
		if l.EffectiveFrom.After(on) || (l.CategoryID != nil && *l.CategoryID != category) {
			continue
		}
		if best == nil || l.EffectiveFrom.After(best.EffectiveFrom) ||
			(l.EffectiveFrom.Equal(best.EffectiveFrom) && l.CategoryID != nil) {
			best = l
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w on %s", ErrNoListInForce, on.Format(time.DateOnly))
	}
	return best, nil
}

// Quote is what an order of an offering costs at a list's prices.
type Quote struct {
	// Lines are one per price of the offering in the list.
	Lines []types.PriceLine
	// StartupFee is the sum of the one-off charges (STARTUP_FEE and
	// ONE_TIME): charged once per order, whatever its quantity (D-S2).
	StartupFee money.Amount
	// Recurring is the sum of the per-period charges for the quantity,
	// each for its own period (the order's recurringAmount).
	Recurring money.Amount
	// PerMonth is the sum of the monthly charges; PerYear is a year of
	// every recurring charge, a monthly one counted 12 times.
	PerMonth, PerYear money.Amount
}

// FirstYear is what the order costs in its first year: the startup fee
// and a year of recurring charges (D-S2).
func (q Quote) FirstYear() money.Amount { return q.StartupFee + q.PerYear }

// Quote prices an order of quantity units of the offering (D-S2, D-S3):
// the startup fee and one-time charges once, the per-unit prices (per
// care unit, SITHS card or service contract) times the quantity, and the
// flat per-month and per-year prices once.
func (l *List) Quote(offeringID pulid.ID, quantity int) (Quote, error) {
	var q Quote
	if quantity < 0 {
		return q, fmt.Errorf("quantity %d is negative", quantity)
	}
	for _, u := range types.PriceUnit("").Values() {
		unit := types.PriceUnit(u)
		p, ok := l.Prices[Key{offeringID, unit}]
		if !ok {
			continue
		}
		qty, oneOff := 1, false
		switch unit {
		case types.PriceUnitStartupFee, types.PriceUnitOneTime:
			oneOff = true
		case types.PriceUnitPerCareUnitPerMonth, types.PriceUnitPerCareUnitPerYear,
			types.PriceUnitPerCardPerYear, types.PriceUnitPerContractPerYear:
			qty = quantity
		}
		line := types.PriceLine{Unit: unit, Quantity: qty, UnitPrice: p, Amount: p.Times(qty)}
		q.Lines = append(q.Lines, line)
		switch {
		case oneOff:
			q.StartupFee += line.Amount
		case unit.Monthly():
			q.Recurring += line.Amount
			q.PerMonth += line.Amount
			q.PerYear += line.Amount.Times(12)
		default:
			q.Recurring += line.Amount
			q.PerYear += line.Amount
		}
	}
	if len(q.Lines) == 0 {
		return q, fmt.Errorf("offering %s has no price in list %s", offeringID, l.ID)
	}
	return q, nil
}

// ListInForce loads the list in force for a category on a date, with its
// prices: two queries, whatever the number of prices.
func ListInForce(ctx context.Context, client *ent.Client, category pulid.ID, on time.Time) (*List, error) {
	rows, err := client.PriceList.Query().
		Where(pricelist.EffectiveFromLTE(on), pricelist.Or(pricelist.CategoryIDIsNil(), pricelist.CategoryID(category))).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading price lists: %w", err)
	}
	lists := make([]*List, len(rows))
	for i, r := range rows {
		lists[i] = &List{ID: r.ID, CategoryID: r.CategoryID, EffectiveFrom: r.EffectiveFrom}
	}
	l, err := InForce(lists, category, on)
	if err != nil {
		return nil, err
	}
	prices, err := client.Price.Query().Where(price.PriceListID(l.ID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading prices: %w", err)
	}
	l.Prices = make(map[Key]money.Amount, len(prices))
	for _, p := range prices {
		l.Prices[Key{p.OfferingID, p.Unit}] = p.Amount
	}
	return l, nil
}

// Snapshot is what an order keeps from the day it was placed (D-S4): the
// list in force and the quote at its prices. Later lists never change it.
type Snapshot struct {
	PriceListID pulid.ID
	Quote
}

// SnapshotFor quotes an offering for a customer category on a date.
func SnapshotFor(ctx context.Context, client *ent.Client, category, offeringID pulid.ID, quantity int, on time.Time) (Snapshot, error) {
	l, err := ListInForce(ctx, client, category, on)
	if err != nil {
		return Snapshot{}, err
	}
	q, err := l.Quote(offeringID, quantity)
	if err != nil {
		return Snapshot{}, err
	}
	return Snapshot{PriceListID: l.ID, Quote: q}, nil
}

// Set puts the snapshot on an order being created or submitted.
func (s Snapshot) Set(m *ent.OrderMutation) {
	m.SetPriceListID(s.PriceListID)
	m.SetStartupFee(s.StartupFee)
	m.SetRecurringAmount(s.Recurring)
	m.SetPriceLines(s.Lines)
}
