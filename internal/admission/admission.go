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
}

// New returns a Limiter for limits, or nil when they limit nothing.
func New(limits Limits) *Limiter {
	if limits.Concurrent <= 0 {
		return nil
	}
	return &Limiter{limits: limits, turns: semaphore.NewWeighted(int64(limits.Concurrent))}
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
	leave := t.release
	if l.limits.Slow > 0 {
		slow := time.AfterFunc(l.limits.Slow, t.release)
		leave = func() {
			slow.Stop()
			t.release()
		}
	}
	return context.WithValue(ctx, turnKey{}, t), leave, nil
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
}

func (t *turn) release() {
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
