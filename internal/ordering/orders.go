package ordering

import (
	"context"
	"fmt"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreementdocument"
	"kundportal/ent/careunit"
	"kundportal/ent/customercategory"
	"kundportal/ent/order"
	"kundportal/ent/role"
	"kundportal/ent/schema"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/service"
	"kundportal/internal/access"
	"kundportal/internal/agreements"
	"kundportal/internal/apperr"
	"kundportal/internal/documents"
	"kundportal/internal/idnumber"
	"kundportal/internal/pricing"
)

// CareUnitInput names a care unit that will use the offering (D-O3): a
// known unit of the customer by its HSA-id, or a new one with a name.
type CareUnitInput struct {
	HSAID string
	Name  *string
}

// Draft is what an orderer states on a draft order.
type Draft struct {
	CustomerID pulid.ID
	OfferingID pulid.ID
	Quantity   int
	CareUnits  []CareUnitInput
}

// Change is an edit of a draft; nil fields stay as they are.
type Change struct {
	ID        pulid.ID
	Quantity  *int
	CareUnits []CareUnitInput // nil keeps the units; empty clears them
}

// CreateOrder creates a DRAFT order placed by the signed-in orderer (D-O3).
func (s *Service) CreateOrder(ctx context.Context, in Draft) (*ent.Order, error) {
	client := ent.FromContext(ctx)
	c, err := client.Customer.Get(ctx, in.CustomerID)
	if err != nil {
		return nil, err
	}
	if err := access.PlaceOrders(ctx, c.ID); err != nil {
		return nil, err
	}
	off, err := client.Offering.Get(ctx, in.OfferingID)
	if err != nil {
		return nil, err
	}
	if err := validQuantity(in.Quantity); err != nil {
		return nil, err
	}
	units, err := careUnits(ctx, client, c.ID, in.CareUnits)
	if err != nil {
		return nil, err
	}
	o, err := client.Order.Create().
		SetCustomerID(c.ID).SetOfferingID(off.ID).SetOrdererID(access.FromContext(ctx).PersonID).
		SetQuantity(in.Quantity).AddCareUnits(units...).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating order: %w", err)
	}
	return o, record(ctx, client, o, ActionOrderCreated, nil, nil, map[string]any{
		"offeringId": off.ID, "quantity": o.Quantity, "careUnits": hsaIDs(units),
	})
}

// UpdateOrder changes the quantity or the care units of a DRAFT order.
func (s *Service) UpdateOrder(ctx context.Context, in Change) (*ent.Order, error) {
	client := ent.FromContext(ctx)
	o, err := s.ownDraft(ctx, client, in.ID, "changed")
	if err != nil {
		return nil, err
	}
	update := o.Update()
	details := map[string]any{}
	if in.Quantity != nil {
		if err := validQuantity(*in.Quantity); err != nil {
			return nil, err
		}
		update.SetQuantity(*in.Quantity)
		details["quantity"] = *in.Quantity
	}
	if in.CareUnits != nil {
		units, err := careUnits(ctx, client, o.CustomerID, in.CareUnits)
		if err != nil {
			return nil, err
		}
		update.ClearCareUnits().AddCareUnits(units...)
		details["careUnits"] = hsaIDs(units)
	}
	if o, err = update.Save(ctx); err != nil {
		return nil, fmt.Errorf("changing order: %w", err)
	}
	return o, record(ctx, client, o, ActionOrderUpdated, nil, nil, details)
}

// ownDraft loads and locks a DRAFT order of a customer where the viewer
// may place orders.
func (s *Service) ownDraft(ctx context.Context, client *ent.Client, id pulid.ID, step string) (*ent.Order, error) {
	o, err := client.Order.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := access.PlaceOrders(ctx, o.CustomerID); err != nil {
		return nil, err
	}
	if o, err = lockOrder(ctx, client, id); err != nil {
		return nil, err
	}
	return o, in(o, step, order.StatusDRAFT)
}

func validQuantity(q int) error {
	if q < 1 || q > schema.MaxOrderQuantity {
		return apperr.Validation("quantity", "order between 1 and %d units", schema.MaxOrderQuantity)
	}
	return nil
}

// careUnits resolves the care units an order names: the customer's known
// units by HSA-id, and new ones, which need a name, created for it.
func careUnits(ctx context.Context, client *ent.Client, customer pulid.ID, in []CareUnitInput) ([]*ent.CareUnit, error) {
	var units []*ent.CareUnit
	seen := map[string]bool{}
	for _, u := range in {
		id, err := idnumber.HSAID(u.HSAID)
		if err != nil {
			return nil, apperr.Validation("careUnits", "%s: %v", u.HSAID, err)
		}
		if seen[id] {
			return nil, apperr.Validation("careUnits", "%s is named twice", id)
		}
		seen[id] = true
		known, err := client.CareUnit.Query().Where(careunit.HsaID(id)).Only(access.SystemContext(ctx))
		switch {
		case err == nil && known.CustomerID != customer:
			return nil, apperr.Validation("careUnits", "%s is registered as a care unit of another customer", id)
		case err == nil:
			units = append(units, known)
			continue
		case !ent.IsNotFound(err):
			return nil, err
		}
		if u.Name == nil || *u.Name == "" {
			return nil, apperr.Validation("careUnits", "%s is a new care unit: give its name", id)
		}
		created, err := client.CareUnit.Create().SetCustomerID(customer).SetHsaID(id).SetName(*u.Name).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("adding care unit %s: %w", id, err)
		}
		units = append(units, created)
	}
	return units, nil
}

func hsaIDs(units []*ent.CareUnit) []string {
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.HsaID
	}
	return ids
}

// SubmitOrder submits a DRAFT order with the terms accepted (D-O2, D-O3):
// it records the terms version in force today and takes the price
// snapshot of the day (D-S4), and e-mails the customer's attestants
// (D-O4). Each unmet condition is refused with its own code.
func (s *Service) SubmitOrder(ctx context.Context, id pulid.ID, acceptTerms bool) (*ent.Order, error) {
	client := ent.FromContext(ctx)
	o, err := s.ownDraft(ctx, client, id, "submitted")
	if err != nil {
		return nil, err
	}
	if !acceptTerms {
		return nil, apperr.New(apperr.CodeTermsNotAccepted, "accept the terms of the service to submit the order")
	}
	sys := access.SystemContext(ctx)
	off, err := o.QueryOffering().WithService().Only(sys)
	if err != nil {
		return nil, err
	}
	svc := off.Edges.Service
	c, err := o.QueryCustomer().Only(sys)
	if err != nil {
		return nil, err
	}
	today := s.today()
	if err := s.mayOrder(ctx, client, c, svc, off, today); err != nil {
		return nil, err
	}
	if err := quantityMatches(ctx, o, off); err != nil {
		return nil, err
	}
	snap, err := pricing.SnapshotFor(sys, client, c.CategoryID, off.ID, o.Quantity, today)
	if err != nil {
		return nil, apperr.Wrap(apperr.CodeNotPriced, err, "%s has no price for your customer category today; contact customer service", off.Name)
	}
	terms, err := termsInForce(sys, client, svc, today)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	update := o.Update().
		SetStatus(order.StatusAWAITING_ATTESTATION).
		SetSubmittedAt(now).SetTermsAcceptedAt(now)
	if terms != nil {
		update.SetTermsVersionID(terms.ID)
	}
	snap.Set(update.Mutation())
	if o, err = update.Save(ctx); err != nil {
		return nil, fmt.Errorf("submitting order: %w", err)
	}
	details := map[string]any{"priceListId": snap.PriceListID, "startupFee": snap.StartupFee.String(),
		"recurringAmount": snap.Recurring.String(), "quantity": o.Quantity}
	if terms != nil {
		details["termsVersionId"] = terms.ID
	}
	if err := record(ctx, client, o, ActionOrderSubmitted, nil, nil, details); err != nil {
		return nil, err
	}
	return o, tell(ctx, client, o, types.RoleAttestant, KindOrderToAttest,
		fmt.Sprintf("Beställning att attestera: %s för %s", off.Name, c.Name),
		func(p *ent.Person) string {
			return fmt.Sprintf("Hej %s!\n\n%s har beställt %s (%d st, startavgift %s kr, löpande %s kr) och beställningen väntar på din attest.\nGranska och attestera eller avslå den här: %s\n",
				p.GivenName, c.Name, off.Name, o.Quantity, snap.StartupFee, snap.Recurring, s.link(o))
		})
}

// mayOrder checks what D-O2 requires of the customer and the offering on
// the day: an orderable offering of an active service, a category that
// may order it, a valid agreement covering it, and an attestant.
func (s *Service) mayOrder(ctx context.Context, client *ent.Client, c *ent.Customer, svc *ent.Service, off *ent.Offering, on time.Time) error {
	sys := access.SystemContext(ctx)
	if !off.Orderable || svc.Status != service.StatusACTIVE {
		return apperr.New(apperr.CodeOfferingNotOrderable, "%s cannot be ordered: the offering is withdrawn or the service is %s", off.Name, svc.Status)
	}
	allowed, err := svc.QueryCategories().Where(customercategory.ID(c.CategoryID)).Exist(sys)
	if err != nil {
		return err
	}
	if !allowed {
		return apperr.New(apperr.CodeCategoryNotAllowed, "customers of your category may not order %s", svc.Name)
	}
	ag, err := agreements.Covering(ctx, client, c, svc, on)
	if err != nil {
		return err
	}
	if ag == nil {
		model := "a Kundavtal 1 for the service"
		if svc.Ka2AvailableFrom != nil && !svc.Ka2AvailableFrom.After(on) {
			model = "Kundavtal 2"
		}
		return apperr.New(apperr.CodeNoValidAgreement, "%s needs a valid agreement covering %s: %s", c.Name, svc.Name, model)
	}
	attestants, err := client.Role.Query().
		Where(role.CustomerID(c.ID), role.RoleEQ(types.RoleAttestant)).Exist(sys)
	if err != nil {
		return err
	}
	if !attestants {
		return apperr.New(apperr.CodeNoAttestant, "nobody in %s holds ATTESTANT to attest the order; ask an administrator to give the role", c.Name)
	}
	return nil
}

// quantityMatches is the rule that an order of an offering used per care
// unit names exactly as many care units as it orders (D-O3).
func quantityMatches(ctx context.Context, o *ent.Order, off *ent.Offering) error {
	if !off.RequiresCareUnits {
		return nil
	}
	n, err := o.QueryCareUnits().Count(access.SystemContext(ctx))
	if err != nil {
		return err
	}
	if n != o.Quantity {
		return &apperr.Error{Code: apperr.CodeQuantityMismatch, Field: "careUnits",
			Message: fmt.Sprintf("the order is for %d units but names %d care units; name each care unit that will use %s", o.Quantity, n, off.Name)}
	}
	return nil
}

// termsInForce returns the version of the service's terms (its BTV) in
// force on the day, or nil for a service without a BTV.
func termsInForce(ctx context.Context, client *ent.Client, svc *ent.Service, on time.Time) (*ent.DocumentVersion, error) {
	doc, err := client.AgreementDocument.Query().
		Where(agreementdocument.ServiceID(svc.ID), agreementdocument.KindEQ(agreementdocument.KindSERVICE_DESCRIPTION)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return documents.VersionInForce(ctx, client, doc.ID, on)
}

// CancelOrder cancels an order its orderer no longer wants, while it is a
// draft or awaits attestation (D-O4).
func (s *Service) CancelOrder(ctx context.Context, id pulid.ID) (*ent.Order, error) {
	client := ent.FromContext(ctx)
	o, err := client.Order.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := access.PlaceOrders(ctx, o.CustomerID); err != nil {
		return nil, err
	}
	if o, err = lockOrder(ctx, client, id); err != nil {
		return nil, err
	}
	if err := in(o, "cancelled", order.StatusDRAFT, order.StatusAWAITING_ATTESTATION); err != nil {
		return nil, err
	}
	if o, err = o.Update().SetStatus(order.StatusCANCELLED).SetCancelledAt(s.Now()).Save(ctx); err != nil {
		return nil, fmt.Errorf("cancelling order: %w", err)
	}
	return o, record(ctx, client, o, ActionOrderCancelled, nil, nil, nil)
}
