// Package admission bounds how many requests one server instance works on
// at once. The others wait for their turn in the order they came, for a
// bounded time, or are refused when too many wait already.
//
// Without a bound, every request that arrives starts at once, and under
// load they all share the processors: the Go scheduler, and PostgreSQL's
// backends when the database runs on the same machine, serve them in no
// particular order, so some wait many times longer than the rest. With a
// bound of about twice the processors the machine does the same work, but
// in order of arrival: on the load benchmark's lookup the 99th percentile
// fell from 3.5 to 2.3 times the median at the same throughput
// (docs/performance.md, "Admission").
//
// A request holds its turn while it waits for the database, which is
// short and bounded by the pool, but for at most Limits.Slow in all; and
// not while it waits for an external provider (BankID, the SMS gateway):
// their clients call Release, which gives the turn up for the rest of the
// request.
package admission

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Limits configure a Limiter.
type Limits struct {
	// Concurrent is how many requests are worked on at once; 0 or less
	// admits every request at once (no limit).
	Concurrent int
	// Queue is how many requests may wait for their turn; one more is
	// refused at once. 0 or less refuses every request that cannot start
	// at once.
	Queue int
	// Wait is how long a request waits for its turn before it is refused;
	// 0 or less waits as long as the request's context allows.
	Wait time.Duration
	// Slow is how long a request holds its turn before it gives it up
	// for the rest of the request, as Release does: a few slow requests
	// (a large report, a statement waiting on a lock) then do not keep
	// the short ones out. 0 or less: never.
	Slow time.Duration
}

// DefaultLimits are the server's limits unless configuration says
// otherwise: twice the processors Go uses, so that one request's
// database round trip leaves its processor another request to work on;
// a queue far longer than a busy instance's; a wait of two seconds,
// after which a client does better to try another instance; and 100 ms
// of work, some 50 times the nested page's, after which a request is
// not a short one.
func DefaultLimits() Limits {
	return Limits{Concurrent: 2 * runtime.GOMAXPROCS(0), Queue: 1000, Wait: 2 * time.Second, Slow: 100 * time.Millisecond}
}

// Refusals: why Enter did not admit a request.
var (
	ErrQueueFull = errors.New("admission: too many requests wait already")
	ErrWaited    = errors.New("admission: the request waited too long for its turn")
)

// Limiter admits requests up to its limits. A nil *Limiter admits every
// request at once.
type Limiter struct {
	limits  Limits
	turns   *semaphore.Weighted
	running atomic.Int64
	waiting atomic.Int64

	// With a Slow limit, the turns held are listed in the order they were
	// taken, which, as every turn has the same Slow, is the order they
	// become slow in: one watcher goroutine sleeps until the oldest does
	// and takes it back, instead of a timer set and stopped for every
	// request (which cost 2 % of the server's time under the access
	// check's load). The watcher ends when it finds no turn held, and the
	// next turn taken starts it again.
	epoch    time.Time // the clock of heldAt: monotonic readings only
	mu       sync.Mutex
	oldest   *turn // the list of held turns, by next
	newest   *turn
	watching bool
}

// New returns a Limiter for limits, or nil when they limit nothing.
func New(limits Limits) *Limiter {
	if limits.Concurrent <= 0 {
		return nil
	}
	return &Limiter{limits: limits, turns: semaphore.NewWeighted(int64(limits.Concurrent)), epoch: time.Now()}
}

// Running is how many admitted requests hold their turn now.
func (l *Limiter) Running() int {
	if l == nil {
		return 0
	}
	return int(l.running.Load())
}

// Waiting is how many requests wait for their turn now.
func (l *Limiter) Waiting() int {
	if l == nil {
		return 0
	}
	return int(l.waiting.Load())
}

// Concurrent is the limit of requests at once; 0 for a nil Limiter.
func (l *Limiter) Concurrent() int {
	if l == nil {
		return 0
	}
	return l.limits.Concurrent
}

// Enter waits for a request's turn: at once if a turn is free and nobody
// waits, else after those that came before it. It returns the request's
// context, which carries the turn for Release, and leave, which gives the
// turn back and must be called when the request ends. It refuses with
// ErrQueueFull, ErrWaited, or the context's error when the context ends
// first; then it holds nothing.
func (l *Limiter) Enter(ctx context.Context) (context.Context, func(), error) {
	if l == nil {
		return ctx, func() {}, nil
	}
	// TryAcquire fails while others wait, so nobody overtakes them.
	if !l.turns.TryAcquire(1) {
		if err := l.wait(ctx); err != nil {
			return ctx, func() {}, err
		}
	}
	l.running.Add(1)
	t := &turn{l: l}
	if l.limits.Slow > 0 {
		l.hold(t)
	}
	return context.WithValue(ctx, turnKey{}, t), t.release, nil
}

// hold lists t as the newest turn held, and starts the watcher if it
// is not running.
func (l *Limiter) hold(t *turn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t.heldAt = time.Since(l.epoch) // under the lock: the list stays in order
	t.listed = true
	t.prev = l.newest
	if l.newest != nil {
		l.newest.next = t
	} else {
		l.oldest = t
	}
	l.newest = t
	if !l.watching {
		l.watching = true
		go l.watch()
	}
}

// unlist takes t off the list of held turns; l.mu is held.
func (l *Limiter) unlist(t *turn) {
	if !t.listed {
		return
	}
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		l.oldest = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		l.newest = t.prev
	}
	t.prev, t.next, t.listed = nil, nil, false
}

// watch takes back every turn held for Slow, sleeping until the oldest
// held one will have been, and ends when no turn is held.
func (l *Limiter) watch() {
	for {
		l.mu.Lock()
		now := time.Since(l.epoch)
		for t := l.oldest; t != nil && now-t.heldAt >= l.limits.Slow; t = l.oldest {
			l.unlist(t)
			t.giveBack()
		}
		if l.oldest == nil {
			l.watching = false
			l.mu.Unlock()
			return
		}
		sleep := l.oldest.heldAt + l.limits.Slow - now
		l.mu.Unlock()
		time.Sleep(sleep)
	}
}

func (l *Limiter) wait(ctx context.Context) error {
	if n := l.waiting.Add(1); n > int64(l.limits.Queue) {
		l.waiting.Add(-1)
		return ErrQueueFull
	}
	defer l.waiting.Add(-1)
	if l.limits.Wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, l.limits.Wait, ErrWaited)
		defer cancel()
	}
	if err := l.turns.Acquire(ctx, 1); err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrWaited) {
			return ErrWaited
		}
		return err
	}
	return nil
}

type turnKey struct{}

// turn is one admitted request's hold on the limiter, given back once.
type turn struct {
	l    *Limiter
	done atomic.Bool
	// With a Slow limit: when the turn was taken (since l.epoch), and its
	// place in the list of held turns, under l.mu.
	heldAt     time.Duration
	prev, next *turn
	listed     bool
}

// release gives the turn back, if it has not been, and takes it off the
// list of held turns.
func (t *turn) release() {
	if t.done.Load() {
		return
	}
	if t.l.limits.Slow > 0 {
		t.l.mu.Lock()
		t.l.unlist(t)
		t.l.mu.Unlock()
	}
	t.giveBack()
}

// giveBack frees the turn's place, once.
func (t *turn) giveBack() {
	if t.done.CompareAndSwap(false, true) {
		t.l.running.Add(-1)
		t.l.turns.Release(1)
	}
}

// Release gives up the turn of the request ctx belongs to, for the rest
// of that request, before it waits on something outside this instance
// and its database (an external provider), so that the wait does not
// keep other requests out. The request is not counted again: taking a
// turn anew could wait behind requests that themselves wait on the rows
// this one has locked. Without a turn in ctx it does nothing.
func Release(ctx context.Context) {
	if t, ok := ctx.Value(turnKey{}).(*turn); ok {
		t.release()
	}
}
