package httpapi

import (
	"context"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/auth"
)

// Rate is a token bucket: Count requests per Per on average, at most
// Burst at once. A Rate with any of them zero is off.
type Rate struct {
	Count int
	Per   time.Duration
	Burst int
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.Count <= 0 || r.Per <= 0 || r.Burst <= 0 }

func (r Rate) limit() rate.Limit { return rate.Limit(float64(r.Count) / r.Per.Seconds()) }

// RateLimits bound how many requests each client sends to /query and
// /reports/, per instance (docs/operations.md, "Rate limits"). The zero
// value limits nothing, so that tests and cmd/loadbench, which build the
// handler directly, are never throttled; the server's defaults come from
// internal/config.
type RateLimits struct {
	// Address counts, per client address (an IPv6 address by its /64),
	// the requests that do not authenticate: anonymous ones and those
	// with bad credentials. It is checked before authentication, so bad
	// tokens and keys cannot be tried without limit; while it is empty
	// every request from the address is refused.
	Address Rate
	// PartnerKey counts each partner key's requests, by the key's ID.
	PartnerKey Rate
	// Person counts each signed-in person's requests, by the person's
	// ID (or the token's subject when the portal does not know them), and
	// each staff member's, by the token's subject.
	Person Rate
	// CodeSends counts each person's requestAttestationCode operations
	// and CodeAttempts their attestOrder operations, on top of Person:
	// sending and guessing one-time codes is limited more strictly than
	// anything else.
	CodeSends    Rate
	CodeAttempts Rate
	// Entries is how many clients each limit remembers (least recently
	// seen ones are forgotten, and start again with a full bucket);
	// DefaultRateLimitEntries when 0.
	Entries int
	// Now is the limits' clock; time.Now when nil. Tests set it.
	Now func() time.Time
}

// DefaultRateLimitEntries bounds the memory of each limit: about 250
// bytes per client, so 25 MB for a full table.
const DefaultRateLimitEntries = 100000

// DefaultRateLimits are the production limits per instance, read by
// internal/config unless RATE_LIMIT_* say otherwise. The partner key's
// is far above the ~10 000 access checks a second one instance serves a
// partner such as Webcert from cache: it stops a runaway client, not
// traffic.
var DefaultRateLimits = RateLimits{
	Address:      Rate{Count: 50, Per: time.Second, Burst: 200},
	PartnerKey:   Rate{Count: 50000, Per: time.Second, Burst: 50000},
	Person:       Rate{Count: 20, Per: time.Second, Burst: 100},
	CodeSends:    Rate{Count: 5, Per: 10 * time.Minute, Burst: 5},
	CodeAttempts: Rate{Count: 10, Per: time.Minute, Burst: 10},
}

// on reports whether any limit is in force.
func (l RateLimits) on() bool {
	return !l.Address.Off() || !l.PartnerKey.Off() || !l.Person.Off() || !l.CodeSends.Off() || !l.CodeAttempts.Off()
}

// buckets are the token buckets of one limit, one per client, in an LRU
// so that memory stays bounded however many clients there are.
type buckets struct {
	rate  Rate
	cache *lru.Cache[string, *bucket]
}

// bucket is one client's token bucket.
type bucket struct {
	lim *rate.Limiter
	// held counts the requests admitted by hold and not yet released:
	// without it a burst of concurrent requests with bad credentials
	// would all find the token that only the first may spend.
	held atomic.Int64
}

// newBuckets returns nil for a limit that is off; a nil *buckets allows
// everything.
func newBuckets(r Rate, entries int) *buckets {
	if r.Off() {
		return nil
	}
	c, err := lru.New[string, *bucket](entries)
	if err != nil {
		panic(err) // only for a size below 1, which New never passes
	}
	return &buckets{rate: r, cache: c}
}

func (b *buckets) bucket(key string) *bucket {
	if bk, ok := b.cache.Get(key); ok {
		return bk
	}
	bk := &bucket{lim: rate.NewLimiter(b.rate.limit(), b.rate.Burst)}
	if prev, ok, _ := b.cache.PeekOrAdd(key, bk); ok {
		return prev
	}
	return bk
}

// take spends one token of key's bucket, or returns how long until one
// is there.
func (b *buckets) take(key string, now time.Time) (wait time.Duration, ok bool) {
	if b == nil {
		return 0, true
	}
	bk := b.bucket(key)
	if bk.lim.AllowN(now, 1) {
		return 0, true
	}
	return b.wait(bk, 1, now), false
}

// hold admits a request whose charge is decided later, when key's bucket
// has a token for it besides those of the requests it holds already; the
// caller releases the bucket it returns. A nil *buckets returns nil.
func (b *buckets) hold(key string, now time.Time) (bk *bucket, wait time.Duration, ok bool) {
	if b == nil {
		return nil, 0, true
	}
	bk = b.bucket(key)
	n := bk.held.Add(1)
	if bk.lim.TokensAt(now) >= float64(n) {
		return bk, 0, true
	}
	bk.held.Add(-1)
	return nil, b.wait(bk, n, now), false
}

// release ends a hold, spending a token if charge.
func (bk *bucket) release(now time.Time, charge bool) {
	if bk == nil {
		return
	}
	if charge {
		bk.lim.AllowN(now, 1)
	}
	bk.held.Add(-1)
}

// wait is how long until bk holds n whole tokens.
func (b *buckets) wait(bk *bucket, n int64, now time.Time) time.Duration {
	missing := float64(n) - bk.lim.TokensAt(now)
	return time.Duration(math.Ceil(missing / float64(b.rate.limit()) * float64(time.Second)))
}

// rateLimiter holds every limit's buckets; one per handler, shared by
// /query and /reports/.
type rateLimiter struct {
	now                                func() time.Time
	address, partnerKey, person        *buckets
	codeSends, codeAttempts            *buckets
	limitsRequests, limitsOneTimeCodes bool
}

func newRateLimiter(l RateLimits) *rateLimiter {
	entries := l.Entries
	if entries <= 0 {
		entries = DefaultRateLimitEntries
	}
	rl := &rateLimiter{
		now:          l.Now,
		address:      newBuckets(l.Address, entries),
		partnerKey:   newBuckets(l.PartnerKey, entries),
		person:       newBuckets(l.Person, entries),
		codeSends:    newBuckets(l.CodeSends, entries),
		codeAttempts: newBuckets(l.CodeAttempts, entries),
	}
	if rl.now == nil {
		rl.now = time.Now
	}
	rl.limitsRequests = l.on()
	rl.limitsOneTimeCodes = rl.codeSends != nil || rl.codeAttempts != nil
	return rl
}

// limitedRequest is the response writer of a request under the limits:
// it holds the address's bucket until the request is known to
// authenticate or not, and turns the status of a response refused by the
// one-time-code limit, which gqlgen writes, into 429 with Retry-After.
type limitedRequest struct {
	http.ResponseWriter
	address     *bucket
	settled     bool
	retryAfter  time.Duration
	wroteHeader bool
}

// settle releases the address, charging it unless the request
// authenticated; only the first call counts.
func (l *limitedRequest) settle(now time.Time, charge bool) {
	if !l.settled {
		l.settled = true
		l.address.release(now, charge)
	}
}

func (l *limitedRequest) WriteHeader(status int) {
	if l.retryAfter > 0 && !l.wroteHeader {
		l.Header().Set("Retry-After", retryAfter(l.retryAfter))
		status = http.StatusTooManyRequests
	}
	l.wroteHeader = true
	l.ResponseWriter.WriteHeader(status)
}

func (l *limitedRequest) Write(b []byte) (int, error) {
	if !l.wroteHeader {
		l.WriteHeader(http.StatusOK)
	}
	return l.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (l *limitedRequest) Unwrap() http.ResponseWriter { return l.ResponseWriter }

type limitedRequestKey struct{}

// byAddress refuses, before authentication, a request from an address
// whose bucket is empty, and charges the address for each request that
// does not authenticate (byCaller settles that). A signed-in caller is not
// charged, so a partner's servers, or a NAT carrying many people, are
// limited by key and by person instead; while the bucket is empty,
// though, nobody from the address gets through, since telling good
// credentials from bad is what is being limited.
func (rl *rateLimiter) byAddress(next http.Handler) http.Handler {
	if !rl.limitsRequests {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held, wait, ok := rl.address.hold(addressKey(clientAddress(r)), rl.now())
		if !ok {
			refuse(w, wait, "too many requests from this address")
			return
		}
		lr := &limitedRequest{ResponseWriter: w, address: held}
		defer func() { lr.settle(rl.now(), true) }() // refused before byCaller: bad credentials, a bad request
		next.ServeHTTP(lr, r.WithContext(context.WithValue(r.Context(), limitedRequestKey{}, lr)))
	})
}

// byCaller runs after authentication: it settles the address, charging
// it for an anonymous request, and charges a partner key, a person or a
// staff member's own bucket, refusing when it is empty.
func (rl *rateLimiter) byCaller(next http.Handler) http.Handler {
	if !rl.limitsRequests {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := rl.now()
		id := auth.FromContext(r.Context())
		if lr, ok := r.Context().Value(limitedRequestKey{}).(*limitedRequest); ok {
			lr.settle(now, id.Kind == auth.Anonymous)
		}
		var b *buckets
		var who string
		switch id.Kind {
		case auth.Partner:
			b, who = rl.partnerKey, "partner key"
		case auth.Person:
			b, who = rl.person, "person"
		case auth.Staff:
			b, who = rl.person, "staff member"
		}
		if b != nil {
			if wait, ok := b.take(callerKey(r.Context()), now); !ok {
				refuse(w, wait, "too many requests from this "+who)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers 429 with Retry-After and RATE_LIMITED.
func refuse(w http.ResponseWriter, wait time.Duration, msg string) {
	s := retryAfter(wait)
	w.Header().Set("Retry-After", s)
	writeError(w, http.StatusTooManyRequests, apperr.CodeRateLimited, msg+"; retry after "+s+" s")
}

// retryAfter is Retry-After for a wait: whole seconds, rounded up, at
// least 1.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(wait.Seconds()))), 10)
}

// addressKey is the bucket of a client address: an IPv4 address itself,
// an IPv6 address its /64, which one subscriber usually holds whole, so
// that stepping through it does not give fresh buckets.
func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.String()
	}
	return ip.String()
}

// callerKey is the bucket of an authenticated caller. The kinds are kept
// apart so that a staff subject can never share a person's bucket.
func callerKey(ctx context.Context) string {
	id := auth.FromContext(ctx)
	switch id.Kind {
	case auth.Partner:
		return "key:" + string(id.APIKeyID)
	case auth.Staff:
		return "staff:" + id.Subject
	case auth.Person:
		if v := access.FromContext(ctx); v != nil && v.PersonID != "" {
			return "person:" + string(v.PersonID)
		}
		return "subject:" + string(id.Method) + ":" + id.Subject
	default:
		return "address:" + addressKey(id.Address)
	}
}

// codeLimit is a gqlgen extension that counts requestAttestationCode and
// attestOrder per caller, before anything runs: a refused operation sends
// no SMS and tries no code, so the order's count of wrong tries is not
// touched. oneTimeCodes runs first and refuses an operation with more than
// one such field, so each admitted operation is one send or one try.
type codeLimit struct{ rl *rateLimiter }

var (
	_ graphql.HandlerExtension        = codeLimit{}
	_ graphql.OperationContextMutator = codeLimit{}
)

// ExtensionName implements graphql.HandlerExtension.
func (codeLimit) ExtensionName() string { return "OneTimeCodeRateLimit" }

// Validate implements graphql.HandlerExtension.
func (codeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (c codeLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || op.Operation.Operation != ast.Mutation {
		return nil
	}
	var b *buckets
	var what string
	switch codeField(op.Operation.SelectionSet) {
	case "requestAttestationCode":
		b, what = c.rl.codeSends, "one-time codes sent"
	case "attestOrder":
		b, what = c.rl.codeAttempts, "one-time code attempts"
	default:
		return nil
	}
	wait, ok := b.take(callerKey(ctx), c.rl.now())
	if ok {
		return nil
	}
	if lr, _ := ctx.Value(limitedRequestKey{}).(*limitedRequest); lr != nil {
		lr.retryAfter = wait
	}
	e := gqlerror.Errorf("too many %s; retry after %s s", what, retryAfter(wait))
	setCode(e, apperr.CodeRateLimited)
	return e
}

// codeField names the first one-time-code field at the top of a
// mutation, through fragments, or returns "".
func codeField(set ast.SelectionSet) string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if codeFields[s.Name] {
				return s.Name
			}
		case *ast.InlineFragment:
			if f := codeField(s.SelectionSet); f != "" {
				return f
			}
		case *ast.FragmentSpread:
			if s.Definition != nil {
				if f := codeField(s.Definition.SelectionSet); f != "" {
					return f
				}
			}
		}
	}
	return ""
}
