// Package audit records state changes with who, when and what (D-O6).
// Capabilities call Record in the same transaction as the change, so a
// change is never without its event nor an event without its change.
package audit

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/schema/pulid"
	"kundportal/internal/access"
	"kundportal/internal/auth"
)

// Action names what happened, e.g. ROLE_GRANTED. Each capability declares
// the actions it records as constants of this type, so that one spelling
// is used everywhere and a reader finds who emits an action.
type Action string

// Event is one change to record.
type Event struct {
	Action     Action
	EntityType string
	EntityID   pulid.ID
	CustomerID *pulid.ID
	// Method and TransactionReference are set for signatures and
	// attestations (D-O6).
	Method               *string
	TransactionReference *string
	Details              map[string]any
}

// Record writes the event with the request's viewer as the actor, through
// client, which must be the transaction's client.
func Record(ctx context.Context, client *ent.Client, e Event) error {
	kind, actor := Actor(ctx)
	err := client.AuditEvent.Create().
		SetOccurredAt(time.Now()).
		SetActorKind(kind).
		SetActor(actor).
		SetAction(string(e.Action)).
		SetEntityType(e.EntityType).
		SetEntityID(string(e.EntityID)).
		SetNillableCustomerID(e.CustomerID).
		SetNillableMethod(e.Method).
		SetNillableTransactionReference(e.TransactionReference).
		SetDetails(e.Details).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("recording %s: %w", e.Action, err)
	}
	return nil
}

// Actor names the viewer as audit events do: a person by their ID, staff
// by their subject, a partner by its key's prefix, otherwise the system.
func Actor(ctx context.Context) (auditevent.ActorKind, string) {
	v := access.FromContext(ctx)
	switch {
	case v == nil:
		return auditevent.ActorKindSYSTEM, "system"
	case v.Kind == auth.Staff:
		return auditevent.ActorKindSTAFF, v.Subject
	case v.Kind == auth.Partner:
		return auditevent.ActorKindPARTNER, v.Subject
	case v.IsPerson():
		return auditevent.ActorKindPERSON, string(v.PersonID)
	default:
		return auditevent.ActorKindSYSTEM, "system"
	}
}
