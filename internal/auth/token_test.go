package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"kundportal/internal/apperr"
)

const (
	testIssuer   = "https://idp.test/"
	testAudience = "kundportal-api"
)

// idp is an identity provider on a local test server: it publishes one RSA
// key in its JWKS and signs tokens with it or with keys it does not publish.
type idp struct {
	t      *testing.T
	key    *rsa.PrivateKey
	server *httptest.Server
}

func newIDP(t *testing.T) *idp {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{t: t, key: key}
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.server.Close)
	return p
}

func (p *idp) sign(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	p.t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		p.t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return raw
}

func validClaims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": "19121212-1212",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), ClaimLoginMethod: "bankid",
	}
}

func with(c map[string]any, k string, v any) map[string]any {
	c[k] = v
	return c
}

func TestTokensAreVerifiedAgainstTheIssuersJWKS(t *testing.T) {
	p := newIDP(t)
	v := NewTokenVerifier(context.Background(), TokenConfig{Issuer: testIssuer, Audience: testAudience, JWKSURL: p.server.URL})
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := func(claims map[string]any) string {
		enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
		return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + "."
	}

	ok, err := v.Verify(context.Background(), p.sign(p.key, "k1", validClaims()))
	if err != nil || ok.Kind != Person || ok.Subject != "19121212-1212" || ok.Method != MethodBankID {
		t.Fatalf("valid token: %+v, %v", ok, err)
	}
	staff, err := v.Verify(context.Background(), p.sign(p.key, "k1", with(validClaims(), ClaimRoles, []string{StaffRole})))
	if err != nil || staff.Kind != Staff {
		t.Fatalf("staff token: %+v, %v", staff, err)
	}

	refused := map[string]string{
		"expired":          p.sign(p.key, "k1", with(validClaims(), "exp", time.Now().Add(-time.Minute).Unix())),
		"wrong audience":   p.sign(p.key, "k1", with(validClaims(), "aud", "another-api")),
		"wrong issuer":     p.sign(p.key, "k1", with(validClaims(), "iss", "https://evil.test/")),
		"bad signature":    p.sign(other, "k1", validClaims()),
		"key not in JWKS":  p.sign(other, "k2", validClaims()),
		"alg none":         unsigned(validClaims()),
		"garbage":          "not.a.token",
		"no login method":  p.sign(p.key, "k1", with(validClaims(), ClaimLoginMethod, "")),
		"bad subject":      p.sign(p.key, "k1", with(validClaims(), "sub", "19121212-1213")),
		"siths without id": p.sign(p.key, "k1", with(validClaims(), ClaimLoginMethod, "siths")),
	}
	for name, raw := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), raw)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeUnauthenticated {
				t.Fatalf("want UNAUTHENTICATED, got %v", err)
			}
		})
	}
}

func TestDevTokensRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.key")
	key, err := LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateDevKey(path)
	if err != nil || !again.Equal(key) {
		t.Fatalf("the dev key must be stable across processes: %v", err)
	}
	v := NewDevTokenVerifier(key)
	raw, err := IssueDevToken(key, DevToken{Subject: "SE2321000016-1003", Method: MethodSITHS, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(context.Background(), raw)
	if err != nil || id.Kind != Person || id.Method != MethodSITHS || id.Subject != "SE2321000016-1003" {
		t.Fatalf("dev token: %+v, %v", id, err)
	}
	expired, _ := IssueDevToken(key, DevToken{Subject: "19121212-1212", Method: MethodBankID, TTL: -time.Minute})
	if _, err := v.Verify(context.Background(), expired); err == nil {
		t.Fatal("an expired dev token was accepted")
	}
}

// countingKeys counts the signatures it is asked to check.
type countingKeys struct {
	oidc.KeySet
	n atomic.Int32
}

func (k *countingKeys) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	k.n.Add(1)
	return k.KeySet.VerifySignature(ctx, jwt)
}

// A verified token is answered from memory until it expires; a token
// that failed is checked again every time.
func TestVerifiedTokensAreRememberedUntilTheyExpire(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{KeySet: &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{key.Public()}}}
	now := time.Now()
	v := devTokenVerifier(keys, func() time.Time { return now })
	raw, err := IssueDevToken(key, DevToken{Subject: "19121212-1212", Method: MethodBankID, TTL: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if id, err := v.Verify(context.Background(), raw); err != nil || id.Subject != "19121212-1212" {
			t.Fatalf("verify: %+v, %v", id, err)
		}
	}
	if n := keys.n.Load(); n != 1 {
		t.Fatalf("the signature was checked %d times for three requests, want once", n)
	}
	now = now.Add(3 * time.Minute)
	if _, err := v.Verify(context.Background(), raw); err == nil {
		t.Fatal("an expired token was accepted from memory")
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := IssueDevToken(other, DevToken{Subject: "19121212-1212", Method: MethodBankID, TTL: time.Hour})
	before := keys.n.Load()
	for range 2 {
		if _, err := v.Verify(context.Background(), forged); err == nil {
			t.Fatal("a token signed with another key was accepted")
		}
	}
	if n := keys.n.Load() - before; n != 2 {
		t.Fatalf("a failed token was checked %d times in two requests, want every time", n)
	}
}
