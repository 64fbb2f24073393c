package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"kundportal/internal/telemetry"
)

// TestMetricsOnTheirOwnListener: with METRICS_ADDR set, /metrics is served
// on that address until the server stops.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveMetrics(ctx, addr, telemetry.NewMetrics(), slog.New(slog.DiscardHandler)) }()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rsp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		body = string(b)
		break
	}
	if !strings.Contains(body, "go_goroutines") {
		t.Fatalf("no metrics at %s: %q", addr, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the metrics listener did not stop")
	}
}
