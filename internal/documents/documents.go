// Package documents keeps the agreement documents' versions (D-D1..D-D4):
// staff publish a version with its dates and classification, a material
// change not in the customer's favour waits out the notice period, exactly
// one version is in force on any date, and the agreement contact of every
// affected customer is told in writing.
package documents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/customer"
	"kundportal/ent/documentversion"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/subscription"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bizdate"
	"kundportal/internal/notify"
)

// ActionVersionPublished: staff published a document version (D-O6).
const ActionVersionPublished audit.Action = "DOCUMENT_VERSION_PUBLISHED"

// KindDocumentChanged is the written notice of a new version (D-D3).
const KindDocumentChanged notify.Kind = "DOCUMENT_CHANGED"

// Service publishes versions.
type Service struct {
	// MaterialChangeNotice is the notice period of D-D2 in months: a
	// material change not in the customer's favour takes effect no
	// sooner than this after publication.
	MaterialChangeNotice int
	// Now is the clock; time.Now outside tests.
	Now func() time.Time
}

// New returns the service with the notice period in months.
func New(materialChangeNoticeMonths int) *Service {
	return &Service{MaterialChangeNotice: materialChangeNoticeMonths, Now: time.Now}
}

// Version is a version to publish.
type Version struct {
	DocumentID     pulid.ID
	Version        string
	PublishedOn    *time.Time
	EffectiveOn    time.Time
	Classification documentversion.Classification
	ChangeItems    []string
}

// Publish adds a version to a document (D-D1) after the rules of D-D2 and
// D-D4, and queues the written notice to every affected customer's
// agreement contact (D-D3), in one transaction.
func (s *Service) Publish(ctx context.Context, in Version) (*ent.DocumentVersion, error) {
	if err := access.StaffOnly(ctx, "publish document versions"); err != nil {
		return nil, err
	}
	client := ent.FromContext(ctx)
	doc, err := client.AgreementDocument.Get(ctx, in.DocumentID)
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	published := bizdate.Truncate(s.Now())
	if in.PublishedOn != nil {
		if in.PublishedOn.Before(published) {
			return nil, apperr.Validation("publishedOn", "a version cannot be published in the past")
		}
		published = *in.PublishedOn
	}
	if err := s.effectiveAfterNotice(in.Classification, published, in.EffectiveOn); err != nil {
		return nil, err
	}
	if err := s.unique(ctx, client, doc, in); err != nil {
		return nil, err
	}
	items := make([]string, 0, len(in.ChangeItems))
	for _, it := range in.ChangeItems {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, apperr.Validation("changeItems", "list the changes of the version")
	}
	v, err := client.DocumentVersion.Create().
		SetDocument(doc).SetVersion(strings.TrimSpace(in.Version)).
		SetPublishedOn(published).SetEffectiveOn(in.EffectiveOn).
		SetClassification(in.Classification).SetChangeItems(items).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("publishing version: %w", err)
	}
	told, err := s.notifyAffected(ctx, client, doc, v)
	if err != nil {
		return nil, err
	}
	return v, audit.Record(ctx, client, audit.Event{
		Action: ActionVersionPublished, EntityType: "DocumentVersion", EntityID: v.ID,
		Details: map[string]any{"documentId": doc.ID, "version": v.Version, "classification": v.Classification,
			"effectiveOn": v.EffectiveOn.Format(time.DateOnly), "customersNotified": told},
	})
}

// effectiveAfterNotice is D-D2: editorial and in-favour changes may take
// effect on publication; one not in the customer's favour no sooner than
// the notice period after it.
func (s *Service) effectiveAfterNotice(c documentversion.Classification, published, effective time.Time) error {
	if effective.Before(published) {
		return apperr.Validation("effectiveOn", "a version cannot take effect before it is published")
	}
	if c != documentversion.ClassificationMATERIAL_NOT_IN_FAVOUR {
		return nil
	}
	earliest := published.AddDate(0, s.MaterialChangeNotice, 0)
	if effective.Before(earliest) {
		return &apperr.Error{Code: apperr.CodeNoticePeriodTooShort, Field: "effectiveOn",
			Message: fmt.Sprintf("a material change not in the customer's favour takes effect %d months after publication at the earliest: on %s or later",
				s.MaterialChangeNotice, earliest.Format(time.DateOnly)),
			Extensions: map[string]any{"earliestEffectiveOn": earliest.Format(time.DateOnly)}}
	}
	return nil
}

// unique refuses a label or an effective date another version of the
// document has: one version is in force on any date (D-D4).
func (s *Service) unique(ctx context.Context, client *ent.Client, doc *ent.AgreementDocument, in Version) error {
	if l := strings.TrimSpace(in.Version); l == "" || len(l) > 32 {
		return apperr.Validation("version", "give a version label of at most 32 characters")
	}
	sys := access.SystemContext(ctx)
	taken, err := client.DocumentVersion.Query().
		Where(documentversion.DocumentID(doc.ID), documentversion.Version(strings.TrimSpace(in.Version))).Exist(sys)
	if err != nil {
		return err
	}
	if taken {
		return apperr.Validation("version", "the document has a version %s already", in.Version)
	}
	taken, err = client.DocumentVersion.Query().
		Where(documentversion.DocumentID(doc.ID), documentversion.EffectiveOn(in.EffectiveOn)).Exist(sys)
	if err != nil {
		return err
	}
	if taken {
		return apperr.Validation("effectiveOn", "another version of the document takes effect on %s", in.EffectiveOn.Format(time.DateOnly))
	}
	return nil
}

// Affected returns the customers a new version of the document concerns
// (D-D3): for a service's BTV those with a live subscription to the
// service, otherwise those with an ACTIVE agreement of a model the
// document serves.
func Affected(ctx context.Context, client *ent.Client, doc *ent.AgreementDocument) ([]*ent.Customer, error) {
	sys := access.SystemContext(ctx)
	q := client.Customer.Query()
	if doc.ServiceID != nil {
		q = q.Where(customer.HasSubscriptionsWith(subscription.ServiceID(*doc.ServiceID),
			subscription.StatusIn(subscription.StatusPENDING, subscription.StatusACTIVE, subscription.StatusTERMINATION_NOTICED)))
	} else {
		var models []agreement.Model
		if doc.AppliesToKa1 {
			models = append(models, agreement.ModelKA1)
		}
		if doc.AppliesToKa2 {
			models = append(models, agreement.ModelKA2)
		}
		if doc.AppliesToAgent {
			models = append(models, agreement.ModelAGENT)
		}
		if len(models) == 0 {
			return nil, nil
		}
		q = q.Where(customer.HasAgreementsWith(agreement.ModelIn(models...), agreement.StatusEQ(agreement.StatusACTIVE)))
	}
	return q.Order(customer.ByName()).All(sys)
}

// notifyAffected queues one notice to each agreement contact of each
// affected customer, referencing the version, and returns how many
// customers were told.
func (s *Service) notifyAffected(ctx context.Context, client *ent.Client, doc *ent.AgreementDocument, v *ent.DocumentVersion) (int, error) {
	customers, err := Affected(ctx, client, doc)
	if err != nil || len(customers) == 0 {
		return 0, err
	}
	ids := make([]pulid.ID, len(customers))
	names := map[pulid.ID]string{}
	for i, c := range customers {
		ids[i], names[c.ID] = c.ID, c.Name
	}
	effect := "gäller från och med " + v.EffectiveOn.Format(time.DateOnly)
	return notify.ToAgreementContacts(ctx, client, ids, func(c pulid.ID, p *ent.Person) notify.Message {
		return notify.Message{Kind: KindDocumentChanged, SubjectType: "DocumentVersion", SubjectID: string(v.ID),
			Subject: fmt.Sprintf("Ändrade villkor: %s version %s", doc.Title, v.Version),
			Body: fmt.Sprintf("Hej %s!\n\nInera har publicerat version %s av %s, som %s. Ändringen avser %s och gäller avtalet med %s.\n\nÄndringar:\n- %s\n",
				p.GivenName, v.Version, doc.Title, effect, classificationText(v.Classification), names[c],
				strings.Join(v.ChangeItems, "\n- "))}
	})
}

func classificationText(c documentversion.Classification) string {
	switch c {
	case documentversion.ClassificationEDITORIAL:
		return "redaktionella ändringar utan ändrad innebörd"
	case documentversion.ClassificationMATERIAL_IN_FAVOUR:
		return "väsentliga ändringar till kundens fördel"
	default:
		return "väsentliga ändringar som inte är till kundens fördel"
	}
}

// VersionInForce returns the version of the document in force on the date
// (D-D4): the published one with the latest effective date on or before
// it, or nil before the first.
func VersionInForce(ctx context.Context, client *ent.Client, documentID pulid.ID, on time.Time) (*ent.DocumentVersion, error) {
	v, err := client.DocumentVersion.Query().
		Where(documentversion.DocumentID(documentID), documentversion.EffectiveOnLTE(on)).
		Order(documentversion.ByEffectiveOn(sql.OrderDesc())).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return v, err
}
