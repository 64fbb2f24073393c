// Package partnerkeys manages partner integrations' API keys: staff create
// and revoke them; the server verifies them at every partner request. A key
// is "kp_<prefix>_<secret>": the prefix is stored and shown, the secret only
// as a SHA-256 hash, and the whole key is shown once, at creation.
package partnerkeys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"kundportal/ent"
	"kundportal/ent/partnerapikey"
	"kundportal/ent/schema/pulid"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/auth"
)

const keyTag = "kp_"

// The audit actions of this package (D-O6).
const (
	// ActionKeyCreated: staff created a partner API key.
	ActionKeyCreated audit.Action = "PARTNER_KEY_CREATED"
	// ActionKeyRevoked: staff revoked a partner API key.
	ActionKeyRevoked audit.Action = "PARTNER_KEY_REVOKED"
)

// Create makes a key with the given scopes, optionally bound to one
// service, and returns it with the whole key, which is not stored.
func Create(ctx context.Context, name string, scopes []string, serviceID *pulid.ID) (*ent.PartnerAPIKey, string, error) {
	client := ent.FromContext(ctx)
	if len(scopes) == 0 {
		return nil, "", apperr.Validation("scopes", "grant at least one scope: %s", strings.Join(access.Scopes, ", "))
	}
	for _, s := range scopes {
		if !slices.Contains(access.Scopes, s) {
			return nil, "", apperr.Validation("scopes", "%q is not a scope; the scopes are %s", s, strings.Join(access.Scopes, ", "))
		}
	}
	if serviceID != nil && slices.Contains(scopes, access.ScopeReportsRead) {
		return nil, "", apperr.Validation("scopes", "%s spans every service: grant it on a key not bound to one", access.ScopeReportsRead)
	}
	if serviceID != nil {
		if _, err := client.Service.Get(ctx, *serviceID); err != nil {
			return nil, "", fmt.Errorf("binding key to service: %w", err)
		}
	}
	prefix := keyTag + rand.Text()[:10]
	secret := rand.Text()
	_, createdBy := audit.Actor(ctx)
	k, err := client.PartnerAPIKey.Create().
		SetName(name).
		SetPrefix(prefix).
		SetSecretHash(HashSecret(secret)).
		SetScopes(slices.Compact(slices.Sorted(slices.Values(scopes)))).
		SetNillableServiceID(serviceID).
		SetCreatedBy(createdBy).
		Save(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("creating API key: %w", err)
	}
	if err := audit.Record(ctx, client, audit.Event{
		Action: ActionKeyCreated, EntityType: "PartnerAPIKey", EntityID: k.ID,
		Details: map[string]any{"prefix": prefix, "scopes": k.Scopes},
	}); err != nil {
		return nil, "", err
	}
	return k, prefix + "_" + secret, nil
}

// Revoke refuses the key from now on.
func Revoke(ctx context.Context, id pulid.ID) (*ent.PartnerAPIKey, error) {
	client := ent.FromContext(ctx)
	k, err := client.PartnerAPIKey.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return k, nil
	}
	k, err = k.Update().SetRevokedAt(time.Now()).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("revoking API key: %w", err)
	}
	return k, audit.Record(ctx, client, audit.Event{
		Action: ActionKeyRevoked, EntityType: "PartnerAPIKey", EntityID: k.ID,
		Details: map[string]any{"prefix": k.Prefix},
	})
}

// Cache keeps looked-up keys between requests, emptied whenever a key
// changes (internal/entitlement's cache is one: a partner's login check
// then runs no SQL at all).
type Cache interface {
	// Key returns a remembered key by prefix.
	Key(prefix string) (*ent.PartnerAPIKey, bool)
	// Generation counts the cache's invalidations.
	Generation() uint64
	// RememberKey keeps a key looked up at generation gen, unless the
	// cache was emptied since.
	RememberKey(prefix string, k *ent.PartnerAPIKey, gen uint64)
}

// Verifier checks presented keys and records when each was last used.
type Verifier struct {
	client *ent.Client
	// Cache, if set, remembers keys between requests.
	Cache Cache
	// lastUse throttles the last-use write to once a minute per key: the
	// partner check runs at every login and must not write each time.
	mu      sync.Mutex
	lastUse map[pulid.ID]time.Time
}

// NewVerifier returns a verifier over client.
func NewVerifier(client *ent.Client) *Verifier {
	return &Verifier{client: client, lastUse: map[pulid.ID]time.Time{}}
}

// Verify returns the partner identity of a presented key, or
// UNAUTHENTICATED for a malformed, unknown or revoked key.
func (v *Verifier) Verify(ctx context.Context, presented string) (auth.Identity, error) {
	rest, ok := strings.CutPrefix(presented, keyTag)
	prefixPart, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 {
		return auth.Identity{}, errRefused()
	}
	k, err := v.lookup(ctx, presented[:len(keyTag)+len(prefixPart)])
	if ent.IsNotFound(err) {
		return auth.Identity{}, errRefused()
	}
	if err != nil {
		return auth.Identity{}, fmt.Errorf("looking up API key: %w", err)
	}
	if !hashes(secret, k.SecretHash) || k.RevokedAt != nil {
		return auth.Identity{}, errRefused()
	}
	if err := v.recordUse(ctx, k.ID); err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{Kind: auth.Partner, Subject: k.Prefix, Scopes: k.Scopes, APIKeyID: k.ID, ServiceID: k.ServiceID}, nil
}

func errRefused() error { return apperr.New(apperr.CodeUnauthenticated, "the API key is not valid") }

// hashes reports whether hash is HashSecret(secret), in time that depends
// on the lengths only, and without allocating: a partner's key is
// verified at every login.
func hashes(secret, hash string) bool {
	const digits = "0123456789abcdef"
	sum := sha256.Sum256([]byte(secret))
	if len(hash) != 2*len(sum) {
		return false
	}
	var diff byte
	for i, b := range sum {
		diff |= hash[2*i] ^ digits[b>>4]
		diff |= hash[2*i+1] ^ digits[b&0xf]
	}
	return diff == 0
}

// lookup finds a key by prefix, in the cache when there is one. It reads
// the database as the system, before anyone is authenticated.
func (v *Verifier) lookup(ctx context.Context, prefix string) (*ent.PartnerAPIKey, error) {
	if v.Cache == nil {
		return v.client.PartnerAPIKey.Query().Where(partnerapikey.Prefix(prefix)).Only(access.SystemContext(ctx))
	}
	if k, ok := v.Cache.Key(prefix); ok {
		return k, nil
	}
	gen := v.Cache.Generation()
	k, err := v.client.PartnerAPIKey.Query().Where(partnerapikey.Prefix(prefix)).Only(access.SystemContext(ctx))
	if err == nil {
		v.Cache.RememberKey(prefix, k, gen)
	}
	return k, err
}

func (v *Verifier) recordUse(ctx context.Context, id pulid.ID) error {
	now := time.Now()
	v.mu.Lock()
	due := now.Sub(v.lastUse[id]) >= time.Minute
	if due {
		v.lastUse[id] = now
	}
	v.mu.Unlock()
	if !due {
		return nil
	}
	if err := v.client.PartnerAPIKey.UpdateOneID(id).SetLastUsedAt(now.Truncate(time.Minute)).Exec(access.SystemContext(ctx)); err != nil {
		return fmt.Errorf("recording API key use: %w", err)
	}
	return nil
}

// HashSecret is how a key's secret is stored: SHA-256, hex. The secrets
// are 128 random bits, so a fast hash is enough; no password stretching.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
