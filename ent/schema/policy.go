package schema

import (
	"entgo.io/ent"

	"kundportal/internal/access/rule"
)

// The policies of the entities that do not embed Tenant. internal/access
// enforces them (docs/authorization.md); they are named here through
// package rule so that ent/schema never imports the generated code.

// catalog: the public catalog, readable by anyone, written by staff.
var catalog = rule.Spec{Read: rule.Public}

// Policy of CustomerCategory.
func (CustomerCategory) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of Service.
func (Service) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of Offering.
func (Offering) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of PriceList.
func (PriceList) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of Price.
func (Price) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of AvailabilityTarget: public, written by staff.
func (AvailabilityTarget) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of AgreementDocument.
func (AgreementDocument) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of DocumentVersion.
func (DocumentVersion) Policy() ent.Policy { return rule.Policy(catalog) }

// Policy of Customer: the customer is its own tenant; partners see
// subscribers.
func (Customer) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Members, Column: "id", Partners: rule.PartnerSubscribers})
}

// Policy of Signature: read through its agreement's customer.
func (Signature) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Members, Column: "customer_id", Through: "agreement",
		Writes: []rule.Write{rule.SignatoriesSign}})
}

// Policy of Attestation: read through its order's customer.
func (Attestation) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Members, Column: "customer_id", Through: "order",
		Writes: []rule.Write{rule.OrderersAndAttestants}})
}

// Policy of CustomerApplication: it holds personal data, so the customer's
// administrators and staff read it; any signed-in person may submit one.
func (CustomerApplication) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Administrators, Column: "customer_id",
		Writes: []rule.Write{rule.ApplicantsSubmit}})
}

// Policy of Person: administrators may add people (D-O1).
func (Person) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.People, Writes: []rule.Write{rule.AdministratorsCreatePeople}})
}

// Policy of Notification: signed-in viewers' actions queue notifications.
func (Notification) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Addressed, Column: "customer_id", Writes: []rule.Write{rule.SignedInCreates}})
}

// Policy of AuditEvent: append-only; signed-in viewers' actions are
// recorded.
func (AuditEvent) Policy() ent.Policy {
	return rule.Policy(rule.Spec{Read: rule.Administrators, Column: "customer_id",
		Writes: []rule.Write{rule.AppendOnly, rule.SignedInCreates}})
}

// Policy of PartnerAPIKey: staff only.
func (PartnerAPIKey) Policy() ent.Policy { return rule.Policy(rule.Spec{Read: rule.StaffOnly}) }
