package httpapi_test

import (
	"strings"
	"testing"

	"kundportal/internal/apitest"

	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

func TestInternalErrorsAreMasked(t *testing.T) {
	cases := []struct {
		name     string
		sabotage func(t *testing.T, db *database.DB)
		// hidden are words of the cause that must not reach the client.
		hidden []string
	}{
		{"table missing", func(t *testing.T, db *database.DB) {
			if _, err := db.SQL.ExecContext(t.Context(), "DROP TABLE audit_events"); err != nil {
				t.Fatal(err)
			}
		}, []string{"audit_events", "SELECT", "relation", "no such table"}},
		{"database closed", func(t *testing.T, db *database.DB) {
			if err := db.SQL.Close(); err != nil {
				t.Fatal(err)
			}
		}, []string{"sql:", "closed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *database.DB) {
				e := apitest.New(t, db)
				e.Fx.AuditEvent()
				c.sabotage(t, db)
				r := e.Post(`{ auditEvents(first: 5) { totalCount edges { node { id action } } } }`, nil)
				err := r.WantError(t, "INTERNAL", "")
				id := r.Header.Get("X-Request-Id")
				if id == "" || !strings.Contains(err.Message, id) {
					t.Errorf("message %q does not quote the request id %q", err.Message, id)
				}
				for _, h := range c.hidden {
					if strings.Contains(strings.ToLower(r.Body), strings.ToLower(h)) {
						t.Errorf("the response reveals %q: %s", h, r.Body)
					}
				}
				if logs := e.Logs.String(); !strings.Contains(logs, `"request_id":"`+id+`"`) || !strings.Contains(logs, "internal error") {
					t.Errorf("the internal error is not logged with its request id %s:\n%s", id, logs)
				}
			})
		})
	}
}
