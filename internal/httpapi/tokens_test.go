package httpapi_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

const (
	idpIssuer   = "https://idp.kundportal.test/"
	idpAudience = "kundportal-api"
)

// idpKeys are the identity provider's published key and a key it does not
// publish, generated once for the test binary (RSA generation is slow).
var idpKeys = struct {
	sync.Once
	published, unpublished *rsa.PrivateKey
}{}

func rsaKeys(t *testing.T) (published, unpublished *rsa.PrivateKey) {
	idpKeys.Do(func() {
		var err error
		if idpKeys.published, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
		if idpKeys.unpublished, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return idpKeys.published, idpKeys.unpublished
}

// testIDP is an identity provider on a local server publishing one RSA key,
// kid "k1", in its JWKS.
type testIDP struct {
	t                      *testing.T
	published, unpublished *rsa.PrivateKey
	jwksURL                string
}

func newTestIDP(t *testing.T) *testIDP {
	p := &testIDP{t: t}
	p.published, p.unpublished = rsaKeys(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.published.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	p.jwksURL = srv.URL
	return p
}

// env returns the HTTP handler verifying this provider's tokens.
func (p *testIDP) env(t *testing.T, db *database.DB) *apitest.Env {
	t.Helper()
	return apitest.New(t, db, func(o *httpapi.Options) {
		o.Tokens = auth.NewTokenVerifier(t.Context(), auth.TokenConfig{Issuer: idpIssuer, Audience: idpAudience, JWKSURL: p.jwksURL})
	})
}

// sign returns a compact JWS of claims with the algorithm and key.
func (p *testIDP) sign(alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	p.t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		p.t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return raw
}

// token is a valid RS256 token of the provider with the claims changed:
// a nil value removes the claim.
func (p *testIDP) token(changes map[string]any) string {
	p.t.Helper()
	return p.sign(jose.RS256, p.published, "k1", idpClaims(changes))
}

func idpClaims(changes map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": idpIssuer, "aud": idpAudience, "sub": "19121212-1212",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), auth.ClaimLoginMethod: "bankid",
	}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// unsignedToken is claims with "alg": "none" and no signature.
func unsignedToken(claims map[string]any) string {
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + "."
}

const viewerQuery = `{ viewer { kind loginMethod person { id } roles { customer { id } roles } scopes } }`

type viewerData struct {
	Viewer struct {
		Kind        string
		LoginMethod *string
		Person      *struct{ ID string }
		Roles       []struct {
			Customer struct{ ID string }
			Roles    []string
		}
		Scopes []string
	}
}

func TestTokensOfTheIdentityProviderSignPeopleAndStaffIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		p := newTestIDP(t)
		e := p.env(t, db)
		a := e.Fx.Customer()
		tolvan := e.Fx.Person(func(c *ent.PersonCreate) { c.SetPersonalNumber("19121212-1212") })
		e.GiveRole(a, tolvan, types.RoleAdministrator)
		e.GiveRole(a, tolvan, types.RoleOrderer)
		sithsUser := e.Fx.Person()

		for _, c := range []struct {
			name, token, kind, method string
			person                    *ent.Person
		}{
			{"BankID", p.token(nil), "PERSON", "BANKID", tolvan},
			{"BankID, subject without dash", p.token(map[string]any{"sub": "191212121212"}), "PERSON", "BANKID", tolvan},
			{"BankID, login method in capitals", p.token(map[string]any{auth.ClaimLoginMethod: "BankID"}), "PERSON", "BANKID", tolvan},
			{"SITHS", p.token(map[string]any{"sub": *sithsUser.HsaID, auth.ClaimLoginMethod: "siths"}), "PERSON", "SITHS", sithsUser},
			{"BankID, person unknown to the portal", p.token(map[string]any{"sub": fixture.PersonalNumber(920_001)}), "PERSON", "BANKID", nil},
			{"staff", p.token(map[string]any{"sub": "kundtjanst.eva", auth.ClaimRoles: []string{auth.StaffRole}, auth.ClaimLoginMethod: nil}), "STAFF", "", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.As("Bearer " + c.token).In(t)
				var data viewerData
				r := e.Query(viewerQuery, nil, &data)
				v := data.Viewer
				if r.Status != http.StatusOK || v.Kind != c.kind {
					t.Fatalf("status %d, viewer %+v; want 200 and %s", r.Status, v, c.kind)
				}
				if got := strOrNull(v.LoginMethod); (c.method == "" && v.LoginMethod != nil) || (c.method != "" && got != c.method) {
					t.Errorf("loginMethod = %s, want %q", got, c.method)
				}
				switch {
				case c.person == nil && v.Person != nil:
					t.Errorf("viewer.person = %+v, want null", v.Person)
				case c.person != nil && (v.Person == nil || v.Person.ID != string(c.person.ID)):
					t.Errorf("viewer.person = %+v, want %s", v.Person, c.person.ID)
				}
				if c.person == tolvan {
					if len(v.Roles) != 1 || v.Roles[0].Customer.ID != string(a.ID) || len(v.Roles[0].Roles) != 2 {
						t.Errorf("viewer.roles = %+v, want ADMINISTRATOR and ORDERER in %s", v.Roles, a.ID)
					}
				} else if len(v.Roles) != 0 {
					t.Errorf("viewer.roles = %+v, want none", v.Roles)
				}
			})
		}

		t.Run("staff token reaches staff data", func(t *testing.T) {
			e := e.As("Bearer " + p.token(map[string]any{"sub": "kundtjanst.eva", auth.ClaimRoles: []string{"other", auth.StaffRole}})).In(t)
			var data struct{ Customers struct{ TotalCount int } }
			e.Query(`{ customers(first: 5) { totalCount } partnerAPIKeys(first: 1) { totalCount } }`, nil, &data)
			if data.Customers.TotalCount != 1 {
				t.Errorf("staff see %d customers, want 1", data.Customers.TotalCount)
			}
		})

		t.Run("a role other than staff grants nothing", func(t *testing.T) {
			e := e.As("Bearer " + p.token(map[string]any{"sub": fixture.PersonalNumber(920_002), auth.ClaimRoles: []string{"kundportal:admin"}})).In(t)
			var data viewerData
			e.Query(viewerQuery, nil, &data)
			if data.Viewer.Kind != "PERSON" {
				t.Errorf("viewer kind = %s, want PERSON", data.Viewer.Kind)
			}
		})
	})
}

func TestBadCredentialsAreRefusedWith401(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		p := newTestIDP(t)
		e := p.env(t, db)
		tolvan := e.Fx.Person(func(c *ent.PersonCreate) { c.SetPersonalNumber("19121212-1212") })
		e.GiveRole(e.Fx.Customer(), tolvan, types.RoleAdministrator)

		valid := p.token(nil)
		parts := strings.Split(valid, ".")
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(mustJSON(t, idpClaims(map[string]any{auth.ClaimRoles: []string{auth.StaffRole}}))) + "." + parts[2]
		publicDER, err := x509.MarshalPKIXPublicKey(&p.published.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		devToken, err := auth.IssueDevToken(apitest.DevKey(t), auth.DevToken{Subject: "19121212-1212", Method: auth.MethodBankID, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct{ name, header string }{
			{"expired", "Bearer " + p.token(map[string]any{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()})},
			{"wrong audience", "Bearer " + p.token(map[string]any{"aud": "another-api"})},
			{"wrong issuer", "Bearer " + p.token(map[string]any{"iss": "https://evil.test/"})},
			{"bad signature", "Bearer " + p.sign(jose.RS256, p.unpublished, "k1", idpClaims(nil))},
			{"claims changed after signing", "Bearer " + tampered},
			{"alg none", "Bearer " + unsignedToken(idpClaims(nil))},
			{"HS256 with the public key as secret", "Bearer " + p.sign(jose.HS256, publicDER, "k1", idpClaims(nil))},
			{"key not in the JWKS", "Bearer " + p.sign(jose.RS256, p.unpublished, "k2", idpClaims(nil))},
			{"no login method", "Bearer " + p.token(map[string]any{auth.ClaimLoginMethod: nil})},
			{"unknown login method", "Bearer " + p.token(map[string]any{auth.ClaimLoginMethod: "password"})},
			{"BankID subject not a personal number", "Bearer " + p.token(map[string]any{"sub": "19121212-1213"})},
			{"SITHS subject not an HSA-id", "Bearer " + p.token(map[string]any{auth.ClaimLoginMethod: "siths"})},
			{"no subject", "Bearer " + p.token(map[string]any{"sub": nil})},
			{"development token", "Bearer " + devToken},
			{"not a JWT", "Bearer not.a.token"},
			{"Bearer without credential", "Bearer"},
			{"Bearer with blanks only", "Bearer    "},
			{"unknown scheme", "Basic x"},
			{"token without scheme", valid},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.As(c.header).In(t)
				for _, q := range []string{viewerQuery, `{ customers(first: 5) { totalCount } }`} {
					r := e.Post(q, nil)
					r.WantRefused401(t)
					r.WantNoStatements(t)
				}
			})
		}

		t.Run("the valid token itself is accepted", func(t *testing.T) {
			var data viewerData
			e.As("Bearer "+valid).In(t).Query(viewerQuery, nil, &data)
			if data.Viewer.Kind != "PERSON" || data.Viewer.Person == nil || data.Viewer.Person.ID != string(tolvan.ID) {
				t.Errorf("viewer = %+v, want Tolvan", data.Viewer)
			}
		})
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBearerTokensNeedAnIdentityProvider: a server configured without
// token verification accepts no bearer token, however well formed.
func TestBearerTokensNeedAnIdentityProvider(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		p := newTestIDP(t)
		e := apitest.New(t, db, func(o *httpapi.Options) { o.Tokens = nil })
		for _, header := range []string{"Bearer " + p.token(nil), e.Authorization} {
			e.As(header).Post(viewerQuery, nil).WantRefused401(t)
		}
		var data viewerData
		e.As("").Query(viewerQuery, nil, &data)
		if data.Viewer.Kind != "ANONYMOUS" {
			t.Errorf("without credentials the viewer is %s, want ANONYMOUS", data.Viewer.Kind)
		}
	})
}
