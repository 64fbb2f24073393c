package ordering_test

import (
	"testing"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

const previewQuery = `query($in: OrderCostPreviewInput!) { orderCostPreview(input: $in) {
	quantity startupFee recurringPerMonth recurringPerYear firstYearTotal priceList { id } lines { unit quantity amount }
	split { orders startupFees firstYearTotal extraCost }
	addingToSubscription { quantityBefore quantityAfter startupFee recurringPerYear firstYearTotal } } }`

type preview struct {
	OrderCostPreview struct {
		Quantity                                                        int
		StartupFee, RecurringPerMonth, RecurringPerYear, FirstYearTotal string
		Lines                                                           []struct{ Unit string }
		Split                                                           struct {
			Orders                                 int
			StartupFees, FirstYearTotal, ExtraCost string
		}
		AddingToSubscription *struct {
			QuantityBefore, QuantityAfter                int
			StartupFee, RecurringPerYear, FirstYearTotal string
		}
	}
}

// TestDS2_CostPreviewShowsWhatSplittingCosts: the preview prices N units
// at today's list, shows that k orders pay k startup fees, counts a
// monthly price 12 times a year, and prices an extension of a
// subscription; nothing is written.
func TestDS2_CostPreviewShowsWhatSplittingCosts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		in := map[string]any{"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": 5}
		var p preview
		s.asOrderer.Query(previewQuery, map[string]any{"in": in}, &p)
		got := p.OrderCostPreview
		// 2 500 kr startup, 85 kr per care unit and year.
		if got.StartupFee != "2500.00" || got.RecurringPerYear != "425.00" || got.RecurringPerMonth != "0.00" ||
			got.FirstYearTotal != "2925.00" || len(got.Lines) != 2 {
			t.Fatalf("preview %+v", got)
		}
		if got.Split.Orders != 2 || got.Split.StartupFees != "5000.00" || got.Split.FirstYearTotal != "5425.00" || got.Split.ExtraCost != "2500.00" {
			t.Fatalf("split %+v", got.Split)
		}
		in["splitInto"] = 5
		s.asOrderer.Query(previewQuery, map[string]any{"in": in}, &p)
		if p.OrderCostPreview.Split.ExtraCost != "10000.00" {
			t.Fatalf("five orders cost %s more", p.OrderCostPreview.Split.ExtraCost)
		}
		// A monthly price counts twelve times.
		list := s.e.Fx.Client().Price.Query().AllX(apitest.SystemCtx())[0].PriceListID
		monthly := s.e.Fx.Offering(func(o *ent.OfferingCreate) { o.SetServiceID(s.off.ServiceID) })
		s.e.Fx.Price(func(p *ent.PriceCreate) {
			p.SetPriceListID(list).SetOffering(monthly).SetUnit(types.PriceUnitPerCareUnitPerMonth).SetAmount(1000)
		})
		s.asOrderer.Query(previewQuery, map[string]any{"in": map[string]any{"customerId": s.c.ID, "offeringId": monthly.ID, "quantity": 2}}, &p)
		if p.OrderCostPreview.RecurringPerMonth != "20.00" || p.OrderCostPreview.RecurringPerYear != "240.00" {
			t.Fatalf("monthly %+v", p.OrderCostPreview)
		}
		// Extending a delivered subscription of 3 by 2.
		id := s.attested(t, 3)
		var out struct{}
		s.e.Query(deliverMutation, map[string]any{"id": id}, &out)
		sub := *s.get(id).SubscriptionID
		in = map[string]any{"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": 2, "subscriptionId": sub}
		s.asOrderer.Query(previewQuery, map[string]any{"in": in}, &p)
		a := p.OrderCostPreview.AddingToSubscription
		if a == nil || a.QuantityBefore != 3 || a.QuantityAfter != 5 || a.StartupFee != "2500.00" || a.RecurringPerYear != "170.00" || a.FirstYearTotal != "2670.00" {
			t.Fatalf("extension %+v", a)
		}
		// Bad questions.
		for field, bad := range map[string]map[string]any{
			"quantity":       {"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": 0},
			"splitInto":      {"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": 2, "splitInto": 3},
			"subscriptionId": {"customerId": s.c.ID, "offeringId": monthly.ID, "quantity": 2, "subscriptionId": sub},
		} {
			s.asOrderer.Post(previewQuery, map[string]any{"in": bad}).WantError(t, "VALIDATION_ERROR", field)
		}
	})
}

// TestDS2_CostPreviewAsksTheCustomersReaders: anyone who sees the
// customer may ask; another customer's administrator gets NOT_FOUND and an
// anonymous caller UNAUTHENTICATED.
func TestDS2_CostPreviewAsksTheCustomersReaders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		in := map[string]any{"in": map[string]any{"customerId": s.c.ID, "offeringId": s.off.ID, "quantity": 1}}
		var p preview
		s.asAttest.Query(previewQuery, in, &p)
		s.e.Query(previewQuery, in, &p) // staff
		other, _ := s.e.Holder(s.e.Fx.Customer(), types.RoleAdministrator)
		s.e.As(s.e.BankID(other)).Post(previewQuery, in).WantError(t, "NOT_FOUND", "")
		s.e.As("").Post(previewQuery, in).WantError(t, "UNAUTHENTICATED", "")
	})
}
