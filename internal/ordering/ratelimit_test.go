package ordering_test

import (
	"net/http"
	"testing"
	"time"

	"kundportal/ent/order"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// wantNotRateLimited asserts that the limits let the request through,
// whatever the ordering process answered.
func wantNotRateLimited(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status == http.StatusTooManyRequests || apitest.Codes([]*apitest.Response{r})["RATE_LIMITED"] > 0 {
		t.Fatalf("rate limited: status %d, body %.400s", r.Status, r.Body)
	}
}

// TestDO4_OneTimeCodesAreRateLimitedPerPerson: code sends and code tries
// are counted per person across orders, more strictly than the general
// limit, which still serves the person; a refused operation sends no SMS
// and tries no code, so the order's count of wrong tries does not move;
// another person keeps their own buckets; Retry-After is exact.
func TestDO4_OneTimeCodesAreRateLimitedPerPerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		clock := apitest.NewClock(time.Now())
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.RateLimits = httpapi.RateLimits{
				Person:       httpapi.Rate{Count: 100, Per: time.Minute, Burst: 100},
				CodeSends:    httpapi.Rate{Count: 2, Per: 10 * time.Minute, Burst: 2},
				CodeAttempts: httpapi.Rate{Count: 3, Per: time.Minute, Burst: 3},
				Now:          clock.Now,
			}
		})
		s := shopIn(t, e, db)
		first, second := s.submitted(t, 1), s.submitted(t, 1)

		t.Run("sends", func(t *testing.T) {
			var out struct{}
			s.asAttest.In(t).Query(requestCodeMutation, map[string]any{"id": first}, &out)
			s.asAttest.In(t).Query(requestCodeMutation, map[string]any{"id": second}, &out)
			before := s.events(first)
			s.asAttest.In(t).Post(requestCodeMutation, map[string]any{"id": first}).WantRateLimited(t, "300")
			s.asAttest.In(t).Post(requestCodeMutation, map[string]any{"id": first},
				"Accept", "application/graphql-response+json").WantRateLimited(t, "300")
			if n := s.e.SMS.Requests(); n != 2 {
				t.Fatalf("the gateway got %d requests, want 2", n)
			}
			if s.events(first) != before {
				t.Fatal("a refused send wrote an audit event")
			}
		})

		t.Run("attempts", func(t *testing.T) {
			// Codes known to the test, so that 000000 is wrong.
			s.e.Fx.AttestationCode(s.get(first), s.attestant, "424242")
			s.e.Fx.AttestationCode(s.get(second), s.attestant, "424242")
			s.asAttest.In(t).Post(attestMutation, map[string]any{"id": first, "code": "000000"}).WantError(t, "WRONG_CODE", "code")
			s.asAttest.In(t).Post(attestMutation, map[string]any{"id": first, "code": "000000"}).WantError(t, "WRONG_CODE", "code")
			s.asAttest.In(t).Post(attestMutation, map[string]any{"id": second, "code": "000000"}).WantError(t, "WRONG_CODE", "code")
			// The fourth try, on another order and with the right code,
			// is refused before it runs.
			s.asAttest.In(t).Post(attestMutation, map[string]any{"id": second, "code": "424242"}).WantRateLimited(t, "20")
			if got := s.code(second).Attempts; got != 1 {
				t.Fatalf("the order's code counts %d tries, want the one wrong try", got)
			}
			if s.status(second) != order.StatusAWAITING_ATTESTATION {
				t.Fatal("a refused try attested the order")
			}
			// The general limit still serves the person.
			var out struct {
				Typename string `json:"__typename"`
			}
			s.asAttest.In(t).Query(`{ __typename }`, nil, &out)
			// Another person has buckets of their own.
			other, _ := e.Holder(s.c, types.RoleAttestant)
			wantNotRateLimited(t, e.As(e.BankID(other)).In(t).Post(attestMutation, map[string]any{"id": first, "code": "000000"}))

			clock.Add(19 * time.Second)
			s.asAttest.In(t).Post(attestMutation, map[string]any{"id": second, "code": "424242"}).WantRateLimited(t, "1")
			if got := s.code(second).Attempts; got != 1 {
				t.Fatalf("the order's code counts %d tries, want the one wrong try", got)
			}
			clock.Add(time.Second)
			s.asAttest.In(t).Query(attestMutation, map[string]any{"id": second, "code": "424242"}, &struct{}{})
			if s.status(second) != order.StatusATTESTED {
				t.Fatal("the try after Retry-After did not attest")
			}
		})
	})
}

// TestDO4_BatchedCodeAttemptsAreNotCountedTwice: an operation refused as
// BATCHED_ATTEMPTS, or by the general limit, spends nothing of the
// one-time-code limit.
func TestDO4_BatchedCodeAttemptsAreNotCountedTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		clock := apitest.NewClock(time.Now())
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.RateLimits = httpapi.RateLimits{
				Person:       httpapi.Rate{Count: 3, Per: time.Minute, Burst: 3},
				CodeAttempts: httpapi.Rate{Count: 1, Per: time.Minute, Burst: 1},
				Now:          clock.Now,
			}
		})
		s := shopIn(t, e, db)
		id := s.submitted(t, 1)
		s.e.Fx.AttestationCode(s.get(id), s.attestant, "565656")
		batched := `mutation($id: ID!) { a: attestOrder(orderId: $id, code: "000001") { id } b: attestOrder(orderId: $id, code: "000002") { id } }`
		s.asAttest.Post(batched, map[string]any{"id": id}).WantError(t, "BATCHED_ATTEMPTS", "")
		s.asAttest.Post(batched, map[string]any{"id": id}).WantError(t, "BATCHED_ATTEMPTS", "")
		s.asAttest.Post(batched, map[string]any{"id": id}).WantError(t, "BATCHED_ATTEMPTS", "")
		// The general limit (3 a minute) refuses the fourth request.
		r := s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": "565656"})
		r.WantRateLimited(t, "20")
		if s.status(id) != order.StatusAWAITING_ATTESTATION || s.code(id).Attempts != 0 {
			t.Fatalf("a refused request ran: order %s, %d tries", s.status(id), s.code(id).Attempts)
		}
		clock.Add(20 * time.Second)
		// The one try the code limit allows is still there.
		s.asAttest.Query(attestMutation, map[string]any{"id": id, "code": "565656"}, &struct{}{})
		if s.status(id) != order.StatusATTESTED {
			t.Fatal("not attested")
		}
	})
}

// TestDO4_NoCodeLimitWhenZero: without RateLimits (the tests' and
// cmd/loadbench's handler) more tries than the production default allows
// are let through to the ordering process, which locks the code.
func TestDO4_NoCodeLimitWhenZero(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		s.e.Fx.AttestationCode(s.get(id), s.attestant, "565656")
		for range httpapi.DefaultRateLimits.CodeAttempts.Burst + 1 {
			wantNotRateLimited(t, s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": "000000"}))
		}
		s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": "000000"}).WantError(t, "CODE_LOCKED", "")
	})
}
