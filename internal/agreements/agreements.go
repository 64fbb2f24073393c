// Package agreements is the agreement lifecycle of docs/agreements.md:
// customer applications (D-C4), Kundavtal 1 and 2 offered, signed with an
// e-identity or on paper (D-A1..D-A4), KA1 services moved to KA2 when it
// is signed (D-A6, D-A7), and termination after the notice period (D-A5).
//
// Who may act is internal/access's; this package decides when: each
// transition loads its object through the request's tenant-filtered
// client, checks the state with a pure rule, and writes the change, its
// audit event and its e-mails in the request's transaction.
package agreements

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/offering"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bankid"
	"kundportal/internal/notify"
)

// Service is the agreement lifecycle with what it depends on.
type Service struct {
	// Signers are the e-identity providers by signing method: BankID's
	// relying-party API, and Telia e-legitimation where one is
	// configured. A method without a provider is refused.
	Signers map[SigningMethod]bankid.Provider
	// PortalURL is where the portal's SPA lives, for links in e-mails.
	PortalURL string
	// TerminationNotice is the notice period of D-A5 in months.
	TerminationNotice int
	// Now is the clock; time.Now outside tests.
	Now func() time.Time
}

// New returns the lifecycle with the given providers and settings.
func New(signers map[SigningMethod]bankid.Provider, portalURL string, terminationNoticeMonths int) *Service {
	return &Service{Signers: signers, PortalURL: portalURL, TerminationNotice: terminationNoticeMonths, Now: time.Now}
}

// KindAgreementActive tells a customer's agreement contacts that an
// agreement is valid (D-A3).
const KindAgreementActive notify.Kind = "AGREEMENT_ACTIVE"

// OfferInput is an agreement staff offer an existing customer.
type OfferInput struct {
	CustomerID         pulid.ID
	Model              agreement.Model
	ServiceID          *pulid.ID
	OfferingID         *pulid.ID
	RequiredSignatures int
}

// Offer creates an agreement AWAITING_SIGNATURE for an existing customer
// and e-mails its signatories a signing link: a KA2 for a customer without
// one (its signing migrates the customer's KA1 services, D-A6), or a KA1
// for one service that can still be had under KA1 (D-A1, D-A7).
func (s *Service) Offer(ctx context.Context, in OfferInput) (*ent.Agreement, error) {
	if err := access.StaffOnly(ctx, "offer agreements"); err != nil {
		return nil, err
	}
	if in.RequiredSignatures < 1 || in.RequiredSignatures > 2 {
		return nil, apperr.Validation("requiredSignatures", "an agreement needs one signature, or two when signed jointly")
	}
	client := ent.FromContext(ctx)
	c, err := lockCustomer(ctx, client, in.CustomerID)
	if err != nil {
		return nil, err
	}
	create := client.Agreement.Create().SetCustomer(c).SetModel(in.Model).SetRequiredSignatures(in.RequiredSignatures)
	switch in.Model {
	case agreement.ModelKA2:
		if err := s.mayOfferKA2(ctx, client, c); err != nil {
			return nil, err
		}
	case agreement.ModelKA1:
		svc, off, err := s.ka1Service(ctx, client, c, in)
		if err != nil {
			return nil, err
		}
		create.SetServiceID(svc).SetOfferingID(off)
	default:
		return nil, apperr.Validation("model", "offer KA2 or KA1; agent agreements are signed outside the portal")
	}
	ag, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("offering agreement: %w", err)
	}
	if err := s.sendSigningLinks(ctx, client, c, ag); err != nil {
		return nil, err
	}
	return ag, audit.Record(ctx, client, audit.Event{
		Action: ActionAgreementOffered, EntityType: "Agreement", EntityID: ag.ID, CustomerID: &c.ID,
		Details: map[string]any{"model": ag.Model, "serviceId": ag.ServiceID, "requiredSignatures": ag.RequiredSignatures},
	})
}

// mayOfferKA2 refuses a second live KA2 and a category that may not sign
// KA2 yet (D-C3).
func (s *Service) mayOfferKA2(ctx context.Context, client *ent.Client, c *ent.Customer) error {
	live, err := client.Agreement.Query().
		Where(agreement.CustomerID(c.ID), agreement.ModelEQ(agreement.ModelKA2), agreement.StatusNEQ(agreement.StatusTERMINATED)).
		Exist(ctx)
	if err != nil {
		return err
	}
	if live {
		return apperr.New(apperr.CodeConflict, "%s holds a Kundavtal 2 already", c.Name)
	}
	cat, err := c.QueryCategory().Only(ctx)
	if err != nil {
		return err
	}
	return s.ka2Available(cat)
}

// ka1Service checks a KA1 offer: the service can still be had under KA1
// (D-A7), the offering is the service's, and the customer holds no live
// KA1 agreement for it.
func (s *Service) ka1Service(ctx context.Context, client *ent.Client, c *ent.Customer, in OfferInput) (pulid.ID, pulid.ID, error) {
	if in.ServiceID == nil {
		return "", "", apperr.Validation("serviceId", "a Kundavtal 1 covers one service: name it")
	}
	if in.OfferingID == nil {
		return "", "", apperr.Validation("offeringId", "name the offering whose subscription starts when the agreement is signed")
	}
	svc, err := client.Service.Get(ctx, *in.ServiceID)
	if err != nil {
		return "", "", fmt.Errorf("service: %w", err)
	}
	if !svc.Ka1Available {
		return "", "", apperr.New(apperr.CodeKA1NotAvailable, "%s cannot be had under Kundavtal 1 any longer", svc.Name)
	}
	ok, err := client.Offering.Query().Where(offering.ID(*in.OfferingID), offering.ServiceID(svc.ID)).Exist(ctx)
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", apperr.Validation("offeringId", "not an offering of %s", svc.Name)
	}
	live, err := client.Agreement.Query().
		Where(agreement.CustomerID(c.ID), agreement.ServiceID(svc.ID),
			agreement.StatusIn(agreement.StatusAWAITING_SIGNATURE, agreement.StatusACTIVE, agreement.StatusTERMINATION_NOTICED)).
		Exist(ctx)
	if err != nil {
		return "", "", err
	}
	if live {
		return "", "", apperr.New(apperr.CodeConflict, "%s holds a Kundavtal 1 for %s already", c.Name, svc.Name)
	}
	return svc.ID, *in.OfferingID, nil
}

// sendSigningLinks e-mails each person holding SIGNATORY in the customer a
// link to sign the agreement.
func (s *Service) sendSigningLinks(ctx context.Context, client *ent.Client, c *ent.Customer, ag *ent.Agreement) error {
	return tellHolders(ctx, client, c, types.RoleSignatory, ag, KindSigningLink,
		fmt.Sprintf("Signera %s för %s", modelName(ag), c.Name),
		func(p *ent.Person) string {
			return fmt.Sprintf("Hej %s!\n\nInera har erbjudit %s %s. Logga in i kundportalen och signera med BankID: %s/avtal/%s\n",
				p.GivenName, c.Name, modelName(ag), s.PortalURL, ag.ID)
		})
}

// tellHolders e-mails each person holding the role in the customer about
// the agreement, each message referencing it.
func tellHolders(ctx context.Context, client *ent.Client, c *ent.Customer, r types.RoleKind, ag *ent.Agreement,
	kind notify.Kind, subject string, body func(*ent.Person) string) error {
	people, err := client.Role.Query().
		Where(role.CustomerID(c.ID), role.RoleEQ(r)).
		QueryPerson().All(access.SystemContext(ctx))
	if err != nil {
		return err
	}
	for _, p := range people {
		if err := notify.Queue(ctx, client, notify.Message{
			Kind: kind, CustomerID: &c.ID, RecipientID: &p.ID, To: p.Email,
			SubjectType: "Agreement", SubjectID: string(ag.ID), Subject: subject, Body: body(p),
		}); err != nil {
			return err
		}
	}
	return nil
}

// modelName is the agreement's Swedish name.
func modelName(ag *ent.Agreement) string {
	switch ag.Model {
	case agreement.ModelKA1:
		return "Kundavtal 1"
	case agreement.ModelKA2:
		return "Kundavtal 2"
	default:
		return "Agentavtal"
	}
}

// lockCustomer loads the customer and holds its row until the transaction
// ends: offers, migrations and terminations of one customer happen one
// after the other. An UPDATE takes the row lock on PostgreSQL; SQLite's
// write transactions are serialised already.
func lockCustomer(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.Customer, error) {
	c, err := client.Customer.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := client.Customer.UpdateOneID(id).SetUpdatedAt(time.Now()).Exec(access.SystemContext(ctx)); err != nil {
		return nil, err
	}
	return c, nil
}

// lockAgreement reloads the agreement holding its row, so that signatures
// and terminations of one agreement happen one after the other and each
// sees what the one before wrote.
func lockAgreement(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.Agreement, error) {
	if err := client.Agreement.UpdateOneID(id).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, err
	}
	return client.Agreement.Get(ctx, id)
}

// awaitingSignature is the rule that only an agreement AWAITING_SIGNATURE
// is signed.
func awaitingSignature(ag *ent.Agreement) error {
	if ag.Status != agreement.StatusAWAITING_SIGNATURE {
		return apperr.InvalidState(ag.Status, "the agreement is %s, not awaiting signature", ag.Status)
	}
	return nil
}
