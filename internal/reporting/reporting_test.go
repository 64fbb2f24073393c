package reporting_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/order"
	"kundportal/ent/schema/types"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/money"
	"kundportal/internal/pricing"
	"kundportal/internal/reporting"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var today = bizdate.MustParse("2026-11-24")

func d(s string) time.Time { return bizdate.MustParse(s) }

// counting counts the statements a report runs.
type counting struct {
	db *sql.DB
	n  atomic.Int64
}

func (c *counting) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.db.QueryContext(ctx, q, args...)
}

// dataset is a generated dataset whose totals are known in advance, for n
// customers in each of two categories:
//   - category A: every customer holds Kundavtal 2 from 2024-01-01 and
//     subscribes to Pascal (O1, 100 kr per care unit and month, 200 kr
//     for A from 2024-07-01) with 2 care units from 2024-01-01, ordered in
//     one order (startup fee 1 000 kr) delivered that day; the first
//     customer gave notice 2024-02-15 and its subscription ended
//     2024-03-31; the second customer also subscribes to Öppna data (O2,
//     1 200 kr per year, flat), extended by a second order delivered
//     2024-05-10, and has an order of Pascal waiting for attestation since
//     2024-02-01 09:00 UTC;
//   - category B: customers without agreements or subscriptions.
type dataset struct {
	n       int
	src     reporting.Source
	a, b    *ent.CustomerCategory
	s1, s2  *ent.Service
	o1, o2  *ent.Offering
	counter *counting
}

func generate(t testing.TB, db *database.DB, n int) *dataset {
	t.Helper()
	return generateWith(t, fixture.New(t, db.Client), db, n)
}

// generateWith makes the dataset with the fixture builder of an apitest
// Env, whose counters keep numbers unique.
func generateWith(t testing.TB, fx *fixture.F, db *database.DB, n int) *dataset {
	t.Helper()
	ds := &dataset{n: n, a: fx.Category(func(c *ent.CustomerCategoryCreate) { c.SetCode("A").SetName("Kategori A") }),
		b: fx.Category(func(c *ent.CustomerCategoryCreate) { c.SetCode("B").SetName("Kategori B") })}
	ds.s1 = fx.Service(func(s *ent.ServiceCreate) { s.SetCode("PASCAL").SetName("Pascal") })
	ds.s2 = fx.Service(func(s *ent.ServiceCreate) { s.SetCode("OPPNA_DATA").SetName("Öppna data") })
	ds.o1 = fx.Offering(func(o *ent.OfferingCreate) { o.SetService(ds.s1) })
	ds.o2 = fx.Offering(func(o *ent.OfferingCreate) { o.SetService(ds.s2) })
	ctx := t.Context()
	l1 := fx.PriceList(func(l *ent.PriceListCreate) { l.SetEffectiveFrom(d("2024-01-01")) })
	l2 := fx.PriceList(func(l *ent.PriceListCreate) { l.SetEffectiveFrom(d("2024-07-01")) })
	for _, l := range []struct {
		list *ent.PriceList
		aO1  money.Amount
	}{{l1, money.Kronor(100)}, {l2, money.Kronor(200)}} {
		table := pricing.Table{}
		for _, cat := range []*ent.CustomerCategory{ds.a, ds.b} {
			o1 := money.Kronor(100)
			if cat == ds.a {
				o1 = l.aO1
			}
			table[pricing.Cell{OfferingID: ds.o1.ID, CategoryID: cat.ID, Unit: types.PriceUnitStartupFee}] = money.Kronor(1000)
			table[pricing.Cell{OfferingID: ds.o1.ID, CategoryID: cat.ID, Unit: types.PriceUnitPerCareUnitPerMonth}] = o1
			table[pricing.Cell{OfferingID: ds.o2.ID, CategoryID: cat.ID, Unit: types.PriceUnitPerYear}] = money.Kronor(1200)
		}
		if err := pricing.SaveTable(fixtureCtx(t), db.Client, l.list.ID, table); err != nil {
			t.Fatal(err)
		}
	}
	delivered := func(c *ent.Customer, off *ent.Offering, sub *ent.Subscription, qty int, at time.Time, recurring money.Amount) {
		fx.Order(func(o *ent.OrderCreate) {
			o.SetCustomer(c).SetOffering(off).SetQuantity(qty).SetStatus(order.StatusDELIVERED).
				SetSubmittedAt(at.Add(-48 * time.Hour)).SetDeliveredAt(at).SetSubscription(sub).
				SetPriceList(l1).SetStartupFee(money.Kronor(1000)).SetRecurringAmount(recurring)
		})
	}
	for i := range n {
		c := fx.Customer(func(c *ent.CustomerCreate) { c.SetCategory(ds.a) })
		fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c).SetValidFrom(d("2024-01-01")) })
		sub := fx.Subscription(func(s *ent.SubscriptionCreate) {
			s.SetCustomer(c).SetOffering(ds.o1).SetQuantity(2).SetActiveFrom(d("2024-01-01"))
			if i == 0 {
				s.SetStatus(subscription.StatusTERMINATED).SetTerminationNoticedOn(d("2024-02-15")).SetEndsOn(d("2024-03-31"))
			}
		})
		delivered(c, ds.o1, sub, 2, time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), money.Kronor(200))
		if i == 1 {
			open := fx.Subscription(func(s *ent.SubscriptionCreate) {
				s.SetCustomer(c).SetOffering(ds.o2).SetQuantity(2).SetActiveFrom(d("2024-01-01"))
			})
			delivered(c, ds.o2, open, 1, time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), money.Kronor(1200))
			delivered(c, ds.o2, open, 1, time.Date(2024, 5, 10, 10, 0, 0, 0, time.UTC), money.Kronor(1200))
			fx.Order(func(o *ent.OrderCreate) {
				o.SetCustomer(c).SetOffering(ds.o1).SetQuantity(3).SetSubmittedAt(time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC)).
					SetPriceList(l1).SetStartupFee(money.Kronor(1000)).SetRecurringAmount(money.Kronor(300))
			})
		}
	}
	for range n {
		fx.Customer(func(c *ent.CustomerCreate) { c.SetCategory(ds.b) })
	}
	_ = ctx
	ds.counter = &counting{db: db.SQL}
	ds.src = reporting.Source{DB: ds.counter, Dialect: db.Dialect}
	return ds
}

func fixtureCtx(t testing.TB) context.Context { return access.SystemContext(t.Context()) }

func TestDR1_CustomersByCategoryAndModel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ds := generate(t, db, 4)
		for _, c := range []struct {
			on   string
			want []reporting.CategoryModel
		}{
			{"2023-12-31", []reporting.CategoryModel{{"A", "Kategori A", "NONE", 4}, {"B", "Kategori B", "NONE", 4}}},
			{"2024-06-30", []reporting.CategoryModel{{"A", "Kategori A", "KA2", 4}, {"B", "Kategori B", "NONE", 4}}},
		} {
			got, err := ds.src.CustomersByCategoryAndModel(t.Context(), d(c.on), today)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("as of %s: %+v, %v; want %+v", c.on, got, err, c.want)
			}
		}
	})
}

func TestDR1_SubscriptionsByServiceAndStatus_AsOfPastDates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ds := generate(t, db, 4)
		for _, c := range []struct {
			on   string
			want []reporting.ServiceStatus
		}{
			{"2024-03-01", []reporting.ServiceStatus{
				{"OPPNA_DATA", "Öppna data", "ACTIVE", 1, 1},
				{"PASCAL", "Pascal", "ACTIVE", 3, 6}, {"PASCAL", "Pascal", "TERMINATION_NOTICED", 1, 2}}},
			{"2024-03-31", []reporting.ServiceStatus{
				{"OPPNA_DATA", "Öppna data", "ACTIVE", 1, 1},
				{"PASCAL", "Pascal", "ACTIVE", 3, 6}, {"PASCAL", "Pascal", "TERMINATION_NOTICED", 1, 2}}},
			{"2024-06-30", []reporting.ServiceStatus{
				{"OPPNA_DATA", "Öppna data", "ACTIVE", 1, 2},
				{"PASCAL", "Pascal", "ACTIVE", 3, 6}, {"PASCAL", "Pascal", "TERMINATED", 1, 2}}},
		} {
			got, err := ds.src.SubscriptionsByServiceAndStatus(t.Context(), d(c.on), today)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("as of %s:\n got %+v, %v\nwant %+v", c.on, got, err, c.want)
			}
		}
	})
}

func TestDR1_OrdersAwaitingAttestationWithTheirAge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ds := generate(t, db, 4)
		got, err := ds.src.OrdersAwaitingAttestation(t.Context(), d("2024-01-31"), today)
		if err != nil || len(got) != 0 {
			t.Errorf("before submission: %+v, %v", got, err)
		}
		got, err = ds.src.OrdersAwaitingAttestation(t.Context(), d("2024-02-10"), today)
		if err != nil || len(got) != 1 || got[0].AgeDays != 9 || got[0].Quantity != 3 || got[0].OfferingCode != ds.o1.Code {
			t.Errorf("on 2024-02-10: %+v, %v; want one order, 9 days old", got, err)
		}
	})
}

// TestDR1_ExpectedRevenueFromThePricesInForceEachDay: 2024 has 366 days;
// category A's Pascal price doubles from 2024-07-01 (182 days at 100 kr,
// 184 at 200 kr per care unit and month), the ended subscription counts
// its 91 days, and Öppna data's 1 200 kr a year counts 366/365 of it.
func TestDR1_ExpectedRevenueFromThePricesInForceEachDay(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ds := generate(t, db, 4)
		perMonth := func(kr, units, days int64) int64 { return kr * 100 * units * 12 * days }
		pascal := 3*(perMonth(100, 2, 182)+perMonth(200, 2, 184)) + perMonth(100, 2, 91)
		want := []reporting.Revenue{
			{"OPPNA_DATA", "Öppna data", "A", "Kategori A", money.Amount(round(120000*366, 365))},
			{"PASCAL", "Pascal", "A", "Kategori A", money.Amount(round(pascal, 365))},
		}
		got, err := ds.src.ExpectedRevenue(t.Context(), d("2024-01-01"), d("2024-12-31"), today)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("2024:\n got %+v, %v\nwant %+v", got, err, want)
		}
		// January alone: 31 days at the first list's price for all four.
		got, err = ds.src.ExpectedRevenue(t.Context(), d("2024-01-01"), d("2024-01-31"), today)
		if err != nil || len(got) != 2 || got[1].Amount != money.Amount(round(4*perMonth(100, 2, 31), 365)) {
			t.Errorf("January: %+v, %v", got, err)
		}
	})
}

func round(n, d int64) int64 { return (2*n + d) / (2 * d) }

func TestDR1_ChangesForBilling(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ds := generate(t, db, 4)
		for _, c := range []struct {
			from, to string
			want     []reporting.Change
		}{
			{"2024-01-01", "2024-01-31", []reporting.Change{
				{"OPPNA_DATA", "Öppna data", "NEW", 1, 1, money.Kronor(1200), money.Kronor(1000)},
				{"PASCAL", "Pascal", "NEW", 4, 8, money.Kronor(800), money.Kronor(4000)}}},
			{"2024-03-01", "2024-03-31", []reporting.Change{{"PASCAL", "Pascal", "TERMINATED", 1, 2, 0, 0}}},
			{"2024-05-01", "2024-05-31", []reporting.Change{{"OPPNA_DATA", "Öppna data", "EXTENDED", 1, 1, money.Kronor(1200), money.Kronor(1000)}}},
			{"2024-08-01", "2024-08-31", nil},
		} {
			got, err := ds.src.Changes(t.Context(), d(c.from), d(c.to), today)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("%s–%s:\n got %+v, %v\nwant %+v", c.from, c.to, got, err, c.want)
			}
		}
	})
}

// TestDR1_BadDatesAndPeriodsAreRefused: each its own code.
func TestDR1_BadDatesAndPeriodsAreRefused(t *testing.T) {
	src := reporting.Source{Dialect: "sqlite3"}
	ctx := t.Context()
	check := func(name string, err error, code apperr.Code) {
		if e, ok := apperr.As(err); !ok || e.Code != code {
			t.Errorf("%s: %v, want %s", name, err, code)
		}
	}
	_, err := src.Changes(ctx, d("2024-02-01"), d("2024-01-31"), today)
	check("end before start", err, apperr.CodeInvalidPeriod)
	_, err = src.ExpectedRevenue(ctx, d("2024-02-01"), d("2024-01-31"), today)
	check("revenue end before start", err, apperr.CodeInvalidPeriod)
	_, err = src.CustomersByCategoryAndModel(ctx, d("1999-12-31"), today)
	check("before 2000", err, apperr.CodeDateOutOfRange)
	_, err = src.SubscriptionsByServiceAndStatus(ctx, today.AddDate(11, 0, 0), today)
	check("eleven years ahead", err, apperr.CodeDateOutOfRange)
	_, err = src.OrdersAwaitingAttestation(ctx, d("1900-01-01"), today)
	check("1900", err, apperr.CodeDateOutOfRange)
}

// TestDR1_StatementsDoNotGrowWithCustomers: each report is one statement
// whether there are 3 customers per category or 12.
func TestDR1_StatementsDoNotGrowWithCustomers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		counts := map[string][]int64{}
		for _, n := range []int{3, 12} {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				ds := generate(t, fresh(t, db), n)
				run := map[string]func() error{
					"customers": func() error {
						_, err := ds.src.CustomersByCategoryAndModel(t.Context(), d("2024-06-30"), today)
						return err
					},
					"subscriptions": func() error {
						_, err := ds.src.SubscriptionsByServiceAndStatus(t.Context(), d("2024-06-30"), today)
						return err
					},
					"orders": func() error {
						_, err := ds.src.OrdersAwaitingAttestation(t.Context(), d("2024-06-30"), today)
						return err
					},
					"revenue": func() error {
						_, err := ds.src.ExpectedRevenue(t.Context(), d("2024-01-01"), d("2024-12-31"), today)
						return err
					},
					"changes": func() error {
						_, err := ds.src.Changes(t.Context(), d("2024-01-01"), d("2024-12-31"), today)
						return err
					},
				}
				for name, f := range run {
					before := ds.counter.n.Load()
					if err := f(); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					counts[name] = append(counts[name], ds.counter.n.Load()-before)
				}
			})
		}
		for name, c := range counts {
			if len(c) != 2 || c[0] != c[1] || c[0] != 1 {
				t.Errorf("%s ran %v statements for 3 and 12 customers per category, want 1 each", name, c)
			}
		}
	})
}

// fresh opens another empty database of the same kind.
func fresh(t *testing.T, db *database.DB) *database.DB {
	if db.Dialect == "postgres" {
		return testdb.Postgres(t)
	}
	return testdb.SQLite(t)
}
