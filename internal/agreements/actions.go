package agreements

import (
	"kundportal/internal/audit"
	"kundportal/internal/notify"
)

// The e-mails of the agreement lifecycle besides those of applications.
const (
	// KindSigningLink asks a signatory to sign an agreement (D-C4).
	KindSigningLink notify.Kind = "SIGNING_LINK"
	// KindSigningReminder reminds a signatory whose joint signature is
	// still missing (D-A3).
	KindSigningReminder notify.Kind = "SIGNING_REMINDER"
)

// The audit actions of the agreement lifecycle.
const (
	// ActionApplicationSubmitted: an organisation applied to become a
	// customer (D-C4).
	ActionApplicationSubmitted audit.Action = "APPLICATION_SUBMITTED"
	// ActionApplicationRejected: staff rejected an application (D-C4).
	ActionApplicationRejected audit.Action = "APPLICATION_REJECTED"
	// ActionApplicationApproved: staff approved a customer application
	// (D-C4).
	ActionApplicationApproved audit.Action = "APPLICATION_APPROVED"
	// ActionAgreementOffered: staff offered a customer an agreement to
	// sign.
	ActionAgreementOffered audit.Action = "AGREEMENT_OFFERED"
	// ActionAgreementSigned: a signature was recorded on an agreement
	// (D-A3, D-A4).
	ActionAgreementSigned audit.Action = "AGREEMENT_SIGNED"
	// ActionAgreementActivated: the agreement got its last required
	// signature and is valid (D-A3).
	ActionAgreementActivated audit.Action = "AGREEMENT_ACTIVATED"
	// ActionAgreementTerminationNoticed: notice was given on the
	// agreement (D-A5).
	ActionAgreementTerminationNoticed audit.Action = "AGREEMENT_TERMINATION_NOTICED"
	// ActionAgreementTerminated: the notice period ended (D-A5).
	ActionAgreementTerminated audit.Action = "AGREEMENT_TERMINATED"
	// ActionSigningStarted: a signatory started an e-identity signing.
	ActionSigningStarted audit.Action = "SIGNING_STARTED"
	// ActionSigningFailed: the provider reported the signing failed or
	// it was cancelled.
	ActionSigningFailed audit.Action = "SIGNING_FAILED"
	// ActionAgreementReplaced: a KA1 agreement was replaced by KA2 (D-A6).
	ActionAgreementReplaced audit.Action = "AGREEMENT_REPLACED"
	// ActionSubscriptionMigrated: a KA1 service became a subscription
	// under KA2 (D-A6).
	ActionSubscriptionMigrated audit.Action = "SUBSCRIPTION_MIGRATED"
	// ActionSubscriptionTerminationNoticed: the customer gave notice on a
	// subscription (D-A5).
	ActionSubscriptionTerminationNoticed audit.Action = "SUBSCRIPTION_TERMINATION_NOTICED"
	// ActionSubscriptionStarted: a KA1 agreement's signing started its
	// service's subscription (D-A1).
	ActionSubscriptionStarted audit.Action = "SUBSCRIPTION_STARTED"
	// ActionSubscriptionTerminated: the notice period ended (D-A5).
	ActionSubscriptionTerminated audit.Action = "SUBSCRIPTION_TERMINATED"
)
