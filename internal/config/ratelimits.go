package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kundportal/internal/httpapi"
)

// rateLimits reads RATE_LIMIT_*: per kind a rate such as 50/1s or 5/10m
// and a burst, either 0 to turn that limit off; docs/configuration.md.
func (r *reader) rateLimits() httpapi.RateLimits {
	d := httpapi.DefaultRateLimits
	return httpapi.RateLimits{
		Address:      r.rate("RATE_LIMIT_ADDRESS", d.Address),
		PartnerKey:   r.rate("RATE_LIMIT_PARTNER_KEY", d.PartnerKey),
		Person:       r.rate("RATE_LIMIT_PERSON", d.Person),
		CodeSends:    r.rate("RATE_LIMIT_CODE_SENDS", d.CodeSends),
		CodeAttempts: r.rate("RATE_LIMIT_CODE_ATTEMPTS", d.CodeAttempts),
		Entries:      r.int("RATE_LIMIT_ENTRIES", httpapi.DefaultRateLimitEntries),
	}
}

// rate reads key as count/period (a missing number before the unit is
// 1: 50/s is 50/1s) and key_BURST as a whole number; 0 in either is off.
func (r *reader) rate(key string, def httpapi.Rate) httpapi.Rate {
	out := def
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		count, per, found := strings.Cut(v, "/")
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per
		}
		n, errN := strconv.Atoi(strings.TrimSpace(count))
		d, errD := time.ParseDuration(strings.TrimSpace(per))
		switch {
		case v == "0":
			out.Count = 0
		case !found || errN != nil || errD != nil || n < 0 || d <= 0:
			r.errs = append(r.errs, fmt.Errorf("%s must be a number of requests per period such as 50/1s or 5/10m, or 0 for no limit, got %q", key, v))
		default:
			out.Count, out.Per = n, d
		}
	}
	if v := strings.TrimSpace(r.getenv(key + "_BURST")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			r.errs = append(r.errs, fmt.Errorf("%s_BURST must be a whole number, or 0 for no limit, got %q", key, v))
		} else {
			out.Burst = n
		}
	}
	return out
}
