package httpapi_test

import (
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	entsql "entgo.io/ent/dialect/sql"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/telemetry"
	"kundportal/internal/testdb"
)

// otlpReceiver is an OTLP/HTTP trace receiver: it decodes every
// ExportTraceServiceRequest posted to /v1/traces.
type otlpReceiver struct {
	mu       sync.Mutex
	spans    []*tracepb.Span
	services []string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err != nil || r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, a := range rs.Resource.GetAttributes() {
			if a.Key == "service.name" {
				o.services = append(o.services, a.Value.GetStringValue())
			}
		}
		for _, ss := range rs.ScopeSpans {
			o.spans = append(o.spans, ss.Spans...)
		}
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// TestTracesReachAnOTLPCollector: with OTEL_EXPORTER_OTLP_ENDPOINT set,
// a request's span, its resolvers' spans and their SQL statements' spans
// reach the collector as one trace, children under parents, and no span
// carries a statement's arguments (here the caller's personal number, which
// the authentication's statements are sent).
func TestTracesReachAnOTLPCollector(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		receiver := &otlpReceiver{}
		collector := httptest.NewServer(receiver)
		defer collector.Close()
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
		t.Setenv("OTEL_SERVICE_NAME", "kundportal-test")
		cfg, err := telemetry.TracingFromEnv(os.Getenv)
		if err != nil || !cfg.Enabled {
			t.Fatalf("tracing config %+v, %v", cfg, err)
		}
		tp, shutdown, err := telemetry.StartTracing(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		logs := &apitest.SyncBuffer{}
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.Logger = telemetry.NewLogger(logs, slog.LevelDebug)
			o.TracerProvider = tp
			o.Client = ent.NewClient(ent.Driver(telemetry.WrapDriver(entsql.OpenDB(db.Dialect, db.SQL), telemetry.Tracer(tp), nil)))
		})
		c := e.Fx.Customer()
		p, _ := e.Holder(c, types.RoleAdministrator)
		var data struct {
			Viewer struct{ Person struct{ GivenName string } }
		}
		e.As(e.BankID(p)).Query(`query Me { viewer { person { givenName } } }`, nil, &data)
		if err := shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}

		receiver.mu.Lock()
		defer receiver.mu.Unlock()
		byID := map[string]*tracepb.Span{}
		for _, s := range receiver.spans {
			byID[hex.EncodeToString(s.SpanId)] = s
			for _, a := range s.Attributes {
				if v := a.Value.GetStringValue(); strings.Contains(v, *p.PersonalNumber) || strings.Contains(v, p.Email) {
					t.Errorf("span %s attribute %s carries personal data: %s", s.Name, a.Key, v)
				}
			}
		}
		var request, resolver, statement *tracepb.Span
		for _, s := range receiver.spans {
			switch {
			case s.Name == "POST /query" && len(s.ParentSpanId) == 0:
				request = s
			case s.Name == "Query.viewer":
				resolver = s
			case s.Kind == tracepb.Span_SPAN_KIND_CLIENT && attr(s, "db.query.text") != "":
				if parent := byID[hex.EncodeToString(s.ParentSpanId)]; parent != nil && parent.Name == "Query.viewer" || statement == nil {
					statement = s
				}
			}
		}
		if request == nil || resolver == nil || statement == nil {
			names := []string{}
			for _, s := range receiver.spans {
				names = append(names, s.Name)
			}
			t.Fatalf("missing spans: request %v, resolver %v, SQL %v; got %v", request != nil, resolver != nil, statement != nil, names)
		}
		if len(receiver.services) == 0 || receiver.services[0] != "kundportal-test" {
			t.Errorf("service.name %v, want OTEL_SERVICE_NAME's", receiver.services)
		}
		// The request's access line names its trace.
		wantLog := `"trace_id":"` + hex.EncodeToString(request.TraceId) + `"`
		if !strings.Contains(logs.String(), wantLog) {
			t.Errorf("no log line with %s:\n%s", wantLog, logs.String())
		}
		if attr(request, "graphql.operation.name") != "Me" || attr(request, "kundportal.outcome") != "ok" {
			t.Errorf("request span attributes: %v", request.Attributes)
		}
		if string(resolver.ParentSpanId) != string(request.SpanId) || string(resolver.TraceId) != string(request.TraceId) {
			t.Errorf("Query.viewer is not a child of the request span")
		}
		sqlUnderResolver := false
		for _, s := range receiver.spans {
			if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && string(s.ParentSpanId) == string(resolver.SpanId) {
				sqlUnderResolver = true
			}
		}
		if !sqlUnderResolver {
			t.Errorf("no SQL span under the resolver's span")
		}
		if q := attr(statement, "db.query.text"); !strings.Contains(strings.ToUpper(q), "SELECT") {
			t.Errorf("statement text %q", q)
		}
		for _, s := range receiver.spans {
			if s.Name == "Person.givenName" {
				t.Errorf("a plain struct field got a span")
			}
		}
	})
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.GetStringValue()
		}
	}
	return ""
}
