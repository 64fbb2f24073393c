package admission

import (
	"context"
	"testing"
	"time"
)

// held lists the turns l holds, oldest first, checking the links both
// ways.
func held(t *testing.T, l *Limiter) []*turn {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var list []*turn
	var prev *turn
	for h := l.oldest; h != nil; h = h.next {
		if h.prev != prev || !h.listed {
			t.Fatalf("turn %d badly linked", len(list))
		}
		list, prev = append(list, h), h
	}
	if l.newest != prev {
		t.Fatal("newest is not the last of the list")
	}
	return list
}

func turnOf(ctx context.Context) *turn { return ctx.Value(turnKey{}).(*turn) }

// TestTheWatcherTakesBackOnlySlowTurnsAndStopsWhenNoneIsHeld: turns
// left or released come off the list at once; a turn held for Slow is
// taken back while a newer one is not; and the watcher ends once no turn
// is held, to start again with the next.
func TestTheWatcherTakesBackOnlySlowTurnsAndStopsWhenNoneIsHeld(t *testing.T) {
	const slow = 80 * time.Millisecond
	l := New(Limits{Concurrent: 4, Queue: 10, Wait: time.Minute, Slow: slow})
	enter := func() (context.Context, func()) {
		ctx, leave, err := l.Enter(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ctx, leave
	}
	oldCtx, leaveOld := enter()
	_, leaveMiddle := enter()
	releasedCtx, _ := enter()
	if got := held(t, l); len(got) != 3 || got[0] != turnOf(oldCtx) {
		t.Fatalf("held %d turns, want 3, the first first", len(got))
	}
	leaveMiddle()
	Release(releasedCtx)
	if got := held(t, l); len(got) != 1 || got[0] != turnOf(oldCtx) || l.Running() != 1 {
		t.Fatalf("after a leave and a release: %d held, %d running, want the first only", len(got), l.Running())
	}
	time.Sleep(slow / 2)
	newCtx, leaveNew := enter() // taken half a Slow later
	takenBack(t, oldCtx)
	if got := held(t, l); len(got) != 1 || got[0] != turnOf(newCtx) || turnOf(newCtx).done.Load() {
		t.Fatalf("when the first turn became slow: %d held, want the newer one, still held", len(got))
	}
	leaveOld() // taken back already: frees nothing
	if l.Running() != 1 {
		t.Fatalf("Running = %d, want 1", l.Running())
	}
	leaveNew()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		watching := l.watching
		l.mu.Unlock()
		if !watching {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watcher still runs with no turn held")
		}
		time.Sleep(time.Millisecond)
	}
	if l.Running() != 0 || len(held(t, l)) != 0 {
		t.Fatalf("Running = %d with no request", l.Running())
	}
	ctx, leave := enter() // starts the watcher again
	takenBack(t, ctx)
	leave()
}

// takenBack waits, for at most five seconds, until the watcher has
// taken back the turn of ctx.
func takenBack(t *testing.T, ctx context.Context) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !turnOf(ctx).done.Load(); {
		if time.Now().After(deadline) {
			t.Fatal("a slow turn was not taken back")
		}
		time.Sleep(time.Millisecond)
	}
}
