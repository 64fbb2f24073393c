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
