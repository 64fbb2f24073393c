package pricing_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/money"
	"kundportal/internal/pricing"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var (
	region  = pulid.ID("CGREGION")
	kommun  = pulid.ID("CGKOMMUN")
	webcert = pulid.ID("OFWEBCERT")
)

func list(id string, effective string) *pricing.List {
	return &pricing.List{ID: pulid.ID(id), EffectiveFrom: bizdate.MustParse(effective)}
}

// The lists of seed 004, from 2019, 2021 and 2024, out of order.
var lists = []*pricing.List{
	list("PL2021", "2021-01-01"),
	list("PL2019", "2019-01-01"),
	list("PL2024", "2024-01-01"),
}

func TestDS4_ListInForceByDate(t *testing.T) {
	for _, c := range []struct {
		name string
		on   string
		want pulid.ID
	}{
		{"before the first change", "2020-12-31", "PL2019"},
		{"on the effective date", "2021-01-01", "PL2021"},
		{"between changes", "2023-12-31", "PL2021"},
		{"on the latest change", "2024-01-01", "PL2024"},
		{"after the latest change", "2024-06-01", "PL2024"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := pricing.InForce(lists, bizdate.MustParse(c.on))
			if err != nil || l.ID != c.want {
				t.Fatalf("InForce(%s) = %v, %v; want %s", c.on, l, err, c.want)
			}
		})
	}
	if _, err := pricing.InForce(lists, bizdate.MustParse("2018-12-31")); !errors.Is(err, pricing.ErrNoListInForce) {
		t.Errorf("before every list: err = %v, want ErrNoListInForce", err)
	}
}

func TestDS2_StartupFeeOncePerOrder(t *testing.T) {
	l := &pricing.List{ID: "PL", Prices: map[pricing.Key]money.Amount{
		{OfferingID: webcert, Unit: types.PriceUnitStartupFee}:          money.Kronor(2000),
		{OfferingID: webcert, Unit: types.PriceUnitPerCareUnitPerMonth}: money.Kronor(150),
	}}
	for _, units := range []int{1, 3, 12} {
		q, err := l.Quote(webcert, units)
		if err != nil {
			t.Fatal(err)
		}
		if q.StartupFee != money.Kronor(2000) || q.Recurring != money.Kronor(150).Times(units) {
			t.Errorf("%d units: startup %s, recurring %s", units, q.StartupFee, q.Recurring)
		}
		want := []types.PriceLine{
			{Unit: types.PriceUnitStartupFee, Quantity: 1, UnitPrice: money.Kronor(2000), Amount: money.Kronor(2000)},
			{Unit: types.PriceUnitPerCareUnitPerMonth, Quantity: units, UnitPrice: money.Kronor(150), Amount: money.Kronor(150).Times(units)},
		}
		if !slices.Equal(q.Lines, want) {
			t.Errorf("%d units: lines %+v, want %+v", units, q.Lines, want)
		}
	}
	// Three care units in one order cost one startup fee; in three
	// orders, three (seed 001's advice).
	one, _ := l.Quote(webcert, 3)
	single, _ := l.Quote(webcert, 1)
	if three := single.StartupFee.Times(3); three-one.StartupFee != money.Kronor(4000) {
		t.Errorf("three orders cost %s more in startup fees than one, want 4000.00", three-one.StartupFee)
	}
}

// TestDS3_QuantityCountsTheOfferingsUnit: the quantity counts what the
// per-unit price is for (SITHS cards, service contracts); a flat price per
// month or year and a one-time charge are charged once; a year counts a
// monthly price 12 times.
func TestDS3_QuantityCountsTheOfferingsUnit(t *testing.T) {
	card, contract, flat := pulid.ID("OFSITHS"), pulid.ID("OFCONTRACT"), pulid.ID("OFFLAT")
	l := &pricing.List{ID: "PL", Prices: map[pricing.Key]money.Amount{
		{OfferingID: card, Unit: types.PriceUnitPerCardPerYear}:         money.Kronor(85),
		{OfferingID: contract, Unit: types.PriceUnitPerContractPerYear}: money.Kronor(1200),
		{OfferingID: contract, Unit: types.PriceUnitOneTime}:            money.Kronor(25000),
		{OfferingID: flat, Unit: types.PriceUnitPerMonth}:               money.Kronor(500),
	}}
	cases := []struct {
		off                         pulid.ID
		n                           int
		startup, perYear, firstYear money.Amount
	}{
		{card, 40, 0, money.Kronor(3400), money.Kronor(3400)},
		{contract, 2, money.Kronor(25000), money.Kronor(2400), money.Kronor(27400)},
		{flat, 7, 0, money.Kronor(6000), money.Kronor(6000)},
	}
	for _, c := range cases {
		q, err := l.Quote(c.off, c.n)
		if err != nil {
			t.Fatalf("%s × %d: %v", c.off, c.n, err)
		}
		if q.StartupFee != c.startup || q.PerYear != c.perYear || q.FirstYear() != c.firstYear {
			t.Errorf("%s × %d: startup %s, per year %s, first year %s; want %s, %s, %s",
				c.off, c.n, q.StartupFee, q.PerYear, q.FirstYear(), c.startup, c.perYear, c.firstYear)
		}
	}
}

func TestDS3_QuoteRefusesWhatItCannotPrice(t *testing.T) {
	l := &pricing.List{ID: "PL", Prices: map[pricing.Key]money.Amount{}}
	if _, err := l.Quote(webcert, 1); err == nil {
		t.Error("an offering without a price in the list was quoted")
	}
}

// TestDS4_OrderKeepsItsSnapshot: an order placed under one list keeps its
// prices when a later list takes effect; a new snapshot uses the new ones.
func TestDS4_OrderKeepsItsSnapshot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		fx := fixture.New(t, db.Client)
		ctx := access.SystemContext(t.Context())
		cat := fx.Category()
		off := fx.Offering()
		priced := func(effective time.Time, fee, unit money.Amount) {
			l := fx.PriceList(func(p *ent.PriceListCreate) { p.SetEffectiveFrom(effective) })
			fx.Price(func(p *ent.PriceCreate) {
				p.SetPriceList(l).SetOffering(off).SetCategory(cat).SetUnit(types.PriceUnitStartupFee).SetAmount(fee)
			})
			fx.Price(func(p *ent.PriceCreate) {
				p.SetPriceList(l).SetOffering(off).SetCategory(cat).SetUnit(types.PriceUnitPerCareUnitPerYear).SetAmount(unit)
			})
		}
		priced(fixture.Day, money.Kronor(2000), money.Kronor(100))

		snap, err := pricing.SnapshotFor(ctx, db.Client, cat.ID, off.ID, 3, fixture.Day)
		if err != nil {
			t.Fatal(err)
		}
		o := fx.Order(func(o *ent.OrderCreate) { snap.Set(o.SetOffering(off).SetQuantity(3).Mutation()) })
		if *o.StartupFee != money.Kronor(2000) || *o.RecurringAmount != money.Kronor(300) {
			t.Fatalf("order priced %s + %s, want 2000.00 + 300.00", *o.StartupFee, *o.RecurringAmount)
		}

		later := fixture.Day.AddDate(1, 0, 0)
		priced(later, money.Kronor(2080), money.Kronor(104))
		again := db.Client.Order.GetX(ctx, o.ID)
		if *again.StartupFee != *o.StartupFee || *again.RecurringAmount != *o.RecurringAmount ||
			*again.PriceListID != *o.PriceListID || !slices.Equal(again.PriceLines, o.PriceLines) {
			t.Errorf("the order's snapshot changed: %+v -> %+v", o, again)
		}
		now, err := pricing.SnapshotFor(ctx, db.Client, cat.ID, off.ID, 3, later)
		if err != nil {
			t.Fatal(err)
		}
		if now.StartupFee != money.Kronor(2080) || now.Recurring != money.Kronor(312) || now.PriceListID == snap.PriceListID {
			t.Errorf("a snapshot after the change: %+v", now)
		}
	})
}
