package agreements

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/customer"
	"kundportal/ent/customerapplication"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/audit"
	"kundportal/internal/bizdate"
	"kundportal/internal/contact"
	"kundportal/internal/idnumber"
	"kundportal/internal/notify"
	"kundportal/internal/roles"
)

// The messages an approved application sends (D-C4), and the rejection.
const (
	// KindAgreementContact: a person is told they are the contact for
	// the agreement and will receive written notice of changes.
	KindAgreementContact notify.Kind = "AGREEMENT_CONTACT"
	// KindApplicationRejected: the administrator named in an application
	// is told it was rejected, and why.
	KindApplicationRejected notify.Kind = "APPLICATION_REJECTED"
)

// ApplicationInput is a customer application as submitted (D-C4).
type ApplicationInput struct {
	OrgNumber                string
	OrganisationName         string
	CompanyForm              types.CompanyForm
	CategoryID               pulid.ID
	Administrator            Contact
	Signatories              []Contact
	JointSigning             bool
	AgreementContact         Contact
	ParentID                 *pulid.ID
	PowerOfAttorneyReference *string
}

// Contact is a person named in an application.
type Contact struct {
	GivenName, FamilyName, Email string
	Phone, PersonalNumber, HsaID *string
}

// SubmitApplication records an application to become a customer (D-C4),
// after checking every field (D-C6) and that the organisation may apply:
// it is not a customer, has no open application, its category may sign
// KA2 today (D-C3), and an affiliate names its power of attorney (D-C5).
func (s *Service) SubmitApplication(ctx context.Context, in ApplicationInput) (*ent.CustomerApplication, error) {
	if err := access.SubmitApplication(ctx); err != nil {
		return nil, err
	}
	client := ent.FromContext(ctx)
	org, err := idnumber.OrgNumber(in.OrgNumber)
	if err != nil {
		return nil, apperr.Validation("orgNumber", "%s", err)
	}
	contacts, err := in.contacts()
	if err != nil {
		return nil, err
	}
	if in.CompanyForm == types.CompanyFormSoleProprietorship && !ownerNamed(org, contacts) {
		return nil, apperr.Validation("signatories", "a sole proprietorship is signed for by its owner: name the owner's personal number")
	}
	if in.ParentID != nil {
		if err := s.checkParent(ctx, client, *in.ParentID, in.PowerOfAttorneyReference); err != nil {
			return nil, err
		}
	}
	cat, err := client.CustomerCategory.Get(ctx, in.CategoryID)
	if err != nil {
		return nil, fmt.Errorf("category: %w", err)
	}
	if err := s.mayApply(ctx, client, org, cat); err != nil {
		return nil, err
	}
	app, err := client.CustomerApplication.Create().
		SetOrgNumber(org).
		SetOrganisationName(strings.TrimSpace(in.OrganisationName)).
		SetCompanyForm(in.CompanyForm).
		SetCategory(cat).
		SetContacts(contacts).
		SetJointSigning(in.JointSigning).
		SetNillableParentID(in.ParentID).
		SetNillablePowerOfAttorneyReference(in.PowerOfAttorneyReference).
		SetSubmittedBy(submitter(ctx)).
		Save(ctx)
	if ent.IsConstraintError(err) {
		// The partial unique index: another application of the same
		// organisation was submitted at the same moment.
		return nil, errApplicationPending(org)
	}
	if err != nil {
		return nil, fmt.Errorf("submitting application: %w", err)
	}
	return app, audit.Record(ctx, client, audit.Event{
		Action: ActionApplicationSubmitted, EntityType: "CustomerApplication", EntityID: app.ID,
		Details: map[string]any{"orgNumber": org},
	})
}

// contacts checks and normalises the named people, naming the field of
// the first bad one.
func (in ApplicationInput) contacts() ([]types.ApplicationContact, error) {
	switch {
	case len(in.Signatories) == 0 || len(in.Signatories) > 2:
		return nil, apperr.Validation("signatories", "name one or two signatories")
	case in.JointSigning && len(in.Signatories) != 2:
		return nil, apperr.Validation("jointSigning", "signing jointly (i förening) needs two signatories")
	}
	var out []types.ApplicationContact
	add := func(field string, role types.RoleKind, c Contact) error {
		if c.PersonalNumber == nil && c.HsaID == nil {
			return apperr.Validation(field+".personalNumber", "give a personal number (BankID) or HSA-id (SITHS), so that the person can sign in and sign")
		}
		ac, err := c.check(field, role)
		out = append(out, ac)
		return err
	}
	if err := add("administrator", types.RoleAdministrator, in.Administrator); err != nil {
		return nil, err
	}
	for i, c := range in.Signatories {
		field := fmt.Sprintf("signatories[%d]", i)
		if err := add(field, types.RoleSignatory, c); err != nil {
			return nil, err
		}
	}
	if len(in.Signatories) == 2 && samePerson(out[1], out[2]) {
		return nil, apperr.Validation("signatories[1]", "the two signatories must be two different people")
	}
	if err := add("agreementContact", types.RoleAgreementContact, in.AgreementContact); err != nil {
		return nil, err
	}
	return out, nil
}

func (c Contact) check(field string, role types.RoleKind) (types.ApplicationContact, error) {
	ac := types.ApplicationContact{Role: role, GivenName: strings.TrimSpace(c.GivenName), FamilyName: strings.TrimSpace(c.FamilyName)}
	switch {
	case ac.GivenName == "" || len(ac.GivenName) > 200:
		return ac, apperr.Validation(field+".givenName", "give a given name of at most 200 characters")
	case ac.FamilyName == "" || len(ac.FamilyName) > 200:
		return ac, apperr.Validation(field+".familyName", "give a family name of at most 200 characters")
	}
	var err error
	if ac.Email, err = contact.Email(c.Email); err != nil {
		return ac, apperr.Validation(field+".email", "%s", err)
	}
	if c.Phone != nil {
		p, err := contact.Phone(*c.Phone)
		if err != nil {
			return ac, apperr.Validation(field+".phone", "%s", err)
		}
		ac.Phone = &p
	}
	if c.PersonalNumber != nil {
		pn, err := idnumber.PersonalNumber(*c.PersonalNumber)
		if err != nil {
			return ac, apperr.Validation(field+".personalNumber", "%s", err)
		}
		ac.PersonalNumber = &pn
	}
	if c.HsaID != nil {
		h, err := idnumber.HSAID(*c.HsaID)
		if err != nil {
			return ac, apperr.Validation(field+".hsaId", "%s", err)
		}
		ac.HsaID = &h
	}
	return ac, nil
}

func samePerson(a, b types.ApplicationContact) bool {
	return a.PersonalNumber != nil && b.PersonalNumber != nil && *a.PersonalNumber == *b.PersonalNumber ||
		a.HsaID != nil && b.HsaID != nil && *a.HsaID == *b.HsaID
}

// ownerNamed reports whether a signatory is the owner of a sole
// proprietorship, whose organisation number is their personal number.
func ownerNamed(org string, contacts []types.ApplicationContact) bool {
	for _, c := range contacts {
		if c.Role == types.RoleSignatory && c.PersonalNumber != nil && idnumber.SameHolder(*c.PersonalNumber, org) {
			return true
		}
	}
	return false
}

// checkParent refuses an affiliate (D-C5) without a power of attorney or
// under a customer that cannot bind others: only regions, municipalities
// and state agencies may.
func (s *Service) checkParent(ctx context.Context, client *ent.Client, parentID pulid.ID, poa *string) error {
	if poa == nil || strings.TrimSpace(*poa) == "" {
		return apperr.New(apperr.CodePowerOfAttorney, "an organisation bound to another's agreement needs the reference of its power of attorney (fullmakt)")
	}
	// The applicant need not see the parent; its existence and form are
	// all that is read.
	parent, err := client.Customer.Get(access.SystemContext(ctx), parentID)
	if ent.IsNotFound(err) {
		return apperr.Validation("parentId", "no customer with this ID")
	}
	if err != nil {
		return err
	}
	switch parent.CompanyForm {
	case types.CompanyFormRegion, types.CompanyFormMunicipality, types.CompanyFormStateAgency:
		return nil
	}
	return apperr.Validation("parentId", "only regions, municipalities and state agencies bind organisations by power of attorney")
}

// mayApply refuses an organisation that is a customer already, has an
// open application, or whose category may not sign KA2 today (D-C3).
func (s *Service) mayApply(ctx context.Context, client *ent.Client, org string, cat *ent.CustomerCategory) error {
	sys := access.SystemContext(ctx)
	if exists, err := client.Customer.Query().Where(customer.OrgNumber(org)).Exist(sys); err != nil {
		return err
	} else if exists {
		return apperr.New(apperr.CodeAlreadyCustomer, "organisation %s is a customer already; its signatories sign new agreements in the portal", org)
	}
	pending, err := client.CustomerApplication.Query().
		Where(customerapplication.OrgNumber(org), customerapplication.StatusEQ(customerapplication.StatusSUBMITTED)).
		Exist(sys)
	if err != nil {
		return err
	}
	if pending {
		return errApplicationPending(org)
	}
	return s.ka2Available(cat)
}

func errApplicationPending(org string) error {
	return apperr.New(apperr.CodeApplicationPending, "organisation %s has an application waiting for customer service already", org)
}

// ka2Available refuses a category that may not sign KA2 today (D-C3).
func (s *Service) ka2Available(cat *ent.CustomerCategory) error {
	today := s.today()
	if cat.Ka2AvailableFrom == nil || cat.Ka2AvailableFrom.After(today) {
		when := "has not been scheduled"
		if cat.Ka2AvailableFrom != nil {
			when = "opens on " + cat.Ka2AvailableFrom.Format(time.DateOnly)
		}
		return apperr.New(apperr.CodeKA2NotAvailable, "customers of the category %s may not sign Kundavtal 2 yet: it %s", cat.Name, when)
	}
	return nil
}

// submitter names who submitted an application.
func submitter(ctx context.Context) string {
	v := access.FromContext(ctx)
	if v == nil || v.Subject == "" {
		return "unknown"
	}
	return v.Subject
}

// Approval is what approving an application created.
type Approval struct {
	Application *ent.CustomerApplication
	Customer    *ent.Customer
	Agreement   *ent.Agreement
}

// ApproveApplication makes a SUBMITTED application's organisation a
// customer (D-C4), in one transaction: the customer, its people and
// roles, a KA2 agreement awaiting one or two signatures (D-A3), and the
// three messages: the portal invitation to the administrator, a signing
// link to each signatory, the contact notice to the agreement contact.
func (s *Service) ApproveApplication(ctx context.Context, id pulid.ID) (*Approval, error) {
	if err := access.StaffOnly(ctx, "decide customer applications"); err != nil {
		return nil, err
	}
	client := ent.FromContext(ctx)
	app, err := lockApplication(ctx, client, id)
	if err != nil {
		return nil, err
	}
	if err := submitted(app); err != nil {
		return nil, err
	}
	cat, err := app.QueryCategory().Only(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.ka2Available(cat); err != nil {
		return nil, err
	}
	c, err := client.Customer.Create().
		SetOrgNumber(app.OrgNumber).
		SetName(app.OrganisationName).
		SetCompanyForm(app.CompanyForm).
		SetCategoryID(app.CategoryID).
		SetNillableParentID(app.ParentID).
		SetNillablePowerOfAttorneyReference(app.PowerOfAttorneyReference).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, apperr.New(apperr.CodeAlreadyCustomer, "organisation %s became a customer after it applied", app.OrgNumber)
	}
	if err != nil {
		return nil, fmt.Errorf("creating customer: %w", err)
	}
	required := 1
	if app.JointSigning {
		required = 2
	}
	ag, err := client.Agreement.Create().
		SetCustomer(c).SetModel(agreement.ModelKA2).SetRequiredSignatures(required).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating agreement: %w", err)
	}
	if err := s.addContacts(ctx, app, c, ag); err != nil {
		return nil, err
	}
	_, decidedBy := audit.Actor(ctx)
	app, err = app.Update().
		SetStatus(customerapplication.StatusAPPROVED).SetDecidedAt(s.Now()).SetDecidedBy(decidedBy).SetCustomer(c).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("approving application: %w", err)
	}
	if err := audit.Record(ctx, client, audit.Event{
		Action: ActionApplicationApproved, EntityType: "CustomerApplication", EntityID: app.ID, CustomerID: &c.ID,
		Details: map[string]any{"agreementId": ag.ID, "requiredSignatures": required},
	}); err != nil {
		return nil, err
	}
	return &Approval{Application: app, Customer: c, Agreement: ag}, nil
}

// addContacts gives the named people their roles and each role its own
// message (D-C4), every message referencing the application.
func (s *Service) addContacts(ctx context.Context, app *ent.CustomerApplication, c *ent.Customer, ag *ent.Agreement) error {
	for _, ac := range app.Contacts {
		p, _, err := roles.Add(ctx, c.ID, roles.PersonInput{
			PersonalNumber: ac.PersonalNumber, HsaID: ac.HsaID,
			GivenName: ac.GivenName, FamilyName: ac.FamilyName, Email: ac.Email, Phone: ac.Phone,
		}, []types.RoleKind{ac.Role})
		var e *apperr.Error
		if errors.As(err, &e) && e.Code == apperr.CodeValidation {
			// The application names someone the portal cannot hold, e.g.
			// without an e-identity: customer service corrects it first.
			return apperr.Validation("contacts", "the %s named in the application: %s", strings.ToLower(string(ac.Role)), e.Message)
		}
		if err != nil {
			return err
		}
		m := notify.Message{CustomerID: &c.ID, RecipientID: &p.ID, To: ac.Email,
			SubjectType: "CustomerApplication", SubjectID: string(app.ID)}
		switch ac.Role {
		case types.RoleAdministrator:
			m.Kind = roles.KindPortalInvitation
			m.Subject = "Välkommen till Ineras kundportal – " + c.Name
			m.Body = fmt.Sprintf("Hej %s!\n\n%s är nu kund. Du är organisationens administratör i kundportalen: logga in med BankID eller SITHS-kort, kontrollera att rätt personer har rollerna beställare och attestant, och lägg upp dem som saknas.\n", ac.GivenName, c.Name)
		case types.RoleSignatory:
			m.Kind = KindSigningLink
			m.Subject = "Signera Kundavtal 2 för " + c.Name
			m.Body = fmt.Sprintf("Hej %s!\n\nDu är företrädare för %s. Logga in i kundportalen och signera Kundavtal 2 med BankID: %s/avtal/%s\n", ac.GivenName, c.Name, s.PortalURL, ag.ID)
			if ag.RequiredSignatures == 2 {
				m.Body += "\nAvtalet tecknas i förening och blir giltigt när båda företrädarna har signerat.\n"
			}
		case types.RoleAgreementContact:
			m.Kind = KindAgreementContact
			m.Subject = "Du är kontaktperson för avtalet med Inera – " + c.Name
			m.Body = fmt.Sprintf("Hej %s!\n\nDu har angetts som kontaktperson för avtalet mellan %s och Inera. Du får skriftligt besked om ändringar i avtalet och dess villkor.\n", ac.GivenName, c.Name)
		}
		if err := notify.Queue(ctx, ent.FromContext(ctx), m); err != nil {
			return err
		}
	}
	return nil
}

// RejectApplication rejects a SUBMITTED application with a reason and
// tells the administrator named in it.
func (s *Service) RejectApplication(ctx context.Context, id pulid.ID, reason string) (*ent.CustomerApplication, error) {
	if err := access.StaffOnly(ctx, "decide customer applications"); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return nil, apperr.Validation("reason", "say why, in at most 2000 characters")
	}
	client := ent.FromContext(ctx)
	app, err := lockApplication(ctx, client, id)
	if err != nil {
		return nil, err
	}
	if err := submitted(app); err != nil {
		return nil, err
	}
	_, decidedBy := audit.Actor(ctx)
	app, err = app.Update().
		SetStatus(customerapplication.StatusREJECTED).SetDecidedAt(s.Now()).SetDecidedBy(decidedBy).SetRejectionReason(reason).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("rejecting application: %w", err)
	}
	for _, ac := range app.Contacts {
		if ac.Role != types.RoleAdministrator {
			continue
		}
		if err := notify.Queue(ctx, client, notify.Message{
			Kind: KindApplicationRejected, To: ac.Email, SubjectType: "CustomerApplication", SubjectID: string(app.ID),
			Subject: "Kundansökan för " + app.OrganisationName + " har inte godkänts",
			Body:    fmt.Sprintf("Hej %s!\n\nInera har inte godkänt kundansökan för %s.\n\nSkäl: %s\n\nKontakta kundservice om du har frågor.\n", ac.GivenName, app.OrganisationName, reason),
		}); err != nil {
			return nil, err
		}
	}
	return app, audit.Record(ctx, client, audit.Event{
		Action: ActionApplicationRejected, EntityType: "CustomerApplication", EntityID: app.ID,
		Details: map[string]any{"reason": reason},
	})
}

// lockApplication loads the application and holds its row until the
// transaction ends, so that two decisions at once are made one after the
// other and the second sees the first.
func lockApplication(ctx context.Context, client *ent.Client, id pulid.ID) (*ent.CustomerApplication, error) {
	if err := client.CustomerApplication.UpdateOneID(id).SetUpdatedAt(time.Now()).Exec(ctx); err != nil {
		return nil, err
	}
	return client.CustomerApplication.Get(ctx, id)
}

// submitted is the rule that an application is decided once.
func submitted(app *ent.CustomerApplication) error {
	if app.Status != customerapplication.StatusSUBMITTED {
		return apperr.InvalidState(app.Status, "the application was %s already", strings.ToLower(app.Status.String()))
	}
	return nil
}

// today is the business date in Europe/Stockholm.
func (s *Service) today() time.Time { return bizdate.Truncate(s.Now()) }
