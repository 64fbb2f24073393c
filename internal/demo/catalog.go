package demo

import (
	"kundportal/ent"
	"kundportal/ent/service"
)

// serviceSpec is one service of the catalog (D-S1, D-A7) with its offerings.
type serviceSpec struct {
	code, name, description string
	status                  service.Status
	personalData            bool
	availability            int // basis points from availabilityFrom; 0 is no target
	// availabilityRaised is the date the target was raised to
	// availability from availabilityBefore (004: IdP, 99.80 → 99.95 %).
	availabilityBefore int
	availabilityRaised string
	ka2From            string // "" is not part of KA2
	ka1                bool
	categories         []string
	offerings          []offeringSpec
	enforcement        *enforcementSpec
}

// offeringSpec is what is ordered of a service (D-O3).
type offeringSpec struct {
	code, name, description string
	notOrderable            bool
	noCareUnits             bool
}

// enforcementSpec is a partner-check schedule (D-P3).
type enforcementSpec struct {
	warnFrom, denyFrom string
	warning, denial    string
}

// The offering codes the other tables refer to.
const (
	offWebcert        = "WEBCERT_FRISTAENDE"
	offEtjanster1177  = "E_TJANSTER_1177_VARDENHET"
	offTelefon1177    = "TELEFON_1177_REGION"
	offNPOConsumer    = "NPO_KONSUMENT"
	offNPOProducer    = "NPO_PRODUCENT_ANSLUTNING"
	offJournalProd    = "JOURNALEN_PRODUCENT_ANSLUTNING"
	offJournalCare    = "JOURNALEN_VARDGIVARE"
	offPascal         = "PASCAL_VARDENHET"
	offSITHSCard      = "SITHS_KORT"
	offDigitalMeeting = "DIGITALT_MOTE_VARDENHET"
	offSvevac         = "SVEVAC_VARDENHET"
	offIdP            = "IDP_ANSLUTNING"
	offOpenData       = "OPPNA_DATA_PUBLICERING"
	offAssistive      = "HJALPMEDEL_ANSLUTNING"
)

// The service codes the other tables refer to.
const (
	svcIntyg     = "INTYGSTJANSTER"
	svcNPO       = "NATIONELL_PATIENTOVERSIKT"
	svcJournal   = "JOURNAL_VIA_NATET"
	svcPascal    = "PASCAL"
	svcSITHS     = "IDENTIFIERINGSTJANST_SITHS"
	svcDigital   = "DIGITALT_MOTE"
	svcSvevac    = "SVEVAC"
	svcOpenData  = "PLATTFORM_OPPNA_DATA"
	svcAssistive = "HJALPMEDELSTJANSTEN"
	svcIdP       = "SAKERHETSTJANSTER_IDP"
	svcEtj1177   = "VARDGUIDEN_1177_ETJANSTER"
	svcTel1177   = "VARDGUIDEN_1177_TELEFON"
)

// webcertEnforcement is the schedule of seed 000: from 2021-09-28 a login
// without agreement and subscription is warned at every login, from
// 2022-03-28 no new certificates can be issued. The messages quote 000.
var webcertEnforcement = &enforcementSpec{
	warnFrom: "2021-09-28",
	denyFrom: "2022-03-28",
	warning: "Din organisation saknar abonnemang för att använda Webcert. " +
		"För att fortsätta använda Webcert behöver din organisation teckna ett kundavtal och beställa ett abonnemang. " +
		"Vänd dig till din verksamhetschef.",
	denial: "Användare som inte tecknat kundavtal och abonnemang för Webcert kommer inte kunna utfärda nya intyg. " +
		"För att fortsätta använda Webcert behöver din organisation teckna ett kundavtal och beställa ett abonnemang. " +
		"Vänd dig till din verksamhetschef.",
}

// careCategories are the categories that run care units.
var careCategories = []string{catRegion, catMunicipality, catPrivateCare}

// serviceSpecs is the catalog. KA2 dates are those of the change log (004)
// where it names the service as new in KA2; for services that 004 only shows
// as already part of KA2 (NPÖ, Journal via nätet, 1177 på telefon from the
// start on 2018-05-07; Pascal and Svevac before their 2020-04-02 revisions)
// the date is chosen, see docs/demo-data.md. Availability targets are chosen
// except the IdP raise 99.80 → 99.95 % of 2019-06-14.
var serviceSpecs = []serviceSpec{
	{code: svcIntyg, name: "Intygstjänster", personalData: true, availability: 9980, ka2From: "2019-06-14",
		description: "Webcert och Intygstjänsten: utfärda, skicka och ta emot elektroniska intyg.",
		categories:  []string{catRegion, catMunicipality, catPrivateCare, catStateAgency},
		enforcement: webcertEnforcement,
		offerings: []offeringSpec{{code: offWebcert, name: "Webcert Fristående",
			description: "Webcert för vårdgivare utan eget journalsystem med intygsintegration; inloggning med SITHS-kort eller, för enskild näringsverksamhet, e-legitimation."}}},
	{code: svcEtj1177, name: "1177 Vårdguidens e-tjänster", personalData: true, availability: 9980, ka2From: "2018-10-17",
		description: "Invånarnas säkra e-tjänster på 1177.se: ärenden, bokning och meddelanden.",
		categories:  careCategories,
		offerings:   []offeringSpec{{code: offEtjanster1177, name: "1177 Vårdguidens e-tjänster – vårdenhet"}}},
	{code: svcTel1177, name: "1177 Vårdguiden på telefon", personalData: true, availability: 9990, ka2From: "2018-05-07",
		description: "Sjukvårdsrådgivning per telefon dygnet runt.",
		categories:  []string{catRegion},
		offerings:   []offeringSpec{{code: offTelefon1177, name: "1177 Vårdguiden på telefon – regional anslutning", noCareUnits: true}}},
	{code: svcNPO, name: "Nationell patientöversikt", personalData: true, availability: 9980, ka2From: "2018-05-07", ka1: true,
		description: "Behörig vårdpersonal tar del av journaluppgifter som andra vårdgivare registrerat.",
		categories:  careCategories,
		offerings: []offeringSpec{
			{code: offNPOConsumer, name: "NPÖ – konsumerande vårdenhet"},
			{code: offNPOProducer, name: "NPÖ – anslutning av producerande system", noCareUnits: true,
				description: "Kvalitetssäkring och etablering av samverkan (end to end), per tjänstekontrakt och tjänst."}}},
	{code: svcJournal, name: "Journal via nätet", personalData: true, availability: 9980, ka2From: "2018-05-07",
		description: "Invånarens åtkomst till sin journal (Journalen på 1177).",
		categories:  []string{catRegion, catPrivateCare},
		offerings: []offeringSpec{
			{code: offJournalCare, name: "Journal via nätet – vårdgivare", noCareUnits: true},
			{code: offJournalProd, name: "Journalen – anslutning av producerande system", noCareUnits: true,
				description: "Kvalitetssäkring och etablering av samverkan (end to end), per tjänstekontrakt och tjänst."}}},
	{code: svcPascal, name: "Pascal", personalData: true, availability: 9980, ka2From: "2019-02-26",
		description: "Ordinationsverktyg för dosdispenserade läkemedel.",
		categories:  careCategories,
		offerings:   []offeringSpec{{code: offPascal, name: "Pascal – vårdenhet"}}},
	{code: svcSITHS, name: "Identifieringstjänst SITHS", personalData: true, availability: 9995, ka2From: "2019-05-09", ka1: true,
		description: "SITHS-kort och certifikat för säker identifiering av medarbetare.",
		categories:  allCategories,
		offerings:   []offeringSpec{{code: offSITHSCard, name: "SITHS-kort", noCareUnits: true}}},
	{code: svcDigital, name: "Digitalt möte", personalData: true, availability: 9980, ka2From: "2020-06-18",
		description: "Säkra videomöten mellan vårdpersonal och invånare.",
		categories:  []string{catRegion, catMunicipality, catPrivateCare, catStateAgency},
		offerings:   []offeringSpec{{code: offDigitalMeeting, name: "Digitalt möte – vårdenhet"}}},
	{code: svcSvevac, name: "Svevac", status: service.StatusDECOMMISSIONING, personalData: true, availability: 9950, ka2From: "2019-02-26",
		description: "Vaccinationsjournal. Inera har beslutat att avveckla tjänsten; uppgifter visas inte längre i NPÖ.",
		categories:  careCategories,
		offerings:   []offeringSpec{{code: offSvevac, name: "Svevac – vårdenhet", notOrderable: true}}},
	{code: svcIdP, name: "Säkerhetstjänster (IdP)", personalData: true, availability: 9995, ka2From: "2018-12-12",
		availabilityBefore: 9980, availabilityRaised: "2019-06-14",
		description: "Autentiseringstjänst (Identity Provider) för e-tjänster.",
		categories:  []string{catRegion, catMunicipality, catPrivateCare, catStateAgency, catSubcontract},
		offerings:   []offeringSpec{{code: offIdP, name: "IdP – anslutning av e-tjänst", noCareUnits: true}}},
	{code: svcOpenData, name: "Plattform för öppna data", ka2From: "2018-10-17", ka1: true,
		description: "Publicering av öppna data, utan personuppgifter.",
		categories:  allCategories,
		offerings:   []offeringSpec{{code: offOpenData, name: "Öppna data – publicering", noCareUnits: true}}},
	{code: svcAssistive, name: "Hjälpmedelstjänsten", personalData: true, availability: 9980, ka2From: "2018-12-12",
		description: "Gemensam katalog och beställning av hjälpmedel mellan förskrivare och leverantörer.",
		categories:  []string{catRegion, catMunicipality, catAssistive},
		offerings:   []offeringSpec{{code: offAssistive, name: "Hjälpmedelstjänsten – anslutning", noCareUnits: true}}},
}

// label names the spec in an error.
func (spec serviceSpec) label() string { return spec.code }

func (s *seeder) createService(spec serviceSpec) error {
	categories, err := s.categoryEntities(spec.categories)
	if err != nil {
		return err
	}
	status := spec.status
	if status == "" {
		status = service.StatusACTIVE
	}
	create := s.tx.Service.Create().
		SetCode(spec.code).
		SetName(spec.name).
		SetDescription(spec.description).
		SetStatus(status).
		SetProcessesPersonalData(spec.personalData).
		SetNillableKa2AvailableFrom(date(spec.ka2From)).
		SetKa1Available(spec.ka1).
		AddCategories(categories...)
	if e := spec.enforcement; e != nil {
		create.SetNillableWarnFrom(date(e.warnFrom)).
			SetNillableDenyFrom(date(e.denyFrom)).
			SetWarningMessage(e.warning).
			SetDenialMessage(e.denial)
	}
	svc, err := create.Save(s.ctx)
	if err != nil {
		return err
	}
	s.services[svc.Code] = svc
	if err := s.availabilityTargets(svc, spec); err != nil {
		return err
	}
	builders := make([]*ent.OfferingCreate, 0, len(spec.offerings))
	for _, o := range spec.offerings {
		builders = append(builders, s.tx.Offering.Create().
			SetService(svc).
			SetCode(o.code).
			SetName(o.name).
			SetDescription(o.description).
			SetOrderable(!o.notOrderable && status == service.StatusACTIVE).
			SetRequiresCareUnits(!o.noCareUnits))
	}
	offerings, err := s.tx.Offering.CreateBulk(builders...).Save(s.ctx)
	if err != nil {
		return err
	}
	for _, o := range offerings {
		s.offerings[o.Code] = o
	}
	return nil
}

// availabilityFrom is the date from which the demo data's first targets
// apply (chosen).
const availabilityFrom = "2018-01-01"

// availabilityTargets writes a service's target history (D-S1).
func (s *seeder) availabilityTargets(svc *ent.Service, spec serviceSpec) error {
	if spec.availability == 0 {
		return nil
	}
	first := spec.availability
	if spec.availabilityRaised != "" {
		first = spec.availabilityBefore
	}
	create := []*ent.AvailabilityTargetCreate{s.tx.AvailabilityTarget.Create().
		SetService(svc).SetBasisPoints(first).SetEffectiveFrom(*date(availabilityFrom))}
	if spec.availabilityRaised != "" {
		create = append(create, s.tx.AvailabilityTarget.Create().
			SetService(svc).SetBasisPoints(spec.availability).SetEffectiveFrom(*date(spec.availabilityRaised)))
	}
	return s.tx.AvailabilityTarget.CreateBulk(create...).Exec(s.ctx)
}
