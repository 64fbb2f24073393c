// Package rule is the vocabulary ent/schema uses to say which privacy
// policy applies to an entity: who reads it (the public, the members of
// the owning customer, its administrators, staff only…) and who besides
// staff may write it.
//
// It imports nothing generated. The rules themselves need the generated
// filters and so live in internal/access, which binds them here when it is
// linked in (internal/database imports it, and every client is opened
// there). Keeping ent/schema free of the generated code means `make
// generate` works from any state of the generated files, even when
// internal/access does not compile against them yet.
package rule

import (
	"context"
	"errors"
	"sync/atomic"

	"entgo.io/ent"
)

// Read says who may read an entity.
type Read int

// The read rules.
const (
	// Public: anyone, signed in or not (the catalog).
	Public Read = iota + 1
	// Members: the people who see the owning customer (those holding a
	// role in it or in the customer it is affiliated to, D-C5), staff,
	// and partners as Spec.Partners says.
	Members
	// Administrators: the owning customer's administrators and staff.
	Administrators
	// People: a person themself, the people who share a visible
	// customer with them, and staff.
	People
	// Addressed: the recipient, the owning customer's administrators and
	// staff.
	Addressed
	// StaffOnly: the provider's staff.
	StaffOnly
)

// Write names who may write an entity besides staff, who always may.
type Write int

// The write rules.
const (
	// AdministratorsCreatePeople lets an administrator of any customer add
	// a person to the portal (D-O1).
	AdministratorsCreatePeople Write = iota + 1
	// AdministratorsManageRoles lets a customer's administrators give and
	// take roles within it (D-O1).
	AdministratorsManageRoles
	// SignedInCreates lets any signed-in caller create the row (audit
	// events and notifications written by capabilities acting for them).
	SignedInCreates
	// AppendOnly refuses every change and deletion, to everyone (D-O6).
	AppendOnly
	// ApplicantsSubmit lets a signed-in person submit a customer
	// application (D-C4).
	ApplicantsSubmit
	// SignatoriesSign lets a customer's signatories start and finish
	// signings of its agreements, record their signatures and change the
	// agreement they sign or terminate (D-A3..D-A5).
	SignatoriesSign
	// AdministratorsTerminate lets a customer's administrators give
	// notice on its subscriptions (D-A5).
	AdministratorsTerminate
	// OrderersAndAttestants lets a customer's orderers and attestants
	// write its orders, their care units, attestations and SMS codes
	// (D-O1..D-O4); which of them may take which step is the ordering
	// capability's to ask.
	OrderersAndAttestants
	// SignatoriesAndAttestants lets a customer's signatories and
	// attestants start and follow e-identity signings: of agreements
	// (D-A4) and of orders' summaries (D-O4).
	SignatoriesAndAttestants
)

// Partners says what a partner with the subscriptions:read scope sees of a
// Members entity.
type Partners int

// The partner views.
const (
	// NoPartners: partners see none of it.
	NoPartners Partners = iota
	// PartnerService: the rows whose service_id is the key's service,
	// or every row for a key bound to no service.
	PartnerService
	// PartnerSubscribers: customers holding a subscription (to the key's
	// service, when it is bound to one).
	PartnerSubscribers
)

// Spec is an entity's policy as ent/schema declares it.
type Spec struct {
	Read Read
	// Column holds the owning customer's ID, for Members, Administrators
	// and Addressed: "customer_id", or "id" on Customer itself.
	Column string
	// Through names the edge to the entity that holds Column, when the
	// owner is one step away (a signature's agreement, an attestation's
	// order).
	Through string
	// Partners is what partners with subscriptions:read see.
	Partners Partners
	// Writes are who, besides staff, may write.
	Writes []Write
}

// Policy returns the ent policy of spec, evaluated by the rules that
// internal/access binds. Until they are bound it refuses everything.
func Policy(spec Spec) ent.Policy { return &bound{spec: spec} }

// Builder turns a Spec into the policy that enforces it.
type Builder func(Spec) ent.Policy

var builder atomic.Pointer[Builder]

// Bind installs the rules; internal/access calls it once when it is
// initialised.
func Bind(b Builder) { builder.Store(&b) }

// errUnbound is what every operation gets when no rules are bound: a
// program that opens a client without linking internal/access.
var errUnbound = errors.New("privacy rules are not bound: import kundportal/internal/access")

type bound struct {
	spec   Spec
	policy atomic.Pointer[ent.Policy]
}

func (b *bound) get() (ent.Policy, error) {
	if p := b.policy.Load(); p != nil {
		return *p, nil
	}
	build := builder.Load()
	if build == nil {
		return nil, errUnbound
	}
	p := (*build)(b.spec)
	b.policy.Store(&p)
	return p, nil
}

// EvalQuery implements ent.Policy.
func (b *bound) EvalQuery(ctx context.Context, q ent.Query) error {
	p, err := b.get()
	if err != nil {
		return err
	}
	return p.EvalQuery(ctx, q)
}

// EvalMutation implements ent.Policy.
func (b *bound) EvalMutation(ctx context.Context, m ent.Mutation) error {
	p, err := b.get()
	if err != nil {
		return err
	}
	return p.EvalMutation(ctx, m)
}
