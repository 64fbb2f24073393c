package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TestLogHandlerAddsIDs: a record logged with a context carries the
// request id and the active span's trace and span ids.
func TestLogHandlerAddsIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(WithRequestID(context.Background(), "REQ123"), "op")
	defer span.End()
	logger.InfoContext(ctx, "hello")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if line["request_id"] != "REQ123" || line["trace_id"] != sc.TraceID().String() || line["span_id"] != sc.SpanID().String() {
		t.Errorf("line %v lacks the ids (trace %s, span %s)", line, sc.TraceID(), sc.SpanID())
	}

	buf.Reset()
	logger.Info("no context")
	if strings.Contains(buf.String(), "request_id") || strings.Contains(buf.String(), "trace_id") {
		t.Errorf("ids without a context: %s", buf.String())
	}
}

// TestLogHandlerRedacts: messages, strings, errors, values of any type
// and attributes bound with With are redacted.
func TestLogHandlerRedacts(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("who", "19121212-1212")
	logger.Error("failed for anna@example.se",
		"error", errors.New(`pq: duplicate key: Key (email)=(anna@example.se) already exists`),
		"to", "+46701234567",
		"panic", struct{ PN string }{"191212121212"},
		slog.Group("g", "phone", "070-123 45 67"),
		"count", 1912121212)
	out := buf.String()
	for _, leak := range []string{"19121212-1212", "191212121212", "anna@example.se", "+46701234567", "070-123 45 67"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %s: %s", leak, out)
		}
	}
	if !strings.Contains(out, RedactedEmail) || !strings.Contains(out, `"count":1912121212`) {
		t.Errorf("unexpected line %s", out)
	}
}
