// Package bankid is a client of BankID's relying-party API v6.0 (JSON over
// HTTPS with mutual TLS): the portal asks BankID to have a person sign a
// text (agreements now, order attestations later), polls the result, and
// cancels. Simulator stands in for BankID in development, so that the
// whole flow works offline. The client's tests run it against a server in
// the test that speaks BankID's JSON and demands the client certificate.
package bankid

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"kundportal/internal/admission"
)

// Provider is what the portal needs of an e-identity provider.
type Provider interface {
	Sign(ctx context.Context, r SignRequest) (*OrderResponse, error)
	Collect(ctx context.Context, orderRef string) (*CollectResponse, error)
	Cancel(ctx context.Context, orderRef string) error
}

// SignRequest is a signing to start.
type SignRequest struct {
	// EndUserIP is the address of the person's device as the portal saw
	// it.
	EndUserIP string
	// UserVisibleData is the text the person signs, shown in the app.
	UserVisibleData string
	// PersonalNumber, if set, is the only person who may sign.
	PersonalNumber string
}

// OrderResponse is BankID's answer to a started signing.
type OrderResponse struct {
	OrderRef       string `json:"orderRef"`
	AutoStartToken string `json:"autoStartToken"`
	QRStartToken   string `json:"qrStartToken"`
	QRStartSecret  string `json:"qrStartSecret"`
}

// Status is a signing's state at BankID.
type Status string

// The statuses.
const (
	StatusPending  Status = "pending"
	StatusFailed   Status = "failed"
	StatusComplete Status = "complete"
)

// HintCode says more about a pending or failed signing.
type HintCode string

// The hint codes BankID documents.
const (
	HintOutstandingTransaction HintCode = "outstandingTransaction"
	HintNoClient               HintCode = "noClient"
	HintStarted                HintCode = "started"
	HintUserMrtd               HintCode = "userMrtd"
	HintUserCallConfirm        HintCode = "userCallConfirm"
	HintUserSign               HintCode = "userSign"
	HintExpiredTransaction     HintCode = "expiredTransaction"
	HintCertificateErr         HintCode = "certificateErr"
	HintUserCancel             HintCode = "userCancel"
	HintCancelled              HintCode = "cancelled"
	HintStartFailed            HintCode = "startFailed"
	HintUserDeclinedCall       HintCode = "userDeclinedCall"
	HintNotSupportedByUserApp  HintCode = "notSupportedByUserApp"
	HintTransactionRiskBlocked HintCode = "transactionRiskBlocked"
)

// CollectResponse is how a signing is going.
type CollectResponse struct {
	OrderRef       string         `json:"orderRef"`
	Status         Status         `json:"status"`
	HintCode       HintCode       `json:"hintCode"`
	CompletionData CompletionData `json:"completionData"`
}

// CompletionData is what a completed signing proves.
type CompletionData struct {
	User struct {
		PersonalNumber string `json:"personalNumber"`
		Name           string `json:"name"`
		GivenName      string `json:"givenName"`
		Surname        string `json:"surname"`
	} `json:"user"`
	Device struct {
		IPAddress string `json:"ipAddress"`
	} `json:"device"`
	BankIDIssueDate string `json:"bankIdIssueDate"`
	Signature       string `json:"signature"`
	OCSPResponse    string `json:"ocspResponse"`
}

// ErrorCode is BankID's errorCode, or ErrUnavailable.
type ErrorCode string

// The error codes.
const (
	ErrAlreadyInProgress    ErrorCode = "alreadyInProgress"
	ErrInvalidParameters    ErrorCode = "invalidParameters"
	ErrUnauthorized         ErrorCode = "unauthorized"
	ErrNotFound             ErrorCode = "notFound"
	ErrMethodNotAllowed     ErrorCode = "methodNotAllowed"
	ErrRequestTimeout       ErrorCode = "requestTimeout"
	ErrUnsupportedMediaType ErrorCode = "unsupportedMediaType"
	ErrInternal             ErrorCode = "internalError"
	ErrMaintenance          ErrorCode = "maintenance"
	// ErrUnavailable is ours: BankID could not be reached or answered
	// something that is not its JSON.
	ErrUnavailable ErrorCode = "unavailable"
)

// Error is a refused or failed call.
type Error struct {
	HTTPStatus int
	Code       ErrorCode
	Details    string
	Err        error
}

// Error implements error.
func (e *Error) Error() string {
	msg := "bankid: " + string(e.Code)
	if e.Details != "" {
		msg += ": " + e.Details
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool {
	switch e.Code {
	case ErrRequestTimeout, ErrInternal, ErrMaintenance, ErrUnavailable:
		return true
	}
	return false
}

// Config is where BankID is and how the portal proves who it is.
type Config struct {
	// BaseURL is e.g. https://appapi2.test.bankid.com.
	BaseURL string
	// CertFile and KeyFile are the relying party's client certificate
	// and key (PEM); CAFile the CA that issued BankID's server
	// certificate (PEM).
	CertFile, KeyFile, CAFile string
	// Timeout bounds each call.
	Timeout time.Duration
}

// Client calls BankID's relying-party API.
type Client struct {
	base string
	http *http.Client
}

// New returns a client that authenticates with the configured client
// certificate and trusts only the configured CA.
func New(cfg Config) (*Client, error) {
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("bankid: client certificate: %w", err)
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("bankid: CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("bankid: no certificate in %s", cfg.CAFile)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	hc := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots, MinVersion: tls.VersionTLS12},
	}}
	return NewWithHTTPClient(cfg.BaseURL, hc), nil
}

// NewWithHTTPClient returns a client over hc.
func NewWithHTTPClient(baseURL string, hc *http.Client) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc}
}

// Sign starts a signing of r.UserVisibleData.
func (c *Client) Sign(ctx context.Context, r SignRequest) (*OrderResponse, error) {
	body := map[string]any{
		"endUserIp":             r.EndUserIP,
		"userVisibleData":       base64.StdEncoding.EncodeToString([]byte(r.UserVisibleData)),
		"userVisibleDataFormat": "plaintext",
	}
	if r.PersonalNumber != "" {
		body["requirement"] = map[string]any{"personalNumber": strings.ReplaceAll(r.PersonalNumber, "-", "")}
	}
	var out OrderResponse
	if err := c.call(ctx, "/rp/v6.0/sign", body, &out); err != nil {
		return nil, err
	}
	if out.OrderRef == "" {
		return nil, &Error{Code: ErrUnavailable, Err: errors.New("sign answered no orderRef")}
	}
	return &out, nil
}

// Collect asks how a signing is going.
func (c *Client) Collect(ctx context.Context, orderRef string) (*CollectResponse, error) {
	var out CollectResponse
	if err := c.call(ctx, "/rp/v6.0/collect", map[string]any{"orderRef": orderRef}, &out); err != nil {
		return nil, err
	}
	switch out.Status {
	case StatusPending, StatusFailed, StatusComplete:
		return &out, nil
	}
	return nil, &Error{Code: ErrUnavailable, Err: fmt.Errorf("collect answered status %q", out.Status)}
}

// Cancel cancels a pending signing.
func (c *Client) Cancel(ctx context.Context, orderRef string) error {
	return c.call(ctx, "/rp/v6.0/cancel", map[string]any{"orderRef": orderRef}, &struct{}{})
}

func (c *Client) call(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("bankid: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("bankid: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	admission.Release(ctx) // BankID may be slow; other requests need not wait for it
	res, err := c.http.Do(req)
	if err != nil {
		return &Error{Code: ErrUnavailable, Err: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return &Error{HTTPStatus: res.StatusCode, Code: ErrUnavailable, Err: err}
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			ErrorCode ErrorCode `json:"errorCode"`
			Details   string    `json:"details"`
		}
		if json.Unmarshal(raw, &e) != nil || e.ErrorCode == "" {
			return &Error{HTTPStatus: res.StatusCode, Code: ErrUnavailable, Err: fmt.Errorf("HTTP %d without an error code", res.StatusCode)}
		}
		return &Error{HTTPStatus: res.StatusCode, Code: e.ErrorCode, Details: e.Details}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{HTTPStatus: res.StatusCode, Code: ErrUnavailable, Err: fmt.Errorf("answer is not BankID's JSON: %w", err)}
	}
	return nil
}

// QRData is the animated QR code's content after elapsed since the
// signing started: "bankid.<qrStartToken>.<seconds>.<HMAC-SHA256 of the
// seconds keyed with qrStartSecret, hex>". The secret stays on the server.
func QRData(qrStartToken, qrStartSecret string, elapsed time.Duration) string {
	secs := strconv.Itoa(int(elapsed / time.Second))
	mac := hmac.New(sha256.New, []byte(qrStartSecret))
	mac.Write([]byte(secs))
	return "bankid." + qrStartToken + "." + secs + "." + hex.EncodeToString(mac.Sum(nil))
}
