package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"kundportal/ent"
	"kundportal/ent/notification"
	"kundportal/internal/access"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/notify"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// countingMailer records what it was asked to send and fails when told.
type countingMailer struct {
	mu   sync.Mutex
	sent map[string]int
	fail error
}

func (c *countingMailer) Send(_ context.Context, m notify.Mail) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	if c.sent == nil {
		c.sent = map[string]int{}
	}
	c.sent[string(m.ID)]++
	return nil
}

func sender(db *database.DB, m notify.Mailer, now time.Time) *notify.Sender {
	return &notify.Sender{Client: db.Client, Dialect: db.Dialect, Mailer: m, MaxAttempts: 3, Now: func() time.Time { return now }}
}

// TestSenderDeliversAndRetries: a delivered message is SENT; a failed one
// is tried again after a backoff and FAILED after the last attempt; a
// message not yet due is left alone.
func TestSenderDeliversAndRetries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		fx := fixture.New(t, db.Client)
		ctx := access.SystemContext(t.Context())
		due := fx.Notification()
		later := fx.Notification(func(n *ent.NotificationCreate) { n.SetNextAttemptAt(time.Now().Add(time.Hour)) })
		now := time.Now()
		ok := &countingMailer{}
		if n, err := sender(db, ok, now).DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue = %d, %v; want 1", n, err)
		}
		got := db.Client.Notification.GetX(ctx, due.ID)
		if got.Status != notification.StatusSENT || got.SentAt == nil || got.Attempts != 1 || ok.sent[string(due.ID)] != 1 {
			t.Errorf("delivered message %+v", got)
		}
		if db.Client.Notification.GetX(ctx, later.ID).Status != notification.StatusPENDING || ok.sent[string(later.ID)] != 0 {
			t.Error("a message not yet due was sent")
		}

		failing := fx.Notification(func(n *ent.NotificationCreate) { n.SetNextAttemptAt(now) })
		bad := &countingMailer{fail: errors.New("550 mailbox unavailable")}
		at := now
		for attempt := 1; attempt <= 3; attempt++ {
			if _, err := sender(db, bad, at).DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			got := db.Client.Notification.GetX(ctx, failing.ID)
			if got.Attempts != attempt || got.LastError == nil || !strings.Contains(*got.LastError, "550") {
				t.Fatalf("attempt %d: %+v", attempt, got)
			}
			if attempt < 3 {
				base := 30 * time.Second << (attempt - 1)
				if got.Status != notification.StatusPENDING || got.NextAttemptAt.Before(at.Add(base-time.Second)) {
					t.Errorf("attempt %d: %s, next attempt %v, want PENDING after a backoff", attempt, got.Status, got.NextAttemptAt)
				}
				at = got.NextAttemptAt.Add(time.Second)
			} else if got.Status != notification.StatusFAILED {
				t.Errorf("after the last attempt: %s, want FAILED", got.Status)
			}
		}
	})
}

// TestLongSwedishErrorIsKeptWhole: an error longer than the column, full
// of å, ä and ö, is cut at a character boundary and stored.
func TestLongSwedishErrorIsKeptWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		n := fixture.New(t, db.Client).Notification()
		ctx := access.SystemContext(t.Context())
		bad := &countingMailer{fail: errors.New("5" + strings.Repeat("ä", 1500))}
		if _, err := sender(db, bad, time.Now()).DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		got := db.Client.Notification.GetX(ctx, n.ID)
		if got.LastError == nil || len(*got.LastError) > 2000 || !utf8.ValidString(*got.LastError) || len(*got.LastError) < 1990 {
			t.Errorf("last error of %d bytes, valid UTF-8 %v", len(*got.LastError), got.LastError != nil && utf8.ValidString(*got.LastError))
		}
	})
}

// TestSendersShareTheOutbox: four senders on one PostgreSQL deliver fifty
// messages, each exactly once.
func TestSendersShareTheOutbox(t *testing.T) {
	db := testdb.Postgres(t)
	fx := fixture.New(t, db.Client)
	ctx := access.SystemContext(t.Context())
	for range 50 {
		fx.Notification()
	}
	m := &countingMailer{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &notify.Sender{Client: db.Client, Dialect: db.Dialect, Mailer: m, Batch: 5}
			for {
				n, err := s.DeliverDue(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(m.sent) != 50 {
		t.Errorf("%d messages delivered, want 50", len(m.sent))
	}
	for id, n := range m.sent {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// smtpServer is a real SMTP server in the test that records what it
// receives, or refuses every recipient.
type smtpServer struct {
	mu       sync.Mutex
	from, to []string
	data     [][]byte
	refuse   bool
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct{ s *smtpServer }

func (x *smtpSession) Reset()        {}
func (x *smtpSession) Logout() error { return nil }
func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.from = append(x.s.from, from)
	return nil
}
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.to = append(x.s.to, to)
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.data = append(x.s.data, b)
	return err
}

func startSMTP(t *testing.T, refuse bool) (*smtpServer, int) {
	rec := &smtpServer{refuse: refuse}
	srv := smtp.NewServer(rec)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rec, l.Addr().(*net.TCPAddr).Port
}

// TestSMTPDelivery: a message goes through a real SMTP server with its
// envelope, a Swedish subject encoded for mail, the body and a Message-ID
// derived from the notification; a refusing server is an error the
// sender records.
func TestSMTPDelivery(t *testing.T) {
	rec, port := startSMTP(t, false)
	m := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: port, From: "Kundportalen <noreply@kundportal.example>", TLS: "none"})
	err := m.Send(t.Context(), notify.Mail{ID: "NO01TEST", To: "anna@example.se", Subject: "Ändrade villkor för Webcert", Body: "Villkoren ändras den 23 januari 2024."})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.data) != 1 || rec.from[0] != "noreply@kundportal.example" || rec.to[0] != "anna@example.se" {
		t.Fatalf("server got from %v to %v, %d messages", rec.from, rec.to, len(rec.data))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(rec.data[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Ändrade villkor för Webcert" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	if msg.Header.Get("Message-Id") != "<NO01TEST@kundportal>" {
		t.Errorf("Message-ID %q", msg.Header.Get("Message-Id"))
	}
	if !strings.Contains(string(rec.data[0]), "23 januari 2024") {
		t.Errorf("body not delivered:\n%s", rec.data[0])
	}

	_, refusingPort := startSMTP(t, true)
	refusing := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: refusingPort, From: "noreply@kundportal.example", TLS: "none"})
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		n := fixture.New(t, db.Client).Notification()
		ctx := access.SystemContext(t.Context())
		if _, err := sender(db, refusing, time.Now()).DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		got := db.Client.Notification.GetX(ctx, n.ID)
		if got.Status != notification.StatusPENDING || got.LastError == nil || !strings.Contains(*got.LastError, "550") {
			t.Errorf("after a refusal: %s, last error %v", got.Status, got.LastError)
		}
	})
}

// TestLogMailerKeepsPersonalDataOutOfTheLog: without SMTP the message is
// logged by its ID and domain, never its address or text.
func TestLogMailerKeepsPersonalDataOutOfTheLog(t *testing.T) {
	var buf bytes.Buffer
	m := notify.LogMailer{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	_ = m.Send(context.Background(), notify.Mail{ID: "NO01X", To: "anna.lindqvist@regionstockholm.se", Subject: "Hej Anna", Body: "19760412-9846"})
	if out := buf.String(); strings.Contains(out, "anna.lindqvist") || strings.Contains(out, "19760412") || strings.Contains(out, "Hej Anna") || !strings.Contains(out, "regionstockholm.se") {
		t.Errorf("log: %s", out)
	}
}

// blockingMailer sends once released, whatever its context says.
type blockingMailer struct{ sending, release chan struct{} }

func (b blockingMailer) Send(context.Context, notify.Mail) error {
	close(b.sending)
	<-b.release
	return nil
}

// TestRunFinishesTheDeliveryUnderWayWhenStopped: a shutdown that stops Run
// while a message is being sent waits for it and records it SENT, so the
// next instance does not send it again.
func TestRunFinishesTheDeliveryUnderWayWhenStopped(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		n := fixture.New(t, db.Client).Notification()
		m := blockingMailer{sending: make(chan struct{}), release: make(chan struct{})}
		ctx, stop := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			sender(db, m, time.Now()).Run(ctx, time.Hour)
		}()
		<-m.sending
		stop()
		close(m.release)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
		got := db.Client.Notification.GetX(access.SystemContext(t.Context()), n.ID)
		if got.Status != notification.StatusSENT || got.Attempts != 1 {
			t.Errorf("after the stop the message is %s with %d attempts, want SENT after 1", got.Status, got.Attempts)
		}
	})
}
