package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/demo"
	"kundportal/internal/entitlement"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// faultProxy forwards TCP connections to PostgreSQL until it is cut: then
// every open connection is closed and new ones are closed on arrival, as
// when the database or the network in between goes away, until Restore.
type faultProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
	// loseCommit, when set, lets the next COMMIT through to PostgreSQL,
	// swallows its answer and closes that connection.
	loseCommit atomic.Bool
}

// commitMessage is lib/pq's simple-query message for COMMIT in the
// PostgreSQL wire protocol: 'Q', the length 11, the text with its NUL.
var commitMessage = []byte("Q\x00\x00\x00\x0bCOMMIT\x00")

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { l.Close(); p.Cut() })
	go p.accept()
	return p
}

func (p *faultProxy) Addr() string { return p.l.Addr().String() }

func (p *faultProxy) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *faultProxy) forward(client net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if p.down { // cut while dialing
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	var swallow atomic.Bool
	go func() { // to PostgreSQL
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				lost := bytes.Contains(buf[:n], commitMessage) && p.loseCommit.CompareAndSwap(true, false)
				swallow.Store(swallow.Load() || lost)
				if _, err := server.Write(buf[:n]); err != nil {
					return
				}
				if lost {
					time.Sleep(200 * time.Millisecond) // PostgreSQL commits; its answer is swallowed
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { // from PostgreSQL
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && !swallow.Load() {
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	<-done
	client.Close()
	server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// Cut closes every connection and refuses new ones.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore forwards new connections again.
func (p *faultProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// outcome is one request of the load and what it got.
type outcome struct {
	kind         string
	marker       string
	start, end   time.Time
	status       int
	ok           bool // 200 and no errors
	codes        []string
	outcomes     []string // extensions.outcome of the errors
	data         string
	transportErr error
}

// TestDatabaseOutageUnderLoad puts a TCP proxy between the real handler
// (its pool and the entitlement cache's listener) and PostgreSQL, drives
// queries with known answers and multi-row mutations from concurrent
// clients, cuts every connection for two seconds and restores it. While
// the database is away every answer is UNAVAILABLE and /readyz answers
// 503; the access check, which the entitlement cache answered before the
// cut, answers from memory at most within the cache's freshness bound (in
// practice not at all: the listener's lost connection marks it stale at
// once); no successful answer ever carries wrong data; the server
// answers correctly again within five seconds of the restore; and every
// invitation is in the database whole or not at all.
func TestDatabaseOutageUnderLoad(t *testing.T) {
	direct, proxy, srv, env, cache := behindFaultProxy(t)
	ctx := t.Context()
	var customerID string
	if err := direct.SQL.QueryRowContext(ctx, `SELECT id FROM customers WHERE org_number = '232100-0016'`).Scan(&customerID); err != nil {
		t.Fatalf("Region Stockholm: %v", err)
	}
	anna := env.Token(auth.DevToken{Subject: "19760412-9846", Method: auth.MethodBankID}) // ADMINISTRATOR of Region Stockholm
	const partnerKey = "ApiKey kp_DEMOWEBCERT_demo-secret-not-for-production"
	type request struct {
		auth, query string
		vars        map[string]any
	}
	requests := map[string]func(marker string) request{
		"services": func(string) request {
			return request{"", `{ services(first: 20, orderBy: {field: NAME}) { totalCount edges { node { id code name status } } } }`, nil}
		},
		"customer": func(string) request {
			return request{anna, `query($id: ID!) { node(id: $id) { ... on Customer { id name orgNumber } } }`, map[string]any{"id": customerID}}
		},
		"access": func(string) request {
			return request{partnerKey, `query($in: AccessCheckInput!) { accessCheck(input: $in) { result reasons customer { id } } }`,
				map[string]any{"in": map[string]any{"serviceCode": "INTYGSTJANSTER", "personalNumber": "19121212-1212"}}}
		},
		// Staff are signed in without the database, and the answer's
		// fields are all kept in memory, so only the cache's freshness
		// bound stands between this check and the outage.
		"accessStaff": func(string) request {
			return request{env.Authorization, `query($in: AccessCheckInput!) { accessCheck(input: $in) { result reasons } }`,
				map[string]any{"in": map[string]any{"serviceCode": "INTYGSTJANSTER", "personalNumber": "19121212-1212"}}}
		},
		"invite": func(marker string) request {
			return request{anna, `mutation($in: InvitePersonInput!) { invitePerson(input: $in) { familyName hsaId } }`,
				map[string]any{"in": map[string]any{"customerId": customerID, "hsaId": "SE2321000016-" + marker, "givenName": "Fel",
					"familyName": marker, "email": strings.ToLower(marker) + "@exempel.se", "roles": []string{"ORDERER", "ATTESTANT"}}}}
		},
	}
	kinds := []string{"services", "customer", "access", "accessStaff", "invite"}
	client := &http.Client{Timeout: 10 * time.Second}
	do := func(kind, marker string) outcome {
		r := requests[kind](marker)
		body, _ := json.Marshal(map[string]any{"query": r.query, "variables": r.vars})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if r.auth != "" {
			req.Header.Set("Authorization", r.auth)
		}
		o := outcome{kind: kind, marker: marker, start: time.Now()}
		rsp, err := client.Do(req)
		if err != nil {
			o.end, o.transportErr = time.Now(), err
			return o
		}
		defer rsp.Body.Close()
		var got struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Extensions struct {
					Code    string `json:"code"`
					Outcome string `json:"outcome"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		raw, err := io.ReadAll(rsp.Body)
		o.end, o.status, o.transportErr = time.Now(), rsp.StatusCode, err
		if err == nil {
			o.transportErr = json.Unmarshal(raw, &got)
		}
		for _, e := range got.Errors {
			o.codes = append(o.codes, e.Extensions.Code)
			o.outcomes = append(o.outcomes, e.Extensions.Outcome)
		}
		o.data = string(got.Data)
		o.ok = o.transportErr == nil && rsp.StatusCode == http.StatusOK && len(got.Errors) == 0
		return o
	}

	// The known answers, before any fault.
	known := map[string]string{}
	for _, kind := range kinds[:4] {
		o := do(kind, "")
		if !o.ok {
			t.Fatalf("%s before the outage: %+v", kind, o)
		}
		known[kind] = o.data
	}
	if !strings.Contains(known["access"], `"ALLOWED"`) || !strings.Contains(known["accessStaff"], `"ALLOWED"`) {
		t.Fatalf("the access check before the outage: %s and for staff %s, want ALLOWED", known["access"], known["accessStaff"])
	}

	var (
		mu       sync.Mutex
		outcomes []outcome
		probes   []outcome
		stop     atomic.Bool
		seq      atomic.Int64
		workers  sync.WaitGroup
	)
	for w := range 6 {
		workers.Go(func() {
			for i := w; !stop.Load(); i++ {
				kind := kinds[i%len(kinds)]
				marker := ""
				if kind == "invite" {
					marker = fmt.Sprintf("FLT%d", seq.Add(1))
				}
				o := do(kind, marker)
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			}
		})
	}
	probe := &http.Client{Timeout: 5 * time.Second}
	workers.Go(func() {
		for !stop.Load() {
			o := outcome{kind: "readyz", start: time.Now()}
			rsp, err := probe.Get(srv.URL + "/readyz")
			o.end, o.transportErr = time.Now(), err
			if err == nil {
				o.status, o.ok = rsp.StatusCode, rsp.StatusCode == http.StatusOK
				rsp.Body.Close()
			}
			mu.Lock()
			probes = append(probes, o)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	})

	time.Sleep(1500 * time.Millisecond)
	if cache.Hits() == 0 || !cache.Usable() {
		t.Fatalf("the entitlement cache answered no check before the outage (usable %v)", cache.Usable())
	}
	proxy.Cut()
	cutAt := time.Now()
	time.Sleep(2 * time.Second)
	restoreAt := time.Now()
	proxy.Restore()

	// Keep the load going until every kind, and /readyz, has answered
	// correctly for half a second since its last failure, or too long.
	lastFailure := func() (time.Time, bool) {
		mu.Lock()
		defer mu.Unlock()
		last, since := restoreAt, map[string]bool{}
		for _, o := range append(slices.Clone(outcomes), probes...) {
			if o.start.Before(restoreAt) {
				continue
			}
			if !o.ok || (known[o.kind] != "" && o.data != known[o.kind]) {
				last = maxTime(last, o.end)
			}
		}
		for _, o := range append(slices.Clone(outcomes), probes...) {
			if o.ok && o.start.After(last) {
				since[o.kind] = true
			}
		}
		return last, len(since) == len(kinds)+1
	}
	for {
		last, all := lastFailure()
		if all && time.Since(last) > 500*time.Millisecond {
			break
		}
		if time.Since(restoreAt) > 8*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop.Store(true)
	workers.Wait()

	// The access check may answer from memory only while its listener was
	// heard from less than FreshFor ago; the last ping before the cut was
	// sent at most PingInterval before it.
	staleAfter := cutAt.Add(entitlement.FreshFor + 50*time.Millisecond)
	var during, failedDuring, fromMemory, recoveredIn = 0, 0, 0, time.Duration(0)
	counts := map[string]int{}
	for _, o := range outcomes {
		if o.ok {
			counts[o.kind+" ok"]++
			if want := known[o.kind]; want != "" && o.data != want {
				t.Errorf("%s answered wrong data at %s after the cut: %s, want %s", o.kind, o.start.Sub(cutAt), o.data, want)
			}
			if o.kind == "invite" && !strings.Contains(o.data, o.marker) {
				t.Errorf("invitation %s answered %s", o.marker, o.data)
			}
		} else {
			counts[o.kind+" failed"]++
			if o.transportErr != nil || len(o.codes) == 0 {
				t.Errorf("%s at %s after the cut: no coded error (status %d, %v, %s)", o.kind, o.start.Sub(cutAt), o.status, o.transportErr, o.data)
			}
			for _, c := range o.codes {
				if c != "UNAVAILABLE" {
					t.Errorf("%s at %s after the cut: code %s, want UNAVAILABLE (%s)", o.kind, o.start.Sub(cutAt), c, o.data)
				}
			}
		}
		if o.start.After(cutAt) && o.end.Before(restoreAt) {
			during++
			if !o.ok {
				failedDuring++
			} else if !strings.HasPrefix(o.kind, "access") || o.start.After(staleAfter) {
				t.Errorf("%s started %s after the cut answered with success while the database was away: %s", o.kind, o.start.Sub(cutAt), o.data)
			} else {
				fromMemory++
			}
		}
		if o.start.After(restoreAt) && !o.ok {
			recoveredIn = max(recoveredIn, o.end.Sub(restoreAt))
		}
	}
	var readyDown, readyWrong, readyAfter int
	for _, o := range probes {
		switch {
		case o.start.After(cutAt.Add(100*time.Millisecond)) && o.end.Before(restoreAt):
			if o.status == http.StatusServiceUnavailable {
				readyDown++
			} else {
				readyWrong++
				t.Errorf("/readyz during the outage: status %d, %v", o.status, o.transportErr)
			}
		case o.start.After(restoreAt):
			if !o.ok {
				recoveredIn = max(recoveredIn, o.end.Sub(restoreAt))
			} else {
				readyAfter++
			}
		}
	}
	t.Logf("requests: %v; %d during the outage (%d failed, %d access checks from memory within the bound); /readyz 503 ×%d during, 200 ×%d after; recovered in %s",
		counts, during, failedDuring, fromMemory, readyDown, readyAfter, recoveredIn)
	if failedDuring == 0 || readyDown == 0 || readyAfter == 0 || counts["invite ok"] == 0 || counts["invite failed"] == 0 {
		t.Fatalf("the load did not cover the outage: %v, %d failed during, /readyz %d down, %d up after", counts, failedDuring, readyDown, readyAfter)
	}
	if recoveredIn >= 5*time.Second {
		t.Errorf("the server answered correctly again %s after the database was back, want under 5 s", recoveredIn)
	}
	for _, kind := range kinds {
		if !slices.ContainsFunc(outcomes, func(o outcome) bool { return o.kind == kind && o.ok && o.start.After(restoreAt) }) {
			t.Errorf("%s never succeeded after the database was back", kind)
		}
	}

	// Whole or not at all: an invitation is a person, two roles and an
	// e-mail in the outbox, written in one transaction.
	for _, o := range outcomes {
		if o.kind != "invite" {
			continue
		}
		var persons, roles, mails int
		err := direct.SQL.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM persons WHERE family_name = $1),
			(SELECT count(*) FROM roles r JOIN persons p ON p.id = r.person_id WHERE p.family_name = $1),
			(SELECT count(*) FROM notifications WHERE recipient_email = $2)`, o.marker, strings.ToLower(o.marker)+"@exempel.se").
			Scan(&persons, &roles, &mails)
		if err != nil {
			t.Fatal(err)
		}
		whole, none := persons == 1 && roles == 2 && mails == 1, persons == 0 && roles == 0 && mails == 0
		switch {
		case !whole && !none:
			t.Errorf("invitation %s is half-written: %d persons, %d roles, %d e-mails", o.marker, persons, roles, mails)
		case o.ok && !whole:
			t.Errorf("invitation %s answered success but is not in the database", o.marker)
		case !o.ok && whole && !slices.Contains(o.outcomes, "UNKNOWN"):
			t.Errorf("invitation %s failed (%v) but is in the database, and the answer did not say the outcome was unknown", o.marker, o.codes)
		}
	}
}

// TestPoolRecoversFromConnectionsCutWhileIdle: when PostgreSQL restarts
// while the server is idle, every pooled connection is dead; the first
// requests after it is back must not fail on them. lib/pq reports a
// connection closed under it as driver.ErrBadConn, and database/sql then
// retries on another connection, a new one at the last try.
func TestPoolRecoversFromConnectionsCutWhileIdle(t *testing.T) {
	_, proxy, srv, _, _ := behindFaultProxy(t)
	body := `{"query":"{ services(first: 20, orderBy: {field: NAME}) { totalCount edges { node { id code } } } }"}`
	burst := func() []string {
		var mu sync.Mutex
		var failures []string
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				rsp, err := http.Post(srv.URL+"/query", "application/json", strings.NewReader(body))
				var failure string
				if err != nil {
					failure = err.Error()
				} else {
					raw, _ := io.ReadAll(rsp.Body)
					rsp.Body.Close()
					if rsp.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
						failure = fmt.Sprintf("%d %s", rsp.StatusCode, raw)
					}
				}
				if failure != "" {
					mu.Lock()
					failures = append(failures, failure)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return failures
	}
	if f := burst(); len(f) > 0 {
		t.Fatalf("before the restart: %v", f)
	}
	proxy.Cut()
	time.Sleep(100 * time.Millisecond)
	proxy.Restore()
	if f := burst(); len(f) > 0 {
		t.Errorf("%d of 16 requests failed right after the database came back: %v", len(f), f)
	}
}

// TestLostCommitAnswersOutcomeUnknown: when the connection breaks after
// COMMIT has reached PostgreSQL but before its answer came back, the
// change is saved and the server cannot know it; it answers UNAVAILABLE
// with outcome UNKNOWN, never "nothing was changed".
func TestLostCommitAnswersOutcomeUnknown(t *testing.T) {
	direct, proxy, srv, env, _ := behindFaultProxy(t)
	var customerID string
	if err := direct.SQL.QueryRowContext(t.Context(), `SELECT id FROM customers WHERE org_number = '232100-0016'`).Scan(&customerID); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": `mutation($in: InvitePersonInput!) { invitePerson(input: $in) { familyName } }`,
		"variables": map[string]any{"in": map[string]any{"customerId": customerID, "hsaId": "SE2321000016-LOST1", "givenName": "Fel",
			"familyName": "LOST1", "email": "lost1@exempel.se", "roles": []string{"ORDERER"}}}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", env.Token(auth.DevToken{Subject: "19760412-9846", Method: auth.MethodBankID}))
	proxy.loseCommit.Store(true)
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	var got struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code, Outcome string }
		}
	}
	if err := json.NewDecoder(rsp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if proxy.loseCommit.Load() {
		t.Fatal("the mutation sent no COMMIT through the proxy")
	}
	if len(got.Errors) != 1 || got.Errors[0].Extensions.Code != "UNAVAILABLE" || got.Errors[0].Extensions.Outcome != "UNKNOWN" {
		t.Fatalf("answer to a lost COMMIT: %+v, want UNAVAILABLE with outcome UNKNOWN", got.Errors)
	}
	var persons int
	if err := direct.SQL.QueryRowContext(t.Context(), `SELECT count(*) FROM persons WHERE family_name = 'LOST1'`).Scan(&persons); err != nil || persons != 1 {
		t.Fatalf("%d persons LOST1 (%v): PostgreSQL should have committed", persons, err)
	}
}

// behindFaultProxy is the handler, with the demo data, over a pool and an
// entitlement cache listener that reach PostgreSQL through a faultProxy;
// direct is the same database without the proxy.
func behindFaultProxy(t *testing.T) (direct *database.DB, proxy *faultProxy, srv *httptest.Server, env *apitest.Env, cache *entitlement.Cache) {
	t.Helper()
	direct = testdb.Postgres(t)
	ctx := t.Context()
	if err := demo.Load(ctx, direct.Client); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(direct.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy = newFaultProxy(t, u.Host)
	u.Host = proxy.Addr()
	proxied, err := database.Open(ctx, database.Config{URL: u.String(), MaxOpenConns: 16, MaxIdleConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxied.Close() })
	listenCtx, stopListening := context.WithCancel(context.Background())
	var listening <-chan struct{}
	env = apitest.New(t, proxied, func(o *httpapi.Options) {
		cache = entitlement.NewCache(o.Client, 1000)
		o.Client.Use(cache.Hook())
		listening = cache.Listen(listenCtx, u.String(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		o.Services.Entitlements = cache
	})
	t.Cleanup(func() { stopListening(); <-listening })
	srv = httptest.NewServer(env.Handler)
	t.Cleanup(srv.Close)
	return direct, proxy, srv, env, cache
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
