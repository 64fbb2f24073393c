package sms_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"kundportal/internal/admission"
	"kundportal/internal/sms"
	"kundportal/internal/sms/smstest"
)

func TestElksSendsThroughTheGateway(t *testing.T) {
	g := smstest.New(t)
	sent, err := g.Client().Send(context.Background(), sms.Message{To: "+46701234567", Text: "Din kod: 123456"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := g.Messages()
	if len(msgs) != 1 || msgs[0].ID != sent.ID || msgs[0].From != "Inera" || msgs[0].To != "+46701234567" || msgs[0].Text != "Din kod: 123456" {
		t.Fatalf("gateway took %+v, client answered %+v", msgs, sent)
	}
	if g.LastCode("+46701234567") != "123456" {
		t.Fatalf("LastCode = %q", g.LastCode("+46701234567"))
	}
}

func TestElksClassifiesFailures(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"gateway down", http.StatusServiceUnavailable, "down", sms.ErrUnavailable},
		{"rate limited", http.StatusTooManyRequests, "slow down", sms.ErrUnavailable},
		{"bad number", http.StatusBadRequest, "Invalid to number", sms.ErrRejected},
		{"garbage with 200", http.StatusOK, "<html>proxy</html>", sms.ErrUnavailable},
		{"200 without id", http.StatusOK, `{"status":"created"}`, sms.ErrUnavailable},
		{"failed message", http.StatusOK, `{"status":"failed","id":"s1"}`, sms.ErrRejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := smstest.New(t)
			g.FailWith(c.status, c.body)
			_, err := g.Client().Send(context.Background(), sms.Message{To: "+46701234567", Text: "x"})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), smstest.Password) {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestElksWrongCredentialsAreRejected(t *testing.T) {
	g := smstest.New(t)
	c := g.Client()
	c.Password = "wrong-password"
	_, err := c.Send(context.Background(), sms.Message{To: "+46701234567", Text: "x"})
	if !errors.Is(err, sms.ErrRejected) || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("err = %v, want ErrRejected without the password", err)
	}
}

func TestElksGatewayGoneIsUnavailable(t *testing.T) {
	g := smstest.New(t)
	c := g.Client()
	g.Close()
	if _, err := c.Send(context.Background(), sms.Message{To: "+46701234567", Text: "x"}); !errors.Is(err, sms.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestElksRefusesBadNumbersWithoutAsking(t *testing.T) {
	g := smstest.New(t)
	for _, to := range []string{"0701234567", "+46 70 123", "", "+4670123456789012"} {
		if _, err := g.Client().Send(context.Background(), sms.Message{To: to, Text: "x"}); !errors.Is(err, sms.ErrRejected) {
			t.Errorf("to %q: err = %v, want ErrRejected", to, err)
		}
	}
	for _, from := range []string{"Inera AB Kundportal", "IN", "1nera"} {
		c := g.Client()
		c.From = from
		if _, err := c.Send(context.Background(), sms.Message{To: "+46701234567", Text: "x"}); !errors.Is(err, sms.ErrRejected) {
			t.Errorf("sender %q: err = %v, want ErrRejected", from, err)
		}
	}
	if g.Requests() != 0 {
		t.Fatalf("%d requests reached the gateway", g.Requests())
	}
}

func TestElksHonoursCancellation(t *testing.T) {
	g := smstest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Client().Send(ctx, sms.Message{To: "+46701234567", Text: "x"}); !errors.Is(err, sms.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestLogSenderLogsTheText(t *testing.T) {
	var buf bytes.Buffer
	sent, err := sms.Log{Logger: slog.New(slog.NewTextHandler(&buf, nil))}.Send(context.Background(), sms.Message{To: "+46701234567", Text: "Din kod: 654321"})
	if err != nil || !strings.HasPrefix(sent.ID, "log-") || !strings.Contains(buf.String(), "654321") {
		t.Fatalf("sent %+v, err %v, log %q", sent, err, buf.String())
	}
}

// TestElksGivesUpTheRequestsTurn: a request waiting on the gateway does
// not keep others out of the server (internal/admission).
func TestElksGivesUpTheRequestsTurn(t *testing.T) {
	g := smstest.New(t)
	lim := admission.New(admission.Limits{Concurrent: 1})
	ctx, leave, err := lim.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	if _, err := g.Client().Send(ctx, sms.Message{To: "+46701234567", Text: "Din kod: 123456"}); err != nil {
		t.Fatal(err)
	}
	if lim.Running() != 0 {
		t.Fatalf("Running = %d after a call to the gateway, want 0", lim.Running())
	}
}
