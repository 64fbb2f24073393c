package entitlement

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lib/pq"

	"kundportal/ent"
	"kundportal/internal/access"
	"kundportal/internal/database"
)

// Cache answers checks from memory (D-P4) and keeps the answers correct:
//
//   - In this process, every committed change to what a check reads
//     (customers, agreements, subscriptions, services, care units) empties
//     it: Hook invalidates after the change's transaction commits.
//   - Across server instances on one PostgreSQL, Listen receives the
//     changes PostgreSQL announces after each commit (LISTEN/NOTIFY on
//     database.ChangesChannel, from triggers) and empties it.
//   - While it listens, answers come from memory only as long as the
//     listening connection is known to be alive: a ping goes out every
//     PingInterval, and when no ping has come back for FreshFor the cache
//     is bypassed and every check reads the database. A notification is
//     delivered before the answer to any ping sent after it, so an answer
//     older than a change is never served once PingInterval+FreshFor (at
//     most 1 s) have passed since the change's commit. When the
//     connection is back, the cache is emptied before it is used again,
//     since notifications sent meanwhile are lost.
//
// An answer computed while an invalidation happened is not kept. Memory
// is bounded by the number of answers kept (MaxEntries, least recently
// used dropped first); docs/performance.md states the bytes per answer.
type Cache struct {
	client  *ent.Client
	answers *answers
	// keys are partner API keys by prefix (partnerkeys.Cache).
	keys *lru.Cache[string, *ent.PartnerAPIKey]
	// gen counts invalidations.
	gen atomic.Uint64
	// listening is set once Listen runs; then lastPong must be fresh.
	listening atomic.Bool
	// lastPong is when the last ping that came back was sent (UnixNano).
	lastPong atomic.Int64
	// stale is set when the listener may have missed notifications.
	stale atomic.Bool
	hits  atomic.Uint64
	// misses counts the checks that read the database.
	misses atomic.Uint64
	// Now is the clock.
	Now func() time.Time
}

// The freshness of a listening cache.
const (
	PingInterval = 250 * time.Millisecond
	FreshFor     = 700 * time.Millisecond
)

// NewCache returns a cache over the client keeping up to maxEntries
// answers.
func NewCache(client *ent.Client, maxEntries int) *Cache {
	if maxEntries < 1 {
		panic("entitlement: a cache must keep at least one answer")
	}
	keys, _ := lru.New[string, *ent.PartnerAPIKey](1000)
	return &Cache{client: client, answers: newAnswers(maxEntries), keys: keys, Now: time.Now}
}

// Check answers as Check does, from memory when it can.
func (c *Cache) Check(ctx context.Context, q Question) (*Decision, error) {
	if q.On.IsZero() {
		q.On = today()
	}
	if !c.usable() {
		c.misses.Add(1)
		return Check(ctx, c.client, q)
	}
	k := key(make([]byte, 0, maxQuestion), q)
	if d, ok := c.answers.get(k); ok {
		// Who may ask is decided per caller, never cached.
		if err := access.CheckAccess(ctx, d.Service.ID); err != nil {
			return nil, err
		}
		c.hits.Add(1)
		return d, nil
	}
	c.misses.Add(1)
	gen := c.gen.Load()
	d, err := Check(ctx, c.client, q)
	if err == nil && c.gen.Load() == gen && c.usable() {
		c.answers.add(k, d)
	}
	return d, err
}

// Hits is how many checks the cache answered.
func (c *Cache) Hits() uint64 { return c.hits.Load() }

// Misses is how many checks read the database: the answer was not kept,
// or the cache was not usable (its change listener down).
func (c *Cache) Misses() uint64 { return c.misses.Load() }

// Len is how many answers it holds.
func (c *Cache) Len() int { return c.answers.len() }

// Invalidate forgets every answer and key.
func (c *Cache) Invalidate() {
	c.gen.Add(1)
	c.answers.purge()
	c.keys.Purge()
}

// Key returns a remembered partner key (partnerkeys.Cache).
func (c *Cache) Key(prefix string) (*ent.PartnerAPIKey, bool) {
	if !c.usable() {
		return nil, false
	}
	return c.keys.Get(prefix)
}

// Generation counts invalidations (partnerkeys.Cache).
func (c *Cache) Generation() uint64 { return c.gen.Load() }

// RememberKey keeps a key unless the cache was emptied since gen
// (partnerkeys.Cache).
func (c *Cache) RememberKey(prefix string, k *ent.PartnerAPIKey, gen uint64) {
	if c.gen.Load() == gen && c.usable() {
		c.keys.Add(prefix, k)
	}
}

// usable reports whether answers may come from memory.
func (c *Cache) usable() bool {
	if !c.listening.Load() {
		return true
	}
	return !c.stale.Load() && c.Now().Sub(time.Unix(0, c.lastPong.Load())) < FreshFor
}

// Usable reports whether the cache answers from memory now (false while
// its listener is down).
func (c *Cache) Usable() bool { return c.usable() }

// key appends the question's key to b.
func key(b []byte, q Question) []byte {
	if q.ServiceID != nil {
		b = append(b, *q.ServiceID...)
	}
	b = append(b, '|')
	b = append(b, q.ServiceCode...)
	b = append(b, '|')
	b = append(b, q.Login.OrgNumber...)
	b = append(b, '|')
	b = append(b, q.Login.PersonalNumber...)
	b = append(b, '|')
	b = append(b, q.Login.HsaID...)
	b = append(b, '|')
	return q.On.AppendFormat(b, time.DateOnly)
}

// announced are the types whose changes a check reads, and partner keys.
var announced = map[string]bool{
	ent.TypeCustomer: true, ent.TypeAgreement: true, ent.TypeSubscription: true,
	ent.TypeService: true, ent.TypeCareUnit: true, ent.TypePartnerAPIKey: true,
}

// onlyLastUse reports whether a mutation records a key's last use and
// nothing else: that changes no answer (database.AnnouncedTables leaves it
// out too).
func onlyLastUse(m ent.Mutation) bool {
	if m.Type() != ent.TypePartnerAPIKey {
		return false
	}
	for _, f := range m.Fields() {
		if f != "last_used_at" && f != "updated_at" {
			return false
		}
	}
	return len(m.ClearedFields()) == 0
}

// Hook invalidates the cache after a change to what a check reads
// commits; register it on the client the server writes through. A
// mutation's transaction must be in its context (ent.NewTxContext, as the
// GraphQL transactioner puts it); a write outside one is committed when
// it returns.
func (c *Cache) Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil || !announced[m.Type()] || onlyLastUse(m) {
				return v, err
			}
			if tx := ent.TxFromContext(ctx); tx != nil {
				tx.OnCommit(func(next ent.Committer) ent.Committer {
					return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
						err := next.Commit(ctx, tx)
						c.Invalidate()
						return err
					})
				})
				return v, nil
			}
			c.Invalidate()
			return v, nil
		})
	}
}

// Listen keeps the cache correct against changes committed by other
// instances, until ctx ends: it listens on database.ChangesChannel through
// its own connection to dsn, and pings it every PingInterval. It returns
// once it listens (or has failed to, and keeps trying); until the first
// ping comes back, checks read the database. The channel it returns is
// closed once the listener has stopped and closed its connection, which a
// shutdown waits for before it closes the database.
func (c *Cache) Listen(ctx context.Context, dsn string, logger *slog.Logger) <-chan struct{} {
	c.stale.Store(true)
	c.listening.Store(true)
	l := pq.NewListener(dsn, 50*time.Millisecond, 2*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			if !c.stale.Swap(true) {
				logger.Warn("entitlement cache: change listener lost; checks read the database until it is back", "error", err)
			}
		case pq.ListenerEventReconnected:
			logger.Info("entitlement cache: change listener back")
		}
	})
	if err := l.Listen(database.ChangesChannel); err != nil {
		logger.Error("entitlement cache: cannot listen yet; checks read the database", "error", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.follow(ctx, l)
	}()
	return done
}

// follow empties the cache on every notification and pings the listening
// connection, until ctx ends.
func (c *Cache) follow(ctx context.Context, l *pq.Listener) {
	defer l.Close()
	var pinging sync.Mutex
	tick := time.NewTicker(PingInterval)
	defer tick.Stop()
	ping := func() {
		defer pinging.Unlock()
		sent := c.Now()
		if err := l.Ping(); err != nil {
			c.stale.Store(true)
			return
		}
		if c.stale.Load() {
			// Back after an outage: what was missed is forgotten.
			c.Invalidate()
			c.stale.Store(false)
		}
		c.lastPong.Store(sent.UnixNano())
	}
	pinging.Lock()
	go ping()
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-l.Notify:
			// nil after a reconnection: notifications may have been lost.
			c.Invalidate()
			if n == nil {
				c.stale.Store(true)
			}
		case <-tick.C:
			if pinging.TryLock() { // else the last ping hangs, and the cache goes stale
				go ping()
			}
		}
	}
}
