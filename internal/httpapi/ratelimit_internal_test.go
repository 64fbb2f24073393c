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
