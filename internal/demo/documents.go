package demo

import (
	"kundportal/ent"
	"kundportal/ent/agreementdocument"
	"kundportal/ent/documentversion"
)

// documentSpec is one agreement document (D-D1) with its versions. A BTV
// (SERVICE_DESCRIPTION) names its service and takes its title from it.
type documentSpec struct {
	code, title string
	kind        agreementdocument.Kind
	ka1, agent  bool
	service     string
	versions    []versionSpec
}

// versionSpec is one published version (D-D1, D-D2); effective "" is the
// publication date.
type versionSpec struct {
	version, published, effective string
	class                         documentversion.Classification
	items                         []string
}

// Short names of the classifications for the tables below.
const (
	editorial   = documentversion.ClassificationEDITORIAL
	inFavour    = documentversion.ClassificationMATERIAL_IN_FAVOUR
	notInFavour = documentversion.ClassificationMATERIAL_NOT_IN_FAVOUR
)

// kundavtal2Start is when Kundavtal 2 was first sent out, to the regions
// (004): the first version of its original documents.
const kundavtal2Start = "2018-05-07"

// v is a version whose change items are the given texts.
func v(version, published, effective string, class documentversion.Classification, items ...string) versionSpec {
	return versionSpec{version: version, published: published, effective: effective, class: class, items: items}
}

// original is the first version of a document that was part of Kundavtal 2
// from the start; a first version changes nothing, so it is EDITORIAL.
func original(what string) versionSpec {
	return v("1.0", kundavtal2Start, "", editorial, "Första versionen: "+what)
}

// added is the first version of a service's BTV when the service joined
// Kundavtal 2: 004 classifies every such extension as material and in the
// customer's favour, in force at once.
func added(on string) versionSpec {
	return v("1.0", on, "", inFavour, "Tjänsten omfattas av kundavtalet. Utökningen av tjänster utgör en väsentlig ändring i kundavtalet, vilken är till fördel för Kunden.")
}

// btv is the Beskrivning och tjänstespecifika villkor of a service.
func btv(service string, versions ...versionSpec) documentSpec {
	return documentSpec{code: "BTV_" + service, kind: agreementdocument.KindSERVICE_DESCRIPTION, service: service, versions: versions}
}

// Change items that 004 gives for many documents at once.
const (
	itemPuBInstructions = "Redaktionella justeringar har genomförts. Vidare har instruktioner för personuppgiftsbehandling tillförts texten."
	itemEditorial       = "Redaktionella justeringar."
	itemNewCommitment   = "Tillkommande åtagande för Kunden."
)

// documentSpecs are the agreement documents with the versions of the change
// log (004), in Swedish as published. Version labels are chosen, except
// 1.1 of 2018-07-04 and the 1.2.1 → 2.0 of SKR-koncernens PuB-avtal.
var documentSpecs = []documentSpec{
	{code: "KA2_MAIN", title: "Avtal om Kundens användning av Ineras Tjänster (Avtalets huvuddokument)", kind: agreementdocument.KindMAIN,
		versions: []versionSpec{
			original("Kundavtal 2 skickas ut till regioner och landsting."),
			v("1.0.1", "2018-05-28", "", editorial,
				"Inera har gjort en allmän översyn av hela Avtalets huvuddokument. Ett flertal mindre redaktionella förtydliganden har införts.",
				"Dessutom har en redaktionell omskrivning av hela kapitel 20 (Avtalets ersättande av tidigare tecknade avtal) införts."),
			v("1.1", "2018-07-04", "", editorial,
				"Vissa redaktionella justeringar, förtydliganden och kodifieringar av praxis har gjorts i Avtal om Kundens användning av Ineras Tjänster."),
			v("1.2", "2018-12-12", "", inFavour,
				"Inera gör vissa redaktionella justeringar i Avtalets huvuddokument.",
				"Ny bestämmelse som reglerar regioners, kommuners och statens möjligheter att binda organisationsdelar som utgör egna juridiska personer i kundavtalet, och beställningar från kundavtalet, genom fullmakt eller likvärdig rättsakt."),
			v("2.0", "2019-12-18", "", inFavour,
				"Med anledning av att Inera börjar tillämpa SKR-koncernens personuppgiftsbiträdesavtal, utgör detta, tillsammans med det kompletterande avtalsdokumentet Allmänna instruktioner, en ny del av kundavtalet.",
				"Som en följd av tillkommande avtalsdokument görs justeringar i punkterna 4.6 och 21.",
				"Justeringar görs i punkten 5 avseende dokumentens inbördes ordning."),
		}},
	{code: "GENERAL_TERMS", title: "Allmänna villkor", kind: agreementdocument.KindGENERAL_TERMS, ka1: true, agent: true,
		versions: []versionSpec{
			original("regleringar av skada har flyttats till avtalsdokumentet Reglering av skada."),
			v("1.0.1", "2018-05-28", "", editorial,
				"Redaktionellt förtydligande av ingressen till punkt 2.4 gällande Kund som anlitar Agent.",
				"Redaktionellt förtydligande av punkt 14.2 gällande Kundens data."),
			v("2.0", "2019-12-18", "", inFavour,
				"Som en följd av tillkommande avtalsdokument i Kundavtal 2 görs justeringar i avsnitt 8.",
				"Punkten 5.2 ii utgår och ersätts med en ny bestämmelse i punkten 8.7 avseende krav på personuppgiftsbiträdesavtal mellan kund och indirekt ansluten vårdgivare.",
				"Definitionen av ”Ineras personuppgiftsbiträdesavtal (Ineras PuB-avtal)” ändras."),
		}},
	{code: "DEFINITIONS", title: "Definitioner", kind: agreementdocument.KindDEFINITIONS, agent: true,
		versions: []versionSpec{
			original("definitioner som är gemensamma i Kundavtal 2."),
			v("2.0", "2019-12-18", "", inFavour,
				"Justeringar görs i avsnitt 2 avseende definitionernas ordning.",
				"Definitionen ”Ineras personuppgiftsbiträdesavtal (Ineras PuB-avtal)” ändras."),
		}},
	{code: "DAMAGES", title: "Reglering av skada", kind: agreementdocument.KindDAMAGES,
		versions: []versionSpec{
			original("regleringar av skada som tidigare fanns i Allmänna villkor."),
			v("1.1", "2019-12-18", "", editorial, "Språklig justering i punkten 3.11."),
		}},
	{code: "PUB_INERA_1", title: "Ineras Personuppgiftsbiträdesavtal 1", kind: agreementdocument.KindDATA_PROCESSING,
		versions: []versionSpec{
			original("Ineras Personuppgiftsbiträdesavtal 1 är en integrerad del av Kundavtal 2."),
			v("1.1", "2018-12-12", "", editorial, "Redaktionella justeringar har gjorts i Ineras Personuppgiftsbiträdesavtal 1."),
		}},
	{code: "PUB_SKR", title: "SKR-koncernens personuppgiftsbiträdesavtal", kind: agreementdocument.KindDATA_PROCESSING, agent: true,
		versions: []versionSpec{
			v("1.2.1", "2019-12-18", "", inFavour,
				"Inera tillför avtalsdokumentet SKR-koncernens personuppgiftsbiträdesavtal. I respektive tjänsts Beskrivning och tjänstespecifika villkor anges vilket personuppgiftsbiträdesavtal som är tillämpligt för den enskilda tjänsten."),
			v("2.0", "2023-02-22", "", inFavour,
				"Version 2.0 av SKR-koncernens personuppgiftsbiträdesavtal ersätter tidigare version 1.2.1.",
				"Den nya versionen följer i stort den tidigare men vissa avsnitt, såsom exempelvis avsnitt 12 och 17, har omarbetats utefter standardavtalsklausuler som har godkänts av EU-kommissionen."),
		}},
	{code: "GENERAL_INSTRUCTIONS", title: "Allmänna instruktioner för behandling av personuppgifter i Ineras Tjänster", kind: agreementdocument.KindGENERAL_INSTRUCTIONS, agent: true,
		versions: []versionSpec{
			v("1.0", "2019-12-18", "", inFavour,
				"Inera tillför avtalsdokumentet Allmänna instruktioner. Avtalsdokumentet består av allmänna instruktioner gällande informationssäkerhet och personuppgiftsbehandling."),
		}},
	{code: "CUSTOMER_CATEGORIES", title: "Kundkategorier", kind: agreementdocument.KindCUSTOMER_CATEGORIES,
		versions: []versionSpec{
			original("regioner, kommuner, privata vårdgivare, statliga myndigheter och systemintegratörer."),
			v("1.1", "2018-12-12", "", inFavour, "Inera har tillfört Hjälpmedelsleverantörer som ytterligare en Kundkategori."),
			v("1.2", "2020-04-02", "", inFavour, "Kategorin ”Systemintegratörer” har ersatts med ”Underleverantörer till offentlig sektor”."),
		}},
	btv(svcIntyg,
		added("2019-06-14"),
		v("2.0", "2020-04-02", "", inFavour,
			"Redaktionella justeringar har genomförts, samt ett avsnitt med instruktioner för personuppgiftsbehandling har tillförts."),
		v("3.0", "2023-10-23", "2024-01-23", notInFavour,
			"Redaktionella justeringar i avsnittet Beskrivning av Tjänsten.",
			"Redaktionella justeringar i avsnittet Personuppgiftsbehandlingens förhållanden.",
			itemNewCommitment)),
	btv(svcEtj1177,
		added("2018-10-17"),
		v("1.1", "2018-12-12", "", editorial, itemEditorial),
		v("2.0", "2019-02-26", "", inFavour,
			"Bestämmelsen om invånares möjligheter att skapa påminnelser har tagits bort.",
			"Information om Tjänstens syfte, nyttoeffekter och beroenden har tillförts.")),
	btv(svcTel1177,
		original("1177 Vårdguiden på telefon."),
		v("2.0", "2019-05-09", "", inFavour,
			"Redaktionella justeringar och kodifiering av praxis har tillförts.",
			"Vissa av Kundens åtaganden har avlägsnats."),
		v("2.1", "2019-12-18", "", inFavour, itemPuBInstructions)),
	btv(svcNPO,
		original("Nationell patientöversikt."),
		v("1.1", "2018-12-12", "", editorial, itemEditorial),
		v("2.0", "2019-12-18", "", inFavour, itemPuBInstructions)),
	btv(svcJournal,
		original("Journal via nätet."),
		v("1.1", "2018-07-04", "", editorial, "Redaktionella justeringar, förtydliganden och kodifieringar av praxis."),
		v("2.0", "2019-12-18", "", inFavour, itemPuBInstructions)),
	btv(svcPascal,
		added("2019-02-26"),
		v("2.0", "2020-04-02", "", inFavour,
			itemPuBInstructions,
			"Funktionen sms-inloggning är utfasad sedan den 1 mars 2020, enligt tidigare besked till berörda kunder hösten 2019."),
		v("3.0", "2023-03-30", "", inFavour,
			"Avsnitt 6 Behandling av personuppgifter: förtydligande av behandlingens ändamål och av kategorier av personer och typ av personuppgifter.",
			"Avsnitt 8 Åtaganden: redaktionella justeringar och ändringar införda gällande dosmigrering.",
			"Mindre redaktionella justeringar genomgående i BTV:n.")),
	btv(svcSvevac,
		added("2019-02-26"),
		v("2.0", "2020-04-02", "", inFavour,
			itemPuBInstructions,
			"Information om att Inera har beslutat att avveckla Tjänsten har tillförts.",
			"Texten har anpassats med hänsyn till att Tjänsten inte längre tillgängliggör uppgifter i Ineras Tjänst Nationell patientöversikt.")),
	btv(svcIdP,
		added("2018-12-12"),
		v("2.0", "2019-06-14", "", inFavour,
			"Ineras mål för tillgänglighet till Tjänsten har ökats från 99,80 till 99,95 procent (%).")),
	btv(svcSITHS, added("2019-05-09")),
	btv(svcDigital, added("2020-06-18")),
	btv(svcOpenData, added("2018-10-17")),
	btv(svcAssistive,
		added("2018-12-12"),
		v("1.1", "2019-05-09", "", inFavour,
			"Prislistan för hjälpmedelstjänsten har uppdaterats med nya kundkategorier och artiklar.")),
}

// label names the spec in an error.
func (spec documentSpec) label() string { return spec.code }

func (s *seeder) createDocument(spec documentSpec) error {
	create := s.tx.AgreementDocument.Create().
		SetCode(spec.code).
		SetKind(spec.kind).
		SetAppliesToKa1(spec.ka1).
		SetAppliesToKa2(true).
		SetAppliesToAgent(spec.agent)
	title := spec.title
	if spec.service != "" {
		svc, err := lookup(s.services, "service", spec.service)
		if err != nil {
			return err
		}
		// A BTV of a service still offered under KA1 serves both models.
		title = svc.Name + " – Beskrivning och tjänstespecifika villkor"
		create.SetService(svc).SetAppliesToKa1(svc.Ka1Available)
	}
	doc, err := create.SetTitle(title).Save(s.ctx)
	if err != nil {
		return err
	}
	builders := make([]*ent.DocumentVersionCreate, 0, len(spec.versions))
	for _, ver := range spec.versions {
		effective := ver.effective
		if effective == "" {
			effective = ver.published
		}
		builders = append(builders, s.tx.DocumentVersion.Create().
			SetDocument(doc).
			SetVersion(ver.version).
			SetPublishedOn(*date(ver.published)).
			SetEffectiveOn(*date(effective)).
			SetClassification(ver.class).
			SetChangeItems(ver.items))
	}
	_, err = s.tx.DocumentVersion.CreateBulk(builders...).Save(s.ctx)
	return err
}
