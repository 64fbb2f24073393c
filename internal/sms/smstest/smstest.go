// Package smstest is a 46elks gateway for tests: an HTTP server speaking
// the protocol of POST /a1/sms that keeps the messages it takes, so that a
// test reads the code a person was sent, or makes the gateway fail.
package smstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"kundportal/internal/sms"
)

// The credentials the gateway accepts.
const (
	Username = "u0123456789abcdef"
	Password = "test-password"
)

// Message is one message the gateway took.
type Message struct{ ID, From, To, Text string }

// Gateway is a running test gateway.
type Gateway struct {
	*httptest.Server
	mu       sync.Mutex
	messages []Message
	requests int
	// answer, if set, answers instead of sending.
	answer func(w http.ResponseWriter)
}

// New starts a gateway that stops when the test ends.
func New(t testing.TB) *Gateway {
	g := &Gateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

// Client is an sms.Elks client of the gateway.
func (g *Gateway) Client() *sms.Elks {
	return &sms.Elks{BaseURL: g.URL, Username: Username, Password: Password, From: "Inera", HTTP: g.Server.Client()}
}

// FailWith makes the gateway answer every request with the status and
// body; status 0 sends again.
func (g *Gateway) FailWith(status int, body string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if status == 0 {
		g.answer = nil
		return
	}
	g.answer = func(w http.ResponseWriter) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// Messages returns the messages taken so far.
func (g *Gateway) Messages() []Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Message(nil), g.messages...)
}

// Requests is how many requests reached the gateway.
func (g *Gateway) Requests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// LastCode is the six-digit code of the last message to the number, or
// "" if none was sent.
func (g *Gateway) LastCode(to string) string {
	msgs := g.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == to {
			return sixDigits.FindString(msgs[i].Text)
		}
	}
	return ""
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.requests++
	answer := g.answer
	g.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/a1/sms" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != Username || pass != Password {
		http.Error(w, "Requires authentication", http.StatusUnauthorized)
		return
	}
	if answer != nil {
		answer(w)
		return
	}
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "Missing key from", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	from, to, text := r.PostForm.Get("from"), r.PostForm.Get("to"), r.PostForm.Get("message")
	switch {
	case from == "":
		http.Error(w, "Missing key from", http.StatusBadRequest)
		return
	case to == "":
		http.Error(w, "Missing key to", http.StatusBadRequest)
		return
	case text == "":
		http.Error(w, "Missing key message", http.StatusBadRequest)
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := "s" + hex.EncodeToString(b)
	g.mu.Lock()
	g.messages = append(g.messages, Message{ID: id, From: from, To: to, Text: text})
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "created", "direction": "outgoing", "from": from, "to": to, "message": text,
		"created": "2026-11-24T10:00:00.000000", "parts": 1, "cost": 3500, "id": id,
	})
}
