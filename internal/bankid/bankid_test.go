package bankid_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"kundportal/internal/admission"
	"kundportal/internal/bankid"
)

// fakeBankID speaks BankID's relying-party JSON: it checks each request
// and answers collect from a script.
type fakeBankID struct {
	t       *testing.T
	mu      sync.Mutex
	signed  []map[string]any
	collect []string // JSON answers, one per collect
	status  int      // non-200 answer to every call, with body
	body    string
	cancels []string
}

func (f *fakeBankID) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("%s %s with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
		return
	}
	switch r.URL.Path {
	case "/rp/v6.0/sign":
		f.signed = append(f.signed, req)
		_, _ = w.Write([]byte(`{"orderRef":"131daac9-16c6-4618-beb0-365768f37288","autoStartToken":"7c40b5c9-fa74-49cf-b98c-bfe651f9a7c6","qrStartToken":"67df3917-fa0d-44e5-b327-edcc928297f8","qrStartSecret":"d28db9a7-4cde-429e-a983-359be676944c"}`))
	case "/rp/v6.0/collect":
		if req["orderRef"] != "131daac9-16c6-4618-beb0-365768f37288" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errorCode":"notFound","details":"No such order"}`))
			return
		}
		next := f.collect[0]
		f.collect = f.collect[1:]
		_, _ = w.Write([]byte(next))
	case "/rp/v6.0/cancel":
		f.cancels = append(f.cancels, req["orderRef"].(string))
		_, _ = w.Write([]byte(`{}`))
	default:
		f.t.Errorf("unexpected path %s", r.URL.Path)
	}
}

func plain(t *testing.T, f *fakeBankID) *bankid.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return bankid.NewWithHTTPClient(srv.URL, srv.Client())
}

const (
	pendingJSON  = `{"orderRef":"131daac9-16c6-4618-beb0-365768f37288","status":"pending","hintCode":"outstandingTransaction"}`
	signingJSON  = `{"orderRef":"131daac9-16c6-4618-beb0-365768f37288","status":"pending","hintCode":"userSign"}`
	completeJSON = `{"orderRef":"131daac9-16c6-4618-beb0-365768f37288","status":"complete","completionData":{"user":{"personalNumber":"191212121212","name":"Tolvan Tolvansson","givenName":"Tolvan","surname":"Tolvansson"},"device":{"ipAddress":"192.0.2.10"},"bankIdIssueDate":"2020-02-01","signature":"PHNpZ25hdHVyZT4=","ocspResponse":"MIIHfgoBAKCCB3cw"}}`
)

// TestSignAndCollect: the request carries the end user's address, the
// text base64-encoded and the required personal number; collect goes from
// pending to complete with the completion data.
func TestSignAndCollect(t *testing.T) {
	f := &fakeBankID{t: t, collect: []string{pendingJSON, signingJSON, completeJSON}}
	c := plain(t, f)
	ctx := context.Background()
	text := "Jag undertecknar Kundavtal 2 för Region Östergötland"
	order, err := c.Sign(ctx, bankid.SignRequest{EndUserIP: "192.0.2.10", UserVisibleData: text, PersonalNumber: "19121212-1212"})
	if err != nil {
		t.Fatal(err)
	}
	if order.OrderRef == "" || order.AutoStartToken == "" || order.QRStartSecret == "" {
		t.Fatalf("order %+v", order)
	}
	req := f.signed[0]
	shown, _ := base64.StdEncoding.DecodeString(req["userVisibleData"].(string))
	if req["endUserIp"] != "192.0.2.10" || string(shown) != text || req["userVisibleDataFormat"] != "plaintext" ||
		req["requirement"].(map[string]any)["personalNumber"] != "191212121212" {
		t.Errorf("sign request %v", req)
	}
	for _, want := range []bankid.HintCode{bankid.HintOutstandingTransaction, bankid.HintUserSign} {
		res, err := c.Collect(ctx, order.OrderRef)
		if err != nil || res.Status != bankid.StatusPending || res.HintCode != want {
			t.Fatalf("collect = %+v, %v; want pending %s", res, err, want)
		}
	}
	res, err := c.Collect(ctx, order.OrderRef)
	if err != nil || res.Status != bankid.StatusComplete || res.CompletionData.User.PersonalNumber != "191212121212" ||
		res.CompletionData.Signature == "" || res.CompletionData.Device.IPAddress != "192.0.2.10" {
		t.Fatalf("collect = %+v, %v", res, err)
	}
	if err := c.Cancel(ctx, order.OrderRef); err != nil || len(f.cancels) != 1 || f.cancels[0] != order.OrderRef {
		t.Errorf("cancel: %v, %v", err, f.cancels)
	}
}

// TestCollectFailures: every failure BankID reports reaches the caller as
// status failed with its hint.
func TestCollectFailures(t *testing.T) {
	for _, hint := range []bankid.HintCode{bankid.HintUserCancel, bankid.HintExpiredTransaction, bankid.HintCertificateErr, bankid.HintStartFailed} {
		f := &fakeBankID{t: t, collect: []string{`{"orderRef":"131daac9-16c6-4618-beb0-365768f37288","status":"failed","hintCode":"` + string(hint) + `"}`}}
		res, err := plain(t, f).Collect(context.Background(), "131daac9-16c6-4618-beb0-365768f37288")
		if err != nil || res.Status != bankid.StatusFailed || res.HintCode != hint {
			t.Errorf("%s: %+v, %v", hint, res, err)
		}
	}
}

// TestErrors: BankID's refusals keep their code; outages and garbage are
// retryable, refusals are not.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		code      bankid.ErrorCode
		retryable bool
	}{
		{"already in progress", 400, `{"errorCode":"alreadyInProgress","details":"Order already in progress for pno"}`, bankid.ErrAlreadyInProgress, false},
		{"invalid parameters", 400, `{"errorCode":"invalidParameters","details":"Invalid endUserIp"}`, bankid.ErrInvalidParameters, false},
		{"maintenance", 503, `{"errorCode":"maintenance","details":"Service unavailable"}`, bankid.ErrMaintenance, true},
		{"internal error", 500, `{"errorCode":"internalError","details":"Internal error"}`, bankid.ErrInternal, true},
		{"garbage with 502", 502, `<html>Bad gateway</html>`, bankid.ErrUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plain(t, &fakeBankID{t: t, status: tc.status, body: tc.body}).Sign(context.Background(), bankid.SignRequest{EndUserIP: "192.0.2.1", UserVisibleData: "x"})
			var be *bankid.Error
			if !errors.As(err, &be) || be.Code != tc.code || be.Retryable() != tc.retryable {
				t.Errorf("err = %v, want %s retryable=%v", err, tc.code, tc.retryable)
			}
		})
	}
	t.Run("200 with garbage", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) }))
		defer srv.Close()
		_, err := bankid.NewWithHTTPClient(srv.URL, srv.Client()).Collect(context.Background(), "x")
		var be *bankid.Error
		if !errors.As(err, &be) || be.Code != bankid.ErrUnavailable || !be.Retryable() {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := bankid.NewWithHTTPClient(url, &http.Client{Timeout: time.Second}).Sign(context.Background(), bankid.SignRequest{})
		var be *bankid.Error
		if !errors.As(err, &be) || be.Code != bankid.ErrUnavailable || !be.Retryable() {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown order", func(t *testing.T) {
		_, err := plain(t, &fakeBankID{t: t}).Collect(context.Background(), "no-such-order")
		var be *bankid.Error
		if !errors.As(err, &be) || be.Code != bankid.ErrNotFound || be.Retryable() {
			t.Errorf("err = %v", err)
		}
	})
}

// TestMutualTLS: the client presents its certificate and trusts only the
// configured CA; BankID refuses a client without a certificate it trusts.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := certificate(t, nil, nil, "Test BankID CA", true)
	server, serverKey := certificate(t, ca, caKey, "127.0.0.1", false)
	client, clientKey := certificate(t, ca, caKey, "Kundportal RP", false)
	stranger, strangerKey := certificate(t, nil, nil, "Stranger", false)
	write := func(name string, der []byte, key *ecdsa.PrivateKey) (string, string) {
		certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
		must(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
		if key != nil {
			b, err := x509.MarshalECPrivateKey(key)
			must(t, err)
			must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b}), 0o600))
		}
		return certFile, keyFile
	}
	caFile, _ := write("ca", ca.Raw, nil)
	clientCert, clientKeyFile := write("client", client.Raw, clientKey)
	strangerCert, strangerKeyFile := write("stranger", stranger.Raw, strangerKey)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv := httptest.NewUnstartedServer(&fakeBankID{t: t, collect: []string{completeJSON}})
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{server.Raw}, PrivateKey: serverKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12,
	}
	srv.StartTLS()
	defer srv.Close()

	c, err := bankid.New(bankid.Config{BaseURL: srv.URL, CertFile: clientCert, KeyFile: clientKeyFile, CAFile: caFile})
	must(t, err)
	order, err := c.Sign(context.Background(), bankid.SignRequest{EndUserIP: "192.0.2.1", UserVisibleData: "Avtal"})
	if err != nil || order.OrderRef == "" {
		t.Fatalf("sign over mutual TLS: %+v, %v", order, err)
	}
	if res, err := c.Collect(context.Background(), order.OrderRef); err != nil || res.Status != bankid.StatusComplete {
		t.Fatalf("collect over mutual TLS: %+v, %v", res, err)
	}
	bad, err := bankid.New(bankid.Config{BaseURL: srv.URL, CertFile: strangerCert, KeyFile: strangerKeyFile, CAFile: caFile})
	must(t, err)
	_, err = bad.Sign(context.Background(), bankid.SignRequest{EndUserIP: "192.0.2.1", UserVisibleData: "Avtal"})
	var be *bankid.Error
	if !errors.As(err, &be) || be.Code != bankid.ErrUnavailable {
		t.Errorf("a client certificate BankID does not trust: err = %v, want refused", err)
	}
}

// certificate makes a certificate signed by parent (self-signed without
// one) for name, an IP address if name is one.
func certificate(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, name string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return cert, key
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestQRData follows BankID's recipe for the animated QR code.
func TestQRData(t *testing.T) {
	token, secret := "67df3917-fa0d-44e5-b327-edcc928297f8", "d28db9a7-4cde-429e-a983-359be676944c"
	for _, secs := range []int{0, 7} {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(map[int]string{0: "0", 7: "7"}[secs]))
		want := "bankid." + token + "." + map[int]string{0: "0", 7: "7"}[secs] + "." + hex.EncodeToString(mac.Sum(nil))
		got := bankid.QRData(token, secret, time.Duration(secs)*time.Second+400*time.Millisecond)
		if got != want || !regexp.MustCompile(`^bankid\.[^.]+\.\d+\.[0-9a-f]{64}$`).MatchString(got) {
			t.Errorf("QRData after %ds = %s, want %s", secs, got, want)
		}
	}
}

// TestSimulator: pending until its delay, then complete for the person it
// was started for; cancelled is failed with userCancel.
func TestSimulator(t *testing.T) {
	now := time.Now()
	s := bankid.NewSimulator(2 * time.Second)
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	o, _ := s.Sign(ctx, bankid.SignRequest{PersonalNumber: "19760412-9846"})
	if r, _ := s.Collect(ctx, o.OrderRef); r.Status != bankid.StatusPending {
		t.Errorf("at once: %+v", r)
	}
	now = now.Add(3 * time.Second)
	if r, _ := s.Collect(ctx, o.OrderRef); r.Status != bankid.StatusComplete || r.CompletionData.User.PersonalNumber != "19760412-9846" {
		t.Errorf("after the delay: %+v", r)
	}
	o2, _ := s.Sign(ctx, bankid.SignRequest{})
	_ = s.Cancel(ctx, o2.OrderRef)
	if r, _ := s.Collect(ctx, o2.OrderRef); r.Status != bankid.StatusFailed || r.HintCode != bankid.HintUserCancel {
		t.Errorf("cancelled: %+v", r)
	}
	var be *bankid.Error
	if _, err := s.Collect(ctx, "nope"); !errors.As(err, &be) || be.Code != bankid.ErrNotFound {
		t.Errorf("unknown: %v", err)
	}
}

// TestCallsGiveUpTheRequestsTurn: a request waiting on BankID does not
// keep others out of the server (internal/admission).
func TestCallsGiveUpTheRequestsTurn(t *testing.T) {
	c := plain(t, &fakeBankID{t: t, collect: []string{pendingJSON}})
	lim := admission.New(admission.Limits{Concurrent: 1})
	ctx, leave, err := lim.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	if _, err := c.Collect(ctx, "131daac9-16c6-4618-beb0-365768f37288"); err != nil {
		t.Fatal(err)
	}
	if lim.Running() != 0 {
		t.Fatalf("Running = %d after a call to BankID, want 0", lim.Running())
	}
}
