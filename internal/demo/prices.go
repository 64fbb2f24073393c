package demo

import (
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/money"
	"kundportal/internal/pricing"
)

// basePrice is one price of the catalog as it stood in the 2019 list, with
// what the price changes of 004 did to it. Amounts are chosen, except the
// SITHS card (54 kr, then 85 kr) and the 25 000 kr connection fee (004).
type basePrice struct {
	offering string
	unit     types.PriceUnit
	amount   money.Amount
	// new2021: the price model of 2021-01-01 introduced the price (the
	// connection fees; Webcert Fristående, paid for from 2021 by seed 000):
	// no 2019 price, and the 2021 increase does not apply to it.
	new2021 bool
	// set2021 is a price set explicitly from 2021-01-01 (SITHS card).
	set2021 money.Amount
	// frozen2021: left unchanged in 2021 (Digitalt möte).
	frozen2021 bool
}

var basePrices = []basePrice{
	{offering: offWebcert, unit: types.PriceUnitStartupFee, amount: money.Kronor(2000), new2021: true},
	{offering: offWebcert, unit: types.PriceUnitPerCareUnitPerMonth, amount: money.Kronor(150), new2021: true},
	{offering: offEtjanster1177, unit: types.PriceUnitStartupFee, amount: money.Kronor(3500)},
	{offering: offEtjanster1177, unit: types.PriceUnitPerCareUnitPerMonth, amount: money.Kronor(395)},
	{offering: offTelefon1177, unit: types.PriceUnitPerYear, amount: money.Kronor(1_200_000)},
	{offering: offNPOConsumer, unit: types.PriceUnitStartupFee, amount: money.Kronor(2500)},
	{offering: offNPOConsumer, unit: types.PriceUnitPerCareUnitPerYear, amount: money.Kronor(1850)},
	{offering: offNPOProducer, unit: types.PriceUnitOneTime, amount: money.Kronor(25_000), new2021: true},
	{offering: offJournalProd, unit: types.PriceUnitOneTime, amount: money.Kronor(25_000), new2021: true},
	{offering: offJournalCare, unit: types.PriceUnitPerYear, amount: money.Kronor(18_000)},
	{offering: offPascal, unit: types.PriceUnitStartupFee, amount: money.Kronor(3000)},
	{offering: offPascal, unit: types.PriceUnitPerCareUnitPerMonth, amount: money.Kronor(245)},
	{offering: offSITHSCard, unit: types.PriceUnitPerCardPerYear, amount: money.Kronor(54), set2021: money.Kronor(85)},
	{offering: offDigitalMeeting, unit: types.PriceUnitStartupFee, amount: money.Kronor(1500), frozen2021: true},
	{offering: offDigitalMeeting, unit: types.PriceUnitPerCareUnitPerMonth, amount: money.Kronor(425), frozen2021: true},
	{offering: offSvevac, unit: types.PriceUnitPerCareUnitPerYear, amount: money.Kronor(1200)},
	{offering: offIdP, unit: types.PriceUnitPerContractPerYear, amount: money.Kronor(9600)},
	{offering: offOpenData, unit: types.PriceUnitPerYear, amount: money.Kronor(4800)},
	{offering: offAssistive, unit: types.PriceUnitPerYear, amount: money.Kronor(24_000)},
}

// priceListSpec is one price list (D-S4): the 2019 list is written out
// price by price for every category; each later one is a change of the
// list before, as announced.
type priceListSpec struct {
	name, description    string
	announced, effective string
	// base: the list is basePrices (without the 2021 newcomers).
	base bool
	// basisPoints, exemptCategories, exemptServices and the 2021 prices
	// set explicitly describe a change.
	basisPoints      int64
	exemptCategories []string
	exemptServices   []string
	set2021          bool
}

// priceListSpecs are the lists of seed 004, oldest first.
var priceListSpecs = []priceListSpec{
	{name: "Prislista 2019", effective: "2019-01-01", base: true,
		description: "Priser för Ineras tjänster från 1 januari 2019."},
	{name: "Prislista 2021", announced: "2020-09-30", effective: "2021-01-01",
		basisPoints: 200, exemptCategories: []string{catRegion}, exemptServices: []string{svcDigital}, set2021: true,
		description: "Generell höjning med 2 procent för alla kunder och agenter utom regionerna. " +
			"Priserna för Digitalt möte lämnas oförändrade. SITHS-kort 85 kronor per kort och år. " +
			"Anslutning av producerande system till NPÖ och Journalen: 25 000 kr per tjänstekontrakt och tjänst. " +
			"Webcert Fristående prissätts."},
	{name: "Prislista 2024", announced: "2023-09-19", effective: "2024-01-01", basisPoints: 400,
		description: "Generell höjning av priserna för Ineras tjänster med 4 procent."},
}

// priceListRow is a created price list with its prices, for quoting
// orders.
type priceListRow struct {
	entity *ent.PriceList
	table  pricing.Table
}

// label names the spec in an error.
func (spec priceListSpec) label() string { return spec.name }

// createPriceList writes the list that the spec describes, computed by
// package pricing from the list before exactly as an announcement is.
func (s *seeder) createPriceList(spec priceListSpec) error {
	var cats []pulid.ID
	for _, code := range allCategories {
		c, err := lookup(s.categories, "category", code)
		if err != nil {
			return err
		}
		cats = append(cats, c.ID)
	}
	serviceOf := map[pulid.ID]pulid.ID{}
	for _, o := range s.offerings {
		serviceOf[o.ID] = o.ServiceID
	}
	change := pricing.Change{BasisPoints: spec.basisPoints, ExemptCategories: map[pulid.ID]bool{}, ExemptServices: map[pulid.ID]bool{}}
	create := s.tx.PriceList.Create().
		SetName(spec.name).
		SetDescription(spec.description).
		SetNillableAnnouncedOn(date(spec.announced)).
		SetEffectiveFrom(*date(spec.effective))
	for _, code := range spec.exemptCategories {
		c, err := lookup(s.categories, "category", code)
		if err != nil {
			return err
		}
		change.ExemptCategories[c.ID] = true
		create.AddExemptCategories(c)
	}
	for _, code := range spec.exemptServices {
		svc, err := lookup(s.services, "service", code)
		if err != nil {
			return err
		}
		change.ExemptServices[svc.ID] = true
		create.AddExemptServices(svc)
	}
	for _, b := range basePrices {
		off, err := lookup(s.offerings, "offering", b.offering)
		if err != nil {
			return err
		}
		switch {
		case spec.base && !b.new2021, spec.set2021 && b.new2021:
			change.Set = append(change.Set, pricing.SetPrice{OfferingID: off.ID, Unit: b.unit, Amount: b.amount})
		case spec.set2021 && b.set2021 != 0:
			change.Set = append(change.Set, pricing.SetPrice{OfferingID: off.ID, Unit: b.unit, Amount: b.set2021})
		}
	}
	prev := pricing.Table{}
	if n := len(s.priceLists); n > 0 {
		prev = s.priceLists[n-1].table
	}
	table := change.Apply(prev, serviceOf, cats)
	if !spec.base {
		create.SetAdjustmentBasisPoints(spec.basisPoints).SetRaisesPrices(pricing.Raises(pricing.Compare(prev, table)))
	}
	list, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	if err := pricing.SaveTable(s.ctx, s.tx.Client(), list.ID, table); err != nil {
		return err
	}
	s.priceLists = append(s.priceLists, &priceListRow{entity: list, table: table})
	return nil
}

// priceListFor returns the list in force on a date with the prices of a
// category (D-S4), as internal/pricing decides it.
func (s *seeder) priceListFor(category string, on time.Time) (*ent.PriceList, *pricing.List, error) {
	cat, err := lookup(s.categories, "category", category)
	if err != nil {
		return nil, nil, err
	}
	lists := make([]*pricing.List, len(s.priceLists))
	for i, row := range s.priceLists {
		lists[i] = &pricing.List{ID: row.entity.ID, EffectiveFrom: row.entity.EffectiveFrom, Prices: map[pricing.Key]money.Amount{}}
		for cell, amount := range row.table {
			if cell.CategoryID == cat.ID {
				lists[i].Prices[pricing.Key{OfferingID: cell.OfferingID, Unit: cell.Unit}] = amount
			}
		}
	}
	l, err := pricing.InForce(lists, on)
	if err != nil {
		return nil, nil, err
	}
	for _, row := range s.priceLists {
		if row.entity.ID == l.ID {
			return row.entity, l, nil
		}
	}
	return nil, nil, fmt.Errorf("price list %s is not the seeder's", l.ID)
}
