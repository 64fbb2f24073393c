package access

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/entql"

	"kundportal/ent"
	"kundportal/ent/documentversion"
	"kundportal/ent/person"
	"kundportal/ent/privacy"
	"kundportal/ent/role"
	"kundportal/ent/subscription"
	"kundportal/internal/access/rule"
	"kundportal/internal/auth"
	"kundportal/internal/bizdate"
)

func init() { rule.Bind(policyOf) }

// policyOf builds the policy that enforces an entity's rule.Spec, as
// ent/schema declares it: a read rule, then the writers the spec names,
// then staff, who may write everything.
func policyOf(spec rule.Spec) ent.Policy {
	var mutation privacy.MutationPolicy
	for _, w := range spec.Writes {
		mutation = append(mutation, writeRule(w))
	}
	mutation = append(mutation, staffWrites())
	return privacy.Policy{Query: privacy.QueryPolicy{readRule(spec)}, Mutation: mutation}
}

func readRule(spec rule.Spec) privacy.QueryRule {
	switch spec.Read {
	case rule.Public:
		return catalogReadable()
	case rule.StaffOnly:
		return privacy.QueryRuleFunc(func(ctx context.Context, _ ent.Query) error { return decide(StaffOnly(ctx, "see this")) })
	case rule.Members, rule.Administrators, rule.People, rule.Addressed:
		return tenantReadable(spec)
	}
	panic(fmt.Sprintf("access: no read rule %d", spec.Read))
}

func writeRule(w rule.Write) privacy.MutationRule {
	switch w {
	case rule.AdministratorsCreatePeople:
		return administratorsCreatePeople()
	case rule.AdministratorsManageRoles:
		return administratorsManageRoles()
	case rule.SignedInCreates:
		return signedInCreates()
	case rule.AppendOnly:
		return appendOnly()
	case rule.ApplicantsSubmit:
		return applicantsSubmit()
	case rule.SignatoriesSign:
		return signatoriesSign()
	case rule.AdministratorsTerminate:
		return administratorsTerminate()
	case rule.OrderersAndAttestants:
		return customerWrites(anyOf(PlaceOrders, AttestOrders))
	case rule.SignatoriesAndAttestants:
		return customerWrites(anyOf(SignAgreement, AttestOrders))
	}
	panic(fmt.Sprintf("access: no write rule %d", w))
}

// catalogReadable lets anyone, signed in or not, read the public catalog:
// categories, services, offerings, price lists and prices, agreement
// documents and their published versions. A version published in the
// future is the provider's draft: staff only.
func catalogReadable() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		if FromContext(ctx).IsStaff() {
			return privacy.Allow
		}
		if _, ok := f.(*ent.DocumentVersionFilter); ok {
			f.Where(entql.FieldLTE(documentversion.FieldPublishedOn, bizdate.Truncate(time.Now())))
		}
		return privacy.Skip
	})
}

// tenantReadable narrows every query of a customer's data to what the
// viewer may see: staff see everything; a person sees what the spec's
// read rule allows within the customers they see (their own and their
// affiliated organisations, D-C5) or administer; a partner with
// subscriptions:read sees what spec.Partners says, and never personal
// data. Objects outside the filter do not exist for the viewer:
// node(id:) of another tenant's object is NOT_FOUND.
func tenantReadable(spec rule.Spec) privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := FromContext(ctx)
		switch {
		case v == nil || v.Kind == auth.Anonymous:
			return privacy.Denyf("%w", errUnauthenticated())
		case v.IsStaff():
			return privacy.Allow
		case v.Kind == auth.Partner:
			return partnerFilter(v, spec, f)
		}
		f.Where(personSees(v, spec))
		return privacy.Skip
	})
}

// personSees is the predicate of the rows a person may read.
func personSees(v *Viewer, spec rule.Spec) entql.P {
	owned := func(customers []string) entql.P {
		p := oneOf(spec.Column, customers)
		if spec.Through != "" {
			p = entql.HasEdgeWith(spec.Through, p)
		}
		return p
	}
	visible := strs(v.VisibleCustomers())
	switch spec.Read {
	case rule.Administrators:
		return owned(strs(v.AdministeredCustomers()))
	case rule.Addressed:
		return entql.Or(entql.FieldEQ("recipient_id", string(v.PersonID)), owned(strs(v.AdministeredCustomers())))
	case rule.People:
		return entql.Or(
			entql.FieldEQ(person.FieldID, string(v.PersonID)),
			entql.HasEdgeWith(person.EdgeRoles, oneOf(role.FieldCustomerID, visible)),
		)
	default:
		return owned(visible)
	}
}

func partnerFilter(v *Viewer, spec rule.Spec, f privacy.Filter) error {
	if !v.HasScope(ScopeSubscriptionsRead) {
		return privacy.Denyf("%w", errForbidden("the API key lacks the scope "+ScopeSubscriptionsRead))
	}
	switch spec.Partners {
	case rule.PartnerService:
		if v.ServiceID != nil {
			f.Where(entql.FieldEQ(subscription.FieldServiceID, string(*v.ServiceID)))
		}
	case rule.PartnerSubscribers:
		if v.ServiceID != nil {
			f.Where(entql.HasEdgeWith("subscriptions", entql.FieldEQ(subscription.FieldServiceID, string(*v.ServiceID))))
		} else {
			f.Where(entql.HasEdge("subscriptions"))
		}
	default:
		return privacy.Denyf("%w", errForbidden("partners see subscriptions and subscribers only"))
	}
	return privacy.Skip
}

// decide turns the answer of a who-predicate into a privacy decision.
func decide(err error) error {
	if err != nil {
		return privacy.Denyf("%w", err)
	}
	return privacy.Allow
}
