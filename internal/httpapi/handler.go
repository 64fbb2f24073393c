// Package httpapi assembles the HTTP surface: the GraphQL endpoint with its
// limits and error presenter, GraphiQL, health checks, and the middleware
// every request passes (request id, metrics, trace span and access line,
// body checks, authentication, timeout, panic recovery).
package httpapi

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"go.opentelemetry.io/otel/trace"

	"kundportal/ent"
	"kundportal/graph"
	"kundportal/internal/access"
	"kundportal/internal/admission"
	"kundportal/internal/apperr"
	"kundportal/internal/auth"
	"kundportal/internal/graphiql"
	"kundportal/internal/partnerkeys"
	"kundportal/internal/reporting"
	"kundportal/internal/telemetry"
)

// Options configure the handler.
type Options struct {
	Client *ent.Client
	// DB is pinged by /readyz.
	DB *sql.DB
	// ShuttingDown, once closed, makes /readyz answer 503 whatever the
	// database says, so a load balancer stops sending new requests while
	// those in flight finish (docs/operations.md).
	ShuttingDown <-chan struct{}
	// Tokens verifies bearer tokens; without it only API keys and
	// anonymous requests are accepted.
	Tokens *auth.TokenVerifier
	Logger *slog.Logger
	Limits Limits
	// MaxBodyBytes caps a request body; larger ones get 413.
	MaxBodyBytes int64
	// RequestTimeout bounds the work of one request, database included.
	RequestTimeout time.Duration
	// Services are the capabilities behind the mutations.
	Services graph.Services
	// APQCacheSize is how many automatic persisted queries are kept;
	// DefaultAPQCacheSize when 0.
	APQCacheSize int
	// TrustedDocuments, when not nil, is the allow-list of operations
	// (hash → document, LoadTrustedDocuments): only they run, sent as
	// text or by hash.
	TrustedDocuments map[string]string
	// CORS lets browser SPAs on the listed origins call the API.
	CORS CORS
	// RateLimits bound each client's requests (ratelimit.go); the zero
	// value limits nothing.
	RateLimits RateLimits
	// Admission bounds how many requests to /query and /reports/ are
	// worked on at once, the others waiting their turn in order of
	// arrival (internal/admission); nil admits every request at once.
	Admission *admission.Limiter
	// FieldSuggestions adds "Did you mean …" to validation errors. It
	// tells a caller the schema's names, so it is on in development only
	// (ENVIRONMENT=development).
	FieldSuggestions bool
	// Metrics count every request; nil counts nothing.
	Metrics *telemetry.Metrics
	// ServeMetrics serves Metrics at /metrics on this handler; off when
	// they have a listener of their own (METRICS_ADDR) or none.
	ServeMetrics bool
	// TracerProvider, when not nil, gives every request a span, and
	// every resolver run within it one of its own (docs/operations.md).
	TracerProvider trace.TracerProvider
}

// DefaultAPQCacheSize is the number of persisted queries kept.
const DefaultAPQCacheSize = 1000

// DefaultMaxBodyBytes fits any hand-written operation with room to spare.
const DefaultMaxBodyBytes = 1 << 20

// DefaultRequestTimeout is long enough for the heaviest report page and
// short enough that a stuck request frees its connection.
const DefaultRequestTimeout = 15 * time.Second

// New returns the server's root handler.
func New(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}

	mux := http.NewServeMux()
	keys := partnerkeys.NewVerifier(opts.Client)
	if opts.Services.Entitlements != nil {
		keys.Cache = opts.Services.Entitlements
	}
	rl := newRateLimiter(opts.RateLimits)
	mux.Handle("/query", rl.byAddress(admit(opts.Admission, graphQLOverHTTP(checkRequest(opts.MaxBodyBytes,
		authenticate(opts.Client, opts.Tokens, keys, opts.Logger, rl.byCaller(graphQL(opts, rl))))))))
	if opts.Services.ReportSource != nil {
		src := func() reporting.Source { return *opts.Services.ReportSource }
		mux.Handle("/reports/", rl.byAddress(admit(opts.Admission, authenticate(opts.Client, opts.Tokens, keys, opts.Logger,
			rl.byCaller(reporting.CSVHandler(src, access.ReadReports, time.Now))))))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-opts.ShuttingDown:
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
			return
		default:
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := opts.DB.PingContext(ctx); err != nil {
			opts.Logger.WarnContext(ctx, "readiness check failed", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if opts.ServeMetrics && opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics.Handler(opts.Logger))
	}
	mux.Handle("/", graphiql.Handler("Kundportal API", "/query"))

	return observe(opts.Logger, opts.Metrics, telemetry.Tracer(opts.TracerProvider), opts.RequestTimeout,
		recoverPanics(opts.Logger, opts.CORS.wrap(mux)))
}

// queryCacheSize is how many parsed documents gqlgen keeps, how many
// operations' complexity complexityLimit remembers, and how many
// documents' collected fields the executor shares between requests.
const queryCacheSize = graph.ParsedDocuments

func graphQL(opts Options, rl *rateLimiter) http.Handler {
	srv := handler.New(connectionComplexity{graph.NewSchema(opts.Client, opts.Services)})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.SetDisableSuggestion(!opts.FieldSuggestions)
	srv.Use(extension.Introspection{})
	if opts.TrustedDocuments != nil {
		docs := trustedDocuments(opts.TrustedDocuments)
		srv.Use(extension.AutomaticPersistedQuery{Cache: docs})
		srv.Use(onlyTrusted{docs: docs})
	} else {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](cmp.Or(opts.APQCacheSize, DefaultAPQCacheSize))})
	}
	srv.Use(shapeLimit{limits: opts.Limits})
	srv.Use(oneTimeCodes{})
	srv.Use(newComplexityLimit(opts.Limits.MaxComplexity, queryCacheSize))
	if rl.limitsOneTimeCodes {
		srv.Use(codeLimit{rl}) // last of the checks: counts only what will run
	}
	srv.Use(transactioner{entgql.Transactioner{TxOpener: opts.Client}})
	if opts.TracerProvider != nil {
		srv.Use(resolverSpans{tracer: telemetry.Tracer(opts.TracerProvider)})
	}
	srv.Use(operationObserver{}) // last: the outermost, it sees the response as sent
	srv.SetErrorPresenter(presentError(opts.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		opts.Logger.ErrorContext(ctx, "panic in resolver", "panic", p)
		return &apperr.Error{Code: apperr.CodeInternal, Err: fmt.Errorf("panic: %v", p)}
	})
	return srv
}

// RequestID returns the id of the request being served, as sent back in
// the X-Request-Id header and written to every log line about it (by the
// log handler, telemetry.NewLogHandler).
func RequestID(ctx context.Context) string { return telemetry.RequestID(ctx) }

func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.ErrorContext(r.Context(), "panic", "panic", p)
				writeError(w, http.StatusInternalServerError, apperr.CodeInternal,
					"internal error; quote request id "+RequestID(r.Context()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// admit lets a request in when the limiter gives it its turn, and answers
// 503 with Retry-After and OVERLOADED when it refuses: too many wait, or
// this one waited too long. It runs after the address's rate limit, so
// that a refused address does not take a place in the queue.
func admit(l *admission.Limiter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, leave, err := l.Enter(r.Context())
		if err != nil {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, apperr.CodeOverloaded,
				"the server is busy; retry after 1 s")
			return
		}
		defer leave()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// checkRequest checks the request before gqlgen sees it, because gqlgen
// answers some bad requests with 200, without a code, or by echoing the
// body: a body over the limit is 413; a POST that is not application/json
// is 415; one that is not a JSON object with a string query, or a GET
// whose variables are not a JSON object, is 400.
func checkRequest(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			body, err := readBody(w, r, limit)
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				writeError(w, http.StatusRequestEntityTooLarge, apperr.CodeTooLarge,
					fmt.Sprintf("the request body exceeds %d bytes", limit))
				return
			case err != nil:
				writeError(w, http.StatusBadRequest, apperr.CodeBadRequest, "the request body could not be read")
				return
			case !isJSON(r):
				writeError(w, http.StatusUnsupportedMediaType, apperr.CodeBadRequest, "a POST to /query needs Content-Type: application/json")
				return
			}
			params, err := decodeParams(body)
			switch {
			case notJSON(err):
				writeError(w, http.StatusBadRequest, apperr.CodeBadRequest, "the request body is not valid JSON")
				return
			case err != nil:
				writeError(w, http.StatusBadRequest, apperr.CodeBadRequest,
					"the request body must be a JSON object with a string query, an optional operationName and variables object")
				return
			}
			exchangeFrom(r.Context()).params = params
		case http.MethodGet:
			if isMutation(r.URL.Query().Get("query"), r.URL.Query().Get("operationName")) {
				w.Header().Set("Allow", "POST")
				writeError(w, http.StatusMethodNotAllowed, apperr.CodeBadRequest, "a mutation must be sent with POST")
				return
			}
			for _, param := range []string{"variables", "extensions"} {
				if raw := r.URL.Query().Get(param); raw != "" && json.Unmarshal([]byte(raw), new(map[string]any)) != nil {
					writeError(w, http.StatusBadRequest, apperr.CodeBadRequest, "the "+param+" parameter must be a JSON object")
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// readBody reads a request body of at most limit bytes (a larger one is
// a *http.MaxBytesError), in one buffer of its Content-Length when the
// client sent a small one, as nearly every client does. A large body is
// read as it comes, so that a declared length alone holds no memory.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	const trusted = 64 << 10 // a Content-Length read into one buffer at once
	if n := r.ContentLength; n > 0 && n <= min(limit, trusted) {
		// net/http ends the body after Content-Length bytes, which are
		// within the limit: a shorter one is io.ErrUnexpectedEOF, and
		// nothing can follow, so no MaxBytesReader is needed.
		buf := make([]byte, n)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// isMutation reports whether the operation a GET request selects changes
// data; GraphQL over HTTP allows only queries by GET. A query that does not
// parse is left to gqlgen, which reports it.
func isMutation(query, operationName string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return false
	}
	op := doc.Operations.ForName(operationName)
	return op != nil && op.Operation != ast.Query
}

func isJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "application/json" { // what nearly every client sends, without parsing
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// writeError answers a request that never reached GraphQL execution in the
// GraphQL response shape, so clients parse one format.
func writeError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	noteCode(w, code)
	writeJSON(w, status, graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": string(code)}}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// transactioner runs each mutation in one transaction: committed when
// the mutation succeeds, rolled back when it fails, unless every error
// asks that the writes before it be kept (apperr.Error.KeepWrites: a wrong
// one-time code's try is counted although the attestation fails). gqlgen
// calls response interceptors even for a request that never became an
// operation; those pass through.
type transactioner struct{ entgql.Transactioner }

// InterceptResponse implements graphql.ResponseInterceptor.
func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	txCtx, tx, err := t.OpenTx(ctx)
	if err != nil {
		return failed(ctx, fmt.Errorf("opening a transaction: %w", err))
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(txCtx)
	if len(rsp.Errors) > 0 {
		if !keepsWrites(rsp.Errors) {
			_ = tx.Rollback()
			return &graphql.Response{Errors: rsp.Errors}
		}
		if err := tx.Commit(); err != nil {
			return failed(ctx, &commitError{err})
		}
		return &graphql.Response{Errors: rsp.Errors}
	}
	if err := tx.Commit(); err != nil {
		return failed(ctx, &commitError{err})
	}
	return rsp
}

// failed answers a mutation whose transaction could not be opened or
// committed with that error alone, through the error presenter, so it
// carries a code like any other (UNAVAILABLE when the database is away).
func failed(ctx context.Context, err error) *graphql.Response {
	graphql.AddError(ctx, err)
	errs := graphql.GetErrors(ctx)
	if n := len(errs); n > 1 {
		errs = errs[n-1:]
	}
	return &graphql.Response{Errors: errs}
}

// commitError is a failed COMMIT, whose outcome is unknown when the
// connection broke (unavailable).
type commitError struct{ err error }

func (e *commitError) Error() string { return "committing the transaction: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

// keepsWrites reports whether every error asks for the writes before it
// to be kept.
func keepsWrites(errs gqlerror.List) bool {
	for _, e := range errs {
		if !errors.Is(e.Err, apperr.ErrKeepWrites) {
			return false
		}
	}
	return true
}
