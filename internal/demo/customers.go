package demo

import (
	"fmt"
	"strings"

	"kundportal/ent"
	"kundportal/ent/schema/types"
	"kundportal/internal/idnumber"
)

// customerSpec is one customer (D-C1, D-C5) with its care units.
type customerSpec struct {
	key, name, org string
	form           types.CompanyForm
	category       string
	parent         string // key of the customer whose agreement binds this one
	powerOfAttorn  string // reference of the fullmakt (D-C5)
	careUnits      []careUnitSpec
}

// careUnitSpec is a vårdenhet; its HSA-id is the customer's organisation
// number and the local part.
type careUnitSpec struct{ local, name string }

// The customer keys.
const (
	custRegion      = "region"
	custAffiliate   = "affiliate"
	custUppsala     = "uppsala"
	custEkdalen     = "ekdalen"
	custTolvan      = "tolvan"
	custSiS         = "sis"
	custIntegration = "integration"
	custAssistive   = "assistive"
)

// tolvanPNR is Skatteverket's well-known test person Tolvan Tolvansson,
// the sole proprietor of the demo data.
const tolvanPNR = "19121212-1212"

// customerSpecs are the demo customers. The public bodies have their real
// organisation numbers; the companies are fictive and their numbers made
// with a valid check digit.
var customerSpecs = []customerSpec{
	{key: custRegion, name: "Region Stockholm", org: "232100-0016", form: types.CompanyFormRegion, category: catRegion,
		careUnits: []careUnitSpec{{"E1001", "Vårdcentral Hornstull"}, {"E1002", "Vårdcentral Tensta"}, {"E1003", "Husläkarmottagning Gärdet"}}},
	{key: custAffiliate, name: "Stockholms Exempelsjukhus AB", org: orgNo("556981002"), form: types.CompanyFormLimitedCompany,
		category: catRegion, parent: custRegion, powerOfAttorn: "Fullmakt RS 2019-0412 (Region Stockholm)",
		careUnits: []careUnitSpec{{"E2001", "Stockholms Exempelsjukhus – geriatrisk mottagning"}}},
	{key: custUppsala, name: "Uppsala kommun", org: "212000-3005", form: types.CompanyFormMunicipality, category: catMunicipality,
		careUnits: []careUnitSpec{{"E3001", "Hemsjukvården Uppsala kommun"}, {"E3002", "Särskilt boende Tallbacken"},
			{"E3003", "Elevhälsans medicinska insats"}, {"E3004", "Korttidsboende Eken"}}},
	{key: custEkdalen, name: "Läkarhuset Ekdalen AB", org: orgNo("559120304"), form: types.CompanyFormLimitedCompany, category: catPrivateCare,
		careUnits: []careUnitSpec{{"E4001", "Läkarhuset Ekdalen – allmänmedicin"}, {"E4002", "Läkarhuset Ekdalen – barnmottagning"},
			{"E4003", "Läkarhuset Ekdalen – psykoterapi"}}},
	{key: custTolvan, name: "Tolvanssons Läkarpraktik", org: soleProprietorOrg(tolvanPNR), form: types.CompanyFormSoleProprietorship,
		category: catPrivateCare, careUnits: []careUnitSpec{{"E5001", "Tolvanssons Läkarpraktik"}}},
	{key: custSiS, name: "Statens institutionsstyrelse", org: "202100-4508", form: types.CompanyFormStateAgency, category: catStateAgency,
		careUnits: []careUnitSpec{{"E6001", "SiS ungdomshem Bärby – hälso- och sjukvård"}, {"E6002", "SiS LVM-hem Hornö – hälso- och sjukvård"}}},
	{key: custIntegration, name: "Integrationspartner Exempel AB", org: orgNo("559034521"), form: types.CompanyFormLimitedCompany, category: catSubcontract},
	{key: custAssistive, name: "Hjälpmedelsbolaget Exempel AB", org: orgNo("556876543"), form: types.CompanyFormLimitedCompany, category: catAssistive},
}

// orgNo makes a fictive organisation number from nine digits and a Luhn
// check digit, in canonical form.
func orgNo(nine string) string {
	d := idnumber.WithCheckDigit(nine)
	return d[:6] + "-" + d[6:]
}

// soleProprietorOrg is the organisation number of a sole proprietorship:
// the owner's personal number without the century (D-P2).
func soleProprietorOrg(personalNumber string) string { return personalNumber[2:] }

// hsaID is the HSA-id of a unit or card holder under an organisation.
func hsaID(org, local string) string { return "SE" + strings.ReplaceAll(org, "-", "") + "-" + local }

// customerSpecByKey returns the spec of a customer key.
func customerSpecByKey(key string) (customerSpec, bool) {
	for _, c := range customerSpecs {
		if c.key == key {
			return c, true
		}
	}
	return customerSpec{}, false
}

// label names the spec in an error.
func (spec customerSpec) label() string { return spec.name }

func (s *seeder) createCustomer(spec customerSpec) error {
	cat, err := lookup(s.categories, "category", spec.category)
	if err != nil {
		return err
	}
	create := s.tx.Customer.Create().
		SetOrgNumber(spec.org).
		SetName(spec.name).
		SetCompanyForm(spec.form).
		SetCategory(cat).
		SetNillablePowerOfAttorneyReference(ptr(spec.powerOfAttorn))
	if spec.parent != "" {
		parent, err := lookup(s.customers, "customer", spec.parent)
		if err != nil {
			return err
		}
		create.SetParent(parent)
	}
	c, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	s.customers[spec.key] = c
	if len(spec.careUnits) == 0 {
		return nil
	}
	builders := make([]*ent.CareUnitCreate, 0, len(spec.careUnits))
	for _, u := range spec.careUnits {
		builders = append(builders, s.tx.CareUnit.Create().
			SetCustomer(c).SetHsaID(hsaID(spec.org, u.local)).SetName(u.name))
	}
	units, err := s.tx.CareUnit.CreateBulk(builders...).Save(s.ctx)
	if err != nil {
		return err
	}
	for _, u := range units {
		s.careUnits[u.HsaID] = u
	}
	return nil
}

// careUnitsOf returns the named care units (by local part) of a customer.
func (s *seeder) careUnitsOf(customerKey string, locals []string) ([]*ent.CareUnit, error) {
	spec, ok := customerSpecByKey(customerKey)
	if !ok {
		return nil, fmt.Errorf("unknown customer %q in demo data", customerKey)
	}
	units := make([]*ent.CareUnit, 0, len(locals))
	for _, local := range locals {
		u, err := lookup(s.careUnits, "care unit", hsaID(spec.org, local))
		if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, nil
}
