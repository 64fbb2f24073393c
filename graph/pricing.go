package graph

import (
	"time"

	"kundportal/internal/bizdate"
	"kundportal/internal/pricing"
)

// announcement translates announcePriceChange's input.
func announcement(in AnnouncePriceChangeInput) pricing.Announcement {
	a := pricing.Announcement{
		Name: in.Name, EffectiveFrom: in.EffectiveFrom, BasisPoints: int64(in.AdjustmentBasisPoints),
		ExemptCategoryIDs: in.ExemptCategoryIds, ExemptServiceIDs: in.ExemptServiceIds,
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	for _, p := range in.SetPrices {
		a.Set = append(a.Set, pricing.SetPrice{OfferingID: p.OfferingID, Unit: p.Unit, Amount: p.Amount, CategoryIDs: p.CategoryIds})
	}
	return a
}

// dateOrToday is the date asked for, or today in Europe/Stockholm.
func dateOrToday(on *time.Time) time.Time {
	if on != nil {
		return *on
	}
	return bizdate.Truncate(time.Now())
}
