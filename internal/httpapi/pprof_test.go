package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// Profiles are served by their own handler, and the API's handler does
// not serve them.
func TestProfilesOnlyOnTheirOwnHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	httpapi.Profiling().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/heap?debug=1", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "heap profile") {
		t.Fatalf("heap profile: %d %.200s", rec.Code, rec.Body.String())
	}
	db := testdb.SQLite(t)
	api := httpapi.New(httpapi.Options{Client: db.Client, DB: db.SQL})
	rec = httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/heap?debug=1", nil))
	if strings.Contains(rec.Body.String(), "heap profile") {
		t.Fatal("the API's port serves profiles")
	}
}
