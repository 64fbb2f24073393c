package demo

import (
	"slices"
	"strings"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/idnumber"
)

// DemoPerson is one person of the demo data, as README files and tests
// list them: who they are, how they log in and which roles they hold.
type DemoPerson struct {
	// GivenName and FamilyName are the person's names.
	GivenName, FamilyName string
	// PersonalNumber is the personal identity number, YYYYMMDD-NNNN; every
	// demo person has one (BankID and e-legitimation logins).
	PersonalNumber string
	// HSAID is the HSA-id of the person's SITHS card, or "" without one.
	HSAID string
	// Email is the address notifications go to.
	Email string
	// Phone is the mobile number for SMS codes, or "" without one.
	Phone string
	// Memberships are the customers the person acts for, with the roles.
	Memberships []DemoMembership
}

// Name returns the person's full name.
func (p DemoPerson) Name() string { return p.GivenName + " " + p.FamilyName }

// DemoMembership is the roles a demo person holds within one customer.
type DemoMembership struct {
	// CustomerName is the customer's registered name.
	CustomerName string
	// OrgNumber is the customer's organisation number.
	OrgNumber string
	// Roles are the portal roles held in the customer (D-O1).
	Roles []types.RoleKind
}

// personSpec is one demo person.
type personSpec struct {
	key, given, family string
	pnr, hsa, phone    string
	roles              []membershipSpec
}

// membershipSpec is the roles of a person in one customer.
type membershipSpec struct {
	customer string
	roles    []types.RoleKind
}

// The person keys the other tables refer to.
const (
	pAnna    = "anna"
	pErik    = "erik"
	pMaria   = "maria"
	pJohan   = "johan"
	pKarin   = "karin"
	pBjorn   = "bjorn"
	pSofia   = "sofia"
	pPeter   = "peter"
	pHelena  = "helena"
	pOskar   = "oskar"
	pLina    = "lina"
	pAhmed   = "ahmed"
	pTolvan  = "tolvan"
	pGreta   = "greta"
	pNils    = "nils"
	pFredrik = "fredrik"
	pCamilla = "camilla"
	pDavid   = "david"
)

// Short names of the roles for the table below.
const (
	admin     = types.RoleAdministrator
	orderer   = types.RoleOrderer
	attestant = types.RoleAttestant
	signatory = types.RoleSignatory
	contact   = types.RoleAgreementContact
)

// in is the roles of a person in one customer.
func in(customer string, roles ...types.RoleKind) membershipSpec {
	return membershipSpec{customer: customer, roles: roles}
}

// personSpecs are the demo people. Tolvan's personal number is one of
// Skatteverket's test numbers; the others are fictive, with serials in the
// 98x–99x range (odd for men, even for women) and a valid check digit, but
// not taken from Skatteverket's list. HSA-ids sit under the employer's
// organisation number.
var personSpecs = []personSpec{
	{key: pAnna, given: "Anna", family: "Lindqvist", pnr: pnr("19760412", "984"), hsa: hsaID("232100-0016", "P7XK2"),
		phone: "+46701234501", roles: []membershipSpec{in(custRegion, admin, contact)}},
	{key: pErik, given: "Erik", family: "Sandberg", pnr: pnr("19620905", "981"), hsa: hsaID("232100-0016", "P3BQ8"),
		phone: "+46701234502", roles: []membershipSpec{in(custRegion, signatory)}},
	{key: pMaria, given: "Maria", family: "Holm", pnr: pnr("19680217", "986"),
		roles: []membershipSpec{in(custRegion, signatory)}},
	{key: pJohan, given: "Johan", family: "Berg", pnr: pnr("19850630", "983"), hsa: hsaID("232100-0016", "P9MT4"),
		phone: "+46701234504", roles: []membershipSpec{in(custRegion, orderer)}},
	{key: pKarin, given: "Karin", family: "Ek", pnr: pnr("19791123", "988"), hsa: hsaID("232100-0016", "P5RW1"),
		phone: "+46701234505", roles: []membershipSpec{in(custRegion, attestant), in(custAffiliate, admin, orderer)}},
	{key: pBjorn, given: "Björn", family: "Wik", pnr: pnr("19710308", "985"), hsa: hsaID(orgNo("556981002"), "P2001"),
		phone: "+46701234506", roles: []membershipSpec{in(custAffiliate, attestant, contact)}},
	{key: pSofia, given: "Sofia", family: "Åberg", pnr: pnr("19880114", "990"),
		phone: "+46701234507", roles: []membershipSpec{in(custUppsala, admin, orderer)}},
	{key: pPeter, given: "Peter", family: "Lund", pnr: pnr("19730522", "987"), hsa: hsaID("212000-3005", "P4KP7"),
		phone: "+46701234508", roles: []membershipSpec{in(custUppsala, attestant, contact)}},
	{key: pHelena, given: "Helena", family: "Ström", pnr: pnr("19650801", "992"),
		phone: "+46701234509", roles: []membershipSpec{in(custUppsala, signatory)}},
	{key: pOskar, given: "Oskar", family: "Falk", pnr: pnr("19700919", "989"),
		phone: "+46701234510", roles: []membershipSpec{in(custEkdalen, signatory, contact)}},
	{key: pLina, given: "Lina", family: "Borg", pnr: pnr("19900227", "994"), hsa: hsaID(orgNo("559120304"), "P1B3"),
		phone: "+46701234511", roles: []membershipSpec{in(custEkdalen, admin, orderer)}},
	{key: pAhmed, given: "Ahmed", family: "Karimi", pnr: pnr("19821004", "991"), hsa: hsaID(orgNo("559120304"), "P8A2"),
		phone: "+46701234512", roles: []membershipSpec{in(custEkdalen, attestant)}},
	{key: pTolvan, given: "Tolvan", family: "Tolvansson", pnr: tolvanPNR,
		phone: "+46701234513", roles: []membershipSpec{in(custTolvan, admin, orderer, attestant, signatory, contact)}},
	{key: pGreta, given: "Greta", family: "Nordin", pnr: pnr("19600715", "996"),
		roles: []membershipSpec{in(custSiS, signatory)}},
	{key: pNils, given: "Nils", family: "Wallin", pnr: pnr("19810312", "993"), hsa: hsaID("202100-4508", "P8NW2"),
		phone: "+46701234515", roles: []membershipSpec{in(custSiS, admin, orderer, attestant, contact)}},
	{key: pFredrik, given: "Fredrik", family: "Öst", pnr: pnr("19770628", "995"),
		phone: "+46701234516", roles: []membershipSpec{in(custIntegration, admin, signatory, contact)}},
	{key: pCamilla, given: "Camilla", family: "Roos", pnr: pnr("19740203", "998"),
		phone: "+46701234517", roles: []membershipSpec{in(custAssistive, signatory)}},
	{key: pDavid, given: "David", family: "Sjöberg", pnr: pnr("19860909", "997"),
		phone: "+46701234518", roles: []membershipSpec{in(custAssistive, admin, signatory, contact)}},
}

// pnr makes a personal number from the birth date YYYYMMDD and a three-digit
// serial, with the Luhn check digit over the ten digits without century.
func pnr(birth, serial string) string {
	d := idnumber.WithCheckDigit(birth[2:] + serial)
	return birth + "-" + d[6:]
}

// email is the person's demo address, firstname.lastname@example.se in
// ASCII.
func email(given, family string) string {
	fold := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "Å", "a", "Ä", "a", "Ö", "o")
	return strings.ToLower(fold.Replace(given) + "." + fold.Replace(family) + "@" + demoDomain)
}

// People returns the demo people (name, personal number, HSA-id if any,
// customer(s) and roles) so that the README and tests can list them.
func People() []DemoPerson {
	out := make([]DemoPerson, 0, len(personSpecs))
	for _, p := range personSpecs {
		d := DemoPerson{GivenName: p.given, FamilyName: p.family, PersonalNumber: p.pnr,
			HSAID: p.hsa, Email: email(p.given, p.family), Phone: p.phone}
		for _, m := range p.roles {
			c, _ := customerSpecByKey(m.customer)
			d.Memberships = append(d.Memberships, DemoMembership{CustomerName: c.name, OrgNumber: c.org, Roles: slices.Clone(m.roles)})
		}
		out = append(out, d)
	}
	return out
}

func (s *seeder) seedPeople() error {
	builders := make([]*ent.PersonCreate, 0, len(personSpecs))
	for _, p := range personSpecs {
		builders = append(builders, s.tx.Person.Create().
			SetGivenName(p.given).
			SetFamilyName(p.family).
			SetPersonalNumber(p.pnr).
			SetNillableHsaID(ptr(p.hsa)).
			SetEmail(email(p.given, p.family)).
			SetNillablePhone(ptr(p.phone)))
	}
	people, err := s.tx.Person.CreateBulk(builders...).Save(s.ctx)
	if err != nil {
		return err
	}
	for i, p := range people {
		s.people[personSpecs[i].key] = p
	}
	return s.seedRoles()
}

// seedRoles gives every person their roles. The contact roles named in the
// customer application (D-C4) were registered by customer service; orderers
// and attestants were added by the customer's administrator (D-O1).
func (s *seeder) seedRoles() error {
	admins := map[string]string{}
	for _, p := range personSpecs {
		for _, m := range p.roles {
			if _, ok := admins[m.customer]; !ok && slices.Contains(m.roles, admin) {
				admins[m.customer] = string(s.people[p.key].ID)
			}
		}
	}
	var builders []*ent.RoleCreate
	for _, p := range personSpecs {
		for _, m := range p.roles {
			c, err := lookup(s.customers, "customer", m.customer)
			if err != nil {
				return err
			}
			for _, r := range m.roles {
				grantedBy := staffLena
				if r == orderer || r == attestant {
					grantedBy = admins[m.customer]
				}
				builders = append(builders, s.tx.Role.Create().
					SetPerson(s.people[p.key]).SetCustomer(c).SetRole(r).SetGrantedBy(grantedBy))
			}
		}
	}
	_, err := s.tx.Role.CreateBulk(builders...).Save(s.ctx)
	return err
}
