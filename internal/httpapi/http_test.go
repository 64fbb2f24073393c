package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

const (
	graphQLResponse = "application/graphql-response+json"
	customersQuery  = `{ customers(first: 5) { totalCount edges { node { name } } } }`
	// secret marks request bodies that must never be echoed back.
	secret = "SECRET-4711"
)

// smallBody is the MaxBodyBytes of the HTTP tests.
const smallBody = 1024

func newHTTPEnv(t *testing.T, db *database.DB) *apitest.Env {
	t.Helper()
	e := apitest.New(t, db, func(o *httpapi.Options) { o.MaxBodyBytes = smallBody })
	e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetName("Alfa kommun") })
	return e
}

// wantCustomers asserts that r answered customersQuery with the one
// customer of newHTTPEnv.
func wantCustomers(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"Alfa kommun"`) {
		t.Errorf("status %d, body %s; want the customer Alfa kommun", r.Status, r.Body)
	}
}

func TestHTTPTransport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newHTTPEnv(t, db)
		for _, c := range []struct {
			name string
			run  func(t *testing.T, e *apitest.Env)
		}{
			{"POST", func(t *testing.T, e *apitest.Env) { wantCustomers(t, e.Post(customersQuery, nil)) }},
			{"GET", func(t *testing.T, e *apitest.Env) { wantCustomers(t, e.GetQuery(customersQuery)) }},
			{"GET with variables", func(t *testing.T, e *apitest.Env) {
				q := url.Values{
					"query":     {`query($n: Int!, $name: String!) { customers(first: $n, where: {name: $name}) { totalCount edges { node { name } } } }`},
					"variables": {`{"n": 2, "name": "Alfa kommun"}`},
				}
				wantCustomers(t, e.Get("/query?"+q.Encode()))
			}},
			{"POST body just under the limit", func(t *testing.T, e *apitest.Env) {
				query := customersQuery + " #" + strings.Repeat("x", smallBody-len(customersQuery)-40)
				wantCustomers(t, e.Post(query, nil))
			}},
			{"Accept graphql-response+json on POST", func(t *testing.T, e *apitest.Env) {
				r := e.Post(customersQuery, nil, "Accept", graphQLResponse)
				wantCustomers(t, r)
				wantContentType(t, r, graphQLResponse)
			}},
			{"Accept graphql-response+json on GET", func(t *testing.T, e *apitest.Env) {
				r := e.GetQuery(customersQuery, "Accept", graphQLResponse)
				wantCustomers(t, r)
				wantContentType(t, r, graphQLResponse)
			}},
			{"Accept application/json", func(t *testing.T, e *apitest.Env) {
				r := e.Post(customersQuery, nil, "Accept", "application/json")
				wantCustomers(t, r)
				wantContentType(t, r, "application/json")
			}},
			{"syntax error, graphql-response+json", func(t *testing.T, e *apitest.Env) {
				r := e.Post(`{ customers(first: 1) {`, nil, "Accept", graphQLResponse)
				r.WantError(t, "GRAPHQL_PARSE_FAILED", "")
				wantContentType(t, r, graphQLResponse)
				if r.Status < 400 || r.Status > 499 {
					t.Errorf("status = %d, want 4xx", r.Status)
				}
				r.WantNoData(t)
			}},
			{"syntax error, application/json", func(t *testing.T, e *apitest.Env) {
				r := e.Post(`{ customers(first: 1) {`, nil)
				r.WantError(t, "GRAPHQL_PARSE_FAILED", "")
				r.WantNoData(t)
			}},
			{"health", func(t *testing.T, e *apitest.Env) { wantStatus(t, e.Get("/healthz"), http.StatusOK, `"ok"`) }},
			{"readiness", func(t *testing.T, e *apitest.Env) { wantStatus(t, e.Get("/readyz"), http.StatusOK, `"ready"`) }},
			{"GraphiQL", func(t *testing.T, e *apitest.Env) {
				r := e.Get("/", "Accept", "text/html")
				wantStatus(t, r, http.StatusOK, "<html")
				wantContentType(t, r, "text/html")
				if !strings.Contains(strings.ToLower(r.Body), "graphiql") || !strings.Contains(r.Body, "/query") {
					t.Errorf("GET / does not serve GraphiQL for /query:\n%.300s", r.Body)
				}
			}},
		} {
			t.Run(c.name, func(t *testing.T) { c.run(t, e.In(t)) })
		}
	})
}

func wantContentType(t *testing.T, r *apitest.Response, want string) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
		t.Errorf("Content-Type = %q, want %s", ct, want)
	}
}

func wantStatus(t *testing.T, r *apitest.Response, status int, bodyHas string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Body, bodyHas) {
		t.Errorf("status %d, body %.200s; want %d with %s", r.Status, r.Body, status, bodyHas)
	}
}

func TestBadRequestBodies(t *testing.T) {
	post := func(contentType, body string) func(*apitest.Env) *apitest.Response {
		return func(e *apitest.Env) *apitest.Response {
			return e.PostBody(strings.NewReader(body), "Content-Type", contentType)
		}
	}
	huge := `{"query": "{ customers(first: 1) { totalCount } } #` + strings.Repeat(secret, 200) + `"}`
	cases := []struct {
		name   string
		send   func(*apitest.Env) *apitest.Response
		status int
		code   string
	}{
		{"larger than MaxBodyBytes", post("application/json", huge), http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
		{"truncated JSON", post("application/json", `{"query": "{ customers(first: 1) { totalCount } } `+secret), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON with charset", post("application/json; charset=utf-8", `{"query": `+secret), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON, not an object", post("application/json", `["`+secret+`"]`), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON, query not a string", post("application/json", `{"query": 4711, "operationName": "`+secret+`"}`), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON, a member named twice", post("application/json", `{"query": "{ __typename }", "query": "`+secret+`"}`), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON, invalid UTF-8", post("application/json", "{\"query\": \"\xff"+secret+"\"}"), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON null", post("application/json", `null`), http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON, variables not an object", post("application/json", `{"query": "{ __typename }", "variables": ["`+secret+`"]}`), http.StatusBadRequest, "BAD_REQUEST"},
		{"malformed JSON, upper-case media type", post("Application/JSON", `{"query": `+secret), http.StatusBadRequest, "BAD_REQUEST"},
		{"unsupported media type", post("text/plain", `{"query": "`+secret+`"}`), http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{"GET, malformed variables", func(e *apitest.Env) *apitest.Response {
			return e.Get("/query?" + url.Values{"query": {customersQuery}, "variables": {`{"n": ` + secret}}.Encode())
		}, http.StatusBadRequest, "BAD_REQUEST"},
		{"GET, a mutation", func(e *apitest.Env) *apitest.Response {
			return e.GetQuery(`mutation { revokeRole(id: "RO01` + secret + `") { id } }`)
		}, http.StatusMethodNotAllowed, "BAD_REQUEST"},
	}
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newHTTPEnv(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := c.send(e.In(t))
				if r.Status != c.status {
					t.Errorf("status = %d, want %d", r.Status, c.status)
				}
				err := r.WantError(t, c.code, "")
				if len(err.Message) < 10 {
					t.Errorf("message %q does not say what is wrong", err.Message)
				}
				if strings.Contains(r.Body, secret) {
					t.Errorf("the response echoes the request body: %.300s", r.Body)
				}
				wantContentType(t, r, "application/json")
				r.WantNoData(t)
				r.WantNoStatements(t)
			})
		}
	})
}

func TestBadScalarArgumentNamesTheField(t *testing.T) {
	cases := []struct {
		name, query string
		vars        map[string]any
		field, says string
	}{
		{"Date literal", `{ documentVersions(first: 5, where: {effectiveOnGTE: "2024-02-30"}) { totalCount } }`, nil,
			"effectiveOnGTE", "2024-02-30"},
		{"Date variable", `query($d: Date) { documentVersions(first: 5, where: {publishedOnLT: $d}) { totalCount } }`,
			map[string]any{"d": "23/1 2024"}, "publishedOnLT", "23/1 2024"},
		{"Date of the wrong type", `query($d: Date) { documentVersions(first: 5, where: {effectiveOn: $d}) { totalCount } }`,
			map[string]any{"d": 20240123}, "effectiveOn", "YYYY-MM-DD"},
		{"Money literal", `{ orders(first: 5, where: {startupFeeGT: "12,50 kr"}) { totalCount } }`, nil,
			"startupFeeGT", "12,50 kr"},
		{"Money variable", `query($m: Money) { orders(first: 5, where: {recurringAmountLTE: $m}) { totalCount } }`,
			map[string]any{"m": "85.123"}, "recurringAmountLTE", "85.123"},
	}
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.In(t).Post(c.query, c.vars)
				err := r.WantError(t, "VALIDATION_ERROR", c.field)
				if !strings.Contains(err.Message, c.says) {
					t.Errorf("message %q does not mention %q", err.Message, c.says)
				}
				r.WantNoStatements(t)
			})
		}
	})
}

func TestReadinessFollowsTheDatabase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		wantStatus(t, e.Get("/readyz"), http.StatusOK, `"ready"`)
		if err := db.SQL.Close(); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.Get("/readyz"), http.StatusServiceUnavailable, `"unavailable"`)
		wantStatus(t, e.Get("/healthz"), http.StatusOK, `"ok"`)
	})
}
