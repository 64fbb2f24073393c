package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kundportal/internal/telemetry"
)

// TestAbortedRequestsAreCounted: a request whose handler aborts (the one
// panic recoverPanics lets through) is still counted, and net/http still
// sees the panic.
func TestAbortedRequestsAreCounted(t *testing.T) {
	m := telemetry.NewMetrics()
	h := observe(slog.New(slog.DiscardHandler), m, nil, time.Minute, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	}()
	rec := httptest.NewRecorder()
	m.Handler(slog.Default()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `kundportal_http_requests_total{operation="",outcome="ABORTED",route="/healthz"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("lacks %s", want)
	}
}

// TestRequestIDsAreSixteenBase32CharactersAndDoNotRepeat: every id is
// as the logs and X-Request-Id have always shown it, uses every place's
// 32 letters, and none of many repeats.
func TestRequestIDsAreSixteenBase32CharactersAndDoNotRepeat(t *testing.T) {
	const n = 100_000
	seen := make(map[string]bool, n)
	var used [16]map[byte]bool
	for i := range used {
		used[i] = map[byte]bool{}
	}
	for range n {
		id := requestID()
		if len(id) != 16 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
			t.Fatalf("request id %q is not 16 characters of base32", id)
		}
		if seen[id] {
			t.Fatalf("request id %q repeated", id)
		}
		seen[id] = true
		for i := range id {
			used[i][id[i]] = true
		}
	}
	for i, u := range used {
		if len(u) != 32 {
			t.Errorf("place %d of the ids takes %d letters, want all 32", i, len(u))
		}
	}
}
