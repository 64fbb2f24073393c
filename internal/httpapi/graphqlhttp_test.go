package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// TestGraphQLOverHTTP: each rule of the GraphQL-over-HTTP specification
// the server applies (docs/http.md), one subtest per rule.
func TestGraphQLOverHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newHTTPEnv(t, db)
		const unknownField = `{ custmers(first: 1) { totalCount } }`
		for _, c := range []struct {
			name string
			run  func(t *testing.T, e *apitest.Env)
		}{
			{"no Accept: application/json", func(t *testing.T, e *apitest.Env) {
				r := e.Serve(jsonPost(customersQuery, ""))
				wantCustomers(t, r)
				wantContentType(t, r, "application/json")
			}},
			{"Accept */*: application/json", func(t *testing.T, e *apitest.Env) {
				r := e.Post(customersQuery, nil, "Accept", "*/*")
				wantCustomers(t, r)
				wantContentType(t, r, "application/json")
			}},
			{"Accept by q-value: the higher wins", func(t *testing.T, e *apitest.Env) {
				r := e.Post(customersQuery, nil, "Accept", "application/json;q=0.5, application/graphql-response+json;q=0.9")
				wantCustomers(t, r)
				wantContentType(t, r, graphQLResponse)
				r = e.Post(customersQuery, nil, "Accept", "application/graphql-response+json;q=0.2, application/json")
				wantContentType(t, r, "application/json")
			}},
			{"Accept with neither media type: 406", func(t *testing.T, e *apitest.Env) {
				r := e.Post(customersQuery, nil, "Accept", "text/html, application/xml;q=0.9")
				if r.Status != http.StatusNotAcceptable {
					t.Errorf("status %d, want 406", r.Status)
				}
				r = e.Post(customersQuery, nil, "Accept", "application/json;q=0")
				if r.Status != http.StatusNotAcceptable {
					t.Errorf("q=0 accepted: status %d", r.Status)
				}
			}},
			{"parse error under application/json: 200, no data", func(t *testing.T, e *apitest.Env) {
				r := e.Post(`{ customers(first: 1) {`, nil, "Accept", "application/json")
				wantRequestError(t, r, http.StatusOK, "GRAPHQL_PARSE_FAILED", "application/json")
			}},
			{"validation error under application/json: 200, no data", func(t *testing.T, e *apitest.Env) {
				r := e.Post(unknownField, nil)
				wantRequestError(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "application/json")
			}},
			{"variable of the wrong type under application/json: 200, no data", func(t *testing.T, e *apitest.Env) {
				r := e.Post(`query($n: Int!) { customers(first: $n) { totalCount } }`, map[string]any{"n": "five"})
				wantRequestError(t, r, http.StatusOK, "GRAPHQL_VALIDATION_FAILED", "application/json")
			}},
			{"parse error under graphql-response+json: 400, no data", func(t *testing.T, e *apitest.Env) {
				r := e.Post(`{ customers(first: 1) {`, nil, "Accept", graphQLResponse)
				wantRequestError(t, r, http.StatusBadRequest, "GRAPHQL_PARSE_FAILED", graphQLResponse)
			}},
			{"validation error under graphql-response+json: 400, no data", func(t *testing.T, e *apitest.Env) {
				r := e.GetQuery(unknownField, "Accept", graphQLResponse)
				wantRequestError(t, r, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", graphQLResponse)
			}},
			{"a field error keeps 200 and data under graphql-response+json", func(t *testing.T, e *apitest.Env) {
				r := e.As("").Post(`{ viewer { kind } node(id: "nonsense") { id } }`, nil, "Accept", graphQLResponse)
				if r.Status != http.StatusOK || len(r.Errors) == 0 || !strings.Contains(string(r.Data), `"kind"`) {
					t.Errorf("status %d, body %s; want 200 with data and an error", r.Status, r.Body)
				}
			}},
			{"GET for queries only: a mutation is 405 with Allow: POST", func(t *testing.T, e *apitest.Env) {
				r := e.GetQuery(`mutation { revokePartnerAPIKey(id: "x") { id } }`)
				if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
					t.Errorf("status %d, Allow %q", r.Status, r.Header.Get("Allow"))
				}
			}},
			{"other methods: 405 with Allow: GET, POST", func(t *testing.T, e *apitest.Env) {
				for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
					r := e.Serve(httptest.NewRequest(m, "/query", strings.NewReader(`{"query":"{ viewer { kind } }"}`)))
					if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, POST" {
						t.Errorf("%s: status %d, Allow %q", m, r.Status, r.Header.Get("Allow"))
					}
				}
			}},
			{"POST that is not application/json: 415", func(t *testing.T, e *apitest.Env) {
				r := e.PostBody(strings.NewReader(`query=%7B%20viewer%20%7B%20kind%20%7D%20%7D`), "Content-Type", "application/x-www-form-urlencoded")
				if r.Status != http.StatusUnsupportedMediaType {
					t.Errorf("status %d, want 415", r.Status)
				}
			}},
			{"no field suggestions outside development", func(t *testing.T, e *apitest.Env) {
				r := e.Post(unknownField, nil)
				if strings.Contains(r.Body, "Did you mean") || strings.Contains(r.Body, `"customers"`) {
					t.Errorf("the error suggests the schema's names: %s", r.Body)
				}
			}},
		} {
			t.Run(c.name, func(t *testing.T) { c.run(t, e.In(t)) })
		}
		t.Run("field suggestions in development", func(t *testing.T) {
			dev := apitest.New(t, db, func(o *httpapi.Options) { o.FieldSuggestions = true })
			r := dev.Post(unknownField, nil)
			if !strings.Contains(r.Body, "Did you mean") {
				t.Errorf("no suggestion in development: %s", r.Body)
			}
		})
	})
}

// jsonPost is a POST of a query with a JSON body and the given Accept
// header, none if empty.
func jsonPost(query, accept string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":`+quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// wantRequestError asserts a request error: the status, the code, the
// media type and no data entry.
func wantRequestError(t *testing.T, r *apitest.Response, status int, code, media string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	r.WantError(t, code, "")
	r.WantNoData(t)
	wantContentType(t, r, media)
}

// TestAutomaticPersistedQueries: a hash the server does not know is
// PERSISTED_QUERY_NOT_FOUND; after the query was sent with its hash once,
// the hash alone runs it, by POST and by GET.
func TestAutomaticPersistedQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newHTTPEnv(t, db)
		sum := sha256.Sum256([]byte(customersQuery))
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
		post := func(body string) *apitest.Response {
			return e.PostBody(strings.NewReader(body), "Content-Type", "application/json")
		}
		post(`{"extensions":`+ext+`}`).WantError(t, "PERSISTED_QUERY_NOT_FOUND", "")
		wantCustomers(t, post(`{"query":`+quote(customersQuery)+`,"extensions":`+ext+`}`))
		wantCustomers(t, post(`{"extensions":`+ext+`}`))
		wantCustomers(t, e.Get("/query?"+url.Values{"extensions": {ext}}.Encode()))
		post(`{"query":"{ viewer { kind } }","extensions":`+ext+`}`).WantError(t, "BAD_REQUEST", "")
	})
}

// TestTrustedDocuments: with an allow-list only its operations run, by
// hash or as text; any other text is OPERATION_NOT_TRUSTED and cannot be
// registered by hash.
func TestTrustedDocuments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		sum := sha256.Sum256([]byte(customersQuery))
		hash := hex.EncodeToString(sum[:])
		e := apitest.New(t, db, func(o *httpapi.Options) { o.TrustedDocuments = map[string]string{hash: customersQuery} })
		e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetName("Alfa kommun") })
		post := func(body string, header ...string) *apitest.Response {
			return e.PostBody(strings.NewReader(body), append([]string{"Content-Type", "application/json"}, header...)...)
		}
		ext := func(h string) string { return `{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}` }
		wantCustomers(t, post(`{"extensions":`+ext(hash)+`}`))
		wantCustomers(t, e.Post(customersQuery, nil))

		other := `{ viewer { kind } }`
		otherSum := sha256.Sum256([]byte(other))
		otherHash := hex.EncodeToString(otherSum[:])
		wantRequestError(t, e.Post(other, nil), http.StatusOK, "OPERATION_NOT_TRUSTED", "application/json")
		wantRequestError(t, e.Post(other, nil, "Accept", graphQLResponse), http.StatusBadRequest, "OPERATION_NOT_TRUSTED", graphQLResponse)
		post(`{"query":`+quote(other)+`,"extensions":`+ext(otherHash)+`}`).WantError(t, "OPERATION_NOT_TRUSTED", "")
		post(`{"extensions":`+ext(otherHash)+`}`).WantError(t, "PERSISTED_QUERY_NOT_FOUND", "")
	})
}

func TestLoadTrustedDocuments(t *testing.T) {
	dir := t.TempDir()
	good := dir + "/good.json"
	sum := sha256.Sum256([]byte(customersQuery))
	os.WriteFile(good, []byte(`{"`+hex.EncodeToString(sum[:])+`": `+quote(customersQuery)+`}`), 0o600)
	if docs, err := httpapi.LoadTrustedDocuments(good); err != nil || len(docs) != 1 {
		t.Errorf("good file: %v, %v", docs, err)
	}
	bad := dir + "/bad.json"
	os.WriteFile(bad, []byte(`{"`+strings.Repeat("0", 64)+`": "{ viewer { kind } }"}`), 0o600)
	if _, err := httpapi.LoadTrustedDocuments(bad); err == nil {
		t.Error("a hash that is not the document's was accepted")
	}
	if _, err := httpapi.LoadTrustedDocuments(dir + "/missing.json"); err == nil {
		t.Error("a missing file was accepted")
	}
}
