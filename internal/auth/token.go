package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	lru "github.com/hashicorp/golang-lru/v2"

	"kundportal/internal/apperr"
	"kundportal/internal/idnumber"
)

// Claims beyond the registered ones that a token carries.
const (
	// ClaimLoginMethod is "bankid" or "siths" for persons.
	ClaimLoginMethod = "login_method"
	// ClaimRoles lists the caller's provider roles; StaffRole marks staff.
	ClaimRoles = "roles"
	// StaffRole is the role value that makes a token a staff token.
	StaffRole = "kundportal:staff"
)

// Dev-mode issuer and audience, used when no identity provider is
// configured (make run, tests).
const (
	DevIssuer   = "kundportal-dev"
	DevAudience = "kundportal"
)

// TokenConfig describes the identity provider whose tokens are accepted.
type TokenConfig struct {
	Issuer   string
	Audience string
	// JWKSURL is where the issuer publishes its signing keys.
	JWKSURL string
	// Algorithms accepted; RS256 and ES256 unless set.
	Algorithms []string
}

// TokenVerifier checks bearer tokens: signature against the issuer's keys,
// issuer, audience and expiry, then the subject's form.
//
// A token that passed is remembered until it expires, for at most
// VerifiedTokenTTL, in a bounded cache keyed by its SHA-256: the SPA sends
// the same token with every request, and checking its signature again
// (ECDSA or RSA) was the largest single cost of a small request. Tokens
// that failed are not remembered, so each one is checked in full.
type TokenVerifier struct {
	verifier *oidc.IDTokenVerifier
	verified *lru.Cache[[sha256.Size]byte, verifiedToken]
	now      func() time.Time
}

// VerifiedTokenTTL bounds how long a verified token is answered from
// memory: a key the identity provider withdraws from its JWKS stops
// vouching for cached tokens after this long at the latest.
const VerifiedTokenTTL = 5 * time.Minute

// verifiedTokens is how many verified tokens are remembered: one per
// person signed in within VerifiedTokenTTL, about 200 bytes each.
const verifiedTokens = 10000

type verifiedToken struct {
	id    Identity
	until time.Time
}

func newTokenVerifier(newVerifier func(now func() time.Time) *oidc.IDTokenVerifier, now func() time.Time) *TokenVerifier {
	if now == nil {
		now = time.Now
	}
	cache, _ := lru.New[[sha256.Size]byte, verifiedToken](verifiedTokens)
	return &TokenVerifier{verifier: newVerifier(now), verified: cache, now: now}
}

// NewTokenVerifier verifies tokens of a real identity provider, fetching
// its keys from the JWKS URL (and again when a token names an unknown key).
func NewTokenVerifier(ctx context.Context, cfg TokenConfig) *TokenVerifier {
	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = []string{oidc.RS256, oidc.ES256}
	}
	keys := oidc.NewRemoteKeySet(ctx, cfg.JWKSURL)
	return newTokenVerifier(func(now func() time.Time) *oidc.IDTokenVerifier {
		return oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.Audience, SupportedSigningAlgs: algs, Now: now})
	}, nil)
}

// NewDevTokenVerifier verifies tokens signed with the development key.
func NewDevTokenVerifier(key *ecdsa.PrivateKey) *TokenVerifier {
	return devTokenVerifier(&oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{key.Public()}}, nil)
}

func devTokenVerifier(keys oidc.KeySet, now func() time.Time) *TokenVerifier {
	return newTokenVerifier(func(now func() time.Time) *oidc.IDTokenVerifier {
		return oidc.NewVerifier(DevIssuer, keys, &oidc.Config{ClientID: DevAudience, SupportedSigningAlgs: []string{oidc.ES256}, Now: now})
	}, now)
}

// Verify returns the identity a raw token proves, or an UNAUTHENTICATED
// error that says why not.
func (v *TokenVerifier) Verify(ctx context.Context, raw string) (Identity, error) {
	key := sha256.Sum256([]byte(raw))
	now := v.now()
	if t, ok := v.verified.Get(key); ok && now.Before(t.until) {
		return t.id, nil
	}
	tok, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, unauthenticated("the token is not valid", err)
	}
	id, err := identityOf(tok)
	if err == nil {
		until := now.Add(VerifiedTokenTTL)
		if tok.Expiry.Before(until) {
			until = tok.Expiry
		}
		v.verified.Add(key, verifiedToken{id: id, until: until})
	}
	return id, err
}

// identityOf reads who a verified token says its bearer is.
func identityOf(tok *oidc.IDToken) (Identity, error) {
	var claims struct {
		Method string   `json:"login_method"`
		Roles  []string `json:"roles"`
	}
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, unauthenticated("the token's claims cannot be read", err)
	}
	if tok.Subject == "" {
		return Identity{}, unauthenticated("the token has no subject", nil)
	}
	if slices.Contains(claims.Roles, StaffRole) {
		return Identity{Kind: Staff, Subject: tok.Subject}, nil
	}
	switch strings.ToLower(claims.Method) {
	case "bankid":
		pn, err := idnumber.PersonalNumber(tok.Subject)
		if err != nil {
			return Identity{}, unauthenticated("a BankID token's subject must be a personal number", err)
		}
		return Identity{Kind: Person, Subject: pn, Method: MethodBankID}, nil
	case "siths":
		hsa, err := idnumber.HSAID(tok.Subject)
		if err != nil {
			return Identity{}, unauthenticated("a SITHS token's subject must be an HSA-id", err)
		}
		return Identity{Kind: Person, Subject: hsa, Method: MethodSITHS}, nil
	default:
		return Identity{}, unauthenticated(fmt.Sprintf("the token's %s must be bankid or siths", ClaimLoginMethod), nil)
	}
}

func unauthenticated(msg string, cause error) error {
	return &apperr.Error{Code: apperr.CodeUnauthenticated, Message: msg, Err: cause}
}

// LoadOrCreateDevKey reads the development signing key from path, creating
// it (mode 0600) on first use, so that the server and `kundportal token`
// agree on it without configuration.
func LoadOrCreateDevKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreateDevKey(path) // another process won the race
		}
		if err != nil {
			return nil, fmt.Errorf("creating dev signing key: %w", err)
		}
		if _, err := f.Write(pemBytes); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing dev signing key: %w", err)
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("reading dev signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM key", path)
	}
	return x509.ParseECPrivateKey(block.Bytes)
}

// DevToken describes a development token to issue.
type DevToken struct {
	Subject string
	Method  LoginMethod
	Staff   bool
	TTL     time.Duration
}

// IssueDevToken signs a token with the development key; it is accepted
// only by a server that runs without an identity provider.
func IssueDevToken(key *ecdsa.PrivateKey, t DevToken) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := map[string]any{
		"iss": DevIssuer,
		"aud": DevAudience,
		"sub": t.Subject,
		"iat": now.Unix(),
		"exp": now.Add(t.TTL).Unix(),
	}
	if t.Staff {
		claims[ClaimRoles] = []string{StaffRole}
	} else {
		claims[ClaimLoginMethod] = strings.ToLower(string(t.Method))
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}
