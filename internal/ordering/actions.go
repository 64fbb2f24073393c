// Package ordering is the ordering process: draft, submission,
// attestation, delivery (D-O2..D-O5). So far it declares the audit
// actions those transitions record (D-O6) and the e-mails they send,
// which the demo data already uses; the transitions themselves move in
// with their issue.
package ordering

import (
	"kundportal/internal/audit"
	"kundportal/internal/notify"
)

// KindOrderToAttest tells an attestant that an order waits for them, with
// a link (D-O4).
const KindOrderToAttest notify.Kind = "ORDER_TO_ATTEST"

// The audit actions of an order's lifecycle.
const (
	// ActionOrderSubmitted: the orderer submitted the order (D-O3).
	ActionOrderSubmitted audit.Action = "ORDER_SUBMITTED"
	// ActionOrderAttested: an attestant attested it (D-O4).
	ActionOrderAttested audit.Action = "ORDER_ATTESTED"
	// ActionOrderRejected: an attestant rejected it (D-O4).
	ActionOrderRejected audit.Action = "ORDER_REJECTED"
	// ActionOrderCancelled: the orderer cancelled it before it was
	// decided (D-O4).
	ActionOrderCancelled audit.Action = "ORDER_CANCELLED"
	// ActionOrderDelivered: staff delivered it (D-O5).
	ActionOrderDelivered audit.Action = "ORDER_DELIVERED"
)
