// Package catalog is the staff's administration of the catalog (D-S1,
// D-C1, D-C2, D-A7): customer categories, services with their lifecycle
// and availability target, and offerings. Every change is an audit event;
// a lowered availability target is a change not in the customers' favour
// and waits out the notice period of D-D2, and every change of a target
// is written to the service's subscribers (D-D3). Prices are package
// pricing's. The lifecycle is in docs/catalog.md.
package catalog

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/ent/availabilitytarget"
	"kundportal/ent/customercategory"
	"kundportal/ent/offering"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/service"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bizdate"
	"kundportal/internal/notify"
	"kundportal/internal/pricing"
)

// The audit actions of the catalog.
const (
	ActionCategoryCreated           audit.Action = "CATEGORY_CREATED"
	ActionCategoryChanged           audit.Action = "CATEGORY_CHANGED"
	ActionServiceCreated            audit.Action = "SERVICE_CREATED"
	ActionServiceChanged            audit.Action = "SERVICE_CHANGED"
	ActionServiceDecommissioning    audit.Action = "SERVICE_DECOMMISSIONING"
	ActionServiceRetired            audit.Action = "SERVICE_RETIRED"
	ActionAvailabilityTargetChanged audit.Action = "AVAILABILITY_TARGET_CHANGED"
	ActionOfferingCreated           audit.Action = "OFFERING_CREATED"
	ActionOfferingChanged           audit.Action = "OFFERING_CHANGED"
)

// KindAvailabilityTargetChanged is the written notice of a new target.
const KindAvailabilityTargetChanged notify.Kind = "AVAILABILITY_TARGET_CHANGED"

// Service administers the catalog.
type Service struct {
	// NoticeMonths is the notice period of D-D2.
	NoticeMonths int
	// Now is the clock; time.Now outside tests.
	Now func() time.Time
}

// New returns the service with the notice period of D-D2 in months.
func New(noticeMonths int) *Service { return &Service{NoticeMonths: noticeMonths, Now: time.Now} }

func (s *Service) today() time.Time { return bizdate.Truncate(s.Now()) }

// codePattern is a stable machine name: upper-case letters, digits and
// underscores, starting with a letter.
var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,63}$`)

func validCode(code string) error {
	if !codePattern.MatchString(code) {
		return apperr.Validation("code", "a code is 2–64 upper-case letters, digits and underscores, starting with a letter, e.g. WEBCERT")
	}
	return nil
}

func validName(field, name string, max int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > max {
		return "", apperr.Validation(field, "give a name of 1–%d characters", max)
	}
	return name, nil
}

// begin checks that the caller is staff and returns the transaction's
// client and a context that may read everything.
func begin(ctx context.Context, what string) (*ent.Client, context.Context, error) {
	if err := access.StaffOnly(ctx, what); err != nil {
		return nil, nil, err
	}
	return ent.FromContext(ctx), access.SystemContext(ctx), nil
}

// taken maps a unique-constraint failure on a code to CONFLICT.
func taken(err error, what, code string) error {
	if ent.IsConstraintError(err) {
		return &apperr.Error{Code: apperr.CodeConflict, Field: "code", Message: fmt.Sprintf("there is a %s with the code %s already", what, code)}
	}
	return err
}

// NewCategory is a customer category to add (D-C2).
type NewCategory struct {
	Code, Name       string
	IntroducedOn     *time.Time
	KA2AvailableFrom *time.Time
	// PricedLike copies another category's prices in the latest price
	// list, so that the new category can order at once; without it,
	// orders are NOT_PRICED until an announcement prices the category.
	PricedLike *pulid.ID
}

// CreateCategory adds a customer category (D-C2: Hjälpmedelsleverantörer,
// 2018-12-12).
func (s *Service) CreateCategory(ctx context.Context, in NewCategory) (*ent.CustomerCategory, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	if err := validCode(in.Code); err != nil {
		return nil, err
	}
	name, err := validName("name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	introduced := s.today()
	if in.IntroducedOn != nil {
		introduced = *in.IntroducedOn
	}
	c, err := client.CustomerCategory.Create().SetCode(in.Code).SetName(name).
		SetIntroducedOn(introduced).SetNillableKa2AvailableFrom(in.KA2AvailableFrom).Save(sys)
	if err != nil {
		return nil, taken(err, "customer category", in.Code)
	}
	copied := 0
	if in.PricedLike != nil {
		if copied, err = copyPrices(sys, client, *in.PricedLike, c.ID); err != nil {
			return nil, err
		}
	}
	return c, audit.Record(ctx, client, audit.Event{Action: ActionCategoryCreated, EntityType: "CustomerCategory", EntityID: c.ID,
		Details: map[string]any{"code": c.Code, "name": c.Name, "pricedLike": in.PricedLike, "pricesCopied": copied}})
}

// copyPrices gives category to the prices of like in the latest list.
func copyPrices(ctx context.Context, client *ent.Client, like, to pulid.ID) (int, error) {
	if ok, err := client.CustomerCategory.Query().Where(customercategory.ID(like)).Exist(ctx); err != nil || !ok {
		if err != nil {
			return 0, err
		}
		return 0, &apperr.Error{Code: apperr.CodeUnknownCategory, Field: "pricedLikeCategoryId", Message: fmt.Sprintf("there is no customer category %s", like)}
	}
	list, err := pricing.Latest(ctx, client)
	if err != nil || list == nil {
		return 0, err
	}
	t, err := pricing.TableOf(ctx, client, list.ID)
	if err != nil {
		return 0, err
	}
	copied := pricing.Table{}
	for cell, amount := range t {
		if cell.CategoryID == like {
			cell.CategoryID = to
			copied[cell] = amount
		}
	}
	return len(copied), pricing.SaveTable(ctx, client, list.ID, copied)
}

// CategoryChange changes a category; nil fields are left as they are.
type CategoryChange struct {
	ID pulid.ID
	// Name renames the category, keeping its customers (D-C2): the old
	// name is kept as formerName and today as renamedOn.
	Name             *string
	KA2AvailableFrom *time.Time
}

// UpdateCategory renames a category or moves its KA2 date (D-C2, D-C3).
func (s *Service) UpdateCategory(ctx context.Context, in CategoryChange) (*ent.CustomerCategory, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	c, err := client.CustomerCategory.Get(sys, in.ID)
	if err != nil {
		return nil, notFound(err, "customer category", in.ID)
	}
	u := client.CustomerCategory.UpdateOne(c)
	details := map[string]any{}
	if in.Name != nil {
		name, err := validName("name", *in.Name, 200)
		if err != nil {
			return nil, err
		}
		if name != c.Name {
			u.SetName(name).SetFormerName(c.Name).SetRenamedOn(s.today())
			details["formerName"], details["name"] = c.Name, name
		}
	}
	if in.KA2AvailableFrom != nil {
		u.SetKa2AvailableFrom(*in.KA2AvailableFrom)
		details["ka2AvailableFrom"] = in.KA2AvailableFrom.Format(time.DateOnly)
	}
	if len(details) == 0 {
		return c, nil
	}
	if c, err = u.Save(sys); err != nil {
		return nil, err
	}
	return c, audit.Record(ctx, client, audit.Event{Action: ActionCategoryChanged, EntityType: "CustomerCategory", EntityID: c.ID, Details: details})
}

func notFound(err error, what string, id pulid.ID) error {
	if ent.IsNotFound(err) {
		return &apperr.Error{Code: apperr.CodeNotFound, Field: "id", Message: fmt.Sprintf("there is no %s %s", what, id)}
	}
	return err
}

// categories checks that every category exists.
func categories(ctx context.Context, client *ent.Client, ids []pulid.ID) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	n, err := client.CustomerCategory.Query().Where(customercategory.IDIn(ids...)).Count(ctx)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return &apperr.Error{Code: apperr.CodeUnknownCategory, Field: "categoryIds", Message: "a category named does not exist"}
	}
	return nil
}

// ServiceFields are a service's changeable fields; nil is unchanged (on
// creation: the default).
type ServiceFields struct {
	Name, Description     *string
	ProcessesPersonalData *bool
	// KA2AvailableFrom is the date from which the service is part of KA2;
	// KA1Available whether KA1 is still possible (D-A7).
	KA2AvailableFrom *time.Time
	KA1Available     *bool
	// CategoryIDs replaces the categories that may order it (D-C1).
	CategoryIDs []pulid.ID
}

// NewService is a service to add to the catalog (D-S1).
type NewService struct {
	Code string
	ServiceFields
	// AvailabilityTarget in basis points, from today.
	AvailabilityTarget *int
}

// CreateService adds an ACTIVE service.
func (s *Service) CreateService(ctx context.Context, in NewService) (*ent.Service, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	if err := validCode(in.Code); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, apperr.Validation("name", "name the service")
	}
	create := client.Service.Create().SetCode(in.Code)
	details, err := applyServiceFields(sys, client, create.Mutation(), in.ServiceFields)
	if err != nil {
		return nil, err
	}
	svc, err := create.Save(sys)
	if err != nil {
		return nil, taken(err, "service", in.Code)
	}
	if in.AvailabilityTarget != nil {
		if err := validTarget(*in.AvailabilityTarget); err != nil {
			return nil, err
		}
		if err := client.AvailabilityTarget.Create().SetServiceID(svc.ID).SetBasisPoints(*in.AvailabilityTarget).
			SetEffectiveFrom(s.today()).Exec(sys); err != nil {
			return nil, err
		}
		details["availabilityTarget"] = *in.AvailabilityTarget
	}
	details["code"] = svc.Code
	return svc, audit.Record(ctx, client, audit.Event{Action: ActionServiceCreated, EntityType: "Service", EntityID: svc.ID, Details: details})
}

// UpdateService changes a service's fields.
func (s *Service) UpdateService(ctx context.Context, id pulid.ID, in ServiceFields) (*ent.Service, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	svc, err := client.Service.Get(sys, id)
	if err != nil {
		return nil, notFound(err, "service", id)
	}
	if svc.Status == service.StatusRETIRED {
		return nil, apperr.InvalidState(svc.Status, "a retired service cannot be changed")
	}
	u := client.Service.UpdateOne(svc)
	details, err := applyServiceFields(sys, client, u.Mutation(), in)
	if err != nil {
		return nil, err
	}
	if in.CategoryIDs != nil {
		u.ClearCategories()
		u.AddCategoryIDs(in.CategoryIDs...)
	}
	if len(details) == 0 {
		return svc, nil
	}
	if svc, err = u.Save(sys); err != nil {
		return nil, err
	}
	return svc, audit.Record(ctx, client, audit.Event{Action: ActionServiceChanged, EntityType: "Service", EntityID: svc.ID, Details: details})
}

// describe validates a name and a description that are given, sets them
// and records them in details.
func describe(what string, name, description *string, setName, setDescription func(string), details map[string]any) error {
	if name != nil {
		n, err := validName("name", *name, 200)
		if err != nil {
			return err
		}
		setName(n)
		details["name"] = n
	}
	if description != nil {
		if len([]rune(*description)) > 4000 {
			return apperr.Validation("description", "describe the %s in at most 4000 characters", what)
		}
		setDescription(strings.TrimSpace(*description))
		details["description"] = true
	}
	return nil
}

// applyServiceFields validates the fields and sets them on the mutation,
// returning what changed for the audit event.
func applyServiceFields(ctx context.Context, client *ent.Client, m *ent.ServiceMutation, in ServiceFields) (map[string]any, error) {
	details := map[string]any{}
	if err := describe("service", in.Name, in.Description, m.SetName, m.SetDescription, details); err != nil {
		return nil, err
	}
	if in.ProcessesPersonalData != nil {
		m.SetProcessesPersonalData(*in.ProcessesPersonalData)
		details["processesPersonalData"] = *in.ProcessesPersonalData
	}
	if in.KA2AvailableFrom != nil {
		m.SetKa2AvailableFrom(*in.KA2AvailableFrom)
		details["ka2AvailableFrom"] = in.KA2AvailableFrom.Format(time.DateOnly)
	}
	if in.KA1Available != nil {
		m.SetKa1Available(*in.KA1Available)
		details["ka1Available"] = *in.KA1Available
	}
	if in.CategoryIDs != nil {
		if err := categories(ctx, client, in.CategoryIDs); err != nil {
			return nil, err
		}
		if m.Op().Is(ent.OpCreate) {
			m.AddCategoryIDs(in.CategoryIDs...)
		}
		details["categoryIds"] = in.CategoryIDs
	}
	return details, nil
}

// Decommission starts winding a service down (ACTIVE → DECOMMISSIONING):
// from today its offerings cannot be ordered (OFFERING_NOT_ORDERABLE);
// retiresOn is the planned last date.
func (s *Service) Decommission(ctx context.Context, id pulid.ID, retiresOn time.Time) (*ent.Service, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	svc, err := lockService(sys, client, id)
	if err != nil {
		return nil, err
	}
	if svc.Status != service.StatusACTIVE {
		return nil, apperr.InvalidState(svc.Status, "only an ACTIVE service can be decommissioned")
	}
	today := s.today()
	if retiresOn.Before(today) {
		return nil, apperr.Validation("retiresOn", "the planned retirement date cannot be in the past")
	}
	svc, err = client.Service.UpdateOne(svc).SetStatus(service.StatusDECOMMISSIONING).
		SetDecommissioningFrom(today).SetRetiresOn(retiresOn).Save(sys)
	if err != nil {
		return nil, err
	}
	return svc, audit.Record(ctx, client, audit.Event{Action: ActionServiceDecommissioning, EntityType: "Service", EntityID: svc.ID,
		Details: map[string]any{"retiresOn": retiresOn.Format(time.DateOnly)}})
}

// Retire ends a service (DECOMMISSIONING → RETIRED), once no
// subscription to it is live.
func (s *Service) Retire(ctx context.Context, id pulid.ID) (*ent.Service, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	svc, err := lockService(sys, client, id)
	if err != nil {
		return nil, err
	}
	if svc.Status != service.StatusDECOMMISSIONING {
		return nil, apperr.InvalidState(svc.Status, "only a DECOMMISSIONING service can be retired")
	}
	live, err := client.Subscription.Query().Where(subscription.ServiceID(id),
		subscription.StatusIn(subscription.StatusPENDING, subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED)).IDs(sys)
	if err != nil {
		return nil, err
	}
	if len(live) > 0 {
		return nil, &apperr.Error{Code: apperr.CodeSubscriptionsActive, Message: fmt.Sprintf("%d subscriptions to the service have not ended", len(live)),
			Extensions: map[string]any{"subscriptionIds": live}}
	}
	svc, err = client.Service.UpdateOne(svc).SetStatus(service.StatusRETIRED).SetRetiredOn(s.today()).Save(sys)
	if err != nil {
		return nil, err
	}
	return svc, audit.Record(ctx, client, audit.Event{Action: ActionServiceRetired, EntityType: "Service", EntityID: svc.ID})
}

// lockService reads a service and locks its row for the transaction, so
// that two staff members changing its status at once act one after the
// other.
func lockService(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.Service, error) {
	if err := client.Service.UpdateOneID(id).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, notFound(err, "service", id)
	}
	return client.Service.Get(ctx, id)
}

func validTarget(bp int) error {
	if bp < 0 || bp > 10000 {
		return apperr.Validation("basisPoints", "an availability target is 0–10000 hundredths of a percent: 9995 is 99.95 %%")
	}
	return nil
}

// TargetOn returns the availability target in force on a date, or nil.
func TargetOn(ctx context.Context, client *ent.Client, serviceID pulid.ID, on time.Time) (*ent.AvailabilityTarget, error) {
	t, err := client.AvailabilityTarget.Query().
		Where(availabilitytarget.ServiceID(serviceID), availabilitytarget.EffectiveFromLTE(on)).
		Order(ent.Desc(availabilitytarget.FieldEffectiveFrom)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return t, err
}

// ChangeAvailabilityTarget sets a service's target from a date (D-S1).
// A raise is in the customers' favour and may apply from today; a lower
// target waits out the notice period (D-D2). The service's subscribers'
// agreement contacts get written notice (D-D3).
func (s *Service) ChangeAvailabilityTarget(ctx context.Context, id pulid.ID, basisPoints int, effectiveFrom time.Time) (*ent.AvailabilityTarget, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	if err := validTarget(basisPoints); err != nil {
		return nil, err
	}
	svc, err := lockService(sys, client, id)
	if err != nil {
		return nil, err
	}
	if svc.Status == service.StatusRETIRED {
		return nil, apperr.InvalidState(svc.Status, "a retired service has no availability target")
	}
	today := s.today()
	if effectiveFrom.Before(today) {
		return nil, &apperr.Error{Code: apperr.CodeEffectiveDateInPast, Field: "effectiveFrom", Message: "a target cannot change in the past"}
	}
	before, err := TargetOn(sys, client, id, effectiveFrom)
	if err != nil {
		return nil, err
	}
	if before != nil && before.BasisPoints == basisPoints {
		return nil, apperr.Validation("basisPoints", "the target is %d already on that date", basisPoints)
	}
	if earliest := today.AddDate(0, s.NoticeMonths, 0); before != nil && basisPoints < before.BasisPoints && effectiveFrom.Before(earliest) {
		return nil, &apperr.Error{Code: apperr.CodeNoticePeriodTooShort, Field: "effectiveFrom",
			Message: fmt.Sprintf("a lower target is not in the customers' favour: it applies %d months after today at the earliest, on %s or later",
				s.NoticeMonths, earliest.Format(time.DateOnly)),
			Extensions: map[string]any{"earliestEffectiveFrom": earliest.Format(time.DateOnly)}}
	}
	later, err := client.AvailabilityTarget.Query().Where(availabilitytarget.ServiceID(id), availabilitytarget.EffectiveFromGTE(effectiveFrom)).Exist(sys)
	if err != nil {
		return nil, err
	}
	if later {
		return nil, &apperr.Error{Code: apperr.CodeConflict, Field: "effectiveFrom", Message: "the service has a target from that date or later already"}
	}
	t, err := client.AvailabilityTarget.Create().SetServiceID(id).SetBasisPoints(basisPoints).SetEffectiveFrom(effectiveFrom).Save(sys)
	if err != nil {
		return nil, err
	}
	told, err := notifySubscribers(ctx, client, svc, before, t)
	if err != nil {
		return nil, err
	}
	var old any
	if before != nil {
		old = before.BasisPoints
	}
	return t, audit.Record(ctx, client, audit.Event{Action: ActionAvailabilityTargetChanged, EntityType: "Service", EntityID: id,
		Details: map[string]any{"from": old, "to": basisPoints, "effectiveFrom": effectiveFrom.Format(time.DateOnly), "customersNotified": told}})
}

// percent writes basis points as a Swedish percentage: 9995 is "99,95".
func percent(bp int) string { return fmt.Sprintf("%d,%02d", bp/100, bp%100) }

// notifySubscribers writes to the agreement contacts of the customers
// with a live subscription to the service (D-D3).
func notifySubscribers(ctx context.Context, client *ent.Client, svc *ent.Service, before, t *ent.AvailabilityTarget) (int, error) {
	sys := access.SystemContext(ctx)
	customers, err := client.Subscription.Query().Where(subscription.ServiceID(svc.ID),
		subscription.StatusIn(subscription.StatusPENDING, subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED)).
		Unique(true).Select(subscription.FieldCustomerID).Strings(sys)
	if err != nil || len(customers) == 0 {
		return 0, err
	}
	ids := make([]pulid.ID, len(customers))
	for i, c := range customers {
		ids[i] = pulid.ID(c)
	}
	change := "blir " + percent(t.BasisPoints) + " %"
	if before != nil {
		change = "ändras från " + percent(before.BasisPoints) + " % till " + percent(t.BasisPoints) + " %"
	}
	return notify.ToAgreementContacts(ctx, client, ids, func(_ pulid.ID, p *ent.Person) notify.Message {
		return notify.Message{Kind: KindAvailabilityTargetChanged, SubjectType: "Service", SubjectID: string(svc.ID),
			Subject: fmt.Sprintf("Ändrat tillgänglighetsmål för %s", svc.Name),
			Body: fmt.Sprintf("Hej %s!\n\nIneras mål för tillgänglighet till %s %s från och med %s.\n",
				p.GivenName, svc.Name, change, t.EffectiveFrom.Format(time.DateOnly))}
	})
}

// OfferingFields are an offering's changeable fields; nil is unchanged
// (on creation: the default).
type OfferingFields struct {
	Name, Description *string
	Orderable         *bool
	// RequiresCareUnits: an order names the care units that use it.
	RequiresCareUnits *bool
}

// CreateOffering adds an offering to a service that is not retired.
func (s *Service) CreateOffering(ctx context.Context, serviceID pulid.ID, code string, in OfferingFields) (*ent.Offering, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	if err := validCode(code); err != nil {
		return nil, err
	}
	svc, err := client.Service.Get(sys, serviceID)
	if err != nil {
		return nil, notFound(err, "service", serviceID)
	}
	if svc.Status != service.StatusACTIVE {
		return nil, apperr.InvalidState(svc.Status, "offerings are added to ACTIVE services only")
	}
	if in.Name == nil {
		return nil, apperr.Validation("name", "name the offering")
	}
	create := client.Offering.Create().SetServiceID(serviceID).SetCode(code)
	details, err := applyOfferingFields(create.Mutation(), in)
	if err != nil {
		return nil, err
	}
	o, err := create.Save(sys)
	if err != nil {
		return nil, taken(err, "offering", code)
	}
	details["code"], details["serviceId"] = code, serviceID
	return o, audit.Record(ctx, client, audit.Event{Action: ActionOfferingCreated, EntityType: "Offering", EntityID: o.ID, Details: details})
}

// UpdateOffering changes an offering.
func (s *Service) UpdateOffering(ctx context.Context, id pulid.ID, in OfferingFields) (*ent.Offering, error) {
	client, sys, err := begin(ctx, "change the catalog")
	if err != nil {
		return nil, err
	}
	o, err := client.Offering.Query().Where(offering.ID(id)).WithService().Only(sys)
	if err != nil {
		return nil, notFound(err, "offering", id)
	}
	if in.Orderable != nil && *in.Orderable && o.Edges.Service.Status != service.StatusACTIVE {
		return nil, apperr.InvalidState(o.Edges.Service.Status, "an offering of a service that is not ACTIVE cannot be made orderable")
	}
	u := client.Offering.UpdateOne(o)
	details, err := applyOfferingFields(u.Mutation(), in)
	if err != nil {
		return nil, err
	}
	if len(details) == 0 {
		return o, nil
	}
	if o, err = u.Save(sys); err != nil {
		return nil, err
	}
	return o, audit.Record(ctx, client, audit.Event{Action: ActionOfferingChanged, EntityType: "Offering", EntityID: o.ID, Details: details})
}

func applyOfferingFields(m *ent.OfferingMutation, in OfferingFields) (map[string]any, error) {
	details := map[string]any{}
	if err := describe("offering", in.Name, in.Description, m.SetName, m.SetDescription, details); err != nil {
		return nil, err
	}
	if in.Orderable != nil {
		m.SetOrderable(*in.Orderable)
		details["orderable"] = *in.Orderable
	}
	if in.RequiresCareUnits != nil {
		m.SetRequiresCareUnits(*in.RequiresCareUnits)
		details["requiresCareUnits"] = *in.RequiresCareUnits
	}
	return details, nil
}
