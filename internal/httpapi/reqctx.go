package httpapi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// requestContext is the context observe gives a request: its exchange
// (the value of exchangeKey) and its deadline. It behaves as
// context.WithDeadline(parent, deadline) with that one value, but makes
// the deadline's timer, and its place among the parent's children, only
// when something waits on the deadline (Done) or finds it passed (Err):
// a request answered from memory, as the access check is, needs neither,
// and a timer set and stopped for every request took 3–4 % of the
// server's time under the check's load.
//
// Everything a waiter can see is context.WithDeadline's own: Done is
// that context's channel, and from the moment it is made (on the first
// Done, or the first Err past the deadline) Err, Value and so
// context.Cause answer from it. Before that, Err reports Canceled once
// the request has ended, else the parent's error, else DeadlineExceeded
// once the deadline has passed.
type requestContext struct {
	parent   context.Context
	x        *exchange
	deadline time.Time

	mu    sync.Mutex                   // making and ending
	made  atomic.Pointer[madeDeadline] // nil until needed
	ended atomic.Bool                  // end was called
}

type madeDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newRequestContext(parent context.Context, x *exchange, deadline time.Time) *requestContext {
	return &requestContext{parent: parent, x: x, deadline: deadline}
}

// end cancels the context, as the cancel function of
// context.WithDeadline does: the request is done.
func (c *requestContext) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended.Store(true)
	if m := c.made.Load(); m != nil {
		m.cancel()
	}
}

// deadlineContext returns the context.WithDeadline this one stands for,
// making it the first time.
func (c *requestContext) deadlineContext() context.Context {
	if m := c.made.Load(); m != nil {
		return m.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.made.Load(); m != nil {
		return m.ctx
	}
	ctx, cancel := context.WithDeadline(context.WithValue(c.parent, exchangeKey{}, c.x), c.deadline)
	if c.ended.Load() {
		cancel()
	}
	c.made.Store(&madeDeadline{ctx: ctx, cancel: cancel})
	return ctx
}

func (c *requestContext) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *requestContext) Done() <-chan struct{} { return c.deadlineContext().Done() }

func (c *requestContext) Err() error {
	if m := c.made.Load(); m != nil {
		return m.ctx.Err()
	}
	if c.ended.Load() {
		return context.Canceled
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return c.deadlineContext().Err() // DeadlineExceeded, and its cause with it
	}
	return nil
}

func (c *requestContext) Value(key any) any {
	if m := c.made.Load(); m != nil {
		return m.ctx.Value(key)
	}
	if _, ok := key.(exchangeKey); ok {
		return c.x
	}
	return c.parent.Value(key)
}

func (c *requestContext) String() string { return "httpapi.requestContext" }
