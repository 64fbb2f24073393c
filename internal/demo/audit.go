package demo

import (
	"time"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/customerapplication"
	"kundportal/ent/notification"
	"kundportal/ent/schema/types"
	"kundportal/internal/agreements"
	"kundportal/internal/audit"
	"kundportal/internal/documents"
	"kundportal/internal/notify"
	"kundportal/internal/ordering"
)

// auditEntry is one state change to record (D-O6).
type auditEntry struct {
	at         time.Time
	kind       auditevent.ActorKind
	actor      string
	action     audit.Action
	entity, id string
	customer   *ent.Customer
	method     string
	ref        string
	details    map[string]any
}

// record queues an audit event; flushAudit writes them all at the end.
func (s *seeder) record(e auditEntry) {
	create := s.tx.AuditEvent.Create().
		SetOccurredAt(e.at).
		SetActorKind(e.kind).
		SetActor(e.actor).
		SetAction(string(e.action)).
		SetEntityType(e.entity).
		SetEntityID(e.id).
		SetNillableMethod(ptr(e.method)).
		SetNillableTransactionReference(ptr(e.ref))
	if e.customer != nil {
		create.SetCustomer(e.customer)
	}
	if e.details != nil {
		create.SetDetails(e.details)
	}
	s.audit = append(s.audit, create)
}

func (s *seeder) flushAudit() error {
	_, err := s.tx.AuditEvent.CreateBulk(s.audit...).Save(s.ctx)
	return err
}

// seedApplications adds the customer application (D-C4) that created the
// assistive-device supplier, approved with two signatories signing jointly,
// and one still waiting for customer service.
func (s *seeder) seedApplications() error {
	supplier, err := lookup(s.customers, "customer", custAssistive)
	if err != nil {
		return err
	}
	cat, err := lookup(s.categories, "category", catAssistive)
	if err != nil {
		return err
	}
	approvedAt := at("2024-03-08 10:00")
	approved := s.tx.CustomerApplication.Create().
		SetOrgNumber(supplier.OrgNumber).
		SetOrganisationName(supplier.Name).
		SetCompanyForm(supplier.CompanyForm).
		SetCategory(cat).
		SetContacts([]types.ApplicationContact{
			s.applicant(pDavid, admin),
			s.applicant(pCamilla, signatory),
			s.applicant(pDavid, signatory),
			s.applicant(pDavid, contact),
		}).
		SetJointSigning(true).
		SetStatus(customerapplication.StatusAPPROVED).
		SetDecidedAt(approvedAt).
		SetDecidedBy(staffLena).
		SetCustomer(supplier)
	privateCare, err := lookup(s.categories, "category", catPrivateCare)
	if err != nil {
		return err
	}
	// A physiotherapist's sole proprietorship; she is not yet a portal user
	// and names herself in every role.
	owner, phone := pnr("19841130", "982"), "+46701234599"
	var contacts []types.ApplicationContact
	for _, r := range []types.RoleKind{admin, signatory, contact} {
		contacts = append(contacts, types.ApplicationContact{Role: r, GivenName: "Ingrid", FamilyName: "Dahl",
			Email: email("Ingrid", "Dahl"), Phone: &phone, PersonalNumber: &owner})
	}
	submitted := s.tx.CustomerApplication.Create().
		SetOrgNumber(soleProprietorOrg(owner)).
		SetOrganisationName("Fysioterapeut Ingrid Dahl").
		SetCompanyForm(types.CompanyFormSoleProprietorship).
		SetCategory(privateCare).
		SetContacts(contacts)
	apps, err := s.tx.CustomerApplication.CreateBulk(approved, submitted).Save(s.ctx)
	if err != nil {
		return err
	}
	s.record(auditEntry{at: approvedAt, kind: auditevent.ActorKindSTAFF, actor: staffLena,
		action: agreements.ActionApplicationApproved, entity: "CustomerApplication", id: string(apps[0].ID), customer: supplier})
	return nil
}

// applicant is a demo person as named in a customer application.
func (s *seeder) applicant(personKey string, role types.RoleKind) types.ApplicationContact {
	p := s.people[personKey]
	return types.ApplicationContact{Role: role, GivenName: p.GivenName, FamilyName: p.FamilyName,
		Email: p.Email, Phone: p.Phone, PersonalNumber: p.PersonalNumber, HsaID: p.HsaID}
}

// notificationSpec is one outbox row (D-C4, D-D3, D-O4).
type notificationSpec struct {
	customer, recipient, subject, body string
	kind                               notify.Kind
	sentAt                             string // "" is still PENDING
}

var notificationSpecs = []notificationSpec{
	{customer: custEkdalen, recipient: pAhmed, kind: ordering.KindOrderToAttest, sentAt: "2024-03-12 14:06",
		subject: "Ny beställning att attestera: Pascal – vårdenhet",
		body:    "Hej!\n\nLina Borg har beställt Pascal – vårdenhet för 2 vårdenheter. Logga in i kundportalen för att attestera eller avslå beställningen."},
	{customer: custEkdalen, recipient: pOskar, kind: documents.KindDocumentChanged, sentAt: "2023-10-23 07:00",
		subject: "Ändring i Intygstjänster – Beskrivning och tjänstespecifika villkor",
		body: "Hej!\n\nInera ändrar avtalsdokumentet Intygstjänster – Beskrivning och tjänstespecifika villkor. " +
			"Ändringen är väsentlig och gäller från och med 23 januari 2024."},
	{customer: custAssistive, recipient: pCamilla, kind: agreements.KindSigningLink, sentAt: "2024-03-08 10:01",
		subject: "Signera Kundavtal 2 för Hjälpmedelsbolaget Exempel AB",
		body:    "Hej!\n\nDin organisation har ansökt om att bli kund. Följ länken i kundportalen för att signera avtalet."},
	{customer: custAssistive, recipient: pDavid, kind: agreements.KindSigningReminder,
		subject: "Påminnelse: Kundavtal 2 väntar på din signatur",
		body: "Hej!\n\nCamilla Roos har signerat Kundavtal 2. Avtalet tecknas i förening och blir giltigt " +
			"först när även du har signerat."},
}

func (s *seeder) seedNotifications() error {
	builders := make([]*ent.NotificationCreate, 0, len(notificationSpecs))
	for _, n := range notificationSpecs {
		cust, err := lookup(s.customers, "customer", n.customer)
		if err != nil {
			return err
		}
		to, err := lookup(s.people, "person", n.recipient)
		if err != nil {
			return err
		}
		create := s.tx.Notification.Create().
			SetCustomer(cust).
			SetRecipient(to).
			SetRecipientEmail(to.Email).
			SetKind(string(n.kind)).
			SetSubject(n.subject).
			SetBody(n.body)
		if n.sentAt != "" {
			create.SetStatus(notification.StatusSENT).SetAttempts(1).SetSentAt(at(n.sentAt))
		}
		builders = append(builders, create)
	}
	_, err := s.tx.Notification.CreateBulk(builders...).Save(s.ctx)
	return err
}
