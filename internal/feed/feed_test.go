package feed_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/subscription"
	"kundportal/ent/subscriptionchange"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/feed"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const feedQuery = `query($first: Int!, $after: String) { subscriptionChanges(first: $first, after: $after) {
	endCursor hasMore changes { cursor kind subscriptionId serviceId status quantity } } }`

type change struct {
	Cursor, Kind, SubscriptionID, ServiceID, Status string
	Quantity                                        int
}

type page struct {
	SubscriptionChanges struct {
		EndCursor *string
		HasMore   bool
		Changes   []change
	}
}

// eventually reads the feed until it holds want changes: a change shows
// once every write transaction older than it has ended, on the whole
// PostgreSQL server (other tests' included), so it may lag a little.
func eventually(t *testing.T, e *apitest.Env, size, want int) []change {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := readAll(t, e, size)
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readAll pages through the feed from the start, size at a time.
func readAll(t *testing.T, e *apitest.Env, size int) []change {
	t.Helper()
	var all []change
	var after any
	for range 1000 {
		var p page
		e.Query(feedQuery, map[string]any{"first": size, "after": after}, &p)
		all = append(all, p.SubscriptionChanges.Changes...)
		if !p.SubscriptionChanges.HasMore {
			return all
		}
		after = *p.SubscriptionChanges.EndCursor
	}
	t.Fatal("the feed does not end")
	return nil
}

// TestDP1_FeedRecordsEveryChangeOnce: each kind of change of a
// subscription is one entry with the subscription as it was after it; a
// lock that changes nothing is none; paging in any size returns each once
// in order, and an empty page keeps the cursor.
func TestDP1_FeedRecordsEveryChangeOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx := apitest.SystemCtx()
		c := db.Client
		sub := e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetStatus(subscription.StatusPENDING) })
		c.Subscription.UpdateOne(sub).SetStatus(subscription.StatusACTIVE).AddQuantity(3).ExecX(ctx)
		c.Subscription.UpdateOne(sub).SetUpdatedAt(time.Now()).ExecX(ctx) // a row lock: nothing to tell
		c.Subscription.UpdateOne(sub).AddQuantity(2).ExecX(ctx)
		ka2 := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomerID(sub.CustomerID) })
		c.Subscription.UpdateOne(sub).SetAgreementID(ka2.ID).SetMigratedFromID(sub.AgreementID).ExecX(ctx)
		c.Subscription.Update().Where(subscription.ID(sub.ID)).SetStatus(subscription.StatusTERMINATION_NOTICED).ExecX(ctx)
		c.Subscription.Update().Where(subscription.ID(sub.ID)).SetStatus(subscription.StatusTERMINATED).ExecX(ctx)

		want := []string{"CREATED", "ACTIVATED", "QUANTITY_CHANGED", "MOVED_TO_KA2", "TERMINATION_NOTICED", "TERMINATED"}
		for _, size := range []int{1, 2, 100} {
			got := eventually(t, e, size, len(want))
			var kinds []string
			for _, ch := range got {
				if ch.SubscriptionID != string(sub.ID) {
					t.Fatalf("change of another subscription %+v", ch)
				}
				kinds = append(kinds, ch.Kind)
			}
			if !slices.Equal(kinds, want) {
				t.Fatalf("page size %d: %v, want %v", size, kinds, want)
			}
			if got[2].Quantity != 5 || got[1].Status != "ACTIVE" || got[5].Status != "TERMINATED" {
				t.Errorf("states after the changes: %+v", got)
			}
		}
		var p page
		all := readAll(t, e, 100)
		e.Query(feedQuery, map[string]any{"first": 10, "after": all[len(all)-1].Cursor}, &p)
		if len(p.SubscriptionChanges.Changes) != 0 || *p.SubscriptionChanges.EndCursor != all[len(all)-1].Cursor || p.SubscriptionChanges.HasMore {
			t.Fatalf("at the end: %+v", p)
		}
		e.Post(feedQuery, map[string]any{"first": 10, "after": "not-a-cursor"}).WantError(t, "VALIDATION_ERROR", "after")
		e.Post(feedQuery, map[string]any{"first": 0}).WantError(t, "VALIDATION_ERROR", "first")
	})
}

// TestDP1_FeedWhoMayRead: staff and partner keys with subscriptions:read;
// a key bound to a service sees that service's changes only.
func TestDP1_FeedWhoMayRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		webcert := e.Fx.Subscription()
		other := e.Fx.Subscription()
		bound := e.Fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetServiceID(webcert.ServiceID) })
		unbound := e.Fx.PartnerAPIKey()
		checkOnly := e.Fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetScopes([]string{access.ScopeAccessCheck}) })
		services := func(cs []change) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.ServiceID)
			}
			return out
		}
		eventually(t, e, 10, 2)
		if got := services(readAll(t, e.As("ApiKey "+fixture.PartnerKeySecret(bound)), 10)); !slices.Equal(got, []string{string(webcert.ServiceID)}) {
			t.Errorf("the bound key sees %v", got)
		}
		if got := services(readAll(t, e.As("ApiKey "+fixture.PartnerKeySecret(unbound)), 10)); !slices.Equal(got, []string{string(webcert.ServiceID), string(other.ServiceID)}) {
			t.Errorf("the unbound key sees %v", got)
		}
		if n := len(readAll(t, e, 10)); n != 2 {
			t.Errorf("staff see %d changes", n)
		}
		vars := map[string]any{"first": 10}
		e.As("").Post(feedQuery, vars).WantError(t, "UNAUTHENTICATED", "")
		e.As("ApiKey "+fixture.PartnerKeySecret(checkOnly)).Post(feedQuery, vars).WantError(t, "FORBIDDEN", "")
		admin, _ := e.Holder(e.Fx.Customer(), "ADMINISTRATOR")
		e.As(e.BankID(admin)).Post(feedQuery, vars).WantError(t, "FORBIDDEN", "")
	})
}

// TestDP1_FeedNeverSkipsAChangeCommittedOutOfOrder: transaction A writes
// a change, then B writes one and commits first. The feed shows neither
// until A ends, then both, A's first; a reader by plain row number would
// have returned B's, moved its cursor past A's, and never seen it.
func TestDP1_FeedNeverSkipsAChangeCommittedOutOfOrder(t *testing.T) {
	db := testdb.Postgres(t)
	e := apitest.New(t, db)
	ctx := apitest.SystemCtx()
	off := e.Fx.Offering()
	cust := e.Fx.Customer()
	ag := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(cust) })
	create := func(tx *ent.Tx) *ent.Subscription {
		return tx.Subscription.Create().SetCustomer(cust).SetOffering(off).SetServiceID(off.ServiceID).SetAgreement(ag).SaveX(ctx)
	}
	e.Fx.Subscription() // something before
	start := eventually(t, e, 100, 1)
	plainAfter := db.Client.SubscriptionChange.Query().Aggregate(ent.Max(subscriptionchange.FieldID)).IntX(ctx)

	txA, _ := db.Client.Tx(ctx)
	a := create(txA)
	txB, _ := db.Client.Tx(ctx)
	b := create(txB)
	if err := txB.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, e, 100); len(got) != len(start) {
		t.Fatalf("while A runs the feed shows %d new changes", len(got)-len(start))
	}
	// The plain reader sees B and moves its cursor past A's row.
	plain := db.Client.SubscriptionChange.Query().Where(subscriptionchange.IDGT(int64(plainAfter))).
		Order(ent.Asc(subscriptionchange.FieldID)).AllX(ctx)
	if len(plain) != 1 || plain[0].SubscriptionID != b.ID {
		t.Fatalf("plain reader saw %d rows", len(plain))
	}
	plainCursor := plain[0].ID
	if err := txA.Commit(); err != nil {
		t.Fatal(err)
	}
	if missed := db.Client.SubscriptionChange.Query().Where(subscriptionchange.IDGT(plainCursor)).CountX(ctx); missed != 0 {
		t.Fatalf("plain reader would see %d more", missed)
	}
	got := eventually(t, e, 100, len(start)+2)[len(start):]
	if len(got) != 2 || got[0].SubscriptionID != string(a.ID) || got[1].SubscriptionID != string(b.ID) {
		t.Fatalf("after A commits the feed shows %+v", got)
	}
}

// TestDP1_FeedUnderConcurrentWritersMissesAndRepeatsNothing: eight writers
// whose transactions overlap and commit in random order, and a reader
// paging all the while, collect every change exactly once.
func TestDP1_FeedUnderConcurrentWritersMissesAndRepeatsNothing(t *testing.T) {
	db := testdb.Postgres(t)
	e := apitest.New(t, db)
	ctx := apitest.SystemCtx()
	off := e.Fx.Offering()
	cust := e.Fx.Customer()
	ag := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(cust) })
	reader := &feed.Reader{Client: db.Client, Dialect: db.Dialect}
	staff := access.NewContext(context.Background(), &access.Viewer{Identity: auth.Identity{Kind: auth.Staff, Subject: "test"}})
	start, err := reader.Read(staff, "", feed.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	cursor := start.EndCursor

	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range 25 {
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				tx.Subscription.Create().SetCustomer(cust).SetOffering(off).SetServiceID(off.ServiceID).SetAgreement(ag).SaveX(ctx)
				time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
				if err := tx.Commit(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	seen := map[int64]bool{}
	read := func() {
		p, err := reader.Read(staff, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Changes {
			if seen[c.ID] {
				t.Fatalf("change %d repeated", c.ID)
			}
			seen[c.ID] = true
		}
		cursor = p.EndCursor
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
		}
	}
	total := db.Client.SubscriptionChange.Query().Where(subscriptionchange.SubscriptionIDIn(
		db.Client.Subscription.Query().Where(subscription.CustomerID(cust.ID)).IDsX(ctx)...)).CountX(ctx)
	for deadline := time.Now().Add(10 * time.Second); len(seen) < total && time.Now().Before(deadline); {
		read()
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) != total || total != 200 {
		t.Fatalf("the reader collected %d of %d changes (want 200)", len(seen), total)
	}
}
