package documents_test

import (
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/agreementdocument"
	"kundportal/ent/notification"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const publish = `mutation($in: PublishDocumentVersionInput!) { publishDocumentVersion(input: $in) { id version effectiveOn } }`

func versionIn(doc *ent.AgreementDocument, version, classification string, published, effective time.Time) map[string]any {
	return map[string]any{"in": map[string]any{"documentId": doc.ID, "version": version, "classification": classification,
		"publishedOn": published.Format(time.DateOnly), "effectiveOn": effective.Format(time.DateOnly),
		"changeItems": []string{"Ändrad ansvarsbegränsning"}}}
}

// TestDD2_MaterialChangeNotInFavourWaitsThreeMonths: a change not in the
// customer's favour takes effect no sooner than three months after
// publication (published 2023-10-23, effective 2024-01-23 in seed 004);
// editorial and in-favour changes may take effect at once.
func TestDD2_MaterialChangeNotInFavourWaitsThreeMonths(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		doc := e.Fx.AgreementDocument()
		today := bizdate.Truncate(time.Now())
		tooSoon := e.Post(publish, versionIn(doc, "2.0", "MATERIAL_NOT_IN_FAVOUR", today, today.AddDate(0, 3, -1)))
		err := tooSoon.WantError(t, "NOTICE_PERIOD_TOO_SHORT", "effectiveOn")
		if err.Extensions.EarliestEffectiveOn != today.AddDate(0, 3, 0).Format(time.DateOnly) {
			t.Errorf("earliest effective date %q", err.Extensions.EarliestEffectiveOn)
		}
		e.Query(publish, versionIn(doc, "2.0", "MATERIAL_NOT_IN_FAVOUR", today, today.AddDate(0, 3, 0)), &struct{}{})
		e.Query(publish, versionIn(doc, "2.1", "EDITORIAL", today, today), &struct{}{})
		e.Query(publish, versionIn(doc, "2.2", "MATERIAL_IN_FAVOUR", today, today.AddDate(0, 0, 1)), &struct{}{})
		e.Post(publish, versionIn(doc, "2.3", "EDITORIAL", today, today.AddDate(0, 0, -1))).WantError(t, "VALIDATION_ERROR", "effectiveOn")
		e.Post(publish, versionIn(doc, "2.4", "EDITORIAL", today.AddDate(0, 0, -1), today)).WantError(t, "VALIDATION_ERROR", "publishedOn")
		e.Post(publish, versionIn(doc, "2.1", "EDITORIAL", today, today.AddDate(0, 0, 5))).WantError(t, "VALIDATION_ERROR", "version")
	})
}

// TestDD4_OneVersionInForceOnAnyDate: no two versions of a document take
// effect the same day, and the version in force on a date is the one with
// the latest effective date on or before it.
func TestDD4_OneVersionInForceOnAnyDate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		doc := e.Fx.AgreementDocument()
		for _, v := range []struct{ version, effective string }{{"1.0", "2021-01-01"}, {"2.0", "2024-01-23"}, {"2.1", "2024-03-01"}} {
			e.Fx.DocumentVersion(func(d *ent.DocumentVersionCreate) {
				d.SetDocument(doc).SetVersion(v.version).SetEffectiveOn(bizdate.MustParse(v.effective)).SetPublishedOn(bizdate.MustParse(v.effective))
			})
		}
		today := bizdate.Truncate(time.Now())
		e.Query(publish, versionIn(doc, "3.0", "EDITORIAL", today, today.AddDate(0, 1, 0)), &struct{}{})
		e.Post(publish, versionIn(doc, "3.1", "EDITORIAL", today, today.AddDate(0, 1, 0))).WantError(t, "VALIDATION_ERROR", "effectiveOn")
		for on, want := range map[string]string{"2020-12-31": "", "2021-01-01": "1.0", "2024-01-22": "1.0", "2024-01-23": "2.0",
			"2024-02-29": "2.0", "2024-03-01": "2.1", today.Format(time.DateOnly): "2.1", today.AddDate(0, 1, 0).Format(time.DateOnly): "3.0"} {
			var got struct {
				Node struct{ VersionInForce *struct{ Version string } }
			}
			e.Query(`query($id: ID!, $on: Date!) { node(id: $id) { ... on AgreementDocument { versionInForce(on: $on) { version } } } }`,
				map[string]any{"id": doc.ID, "on": on}, &got)
			v := ""
			if got.Node.VersionInForce != nil {
				v = got.Node.VersionInForce.Version
			}
			if v != want {
				t.Errorf("in force on %s: %q, want %q", on, v, want)
			}
		}
	})
}

// TestDD3_AffectedAgreementContactsAreNotified: publishing the general
// terms of KA2 tells the agreement contact of every customer with an
// ACTIVE KA2 and nobody else; a service's BTV tells the contacts of its
// subscribers; each message references the version.
func TestDD3_AffectedAgreementContactsAreNotified(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		ctx, c := apitest.SystemCtx(), db.Client
		svc := e.Fx.Service()
		customerWith := func(model agreement.Model, status agreement.Status, subscribed bool) *ent.Person {
			cust := e.Fx.Customer()
			contact, _ := e.Holder(cust, types.RoleAgreementContact)
			e.Holder(cust, types.RoleAdministrator)
			ag := e.Fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(cust).SetModel(model).SetStatus(status) })
			if subscribed {
				off := e.Fx.Offering(func(o *ent.OfferingCreate) { o.SetService(svc) })
				e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetAgreement(ag).SetOffering(off) })
			}
			return contact
		}
		ka2Active := customerWith(agreement.ModelKA2, agreement.StatusACTIVE, true)
		ka2Awaiting := customerWith(agreement.ModelKA2, agreement.StatusAWAITING_SIGNATURE, false)
		ka1Only := customerWith(agreement.ModelKA1, agreement.StatusACTIVE, false)

		told := func(versionID string) map[string]bool {
			out := map[string]bool{}
			for _, n := range c.Notification.Query().Where(notification.SubjectID(versionID), notification.Kind("DOCUMENT_CHANGED")).AllX(ctx) {
				out[string(*n.RecipientID)] = true
			}
			return out
		}
		today := bizdate.Truncate(time.Now())
		terms := e.Fx.AgreementDocument(func(d *ent.AgreementDocumentCreate) { d.SetKind(agreementdocument.KindGENERAL_TERMS) })
		var got struct{ PublishDocumentVersion struct{ ID string } }
		e.Query(publish, versionIn(terms, "4.0", "EDITORIAL", today, today), &got)
		if who := told(got.PublishDocumentVersion.ID); len(who) != 1 || !who[string(ka2Active.ID)] {
			t.Errorf("KA2 terms told %v, want only the contact of the customer with an active KA2 (%s)", who, ka2Active.ID)
		}
		for _, p := range []*ent.Person{ka2Awaiting, ka1Only} {
			if told(got.PublishDocumentVersion.ID)[string(p.ID)] {
				t.Errorf("a customer without an active KA2 (%s) was told", p.ID)
			}
		}

		btv := e.Fx.AgreementDocument(func(d *ent.AgreementDocumentCreate) {
			d.SetKind(agreementdocument.KindSERVICE_DESCRIPTION).SetService(svc)
		})
		e.Query(publish, versionIn(btv, "1.1", "MATERIAL_IN_FAVOUR", today, today), &got)
		if who := told(got.PublishDocumentVersion.ID); len(who) != 1 || !who[string(ka2Active.ID)] {
			t.Errorf("the service's BTV told %v, want only its subscriber's contact", who)
		}
	})
}
