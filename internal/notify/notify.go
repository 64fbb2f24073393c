// Package notify is the e-mail outbox (D-C4, D-D3, D-O4): a capability
// queues a message in the same transaction as the change it reports, so
// that no change goes unannounced and no message announces a change that
// was rolled back. The notifications table is the outbox.
package notify

import (
	"context"
	"fmt"

	"kundportal/ent"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
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

// ToAgreementContacts queues a message to each agreement contact of each
// of the customers (D-D3), composed per contact, and returns how many
// customers were told. The recipient, the customer and the address are
// filled in; compose gives the rest.
func ToAgreementContacts(ctx context.Context, client *ent.Client, customers []pulid.ID, compose func(customer pulid.ID, p *ent.Person) Message) (int, error) {
	if len(customers) == 0 {
		return 0, nil
	}
	contacts, err := client.Role.Query().
		Where(role.CustomerIDIn(customers...), role.RoleEQ(types.RoleAgreementContact)).
		WithPerson().All(access.SystemContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("loading agreement contacts: %w", err)
	}
	told := map[pulid.ID]bool{}
	for _, r := range contacts {
		p := r.Edges.Person
		m := compose(r.CustomerID, p)
		m.CustomerID, m.RecipientID, m.To = &r.CustomerID, &p.ID, p.Email
		if err := Queue(ctx, client, m); err != nil {
			return 0, err
		}
		told[r.CustomerID] = true
	}
	return len(told), nil
}
