package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracingConfig is what the server decides itself about tracing from the
// standard OTEL_ variables; everything else they say (endpoint, headers,
// timeout, TLS, sampler, service name, resource attributes, batching) the
// OpenTelemetry SDK reads from the environment itself.
type TracingConfig struct {
	// Enabled is true when an OTLP endpoint is set and neither
	// OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none turns tracing off.
	Enabled bool
	// Protocol is grpc, http/protobuf or http/json.
	Protocol string
}

// The protocols of OTEL_EXPORTER_OTLP_PROTOCOL.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
	ProtocolHTTPJSON     = "http/json"
)

// TracingFromEnv reads the OTEL_ variables that decide whether and how
// spans are exported, and refuses malformed ones that the SDK would
// silently ignore.
func TracingFromEnv(getenv func(string) string) (TracingConfig, error) {
	var errs []error
	first := func(keys ...string) (string, string) {
		for _, k := range keys {
			if v := strings.TrimSpace(getenv(k)); v != "" {
				return k, v
			}
		}
		return keys[len(keys)-1], ""
	}
	c := TracingConfig{Protocol: ProtocolHTTPProtobuf}
	if k, p := first("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" {
		switch p {
		case ProtocolGRPC, ProtocolHTTPProtobuf, ProtocolHTTPJSON:
			c.Protocol = p
		default:
			errs = append(errs, fmt.Errorf("%s must be grpc, http/protobuf or http/json, got %q", k, p))
		}
	}
	k, endpoint := first("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s must be a URL such as http://otel-collector:4318, got %q", k, endpoint))
		}
	}
	switch s := getenv("OTEL_TRACES_SAMPLER"); s {
	case "", "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio":
	default:
		errs = append(errs, fmt.Errorf("OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; got %q", s))
	}
	exporter := getenv("OTEL_TRACES_EXPORTER")
	switch exporter {
	case "", "otlp", "none":
	default:
		errs = append(errs, fmt.Errorf("OTEL_TRACES_EXPORTER must be otlp or none, got %q", exporter))
	}
	var disabled bool
	switch strings.ToLower(getenv("OTEL_SDK_DISABLED")) {
	case "", "false":
	case "true":
		disabled = true
	default:
		errs = append(errs, fmt.Errorf("OTEL_SDK_DISABLED must be true or false, got %q", getenv("OTEL_SDK_DISABLED")))
	}
	c.Enabled = endpoint != "" && !disabled && exporter != "none"
	return c, errors.Join(errs...)
}

// ServiceName is service.name unless OTEL_SERVICE_NAME (or service.name in
// OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const ServiceName = "kundportal"

// StartTracing returns the tracer provider spans are exported through,
// and its shutdown, which flushes what is still buffered. When tracing is
// off it returns a nil provider: nothing is traced, at no cost. It also
// makes W3C trace context (traceparent) the propagator, so a caller's
// trace continues here.
func StartTracing(ctx context.Context, cfg TracingConfig) (trace.TracerProvider, func(context.Context) error, error) {
	if !cfg.Enabled {
		return nil, func(context.Context) error { return nil }, nil
	}
	var exp *otlptrace.Exporter
	var err error
	switch cfg.Protocol {
	case ProtocolGRPC:
		exp, err = otlptracegrpc.New(ctx)
	default:
		// otlptracehttp reads OTEL_EXPORTER_OTLP_PROTOCOL for http/json.
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", ServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("trace resource: %w", err)
	}
	// The sampler comes from OTEL_TRACES_SAMPLER (parent-based always-on
	// by default), the batching from OTEL_BSP_*.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp, tp.Shutdown, nil
}

// Tracer is the service's tracer of tp, or nil when tp is nil (tracing off).
func Tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return nil
	}
	return tp.Tracer("kundportal")
}
