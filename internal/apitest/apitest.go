// Package apitest drives the real HTTP handler over a test database, as a
// client would: every capability's tests use it, so that they live beside
// the capability and still run through authentication, the privacy rules,
// GraphQL and the error presenter, on PostgreSQL and SQLite. It also holds
// the one registry of Node types (registry.go).
package apitest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/graph"
	"kundportal/internal/access"
	"kundportal/internal/agreements"
	"kundportal/internal/auth"
	"kundportal/internal/bankid"
	"kundportal/internal/catalog"
	"kundportal/internal/database"
	"kundportal/internal/documents"
	"kundportal/internal/feed"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/ordering"
	"kundportal/internal/pricing"
	"kundportal/internal/reporting"
	"kundportal/internal/sms/smstest"
	"kundportal/internal/telemetry"
)

// Env is the real HTTP handler over one test database, used as a client
// uses it. The handler's ent client counts the SQL statements it runs;
// fixtures are written with the database's own client and not counted.
type Env struct {
	// T is the test the requests report to.
	T *testing.T
	// Fx builds rows with the database's own client.
	Fx *fixture.F
	// Handler is the server's whole HTTP handler.
	Handler http.Handler
	// Logs holds what the handler logged.
	Logs *SyncBuffer

	rec *recorder
	// key signs development tokens that the handler accepts.
	key *ecdsa.PrivateKey
	// Authorization is sent with every request that sets none itself; a
	// staff token unless changed with As.
	Authorization string
	// Signer is the BankID provider the handler signs with.
	Signer *FakeBankID
	// Agreements and Documents are the handler's capabilities, whose
	// clocks a test may set.
	Agreements *agreements.Service
	Documents  *documents.Service
	Ordering   *ordering.Service
	Pricing    *pricing.Service
	Catalog    *catalog.Service
	// SMS is the 46elks gateway the handler sends attestation codes
	// through, with the real client.
	SMS *smstest.Gateway
}

// As returns the Env sending the given Authorization header value ("" for
// anonymous requests).
func (e *Env) As(authorization string) *Env {
	c := *e
	c.Authorization = authorization
	return &c
}

// Token signs a development token for the subject.
func (e *Env) Token(t auth.DevToken) string {
	e.T.Helper()
	if t.TTL == 0 {
		t.TTL = time.Hour
	}
	raw, err := auth.IssueDevToken(e.key, t)
	if err != nil {
		e.T.Fatal(err)
	}
	return "Bearer " + raw
}

// recorder keeps the SQL statements the handler's client executes.
type recorder struct {
	mu         sync.Mutex
	statements []string
}

// In returns the Env for use in subtest t. Build fixtures before
// subtests: the fixture builder reports failures to the parent test.
func (e *Env) In(t *testing.T) *Env {
	c := *e
	c.T = t
	return &c
}

// New builds the handler with default limits; opts may change the
// options before the handler is built.
func New(t *testing.T, db *database.DB, opts ...func(*httpapi.Options)) *Env {
	t.Helper()
	e := &Env{T: t, Fx: fixture.New(t, db.Client), rec: &recorder{}, Logs: &SyncBuffer{}, key: DevKey(t), Signer: &FakeBankID{}}
	e.Agreements = agreements.New(map[agreements.SigningMethod]bankid.Provider{agreements.MethodBankID: e.Signer}, "https://portal.test", 6)
	e.Documents = documents.New(3)
	e.SMS = smstest.New(t)
	e.Ordering = ordering.New(e.Signer, e.SMS.Client(), "https://portal.test")
	e.Pricing = pricing.New(3)
	e.Catalog = catalog.New(3)
	e.Authorization = e.Token(auth.DevToken{Subject: StaffSubject, Staff: true})
	drv := dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL), e.rec.record)
	o := httpapi.Options{
		// The database's Counter, so that a test may lower its limit.
		Client:   ent.NewClient(ent.Driver(drv), ent.Counter(db.Client.Counter)),
		DB:       db.SQL,
		Logger:   telemetry.NewLogger(e.Logs, slog.LevelInfo),
		Tokens:   auth.NewDevTokenVerifier(e.key),
		Services: graph.Services{Agreements: e.Agreements, Documents: e.Documents, Ordering: e.Ordering, Pricing: e.Pricing, Catalog: e.Catalog},
	}
	o.Services.Feed = &feed.Reader{Client: o.Client, Dialect: db.Dialect}
	o.Services.ReportSource = &reporting.Source{DB: db.SQL, Dialect: db.Dialect}
	for _, opt := range opts {
		opt(&o)
	}
	e.Handler = httpapi.New(o)
	return e
}

var devKeys = struct {
	sync.Once
	key *ecdsa.PrivateKey
}{}

// DevKey is one development signing key for the whole test binary.
func DevKey(t testing.TB) *ecdsa.PrivateKey {
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

// SyncBuffer is a bytes.Buffer safe for the logger and the test to share.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// GQLError is one entry of a Response's errors.
type GQLError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code  string `json:"code"`
		Field string `json:"field"`
		// State is the object's state on INVALID_STATE.
		State string `json:"state"`
		// SubscriptionIDs name what blocks a termination.
		SubscriptionIDs []string `json:"subscriptionIds"`
		// EarliestEffectiveOn is on NOTICE_PERIOD_TOO_SHORT.
		EarliestEffectiveOn string `json:"earliestEffectiveOn"`
		// EarliestEffectiveFrom is on a price change's NOTICE_PERIOD_TOO_SHORT.
		EarliestEffectiveFrom string `json:"earliestEffectiveFrom"`
		// AttemptsLeft is on WRONG_CODE.
		AttemptsLeft int `json:"attemptsLeft"`
	} `json:"extensions"`
}

// Response is what the handler answered, decoded when it is JSON.
type Response struct {
	Status int         `json:"-"`
	Header http.Header `json:"-"`
	Body   string      `json:"-"`
	// Statements are the SQL statements the request executed.
	Statements []string `json:"-"`

	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
}

// Serve runs one request through the handler.
func (e *Env) Serve(req *http.Request) *Response {
	e.T.Helper()
	e.rec.reset()
	if req.Header.Get("Authorization") == "" && e.Authorization != "" {
		req.Header.Set("Authorization", e.Authorization)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	r := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String(), Statements: e.rec.reset()}
	if strings.Contains(r.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(rec.Body.Bytes(), r); err != nil {
			e.T.Fatalf("Response is not JSON: %v\n%s", err, r.Body)
		}
	}
	return r
}

// PostBody POSTs a raw body to /query with the given headers, in pairs.
func (e *Env) PostBody(body io.Reader, header ...string) *Response {
	e.T.Helper()
	req := httptest.NewRequest(http.MethodPost, "/query", body)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.Serve(req)
}

// Post sends a GraphQL operation as a JSON POST to /query.
func (e *Env) Post(query string, vars map[string]any, header ...string) *Response {
	e.T.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.T.Fatal(err)
	}
	return e.PostBody(bytes.NewReader(body), header...)
}

// Get sends a GET to target with the given headers, in pairs.
func (e *Env) Get(target string, header ...string) *Response {
	e.T.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.Serve(req)
}

// GetQuery sends a GraphQL operation as GET /query?query=…
func (e *Env) GetQuery(query string, header ...string) *Response {
	e.T.Helper()
	return e.Get("/query?"+url.Values{"query": {query}}.Encode(), header...)
}

// Query POSTs an operation that must succeed and decodes its data into out.
func (e *Env) Query(query string, vars map[string]any, out any) *Response {
	e.T.Helper()
	r := e.Post(query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		e.T.Fatalf("query failed: status %d, errors %+v\nquery: %s\nvariables: %v", r.Status, r.Errors, query, vars)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		e.T.Fatalf("decoding data: %v\n%s", err, r.Data)
	}
	return r
}

// Decode decodes a successful response's data into out.
func (r *Response) Decode(out any) error {
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		return fmt.Errorf("request failed: status %d: %s", r.Status, r.Body)
	}
	return json.Unmarshal(r.Data, out)
}

// WantError asserts that the Response carries an error with the code (and
// the field, if not empty) and returns it.
func (r *Response) WantError(t *testing.T, code, field string) GQLError {
	t.Helper()
	for _, e := range r.Errors {
		if e.Extensions.Code == code && (field == "" || e.Extensions.Field == field) {
			return e
		}
	}
	t.Fatalf("no error with code %s and field %q; status %d, body:\n%.600s", code, field, r.Status, r.Body)
	return GQLError{}
}

// WantRefused401 asserts that bad credentials were refused before GraphQL
// ran: HTTP 401, UNAUTHENTICATED, no data, and a WWW-Authenticate header.
func (r *Response) WantRefused401(t *testing.T) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401; body %.300s", r.Status, r.Body)
	}
	r.WantError(t, "UNAUTHENTICATED", "")
	r.WantNoData(t)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("a 401 without WWW-Authenticate")
	}
}

// WantNoData asserts that the Response has no data at all.
func (r *Response) WantNoData(t *testing.T) {
	t.Helper()
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		t.Errorf("data = %s, want none", d)
	}
}

// WantNoStatements asserts that the request never reached the database.
func (r *Response) WantNoStatements(t *testing.T) {
	t.Helper()
	if len(r.Statements) != 0 {
		t.Errorf("%d SQL statements executed, want 0:\n%s", len(r.Statements), strings.Join(r.Statements, "\n"))
	}
}

// PageInfo is a Relay connection's page info.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

// Conn is a Relay connection of nodes of type N.
type Conn[N any] struct {
	TotalCount int      `json:"totalCount"`
	PageInfo   PageInfo `json:"PageInfo"`
	Edges      []struct {
		Cursor string `json:"cursor"`
		Node   N      `json:"node"`
	} `json:"edges"`
}

// Labelled is a node selected as { id label: <some field> }.
type Labelled struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Labels returns the labels of a connection's nodes in order.
func Labels(c Conn[Labelled]) []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.Label
	}
	return out
}

// HasError reports whether the response has an error with the code at the
// path (JSON numbers decode as float64).
func HasError(r *Response, code string, path ...any) bool {
	for _, e := range r.Errors {
		if e.Extensions.Code == code && slices.Equal(e.Path, path) {
			return true
		}
	}
	return false
}

// StaffSubject is the subject of the staff token New sends by default.
const StaffSubject = "staff.tester"

// BankID returns the Authorization header of p signed in with BankID.
func (e *Env) BankID(p *ent.Person) string {
	e.T.Helper()
	return e.Token(auth.DevToken{Subject: *p.PersonalNumber, Method: auth.MethodBankID})
}

// SystemCtx reads the database as the service itself, past the privacy
// rules, to check what a request left behind.
func SystemCtx() context.Context { return access.SystemContext(context.Background()) }

// GiveRole gives p the role kind in c, as fixture data.
func (e *Env) GiveRole(c *ent.Customer, p *ent.Person, kind types.RoleKind) *ent.Role {
	e.T.Helper()
	return e.Fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(c).SetPerson(p).SetRole(kind) })
}

// Holder creates a person holding kind in c.
func (e *Env) Holder(c *ent.Customer, kind types.RoleKind) (*ent.Person, *ent.Role) {
	e.T.Helper()
	p := e.Fx.Person()
	return p, e.GiveRole(c, p, kind)
}

// Concurrently sends each request at the same moment and returns the
// answers in order.
func Concurrently(e *Env, n int, send func(i int, e *Env) *Response) []*Response {
	out := make([]*Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = send(i, e)
		}()
	}
	wg.Wait()
	return out
}

// Codes counts the answers by their first error code ("" for success).
func Codes(rs []*Response) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		code := ""
		if len(r.Errors) > 0 {
			code = r.Errors[0].Extensions.Code
		}
		out[code]++
	}
	return out
}

// ServeQuery posts a GraphQL request body to h with the Authorization
// header given and fails tb unless it answers 200 without errors: the
// inner loop of the benchmarks that drive the handler directly.
func ServeQuery(tb testing.TB, h http.Handler, body, authorization string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
		tb.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
}

// WantRateLimited asserts a rate limit's refusal: 429 with Retry-After in
// whole seconds, RATE_LIMITED and no data.
func (r *Response) WantRateLimited(t *testing.T, retryAfter string) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, body %.400s; want 429", r.Status, r.Body)
	}
	if got := r.Header.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After = %q, want %q", got, retryAfter)
	}
	r.WantError(t, "RATE_LIMITED", "")
	r.WantNoData(t)
}
