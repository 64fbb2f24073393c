package pricing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/ent/customercategory"
	"kundportal/ent/price"
	"kundportal/ent/pricelist"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/ent/service"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bizdate"
	"kundportal/internal/money"
	"kundportal/internal/notify"
)

// The bounds of a general adjustment, in basis points: a change outside
// ±50 % is a typing error, not a price policy.
const (
	MinBasisPoints = -5000
	MaxBasisPoints = 5000
)

// ActionPriceChangeAnnounced is the audit action of an announcement.
const ActionPriceChangeAnnounced audit.Action = "PRICE_CHANGE_ANNOUNCED"

// KindPriceChange is the written notice of new prices (D-D3).
const KindPriceChange notify.Kind = "PRICE_CHANGE"

// Service announces price changes.
type Service struct {
	// NoticeMonths is the notice period of D-D2 for a change that raises
	// a price.
	NoticeMonths int
	// Now is the clock; time.Now outside tests.
	Now func() time.Time
}

// New returns the service with the notice period of D-D2 in months.
func New(noticeMonths int) *Service { return &Service{NoticeMonths: noticeMonths, Now: time.Now} }

// Announcement is what staff announce: the next price list.
type Announcement struct {
	Name, Description string
	EffectiveFrom     time.Time
	BasisPoints       int64
	ExemptCategoryIDs []pulid.ID
	ExemptServiceIDs  []pulid.ID
	Set               []SetPrice
}

// Announced is the outcome of an announcement.
type Announced struct {
	List *ent.PriceList
	// Differences are the prices the list changes or adds.
	Differences []Difference
	// CustomersNotified counts the customers whose agreement contacts were
	// sent written notice.
	CustomersNotified int
}

// Announce makes the next price list from the latest one under a change
// (D-S4) and queues written notice to every customer whose prices change
// (D-D3), in the request's transaction. A change that raises any price is
// not in the customers' favour: it takes effect a notice period after the
// announcement at the earliest (D-D2). Orders placed before keep their
// snapshots.
func (s *Service) Announce(ctx context.Context, a Announcement) (*Announced, error) {
	if err := access.StaffOnly(ctx, "announce price changes"); err != nil {
		return nil, err
	}
	client := ent.FromContext(ctx)
	sys := access.SystemContext(ctx)
	today := bizdate.Truncate(s.Now())
	a.Name = strings.TrimSpace(a.Name)
	if err := a.validate(today); err != nil {
		return nil, err
	}
	latest, err := latestLocked(sys, client)
	if err != nil {
		return nil, err
	}
	if latest != nil && !a.EffectiveFrom.After(latest.EffectiveFrom) {
		return nil, &apperr.Error{Code: apperr.CodeNotAfterLatestPriceList, Field: "effectiveFrom",
			Message:    fmt.Sprintf("a new price list takes effect after the latest one, which is in force from %s", latest.EffectiveFrom.Format(time.DateOnly)),
			Extensions: map[string]any{"latestEffectiveFrom": latest.EffectiveFrom.Format(time.DateOnly)}}
	}
	cat, err := a.catalog(sys, client)
	if err != nil {
		return nil, err
	}
	prev := Table{}
	if latest != nil {
		if prev, err = TableOf(sys, client, latest.ID); err != nil {
			return nil, err
		}
	}
	change := Change{BasisPoints: a.BasisPoints, ExemptCategories: set(a.ExemptCategoryIDs),
		ExemptServices: set(a.ExemptServiceIDs), Set: a.Set}
	next := change.Apply(prev, cat.serviceOf, cat.categories)
	diffs := Compare(prev, next)
	if len(diffs) == 0 {
		return nil, apperr.Validation("adjustmentBasisPoints", "the change leaves every price as it is")
	}
	raises := Raises(diffs)
	if earliest := today.AddDate(0, s.NoticeMonths, 0); raises && a.EffectiveFrom.Before(earliest) {
		return nil, &apperr.Error{Code: apperr.CodeNoticePeriodTooShort, Field: "effectiveFrom",
			Message: fmt.Sprintf("the change raises prices, which is not in the customers' favour: it takes effect %d months after the announcement at the earliest, on %s or later",
				s.NoticeMonths, earliest.Format(time.DateOnly)),
			Extensions: map[string]any{"earliestEffectiveFrom": earliest.Format(time.DateOnly)}}
	}
	create := client.PriceList.Create().
		SetName(a.Name).SetDescription(strings.TrimSpace(a.Description)).
		SetAnnouncedOn(today).SetEffectiveFrom(a.EffectiveFrom).
		SetAdjustmentBasisPoints(a.BasisPoints).SetRaisesPrices(raises).
		AddExemptCategoryIDs(a.ExemptCategoryIDs...).AddExemptServiceIDs(a.ExemptServiceIDs...)
	list, err := create.Save(sys)
	if ent.IsConstraintError(err) {
		return nil, apperr.New(apperr.CodeConflict, "another price list was announced meanwhile; reload and try again")
	}
	if err != nil {
		return nil, fmt.Errorf("creating the price list: %w", err)
	}
	if err := SaveTable(sys, client, list.ID, next); err != nil {
		return nil, err
	}
	told, err := s.notify(ctx, client, list, diffs, cat)
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, client, audit.Event{
		Action: ActionPriceChangeAnnounced, EntityType: "PriceList", EntityID: list.ID,
		Details: map[string]any{"effectiveFrom": a.EffectiveFrom.Format(time.DateOnly), "adjustmentBasisPoints": a.BasisPoints,
			"exemptCategories": a.ExemptCategoryIDs, "exemptServices": a.ExemptServiceIDs, "pricesSet": len(a.Set),
			"pricesChanged": len(diffs), "raisesPrices": raises, "customersNotified": told},
	})
	if err != nil {
		return nil, err
	}
	return &Announced{List: list, Differences: diffs, CustomersNotified: told}, nil
}

// validate checks what needs no database.
func (a Announcement) validate(today time.Time) error {
	switch {
	case a.Name == "" || len(a.Name) > 200:
		return apperr.Validation("name", "name the price list in at most 200 characters")
	case len(a.Description) > 4000:
		return apperr.Validation("description", "describe the change in at most 4000 characters")
	case a.BasisPoints < MinBasisPoints || a.BasisPoints > MaxBasisPoints:
		return &apperr.Error{Code: apperr.CodePercentageOutOfRange, Field: "adjustmentBasisPoints",
			Message: fmt.Sprintf("a general adjustment is between %d and %d basis points (−50 %% and +50 %%); 400 is +4 %%", MinBasisPoints, MaxBasisPoints)}
	case a.EffectiveFrom.Before(today):
		return &apperr.Error{Code: apperr.CodeEffectiveDateInPast, Field: "effectiveFrom",
			Message: "a price change cannot take effect in the past: prices already charged never change (D-S4)"}
	}
	seen := map[Cell]bool{}
	for _, p := range a.Set {
		if p.Amount < 0 {
			return apperr.Validation("setPrices", "a price cannot be negative")
		}
		cats := p.CategoryIDs
		if len(cats) == 0 {
			cats = []pulid.ID{""}
		}
		for _, c := range cats {
			if k := (Cell{p.OfferingID, c, p.Unit}); seen[k] {
				return apperr.Validation("setPrices", "offering %s has two prices for %s", p.OfferingID, p.Unit)
			} else {
				seen[k] = true
			}
		}
	}
	return nil
}

// catalogue is what an announcement needs of the catalog.
type catalogue struct {
	categories []pulid.ID
	catNames   map[pulid.ID]string
	serviceOf  map[pulid.ID]pulid.ID
	offerings  map[pulid.ID]*ent.Offering
}

// catalog loads the categories and offerings and refuses a change that
// names one that does not exist.
func (a Announcement) catalog(ctx context.Context, client *ent.Client) (*catalogue, error) {
	cats, err := client.CustomerCategory.Query().Order(customercategory.ByCode()).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading categories: %w", err)
	}
	offs, err := client.Offering.Query().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading offerings: %w", err)
	}
	c := &catalogue{catNames: map[pulid.ID]string{}, serviceOf: map[pulid.ID]pulid.ID{}, offerings: map[pulid.ID]*ent.Offering{}}
	for _, k := range cats {
		c.categories = append(c.categories, k.ID)
		c.catNames[k.ID] = k.Name
	}
	for _, o := range offs {
		c.serviceOf[o.ID] = o.ServiceID
		c.offerings[o.ID] = o
	}
	unknownCategory := func(field string, ids []pulid.ID) error {
		for _, id := range ids {
			if _, ok := c.catNames[id]; !ok {
				return &apperr.Error{Code: apperr.CodeUnknownCategory, Field: field, Message: fmt.Sprintf("there is no customer category %s", id)}
			}
		}
		return nil
	}
	if err := unknownCategory("exemptCategoryIds", a.ExemptCategoryIDs); err != nil {
		return nil, err
	}
	if len(a.ExemptServiceIDs) > 0 {
		n, err := client.Service.Query().Where(service.IDIn(a.ExemptServiceIDs...)).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading services: %w", err)
		}
		if n != len(slices.Compact(slices.Sorted(slices.Values(a.ExemptServiceIDs)))) {
			return nil, &apperr.Error{Code: apperr.CodeUnknownService, Field: "exemptServiceIds", Message: "an exempt service does not exist"}
		}
	}
	for _, p := range a.Set {
		if _, ok := c.offerings[p.OfferingID]; !ok {
			return nil, &apperr.Error{Code: apperr.CodeNotFound, Field: "setPrices", Message: fmt.Sprintf("there is no offering %s", p.OfferingID)}
		}
		if err := unknownCategory("setPrices", p.CategoryIDs); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// latestLocked returns the latest list, locked for the transaction, so
// that two announcements made at once are made one after the other and
// the second sees the first (nil when there is no list). The lock is an
// update of the row, which SQLite and PostgreSQL both serialise.
func latestLocked(ctx context.Context, client *ent.Client) (*ent.PriceList, error) {
	latest, err := client.PriceList.Query().Order(ent.Desc(pricelist.FieldEffectiveFrom)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading the latest price list: %w", err)
	}
	if err := client.PriceList.UpdateOneID(latest.ID).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, fmt.Errorf("locking the latest price list: %w", err)
	}
	// Another announcement may have committed between the read and the
	// lock: then the list it made is the latest.
	again, err := client.PriceList.Query().Order(ent.Desc(pricelist.FieldEffectiveFrom)).First(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading the latest price list: %w", err)
	}
	if again.ID != latest.ID {
		return nil, apperr.New(apperr.CodeConflict, "another price list was announced meanwhile; reload and try again")
	}
	return latest, nil
}

// Latest returns the latest price list, or nil when there is none.
func Latest(ctx context.Context, client *ent.Client) (*ent.PriceList, error) {
	l, err := client.PriceList.Query().Order(ent.Desc(pricelist.FieldEffectiveFrom)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return l, err
}

// TableOf loads every price of a list.
func TableOf(ctx context.Context, client *ent.Client, listID pulid.ID) (Table, error) {
	rows, err := client.Price.Query().Where(price.PriceListID(listID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading prices: %w", err)
	}
	t := make(Table, len(rows))
	for _, p := range rows {
		t[Cell{p.OfferingID, p.CategoryID, p.Unit}] = p.Amount
	}
	return t, nil
}

// SaveTable writes a table's prices into a list, in batches that stay
// under SQLite's limit of bound parameters.
func SaveTable(ctx context.Context, client *ent.Client, listID pulid.ID, t Table) error {
	cells := make([]Cell, 0, len(t))
	for c := range t {
		cells = append(cells, c)
	}
	for chunk := range slices.Chunk(cells, 500) {
		builders := make([]*ent.PriceCreate, len(chunk))
		for i, c := range chunk {
			builders[i] = client.Price.Create().SetPriceListID(listID).
				SetOfferingID(c.OfferingID).SetCategoryID(c.CategoryID).SetUnit(c.Unit).SetAmount(t[c])
		}
		if err := client.Price.CreateBulk(builders...).Exec(ctx); err != nil {
			return fmt.Errorf("saving prices: %w", err)
		}
	}
	return nil
}

func set(ids []pulid.ID) map[pulid.ID]bool {
	m := make(map[pulid.ID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// notify queues written notice (D-D3) to the agreement contacts of every
// customer with a live subscription to an offering whose price changes
// for its category, naming the old and new price of each, and returns how
// many customers were told.
func (s *Service) notify(ctx context.Context, client *ent.Client, list *ent.PriceList, diffs []Difference, cat *catalogue) (int, error) {
	sys := access.SystemContext(ctx)
	changed := map[pulid.ID][]Difference{} // by offering
	for _, d := range diffs {
		if !d.First {
			changed[d.OfferingID] = append(changed[d.OfferingID], d)
		}
	}
	if len(changed) == 0 {
		return 0, nil
	}
	subs, err := client.Subscription.Query().
		Where(subscription.OfferingIDIn(keys(changed)...),
			subscription.StatusIn(subscription.StatusPENDING, subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED)).
		WithCustomer().All(sys)
	if err != nil {
		return 0, fmt.Errorf("loading subscriptions: %w", err)
	}
	lines := map[pulid.ID][]string{} // by customer
	names := map[pulid.ID]string{}
	seen := map[[2]pulid.ID]bool{}
	for _, sub := range subs {
		c := sub.Edges.Customer
		if seen[[2]pulid.ID{c.ID, sub.OfferingID}] {
			continue
		}
		seen[[2]pulid.ID{c.ID, sub.OfferingID}] = true
		for _, d := range changed[sub.OfferingID] {
			if d.CategoryID == c.CategoryID {
				lines[c.ID] = append(lines[c.ID], fmt.Sprintf("%s, %s: %s kr blir %s kr",
					cat.offerings[d.OfferingID].Name, UnitText(d.Unit), kronor(d.Old), kronor(d.New)))
				names[c.ID] = c.Name
			}
		}
	}
	if len(lines) == 0 {
		return 0, nil
	}
	return notify.ToAgreementContacts(ctx, client, keys(lines), func(c pulid.ID, p *ent.Person) notify.Message {
		return notify.Message{Kind: KindPriceChange, SubjectType: "PriceList", SubjectID: string(list.ID),
			Subject: fmt.Sprintf("Nya priser från och med %s", list.EffectiveFrom.Format(time.DateOnly)),
			Body: fmt.Sprintf("Hej %s!\n\nInera har beslutat om %s, som gäller från och med %s. För de tjänster %s abonnerar på betyder det (exklusive moms):\n\n- %s\n\nBeställningar som redan är lagda behåller sina priser.\n",
				p.GivenName, list.Name, list.EffectiveFrom.Format(time.DateOnly), names[c], strings.Join(lines[c], "\n- "))}
	})
}

func keys[V any](m map[pulid.ID]V) []pulid.ID {
	out := make([]pulid.ID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// kronor writes an amount the Swedish way: 1 234,50.
func kronor(a money.Amount) string {
	whole, frac, _ := strings.Cut(a.String(), ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(d)
	}
	return sign + b.String() + "," + frac
}

// UnitText is a price unit in Swedish, for letters.
func UnitText(u types.PriceUnit) string {
	switch u {
	case types.PriceUnitStartupFee:
		return "startavgift per beställning"
	case types.PriceUnitOneTime:
		return "engångsavgift"
	case types.PriceUnitPerCareUnitPerMonth:
		return "per vårdenhet och månad"
	case types.PriceUnitPerCareUnitPerYear:
		return "per vårdenhet och år"
	case types.PriceUnitPerCardPerYear:
		return "per SITHS-kort och år"
	case types.PriceUnitPerContractPerYear:
		return "per tjänstekontrakt och år"
	case types.PriceUnitPerMonth:
		return "per månad"
	case types.PriceUnitPerYear:
		return "per år"
	}
	return string(u)
}

// PricesOn returns the prices of an offering for a customer category on a
// date, one per unit (D-S3, D-S4): those of the list in force that day.
// It is empty before the first list and when the list does not price the
// offering for the category.
func PricesOn(ctx context.Context, client *ent.Client, offeringID, categoryID pulid.ID, on time.Time) ([]*ent.Price, error) {
	list, err := client.PriceList.Query().Where(pricelist.EffectiveFromLTE(on)).
		Order(ent.Desc(pricelist.FieldEffectiveFrom)).FirstID(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("finding the price list in force: %w", err)
	}
	return client.Price.Query().
		Where(price.PriceListID(list), price.OfferingID(offeringID), price.CategoryID(categoryID)).
		Order(price.ByUnit()).All(ctx)
}
