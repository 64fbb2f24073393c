// Package config reads the server's configuration from the environment;
// docs/configuration.md lists every variable.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"kundportal/internal/admission"
	"kundportal/internal/auth"
	"kundportal/internal/bankid"
	"kundportal/internal/counting"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/notify"
	"kundportal/internal/sms"
	"kundportal/internal/telemetry"
)

// Config is the whole configuration of the server.
type Config struct {
	Port int
	// TrustedDocumentsFile, when set, is the allow-list of operations
	// (TRUSTED_DOCUMENTS_FILE): only they run.
	TrustedDocumentsFile string
	// APQCacheSize is how many automatic persisted queries are kept.
	APQCacheSize int
	// CORS lists the origins of browser SPAs allowed to call the API.
	CORS httpapi.CORS
	// Environment is "production" unless ENVIRONMENT says "development",
	// which turns on what helps a developer and would help an attacker
	// (field suggestions in validation errors).
	Environment string
	Database    database.Config
	// Replica, when its URL is set (DATABASE_REPLICA_URL), is a
	// PostgreSQL replica the reports read from; otherwise they read the
	// primary.
	Replica        database.Config
	DemoData       bool
	Limits         httpapi.Limits
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	// ShutdownDrainDelay is how long, after SIGTERM, /readyz answers 503
	// while requests are still served, so a load balancer stops sending
	// before the listener closes; ShutdownTimeout bounds what follows,
	// in-flight requests and background work (docs/operations.md).
	ShutdownDrainDelay time.Duration
	ShutdownTimeout    time.Duration
	LogLevel           slog.Level
	// Auth is the identity provider; empty Issuer means development mode,
	// with tokens signed by DevKeyFile.
	Auth       auth.TokenConfig
	DevKeyFile string
	// BankID is the relying-party API; an empty BaseURL means the
	// simulator, allowed in development mode only.
	BankID bankid.Config
	// PortalURL is the SPA's address, for links in e-mails.
	PortalURL string
	// SMS is the 46elks gateway for attestation codes; an empty
	// Username logs the codes instead, allowed in development mode only.
	SMS sms.Elks
	// TerminationNoticeMonths is the notice period of D-A5;
	// MaterialChangeNoticeMonths that of D-D2.
	TerminationNoticeMonths    int
	MaterialChangeNoticeMonths int
	// SMTP is the mail server; an empty Host logs messages instead.
	SMTP notify.SMTPConfig
	// OutboxPollInterval is how often the outbox is delivered;
	// OutboxMaxAttempts how often a message is tried before FAILED.
	OutboxPollInterval time.Duration
	OutboxMaxAttempts  int
	// EntitlementCacheEntries is how many access-check answers are kept
	// in memory (D-P4).
	EntitlementCacheEntries int
	// PprofAddr, when set (PPROF_ADDR), is the address profiles are
	// served on (httpapi.Profiling).
	PprofAddr string
	// RateLimits bound each client's requests per instance
	// (RATE_LIMIT_*).
	RateLimits httpapi.RateLimits
	// Admission bounds how many requests are worked on at once, and how
	// many wait and for how long (MAX_CONCURRENT_REQUESTS,
	// MAX_QUEUED_REQUESTS, REQUEST_QUEUE_TIMEOUT, SLOW_REQUEST_AFTER).
	Admission admission.Limits
	// ScheduleInterval is how often the scheduled steps (ending what
	// has passed its notice period) run.
	ScheduleInterval time.Duration
	// MetricsAddr is where /metrics is served (METRICS_ADDR): empty on
	// the API's own port, MetricsOff nowhere, else a listener of its own
	// such as ":9090".
	MetricsAddr string
	// Tracing is what the OTEL_ variables decide: whether spans are
	// exported, and by which protocol; the SDK reads the rest itself.
	Tracing telemetry.TracingConfig
}

// MetricsOff is the METRICS_ADDR that serves no metrics.
const MetricsOff = "off"

// DevMode reports whether the server signs and accepts its own tokens.
func (c Config) DevMode() bool { return c.Auth.Issuer == "" }

// FromEnv reads the configuration; getenv is os.Getenv outside tests. Every
// malformed value is reported, not just the first.
func FromEnv(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Port:        r.int("PORT", 8080),
		Environment: cmp.Or(getenv("ENVIRONMENT"), "production"),
		Database: database.Config{
			URL:             getenv("DATABASE_URL"),
			MaxOpenConns:    r.int("DB_MAX_OPEN_CONNS", 16),
			MaxIdleConns:    r.int("DB_MAX_IDLE_CONNS", 16),
			ConnMaxLifetime: r.duration("DB_CONN_MAX_LIFETIME", 30*time.Minute),
			StatementCache:  offWhenZero(r.nonNegative("DB_STATEMENT_CACHE_SIZE", database.DefaultStatementCacheSize)),
			CountLimit:      r.int("GRAPHQL_MAX_COUNT", counting.DefaultLimit),
		},
		Replica: database.Config{
			URL:             getenv("DATABASE_REPLICA_URL"),
			MaxOpenConns:    r.int("DB_REPLICA_MAX_OPEN_CONNS", 4),
			MaxIdleConns:    r.int("DB_REPLICA_MAX_IDLE_CONNS", 4),
			ConnMaxLifetime: r.duration("DB_CONN_MAX_LIFETIME", 30*time.Minute),
		},
		DemoData:  r.bool("DEMO_DATA", true),
		PprofAddr: getenv("PPROF_ADDR"),
		Limits: httpapi.Limits{
			MaxDepth:      r.int("GRAPHQL_MAX_DEPTH", httpapi.DefaultLimits.MaxDepth),
			MaxComplexity: r.int("GRAPHQL_MAX_COMPLEXITY", httpapi.DefaultLimits.MaxComplexity),
			MaxPageSize:   r.int("GRAPHQL_MAX_PAGE_SIZE", httpapi.DefaultLimits.MaxPageSize),
		},
		MaxBodyBytes:   int64(r.int("MAX_BODY_BYTES", httpapi.DefaultMaxBodyBytes)),
		RequestTimeout: r.duration("REQUEST_TIMEOUT", httpapi.DefaultRequestTimeout),
	}
	c.ShutdownDrainDelay = r.duration("SHUTDOWN_DRAIN_DELAY", 0)
	c.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", c.RequestTimeout+5*time.Second)
	c.Auth = auth.TokenConfig{Issuer: getenv("AUTH_ISSUER"), Audience: getenv("AUTH_AUDIENCE"), JWKSURL: getenv("AUTH_JWKS_URL")}
	if algs := getenv("AUTH_ALGORITHMS"); algs != "" {
		c.Auth.Algorithms = strings.Split(algs, ",")
	}
	if c.Auth.Issuer != "" && (c.Auth.Audience == "" || c.Auth.JWKSURL == "") {
		r.errs = append(r.errs, errors.New("AUTH_ISSUER needs AUTH_AUDIENCE and AUTH_JWKS_URL"))
	}
	c.BankID = bankid.Config{BaseURL: getenv("BANKID_URL"), CertFile: getenv("BANKID_CERT_FILE"), KeyFile: getenv("BANKID_KEY_FILE"),
		CAFile: getenv("BANKID_CA_FILE"), Timeout: r.duration("BANKID_TIMEOUT", 10*time.Second)}
	if c.BankID.BaseURL == "" && c.Auth.Issuer != "" {
		r.errs = append(r.errs, errors.New("BANKID_URL is needed outside development mode (AUTH_ISSUER set); only development signs with the simulator"))
	}
	if c.BankID.BaseURL != "" && (c.BankID.CertFile == "" || c.BankID.KeyFile == "" || c.BankID.CAFile == "") {
		r.errs = append(r.errs, errors.New("BANKID_URL needs BANKID_CERT_FILE, BANKID_KEY_FILE and BANKID_CA_FILE"))
	}
	c.SMS = sms.Elks{BaseURL: getenv("SMS_URL"), Username: getenv("SMS_USERNAME"), Password: getenv("SMS_PASSWORD"),
		From: getenv("SMS_FROM"), HTTP: &http.Client{Timeout: r.duration("SMS_TIMEOUT", 10*time.Second)}}
	if c.SMS.From == "" {
		c.SMS.From = "Inera"
	}
	if c.SMS.Username == "" && c.Auth.Issuer != "" {
		r.errs = append(r.errs, errors.New("SMS_USERNAME and SMS_PASSWORD are needed outside development mode (AUTH_ISSUER set); only development logs attestation codes"))
	}
	if c.SMS.Username != "" && c.SMS.Password == "" {
		r.errs = append(r.errs, errors.New("SMS_USERNAME needs SMS_PASSWORD"))
	}
	c.PortalURL = getenv("PORTAL_URL")
	if c.PortalURL == "" {
		c.PortalURL = "http://localhost:8080"
	}
	c.TerminationNoticeMonths = r.int("TERMINATION_NOTICE_MONTHS", 6)
	c.MaterialChangeNoticeMonths = r.int("MATERIAL_CHANGE_NOTICE_MONTHS", 3)
	c.ScheduleInterval = r.duration("SCHEDULE_INTERVAL", time.Hour)
	c.EntitlementCacheEntries = r.int("ENTITLEMENT_CACHE_ENTRIES", 100000)
	if c.EntitlementCacheEntries < 1 {
		r.errs = append(r.errs, errors.New("ENTITLEMENT_CACHE_ENTRIES must be at least 1"))
	}
	c.SMTP = notify.SMTPConfig{Host: getenv("SMTP_HOST"), Port: r.int("SMTP_PORT", 587), Username: getenv("SMTP_USERNAME"),
		Password: getenv("SMTP_PASSWORD"), From: getenv("SMTP_FROM"), TLS: strings.ToLower(getenv("SMTP_TLS"))}
	if c.SMTP.From == "" {
		c.SMTP.From = "Kundportalen <noreply@kundportal.example>"
	}
	switch c.SMTP.TLS {
	case "":
		c.SMTP.TLS = "starttls"
	case "tls":
		// Implicit TLS listens on 465 (submissions), not 587.
		c.SMTP.Port = r.int("SMTP_PORT", 465)
	case "starttls", "none":
	default:
		r.errs = append(r.errs, fmt.Errorf("SMTP_TLS must be starttls, tls or none, got %q", c.SMTP.TLS))
	}
	c.OutboxPollInterval = r.duration("OUTBOX_POLL_INTERVAL", 5*time.Second)
	c.OutboxMaxAttempts = r.int("OUTBOX_MAX_ATTEMPTS", 8)
	c.DevKeyFile = getenv("DEV_KEY_FILE")
	if c.DevKeyFile == "" {
		c.DevKeyFile = "kundportal-dev.key"
	}
	if lvl := getenv("LOG_LEVEL"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			r.errs = append(r.errs, fmt.Errorf("LOG_LEVEL: %w", err))
		}
	}
	c.CORS.MaxAge = r.duration("CORS_MAX_AGE", 10*time.Minute)
	c.APQCacheSize = r.int("APQ_CACHE_SIZE", httpapi.DefaultAPQCacheSize)
	c.TrustedDocumentsFile = getenv("TRUSTED_DOCUMENTS_FILE")
	c.RateLimits = r.rateLimits()
	admit := admission.DefaultLimits()
	c.Admission = admission.Limits{
		Concurrent: r.nonNegative("MAX_CONCURRENT_REQUESTS", admit.Concurrent),
		Queue:      r.nonNegative("MAX_QUEUED_REQUESTS", admit.Queue),
		Wait:       r.duration("REQUEST_QUEUE_TIMEOUT", admit.Wait),
		Slow:       r.duration("SLOW_REQUEST_AFTER", admit.Slow),
	}
	for o := range strings.SplitSeq(getenv("CORS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if u, err := url.Parse(o); err != nil || strings.Contains(o, "*") || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			r.errs = append(r.errs, fmt.Errorf("CORS_ALLOWED_ORIGINS: %q is not an origin such as https://portal.example.se (no wildcard, path or query)", o))
			continue
		}
		c.CORS.AllowedOrigins = append(c.CORS.AllowedOrigins, strings.TrimSuffix(o, "/"))
	}
	if c.Environment != "production" && c.Environment != "development" {
		r.errs = append(r.errs, fmt.Errorf("ENVIRONMENT must be production or development, got %q", c.Environment))
	}
	c.MetricsAddr = strings.TrimSpace(getenv("METRICS_ADDR"))
	if c.MetricsAddr != "" && c.MetricsAddr != MetricsOff {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			r.errs = append(r.errs, fmt.Errorf("METRICS_ADDR must be empty, off, or an address such as :9090, got %q", c.MetricsAddr))
		}
	}
	var err error
	if c.Tracing, err = telemetry.TracingFromEnv(getenv); err != nil {
		r.errs = append(r.errs, err)
	}
	if c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		r.errs = append(r.errs, errors.New("DB_MAX_IDLE_CONNS cannot exceed DB_MAX_OPEN_CONNS"))
	}
	return c, errors.Join(r.errs...)
}

// DefaultGCPercent is the garbage collector's target when GOGC is not set:
// the heap may grow to five times what is live before a collection,
// where Go's default is twice. A GraphQL response allocates for every
// field, so at 100 allocation and collection took about a fifth of the
// CPU under load; at 400 the collector takes 4–10 %, for some 90 MiB
// more memory in the load benchmark (docs/performance.md).
const DefaultGCPercent = 400

// TuneGC sets DefaultGCPercent unless GOGC says otherwise, in which case
// the Go runtime has already applied it.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}

// FromOS reads the configuration from the process environment.
func FromOS() (Config, error) { return FromEnv(os.Getenv) }

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) int(key string, def int) int {
	v := r.getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s must be a positive whole number, got %q", key, v))
		return def
	}
	return n
}

// nonNegative reads a whole number that may be 0.
func (r *reader) nonNegative(key string, def int) int {
	v := r.getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.errs = append(r.errs, fmt.Errorf("%s must be 0 or a positive whole number, got %q", key, v))
		return def
	}
	return n
}

// offWhenZero turns a setting's 0 ("none") into the -1 by which the
// packages say off, since their 0 means their default.
func offWhenZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := r.getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s must be a positive duration such as 15s, got %q", key, v))
		return def
	}
	return d
}

func (r *reader) bool(key string, def bool) bool {
	switch strings.ToLower(r.getenv(key)) {
	case "":
		return def
	case "1", "true", "on", "yes":
		return true
	case "0", "false", "off", "no":
		return false
	default:
		r.errs = append(r.errs, fmt.Errorf("%s must be true or false, got %q", key, r.getenv(key)))
		return def
	}
}
