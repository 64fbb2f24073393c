package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"kundportal/internal/auth"
)

// BenchmarkRateLimitPartnerKey is what the limits add to a partner's
// request, the access check's hot path: the address peek and the key's
// bucket, around a handler that does nothing (docs/operations.md).
func BenchmarkRateLimitPartnerKey(b *testing.B) {
	l := DefaultRateLimits
	l.PartnerKey = Rate{Count: 1 << 30, Per: time.Second, Burst: 1 << 30} // never refuses here
	rl := newRateLimiter(l)
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := rl.byAddress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := auth.Identity{Kind: auth.Partner, APIKeyID: "pak_01J9Z3W0000000000000000000", Address: clientAddress(r)}
		rl.byCaller(ok).ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), id)))
	}))
	req := httptest.NewRequest(http.MethodPost, "/query", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}

// TestAddressHoldsRequestsInFlight: requests whose credentials are still
// being checked hold a token each, so that a wave of concurrent requests
// with bad credentials gets no more tries than the bucket holds; one that
// authenticates gives its token back, one that does not spends it.
func TestAddressHoldsRequestsInFlight(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b := newBuckets(Rate{Count: 1, Per: time.Minute, Burst: 2}, 10)
	first, _, ok1 := b.hold("192.0.2.1", now)
	second, _, ok2 := b.hold("192.0.2.1", now)
	_, wait, ok3 := b.hold("192.0.2.1", now)
	if !ok1 || !ok2 || ok3 || wait != time.Minute {
		t.Fatalf("holds: %v %v %v, wait %s; want two admitted and the third told to wait 1m", ok1, ok2, ok3, wait)
	}
	first.release(now, false) // authenticated
	third, _, ok := b.hold("192.0.2.1", now)
	if !ok {
		t.Fatal("a token given back is not there")
	}
	second.release(now, true) // bad credentials
	third.release(now, true)
	if _, wait, ok := b.hold("192.0.2.1", now); ok || wait != time.Minute {
		t.Fatalf("after two charges: admitted %v, wait %s", ok, wait)
	}
	if _, _, ok := b.hold("192.0.2.2", now); !ok {
		t.Fatal("another address shares the bucket")
	}
}
