package entitlement_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/entitlement"
	"kundportal/internal/fixture"
	"kundportal/internal/partnerkeys"
	"kundportal/internal/testdb"
)

var staffCtx = access.NewContext(context.Background(), &access.Viewer{Identity: auth.Identity{Kind: auth.Staff, Subject: "test"}})

// allowedCase is a customer allowed to use a service, and its question.
func allowedCase(fx *fixture.F) (entitlement.Question, *ent.Customer) {
	svc := fx.Service()
	c := fx.Customer()
	subscribed(fx, c, svc)
	return entitlement.Question{ServiceID: &svc.ID, Login: entitlement.Login{OrgNumber: c.OrgNumber}}, c
}

func result(t *testing.T, c *entitlement.Cache, q entitlement.Question) entitlement.Result {
	t.Helper()
	d, err := c.Check(staffCtx, q)
	if err != nil {
		t.Fatal(err)
	}
	return d.Result
}

// terminate ends the customer's subscriptions through client, in a
// transaction, as the lifecycle would.
func terminate(t *testing.T, client *ent.Client, c *ent.Customer) {
	t.Helper()
	ctx := access.SystemContext(context.Background())
	tx, err := client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.Subscription.Update().Where(subscription.CustomerID(c.ID)).SetStatus(subscription.StatusTERMINATED).ExecX(ctx)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestDP4_CacheAnswersFromMemoryAndForgetsOnCommit: a repeated question
// is answered from memory; a change to what it reads empties the cache
// when it commits, not before; the caller's right to ask is checked on
// every answer.
func TestDP4_CacheAnswersFromMemoryAndForgetsOnCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		fx := fixture.New(t, db.Client)
		q, c := allowedCase(fx)
		cache := entitlement.NewCache(db.Client, 100)
		db.Client.Use(cache.Hook())
		if result(t, cache, q) != entitlement.Allowed || result(t, cache, q) != entitlement.Allowed || cache.Hits() != 1 || cache.Misses() != 1 {
			t.Fatalf("hits %d, misses %d after two questions", cache.Hits(), cache.Misses())
		}
		hit, _ := cache.Check(staffCtx, q)
		if got, err := entitlement.CustomerOf(staffCtx, db.Client, hit); err != nil || got == nil || got.ID != c.ID {
			t.Fatalf("the cached answer's customer: %v (%v)", got, err)
		}
		if got, err := entitlement.SubscriptionOf(staffCtx, db.Client, hit); err != nil || got == nil || got.CustomerID != c.ID {
			t.Fatalf("the cached answer's subscription: %v (%v)", got, err)
		}
		other, _ := allowedCase(fx) // a write elsewhere empties the cache too
		if cache.Len() != 0 {
			t.Fatal("a committed change left answers")
		}
		result(t, cache, q)
		result(t, cache, other)

		ctx := access.SystemContext(context.Background())
		tx, _ := db.Client.Tx(ctx)
		ctx = ent.NewTxContext(ctx, tx) // as a mutation's transaction is
		tx.Subscription.Update().Where(subscription.CustomerID(c.ID)).SetStatus(subscription.StatusTERMINATED).ExecX(ctx)
		if cache.Len() != 2 {
			t.Fatal("an uncommitted change emptied the cache")
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := result(t, cache, q); got != entitlement.Denied {
			t.Fatalf("after the termination committed: %s", got)
		}
		key := fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) {
			k.SetScopes([]string{access.ScopeAccessCheck}).SetServiceID(fx.Service().ID)
		})
		partner := access.NewContext(context.Background(), &access.Viewer{Identity: auth.Identity{Kind: auth.Partner, Subject: key.Prefix,
			Scopes: key.Scopes, ServiceID: key.ServiceID}})
		if _, err := cache.Check(partner, q); err == nil {
			t.Fatal("a key bound to another service got a cached answer")
		}
	})
}

// instance is a second server's view of the same PostgreSQL database.
func instance(t *testing.T, db *database.DB, name string) (*database.DB, *entitlement.Cache) {
	t.Helper()
	u, _ := url.Parse(db.URL)
	qs := u.Query()
	qs.Set("application_name", name)
	u.RawQuery = qs.Encode()
	other, err := database.Open(context.Background(), database.Config{URL: u.String(), MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	cache := entitlement.NewCache(other.Client, 1000)
	other.Client.Use(cache.Hook())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cache.Listen(ctx, u.String(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	waitUntil(t, "the listener is up", 5*time.Second, cache.Usable)
	return other, cache
}

func waitUntil(t *testing.T, what string, limit time.Duration, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestDP4_TwoInstancesStopAllowingWithinOneSecond: two server instances
// on one PostgreSQL both answer ALLOWED from memory; one terminates the
// subscription; the other stops answering ALLOWED within 1 second of the
// commit.
func TestDP4_TwoInstancesStopAllowingWithinOneSecond(t *testing.T) {
	db := testdb.Postgres(t)
	q, c := allowedCase(fixture.New(t, db.Client))
	a, cacheA := instance(t, db, "kp-instance-a")
	_, cacheB := instance(t, db, "kp-instance-b")
	for _, cache := range []*entitlement.Cache{cacheA, cacheB} {
		waitUntil(t, "an instance answers ALLOWED from memory", 5*time.Second, func() bool {
			if result(t, cache, q) != entitlement.Allowed {
				t.Fatal("not allowed before the termination")
			}
			return cache.Hits() > 0
		})
	}
	terminate(t, a.Client, c)
	took := waitUntil(t, "instance B stops allowing", time.Second, func() bool { return result(t, cacheB, q) != entitlement.Allowed })
	t.Logf("instance B followed the termination after %s", took)
	if result(t, cacheA, q) == entitlement.Allowed {
		t.Fatal("instance A still allows")
	}
}

// TestDP4_ListenerLostFallsBackToTheDatabase: when an instance's listening
// connection is killed, it stops answering from memory (so a change
// committed meanwhile is seen at once), and once the listener is back it
// empties and uses its cache again.
func TestDP4_ListenerLostFallsBackToTheDatabase(t *testing.T) {
	db := testdb.Postgres(t)
	q, c := allowedCase(fixture.New(t, db.Client))
	_, cache := instance(t, db, "kp-instance-c")
	waitUntil(t, "answering from memory", 5*time.Second, func() bool { result(t, cache, q); return cache.Hits() > 0 })
	killListener := func() {
		var n int
		row := db.SQL.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'kp-instance-c' AND query ILIKE 'listen%' OR (application_name = 'kp-instance-c' AND backend_type = 'client backend' AND query = '')`)
		if err := row.Scan(&n); err != nil || n == 0 {
			t.Fatalf("killed %d listener connections (%v)", n, err)
		}
	}
	killListener()
	waitUntil(t, "the cache stops answering from memory", time.Second, func() bool { return !cache.Usable() })
	// Committed while the listener is down: seen at once.
	_, err := db.Client.Subscription.Update().Where(subscription.CustomerID(c.ID)).SetStatus(subscription.StatusTERMINATED).
		Save(access.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if got := result(t, cache, q); got == entitlement.Allowed && !cache.Usable() {
		t.Fatal("a stale answer while the listener is down")
	}
	waitUntil(t, "the listener is back", 10*time.Second, cache.Usable)
	hits := cache.Hits()
	waitUntil(t, "the cache is used again after the listener came back", 5*time.Second, func() bool {
		if result(t, cache, q) == entitlement.Allowed {
			t.Fatal("a stale answer after the listener came back")
		}
		return cache.Hits() > hits
	})
}

// TestDP4_KeysAreRememberedUntilRevoked: a partner's key is looked up once
// and then remembered, so that a warm check runs no SQL; its last use,
// recorded once a minute, forgets nothing; its revocation through another
// instance is refused within 1 second.
func TestDP4_KeysAreRememberedUntilRevoked(t *testing.T) {
	db := testdb.Postgres(t)
	fx := fixture.New(t, db.Client)
	key := fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetScopes([]string{access.ScopeAccessCheck}) })
	secret := fixture.PartnerKeySecret(key)
	a, cacheA := instance(t, db, "kp-instance-d")
	b, cacheB := instance(t, db, "kp-instance-e")
	verifierB := partnerkeys.NewVerifier(b.Client)
	verifierB.Cache = cacheB
	waitUntil(t, "the key is remembered", 5*time.Second, func() bool {
		if _, err := verifierB.Verify(context.Background(), secret); err != nil {
			t.Fatal(err)
		}
		_, ok := cacheB.Key(key.Prefix)
		return ok
	})
	sys := access.SystemContext(context.Background())
	gen := cacheB.Generation()
	a.Client.PartnerAPIKey.UpdateOneID(key.ID).SetLastUsedAt(time.Now()).ExecX(sys)
	time.Sleep(300 * time.Millisecond)
	if cacheB.Generation() != gen {
		t.Fatal("recording the last use emptied the other instance's cache")
	}
	_ = cacheA
	a.Client.PartnerAPIKey.UpdateOneID(key.ID).SetRevokedAt(time.Now()).ExecX(sys)
	waitUntil(t, "instance B refuses the revoked key", time.Second, func() bool {
		_, err := verifierB.Verify(context.Background(), secret)
		return err != nil
	})
}

// TestListenReportsWhenItsConnectionIsClosed: a shutdown waits on the
// channel Listen returns before it closes the database; it is closed once
// the listener has closed its connection, which the server then drops.
func TestListenReportsWhenItsConnectionIsClosed(t *testing.T) {
	db := testdb.Postgres(t)
	u, _ := url.Parse(db.URL)
	qs := u.Query()
	qs.Set("application_name", "kp_listen_stop")
	u.RawQuery = qs.Encode()
	cache := entitlement.NewCache(db.Client, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := cache.Listen(ctx, u.String(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	waitUntil(t, "the listener is up", 5*time.Second, cache.Usable)
	listeners := func() (n int) {
		if err := db.SQL.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kp_listen_stop'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := listeners(); n != 1 {
		t.Fatalf("%d listening connections, want 1", n)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Listen's channel was not closed after its context ended")
	}
	waitUntil(t, "the listening connection is closed", 2*time.Second, func() bool { return listeners() == 0 })
}
