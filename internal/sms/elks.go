package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"kundportal/internal/admission"
)

// Elks sends through 46elks (https://46elks.com/docs/send-sms): POST
// {BaseURL}/a1/sms with HTTP basic authentication by the API username and
// password, the fields from, to and message form-encoded; the JSON answer
// carries the message's id.
type Elks struct {
	// BaseURL defaults to https://api.46elks.com.
	BaseURL            string
	Username, Password string
	// From is the sender shown: 3–11 letters and digits starting with a
	// letter (46elks' rule), or a number in E.164 form.
	From string
	// HTTP is the client; nil means one with a 10-second timeout.
	HTTP *http.Client
}

var (
	e164       = regexp.MustCompile(`^\+[0-9]{8,15}$`)
	senderName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,10}$`)
)

// maxAnswer bounds what is read of the gateway's answer.
const maxAnswer = 64 << 10

// Send implements Sender.
func (e *Elks) Send(ctx context.Context, m Message) (Sent, error) {
	if !e164.MatchString(m.To) {
		return Sent{}, fmt.Errorf("%w: %q is not a number in E.164 form", ErrRejected, m.To)
	}
	if !senderName.MatchString(e.From) && !e164.MatchString(e.From) {
		return Sent{}, fmt.Errorf("%w: sender %q is neither a name of 3–11 letters and digits starting with a letter, nor a number", ErrRejected, e.From)
	}
	base := e.BaseURL
	if base == "" {
		base = "https://api.46elks.com"
	}
	form := url.Values{"from": {e.From}, "to": {m.To}, "message": {m.Text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/a1/sms", strings.NewReader(form.Encode()))
	if err != nil {
		return Sent{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	req.SetBasicAuth(e.Username, e.Password)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := e.HTTP
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	admission.Release(ctx) // the gateway may be slow; other requests need not wait for it
	res, err := client.Do(req)
	if err != nil {
		return Sent{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return Sent{}, fmt.Errorf("%w: reading answer: %v", ErrUnavailable, err)
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return Sent{}, fmt.Errorf("%w: 46elks answered %s", ErrUnavailable, res.Status)
	case res.StatusCode >= 400:
		return Sent{}, fmt.Errorf("%w: 46elks answered %s: %s", ErrRejected, res.Status, snippet(body))
	case res.StatusCode != http.StatusOK:
		return Sent{}, fmt.Errorf("%w: 46elks answered %s", ErrUnavailable, res.Status)
	}
	var answer struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.ID == "" {
		return Sent{}, fmt.Errorf("%w: 46elks answered 200 without a message id: %s", ErrUnavailable, snippet(body))
	}
	if answer.Status == "failed" {
		return Sent{}, fmt.Errorf("%w: 46elks could not send message %s", ErrRejected, answer.ID)
	}
	return Sent{ID: answer.ID}, nil
}

// snippet is the start of an answer, for an error's text.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
