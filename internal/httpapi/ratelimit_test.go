package httpapi_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

func newFakeClock() *apitest.Clock {
	return apitest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
}

// limitedEnv is an Env whose handler has the rate limits l on the clock.
func limitedEnv(t *testing.T, db *database.DB, clock *apitest.Clock, l httpapi.RateLimits) *apitest.Env {
	t.Helper()
	l.Now = clock.Now
	return apitest.New(t, db, func(o *httpapi.Options) { o.RateLimits = l })
}

// from POSTs a cheap query to /query from the client address addr, as the
// Env's caller.
func from(e *apitest.Env, addr string, header ...string) *apitest.Response {
	e.T.Helper()
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	req.RemoteAddr = net.JoinHostPort(addr, "40000")
	return e.Serve(req)
}

func wantServed(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("status %d, body %.300s; want it served", r.Status, r.Body)
	}
}

// TestRateLimitByAddress: requests that do not authenticate are counted
// per client address and refused before authentication once its bucket
// is empty, whatever they carry; other addresses (an IPv6 address by its
// /64) keep their own buckets; signed-in callers do not drain theirs.
func TestRateLimitByAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		clock := newFakeClock()
		e := limitedEnv(t, db, clock, httpapi.RateLimits{Address: httpapi.Rate{Count: 2, Per: time.Minute, Burst: 2}})
		p := e.Fx.Person()
		anon, person := e.As(""), e.As(e.BankID(p))

		t.Run("anonymous", func(t *testing.T) {
			wantServed(t, from(anon.In(t), "192.0.2.1"))
			wantServed(t, from(anon.In(t), "192.0.2.1"))
			r := from(anon.In(t), "192.0.2.1")
			r.WantRateLimited(t, "30")
			r.WantNoStatements(t)
			wantServed(t, from(anon.In(t), "192.0.2.2"))
			// Refused before authentication: a good token gets no further.
			r = from(person.In(t), "192.0.2.1")
			r.WantRateLimited(t, "30")
			r.WantNoStatements(t)
			clock.Add(29 * time.Second)
			from(anon.In(t), "192.0.2.1").WantRateLimited(t, "1")
			clock.Add(time.Second)
			wantServed(t, from(anon.In(t), "192.0.2.1"))
		})
		t.Run("bad credentials", func(t *testing.T) {
			bad := e.As("Bearer not-a-token").In(t)
			from(bad, "192.0.2.3").WantRefused401(t)
			from(bad, "192.0.2.3").WantRefused401(t)
			from(bad, "192.0.2.3").WantRateLimited(t, "30")
			from(person.In(t), "192.0.2.3").WantRateLimited(t, "30")
		})
		t.Run("IPv6 by /64", func(t *testing.T) {
			wantServed(t, from(anon.In(t), "2001:db8::1"))
			wantServed(t, from(anon.In(t), "2001:db8::2"))
			from(anon.In(t), "2001:db8::ffff:3").WantRateLimited(t, "30")
			wantServed(t, from(anon.In(t), "2001:db8:0:1::1"))
		})
		t.Run("signed-in callers are not charged", func(t *testing.T) {
			for range 5 {
				wantServed(t, from(person.In(t), "192.0.2.4"))
			}
			wantServed(t, from(anon.In(t), "192.0.2.4"))
			wantServed(t, from(anon.In(t), "192.0.2.4"))
			from(anon.In(t), "192.0.2.4").WantRateLimited(t, "30")
		})
	})
}

// TestRateLimitByPartnerKey: each key has its own bucket; exhausting one
// leaves other keys, and people, served from the same address, whose
// bucket partner keys do not drain. Retry-After rounds up to whole
// seconds.
func TestRateLimitByPartnerKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		clock := newFakeClock()
		e := limitedEnv(t, db, clock, httpapi.RateLimits{
			Address:    httpapi.Rate{Count: 1, Per: time.Hour, Burst: 1},
			PartnerKey: httpapi.Rate{Count: 3, Per: 10 * time.Second, Burst: 3},
		})
		a, b := e.As("ApiKey "+fixture.PartnerKeySecret(e.Fx.PartnerAPIKey())), e.As("ApiKey "+fixture.PartnerKeySecret(e.Fx.PartnerAPIKey()))
		for range 3 {
			wantServed(t, from(a, "198.51.100.7"))
		}
		from(a, "198.51.100.7").WantRateLimited(t, "4") // a token every 3⅓ s
		wantServed(t, from(b, "198.51.100.7"))
		wantServed(t, from(e.As(e.BankID(e.Fx.Person())), "198.51.100.7"))
		clock.Add(3 * time.Second)
		from(a, "198.51.100.7").WantRateLimited(t, "1")
		clock.Add(time.Second)
		wantServed(t, from(a, "198.51.100.7"))
		from(a, "198.51.100.7").WantRateLimited(t, "3")
	})
}

// TestRateLimitByPerson: each person has a bucket of their own, by
// person; staff are counted like people, by their token's subject, apart
// from people; partner keys are not counted against it.
func TestRateLimitByPerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		clock := newFakeClock()
		e := limitedEnv(t, db, clock, httpapi.RateLimits{Person: httpapi.Rate{Count: 2, Per: time.Minute, Burst: 2}})
		p := e.Fx.Person()
		// Two tokens of one person share the bucket.
		first, second := e.As(e.BankID(p)), e.As(e.Token(auth.DevToken{Subject: *p.PersonalNumber, Method: auth.MethodBankID, TTL: 2 * time.Hour}))
		wantServed(t, from(first, "192.0.2.1"))
		wantServed(t, from(second, "192.0.2.2"))
		from(first, "192.0.2.3").WantRateLimited(t, "30")
		wantServed(t, from(e.As(e.BankID(e.Fx.Person())), "192.0.2.1"))
		staff := e.As(e.Token(auth.DevToken{Subject: "staff.other", Staff: true}))
		wantServed(t, from(staff, "192.0.2.1"))
		wantServed(t, from(staff, "192.0.2.1"))
		from(staff, "192.0.2.1").WantRateLimited(t, "30")
		wantServed(t, from(e, "192.0.2.1")) // apitest's own staff member
		key := e.As("ApiKey " + fixture.PartnerKeySecret(e.Fx.PartnerAPIKey()))
		for range 3 {
			wantServed(t, from(key, "192.0.2.1"))
		}
		clock.Add(30 * time.Second)
		wantServed(t, from(first, "192.0.2.1"))
	})
}

// TestRateLimitsLeaveProbesAndGraphiQLAlone: with the address's bucket
// empty, /query and /reports/ are refused and the health checks and
// GraphiQL are still served.
func TestRateLimitsLeaveProbesAndGraphiQLAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := limitedEnv(t, db, newFakeClock(), httpapi.RateLimits{Address: httpapi.Rate{Count: 1, Per: time.Hour, Burst: 1}})
		anon := e.As("")
		const addr = "192.0.2.1" // httptest's
		from(anon, addr)
		from(anon, addr).WantRateLimited(t, "3600")
		e.Get("/reports/customers.csv").WantRateLimited(t, "3600")
		for _, path := range []string{"/healthz", "/readyz", "/"} {
			for range 3 {
				if r := anon.Get(path); r.Status != http.StatusOK {
					t.Fatalf("GET %s: status %d", path, r.Status)
				}
			}
		}
	})
}

// TestRateLimitsOffWhenZero: a handler built without RateLimits, as the
// tests and cmd/loadbench build it, limits nothing: more requests than the
// production defaults allow at once are all served.
func TestRateLimitsOffWhenZero(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		anon, person := e.As(""), e.As(e.BankID(e.Fx.Person()))
		for range httpapi.DefaultRateLimits.Address.Burst + 1 {
			wantServed(t, from(anon, "192.0.2.1"))
		}
		for range httpapi.DefaultRateLimits.Person.Burst + 1 {
			wantServed(t, from(person, "192.0.2.1"))
		}
		bad := e.As("Bearer not-a-token")
		for range httpapi.DefaultRateLimits.Address.Burst + 1 {
			from(bad, "192.0.2.2").WantRefused401(t)
		}
	})
}
