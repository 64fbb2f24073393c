package httpapi

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"kundportal/internal/apperr"
	"kundportal/internal/telemetry"
)

// exchange is one request as the layers serving it share it. What the
// GraphQL layer (operationObserver) and writeError learn is written here
// for the metrics, the request span and the access line, and read when
// the request is done; what checkRequest decoded is here for
// postTransport. The layers reach it through the request's context, which
// observe sets once, so that none of them copies the request to pass
// something on.
type exchange struct {
	http.ResponseWriter
	status int
	// operation is the GraphQL operation's name (AnonymousOperation when
	// it has none), or "" when the request never reached GraphQL.
	operation     string
	operationType string
	// outcome is "ok" or the first error's code; "" until known.
	outcome string
	// params is the operation of a POST to /query, decoded by
	// checkRequest; nil before and for other requests.
	params *graphql.RawParams
}

func (x *exchange) WriteHeader(status int) {
	if x.status == 0 {
		x.status = status
	}
	x.ResponseWriter.WriteHeader(status)
}

func (x *exchange) Write(b []byte) (int, error) {
	if x.status == 0 {
		x.status = http.StatusOK
	}
	return x.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (x *exchange) Unwrap() http.ResponseWriter { return x.ResponseWriter }

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// noteCode records the code of an error answered outside GraphQL
// execution (writeError), if no other outcome is known, by finding the
// exchange among the writers wrapping w.
func noteCode(w http.ResponseWriter, code apperr.Code) {
	for w != nil {
		if x, ok := w.(*exchange); ok {
			if x.outcome == "" {
				x.outcome = string(code)
			}
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// route is the metrics' and spans' name for the handler a path reaches:
// a fixed set, never the path itself.
func route(path string) string {
	switch {
	case path == "/query", path == "/healthz", path == "/readyz", path == "/metrics":
		return path
	case strings.HasPrefix(path, "/reports/"):
		return "/reports/{name}"
	default:
		return "/"
	}
}

// observe begins every request and measures it. It gives the request an
// id (the X-Request-Id header, and RequestID for every log line about
// it), its exchange and its deadline (timeout: the work of one request,
// database included), in one copy of the request. It counts the request
// and its latency by route, operation and outcome; with a tracer, it
// opens a server span (continuing a caller's traceparent) that the
// resolvers' and SQL spans hang under; and it writes one access line at
// DEBUG. Without metrics, tracer and debug logging that costs a few small
// allocations and a clock read: the deadline's timer is made only for a
// request that waits on it (requestContext).
func observe(logger *slog.Logger, metrics *telemetry.Metrics, tracer trace.Tracer, timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID()
		w.Header()["X-Request-Id"] = []string{id} // canonical already
		x := &exchange{ResponseWriter: w}
		ctx := telemetry.WithRequestID(r.Context(), id)
		rt := route(r.URL.Path)
		var span trace.Span
		if tracer != nil {
			ctx = otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = tracer.Start(ctx, r.Method+" "+rt, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
				attribute.String("http.request.method", r.Method),
				attribute.String("http.route", rt),
				attribute.String("url.path", telemetry.Redact(r.URL.Path)),
				attribute.String("kundportal.request_id", id),
			))
		}
		work := newRequestContext(ctx, x, start.Add(timeout))
		defer work.end()
		defer func() {
			// Only http.ErrAbortHandler gets past recoverPanics: the
			// client is gone. Count and end the request, then let
			// net/http see the panic.
			if p := recover(); p != nil {
				if x.outcome == "" {
					x.outcome = "ABORTED"
				}
				finish(ctx, x, start, r, rt, span, logger, metrics)
				panic(p)
			}
		}()
		next.ServeHTTP(x, r.WithContext(work))
		finish(ctx, x, start, r, rt, span, logger, metrics)
	})
}

// requestID returns a new request id: 16 characters of base32's
// alphabet, 80 random bits, from the runtime's ChaCha8 generator. The id
// only has to be unique and tell nothing of the server; crypto/rand,
// taken before, took three times as long (155 against 45 ns) for bits
// nobody has to fail to guess.
func requestID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var id [16]byte
	bits := rand.Uint64()
	for i := range id {
		if i == 12 { // 60 bits used
			bits = rand.Uint64()
		}
		id[i] = alphabet[bits&31]
		bits >>= 5
	}
	return string(id[:])
}

// finish records a served request: the metrics, the span's last
// attributes and its end, and the access line.
func finish(ctx context.Context, x *exchange, start time.Time, r *http.Request, rt string, span trace.Span, logger *slog.Logger, metrics *telemetry.Metrics) {
	elapsed := time.Since(start)
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	outcome := x.outcome
	switch {
	case outcome != "":
	case status < 400:
		outcome = "ok"
	default:
		outcome = "HTTP_" + strconv.Itoa(status)
	}
	metrics.ObserveRequest(rt, x.operation, outcome, elapsed)
	if span != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", status), attribute.String("kundportal.outcome", outcome))
		if x.operation != "" {
			span.SetAttributes(attribute.String("graphql.operation.name", telemetry.Redact(x.operation)),
				attribute.String("graphql.operation.type", x.operationType))
		}
		if status >= 500 {
			span.SetStatus(codes.Error, outcome)
		}
		span.End()
	}
	if logger.Enabled(ctx, slog.LevelDebug) {
		logger.LogAttrs(ctx, slog.LevelDebug, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Duration("duration", elapsed), slog.String("operation", x.operation), slog.String("outcome", outcome))
	}
}

// operationObserver tells the request's exchange the GraphQL operation's
// name and type and the outcome: "ok", or the first error's code. It is
// the outermost response interceptor, so it sees the response as sent,
// after the transactioner's commit.
type operationObserver struct{}

func (operationObserver) ExtensionName() string                   { return "OperationObserver" }
func (operationObserver) Validate(graphql.ExecutableSchema) error { return nil }
func (operationObserver) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	rsp := next(ctx)
	x := exchangeFrom(ctx)
	if x == nil {
		return rsp
	}
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		op := oc.Operation
		if op == nil && oc.RawQuery != "" {
			// Refused before execution (not valid): gqlgen kept no
			// document; this path alone pays for parsing it again.
			if doc, err := parser.ParseQuery(&ast.Source{Input: oc.RawQuery}); err == nil {
				op = doc.Operations.ForName(oc.OperationName)
			}
		}
		x.operation = oc.OperationName
		if x.operation == "" && op != nil {
			x.operation = op.Name
		}
		if x.operation == "" {
			x.operation = telemetry.AnonymousOperation
		}
		if op != nil {
			x.operationType = string(op.Operation)
		}
	}
	if x.outcome == "" || x.outcome == "ok" {
		x.outcome = "ok"
		if rsp != nil && len(rsp.Errors) > 0 {
			x.outcome = string(apperr.CodeInternal) // an error without a code is one the presenter never saw
			if code, ok := rsp.Errors[0].Extensions["code"].(string); ok {
				x.outcome = code
			}
		}
	}
	return rsp
}

// resolverSpans gives every field that runs resolver code a span; plain
// struct fields, most of any response, get none. It is installed only
// when tracing is on.
type resolverSpans struct{ tracer trace.Tracer }

func (resolverSpans) ExtensionName() string                   { return "ResolverSpans" }
func (resolverSpans) Validate(graphql.ExecutableSchema) error { return nil }
func (s resolverSpans) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := s.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attribute.String("graphql.field.path", fc.Path().String())))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.SetStatus(codes.Error, telemetry.Redact(err.Error()))
	}
	return res, err
}
