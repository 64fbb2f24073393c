package pricing

import (
	"cmp"
	"slices"

	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/money"
)

// Cell names one price of a complete list: an offering, a customer
// category and a unit.
type Cell struct {
	OfferingID pulid.ID
	CategoryID pulid.ID
	Unit       types.PriceUnit
}

// Table is every price of a list.
type Table map[Cell]money.Amount

// Change is an announced price change (D-S4): a general adjustment from
// which categories and services may be exempt, and prices set explicitly.
// The seeds' change of 2021-01-01 is BasisPoints 200, regions and Digitalt
// möte exempt, and the SITHS card set to 85 kr.
type Change struct {
	// BasisPoints is the general adjustment in hundredths of a percent:
	// 400 is +4 %, -150 is -1.5 %.
	BasisPoints int64
	// ExemptCategories and ExemptServices keep the amounts of the list
	// before.
	ExemptCategories, ExemptServices map[pulid.ID]bool
	// Set are prices given explicitly; they win over the adjustment and
	// the exemptions, and may price an offering for the first time.
	Set []SetPrice
}

// SetPrice is a price set explicitly by a change.
type SetPrice struct {
	OfferingID pulid.ID
	Unit       types.PriceUnit
	Amount     money.Amount
	// CategoryIDs are the categories the price is for; none means all.
	CategoryIDs []pulid.ID
}

// Apply returns the list that follows prev under the change: each price
// adjusted and rounded to whole öre, half away from zero (money.Amount's
// MulPercent), unless its category or its offering's service is exempt;
// then the prices set explicitly, for the categories they name or for
// all. serviceOf maps each offering to its service.
func (c Change) Apply(prev Table, serviceOf map[pulid.ID]pulid.ID, categories []pulid.ID) Table {
	next := make(Table, len(prev))
	for cell, amount := range prev {
		if c.ExemptCategories[cell.CategoryID] || c.ExemptServices[serviceOf[cell.OfferingID]] {
			next[cell] = amount
			continue
		}
		next[cell] = amount.MulPercent(c.BasisPoints)
	}
	for _, s := range c.Set {
		cats := s.CategoryIDs
		if len(cats) == 0 {
			cats = categories
		}
		for _, cat := range cats {
			next[Cell{s.OfferingID, cat, s.Unit}] = s.Amount
		}
	}
	return next
}

// Difference is a price a change moves, or prices for the first time.
type Difference struct {
	Cell
	Old, New money.Amount
	// First is set when the list before had no such price.
	First bool
}

// Raise reports whether the difference is an increase of an existing
// price: a change not in the customer's favour (D-D2).
func (d Difference) Raise() bool { return !d.First && d.New > d.Old }

// Compare lists the prices that differ between two lists, in a stable
// order.
func Compare(prev, next Table) []Difference {
	var out []Difference
	for cell, n := range next {
		o, ok := prev[cell]
		if ok && o == n {
			continue
		}
		out = append(out, Difference{Cell: cell, Old: o, New: n, First: !ok})
	}
	slices.SortFunc(out, func(a, b Difference) int {
		return cmp.Or(cmp.Compare(a.OfferingID, b.OfferingID), cmp.Compare(a.CategoryID, b.CategoryID), cmp.Compare(a.Unit, b.Unit))
	})
	return out
}

// Raises reports whether any of the differences raises a price.
func Raises(diffs []Difference) bool {
	return slices.ContainsFunc(diffs, Difference.Raise)
}
