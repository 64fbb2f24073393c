package config

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.Database.URL != "" || !c.DemoData || c.Database.MaxIdleConns != 16 || c.RequestTimeout != 15*time.Second ||
		c.Environment != "production" || c.Replica.URL != "" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestEveryBadValueIsReported(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"PORT": "x", "DEMO_DATA": "maybe", "REQUEST_TIMEOUT": "-1s", "LOG_LEVEL": "loud", "ENVIRONMENT": "staging"}))
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, key := range []string{"PORT", "DEMO_DATA", "REQUEST_TIMEOUT", "LOG_LEVEL", "ENVIRONMENT"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestIdlePoolCannotExceedOpen(t *testing.T) {
	if _, err := FromEnv(env(map[string]string{"DB_MAX_OPEN_CONNS": "4", "DB_MAX_IDLE_CONNS": "8"})); err == nil {
		t.Fatal("idle > open accepted")
	}
}

func TestIssuerNeedsAudienceAndKeys(t *testing.T) {
	if _, err := FromEnv(env(map[string]string{"AUTH_ISSUER": "https://idp.example/"})); err == nil {
		t.Fatal("an issuer without audience and JWKS URL was accepted")
	}
	c, err := FromEnv(env(nil))
	if err != nil || !c.DevMode() || c.DevKeyFile != "kundportal-dev.key" {
		t.Fatalf("development mode by default: %+v, %v", c, err)
	}
}

func TestSMTPSettings(t *testing.T) {
	env := map[string]string{"SMTP_HOST": "smtp.example.se", "SMTP_TLS": "tls"}
	c, err := FromEnv(func(k string) string { return env[k] })
	if err != nil || c.SMTP.Port != 465 || c.SMTP.TLS != "tls" || c.SMTP.From == "" {
		t.Errorf("implicit TLS: %+v, %v", c.SMTP, err)
	}
	env = map[string]string{"SMTP_HOST": "smtp.example.se"}
	if c, _ := FromEnv(func(k string) string { return env[k] }); c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" {
		t.Errorf("defaults: %+v", c.SMTP)
	}
	env = map[string]string{"SMTP_TLS": "ssl3"}
	if _, err := FromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "SMTP_TLS") {
		t.Errorf("a bad SMTP_TLS was accepted: %v", err)
	}
}

func TestCORSOrigins(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"CORS_ALLOWED_ORIGINS": "https://portal.example.se, http://localhost:5173/", "CORS_MAX_AGE": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CORS.AllowedOrigins) != 2 || c.CORS.AllowedOrigins[1] != "http://localhost:5173" || c.CORS.MaxAge != time.Hour {
		t.Errorf("CORS %+v", c.CORS)
	}
	for _, bad := range []string{"*", "https://*.example.se", "portal.example.se", "https://portal.example.se/app", "ftp://x.se"} {
		if _, err := FromEnv(env(map[string]string{"CORS_ALLOWED_ORIGINS": bad})); err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_ORIGINS") {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestStatementCacheSize(t *testing.T) {
	for value, want := range map[string]int{"": 256, "64": 64, "0": -1} {
		c, err := FromEnv(env(map[string]string{"DB_STATEMENT_CACHE_SIZE": value}))
		if err != nil || c.Database.StatementCache != want {
			t.Errorf("DB_STATEMENT_CACHE_SIZE=%q: %d, %v; want %d", value, c.Database.StatementCache, err, want)
		}
	}
	if _, err := FromEnv(env(map[string]string{"DB_STATEMENT_CACHE_SIZE": "-3"})); err == nil {
		t.Error("a negative cache size was accepted")
	}
}

func TestGCTargetUnlessGOGCIsSet(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	TuneGC(env(nil))
	if got := debug.SetGCPercent(100); got != DefaultGCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, DefaultGCPercent)
	}
	TuneGC(env(map[string]string{"GOGC": "150"}))
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, TuneGC changed the target to %d", got)
	}
}

// TestShutdownBoundFollowsTheRequestTimeout: by default the shutdown
// waits a little longer than the longest request may run, and does not
// drain.
func TestShutdownBoundFollowsTheRequestTimeout(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"REQUEST_TIMEOUT": "30s"}))
	if err != nil || c.ShutdownTimeout != 35*time.Second || c.ShutdownDrainDelay != 0 {
		t.Fatalf("shutdown timeout %s, drain %s, %v; want 35s and none", c.ShutdownTimeout, c.ShutdownDrainDelay, err)
	}
	c, err = FromEnv(env(map[string]string{"SHUTDOWN_TIMEOUT": "1m", "SHUTDOWN_DRAIN_DELAY": "5s"}))
	if err != nil || c.ShutdownTimeout != time.Minute || c.ShutdownDrainDelay != 5*time.Second {
		t.Fatalf("shutdown timeout %s, drain %s, %v", c.ShutdownTimeout, c.ShutdownDrainDelay, err)
	}
	if _, err := FromEnv(env(map[string]string{"SHUTDOWN_TIMEOUT": "soon"})); err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") {
		t.Fatalf("a bad SHUTDOWN_TIMEOUT: %v", err)
	}
}

func TestMetricsAddr(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "off": true, ":9090": true, "127.0.0.1:9090": true, "9090": false, "metrics": false} {
		c, err := FromEnv(env(map[string]string{"METRICS_ADDR": v}))
		if (err == nil) != ok {
			t.Errorf("METRICS_ADDR=%q: error %v, want ok=%v", v, err, ok)
		}
		if ok && c.MetricsAddr != v {
			t.Errorf("METRICS_ADDR=%q read as %q", v, c.MetricsAddr)
		}
	}
}

func TestTracingFromOTELVariables(t *testing.T) {
	for _, c := range []struct {
		env      map[string]string
		enabled  bool
		protocol string
	}{
		{nil, false, "http/protobuf"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true, "http/protobuf"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, "grpc"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, "http/json"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, false, "http/protobuf"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"}, false, "http/protobuf"},
	} {
		got, err := FromEnv(env(c.env))
		if err != nil || got.Tracing.Enabled != c.enabled || got.Tracing.Protocol != c.protocol {
			t.Errorf("%v: tracing %+v, %v; want enabled %v, protocol %s", c.env, got.Tracing, err, c.enabled, c.protocol)
		}
	}
	_, err := FromEnv(env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector", "OTEL_EXPORTER_OTLP_PROTOCOL": "udp",
		"OTEL_TRACES_SAMPLER": "sometimes", "OTEL_TRACES_EXPORTER": "zipkin", "OTEL_SDK_DISABLED": "maybe"}))
	for _, key := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}
