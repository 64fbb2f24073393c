package pricing_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/notification"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/money"
	"kundportal/internal/pricing"
	"kundportal/internal/testdb"
)

const (
	announceMutation = `mutation($in: AnnouncePriceChangeInput!) { announcePriceChange(input: $in) {
		priceList { id name effectiveFrom announcedOn adjustmentBasisPoints raisesPrices }
		pricesChanged raisesPrices customersNotified } }`
	pricesQuery = `query($off: ID!, $cat: ID!, $on: Date) { offeringPrices(offeringId: $off, categoryId: $cat, on: $on) { unit amount priceList { name } } }`
)

// catalog004 is the part of seed 004's catalog the tests price: regions
// and municipalities; Pascal, Digitalt möte (exempt in 2021), the SITHS
// card (set to 85 kr in 2021) and Webcert Fristående (priced from 2021).
type catalog004 struct {
	e                              *apitest.Env
	region, kommun                 *ent.CustomerCategory
	meetingService                 *ent.Service
	pascal, meeting, card, webcert *ent.Offering
	list2019                       *ent.PriceList
}

func newCatalog004(t *testing.T, db *database.DB) *catalog004 {
	t.Helper()
	e := apitest.New(t, db)
	c := &catalog004{e: e, region: e.Fx.Category(), kommun: e.Fx.Category()}
	c.meetingService = e.Fx.Service()
	c.pascal = e.Fx.Offering()
	c.meeting = e.Fx.Offering(func(o *ent.OfferingCreate) { o.SetService(c.meetingService) })
	c.card = e.Fx.Offering()
	c.webcert = e.Fx.Offering()
	c.list2019 = e.Fx.PriceList(func(l *ent.PriceListCreate) {
		l.SetName("Prislista 2019").SetEffectiveFrom(bizdate.MustParse("2019-01-01"))
	})
	table := pricing.Table{}
	for _, cat := range []pulid.ID{c.region.ID, c.kommun.ID} {
		table[pricing.Cell{OfferingID: c.pascal.ID, CategoryID: cat, Unit: types.PriceUnitStartupFee}] = money.Kronor(3000)
		table[pricing.Cell{OfferingID: c.pascal.ID, CategoryID: cat, Unit: types.PriceUnitPerCareUnitPerMonth}] = money.Kronor(245)
		table[pricing.Cell{OfferingID: c.meeting.ID, CategoryID: cat, Unit: types.PriceUnitPerCareUnitPerMonth}] = money.Kronor(425)
		table[pricing.Cell{OfferingID: c.card.ID, CategoryID: cat, Unit: types.PriceUnitPerCardPerYear}] = money.Kronor(54)
	}
	if err := pricing.SaveTable(access.SystemContext(t.Context()), db.Client, c.list2019.ID, table); err != nil {
		t.Fatal(err)
	}
	return c
}

// at sets the day the service takes as today.
func (c *catalog004) at(day string) {
	d := bizdate.MustParse(day).Add(10 * time.Hour)
	c.e.Pricing.Now = func() time.Time { return d }
}

// change2021 is seed 004's change of 2021-01-01, announced 2020-09-30.
func (c *catalog004) change2021() map[string]any {
	return map[string]any{"in": map[string]any{
		"name": "Prislista 2021", "effectiveFrom": "2021-01-01", "adjustmentBasisPoints": 200,
		"description":       "Generell höjning med 2 procent utom för regionerna; Digitalt möte oförändrat; SITHS-kort 85 kr.",
		"exemptCategoryIds": []pulid.ID{c.region.ID}, "exemptServiceIds": []pulid.ID{c.meetingService.ID},
		"setPrices": []map[string]any{
			{"offeringId": c.card.ID, "unit": "PER_CARD_PER_YEAR", "amount": "85.00"},
			{"offeringId": c.webcert.ID, "unit": "STARTUP_FEE", "amount": "2000.00"},
			{"offeringId": c.webcert.ID, "unit": "PER_CARE_UNIT_PER_MONTH", "amount": "150.00"},
		},
	}}
}

// change2024 is seed 004's +4 % from 2024-01-01, announced 2023-09-19.
func change2024() map[string]any {
	return map[string]any{"in": map[string]any{
		"name": "Prislista 2024", "effectiveFrom": "2024-01-01", "adjustmentBasisPoints": 400,
		"description": "Generell höjning av priserna för Ineras tjänster med 4 procent.",
	}}
}

type announced struct {
	AnnouncePriceChange struct {
		PriceList struct {
			ID                    pulid.ID
			Name, EffectiveFrom   string
			AnnouncedOn           string
			AdjustmentBasisPoints int
			RaisesPrices          bool
		}
		PricesChanged, CustomersNotified int
		RaisesPrices                     bool
	}
}

// prices asks offeringPrices as an anonymous caller (the catalog is
// public) and returns the amounts by unit.
func (c *catalog004) prices(t *testing.T, off *ent.Offering, cat *ent.CustomerCategory, on string) map[string]string {
	t.Helper()
	var out struct {
		OfferingPrices []struct {
			Unit, Amount string
			PriceList    struct{ Name string }
		}
	}
	c.e.As("").Query(pricesQuery, map[string]any{"off": off.ID, "cat": cat.ID, "on": on}, &out)
	got := map[string]string{}
	for _, p := range out.OfferingPrices {
		got[p.Unit] = p.Amount
	}
	return got
}

// TestDS4_Seed004History replays seed 004's price history through
// announcePriceChange — +2 % from 2021-01-01 except regions and Digitalt
// möte, the SITHS card at 85 kr; +4 % for all from 2024-01-01 — and asks
// offeringPrices before, on and after each change.
func TestDS4_Seed004History(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		c := newCatalog004(t, db)
		var got announced
		c.at("2020-09-30")
		c.e.Query(announceMutation, c.change2021(), &got)
		if a := got.AnnouncePriceChange; a.PriceList.AnnouncedOn != "2020-09-30" || a.PriceList.AdjustmentBasisPoints != 200 || !a.RaisesPrices || !a.PriceList.RaisesPrices {
			t.Errorf("2021 announced as %+v", a)
		}
		c.at("2023-09-19")
		c.e.Query(announceMutation, change2024(), &got)

		type want map[string]string
		for _, tc := range []struct {
			name string
			off  *ent.Offering
			cat  *ent.CustomerCategory
			on   string
			want want
		}{
			{"Pascal before 2021", c.pascal, c.kommun, "2020-12-31", want{"STARTUP_FEE": "3000.00", "PER_CARE_UNIT_PER_MONTH": "245.00"}},
			{"Pascal on 2021-01-01, +2 %", c.pascal, c.kommun, "2021-01-01", want{"STARTUP_FEE": "3060.00", "PER_CARE_UNIT_PER_MONTH": "249.90"}},
			{"Pascal for a region in 2021: exempt", c.pascal, c.region, "2021-01-01", want{"STARTUP_FEE": "3000.00", "PER_CARE_UNIT_PER_MONTH": "245.00"}},
			{"Pascal the day before 2024", c.pascal, c.kommun, "2023-12-31", want{"STARTUP_FEE": "3060.00", "PER_CARE_UNIT_PER_MONTH": "249.90"}},
			{"Pascal on 2024-01-01, +4 % (259.896 rounds to 259.90)", c.pascal, c.kommun, "2024-01-01", want{"STARTUP_FEE": "3182.40", "PER_CARE_UNIT_PER_MONTH": "259.90"}},
			{"Pascal for a region from 2024, +4 % of the 2019 price", c.pascal, c.region, "2024-06-01", want{"STARTUP_FEE": "3120.00", "PER_CARE_UNIT_PER_MONTH": "254.80"}},
			{"Digitalt möte in 2021: exempt", c.meeting, c.kommun, "2021-01-01", want{"PER_CARE_UNIT_PER_MONTH": "425.00"}},
			{"Digitalt möte from 2024", c.meeting, c.kommun, "2024-01-01", want{"PER_CARE_UNIT_PER_MONTH": "442.00"}},
			{"SITHS card in 2020", c.card, c.region, "2020-12-31", want{"PER_CARD_PER_YEAR": "54.00"}},
			{"SITHS card set to 85 kr for all, regions too", c.card, c.region, "2021-01-01", want{"PER_CARD_PER_YEAR": "85.00"}},
			{"SITHS card from 2024", c.card, c.kommun, "2024-01-01", want{"PER_CARD_PER_YEAR": "88.40"}},
			{"Webcert not priced before 2021", c.webcert, c.kommun, "2020-12-31", want{}},
			{"Webcert priced from 2021", c.webcert, c.region, "2021-01-01", want{"STARTUP_FEE": "2000.00", "PER_CARE_UNIT_PER_MONTH": "150.00"}},
			{"Webcert from 2024", c.webcert, c.region, "2024-01-01", want{"STARTUP_FEE": "2080.00", "PER_CARE_UNIT_PER_MONTH": "156.00"}},
			{"nothing before the first list", c.pascal, c.kommun, "2018-12-31", want{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := c.prices(t, tc.off, tc.cat, tc.on)
				if len(got) != len(tc.want) {
					t.Fatalf("prices %v, want %v", got, tc.want)
				}
				for u, a := range tc.want {
					if got[u] != a {
						t.Errorf("%s: %s, want %s", u, got[u], a)
					}
				}
			})
		}
	})
}

// TestDS5_AdjustmentRoundsToWholeOreHalfAwayFromZero: 12.25 kr + 2 % is
// 12.495 kr and becomes 12.50; 12.20 kr + 2 % is 12.444 and becomes
// 12.44; 12.33 kr − 1.5 % is 12.14505 and becomes 12.15.
func TestDS5_AdjustmentRoundsToWholeOreHalfAwayFromZero(t *testing.T) {
	up, down, cut := pricing.Cell{OfferingID: "OF1"}, pricing.Cell{OfferingID: "OF2"}, pricing.Cell{OfferingID: "OF3"}
	prev := pricing.Table{up: 1225, down: 1220}
	next := pricing.Change{BasisPoints: 200}.Apply(prev, nil, nil)
	if next[up] != 1250 || next[down] != 1244 {
		t.Errorf("+2 %%: %s and %s, want 12.50 and 12.44", next[up], next[down])
	}
	if got := (pricing.Change{BasisPoints: -150}).Apply(pricing.Table{cut: 1233}, nil, nil)[cut]; got != 1215 {
		t.Errorf("−1.5 %% of 12.33: %s, want 12.15", got)
	}
}

// counts are the rows an announcement writes.
func counts(t *testing.T, db *database.DB) [4]int {
	t.Helper()
	ctx := access.SystemContext(t.Context())
	return [4]int{db.Client.PriceList.Query().CountX(ctx), db.Client.Price.Query().CountX(ctx),
		db.Client.Notification.Query().CountX(ctx), db.Client.AuditEvent.Query().CountX(ctx)}
}

// TestDS4_AnnouncementRefusesBadInputAndWritesNothing: each bad input has
// its own code and leaves no list, price, notice or audit event behind.
func TestDS4_AnnouncementRefusesBadInputAndWritesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		c := newCatalog004(t, db)
		c.at("2020-09-30")
		person := c.e.Fx.Person()
		with := func(change func(in map[string]any)) map[string]any {
			v := c.change2021()
			change(v["in"].(map[string]any))
			return v
		}
		before := counts(t, db)
		for _, tc := range []struct {
			name, code, field string
			vars              map[string]any
			as                string
		}{
			{"more than +50 %", "PERCENTAGE_OUT_OF_RANGE", "adjustmentBasisPoints", with(func(in map[string]any) { in["adjustmentBasisPoints"] = 5001 }), ""},
			{"less than −50 %", "PERCENTAGE_OUT_OF_RANGE", "adjustmentBasisPoints", with(func(in map[string]any) { in["adjustmentBasisPoints"] = -5001 }), ""},
			{"an effective date in the past", "EFFECTIVE_DATE_IN_PAST", "effectiveFrom", with(func(in map[string]any) { in["effectiveFrom"] = "2020-09-29" }), ""},
			{"an unknown exempt category", "UNKNOWN_CATEGORY", "exemptCategoryIds", with(func(in map[string]any) { in["exemptCategoryIds"] = []pulid.ID{"CGNOSUCHTHING"} }), ""},
			{"an exempt service that is an offering", "UNKNOWN_SERVICE", "exemptServiceIds", with(func(in map[string]any) { in["exemptServiceIds"] = []pulid.ID{c.pascal.ID} }), ""},
			{"a price for an unknown offering", "NOT_FOUND", "setPrices", with(func(in map[string]any) {
				in["setPrices"] = []map[string]any{{"offeringId": "OFNOSUCHTHING", "unit": "PER_YEAR", "amount": "1.00"}}
			}), ""},
			{"a negative price", "VALIDATION_ERROR", "setPrices", with(func(in map[string]any) {
				in["setPrices"] = []map[string]any{{"offeringId": c.card.ID, "unit": "PER_CARD_PER_YEAR", "amount": "-1.00"}}
			}), ""},
			{"a raise with less than three months' notice", "NOTICE_PERIOD_TOO_SHORT", "effectiveFrom", with(func(in map[string]any) { in["effectiveFrom"] = "2020-12-29" }), ""},
			{"a change that changes nothing", "VALIDATION_ERROR", "adjustmentBasisPoints", with(func(in map[string]any) {
				in["adjustmentBasisPoints"] = 0
				delete(in, "setPrices")
			}), ""},
			{"no name", "VALIDATION_ERROR", "name", with(func(in map[string]any) { in["name"] = "  " }), ""},
			{"a customer's person", "FORBIDDEN", "", c.change2021(), c.e.BankID(person)},
			{"nobody", "UNAUTHENTICATED", "", c.change2021(), "-"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := c.e
				switch tc.as {
				case "-":
					e = e.As("")
				case "":
				default:
					e = e.As(tc.as)
				}
				r := e.Post(announceMutation, tc.vars)
				r.WantError(t, tc.code, tc.field)
				if after := counts(t, db); after != before {
					t.Errorf("rows (lists, prices, notices, audit events) %v → %v", before, after)
				}
			})
		}
		// The earliest date the notice period allows is accepted, and a
		// cut needs no notice.
		c.e.Query(announceMutation, with(func(in map[string]any) { in["effectiveFrom"] = "2020-12-30" }), &announced{})
		before = counts(t, db)
		c.e.Post(announceMutation, with(func(in map[string]any) { in["effectiveFrom"] = "2020-12-30" })).
			WantError(t, "NOT_AFTER_LATEST_PRICE_LIST", "effectiveFrom")
		if after := counts(t, db); after != before {
			t.Errorf("a refused list wrote rows: %v → %v", before, after)
		}
		var cut announced
		c.e.Query(announceMutation, map[string]any{"in": map[string]any{
			"name": "Sänkning", "effectiveFrom": "2021-01-04", "adjustmentBasisPoints": -100}}, &cut)
		if cut.AnnouncePriceChange.RaisesPrices {
			t.Error("a cut raises prices")
		}
	})
}

// TestDD2_PriceRaiseWaitsOutTheNoticePeriod: the refusal names the
// earliest date, and on that date the raise is accepted.
func TestDD2_PriceRaiseWaitsOutTheNoticePeriod(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		c := newCatalog004(t, db)
		c.at("2023-10-23")
		v := change2024()
		v["in"].(map[string]any)["effectiveFrom"] = "2024-01-22"
		err := c.e.Post(announceMutation, v).WantError(t, "NOTICE_PERIOD_TOO_SHORT", "effectiveFrom")
		if err.Extensions.EarliestEffectiveFrom != "2024-01-23" {
			t.Errorf("earliest effective date %q, want 2024-01-23", err.Extensions.EarliestEffectiveFrom)
		}
		v["in"].(map[string]any)["effectiveFrom"] = "2024-01-23"
		c.e.Query(announceMutation, v, &announced{})
	})
}

// TestDD3_PriceChangeNoticeNamesOldAndNewPrices: the agreement contact of
// a customer subscribing to a raised offering gets written notice with the
// old and new price; a customer of an exempt category and one without a
// subscription get none.
func TestDD3_PriceChangeNoticeNamesOldAndNewPrices(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		c := newCatalog004(t, db)
		fx := c.e.Fx
		subscriber := fx.Customer(func(cu *ent.CustomerCreate) { cu.SetCategory(c.kommun) })
		exempt := fx.Customer(func(cu *ent.CustomerCreate) { cu.SetCategory(c.region) })
		bystander := fx.Customer(func(cu *ent.CustomerCreate) { cu.SetCategory(c.kommun) })
		contacts := map[pulid.ID]*ent.Person{}
		for _, cu := range []*ent.Customer{subscriber, exempt, bystander} {
			contacts[cu.ID], _ = c.e.Holder(cu, types.RoleAgreementContact)
		}
		fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(subscriber).SetOffering(c.pascal).SetQuantity(3) })
		fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(exempt).SetOffering(c.pascal).SetQuantity(2) })

		c.at("2020-09-30")
		var got announced
		c.e.Query(announceMutation, c.change2021(), &got)
		if got.AnnouncePriceChange.CustomersNotified != 1 {
			t.Errorf("%d customers notified, want 1", got.AnnouncePriceChange.CustomersNotified)
		}
		notes := db.Client.Notification.Query().Where(notification.KindEQ(string(pricing.KindPriceChange))).
			AllX(access.SystemContext(t.Context()))
		if len(notes) != 1 {
			t.Fatalf("%d notices, want 1", len(notes))
		}
		n := notes[0]
		if n.RecipientEmail != contacts[subscriber.ID].Email || *n.CustomerID != subscriber.ID {
			t.Errorf("notice to %s about %v, want %s", n.RecipientEmail, n.CustomerID, contacts[subscriber.ID].Email)
		}
		for _, want := range []string{"2021-01-01", "3 000,00 kr blir 3 060,00 kr", "245,00 kr blir 249,90 kr", "per vårdenhet och månad"} {
			if !strings.Contains(n.Body+n.Subject, want) {
				t.Errorf("the notice does not say %q:\n%s\n%s", want, n.Subject, n.Body)
			}
		}
	})
}

// TestDS4_AnnouncementsAtOnce_EachBuildsOnTheLatest: staff members
// announce at the same moment. Those that overlap are told to reload
// (CONFLICT, or NOT_AFTER_LATEST_PRICE_LIST once a later list exists);
// each list that is made is made from the list that was latest when it
// committed, so k successful +2 % announcements compound k times. Without
// the lock, two lists are made from the same predecessor and the latest
// carries one raise less than the number made.
func TestDS4_AnnouncementsAtOnce_EachBuildsOnTheLatest(t *testing.T) {
	db := testdb.Postgres(t)
	c := newCatalog004(t, db)
	c.at("2020-09-30")
	before := counts(t, db)
	dates := []string{"2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01", "2021-05-01", "2021-06-01"}
	results := make([]*apitest.Response, len(dates))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, effective := range dates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := c.change2021()
			in := v["in"].(map[string]any)
			in["effectiveFrom"] = effective
			delete(in, "setPrices")
			<-start
			results[i] = c.e.Post(announceMutation, v)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, r := range results {
		if len(r.Errors) == 0 {
			won++
			continue
		}
		if code := r.Errors[0].Extensions.Code; code != "CONFLICT" && code != "NOT_AFTER_LATEST_PRICE_LIST" {
			t.Errorf("a refused announcement got %s: %s", code, r.Body)
		}
	}
	after := counts(t, db)
	if won == 0 || after[0] != before[0]+won {
		t.Fatalf("%d announcements won, lists %d → %d", won, before[0], after[0])
	}
	want := money.Kronor(245)
	for range won {
		want = want.MulPercent(200)
	}
	got := c.prices(t, c.pascal, c.kommun, "2030-01-01")["PER_CARE_UNIT_PER_MONTH"]
	if got != want.String() {
		t.Errorf("after %d announcements the latest list asks %s for Pascal, want %s: a list was made from one that was not the latest", won, got, want)
	}
	t.Logf("%d of %d announcements made a list", won, len(dates))
}
