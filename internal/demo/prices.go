package demo

import (
	"fmt"
	"time"

	"kundportal/ent"
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

// priceRule derives a list's price of a base price; ok is false when the
// list has no such price.
type priceRule func(b basePrice) (amount money.Amount, ok bool)

// prices2019 is the list before the 2021 price model.
func prices2019(b basePrice) (money.Amount, bool) { return b.amount, !b.new2021 }

// prices2021 is the change of 2021-01-01 (004, announced 2020-09-30): +2 %
// when raise is set (all customers except regions), Digitalt möte
// unchanged, the SITHS card at 85 kr and the new connection fees for all.
func prices2021(raise bool) priceRule {
	return func(b basePrice) (money.Amount, bool) {
		switch {
		case b.new2021:
			return b.amount, true
		case b.set2021 != 0:
			return b.set2021, true
		case b.frozen2021 || !raise:
			return b.amount, true
		default:
			return b.amount.MulPercent(200), true
		}
	}
}

var (
	general2021 = prices2021(true)
	regions2021 = prices2021(false)
)

// raised is a general increase in basis points over an earlier list, as
// the +4 % of 2024-01-01 (004, announced 2023-09-19).
func raised(earlier priceRule, basisPoints int64) priceRule {
	return func(b basePrice) (money.Amount, bool) {
		a, ok := earlier(b)
		return a.MulPercent(basisPoints), ok
	}
}

// priceListSpec is one price list (D-S4).
type priceListSpec struct {
	key, name, description string
	announced, effective   string
	category               string // "" applies to every category
	prices                 priceRule
}

// The price list keys.
const (
	pl2019        = "2019"
	pl2021        = "2021"
	pl2021Regions = "2021-regions"
	pl2024        = "2024"
	pl2024Regions = "2024-regions"
)

// priceListSpecs are complete lists: each holds every price in its scope.
// A category-specific list wins over a general one of the same date, so
// regions, exempt from the 2021 increase, have lists of their own from
// 2021 on (see priceListFor).
var priceListSpecs = []priceListSpec{
	{key: pl2019, name: "Prislista 2019", effective: "2019-01-01", prices: prices2019,
		description: "Priser för Ineras tjänster från 1 januari 2019."},
	{key: pl2021, name: "Prislista 2021", announced: "2020-09-30", effective: "2021-01-01", prices: general2021,
		description: "Generell höjning med 2 procent för alla kunder och agenter utom regionerna. " +
			"Priserna för Digitalt möte lämnas oförändrade. SITHS-kort 85 kronor per kort och år. " +
			"Anslutning av producerande system till NPÖ och Journalen: 25 000 kr per tjänstekontrakt och tjänst. " +
			"Webcert Fristående prissätts."},
	{key: pl2021Regions, name: "Prislista 2021 – regioner", announced: "2020-09-30", effective: "2021-01-01", category: catRegion, prices: regions2021,
		description: "Regionerna undantas från den generella höjningen 2021. SITHS-kort 85 kronor per kort och år. " +
			"Anslutning av producerande system: 25 000 kr per tjänstekontrakt och tjänst."},
	{key: pl2024, name: "Prislista 2024", announced: "2023-09-19", effective: "2024-01-01", prices: raised(general2021, 400),
		description: "Generell höjning av priserna för Ineras tjänster med 4 procent."},
	{key: pl2024Regions, name: "Prislista 2024 – regioner", announced: "2023-09-19", effective: "2024-01-01", category: catRegion, prices: raised(regions2021, 400),
		description: "Generell höjning av priserna för Ineras tjänster med 4 procent."},
}

// priceListRow is a created price list, for quoting orders.
type priceListRow struct {
	entity *ent.PriceList
	list   *pricing.List
}

// label names the spec in an error.
func (spec priceListSpec) label() string { return spec.name }

func (s *seeder) createPriceList(spec priceListSpec) error {
	create := s.tx.PriceList.Create().
		SetName(spec.name).
		SetDescription(spec.description).
		SetNillableAnnouncedOn(date(spec.announced)).
		SetEffectiveFrom(*date(spec.effective))
	if spec.category != "" {
		cat, err := lookup(s.categories, "category", spec.category)
		if err != nil {
			return err
		}
		create.SetCategory(cat)
	}
	list, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	row := &priceListRow{entity: list, list: &pricing.List{ID: list.ID, CategoryID: list.CategoryID,
		EffectiveFrom: list.EffectiveFrom, Prices: map[pricing.Key]money.Amount{}}}
	var builders []*ent.PriceCreate
	for _, b := range basePrices {
		amount, ok := spec.prices(b)
		if !ok {
			continue
		}
		off, err := lookup(s.offerings, "offering", b.offering)
		if err != nil {
			return err
		}
		row.list.Prices[pricing.Key{OfferingID: off.ID, Unit: b.unit}] = amount
		builders = append(builders, s.tx.Price.Create().
			SetPriceList(list).SetOffering(off).SetUnit(b.unit).SetAmount(amount))
	}
	if _, err := s.tx.Price.CreateBulk(builders...).Save(s.ctx); err != nil {
		return err
	}
	s.priceLists = append(s.priceLists, row)
	return nil
}

// priceListFor returns the list in force on a date for a customer of a
// category (D-S4), as internal/pricing decides it.
func (s *seeder) priceListFor(category string, on time.Time) (*priceListRow, error) {
	cat, err := lookup(s.categories, "category", category)
	if err != nil {
		return nil, err
	}
	lists := make([]*pricing.List, len(s.priceLists))
	for i, row := range s.priceLists {
		lists[i] = row.list
	}
	l, err := pricing.InForce(lists, cat.ID, on)
	if err != nil {
		return nil, err
	}
	for _, row := range s.priceLists {
		if row.list == l {
			return row, nil
		}
	}
	return nil, fmt.Errorf("price list %s is not the seeder's", l.ID)
}
