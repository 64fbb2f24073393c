package counting_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/customer"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/counting"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// count is what a connection answers to { totalCount totalCountIsExact }.
type count struct {
	TotalCount        int
	TotalCountIsExact bool
}

// countOf asks list(first: 1, where: where) { totalCount totalCountIsExact }.
func countOf(t *testing.T, e *apitest.Env, list string, where map[string]any) (count, *apitest.Response) {
	t.Helper()
	typ := map[string]string{"customers": "Customer", "subscriptions": "Subscription", "orders": "Order", "agreements": "Agreement"}[list]
	q := fmt.Sprintf(`query($where: %sWhereInput) { list: %s(first: 1, where: $where) { totalCount totalCountIsExact } }`, typ, list)
	var data struct{ List count }
	r := e.Query(q, map[string]any{"where": where}, &data)
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %+v", list, r.Errors)
	}
	return data.List, r
}

func trueCount(t testing.TB, db *database.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantKeptCounts checks every kept count against COUNT(*) of its table.
func wantKeptCounts(t testing.TB, db *database.DB, when string) {
	t.Helper()
	for _, table := range counting.KeptTables {
		var kept int
		if err := db.SQL.QueryRow("SELECT SUM(row_count) FROM " + counting.Table + " WHERE table_name = '" + table + "'").Scan(&kept); err != nil {
			t.Fatalf("%s: reading the kept count of %s: %v", when, table, err)
		}
		if n := trueCount(t, db, table); kept != n {
			t.Errorf("%s: kept count of %s is %d, COUNT(*) is %d", when, table, kept, n)
		}
	}
}

// countsTable reports whether a statement counts rows of table itself.
func countsTable(statement, table string) bool {
	return regexp.MustCompile(`(?i)count\(`).MatchString(statement) &&
		regexp.MustCompile(`(?i)from\s+"?`+table+`"?`).MatchString(statement)
}

func TestUnfilteredListsReadTheKeptCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		for range 3 {
			e.Fx.Subscription()
			e.Fx.Order()
		}
		for _, table := range counting.KeptTables {
			c, r := countOf(t, e, table, nil)
			if want := trueCount(t, db, table); c.TotalCount != want || !c.TotalCountIsExact || want == 0 {
				t.Errorf("%s: totalCount %+v, want %d exact", table, c, want)
			}
			read := false
			for _, s := range r.Statements {
				if countsTable(s, table) {
					t.Errorf("%s: the count read the table:\n%s", table, s)
				}
				read = read || strings.Contains(s, counting.Table)
			}
			if !read {
				t.Errorf("%s: the count did not read %s:\n%s", table, counting.Table, strings.Join(r.Statements, "\n"))
			}
		}
	})
}

func TestKeptCountsFollowCreatesDeletesAndRollbacks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx := apitest.SystemCtx()
		c := db.Client
		check := func(when string) {
			t.Helper()
			wantKeptCounts(t, db, when)
			if got, _ := countOf(t, e, "customers", nil); got.TotalCount != trueCount(t, db, "customers") || !got.TotalCountIsExact {
				t.Errorf("%s: customers totalCount %+v, want %d exact", when, got, trueCount(t, db, "customers"))
			}
		}
		check("empty")
		first := e.Fx.Customer()
		e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(first) })
		check("after single creates")

		bulk := make([]*ent.CustomerCreate, 4)
		for i := range bulk {
			bulk[i] = c.Customer.Create().SetOrgNumber(fixture.OrgNumber(9000 + i)).SetName(fmt.Sprintf("Bulk %d", i)).
				SetCompanyForm(first.CompanyForm).SetCategoryID(first.CategoryID)
		}
		created, err := c.Customer.CreateBulk(bulk...).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check("after a bulk create")

		if err := c.Customer.DeleteOneID(created[0].ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		check("after a delete")
		if n, err := c.Customer.Delete().Where(customer.NameHasPrefix("Bulk")).Exec(ctx); err != nil || n != 3 {
			t.Fatalf("delete-many: %d, %v", n, err)
		}
		check("after a delete-many")

		tx, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		newCustomer := func(tx *ent.Tx, n int) {
			t.Helper()
			if _, err := tx.Customer.Create().SetOrgNumber(fixture.OrgNumber(n)).SetName(fmt.Sprintf("Tx %d", n)).
				SetCompanyForm(first.CompanyForm).SetCategoryID(first.CategoryID).Save(ctx); err != nil {
				t.Fatal(err)
			}
		}
		newCustomer(tx, 9100)
		newCustomer(tx, 9101)
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		check("after a rolled-back transaction")

		// A transaction reads its own writes in the kept count, as it
		// would with COUNT(*).
		tx, err = c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := trueCount(t, db, "customers")
		newCustomer(tx, 9102)
		one := 1
		conn, err := tx.Customer.Query().Paginate(ctx, nil, &one, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if conn.TotalCount != before+1 || !conn.TotalCountIsExact() {
			t.Errorf("inside the transaction: totalCount %d, want %d", conn.TotalCount, before+1)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		check("after a committed transaction")
	})
}

func TestBoundedCountIsExactUpToTheLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		db.Client.Counter.Limit = 3
		e := apitest.New(t, db)
		for range 5 {
			e.Fx.Customer() // named "Kund NNN"
		}
		for i := range 2 {
			e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetName(fmt.Sprintf("Zeta %d", i)) })
		}
		cases := []struct {
			name  string
			where map[string]any
			want  count
		}{
			{"below the limit", map[string]any{"nameHasPrefix": "Zeta"}, count{2, true}},
			{"above the limit", map[string]any{"nameHasPrefix": "Kund"}, count{3, false}},
			{"unfiltered, kept", nil, count{7, true}},
		}
		for _, c := range cases {
			got, r := countOf(t, e, "customers", c.where)
			if got != c.want {
				t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			}
			if c.where != nil && !strings.Contains(strings.Join(r.Statements, "\n"), "LIMIT 4") {
				t.Errorf("%s: the count was not bounded at 4 rows:\n%s", c.name, strings.Join(r.Statements, "\n"))
			}
		}

		// Without a kept row (the triggers not installed), an unfiltered
		// count is bounded too, rather than wrong.
		if _, err := db.SQL.Exec("DELETE FROM " + counting.Table + " WHERE table_name = 'customers'"); err != nil {
			t.Fatal(err)
		}
		if got, _ := countOf(t, e, "customers", nil); got != (count{3, false}) {
			t.Errorf("without a kept row: %+v, want 3 and not exact", got)
		}
	})
}

func TestNestedCountsAreExact(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		db.Client.Counter.Limit = 3
		e := apitest.New(t, db)
		c := e.Fx.Customer()
		for range 5 {
			e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c) })
		}
		// The page's customers' subscriptions are counted in one grouped
		// statement over the subscriptions' customer index, exactly.
		var data struct {
			Customers apitest.Conn[struct{ Subscriptions count }]
		}
		r := e.Query(`{ customers(first: 5) { edges { node { subscriptions(first: 1) { totalCount totalCountIsExact } } } } }`, nil, &data)
		if len(r.Errors) > 0 || len(data.Customers.Edges) != 1 {
			t.Fatalf("%+v %+v", r.Errors, data)
		}
		if got := data.Customers.Edges[0].Node.Subscriptions; got != (count{5, true}) {
			t.Errorf("a customer's subscriptions: %+v, want 5 exact", got)
		}
	})
}

func TestTenantCountsNeverIncludeOtherTenants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		s1, s2 := e.Fx.Offering(), e.Fx.Offering()
		a, b := e.Fx.Customer(), e.Fx.Customer()
		subscribe := func(c *ent.Customer, o *ent.Offering, n int) {
			for range n {
				e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c).SetOffering(o).SetServiceID(o.ServiceID) })
			}
		}
		subscribe(a, s1, 2)
		subscribe(b, s2, 3)
		admin, _ := e.Holder(a, types.RoleAdministrator)
		key := e.Fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetServiceID(s1.ServiceID) })
		viewers := []struct {
			name                     string
			env                      *apitest.Env
			customers, subscriptions int
		}{
			{"staff", e, 2, 5},
			{"A's administrator", e.As(e.BankID(admin)), 1, 2},
			{"partner of service 1", e.As("ApiKey " + fixture.PartnerKeySecret(key)), 1, 2},
		}
		for _, v := range viewers {
			if got, _ := countOf(t, v.env, "customers", nil); got != (count{v.customers, true}) {
				t.Errorf("%s: customers %+v, want %d exact", v.name, got, v.customers)
			}
			if got, _ := countOf(t, v.env, "subscriptions", nil); got != (count{v.subscriptions, true}) {
				t.Errorf("%s: subscriptions %+v, want %d exact", v.name, got, v.subscriptions)
			}
		}
		// Bounded below the tenant's rows, the count still stays in the
		// tenant: at most the limit, never the kept count of the table.
		db.Client.Counter.Limit = 1
		if got, _ := countOf(t, viewers[1].env, "subscriptions", nil); got != (count{1, false}) {
			t.Errorf("A's administrator, limit 1: %+v, want 1 and not exact", got)
		}
	})
}

func TestPageInfoWithEdgesCountsNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		for range 3 {
			e.Fx.Customer()
		}
		var data struct {
			Customers apitest.Conn[struct{ ID string }]
		}
		r := e.Query(`{ customers(first: 2) { pageInfo { hasNextPage } edges { node { id } } } }`, nil, &data)
		if len(data.Customers.Edges) != 2 || !data.Customers.PageInfo.HasNextPage {
			t.Errorf("page: %+v", data.Customers)
		}
		for _, s := range r.Statements {
			if countsTable(s, "customers") || strings.Contains(s, counting.Table) {
				t.Errorf("pageInfo with edges counted:\n%s", s)
			}
		}
	})
}

func TestRecomputeRepairsADriftedCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		e.Fx.Subscription()
		// Rows written past the triggers (or a count someone edited).
		if _, err := db.SQL.Exec("UPDATE " + counting.Table + " SET row_count = 999"); err != nil {
			t.Fatal(err)
		}
		if err := counting.Recompute(context.Background(), db.SQL, db.Dialect); err != nil {
			t.Fatal(err)
		}
		wantKeptCounts(t, db, "after Recompute")
		// Migrate installs again at every start, and recomputes.
		if _, err := db.SQL.Exec("UPDATE " + counting.Table + " SET row_count = 999"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantKeptCounts(t, db, "after a second Migrate")
		e.Fx.Subscription()
		wantKeptCounts(t, db, "after a write following the second Migrate")
	})
}

// TestConcurrentWritersKeepTheCount writes customers from eight
// transactions at once on PostgreSQL, some committing, some rolling back,
// some deleting: the kept count must equal COUNT(*) afterwards.
func TestConcurrentWritersKeepTheCount(t *testing.T) {
	db := testdb.Postgres(t)
	fx := fixture.New(t, db.Client)
	category := fx.DefaultCategory()
	ctx := apitest.SystemCtx()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					errs <- err
					return
				}
				var ids []*ent.Customer
				for j := range 3 {
					n := 10_000 + g*100 + i*10 + j
					c, err := tx.Customer.Create().SetOrgNumber(fixture.OrgNumber(n)).SetName(fmt.Sprintf("Samtidig %d", n)).
						SetCompanyForm(types.CompanyFormMunicipality).SetCategory(category).Save(ctx)
					if err != nil {
						tx.Rollback()
						errs <- err
						return
					}
					ids = append(ids, c)
				}
				if i%2 == 1 {
					if err := tx.Customer.DeleteOne(ids[0]).Exec(ctx); err != nil {
						tx.Rollback()
						errs <- err
						return
					}
				}
				if i%3 == 2 {
					err = tx.Rollback()
				} else {
					err = tx.Commit()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantKeptCounts(t, db, "after concurrent writers")
	// Each writer commits i = 0 (3 customers), 1 (3 less the deleted
	// one), 3 (likewise) and 4 (3); i = 2 rolls back.
	if n := trueCount(t, db, "customers"); n != 8*(3+2+2+3) {
		t.Errorf("customers: %d, want %d", n, 8*(3+2+2+3))
	}
	// Each statement added a row; the writers folded them as they went.
	var rows int
	if err := db.SQL.QueryRow("SELECT COUNT(*) FROM " + counting.Table + " WHERE table_name = 'customers'").Scan(&rows); err != nil || rows > 33+8 {
		t.Errorf("%d rows keep the customers' count (%v), want at most 41", rows, err)
	}
	// TRUNCATE fires no delete trigger; the count follows it through its
	// own, on every table the cascade empties.
	fx.Subscription()
	fx.Order()
	if _, err := db.SQL.Exec("TRUNCATE customers CASCADE"); err != nil {
		t.Fatal(err)
	}
	wantKeptCounts(t, db, "after TRUNCATE … CASCADE")
}

// TestWritersDoNotWaitForEachOther: on PostgreSQL, transaction A inserts a
// customer and stays open while B inserts one and commits; B must not wait
// for A (a shared counter row would make it wait until A ends).
func TestWritersDoNotWaitForEachOther(t *testing.T) {
	db := testdb.Postgres(t)
	category := fixture.New(t, db.Client).DefaultCategory()
	ctx := apitest.SystemCtx()
	insert := func(tx *ent.Tx, n int) error {
		_, err := tx.Customer.Create().SetOrgNumber(fixture.OrgNumber(n)).SetName(fmt.Sprintf("Kund %d", n)).
			SetCompanyForm(types.CompanyFormMunicipality).SetCategory(category).Save(ctx)
		return err
	}
	txA, err := db.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback()
	if err := insert(txA, 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		txB, err := db.Client.Tx(ctx)
		if err == nil {
			if err = insert(txB, 2); err == nil {
				err = txB.Commit()
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("B's insert waited for A")
	}
	if err := txA.Commit(); err != nil {
		t.Fatal(err)
	}
	wantKeptCounts(t, db, "after A and B")
}
