package demo

import "kundportal/ent"

// The customer category codes (D-C1).
const (
	catRegion       = "REGION"
	catMunicipality = "MUNICIPALITY"
	catPrivateCare  = "PRIVATE_CARE_PROVIDER"
	catStateAgency  = "STATE_AGENCY"
	catSubcontract  = "PUBLIC_SECTOR_SUBCONTRACTOR"
	catAssistive    = "ASSISTIVE_DEVICE_SUPPLIER"
)

// allCategories is every category, for services that all may order.
var allCategories = []string{catRegion, catMunicipality, catPrivateCare, catStateAgency, catSubcontract, catAssistive}

// categorySpec is one kundkategori. Dates are "YYYY-MM-DD" or "".
type categorySpec struct {
	code, name          string
	formerName, renamed string // D-C2 rename
	introduced          string // D-C2 new category
	ka2From             string // D-C3 wave
}

// categorySpecs are the six categories. The KA2 waves (D-C3) follow seeds
// 002 and 004 where they give a date: regions got KA2 on 2018-05-07 and
// municipalities on 2018-05-29 (the dispatches named in 004), private care
// providers from November 2018 (002; the 1st is chosen). State agencies and
// subcontractors came "after that" (002): 2019-03-01 is chosen. The
// assistive-device suppliers may sign from their introduction, 2018-12-12.
var categorySpecs = []categorySpec{
	{code: catRegion, name: "Regioner", ka2From: "2018-05-07"},
	{code: catMunicipality, name: "Kommuner", ka2From: "2018-05-29"},
	{code: catPrivateCare, name: "Privata vårdgivare", ka2From: "2018-11-01"},
	{code: catStateAgency, name: "Statliga myndigheter", ka2From: "2019-03-01"},
	{code: catSubcontract, name: "Underleverantörer till offentlig sektor",
		formerName: "Systemintegratörer", renamed: "2020-04-02", ka2From: "2019-03-01"},
	{code: catAssistive, name: "Hjälpmedelsleverantörer", introduced: "2018-12-12", ka2From: "2018-12-12"},
}

func (s *seeder) seedCategories() error {
	builders := make([]*ent.CustomerCategoryCreate, 0, len(categorySpecs))
	for _, c := range categorySpecs {
		builders = append(builders, s.tx.CustomerCategory.Create().
			SetCode(c.code).
			SetName(c.name).
			SetNillableFormerName(ptr(c.formerName)).
			SetNillableRenamedOn(date(c.renamed)).
			SetNillableIntroducedOn(date(c.introduced)).
			SetNillableKa2AvailableFrom(date(c.ka2From)))
	}
	created, err := s.tx.CustomerCategory.CreateBulk(builders...).Save(s.ctx)
	if ent.IsConstraintError(err) {
		// Another instance loaded the demo data concurrently.
		return ErrNotEmpty
	}
	if err != nil {
		return err
	}
	for _, c := range created {
		s.categories[c.Code] = c
	}
	return nil
}

// categoryEntities returns the categories of the given codes.
func (s *seeder) categoryEntities(codes []string) ([]*ent.CustomerCategory, error) {
	out := make([]*ent.CustomerCategory, 0, len(codes))
	for _, code := range codes {
		c, err := lookup(s.categories, "category", code)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
