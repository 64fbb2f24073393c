// Command loadbench is the load half of `make bench` (docs/performance.md):
// it creates a PostgreSQL database with 10 000 customers and 100 000
// subscriptions (-subscriptions 1000000 for the large run), serves the
// real HTTP handler over it on a loopback port, drives 16 concurrent
// clients at (a) the partner access check with random organisations,
// (b) `{ __typename }`, the HTTP+GraphQL ceiling, and (c) the nested page
// customers → subscriptions → offering; and in the same run measures the
// bare SQL of the check with pgbench (prepared, same concurrency). It
// prints requests per second, p50 and p99, SQL statements per request,
// the process's RSS and the ratios check/pgbench and check/ceiling.
//
// It needs TEST_DATABASE_URL's server (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) and pgbench,
// which ships with PostgreSQL; it drops its database when done.
package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/graph"
	"kundportal/internal/access"
	"kundportal/internal/admission"
	"kundportal/internal/auth"
	"kundportal/internal/bizdate"
	"kundportal/internal/config"
	"kundportal/internal/database"
	"kundportal/internal/entitlement"
	"kundportal/internal/feed"
	"kundportal/internal/httpapi"
	"kundportal/internal/idnumber"
	"kundportal/internal/partnerkeys"
	"kundportal/internal/telemetry"
)

const services = 10

var (
	cpuProfile, memProfile, profiled, only string
	rounds                                 int
)

func main() {
	subs := flag.Int("subscriptions", 100000, "subscriptions to create; customers are a tenth")
	clients := flag.Int("clients", 16, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "how long each load runs")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the server during one load (-profile) to this file")
	flag.StringVar(&only, "loads", "check,ceiling,lookup,page,counted", "the loads to run, comma-separated")
	flag.StringVar(&memProfile, "memprofile", "", "write a profile of what the server allocated during one load (-profile) to this file")
	flag.StringVar(&profiled, "profile", "check", "the load -cpuprofile and -memprofile profile (in its first round): check, lookup, page or counted")
	flag.IntVar(&rounds, "rounds", 3, "rounds per load, the API and its bare SQL taking turns; the median round is shown")
	flag.Parse()
	if memProfile != "" {
		runtime.MemProfileRate = 0 // -memprofile records the profiled load only
	}
	if err := run(*subs, *clients, *duration); err != nil {
		log.Fatal(err)
	}
}

func run(subs, clients int, d time.Duration) error {
	ctx := context.Background()
	config.TuneGC(os.Getenv) // as server.go does
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	name := fmt.Sprintf("kp_bench_%d", time.Now().UnixNano())
	adminDB, err := sql.Open("postgres", admin)
	if err != nil {
		return err
	}
	defer adminDB.Close()
	if _, err := adminDB.Exec("CREATE DATABASE " + name); err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	defer adminDB.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	dsn := u.String()

	db, err := database.Open(ctx, database.Config{URL: dsn, MaxOpenConns: clients, MaxIdleConns: clients})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	data, err := fill(ctx, db, subs/10, subs)
	if err != nil {
		return fmt.Errorf("filling: %w", err)
	}
	fmt.Printf("dataset: %d customers, %d subscriptions in %s\n", len(data.orgs), subs, time.Since(start).Round(time.Second))

	// The server, as server.go builds it, with its statements counted.
	var statements atomic.Int64
	metrics := telemetry.NewMetrics()
	drv := dialect.DebugWithContext(entsql.OpenDB(dialect.Postgres, db.SQL), func(context.Context, ...any) { statements.Add(1) })
	client := ent.NewClient(ent.Driver(telemetry.WrapDriver(drv, nil, metrics)))
	cache := entitlement.NewCache(client, 100000)
	client.Use(cache.Hook())
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	cache.Listen(lctx, dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	metrics.RegisterDB("primary", db.SQL)
	metrics.RegisterCacheCounters(cache.Hits, cache.Misses)
	handler := httpapi.New(httpapi.Options{Client: client, DB: db.SQL, Tokens: auth.NewDevTokenVerifier(key),
		Logger: telemetry.NewLogger(io.Discard, slog.LevelInfo), Metrics: metrics, ServeMetrics: true,
		Admission: admission.New(admission.DefaultLimits()), // the server's default, as in production
		Services:  graph.Services{Feed: &feed.Reader{Client: client, Dialect: db.Dialect}, Entitlements: cache}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, handler)
	endpoint := "http://" + ln.Addr().String() + "/query"
	staff, err := auth.IssueDevToken(key, auth.DevToken{Subject: "bench", Staff: true, TTL: time.Hour})
	if err != nil {
		return err
	}

	check := func(r *mrand.Rand) (string, string) {
		org := data.orgs[r.IntN(len(data.orgs))]
		return fmt.Sprintf(`{"query":"query($o: String!) { accessCheck(input: {serviceCode: \"SVC01\", orgNumber: $o}) { result reasons } }","variables":{"o":%q}}`, org),
			"ApiKey " + data.key
	}
	ceiling := func(*mrand.Rand) (string, string) { return `{"query":"{ __typename }"}`, "ApiKey " + data.key }
	lookup := func(r *mrand.Rand) (string, string) {
		org := data.orgs[r.IntN(len(data.orgs))]
		return fmt.Sprintf(`{"query":"query($o: String!) { customers(first: 1, where: {orgNumber: $o}) { edges { node { id companyForm agreements(first: 5, where: {model: KA2, status: ACTIVE}) { totalCount } subscriptions(first: 5, where: {status: ACTIVE}) { totalCount } } } } }","variables":{"o":%q}}`, org),
			"Bearer " + staff
	}
	page := func(count string) func(*mrand.Rand) (string, string) {
		return func(*mrand.Rand) (string, string) {
			return `{"query":"{ customers(first: 50) { ` + count + `edges { node { name subscriptions(first: 5) { totalCount edges { node { status offering { name } } } } } } } }"}`,
				"Bearer " + staff
		}
	}
	wrk := findWrk()
	waitUsable(cache)
	// A day of logins asks about every organisation; so does the warm-up.
	var next atomic.Int64
	warm := func(*mrand.Rand) (string, string) {
		org := data.orgs[int(next.Add(1))%len(data.orgs)]
		return fmt.Sprintf(`{"query":"query($o: String!) { accessCheck(input: {serviceCode: \"SVC01\", orgNumber: $o}) { result reasons } }","variables":{"o":%q}}`, org),
			"ApiKey " + data.key
	}
	for next.Load() < int64(len(data.orgs)) {
		load(endpoint, warm, clients, time.Second, &statements)
	}
	fmt.Printf("cache warmed: %d answers\n", cache.Len())
	loads := []struct {
		key, name string
		body      func(*mrand.Rand) (string, string)
		// bare is the same question as one SQL statement for pgbench.
		bare string
	}{
		{"check", "accessCheck (random organisations)", check, bareCheck},
		{"ceiling", "{ __typename } (ceiling)", ceiling, ""},
		{"lookup", "customers(where: orgNumber) → agreements, subscriptions { totalCount } (the check through the generic API)", lookup, bareLookup},
		{"page", "customers(50) → subscriptions(5) { totalCount } → offering", page(""), barePage},
		{"counted", "the same page with customers { totalCount }", page("totalCount "), barePageCounted},
	}
	results := []result{}
	byKey := map[string]result{}
	for _, l := range loads {
		if !slices.Contains(strings.Split(only, ","), l.key) {
			continue
		}
		load(endpoint, l.body, clients, 2*time.Second, &statements) // warm up
		// The machine is shared: its speed drifts from minute to minute,
		// so the API and its bare SQL take turns, rounds times, and the
		// round with the median ratio (or rate, without bare SQL) stands
		// for the load, with the spread of all rounds beside it.
		var runs []result
		for round := range rounds {
			profiling := l.key == profiled && round == 0
			res, err := measure(endpoint, wrk, l.body, data.orgs, clients, d, &statements, profiling)
			if err != nil {
				return err
			}
			if l.bare != "" {
				if res.bare, err = pgbench(ctx, db.SQL, dsn, l.bare, clients, d); err != nil {
					return err
				}
			}
			runs = append(runs, res)
		}
		res := median(runs)
		res.name = l.name
		results = append(results, res)
		byKey[l.key] = res
	}
	rss := rssMiB()
	generator := "wrk " + wrk
	if wrk == "" {
		generator = "the built-in Go load generator (no wrk; allocations include the generator's)"
	}
	fmt.Printf("\n%d clients, %d rounds of %s each (the median round shown), %d customers, %d subscriptions, %d CPUs, GOGC=%d, admission limit %d, load from %s\n\n", clients, rounds, d, len(data.orgs), subs, numCPU(), debug.SetGCPercent(-1), admission.DefaultLimits().Concurrent, generator)
	fmt.Println("| load | requests/s | p50 | p99 | p99/p50 | SQL statements/request | server CPU/request | of it GC | wrk CPU/request | allocations/request | bytes/request | bare SQL in pgbench/s | API/bare SQL | over the rounds |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range results {
		bare, ratio := "", ""
		if r.bare > 0 {
			bare, ratio = fmt.Sprintf("%.0f", r.bare), fmt.Sprintf("**%.2f**", r.rps/r.bare)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %.1f | %.2f | %s | %.0f %% | %s | %.0f | %.0f | %s | %s | %s |\n", r.name, r.rps, r.p50, r.p99,
			float64(r.p99)/float64(max(r.p50, 1)), r.statements, r.cpu.Round(time.Microsecond), 100*r.gcShare, r.generator.Round(100*time.Nanosecond), r.allocs, r.bytes, bare, ratio, r.spread)
	}
	if chk, ceil := byKey["check"], byKey["ceiling"]; chk.rps > 0 && ceil.rps > 0 {
		fmt.Printf("\ncheck/pgbench = %.2f, check/ceiling = %.2f, check p99/ceiling p99 = %.2f\n", chk.rps/chk.bare, chk.rps/ceil.rps, float64(chk.p99)/float64(max(ceil.p99, 1)))
	}
	if pg, counted := byKey["page"], byKey["counted"]; pg.rps > 0 && counted.rps > 0 {
		fmt.Printf("page with customers { totalCount } / page without: time per page %.2f×, p50 %.2f×\n", pg.rps/counted.rps, float64(counted.p50)/float64(max(pg.p50, 1)))
	}
	fmt.Printf("cache hits %d, process RSS %.0f MiB (server and warm-up)\n", cache.Hits(), rss)
	return nil
}

// measure drives one load at the server for d and reads what the
// server spent on it.
func measure(endpoint, wrk string, body func(*mrand.Rand) (string, string), orgs []string, clients int, d time.Duration, statements *atomic.Int64, profiling bool) (result, error) {
	if profiling && memProfile != "" {
		runtime.MemProfileRate = 4096
		defer func() {
			runtime.GC() // the profile's allocations are as of the last collection
			if f, err := os.Create(memProfile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			runtime.MemProfileRate = 0
		}()
	}
	if profiling && cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return result{}, err
		}
		defer pprof.StopCPUProfile()
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore, gcBefore := cpuTime(), gcCPU()
	var res result
	if wrk != "" {
		var err error
		if res, err = wrkLoad(wrk, endpoint, body, orgs, clients, d, statements); err != nil {
			return result{}, err
		}
	} else {
		res = load(endpoint, body, clients, d, statements)
	}
	cpu := cpuTime() - cpuBefore
	if cpu > 0 {
		res.gcShare = float64(gcCPU()-gcBefore) / cpu.Seconds()
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if n := res.rps * d.Seconds(); n > 0 {
		res.cpu = cpu / time.Duration(n)
		res.allocs = float64(after.Mallocs-before.Mallocs) / n
		res.bytes = float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	return res, nil
}

// median returns the round with the median API/bare SQL ratio (the
// median rate for a load without bare SQL), its spread set to the range
// of the rounds' ratios (rates).
func median(runs []result) result {
	key := func(r result) float64 {
		if r.bare > 0 {
			return r.rps / r.bare
		}
		return r.rps
	}
	slices.SortFunc(runs, func(a, b result) int { return cmp.Compare(key(a), key(b)) })
	m := runs[len(runs)/2]
	if len(runs) > 1 {
		lo, hi := key(runs[0]), key(runs[len(runs)-1])
		if m.bare > 0 {
			m.spread = fmt.Sprintf("%.2f–%.2f", lo, hi)
		} else {
			m.spread = fmt.Sprintf("%.0f–%.0f/s", lo, hi)
		}
	}
	return m
}

type dataset struct {
	orgs []string
	key  string
}

// fill writes the catalog, customers each with a KA2 and subscriptions to
// services round robin, and a partner key with access:check.
func fill(ctx context.Context, db *database.DB, customers, subs int) (*dataset, error) {
	sys := access.SystemContext(ctx)
	c := db.Client
	cat, err := c.CustomerCategory.Create().SetCode("REGION").SetName("Regioner").Save(sys)
	if err != nil {
		return nil, err
	}
	from := bizdate.MustParse("2020-01-01")
	var offerings []*ent.Offering
	for i := 1; i <= services; i++ {
		svc, err := c.Service.Create().SetCode(fmt.Sprintf("SVC%02d", i)).SetName(fmt.Sprintf("Tjänst %d", i)).
			SetKa2AvailableFrom(from).AddCategories(cat).Save(sys)
		if err != nil {
			return nil, err
		}
		off, err := c.Offering.Create().SetCode(fmt.Sprintf("OFF%02d", i)).SetName(fmt.Sprintf("Erbjudande %d", i)).SetService(svc).Save(sys)
		if err != nil {
			return nil, err
		}
		offerings = append(offerings, off)
	}
	secret := "kp_BENCH0001_benchsecret"
	if _, err := c.PartnerAPIKey.Create().SetName("Bench").SetPrefix("kp_BENCH0001").SetSecretHash(partnerkeys.HashSecret("benchsecret")).
		SetScopes([]string{access.ScopeAccessCheck, access.ScopeSubscriptionsRead}).SetCreatedBy("loadbench").Save(sys); err != nil {
		return nil, err
	}
	data := &dataset{key: secret}
	now := time.Now()
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	custs, err := tx.Prepare(pq.CopyIn("customers", "id", "created_at", "updated_at", "org_number", "name", "company_form", "status", "category_id"))
	if err != nil {
		return nil, err
	}
	ids := make([]pulid.ID, customers)
	for i := range customers {
		org, err := idnumber.OrgNumber(idnumber.WithCheckDigit(fmt.Sprintf("5560%05d", i)))
		if err != nil {
			return nil, err
		}
		ids[i] = pulid.MustNew("CU")
		data.orgs = append(data.orgs, org)
		if _, err := custs.Exec(ids[i], now, now, org, fmt.Sprintf("Kund %d AB", i), "LIMITED_COMPANY", "ACTIVE", cat.ID); err != nil {
			return nil, err
		}
	}
	if _, err := custs.Exec(); err != nil {
		return nil, err
	}
	ags, err := tx.Prepare(pq.CopyIn("agreements", "id", "created_at", "updated_at", "model", "status", "required_signatures", "valid_from", "customer_id"))
	if err != nil {
		return nil, err
	}
	agreementOf := make([]pulid.ID, customers)
	for i, id := range ids {
		agreementOf[i] = pulid.MustNew("AG")
		if _, err := ags.Exec(agreementOf[i], now, now, "KA2", "ACTIVE", 1, from, id); err != nil {
			return nil, err
		}
	}
	if _, err := ags.Exec(); err != nil {
		return nil, err
	}
	ss, err := tx.Prepare(pq.CopyIn("subscriptions", "id", "created_at", "updated_at", "status", "quantity", "active_from", "agreement_id", "customer_id", "offering_id", "service_id"))
	if err != nil {
		return nil, err
	}
	for i := range subs {
		cu, off := i%customers, offerings[(i/customers)%services]
		if _, err := ss.Exec(pulid.MustNew("SU"), now, now, "ACTIVE", 1+i%5, from, agreementOf[cu], ids[cu], off.ID, off.ServiceID); err != nil {
			return nil, err
		}
	}
	if _, err := ss.Exec(); err != nil {
		return nil, err
	}
	// The organisations for pgbench to pick from.
	if _, err := tx.Exec(`CREATE TABLE bench_orgs (i int PRIMARY KEY, org_number text NOT NULL)`); err != nil {
		return nil, err
	}
	orgs, err := tx.Prepare(pq.CopyIn("bench_orgs", "i", "org_number"))
	if err != nil {
		return nil, err
	}
	for i, o := range data.orgs {
		if _, err := orgs.Exec(i+1, o); err != nil {
			return nil, err
		}
	}
	if _, err := orgs.Exec(); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	_, err = db.SQL.ExecContext(ctx, "ANALYZE")
	return data, err
}

type result struct {
	name          string
	rps           float64
	p50, p99      time.Duration
	statements    float64
	allocs, bytes float64
	// cpu is the server's own CPU time per request (user and system),
	// which other load on the machine disturbs less than throughput.
	cpu time.Duration
	// generator is wrk's CPU time per request, taken from the same two
	// cores (0 with the built-in generator, which runs in the server).
	generator time.Duration
	// gcShare is the part of that time the garbage collector took.
	gcShare float64
	// bare is pgbench's rate for the same question in one statement.
	bare float64
	// spread is the range of the ratio (or the rate) over the rounds.
	spread string
}

// load sends requests from clients goroutines for d.
func load(endpoint string, body func(*mrand.Rand) (string, string), clients int, d time.Duration, statements *atomic.Int64) result {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	before := statements.Load()
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				b, authz := body(r)
				req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", authz)
				t0 := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				if res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
					errs.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := errs.Load(); n > 0 {
		log.Printf("%d requests failed", n)
	}
	slices.Sort(lat)
	res := result{rps: float64(len(lat)) / d.Seconds()}
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond)
		res.statements = float64(statements.Load()-before) / float64(len(lat))
	}
	return res
}

// bareCheck is the SQL of the check for one organisation, as one
// statement: the customer, whether an agreement covers the service, and
// its subscription.
const bareCheck = `\set i random(1, {orgs})
SELECT c.id, c.status, c.company_form,
  EXISTS (SELECT 1 FROM agreements a WHERE a.customer_id IN (c.id, c.parent_id)
    AND a.status IN ('ACTIVE', 'TERMINATION_NOTICED') AND a.valid_from <= CURRENT_DATE
    AND (a.ends_on IS NULL OR a.ends_on >= CURRENT_DATE) AND (a.model = 'KA2' OR a.service_id = '{service}')),
  (SELECT s.id FROM subscriptions s WHERE s.customer_id IN (c.id, c.parent_id) AND s.service_id = '{service}'
    AND s.status IN ('ACTIVE', 'TERMINATION_NOTICED') AND s.active_from <= CURRENT_DATE
    AND (s.ends_on IS NULL OR s.ends_on >= CURRENT_DATE) LIMIT 1)
FROM customers c WHERE c.org_number = (SELECT org_number FROM bench_orgs WHERE i = :i);
`

// bareLookup is the generic API's lookup (the customer by organisation
// number with its active KA2 agreements and active subscriptions
// counted) as one statement.
const bareLookup = `\set i random(1, {orgs})
SELECT c.id, c.company_form,
  (SELECT count(*) FROM agreements a WHERE a.customer_id = c.id AND a.model = 'KA2' AND a.status = 'ACTIVE'),
  (SELECT count(*) FROM subscriptions s WHERE s.customer_id = c.id AND s.status = 'ACTIVE')
FROM customers c WHERE c.org_number = (SELECT org_number FROM bench_orgs WHERE i = :i) ORDER BY c.id LIMIT 1;
`

// barePage is the nested page (the first 50 customers, each with its
// subscriptions counted and the first five with their offering's name)
// as one statement with lateral subqueries.
const barePage = `SELECT c.id, c.name,
  (SELECT count(*) FROM subscriptions s WHERE s.customer_id = c.id),
  (SELECT json_agg(json_build_object('id', f.id, 'status', f.status, 'offering', f.name)) FROM (
    SELECT s.id, s.status, o.name FROM subscriptions s JOIN offerings o ON o.id = s.offering_id
    WHERE s.customer_id = c.id ORDER BY s.id LIMIT 5) f)
FROM customers c ORDER BY c.id LIMIT 50;
`

// barePageCounted is barePage with the number of all customers.
const barePageCounted = `SELECT (SELECT count(*) FROM customers), c.id, c.name,
  (SELECT count(*) FROM subscriptions s WHERE s.customer_id = c.id),
  (SELECT json_agg(json_build_object('id', f.id, 'status', f.status, 'offering', f.name)) FROM (
    SELECT s.id, s.status, o.name FROM subscriptions s JOIN offerings o ON o.id = s.offering_id
    WHERE s.customer_id = c.id ORDER BY s.id LIMIT 5) f)
FROM customers c ORDER BY c.id LIMIT 50;
`

// pgbench runs a bare SQL script (prepared, the load's concurrency) and
// returns its transactions per second; the script may use {orgs} for the
// number of organisations and {service} for SVC01's ID.
func pgbench(ctx context.Context, db *sql.DB, dsn, bare string, clients int, d time.Duration) (float64, error) {
	var n int
	var svc string
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM bench_orgs`).Scan(&n); err != nil {
		return 0, err
	}
	if err := db.QueryRowContext(ctx, `SELECT id FROM services WHERE code = 'SVC01'`).Scan(&svc); err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "check.sql")
	bare = strings.NewReplacer("{orgs}", strconv.Itoa(n), "{service}", svc).Replace(bare)
	if err := os.WriteFile(script, []byte(bare), 0o600); err != nil {
		return 0, err
	}
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return 0, fmt.Errorf("pgbench ships with PostgreSQL (apt-get install postgresql-client): %w", err)
	}
	out, err := exec.CommandContext(ctx, bin, "-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(numCPU()),
		"-T", strconv.Itoa(int(d.Seconds())), "-f", script, dsn).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench said no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func waitUsable(c *entitlement.Cache) {
	for range 200 {
		if c.Usable() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024
}

func numCPU() int { return runtime.NumCPU() }

// gcCPU is the CPU time, in seconds, the garbage collector has taken
// from the program: its total less the marking it did on otherwise idle
// processors, which cost the requests nothing.
func gcCPU() float64 {
	samples := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"}}
	metrics.Read(samples)
	for _, s := range samples {
		if s.Value.Kind() != metrics.KindFloat64 {
			return 0
		}
	}
	return samples[0].Value.Float64() - samples[1].Value.Float64()
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// findWrk returns wrk's path, installing it from Debian's packages when
// the command may; "" when there is none.
func findWrk() string {
	if p, err := exec.LookPath("wrk"); err == nil {
		return p
	}
	if os.Geteuid() == 0 {
		// A fresh machine's package lists may be empty: update once when
		// the install finds nothing.
		if _, err := exec.Command("apt-get", "install", "-y", "-q", "wrk").CombinedOutput(); err != nil {
			_, _ = exec.Command("apt-get", "update", "-q").CombinedOutput()
			if out, err := exec.Command("apt-get", "install", "-y", "-q", "wrk").CombinedOutput(); err != nil {
				log.Printf("installing wrk: %v\n%s", err, out)
			}
		}
	}
	p, _ := exec.LookPath("wrk")
	return p
}

// wrkScript sends BODY, or BODY_FMT with a random line of ORGS_FILE for
// %s, with AUTHZ as the Authorization header. wrk shares the two cores
// with the server, so it is kept cheap, as its SCRIPTING guide advises:
// a fixed body is wrk's static request, which it sends without calling
// Lua at all, and the requests naming an organisation are formatted once
// in each thread's init, request() only picking one of them.
const wrkScript = `
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("AUTHZ")
local file, fmt = os.getenv("ORGS_FILE"), os.getenv("BODY_FMT")
if file and file ~= "" then
  local requests = {}
  init = function()
    for line in io.lines(file) do
      requests[#requests + 1] = wrk.format(nil, nil, nil, string.format(fmt, line))
    end
  end
  request = function() return requests[math.random(#requests)] end
end
`

// wrkLoad drives the endpoint with wrk: the body of the load, with a
// random organisation where it names one.
func wrkLoad(bin, endpoint string, body func(*mrand.Rand) (string, string), orgs []string, clients int, d time.Duration, statements *atomic.Int64) (result, error) {
	dir, err := os.MkdirTemp("", "loadbench-wrk")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "load.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return result{}, err
	}
	sample, authz := body(mrand.New(mrand.NewPCG(1, 2)))
	env := append(os.Environ(), "AUTHZ="+authz, "BODY="+sample)
	if strings.Contains(sample, "orgNumber") {
		orgsFile := filepath.Join(dir, "orgs.txt")
		if err := os.WriteFile(orgsFile, []byte(strings.Join(orgs, "\n")+"\n"), 0o600); err != nil {
			return result{}, err
		}
		org := regexp.MustCompile(`"o":"[^"]+"`)
		env = append(env, "ORGS_FILE="+orgsFile, "BODY_FMT="+strings.ReplaceAll(org.ReplaceAllString(sample, `"o":"%s"`), "%!", "%%!"))
	}
	before := statements.Load()
	cmd := exec.Command(bin, "-t", strconv.Itoa(numCPU()), "-c", strconv.Itoa(clients), "-d", fmt.Sprintf("%ds", int(d.Seconds())),
		"--latency", "-s", script, endpoint)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	rps := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	total := regexp.MustCompile(`(\d+) requests in`).FindSubmatch(out)
	if rps == nil || total == nil {
		return result{}, fmt.Errorf("wrk said:\n%s", out)
	}
	if bad := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindSubmatch(out); bad != nil {
		log.Printf("wrk: %s non-2xx answers", bad[1])
	}
	res := result{}
	res.rps, _ = strconv.ParseFloat(string(rps[1]), 64)
	n, _ := strconv.ParseFloat(string(total[1]), 64)
	res.statements = float64(statements.Load()-before) / n
	if ps := cmd.ProcessState; ps != nil && n > 0 {
		res.generator = (ps.UserTime() + ps.SystemTime()) / time.Duration(n)
	}
	res.p50 = wrkPercentile(out, "50")
	res.p99 = wrkPercentile(out, "99")
	return res, nil
}

func wrkPercentile(out []byte, p string) time.Duration {
	m := regexp.MustCompile(`\s` + p + `%\s+([0-9.]+)(us|ms|s)`).FindSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(m[2])]
	return time.Duration(v * float64(unit)).Round(time.Microsecond)
}
