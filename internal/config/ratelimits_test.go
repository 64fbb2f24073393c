package config

import (
	"strings"
	"testing"
	"time"

	"kundportal/internal/httpapi"
)

// TestRateLimits: production limits unless set; count/period and burst
// per kind; 0 in either turns a limit off; bad values are named.
func TestRateLimits(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := httpapi.DefaultRateLimits
	want.Entries = httpapi.DefaultRateLimitEntries
	if c.RateLimits.Address != want.Address || c.RateLimits.PartnerKey != want.PartnerKey || c.RateLimits.Person != want.Person ||
		c.RateLimits.CodeSends != want.CodeSends || c.RateLimits.CodeAttempts != want.CodeAttempts || c.RateLimits.Entries != want.Entries {
		t.Fatalf("defaults %+v, want %+v", c.RateLimits, want)
	}
	if c.RateLimits.Address.Off() || c.RateLimits.PartnerKey.Off() || c.RateLimits.Person.Off() || c.RateLimits.CodeSends.Off() || c.RateLimits.CodeAttempts.Off() {
		t.Fatalf("a production default is off: %+v", c.RateLimits)
	}

	c, err = FromEnv(env(map[string]string{
		"RATE_LIMIT_ADDRESS": "30/s", "RATE_LIMIT_ADDRESS_BURST": "60",
		"RATE_LIMIT_PARTNER_KEY":  "0",
		"RATE_LIMIT_PERSON_BURST": "0",
		"RATE_LIMIT_CODE_SENDS":   "3/15m",
		"RATE_LIMIT_ENTRIES":      "5000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	l := c.RateLimits
	if l.Address != (httpapi.Rate{Count: 30, Per: time.Second, Burst: 60}) || !l.PartnerKey.Off() || !l.Person.Off() ||
		l.CodeSends != (httpapi.Rate{Count: 3, Per: 15 * time.Minute, Burst: want.CodeSends.Burst}) || l.CodeAttempts != want.CodeAttempts || l.Entries != 5000 {
		t.Fatalf("read %+v", l)
	}

	_, err = FromEnv(env(map[string]string{
		"RATE_LIMIT_ADDRESS": "fast", "RATE_LIMIT_PERSON": "10/0s", "RATE_LIMIT_CODE_SENDS": "-1/1m",
		"RATE_LIMIT_CODE_ATTEMPTS_BURST": "-2", "RATE_LIMIT_ENTRIES": "0",
	}))
	for _, key := range []string{"RATE_LIMIT_ADDRESS ", "RATE_LIMIT_PERSON ", "RATE_LIMIT_CODE_SENDS ", "RATE_LIMIT_CODE_ATTEMPTS_BURST", "RATE_LIMIT_ENTRIES"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}
