package admission_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"kundportal/internal/admission"
)

// enter admits one request or fails the test.
func enter(t *testing.T, l *admission.Limiter) (context.Context, func()) {
	t.Helper()
	ctx, leave, err := l.Enter(context.Background())
	if err != nil {
		t.Fatalf("Enter: %v", err)
	}
	return ctx, leave
}

// waitFor polls until cond holds, for at most five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNoLimitAdmitsEveryRequestAtOnce(t *testing.T) {
	for _, l := range []admission.Limits{{}, {Concurrent: -1, Queue: 10}} {
		lim := admission.New(l)
		if lim != nil {
			t.Fatalf("New(%+v) = %v, want nil (no limit)", l, lim)
		}
		for range 100 {
			enter(t, lim) // never left: a nil Limiter holds nothing
		}
		admission.Release(context.Background()) // no turn: nothing to do
	}
}

// TestRequestsBeyondTheLimitWaitForATurn: the limit's requests run, the
// next waits until one of them leaves, and a turn given back twice counts
// once.
func TestRequestsBeyondTheLimitWaitForATurn(t *testing.T) {
	lim := admission.New(admission.Limits{Concurrent: 2, Queue: 10, Wait: time.Minute})
	_, leave1 := enter(t, lim)
	_, leave2 := enter(t, lim)
	if lim.Running() != 2 {
		t.Fatalf("Running = %d, want 2", lim.Running())
	}
	admitted := make(chan struct{})
	go func() {
		_, leave, err := lim.Enter(context.Background())
		if err != nil {
			t.Errorf("Enter: %v", err)
		}
		close(admitted)
		leave()
	}()
	waitFor(t, "the third request waits", func() bool { return lim.Waiting() == 1 })
	select {
	case <-admitted:
		t.Fatal("a third request ran beside two with a limit of 2")
	case <-time.After(20 * time.Millisecond):
	}
	leave1()
	leave1() // again: must not free a second turn
	<-admitted
	waitFor(t, "the third request left", func() bool { return lim.Running() == 1 })
	_, leave3 := enter(t, lim) // the turn the third gave back
	if ctx, _, err := lim.Enter(canceled()); err == nil || lim.Running() != 2 {
		t.Fatalf("Enter beside two with a limit of 2 = %v (err %v), Running %d; want refused, 2 running", ctx, err, lim.Running())
	}
	leave2()
	leave3()
	if lim.Running() != 0 || lim.Waiting() != 0 {
		t.Fatalf("Running %d, Waiting %d after all left; want 0, 0", lim.Running(), lim.Waiting())
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestWaitingRequestsAreAdmittedInTheOrderTheyCame: no request overtakes
// one that waits, not even one that arrives just as a turn is freed.
func TestWaitingRequestsAreAdmittedInTheOrderTheyCame(t *testing.T) {
	lim := admission.New(admission.Limits{Concurrent: 1, Queue: 100, Wait: time.Minute})
	_, leave := enter(t, lim)
	const n = 20
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, leave, err := lim.Enter(context.Background())
			if err != nil {
				t.Errorf("Enter %d: %v", i, err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			leave()
		}()
		waitFor(t, "the request waits", func() bool { return lim.Waiting() == i+1 })
	}
	leave()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("admitted in the order %v, want the order of arrival", order)
		}
	}
}

// TestRefusedRequestsHoldNothing: a full queue refuses at once, a request
// that waited its time is refused, one whose context ends stops waiting;
// none of them keeps a turn or a place in the queue.
func TestRefusedRequestsHoldNothing(t *testing.T) {
	lim := admission.New(admission.Limits{Concurrent: 1, Queue: 1, Wait: 50 * time.Millisecond})
	_, leave := enter(t, lim)

	start := time.Now()
	if _, _, err := lim.Enter(context.Background()); !errors.Is(err, admission.ErrWaited) {
		t.Fatalf("Enter behind a request that does not leave = %v, want ErrWaited", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("refused after %s, before the wait of 50ms", waited)
	}

	ctx, cancel := context.WithCancel(context.Background())
	gotErr := make(chan error, 1)
	go func() { _, _, err := lim.Enter(ctx); gotErr <- err }()
	waitFor(t, "one request waits", func() bool { return lim.Waiting() == 1 })
	if _, _, err := lim.Enter(context.Background()); !errors.Is(err, admission.ErrQueueFull) {
		t.Fatalf("Enter with the queue of 1 full = %v, want ErrQueueFull", err)
	}
	cancel()
	if err := <-gotErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("Enter whose context ended = %v, want context.Canceled", err)
	}
	if lim.Running() != 1 || lim.Waiting() != 0 {
		t.Fatalf("Running %d, Waiting %d after the refusals; want 1, 0", lim.Running(), lim.Waiting())
	}
	leave()
	_, leave = enter(t, lim) // the refused ones left the turn free
	leave()

	unqueued := admission.New(admission.Limits{Concurrent: 1})
	_, leave = enter(t, unqueued)
	if _, _, err := unqueued.Enter(context.Background()); !errors.Is(err, admission.ErrQueueFull) {
		t.Fatalf("Enter with no queue = %v, want ErrQueueFull", err)
	}
	leave()
}

// TestReleaseGivesUpTheTurnForTheRestOfTheRequest: a request about to
// wait on an external provider lets the next one in, and leaving
// afterwards gives back nothing more.
func TestReleaseGivesUpTheTurnForTheRestOfTheRequest(t *testing.T) {
	lim := admission.New(admission.Limits{Concurrent: 1, Queue: 10, Wait: time.Minute})
	ctx, leave := enter(t, lim)
	admitted := make(chan func())
	go func() {
		_, leave, err := lim.Enter(context.Background())
		if err != nil {
			t.Errorf("Enter: %v", err)
		}
		admitted <- leave
	}()
	waitFor(t, "the second request waits", func() bool { return lim.Waiting() == 1 })
	admission.Release(ctx)
	leaveOther := <-admitted
	admission.Release(ctx) // again: frees nothing
	leave()                // gave up its turn already: frees nothing
	wantOnlyOneRunning(t, lim)
	leaveOther()
}

// wantOnlyOneRunning asserts that a limiter of 1 holds one turn, and so
// refuses another request.
func wantOnlyOneRunning(t *testing.T, lim *admission.Limiter) {
	t.Helper()
	if lim.Running() != 1 {
		t.Fatalf("Running = %d, want 1 (the other request)", lim.Running())
	}
	if _, _, err := lim.Enter(canceled()); err == nil {
		t.Fatal("a second request ran beside the other with a limit of 1")
	}
}

// TestSlowRequestsGiveUpTheirTurn: a request that holds its turn longer
// than Slow lets the next one in, and leaving afterwards frees nothing.
func TestSlowRequestsGiveUpTheirTurn(t *testing.T) {
	lim := admission.New(admission.Limits{Concurrent: 1, Queue: 10, Wait: time.Minute, Slow: 50 * time.Millisecond})
	start := time.Now()
	_, leaveSlow := enter(t, lim)
	_, leave, err := lim.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("let in after %s, before the slow request's 50ms", waited)
	}
	leaveSlow() // gave up its turn already: frees nothing
	wantOnlyOneRunning(t, lim)
	leave()
}
