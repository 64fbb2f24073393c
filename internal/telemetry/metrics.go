package telemetry

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's Prometheus metrics, on a registry of their own
// (not the process-global default, so tests and a second server in one
// process never share counters). A nil *Metrics records nothing.
type Metrics struct {
	// Registry holds every metric; Handler serves it.
	Registry *prometheus.Registry

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	statements [len(statementKinds)]prometheus.Counter
	sqlErrors  prometheus.Counter

	operations labelSet
	outcomes   labelSet

	mu sync.RWMutex
	// children are the series of each (route, operation, outcome), so
	// that a request costs a map read and two atomic adds, not a label
	// hash and a slice per request.
	children map[requestLabels]requestSeries
}

type requestLabels struct{ route, operation, outcome string }

type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// The bounds of client-chosen label values: GraphQL operation names come
// from clients, so only MaxOperationNames distinct names of at most
// MaxOperationNameLength characters of [A-Za-z0-9_] get series of their
// own; every other name is counted as OtherLabel.
const (
	MaxOperationNames      = 200
	MaxOperationNameLength = 64
	OtherLabel             = "other"
	// AnonymousOperation labels a GraphQL request without an operation name.
	AnonymousOperation = "anonymous"
)

// statementKinds are the SQL statement kinds counted apart.
var statementKinds = [...]string{"select", "insert", "update", "delete", "other"}

// NewMetrics returns the metrics with the Go runtime's and the process's
// collectors registered beside the service's own.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kundportal_http_requests_total",
			Help: "HTTP requests served, by route, GraphQL operation name (empty outside /query) and outcome (ok, or the first error's extensions.code).",
		}, []string{"route", "operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kundportal_http_request_duration_seconds",
			Help:    "Time from receiving a request to its last byte written, by route and GraphQL operation name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}, []string{"route", "operation"}),
		sqlErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kundportal_sql_errors_total",
			Help: "SQL statements sent through the ent client that failed.",
		}),
		operations: labelSet{max: MaxOperationNames, names: map[string]bool{}},
		outcomes:   labelSet{max: 100, names: map[string]bool{}},
		children:   map[requestLabels]requestSeries{},
	}
	statements := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kundportal_sql_statements_total",
		Help: "SQL statements sent through the ent client, by kind (select, insert, update, delete, other).",
	}, []string{"kind"})
	for i, k := range statementKinds {
		m.statements[i] = statements.WithLabelValues(k)
	}
	m.Registry.MustRegister(m.requests, m.duration, statements, m.sqlErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' exposition format. A metric
// that fails to collect (the outbox count when the database is down) is
// left out and logged; the rest are served.
func (m *Metrics) Handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// ObserveRequest counts one request and its duration. operation is the
// client's GraphQL operation name (bounded here), outcome "ok" or an
// error code.
func (m *Metrics) ObserveRequest(route, operation, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	// Names already admitted are found in one read; only the series
	// of admitted names are kept, so the map stays bounded.
	m.mu.RLock()
	s, ok := m.children[requestLabels{route, operation, outcome}]
	m.mu.RUnlock()
	if !ok {
		s = m.series(route, operation, outcome)
	}
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}

// series are the bounded labels' series, created on first use.
func (m *Metrics) series(route, operation, outcome string) requestSeries {
	if operation != "" && operation != AnonymousOperation {
		operation = m.operations.bound(operation)
	}
	k := requestLabels{route, operation, m.outcomes.bound(outcome)}
	m.mu.RLock()
	s, ok := m.children[k]
	m.mu.RUnlock()
	if ok {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok = m.children[k]
	if !ok {
		s = requestSeries{m.requests.WithLabelValues(k.route, k.operation, k.outcome), m.duration.WithLabelValues(k.route, k.operation)}
		m.children[k] = s
	}
	return s
}

// Statement counts one SQL statement by its first keyword, and its failure.
func (m *Metrics) Statement(query string, err error) {
	if m == nil {
		return
	}
	m.statements[statementKind(query)].Inc()
	if err != nil {
		m.sqlErrors.Inc()
	}
}

// statementKind indexes statementKinds by the statement's first word;
// a WITH … is "other", whatever it ends in.
func statementKind(q string) int {
	i := 0
	for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '(') {
		i++
	}
	if len(q)-i < 6 {
		return len(statementKinds) - 1
	}
	w := q[i : i+6]
	for k, kind := range statementKinds[:4] {
		if equalFoldASCII(w, kind) {
			return k
		}
	}
	return len(statementKinds) - 1
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if a[i]|0x20 != b[i] {
			return false
		}
	}
	return true
}

// RegisterDB exports the pool statistics of db (open, in use, idle
// connections, waits) labelled db_name=name.
func (m *Metrics) RegisterDB(name string, db *sql.DB) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// RegisterCacheCounters exports the access-check cache's hits and misses,
// read at scrape time from the cache's own counters.
func (m *Metrics) RegisterCacheCounters(hits, misses func() uint64) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kundportal_entitlement_cache_hits_total",
			Help: "Partner access checks answered from the in-process cache.",
		}, func() float64 { return float64(hits()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kundportal_entitlement_cache_misses_total",
			Help: "Partner access checks that read the database: not in the cache, or the cache unusable while its change listener is down.",
		}, func() float64 { return float64(misses()) }),
	)
}

// RegisterAdmission exports the admission limit, the requests worked on
// now and those waiting for their turn (internal/admission), read at
// scrape time. Refused requests are counted in the request counter with
// the outcome OVERLOADED.
func (m *Metrics) RegisterAdmission(limit int, running, waiting func() int) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kundportal_admission_limit",
			Help: "Requests this instance works on at once at most (MAX_CONCURRENT_REQUESTS).",
		}, func() float64 { return float64(limit) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kundportal_admission_running",
			Help: "Requests being worked on now, within the admission limit.",
		}, func() float64 { return float64(running()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kundportal_admission_waiting",
			Help: "Requests waiting for their turn (at most MAX_QUEUED_REQUESTS).",
		}, func() float64 { return float64(waiting()) }),
	)
}

// RegisterOutbox exports the number of e-mails waiting in the outbox,
// counted at scrape time (an indexed count) with at most five seconds'
// wait.
func (m *Metrics) RegisterOutbox(pending func(context.Context) (int, error)) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(&outboxCollector{pending: pending, desc: prometheus.NewDesc(
		"kundportal_outbox_pending", "E-mails in the notifications outbox not yet sent or given up (status PENDING), due or waiting for a retry.", nil, nil)})
}

type outboxCollector struct {
	pending func(context.Context) (int, error)
	desc    *prometheus.Desc
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.pending(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// labelSet bounds the values of a label to max distinct names of
// MaxOperationNameLength characters of [A-Za-z0-9_].
type labelSet struct {
	max   int
	mu    sync.RWMutex
	names map[string]bool
}

func (s *labelSet) bound(name string) string {
	if !validLabel(name) {
		return OtherLabel
	}
	s.mu.RLock()
	known := s.names[name]
	s.mu.RUnlock()
	if known {
		return name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names[name] {
		return name
	}
	if len(s.names) >= s.max {
		return OtherLabel
	}
	s.names[name] = true
	return name
}

func validLabel(name string) bool {
	if name == "" || len(name) > MaxOperationNameLength || Redact(name) != name {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
