package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"kundportal/internal/admission"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/telemetry"
	"kundportal/internal/testdb"
)

// TestRequestsOverTheAdmissionLimitWaitOrAreRefused: while the instance
// works on as many requests as it may, the next one to /query or
// /reports/ waits and is served when a turn frees; one that finds the
// queue full, or waits too long, is answered 503 with Retry-After and
// OVERLOADED under either media type, before anything runs. Health
// checks and /metrics are never held up. Refusals are counted by outcome
// and the limiter's state is exported.
func TestRequestsOverTheAdmissionLimitWaitOrAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		lim := admission.New(admission.Limits{Concurrent: 1, Queue: 1, Wait: 100 * time.Millisecond})
		m := telemetry.NewMetrics()
		m.RegisterAdmission(lim.Concurrent(), lim.Running, lim.Waiting)
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.Admission = lim
			o.Metrics, o.ServeMetrics = m, true
		})
		staff := e.As(e.Token(auth.DevToken{Subject: "kundtjanst.ann", Staff: true}))
		wantServed(t, staff.Post(`{ __typename }`, nil))

		// Another request holds the only turn.
		_, leave, err := lim.Enter(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			r := staff.Post(`{ customers(first: 1) { totalCount } }`, nil, "Accept", accept)
			wantOverloaded(t, r)
		}
		r := staff.Get("/reports/customers.csv")
		wantOverloaded(t, r)
		if r := e.Get("/healthz"); r.Status != http.StatusOK {
			t.Fatalf("/healthz while the limit is reached: %d %s", r.Status, r.Body)
		}

		// A request that comes while a turn is taken waits for it.
		var wg sync.WaitGroup
		var waited *apitest.Response
		wg.Go(func() { waited = staff.In(t).Post(`{ __typename }`, nil) })
		deadline := time.Now().Add(5 * time.Second)
		for lim.Waiting() != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the request does not wait for its turn")
			}
			time.Sleep(time.Millisecond)
		}
		wantOverloaded(t, staff.Post(`{ __typename }`, nil)) // the queue of 1 is full
		leave()
		wg.Wait()
		wantServed(t, waited)

		metrics := e.Get("/metrics").Body
		for _, want := range []string{
			`kundportal_http_requests_total{operation="",outcome="OVERLOADED",route="/query"} 3`,
			`kundportal_admission_limit 1`,
			`kundportal_admission_running 0`,
			`kundportal_admission_waiting 0`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s; it has\n%s", want, grep(metrics, "admission")+"\n"+grep(metrics, "OVERLOADED"))
			}
		}
	})
}

func wantOverloaded(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, body %.300s; want 503", r.Status, r.Body)
	}
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	r.WantError(t, "OVERLOADED", "")
	r.WantNoData(t)
	r.WantNoStatements(t)
}
