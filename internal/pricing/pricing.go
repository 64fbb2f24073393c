// Package pricing decides what an order costs (D-S2..D-S5): which price
// list is in force on a date and what it asks of a customer category, the
// quote of an offering for a quantity, the snapshot an order keeps from
// the day it was placed, and the announcement of the next list (see
// announce.go). The core is pure; ListInForce, SnapshotFor and Announce
// read and write the lists through an ent client.
//
// A price list is complete: it holds every price of every offering for
// every customer category, and no two lists share an effective date. So
// exactly one price is in force for an offering, category and unit on any
// date from the first list's, and the unique indexes of ent/schema enforce
// it. A category or service exempt from a change keeps its earlier amount
// in the new list; the list records which were exempt.
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

// Key names one price of a category's prices within a list: an offering
// and a price unit.
type Key struct {
	OfferingID pulid.ID
	Unit       types.PriceUnit
}

// List is a price list with the prices of one customer category (D-S4).
type List struct {
	ID            pulid.ID
	EffectiveFrom time.Time
	Prices        map[Key]money.Amount
}

// ErrNoListInForce is returned when no price list is in force.
var ErrNoListInForce = errors.New("no price list is in force")

// InForce returns the list in force on a date (D-S4): the one with the
// latest effective date on or before it.
func InForce(lists []*List, on time.Time) (*List, error) {
	var best *List
	for _, l := range lists {
		if !l.EffectiveFrom.After(on) && (best == nil || l.EffectiveFrom.After(best.EffectiveFrom)) {
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

// ListInForce loads the list in force on a date with the prices of a
// customer category: two queries, whatever the number of prices.
func ListInForce(ctx context.Context, client *ent.Client, category pulid.ID, on time.Time) (*List, error) {
	row, err := client.PriceList.Query().
		Where(pricelist.EffectiveFromLTE(on)).
		Order(ent.Desc(pricelist.FieldEffectiveFrom)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w on %s", ErrNoListInForce, on.Format(time.DateOnly))
	}
	if err != nil {
		return nil, fmt.Errorf("loading the price list: %w", err)
	}
	l := &List{ID: row.ID, EffectiveFrom: row.EffectiveFrom}
	prices, err := client.Price.Query().Where(price.PriceListID(l.ID), price.CategoryID(category)).All(ctx)
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
