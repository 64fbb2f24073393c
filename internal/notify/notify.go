// Package notify is the e-mail outbox (D-C4, D-D3, D-O4): a capability
// queues a message in the same transaction as the change it reports, so
// that no change goes unannounced and no message announces a change that
// was rolled back. The notifications table is the outbox.
package notify

import (
	"context"
	"fmt"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
)

// Kind says what a message is about. Each package that sends messages
// declares its kinds as constants of this type, so that one spelling is
// used everywhere and a reader finds who sends a kind.
type Kind string

// Message is one e-mail to queue.
type Message struct {
	Kind Kind
	// CustomerID is the customer the message concerns, if any.
	CustomerID *pulid.ID
	// RecipientID is the person the message is for, if known.
	RecipientID *pulid.ID
	// To is the address.
	To            string
	Subject, Body string
	// SubjectType and SubjectID name what the message reports (a
	// document version, an agreement, an application), so that who was
	// told of it is one query.
	SubjectType, SubjectID string
}

// Queue writes the message to the outbox through client, which must be
// the transaction's client of the change it reports.
func Queue(ctx context.Context, client *ent.Client, m Message) error {
	err := client.Notification.Create().
		SetNillableCustomerID(m.CustomerID).
		SetNillableRecipientID(m.RecipientID).
		SetRecipientEmail(m.To).
		SetKind(string(m.Kind)).
		SetSubject(m.Subject).
		SetBody(m.Body).
		SetNillableSubjectType(nonEmpty(m.SubjectType)).
		SetNillableSubjectID(nonEmpty(m.SubjectID)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("queueing %s: %w", m.Kind, err)
	}
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
