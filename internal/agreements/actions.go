// Package agreements is the agreement lifecycle: customer applications,
// Kundavtal 1 and 2, signing, migration from KA1 to KA2, termination and
// the agreement documents (D-C4, D-A1..D-A7, D-D1..D-D4). So far it
// declares the audit actions those transitions record (D-O6) and the
// e-mails they send, which the demo data already uses; the transitions
// themselves move in with their issue.
package agreements

import (
	"kundportal/internal/audit"
	"kundportal/internal/notify"
)

// The e-mails of the agreement lifecycle.
const (
	// KindSigningLink asks a signatory to sign an agreement (D-C4).
	KindSigningLink notify.Kind = "SIGNING_LINK"
	// KindSigningReminder reminds a signatory whose joint signature is
	// still missing (D-A3).
	KindSigningReminder notify.Kind = "SIGNING_REMINDER"
	// KindDocumentChanged is the written notice of a new version of an
	// agreement document (D-D3).
	KindDocumentChanged notify.Kind = "DOCUMENT_CHANGED"
)

// The audit actions of the agreement lifecycle.
const (
	// ActionApplicationApproved: staff approved a customer application
	// (D-C4).
	ActionApplicationApproved audit.Action = "APPLICATION_APPROVED"
	// ActionAgreementSigned: a signature was recorded on an agreement
	// (D-A3, D-A4).
	ActionAgreementSigned audit.Action = "AGREEMENT_SIGNED"
	// ActionAgreementReplaced: a KA1 agreement was replaced by KA2 (D-A6).
	ActionAgreementReplaced audit.Action = "AGREEMENT_REPLACED"
	// ActionSubscriptionMigrated: a KA1 service became a subscription
	// under KA2 (D-A6).
	ActionSubscriptionMigrated audit.Action = "SUBSCRIPTION_MIGRATED"
	// ActionSubscriptionTerminationNoticed: the customer gave notice on a
	// subscription (D-A5).
	ActionSubscriptionTerminationNoticed audit.Action = "SUBSCRIPTION_TERMINATION_NOTICED"
)
