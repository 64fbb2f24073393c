package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

const spa = "https://portal.example.se"

func preflight(origin string) *http.Request {
	req := httptest.NewRequest(http.MethodOptions, "/query", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	return req
}

// TestCORS: a listed origin gets the allow headers with credentials and a
// cached preflight; any other origin gets none; without a list there is
// no CORS at all.
func TestCORS(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.CORS = httpapi.CORS{AllowedOrigins: []string{spa}, MaxAge: 10 * time.Minute}
		})
		r := e.Serve(preflight(spa))
		h := r.Header
		if r.Status >= 300 || h.Get("Access-Control-Allow-Origin") != spa || h.Get("Access-Control-Allow-Credentials") != "true" ||
			h.Get("Access-Control-Max-Age") != "600" || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Errorf("preflight from the SPA: %d %v", r.Status, h)
		}
		if r := e.Serve(preflight("https://evil.example.com")); r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from another origin got %v", r.Header)
		}
		req := jsonPost(`{ viewer { kind } }`, "")
		req.Header.Set("Origin", spa)
		got := e.Serve(req)
		if got.Status != http.StatusOK || got.Header.Get("Access-Control-Allow-Origin") != spa || got.Header.Get("Access-Control-Allow-Credentials") != "true" ||
			!strings.Contains(got.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Errorf("POST from the SPA: %d %v", got.Status, got.Header)
		}
		req = jsonPost(`{ viewer { kind } }`, "")
		req.Header.Set("Origin", "https://evil.example.com")
		if got := e.Serve(req); got.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("POST from another origin got %v", got.Header)
		}

		off := apitest.New(t, db)
		if r := off.Serve(preflight(spa)); r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS without a list: %v", r.Header)
		}
	})
}
