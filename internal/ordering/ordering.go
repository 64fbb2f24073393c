// Package ordering is the ordering process of docs/ordering.md: an
// orderer drafts, edits and submits an order (D-O2, D-O3), which takes the
// price snapshot of the day (D-S4); an attestant attests it with an SMS
// one-time code or BankID, or rejects it (D-O4); customer service delivers
// it and the subscription becomes active (D-O5). Every transition is an
// audit event (D-O6).
//
// Who may act is internal/access's; this package decides when: each
// transition loads its order through the request's tenant-filtered
// client, asks the who-predicate, locks the order's row, checks the state
// with a pure rule, and writes the change, its audit event and its e-mails
// in the request's transaction.
package ordering

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/order"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bankid"
	"kundportal/internal/bizdate"
	"kundportal/internal/notify"
	"kundportal/internal/sms"
)

// Service is the ordering process with what it depends on.
type Service struct {
	// BankID signs orders' summaries for attestants (D-O4).
	BankID bankid.Provider
	// SMS sends attestation codes.
	SMS sms.Sender
	// PortalURL is where the portal's SPA lives, for links in e-mails.
	PortalURL string
	// Now is the clock; time.Now outside tests.
	Now func() time.Time
}

// New returns the ordering process with the given providers.
func New(bankID bankid.Provider, sender sms.Sender, portalURL string) *Service {
	return &Service{BankID: bankID, SMS: sender, PortalURL: portalURL, Now: time.Now}
}

// The e-mails of an order's lifecycle.
const (
	// KindOrderToAttest tells an attestant that an order waits for them,
	// with a link (D-O4).
	KindOrderToAttest notify.Kind = "ORDER_TO_ATTEST"
	// KindOrderRejected tells the orderer why an attestant rejected the
	// order.
	KindOrderRejected notify.Kind = "ORDER_REJECTED"
	// KindOrderDelivered tells the orderer and the agreement contacts that
	// the order is delivered and the subscription active (D-O5).
	KindOrderDelivered notify.Kind = "ORDER_DELIVERED"
)

// The audit actions of an order's lifecycle (D-O6).
const (
	// ActionOrderCreated: the orderer created a draft.
	ActionOrderCreated audit.Action = "ORDER_CREATED"
	// ActionOrderUpdated: the orderer changed a draft.
	ActionOrderUpdated audit.Action = "ORDER_UPDATED"
	// ActionOrderSubmitted: the orderer submitted the order (D-O3).
	ActionOrderSubmitted audit.Action = "ORDER_SUBMITTED"
	// ActionAttestationCodeSent: an SMS code was sent to an attestant.
	ActionAttestationCodeSent audit.Action = "ORDER_ATTESTATION_CODE_SENT"
	// ActionAttestationSigningStarted: an attestant started a BankID
	// signing of the order's summary.
	ActionAttestationSigningStarted audit.Action = "ORDER_ATTESTATION_SIGNING_STARTED"
	// ActionAttestationSigningFailed: a BankID signing of the order's
	// summary failed or was cancelled.
	ActionAttestationSigningFailed audit.Action = "ORDER_ATTESTATION_SIGNING_FAILED"
	// ActionOrderAttested: an attestant attested it (D-O4).
	ActionOrderAttested audit.Action = "ORDER_ATTESTED"
	// ActionOrderRejected: an attestant rejected it (D-O4).
	ActionOrderRejected audit.Action = "ORDER_REJECTED"
	// ActionOrderCancelled: the orderer cancelled it before it was
	// decided (D-O4).
	ActionOrderCancelled audit.Action = "ORDER_CANCELLED"
	// ActionOrderDelivered: staff delivered it (D-O5).
	ActionOrderDelivered audit.Action = "ORDER_DELIVERED"
	// ActionSubscriptionStarted: a delivery made a subscription ACTIVE.
	ActionSubscriptionStarted audit.Action = "SUBSCRIPTION_STARTED"
	// ActionSubscriptionExtended: a delivery added units to an ACTIVE
	// subscription.
	ActionSubscriptionExtended audit.Action = "SUBSCRIPTION_EXTENDED"
)

func (s *Service) today() time.Time { return bizdate.Truncate(s.Now()) }

// lockOrder reloads the order holding its row until the transaction ends,
// so that two decisions on one order happen one after the other and the
// second sees the first (D-O4). An UPDATE takes the row lock on
// PostgreSQL; SQLite's write transactions are serialised already.
func lockOrder(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.Order, error) {
	if err := client.Order.UpdateOneID(id).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, err
	}
	return client.Order.Get(ctx, id)
}

// in is the rule that a step is taken from one of the given states only.
func in(o *ent.Order, step string, states ...order.Status) error {
	for _, st := range states {
		if o.Status == st {
			return nil
		}
	}
	return apperr.InvalidState(o.Status, "the order is %s: it cannot be %s", o.Status, step)
}

// record writes an audit event on the order.
func record(ctx context.Context, client *ent.Client, o *ent.Order, action audit.Action, method, ref *string, details map[string]any) error {
	return audit.Record(ctx, client, audit.Event{
		Action: action, EntityType: "Order", EntityID: o.ID, CustomerID: &o.CustomerID,
		Method: method, TransactionReference: ref, Details: details,
	})
}

// tell e-mails the people holding a role in the order's customer, each
// message referencing the order.
func tell(ctx context.Context, client *ent.Client, o *ent.Order, r types.RoleKind, kind notify.Kind,
	subject string, body func(*ent.Person) string) error {
	people, err := client.Role.Query().
		Where(role.CustomerID(o.CustomerID), role.RoleEQ(r)).
		QueryPerson().All(access.SystemContext(ctx))
	if err != nil {
		return err
	}
	for _, p := range people {
		if err := tellPerson(ctx, client, o, p, kind, subject, body(p)); err != nil {
			return err
		}
	}
	return nil
}

func tellPerson(ctx context.Context, client *ent.Client, o *ent.Order, p *ent.Person, kind notify.Kind, subject, body string) error {
	return notify.Queue(ctx, client, notify.Message{
		Kind: kind, CustomerID: &o.CustomerID, RecipientID: &p.ID, To: p.Email,
		SubjectType: "Order", SubjectID: string(o.ID), Subject: subject, Body: body,
	})
}

// link is the order's page in the portal.
func (s *Service) link(o *ent.Order) string {
	return fmt.Sprintf("%s/bestallningar/%s", s.PortalURL, o.ID)
}

func ptr[T any](v T) *T { return &v }

// History is the order's audit trail, oldest first (D-O6). Whoever sees
// the order sees its history.
func History(ctx context.Context, client *ent.Client, o *ent.Order) ([]*ent.AuditEvent, error) {
	return client.AuditEvent.Query().
		Where(auditevent.EntityType("Order"), auditevent.EntityID(string(o.ID))).
		Order(ent.Asc(auditevent.FieldOccurredAt), ent.Asc(auditevent.FieldID)).
		All(access.SystemContext(ctx))
}
