package httpapi

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type otherKey struct{}

// TestRequestContextAnswersAsWithDeadlineAndMakesNoTimerUntilWaitedOn:
// the request's context carries its exchange and its parent's values,
// reports its deadline (or an earlier one of its parent's) and no error
// while the request runs, and makes no timer for that; Done, the end of
// the request and a passed deadline each behave as context.WithDeadline's.
func TestRequestContextAnswersAsWithDeadlineAndMakesNoTimerUntilWaitedOn(t *testing.T) {
	parent := context.WithValue(context.Background(), otherKey{}, "parent's")
	x := &exchange{}
	deadline := time.Now().Add(time.Hour)
	c := newRequestContext(parent, x, deadline)

	if got := exchangeFrom(c); got != x {
		t.Errorf("exchange %p, want %p", got, x)
	}
	if got := c.Value(otherKey{}); got != "parent's" {
		t.Errorf("parent's value %v", got)
	}
	if d, ok := c.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("deadline %v %v, want %v", d, ok, deadline)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v while the request runs", err)
	}
	if c.made.Load() != nil {
		t.Fatal("a timer was made for a request nothing waits on")
	}

	done := c.Done()
	if c.made.Load() == nil {
		t.Fatal("Done made no deadline")
	}
	if got := exchangeFrom(c); got != x {
		t.Errorf("exchange %p after Done, want %p", got, x)
	}
	if got := c.Value(otherKey{}); got != "parent's" {
		t.Errorf("parent's value %v after Done", got)
	}
	select {
	case <-done:
		t.Fatal("Done closed while the request runs")
	default:
	}
	c.end()
	<-done
	if err := c.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err() = %v after the end, want Canceled", err)
	}

	// Ended before anything waited: Err says so without a timer, and
	// Done, asked for later, is closed already.
	c = newRequestContext(parent, x, deadline)
	c.end()
	if err := c.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err() = %v after the end, want Canceled", err)
	}
	<-c.Done()

	// A parent's earlier deadline is the one reported.
	early, cancel := context.WithDeadline(parent, deadline.Add(-time.Minute))
	defer cancel()
	if d, _ := newRequestContext(early, x, deadline).Deadline(); !d.Equal(deadline.Add(-time.Minute)) {
		t.Errorf("deadline %v, want the parent's earlier one", d)
	}
}

// TestRequestContextDeadlinePassing: once the deadline has passed, Err
// is DeadlineExceeded and so is the cause, with or without a waiter
// before; a waiter's Done closes at the deadline, and so does that of a
// context derived from it.
func TestRequestContextDeadlinePassing(t *testing.T) {
	past := newRequestContext(context.Background(), &exchange{}, time.Now().Add(-time.Millisecond))
	if err := past.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() = %v past the deadline, want DeadlineExceeded", err)
	}
	if cause := context.Cause(past); !errors.Is(cause, context.DeadlineExceeded) {
		t.Errorf("cause %v past the deadline, want DeadlineExceeded", cause)
	}
	<-past.Done()

	soon := newRequestContext(context.Background(), &exchange{}, time.Now().Add(20*time.Millisecond))
	defer soon.end()
	child, cancel := context.WithCancel(context.WithValue(soon, otherKey{}, 1))
	defer cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a derived context was not cancelled at the deadline")
	}
	if err := soon.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() = %v at the deadline, want DeadlineExceeded", err)
	}
	if err := child.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the derived context's Err() = %v, want DeadlineExceeded", err)
	}
}

// TestRequestContextFollowsItsParent: a cancelled parent (the client
// gone) is reported with its cause, before and after a waiter.
func TestRequestContextFollowsItsParent(t *testing.T) {
	gone := errors.New("client gone")
	for _, waited := range []bool{false, true} {
		parent, cancel := context.WithCancelCause(context.Background())
		c := newRequestContext(parent, &exchange{}, time.Now().Add(time.Hour))
		var done <-chan struct{}
		if waited {
			done = c.Done()
		}
		cancel(gone)
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("waited %v: Err() = %v, want Canceled", waited, err)
		}
		if cause := context.Cause(c); !errors.Is(cause, gone) {
			t.Errorf("waited %v: cause %v, want the parent's", waited, cause)
		}
		if waited {
			<-done
		}
		<-c.Done()
		c.end()
	}
}

// TestRequestContextWaitersAndEndAtOnce: goroutines that start waiting
// while the request ends all see the end.
func TestRequestContextWaitersAndEndAtOnce(t *testing.T) {
	for range 100 {
		c := newRequestContext(context.Background(), &exchange{}, time.Now().Add(time.Hour))
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-c.Done():
				case <-time.After(5 * time.Second):
					t.Error("a waiter missed the end")
				}
			}()
		}
		c.end()
		wg.Wait()
	}
}
