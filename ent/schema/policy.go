package schema

import (
	"entgo.io/ent"

	"kundportal/ent/privacy"
	"kundportal/internal/access"
	"kundportal/internal/roles"
)

// catalogPolicy: the public catalog, readable by anyone, written by staff.
func catalogPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{access.CatalogReadable()},
		Mutation: privacy.MutationPolicy{access.StaffWrites()},
	}
}

// tenantPolicy: a customer's data, read within the viewer's customers
// (access.TenantReadable). Writes are staff's unless a rule given here
// allows the viewer first.
func tenantPolicy(rules ...privacy.MutationRule) ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{access.TenantReadable()},
		Mutation: append(privacy.MutationPolicy(rules), access.StaffWrites()),
	}
}

// Policy of CustomerCategory.
func (CustomerCategory) Policy() ent.Policy { return catalogPolicy() }

// Policy of Service.
func (Service) Policy() ent.Policy { return catalogPolicy() }

// Policy of Offering.
func (Offering) Policy() ent.Policy { return catalogPolicy() }

// Policy of PriceList.
func (PriceList) Policy() ent.Policy { return catalogPolicy() }

// Policy of Price.
func (Price) Policy() ent.Policy { return catalogPolicy() }

// Policy of AgreementDocument.
func (AgreementDocument) Policy() ent.Policy { return catalogPolicy() }

// Policy of DocumentVersion.
func (DocumentVersion) Policy() ent.Policy { return catalogPolicy() }

// Policy of Customer.
func (Customer) Policy() ent.Policy { return tenantPolicy() }

// Policy of CustomerApplication.
func (CustomerApplication) Policy() ent.Policy { return tenantPolicy() }

// Policy of Agreement.
func (Agreement) Policy() ent.Policy { return tenantPolicy() }

// Policy of Signature.
func (Signature) Policy() ent.Policy { return tenantPolicy() }

// Policy of CareUnit.
func (CareUnit) Policy() ent.Policy { return tenantPolicy() }

// Policy of Order.
func (Order) Policy() ent.Policy { return tenantPolicy() }

// Policy of Attestation.
func (Attestation) Policy() ent.Policy { return tenantPolicy() }

// Policy of Subscription.
func (Subscription) Policy() ent.Policy { return tenantPolicy() }

// Policy of Person: administrators may add people (D-O1).
func (Person) Policy() ent.Policy { return tenantPolicy(access.AdministratorsCreatePeople()) }

// Policy of Role: administrators give and take roles in their customers (D-O1).
func (Role) Policy() ent.Policy { return tenantPolicy(access.AdministratorsManageRoles()) }

// Policy of Notification: signed-in viewers' actions queue notifications.
func (Notification) Policy() ent.Policy { return tenantPolicy(access.SignedInCreates()) }

// Policy of AuditEvent: append-only; signed-in viewers' actions are recorded.
func (AuditEvent) Policy() ent.Policy {
	return tenantPolicy(access.AppendOnly(), access.SignedInCreates())
}

// Hooks of Role.
func (Role) Hooks() []ent.Hook { return []ent.Hook{roles.KeepOneAdministrator} }
