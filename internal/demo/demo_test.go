package demo_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/agreementdocument"
	"kundportal/ent/attestation"
	"kundportal/ent/customer"
	"kundportal/ent/customercategory"
	"kundportal/ent/documentversion"
	"kundportal/ent/migrate"
	"kundportal/ent/offering"
	"kundportal/ent/order"
	"kundportal/ent/person"
	"kundportal/ent/price"
	"kundportal/ent/pricelist"
	"kundportal/ent/role"
	"kundportal/ent/schema/types"
	"kundportal/ent/service"
	"kundportal/ent/signature"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/demo"
	"kundportal/internal/idnumber"
	"kundportal/internal/money"
	"kundportal/internal/testdb"
)

// withDemo runs fn on a fresh database of every dialect after demo.Load.
// fn's context is the service's own (access.SystemContext): these tests
// read the data as it is, not as one viewer sees it.
func withDemo(t *testing.T, fn func(t *testing.T, ctx context.Context, c *ent.Client)) {
	t.Helper()
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := access.SystemContext(context.Background())
		if err := demo.Load(ctx, db.Client); err != nil {
			t.Fatalf("Load: %v", err)
		}
		fn(t, ctx, db.Client)
	})
}

func TestMain(m *testing.M) { testdb.Main(m) }

// rowCounts counts the rows of every table, join tables included.
func rowCounts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, tbl := range migrate.Tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + tbl.Name + `"`).Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", tbl.Name, err)
		}
		counts[tbl.Name] = n
	}
	return counts
}

func TestLoadFillsEveryTable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		if err := demo.Load(context.Background(), db.Client); err != nil {
			t.Fatalf("Load on an empty database: %v", err)
		}
		counts := rowCounts(t, db.SQL)
		names := make([]string, 0, len(counts))
		for name := range counts {
			names = append(names, name)
		}
		sort.Strings(names)
		var summary []string
		for _, name := range names {
			if counts[name] == 0 {
				t.Errorf("table %s is empty after Load", name)
			}
			summary = append(summary, fmt.Sprintf("%s=%d", name, counts[name]))
		}
		t.Logf("rows: %s", strings.Join(summary, " "))
	})
}

func TestLoadTwiceReturnsErrNotEmptyAndChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db.Client); err != nil {
			t.Fatalf("first Load: %v", err)
		}
		before := rowCounts(t, db.SQL)
		if err := demo.Load(ctx, db.Client); !errors.Is(err, demo.ErrNotEmpty) {
			t.Fatalf("second Load: got %v, want ErrNotEmpty", err)
		}
		after := rowCounts(t, db.SQL)
		for name, n := range before {
			if after[name] != n {
				t.Errorf("table %s: %d rows before the second Load, %d after", name, n, after[name])
			}
		}
	})
}

// count is a named query count for the coverage table.
type count struct {
	what string
	n    func(context.Context) (int, error)
}

func TestLoadCoversEveryKindAndState(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		var checks []count
		add := func(what string, n func(context.Context) (int, error)) { checks = append(checks, count{what, n}) }
		for _, f := range []types.CompanyForm{types.CompanyFormRegion, types.CompanyFormMunicipality, types.CompanyFormLimitedCompany,
			types.CompanyFormSoleProprietorship, types.CompanyFormStateAgency} {
			add("customer form "+string(f), c.Customer.Query().Where(customer.CompanyFormEQ(f)).Count)
		}
		for _, s := range []order.Status{order.StatusDRAFT, order.StatusAWAITING_ATTESTATION, order.StatusATTESTED, order.StatusREJECTED,
			order.StatusCANCELLED, order.StatusDELIVERED} {
			add("order "+string(s), c.Order.Query().Where(order.StatusEQ(s)).Count)
		}
		for _, r := range types.RoleKind("").Values() {
			add("role "+r, c.Role.Query().Where(role.RoleEQ(types.RoleKind(r))).Count)
		}
		for _, s := range []agreement.Status{agreement.StatusACTIVE, agreement.StatusAWAITING_SIGNATURE, agreement.StatusREPLACED} {
			add("agreement "+string(s), c.Agreement.Query().Where(agreement.StatusEQ(s)).Count)
		}
		for _, m := range []agreement.Model{agreement.ModelKA1, agreement.ModelKA2} {
			add("agreement model "+string(m), c.Agreement.Query().Where(agreement.ModelEQ(m)).Count)
		}
		for _, m := range []signature.Method{signature.MethodBANKID, signature.MethodMOBILE_BANKID, signature.MethodTELIA_SITHS, signature.MethodPAPER} {
			add("signature "+string(m), c.Signature.Query().Where(signature.MethodEQ(m)).Count)
		}
		for _, m := range []attestation.Method{attestation.MethodSMS_OTP, attestation.MethodBANKID} {
			add("attestation "+string(m), c.Attestation.Query().Where(attestation.MethodEQ(m)).Count)
		}
		add("rejection with reason", c.Attestation.Query().Where(attestation.DecisionEQ(attestation.DecisionREJECTED), attestation.ReasonNotNil()).Count)
		for _, s := range []subscription.Status{subscription.StatusPENDING, subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED} {
			add("subscription "+string(s), c.Subscription.Query().Where(subscription.StatusEQ(s)).Count)
		}
		add("subscription under KA1 without order", c.Subscription.Query().Where(subscription.Not(subscription.HasOrders()),
			subscription.HasAgreementWith(agreement.ModelEQ(agreement.ModelKA1))).Count)
		add("service DECOMMISSIONING", c.Service.Query().Where(service.StatusEQ(service.StatusDECOMMISSIONING)).Count)
		for _, k := range []agreementdocument.Kind{agreementdocument.KindMAIN, agreementdocument.KindGENERAL_TERMS,
			agreementdocument.KindDEFINITIONS, agreementdocument.KindDAMAGES, agreementdocument.KindDATA_PROCESSING,
			agreementdocument.KindGENERAL_INSTRUCTIONS, agreementdocument.KindCUSTOMER_CATEGORIES, agreementdocument.KindSERVICE_DESCRIPTION} {
			add("document "+string(k), c.AgreementDocument.Query().Where(agreementdocument.KindEQ(k)).Count)
		}
		for _, cl := range []documentversion.Classification{documentversion.ClassificationEDITORIAL,
			documentversion.ClassificationMATERIAL_IN_FAVOUR, documentversion.ClassificationMATERIAL_NOT_IN_FAVOUR} {
			add("version "+string(cl), c.DocumentVersion.Query().Where(documentversion.ClassificationEQ(cl)).Count)
		}
		for _, chk := range checks {
			n, err := chk.n(ctx)
			if err != nil {
				t.Fatalf("%s: %v", chk.what, err)
			}
			if n == 0 {
				t.Errorf("no %s in the demo data", chk.what)
			}
		}
		bare, err := c.Service.Query().Where(service.Not(service.HasOfferings())).Count(ctx)
		if err != nil || bare != 0 {
			t.Errorf("services without offering: %d (%v)", bare, err)
		}
		cats, err := c.CustomerCategory.Query().Count(ctx)
		if err != nil || cats != 6 {
			t.Errorf("customer categories: %d (%v), want 6", cats, err)
		}
	})
}

func TestDemoSoleProprietorOrgNumberIsOwnersPersonalNumber(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		sole, err := c.Customer.Query().Where(customer.CompanyFormEQ(types.CompanyFormSoleProprietorship)).
			WithRoles(func(q *ent.RoleQuery) { q.WithPerson() }).All(ctx)
		if err != nil || len(sole) == 0 {
			t.Fatalf("sole proprietorships: %d (%v)", len(sole), err)
		}
		for _, cust := range sole {
			held := map[string]map[types.RoleKind]bool{}
			owners := map[string]bool{}
			for _, r := range cust.Edges.Roles {
				pn := *r.Edges.Person.PersonalNumber
				if held[pn] == nil {
					held[pn] = map[types.RoleKind]bool{}
				}
				held[pn][r.Role] = true
				if idnumber.SameHolder(pn, cust.OrgNumber) {
					owners[pn] = true
				}
			}
			if len(owners) != 1 {
				t.Fatalf("%s (%s): %d people whose personal number is the org number, want 1", cust.Name, cust.OrgNumber, len(owners))
			}
			for pn := range owners {
				if len(held[pn]) != len(types.RoleKind("").Values()) {
					t.Errorf("owner %s of %s holds %d roles, want all", pn, cust.Name, len(held[pn]))
				}
			}
		}
	})
}

// priceListInForce is D-S4's rule, written independently of package demo:
// the list with the latest effective date on or before the date.
func priceListInForce(lists []*ent.PriceList, on time.Time) *ent.PriceList {
	var best *ent.PriceList
	for _, l := range lists {
		if !l.EffectiveFrom.After(on) && (best == nil || l.EffectiveFrom.After(best.EffectiveFrom)) {
			best = l
		}
	}
	return best
}

func TestDemoOrderPriceSnapshotMatchesPriceListInForce(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		lists, err := c.PriceList.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		orders, err := c.Order.Query().WithCustomer().WithOffering().WithCareUnits().All(ctx)
		if err != nil || len(orders) == 0 {
			t.Fatalf("orders: %d (%v)", len(orders), err)
		}
		for _, o := range orders {
			name := o.Edges.Customer.Name + "/" + o.Edges.Offering.Code
			if o.Edges.Offering.RequiresCareUnits && o.Quantity != len(o.Edges.CareUnits) {
				t.Errorf("%s: quantity %d but %d care units", name, o.Quantity, len(o.Edges.CareUnits))
			}
			if o.Status == order.StatusDRAFT {
				if o.SubmittedAt != nil || o.PriceListID != nil || len(o.PriceLines) > 0 {
					t.Errorf("%s: a draft carries a submission or prices", name)
				}
				continue
			}
			if want := priceListInForce(lists, bizdate.Truncate(*o.SubmittedAt)); want == nil || want.ID != *o.PriceListID {
				t.Errorf("%s: price list %s is not the one in force at submission (%v)", name, *o.PriceListID, want)
			}
			var sum money.Amount
			for _, line := range o.PriceLines {
				sum += line.Amount
				if line.Amount != line.UnitPrice.Times(line.Quantity) {
					t.Errorf("%s %s: amount %s ≠ %d × %s", name, line.Unit, line.Amount, line.Quantity, line.UnitPrice)
				}
				p, err := c.Price.Query().Where(price.PriceListIDEQ(*o.PriceListID), price.OfferingIDEQ(o.OfferingID),
					price.CategoryIDEQ(o.Edges.Customer.CategoryID), price.UnitEQ(line.Unit)).Only(ctx)
				if err != nil {
					t.Errorf("%s %s: no price in the order's list: %v", name, line.Unit, err)
					continue
				}
				if p.Amount != line.UnitPrice {
					t.Errorf("%s %s: unit price %s, list says %s", name, line.Unit, line.UnitPrice, p.Amount)
				}
			}
			if sum != *o.StartupFee+*o.RecurringAmount {
				t.Errorf("%s: lines sum to %s, startup fee %s + recurring %s", name, sum, *o.StartupFee, *o.RecurringAmount)
			}
		}
	})
}

// priceOf returns the amount of an offering's price for a category in the
// named list.
func priceOf(t *testing.T, ctx context.Context, c *ent.Client, list, off, cat string, unit types.PriceUnit) money.Amount {
	t.Helper()
	p, err := c.Price.Query().Where(price.HasPriceListWith(pricelist.NameEQ(list)),
		price.HasOfferingWith(offering.CodeEQ(off)), price.HasCategoryWith(customercategory.CodeEQ(cat)), price.UnitEQ(unit)).Only(ctx)
	if err != nil {
		t.Fatalf("price of %s %s for %s in %s: %v", off, unit, cat, list, err)
	}
	return p.Amount
}

// TestDS4_DemoPriceChanges: the demo data's lists are seed 004's history:
// +2 % from 2021-01-01 except regions and Digitalt möte, the SITHS card at
// 85 kr and the new connection fees for all; +4 % for all from 2024-01-01.
func TestDS4_DemoPriceChanges(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		const region, kommun = "REGION", "MUNICIPALITY"
		card := types.PriceUnitPerCardPerYear
		for _, cat := range []string{region, kommun} {
			if got := priceOf(t, ctx, c, "Prislista 2019", "SITHS_KORT", cat, card); got != money.Kronor(54) {
				t.Errorf("SITHS card 2019 for %s: %s, want 54 kr", cat, got)
			}
			if got := priceOf(t, ctx, c, "Prislista 2021", "SITHS_KORT", cat, card); got != money.Kronor(85) {
				t.Errorf("SITHS card 2021 for %s: %s, want 85 kr", cat, got)
			}
			if got := priceOf(t, ctx, c, "Prislista 2021", "NPO_PRODUCENT_ANSLUTNING", cat, types.PriceUnitOneTime); got != money.Kronor(25_000) {
				t.Errorf("connection fee 2021 for %s: %s, want 25 000 kr", cat, got)
			}
		}
		monthly := types.PriceUnitPerCareUnitPerMonth
		base := priceOf(t, ctx, c, "Prislista 2019", "PASCAL_VARDENHET", kommun, monthly)
		if got := priceOf(t, ctx, c, "Prislista 2021", "PASCAL_VARDENHET", kommun, monthly); got != base.MulPercent(200) {
			t.Errorf("Pascal 2021: %s, want %s +2 %%", got, base)
		}
		if got := priceOf(t, ctx, c, "Prislista 2021", "PASCAL_VARDENHET", region, monthly); got != base {
			t.Errorf("Pascal 2021 for regions: %s, want unchanged %s", got, base)
		}
		meeting := priceOf(t, ctx, c, "Prislista 2019", "DIGITALT_MOTE_VARDENHET", kommun, monthly)
		if got := priceOf(t, ctx, c, "Prislista 2021", "DIGITALT_MOTE_VARDENHET", kommun, monthly); got != meeting {
			t.Errorf("Digitalt möte 2021: %s, want unchanged %s", got, meeting)
		}
		before, err := c.Price.Query().Where(price.HasPriceListWith(pricelist.NameEQ("Prislista 2021"))).WithOffering().WithCategory().All(ctx)
		if err != nil || len(before) == 0 {
			t.Fatalf("prices of 2021: %d (%v)", len(before), err)
		}
		for _, p := range before {
			if got := priceOf(t, ctx, c, "Prislista 2024", p.Edges.Offering.Code, p.Edges.Category.Code, p.Unit); got != p.Amount.MulPercent(400) {
				t.Errorf("%s %s for %s in 2024: %s, want %s +4 %%", p.Edges.Offering.Code, p.Unit, p.Edges.Category.Code, got, p.Amount)
			}
		}
	})
}

func TestPeopleExistWithTheirRoles(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		people := demo.People()
		if len(people) == 0 {
			t.Fatal("People() is empty")
		}
		multi, withHSA, withoutHSA := 0, 0, 0
		for _, want := range people {
			p, err := c.Person.Query().Where(person.PersonalNumberEQ(want.PersonalNumber)).
				WithRoles(func(q *ent.RoleQuery) { q.WithCustomer() }).Only(ctx)
			if err != nil {
				t.Errorf("%s (%s): %v", want.Name(), want.PersonalNumber, err)
				continue
			}
			if got := derefOr(p.HsaID); got != want.HSAID {
				t.Errorf("%s: HSA-id %q, want %q", want.Name(), got, want.HSAID)
			}
			if want.HSAID != "" {
				withHSA++
			} else {
				withoutHSA++
			}
			if len(want.Memberships) > 1 {
				multi++
			}
			got := map[string][]string{}
			for _, r := range p.Edges.Roles {
				got[r.Edges.Customer.OrgNumber] = append(got[r.Edges.Customer.OrgNumber], string(r.Role))
			}
			for _, m := range want.Memberships {
				var roles []string
				for _, r := range m.Roles {
					roles = append(roles, string(r))
				}
				slices.Sort(roles)
				slices.Sort(got[m.OrgNumber])
				if !slices.Equal(roles, got[m.OrgNumber]) {
					t.Errorf("%s in %s: roles %v, want %v", want.Name(), m.CustomerName, got[m.OrgNumber], roles)
				}
				delete(got, m.OrgNumber)
			}
			if len(got) > 0 {
				t.Errorf("%s holds roles People() does not list: %v", want.Name(), got)
			}
		}
		if multi == 0 || withHSA == 0 || withoutHSA == 0 {
			t.Errorf("want people in several customers (%d), with HSA-id (%d) and without (%d)", multi, withHSA, withoutHSA)
		}
	})
}

func derefOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestDemoAgreementValidOnceRequiredSignaturesAreIn(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		ags, err := c.Agreement.Query().WithSignatures().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		joint := 0
		for _, a := range ags {
			sigs := a.Edges.Signatures
			var last time.Time
			for _, s := range sigs {
				if s.SignedAt.After(last) {
					last = s.SignedAt
				}
				if (s.Method == signature.MethodPAPER) != (s.RegisteredBy != nil) {
					t.Errorf("agreement %s: %s signature with registered_by %v", a.ID, s.Method, s.RegisteredBy)
				}
			}
			switch {
			case a.Status == agreement.StatusAWAITING_SIGNATURE:
				if len(sigs) >= a.RequiredSignatures || a.ValidFrom != nil {
					t.Errorf("agreement %s awaits signature with %d of %d signatures, valid_from %v", a.ID, len(sigs), a.RequiredSignatures, a.ValidFrom)
				}
			case len(sigs) < a.RequiredSignatures:
				t.Errorf("agreement %s is %s with %d of %d signatures", a.ID, a.Status, len(sigs), a.RequiredSignatures)
			case a.ValidFrom == nil || !a.ValidFrom.Equal(bizdate.Truncate(last)):
				t.Errorf("agreement %s valid from %v, last signature %v", a.ID, a.ValidFrom, last)
			}
			if a.RequiredSignatures == 2 && len(sigs) == 2 {
				joint++
			}
		}
		if joint == 0 {
			t.Error("no agreement signed jointly by two signatories")
		}
	})
}

func TestDemoReplacedKA1MovedToKA2OfSameCustomer(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		replaced, err := c.Agreement.Query().Where(agreement.StatusEQ(agreement.StatusREPLACED)).WithReplacedBy().WithService().All(ctx)
		if err != nil || len(replaced) == 0 {
			t.Fatalf("replaced agreements: %d (%v)", len(replaced), err)
		}
		for _, a := range replaced {
			by := a.Edges.ReplacedBy
			if a.Model != agreement.ModelKA1 || by == nil || by.Model != agreement.ModelKA2 || by.CustomerID != a.CustomerID || a.EndsOn == nil {
				t.Fatalf("agreement %s: not a KA1 replaced by the same customer's KA2 with an end date", a.ID)
			}
			svc := a.Edges.Service
			if svc.Ka2AvailableFrom == nil || svc.Ka2AvailableFrom.After(*a.EndsOn) {
				t.Errorf("KA1 for %s replaced on %v before the service joined KA2 (%v)", svc.Name, a.EndsOn, svc.Ka2AvailableFrom)
			}
			n, err := c.Subscription.Query().Where(subscription.AgreementIDEQ(by.ID), subscription.ServiceIDEQ(svc.ID), subscription.Not(subscription.HasOrders())).Count(ctx)
			if err != nil || n != 1 {
				t.Errorf("KA1 for %s: %d migrated subscriptions under KA2 (%v), want 1", svc.Name, n, err)
			}
		}
	})
}

func TestDemoTerminationNoticeEndsSixMonthsLater(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		subs, err := c.Subscription.Query().Where(subscription.StatusEQ(subscription.StatusTERMINATION_NOTICED)).All(ctx)
		if err != nil || len(subs) == 0 {
			t.Fatalf("subscriptions with termination noticed: %d (%v)", len(subs), err)
		}
		for _, s := range subs {
			if s.TerminationNoticedOn == nil || s.EndsOn == nil || !s.EndsOn.Equal(s.TerminationNoticedOn.AddDate(0, 6, 0)) {
				t.Errorf("subscription %s: noticed %v, ends %v", s.ID, s.TerminationNoticedOn, s.EndsOn)
			}
		}
	})
}

func TestDemoMaterialChangeNotInFavourWaitsForNotice(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		versions, err := c.DocumentVersion.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range versions {
			notice := v.PublishedOn
			if v.Classification == documentversion.ClassificationMATERIAL_NOT_IN_FAVOUR {
				notice = v.PublishedOn.AddDate(0, 3, 0)
			}
			if v.EffectiveOn.Before(notice) {
				t.Errorf("version %s (%s) published %v takes effect %v, before %v", v.Version, v.Classification, v.PublishedOn, v.EffectiveOn, notice)
			}
		}
		btvs, err := c.AgreementDocument.Query().Where(agreementdocument.KindEQ(agreementdocument.KindSERVICE_DESCRIPTION),
			agreementdocument.Not(agreementdocument.HasService())).Count(ctx)
		if err != nil || btvs != 0 {
			t.Errorf("BTVs without service: %d (%v)", btvs, err)
		}
	})
}

func TestDemoCategoryRenameIntroductionAndWaves(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		get := func(code string) *ent.CustomerCategory {
			cat, err := c.CustomerCategory.Query().Where(customercategory.CodeEQ(code)).Only(ctx)
			if err != nil {
				t.Fatalf("category %s: %v", code, err)
			}
			return cat
		}
		sub := get("PUBLIC_SECTOR_SUBCONTRACTOR")
		if sub.Name != "Underleverantörer till offentlig sektor" || derefOr(sub.FormerName) != "Systemintegratörer" ||
			sub.RenamedOn == nil || !sub.RenamedOn.Equal(bizdate.MustParse("2020-04-02")) {
			t.Errorf("subcontractor category: %+v", sub)
		}
		if a := get("ASSISTIVE_DEVICE_SUPPLIER"); a.IntroducedOn == nil || !a.IntroducedOn.Equal(bizdate.MustParse("2018-12-12")) {
			t.Errorf("assistive-device suppliers introduced %v, want 2018-12-12", a.IntroducedOn)
		}
		waves := []string{"REGION", "MUNICIPALITY", "PRIVATE_CARE_PROVIDER", "STATE_AGENCY"}
		for i := 1; i < len(waves); i++ {
			if !get(waves[i-1]).Ka2AvailableFrom.Before(*get(waves[i]).Ka2AvailableFrom) {
				t.Errorf("KA2 wave of %s is not before that of %s", waves[i-1], waves[i])
			}
		}
		if p := get("PRIVATE_CARE_PROVIDER").Ka2AvailableFrom; p.Year() != 2018 || p.Month() != time.November {
			t.Errorf("private care providers may sign KA2 from %v, want November 2018", p)
		}
	})
}

func TestDemoAffiliateBoundByPowerOfAttorney(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		affiliates, err := c.Customer.Query().Where(customer.HasParent()).
			WithSubscriptions(func(q *ent.SubscriptionQuery) { q.WithAgreement() }).All(ctx)
		if err != nil || len(affiliates) == 0 {
			t.Fatalf("affiliated organisations: %d (%v)", len(affiliates), err)
		}
		for _, a := range affiliates {
			if a.PowerOfAttorneyReference == nil {
				t.Errorf("%s has no power of attorney reference", a.Name)
			}
			for _, s := range a.Edges.Subscriptions {
				if s.Edges.Agreement.CustomerID != *a.ParentID {
					t.Errorf("%s: subscription %s is not under the parent's agreement", a.Name, s.ID)
				}
			}
		}
	})
}

func TestDemoIntygstjansterEnforcementSchedule(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		svc, err := c.Service.Query().Where(service.CodeEQ("INTYGSTJANSTER")).WithOfferings().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if svc.WarnFrom == nil || !svc.WarnFrom.Equal(bizdate.MustParse("2021-09-28")) ||
			svc.DenyFrom == nil || !svc.DenyFrom.Equal(bizdate.MustParse("2022-03-28")) {
			t.Errorf("Intygstjänster warns from %v and denies from %v", svc.WarnFrom, svc.DenyFrom)
		}
		if !strings.Contains(derefOr(svc.WarningMessage), "Vänd dig till din verksamhetschef") ||
			!strings.Contains(derefOr(svc.DenialMessage), "inte kunna utfärda nya intyg") {
			t.Errorf("messages: %q / %q", derefOr(svc.WarningMessage), derefOr(svc.DenialMessage))
		}
		if !slices.ContainsFunc(svc.Edges.Offerings, func(o *ent.Offering) bool { return o.Name == "Webcert Fristående" }) {
			t.Error("Intygstjänster has no offering Webcert Fristående")
		}
	})
}

func TestDemoOrdersPlacedUnderValidAgreementAndAllowedCategory(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		orders, err := c.Order.Query().WithCustomer().WithOffering(func(q *ent.OfferingQuery) {
			q.WithService(func(q *ent.ServiceQuery) { q.WithCategories() })
		}).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orders {
			cust, svc := o.Edges.Customer, o.Edges.Offering.Edges.Service
			if o.SubmittedAt == nil {
				continue // a draft
			}
			day := bizdate.Truncate(*o.SubmittedAt)
			if !slices.ContainsFunc(svc.Edges.Categories, func(cat *ent.CustomerCategory) bool { return cat.ID == cust.CategoryID }) {
				t.Errorf("%s may not order %s", cust.Name, svc.Name)
			}
			if svc.Ka2AvailableFrom == nil || svc.Ka2AvailableFrom.After(day) {
				t.Errorf("%s ordered %s on %v, before it joined KA2", cust.Name, svc.Name, day)
			}
			holder := cust.ID
			if cust.ParentID != nil {
				holder = *cust.ParentID
			}
			valid, err := c.Agreement.Query().Where(agreement.CustomerIDEQ(holder), agreement.ModelEQ(agreement.ModelKA2),
				agreement.StatusEQ(agreement.StatusACTIVE), agreement.ValidFromLTE(day)).Exist(ctx)
			if err != nil || !valid {
				t.Errorf("%s ordered %s on %v without a valid KA2 (%v)", cust.Name, svc.Name, day, err)
			}
			attestants, err := c.Role.Query().Where(role.CustomerIDEQ(cust.ID), role.RoleEQ(types.RoleAttestant)).Count(ctx)
			if err != nil || attestants == 0 {
				t.Errorf("%s ordered without an attestant (%v)", cust.Name, err)
			}
		}
	})
}

func TestSubscriptionsSpreadOverCustomers(t *testing.T) {
	withDemo(t, func(t *testing.T, ctx context.Context, c *ent.Client) {
		customers, err := c.Customer.Query().WithSubscriptions(func(q *ent.SubscriptionQuery) { q.WithOffering() }).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		with := 0
		for _, cust := range customers {
			if len(cust.Edges.Subscriptions) > 0 && cust.Edges.Subscriptions[0].Edges.Offering != nil {
				with++
			}
		}
		if with*4 < len(customers)*3 {
			t.Errorf("%d of %d customers have subscriptions, want most", with, len(customers))
		}
		if future, err := c.Subscription.Query().Where(subscription.ActiveFromGT(demo.ReferenceDate)).Count(ctx); err != nil || future != 0 {
			t.Errorf("subscriptions active after the reference date: %d (%v)", future, err)
		}
	})
}

// TestLoadConcurrentlyLoadsOnce is PostgreSQL only: on SQLite two deferred
// transactions that both read before writing deadlock, and the loser gets
// a locking error instead of ErrNotEmpty (still nothing half-written).
func TestLoadConcurrentlyLoadsOnce(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		db := testdb.Postgres(t)
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = demo.Load(context.Background(), db.Client) })
		}
		wg.Wait()
		loaded := 0
		for _, err := range errs {
			switch {
			case err == nil:
				loaded++
			case !errors.Is(err, demo.ErrNotEmpty):
				t.Errorf("concurrent Load: %v, want nil or ErrNotEmpty", err)
			}
		}
		if loaded != 1 {
			t.Errorf("%d concurrent Loads succeeded, want 1", loaded)
		}
	})
}

func TestLoadWritesNothingWhenAStepFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := access.SystemContext(context.Background())
		// A person with Tolvan's personal number makes the people step fail
		// on the unique index, after categories, catalog, prices and
		// customers are written.
		if _, err := db.Client.Person.Create().SetGivenName("Tolvan").SetFamilyName("Tolvansson").
			SetEmail("tolvan@example.se").SetPersonalNumber("19121212-1212").Save(ctx); err != nil {
			t.Fatal(err)
		}
		before := rowCounts(t, db.SQL)
		err := demo.Load(ctx, db.Client)
		if err == nil || errors.Is(err, demo.ErrNotEmpty) {
			t.Fatalf("Load over a conflicting person: %v, want a constraint error", err)
		}
		after := rowCounts(t, db.SQL)
		for name, n := range before {
			if after[name] != n {
				t.Errorf("table %s: %d rows before the failed Load, %d after", name, n, after[name])
			}
		}
	})
}
