package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"kundportal/ent"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
)

// env is the real HTTP handler over one test database, used as a client
// uses it. The handler's ent client counts the SQL statements it runs;
// fixtures are written with the database's own client and not counted.
type env struct {
	t  *testing.T
	fx *fixture.F
	h  http.Handler

	rec  *recorder
	logs *syncBuffer

	// key signs development tokens that the handler accepts.
	key *ecdsa.PrivateKey
	// authorization is sent with every request that sets none itself; a
	// staff token unless changed with as.
	authorization string
}

// as returns the env sending the given Authorization header value ("" for
// anonymous requests).
func (e *env) as(authorization string) *env {
	c := *e
	c.authorization = authorization
	return &c
}

// token signs a development token for the subject.
func (e *env) token(t auth.DevToken) string {
	e.t.Helper()
	if t.TTL == 0 {
		t.TTL = time.Hour
	}
	raw, err := auth.IssueDevToken(e.key, t)
	if err != nil {
		e.t.Fatal(err)
	}
	return "Bearer " + raw
}

// recorder keeps the SQL statements the handler's client executes.
type recorder struct {
	mu         sync.Mutex
	statements []string
}

// in returns the env for use in subtest t. Build fixtures before
// subtests: the fixture builder reports failures to the parent test.
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// newEnv builds the handler with default limits; opts may change the
// options before the handler is built.
func newEnv(t *testing.T, db *database.DB, opts ...func(*httpapi.Options)) *env {
	t.Helper()
	e := &env{t: t, fx: fixture.New(t, db.Client), rec: &recorder{}, logs: &syncBuffer{}, key: devKey(t)}
	e.authorization = e.token(auth.DevToken{Subject: "staff.tester", Staff: true})
	drv := dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL), e.rec.record)
	o := httpapi.Options{
		Client: ent.NewClient(ent.Driver(drv)),
		DB:     db.SQL,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
		Tokens: auth.NewDevTokenVerifier(e.key),
	}
	for _, opt := range opts {
		opt(&o)
	}
	e.h = httpapi.New(o)
	return e
}

var devKeys = struct {
	sync.Once
	key *ecdsa.PrivateKey
}{}

// devKey is one development signing key for the whole test binary.
func devKey(t testing.TB) *ecdsa.PrivateKey {
	devKeys.Do(func() {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		devKeys.key = k
	})
	return devKeys.key
}

// statementLine matches the debug driver's line for one statement sent to
// the database, in or outside a transaction; Tx begin/commit lines do not.
var statementLine = regexp.MustCompile(`^(driver|Tx\([^)]*\))\.(Query|Exec)(Context)?: `)

func (r *recorder) record(_ context.Context, args ...any) {
	for _, a := range args {
		if s, ok := a.(string); ok && statementLine.MatchString(s) {
			r.mu.Lock()
			r.statements = append(r.statements, s)
			r.mu.Unlock()
		}
	}
}

// reset forgets the statements recorded so far and returns them.
func (r *recorder) reset() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.statements
	r.statements = nil
	return s
}

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"extensions"`
}

// response is what the handler answered, decoded when it is JSON.
type response struct {
	Status int         `json:"-"`
	Header http.Header `json:"-"`
	Body   string      `json:"-"`
	// Statements are the SQL statements the request executed.
	Statements []string `json:"-"`

	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// serve runs one request through the handler.
func (e *env) serve(req *http.Request) *response {
	e.t.Helper()
	e.rec.reset()
	if req.Header.Get("Authorization") == "" && e.authorization != "" {
		req.Header.Set("Authorization", e.authorization)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	r := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String(), Statements: e.rec.reset()}
	if strings.Contains(r.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(rec.Body.Bytes(), r); err != nil {
			e.t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
		}
	}
	return r
}

// postBody POSTs a raw body to /query with the given headers, in pairs.
func (e *env) postBody(body io.Reader, header ...string) *response {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/query", body)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.serve(req)
}

// post sends a GraphQL operation as a JSON POST to /query.
func (e *env) post(query string, vars map[string]any, header ...string) *response {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.postBody(bytes.NewReader(body), header...)
}

// get sends a GET to target with the given headers, in pairs.
func (e *env) get(target string, header ...string) *response {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.serve(req)
}

// getQuery sends a GraphQL operation as GET /query?query=…
func (e *env) getQuery(query string, header ...string) *response {
	e.t.Helper()
	return e.get("/query?"+url.Values{"query": {query}}.Encode(), header...)
}

// query POSTs an operation that must succeed and decodes its data into out.
func (e *env) query(query string, vars map[string]any, out any) *response {
	e.t.Helper()
	r := e.post(query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		e.t.Fatalf("query failed: status %d, errors %+v\nquery: %s\nvariables: %v", r.Status, r.Errors, query, vars)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		e.t.Fatalf("decoding data: %v\n%s", err, r.Data)
	}
	return r
}

// wantError asserts that the response carries an error with the code (and
// the field, if not empty) and returns it.
func (r *response) wantError(t *testing.T, code, field string) gqlError {
	t.Helper()
	for _, e := range r.Errors {
		if e.Extensions.Code == code && (field == "" || e.Extensions.Field == field) {
			return e
		}
	}
	t.Fatalf("no error with code %s and field %q; status %d, body:\n%.600s", code, field, r.Status, r.Body)
	return gqlError{}
}

// wantNoData asserts that the response has no data at all.
func (r *response) wantNoData(t *testing.T) {
	t.Helper()
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		t.Errorf("data = %s, want none", d)
	}
}

// wantNoStatements asserts that the request never reached the database.
func (r *response) wantNoStatements(t *testing.T) {
	t.Helper()
	if len(r.Statements) != 0 {
		t.Errorf("%d SQL statements executed, want 0:\n%s", len(r.Statements), strings.Join(r.Statements, "\n"))
	}
}

// pageInfo is a Relay connection's page info.
type pageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

// conn is a Relay connection of nodes of type N.
type conn[N any] struct {
	TotalCount int      `json:"totalCount"`
	PageInfo   pageInfo `json:"pageInfo"`
	Edges      []struct {
		Cursor string `json:"cursor"`
		Node   N      `json:"node"`
	} `json:"edges"`
}

// labelled is a node selected as { id label: <some field> }.
type labelled struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// labels returns the labels of a connection's nodes in order.
func labels(c conn[labelled]) []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.Label
	}
	return out
}
