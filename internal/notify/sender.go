package notify

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/wneessen/go-mail"

	"kundportal/ent"
	"kundportal/ent/notification"
	"kundportal/ent/schema/pulid"
	"kundportal/internal/access"
)

// Mail is one e-mail to deliver.
type Mail struct {
	// ID is the notification's; the Message-ID is derived from it, so a
	// message delivered twice (a crash between sending and recording)
	// is recognisable as one.
	ID                pulid.ID
	To, Subject, Body string
}

// Mailer delivers e-mail.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// SMTPConfig is the mail server to deliver through.
type SMTPConfig struct {
	Host               string
	Port               int
	Username, Password string
	// From is the sender, e.g. "Kundportalen <noreply@example.se>".
	From string
	// TLS is "starttls" (required), "tls" (implicit, usually port 465)
	// or "none".
	TLS string
}

// SMTPMailer delivers through an SMTP server with go-mail.
type SMTPMailer struct{ cfg SMTPConfig }

// NewSMTPMailer returns a mailer over cfg.
func NewSMTPMailer(cfg SMTPConfig) *SMTPMailer { return &SMTPMailer{cfg: cfg} }

// Send implements Mailer.
func (s *SMTPMailer) Send(ctx context.Context, m Mail) error {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(30 * time.Second)}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	client, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(string(m.ID) + "@kundportal")
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}

// LogMailer logs instead of sending, when no SMTP server is configured
// (development): the notification and the recipient's domain only, never
// the address or the text, which are personal data.
type LogMailer struct{ Logger *slog.Logger }

// Send implements Mailer.
func (l LogMailer) Send(ctx context.Context, m Mail) error {
	domain := m.To[strings.LastIndex(m.To, "@")+1:]
	l.Logger.InfoContext(ctx, "e-mail not sent: no SMTP_HOST", "notification", m.ID, "recipient_domain", domain)
	return nil
}

// Sender delivers the outbox: several instances may run against one
// PostgreSQL, each claiming rows the others have not
// (FOR UPDATE SKIP LOCKED) and holding them for a lease while it sends.
type Sender struct {
	Client *ent.Client
	// Dialect is the database's, "postgres" or "sqlite3".
	Dialect string
	Mailer  Mailer
	// Batch is how many messages one round claims (20).
	Batch int
	// MaxAttempts is when a message is given up as FAILED (8).
	MaxAttempts int
	// Lease is how long a claimed message is left to its sender before
	// another may try it (1 minute).
	Lease time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run delivers what is due every interval until ctx ends. A delivery
// under way when ctx ends is finished, not cut off: a message sent but not
// recorded as SENT would be sent again by the next instance.
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	work := context.WithoutCancel(ctx)
	for {
		if _, err := s.DeliverDue(work); err != nil && s.Logger != nil {
			s.Logger.ErrorContext(ctx, "delivering e-mail", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// DeliverDue claims the messages that are due, sends them outside any
// transaction and records each outcome: SENT, or another attempt after a
// backoff, or FAILED after the last. It returns how many were sent.
func (s *Sender) DeliverDue(ctx context.Context) (int, error) {
	ctx = access.SystemContext(ctx)
	claimed, err := s.claim(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, n := range claimed {
		err := s.Mailer.Send(ctx, Mail{ID: n.ID, To: n.RecipientEmail, Subject: n.Subject, Body: n.Body})
		if err := s.record(ctx, n, err); err != nil {
			return sent, err
		}
		if err == nil {
			sent++
		}
	}
	return sent, nil
}

// Pending counts the messages waiting in the outbox, due or waiting for
// another attempt (the metric kundportal_outbox_pending): one count over
// the (status, next_attempt_at) index.
func Pending(ctx context.Context, client *ent.Client) (int, error) {
	return client.Notification.Query().Where(notification.StatusEQ(notification.StatusPENDING)).Count(access.SystemContext(ctx))
}

// claim takes up to Batch due messages in a short transaction and pushes
// their next attempt past the lease, so no other sender takes them.
func (s *Sender) claim(ctx context.Context) ([]*ent.Notification, error) {
	batch, lease := s.Batch, s.Lease
	if batch <= 0 {
		batch = 20
	}
	if lease <= 0 {
		lease = time.Minute
	}
	tx, err := s.Client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("claiming e-mail: %w", err)
	}
	now := s.now()
	q := tx.Notification.Query().
		Where(notification.StatusEQ(notification.StatusPENDING), notification.NextAttemptAtLTE(now)).
		Order(notification.ByNextAttemptAt()).Limit(batch)
	if s.Dialect == dialect.Postgres {
		// SQLite has no FOR UPDATE; its write transactions are serialised.
		q = q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
	}
	rows, err := q.All(ctx)
	if err == nil && len(rows) > 0 {
		ids := make([]pulid.ID, len(rows))
		for i, n := range rows {
			ids[i] = n.ID
		}
		err = tx.Notification.Update().Where(notification.IDIn(ids...)).SetNextAttemptAt(now.Add(lease)).Exec(ctx)
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("claiming e-mail: %w", err)
	}
	return rows, tx.Commit()
}

// record writes the outcome of one attempt.
func (s *Sender) record(ctx context.Context, n *ent.Notification, sendErr error) error {
	max := s.MaxAttempts
	if max <= 0 {
		max = 8
	}
	attempts := n.Attempts + 1
	u := s.Client.Notification.UpdateOne(n).SetAttempts(attempts)
	switch {
	case sendErr == nil:
		u.SetStatus(notification.StatusSENT).SetSentAt(s.now()).ClearLastError()
	case attempts >= max:
		u.SetStatus(notification.StatusFAILED).SetLastError(truncate(sendErr.Error()))
	default:
		u.SetLastError(truncate(sendErr.Error())).SetNextAttemptAt(s.now().Add(Backoff(attempts)))
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("recording delivery of %s: %w", n.ID, err)
	}
	return nil
}

// Backoff is how long to wait after the given number of failed attempts:
// 30 s doubling up to an hour, with up to a tenth more at random so that
// messages failed together are not retried together.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// truncate keeps an error text within the column's 2000 bytes without
// splitting a character: PostgreSQL refuses text that is not UTF-8.
func truncate(s string) string {
	if len(s) <= 2000 {
		return s
	}
	cut := 2000
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
