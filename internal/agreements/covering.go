package agreements

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/schema/pulid"
	"kundportal/internal/access"
)

// Covering returns the agreement that covers a customer's use of a service
// on a date (D-O2), or nil: a valid Kundavtal 2 when the service is part
// of KA2 that day (D-A7), otherwise a valid Kundavtal 1 for the service.
// An affiliate is covered by its parent's agreements as by its own (D-C5).
// Valid is ACTIVE or TERMINATION_NOTICED, from its first day to its last.
func Covering(ctx context.Context, client *ent.Client, c *ent.Customer, svc *ent.Service, on time.Time) (*ent.Agreement, error) {
	owners := []pulid.ID{c.ID}
	if c.ParentID != nil {
		owners = append(owners, *c.ParentID)
	}
	q := client.Agreement.Query().Where(
		agreement.CustomerIDIn(owners...),
		agreement.StatusIn(agreement.StatusACTIVE, agreement.StatusTERMINATION_NOTICED),
		agreement.ValidFromLTE(on),
		agreement.Or(agreement.EndsOnIsNil(), agreement.EndsOnGTE(on)),
	)
	if svc.Ka2AvailableFrom != nil && !svc.Ka2AvailableFrom.After(on) {
		q.Where(agreement.ModelEQ(agreement.ModelKA2))
	} else {
		q.Where(agreement.ModelEQ(agreement.ModelKA1), agreement.ServiceID(svc.ID))
	}
	// The customer's own agreement before its parent's.
	ags, err := q.All(access.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("finding the covering agreement: %w", err)
	}
	var found *ent.Agreement
	for _, a := range ags {
		if found == nil || a.CustomerID == c.ID {
			found = a
		}
	}
	return found, nil
}
