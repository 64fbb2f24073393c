package telemetry

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"log/slog"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(slog.Default()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// TestOperationNamesAreBounded: client-chosen names get series of their
// own only up to MaxOperationNames, and only when they are short names of
// [A-Za-z0-9_] that hold no personal number.
func TestOperationNamesAreBounded(t *testing.T) {
	m := NewMetrics()
	for i := range MaxOperationNames + 50 {
		m.ObserveRequest("/query", fmt.Sprintf("Op%d", i), "ok", time.Millisecond)
	}
	m.ObserveRequest("/query", "Op0", "ok", time.Millisecond)
	m.ObserveRequest("/query", "pnr191212121212", "ok", time.Millisecond)
	m.ObserveRequest("/query", "a-b", "ok", time.Millisecond)
	out := scrape(t, m)
	if n := strings.Count(out, "kundportal_http_requests_total{"); n != MaxOperationNames+1 {
		t.Errorf("%d request series, want %d names and other", n, MaxOperationNames+1)
	}
	for _, want := range []string{
		`kundportal_http_requests_total{operation="Op0",outcome="ok",route="/query"} 2`,
		fmt.Sprintf(`kundportal_http_requests_total{operation="other",outcome="ok",route="/query"} %d`, 50+2),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %s", want)
		}
	}
}

// TestCacheCountersAreScraped: the access-check cache's counters are read
// at scrape time.
func TestCacheCountersAreScraped(t *testing.T) {
	m := NewMetrics()
	hits, misses := uint64(7), uint64(3)
	m.RegisterCacheCounters(func() uint64 { return hits }, func() uint64 { return misses })
	hits++
	out := scrape(t, m)
	if !strings.Contains(out, "kundportal_entitlement_cache_hits_total 8") || !strings.Contains(out, "kundportal_entitlement_cache_misses_total 3") {
		t.Errorf("cache counters:\n%s", out)
	}
}

func TestStatementKind(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT 1": "select", "  select x": "select", "INSERT INTO t": "insert", "UPDATE t": "update",
		"DELETE FROM t": "delete", "WITH x AS (SELECT 1) SELECT * FROM x": "other", "BEGIN": "other", "": "other",
	} {
		if got := statementKinds[statementKind(q)]; got != want {
			t.Errorf("statementKind(%q) = %s, want %s", q, got, want)
		}
	}
}

// TestNilMetricsRecordNothing: without metrics every call is a no-op.
func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.ObserveRequest("/query", "Op", "ok", time.Second)
	m.Statement("SELECT 1", nil)
	m.RegisterCacheCounters(nil, nil)
}

// TestCountingDoesNotAllocate: a request's and a statement's bookkeeping
// on the hot path (the partner access check, thousands a second) is map
// reads and atomic adds, no allocation, once the series exist.
func TestCountingDoesNotAllocate(t *testing.T) {
	m := NewMetrics()
	m.ObserveRequest("/query", "AccessCheck", "ok", time.Millisecond)
	if n := testing.AllocsPerRun(100, func() { m.ObserveRequest("/query", "AccessCheck", "ok", time.Millisecond) }); n != 0 {
		t.Errorf("ObserveRequest allocates %.0f times", n)
	}
	if n := testing.AllocsPerRun(100, func() { m.Statement("SELECT 1", nil) }); n != 0 {
		t.Errorf("Statement allocates %.0f times", n)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := NewMetrics()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("/query", "AccessCheck", "ok", time.Millisecond)
	}
}
