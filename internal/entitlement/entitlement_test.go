package entitlement_test

import (
	"testing"

	"kundportal/ent"
	"kundportal/ent/agreement"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/idnumber"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const check = `query($in: AccessCheckInput!) { accessCheck(input: $in) {
	result reasons messageSv messageEn customer { id } subscription { id } } }`

type decision struct {
	Result    string
	Reasons   []string
	MessageSv *string
	MessageEn *string
	Customer  *struct{ ID string }
}

// webcert is seed 000's service: missing agreement or subscription warns
// from 2021-09-28 and denies from 2022-03-28.
func webcert(fx *fixture.F) *ent.Service {
	return fx.Service(func(s *ent.ServiceCreate) {
		s.SetCode("INTYGSTJANSTER").SetName("Intygstjänster").
			SetWarnFrom(bizdate.MustParse("2021-09-28")).SetDenyFrom(bizdate.MustParse("2022-03-28")).
			SetWarningMessage("Din organisation saknar abonnemang för att använda Webcert. Vänd dig till din verksamhetschef.").
			SetDenialMessage("Din organisation saknar kundavtal och abonnemang för Webcert och kan inte utfärda nya intyg.")
	})
}

// subscribed gives the customer a KA2 and a Webcert subscription from
// 2021-01-01.
func subscribed(fx *fixture.F, c *ent.Customer, svc *ent.Service) {
	from := bizdate.MustParse("2021-01-01")
	ag := fx.Agreement(func(a *ent.AgreementCreate) { a.SetCustomer(c).SetValidFrom(from) })
	off := fx.Offering(func(o *ent.OfferingCreate) { o.SetService(svc) })
	fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetAgreement(ag).SetOffering(off).SetActiveFrom(from) })
}

// soleProprietor is a sole proprietorship owned by the person with pn.
func soleProprietor(fx *fixture.F, pn string) *ent.Customer {
	org, _ := idnumber.OrgNumber(pn)
	return fx.Customer(func(c *ent.CustomerCreate) {
		c.SetOrgNumber(org).SetCompanyForm(types.CompanyFormSoleProprietorship)
	})
}

// TestDP3_Seed000BeforeBetweenAndAfterTheDates replays seed 000 on dates
// before, between and after the enforcement dates, for SITHS and
// e-legitimation logins and an affiliate (D-P1..D-P3, D-C5).
func TestDP3_Seed000BeforeBetweenAndAfterTheDates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		fx := e.Fx
		svc := webcert(fx)
		withPN, withoutPN, companyPN := fixture.PersonalNumber(fx.Next()), fixture.PersonalNumber(fx.Next()), fixture.PersonalNumber(fx.Next())
		subscribed(fx, soleProprietor(fx, withPN), svc)
		soleProprietor(fx, withoutPN)
		company := fx.Customer(func(c *ent.CustomerCreate) { c.SetCompanyForm(types.CompanyFormLimitedCompany) })
		subscribed(fx, company, svc)
		vardcentral := fx.Customer()
		unit := fx.CareUnit(func(u *ent.CareUnitCreate) { u.SetCustomer(vardcentral) })
		subscribed(fx, vardcentral, svc)
		bare := fx.Customer()
		region := fx.Customer(func(c *ent.CustomerCreate) { c.SetCompanyForm(types.CompanyFormRegion) })
		subscribed(fx, region, svc)
		affiliate := fx.Customer(func(c *ent.CustomerCreate) { c.SetParent(region).SetPowerOfAttorneyReference("Fullmakt 12") })

		before, between, after := "2021-09-27", "2021-12-01", "2022-03-28"
		for _, tc := range []struct {
			name  string
			login map[string]any
			want  map[string]string // date → result
			why   string
		}{
			{"sole proprietor with agreement and subscription, e-legitimation", map[string]any{"personalNumber": withPN},
				map[string]string{before: "ALLOWED", between: "ALLOWED", after: "ALLOWED"}, ""},
			{"sole proprietor without, e-legitimation", map[string]any{"personalNumber": withoutPN},
				map[string]string{before: "ALLOWED", between: "WARN", after: "DENIED"}, "NO_AGREEMENT"},
			{"unknown person, e-legitimation", map[string]any{"personalNumber": companyPN},
				map[string]string{before: "ALLOWED", between: "WARN", after: "DENIED"}, "NO_CUSTOMER"},
			{"a company's organisation with SITHS", map[string]any{"orgNumber": company.OrgNumber},
				map[string]string{before: "ALLOWED", between: "ALLOWED", after: "ALLOWED"}, ""},
			{"a care unit's HSA-id", map[string]any{"hsaId": unit.HsaID},
				map[string]string{before: "ALLOWED", between: "ALLOWED", after: "ALLOWED"}, ""},
			{"an organisation without, SITHS", map[string]any{"orgNumber": bare.OrgNumber},
				map[string]string{before: "ALLOWED", between: "WARN", after: "DENIED"}, "NO_AGREEMENT"},
			{"an affiliate covered by its region", map[string]any{"orgNumber": affiliate.OrgNumber},
				map[string]string{before: "ALLOWED", between: "ALLOWED", after: "ALLOWED"}, ""},
		} {
			for on, want := range tc.want {
				t.Run(tc.name+"/"+on, func(t *testing.T) {
					in := map[string]any{"serviceCode": "INTYGSTJANSTER", "on": on}
					for k, v := range tc.login {
						in[k] = v
					}
					var got struct{ AccessCheck decision }
					e.In(t).Query(check, map[string]any{"in": in}, &got)
					d := got.AccessCheck
					if d.Result != want {
						t.Fatalf("%s on %s: %s %v, want %s", tc.name, on, d.Result, d.Reasons, want)
					}
					if tc.why != "" && (len(d.Reasons) != 1 || d.Reasons[0] != tc.why) {
						t.Errorf("reasons %v, want %s", d.Reasons, tc.why)
					}
					switch want {
					case "WARN":
						if d.MessageSv == nil || *d.MessageSv != *svc.WarningMessage || d.MessageEn == nil {
							t.Errorf("WARN without seed 000's message: %v", d.MessageSv)
						}
					case "ALLOWED":
						if d.MessageSv != nil {
							t.Errorf("ALLOWED with a message %q", *d.MessageSv)
						}
					}
				})
			}
		}
	})
}

// TestDP2_ELegitimationIsForSoleProprietorsOnly: a personal number whose
// organisation is not a sole proprietorship is refused from the first date,
// even with agreement and subscription.
func TestDP2_ELegitimationIsForSoleProprietorsOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		svc := webcert(e.Fx)
		pn := fixture.PersonalNumber(e.Fx.Next())
		org, _ := idnumber.OrgNumber(pn)
		partnership := e.Fx.Customer(func(c *ent.CustomerCreate) { c.SetOrgNumber(org).SetCompanyForm(types.CompanyFormPartnership) })
		subscribed(e.Fx, partnership, svc)
		var got struct{ AccessCheck decision }
		e.Query(check, map[string]any{"in": map[string]any{"serviceId": svc.ID, "personalNumber": pn, "on": "2021-10-01"}}, &got)
		if got.AccessCheck.Result != "DENIED" || got.AccessCheck.Reasons[0] != "COMPANY_FORM_NOT_ALLOWED" {
			t.Errorf("got %+v, want DENIED for the company form", got.AccessCheck)
		}
		// The same organisation logging in with SITHS is allowed.
		e.Query(check, map[string]any{"in": map[string]any{"serviceId": svc.ID, "orgNumber": org, "on": "2021-10-01"}}, &got)
		if got.AccessCheck.Result != "ALLOWED" {
			t.Errorf("SITHS login: %+v", got.AccessCheck)
		}
		// A terminated agreement covers nothing after its end.
		db.Client.Agreement.Update().Where(agreement.CustomerID(partnership.ID)).
			SetStatus(agreement.StatusTERMINATED).SetEndsOn(bizdate.MustParse("2021-12-31")).ExecX(access.SystemContext(t.Context()))
		e.Query(check, map[string]any{"in": map[string]any{"serviceId": svc.ID, "orgNumber": org, "on": "2022-06-01"}}, &got)
		if got.AccessCheck.Result != "DENIED" || got.AccessCheck.Reasons[0] != "NO_AGREEMENT" {
			t.Errorf("after termination: %+v", got.AccessCheck)
		}
	})
}

// TestDP1_BadQuestionsAreNeverAllowed: each bad input has its code.
func TestDP1_BadQuestionsAreNeverAllowed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		svc := webcert(e.Fx)
		for _, tc := range []struct {
			name, code, field string
			in                map[string]any
		}{
			{"unknown service", "UNKNOWN_SERVICE", "", map[string]any{"serviceCode": "FINNS_INTE", "orgNumber": fixture.OrgNumber(3)}},
			{"Luhn-invalid organisation number", "VALIDATION_ERROR", "orgNumber", map[string]any{"serviceId": svc.ID, "orgNumber": "556000-0002"}},
			{"malformed personal number", "VALIDATION_ERROR", "personalNumber", map[string]any{"serviceId": svc.ID, "personalNumber": "1912"}},
			{"a personal number with SITHS", "VALIDATION_ERROR", "orgNumber", map[string]any{"serviceId": svc.ID, "orgNumber": "19121212-1212"}},
			{"two logins", "VALIDATION_ERROR", "login", map[string]any{"serviceId": svc.ID, "orgNumber": fixture.OrgNumber(3), "hsaId": fixture.HSAID(3)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.In(t).Post(check, map[string]any{"in": tc.in})
				r.WantError(t, tc.code, tc.field)
				r.WantNoData(t)
			})
		}
	})
}

// TestDP1_WhoMayCheck: staff and keys with access:check for the service;
// a key bound to another service, a key without the scope, people and
// anonymous callers are refused.
func TestDP1_WhoMayCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		svc, other := webcert(e.Fx), e.Fx.Service()
		key := func(scope string, bound *ent.Service) string {
			k := e.Fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) {
				k.SetScopes([]string{scope})
				if bound != nil {
					k.SetService(bound)
				}
			})
			return "ApiKey " + fixture.PartnerKeySecret(k)
		}
		c := e.Fx.Customer()
		admin, _ := e.Holder(c, types.RoleAdministrator)
		in := map[string]any{"in": map[string]any{"serviceId": svc.ID, "orgNumber": c.OrgNumber}}
		for _, tc := range []struct{ name, header, want string }{
			{"staff", e.Authorization, ""},
			{"key with access:check", key(access.ScopeAccessCheck, nil), ""},
			{"key bound to the service", key(access.ScopeAccessCheck, svc), ""},
			{"key bound to another service", key(access.ScopeAccessCheck, other), "FORBIDDEN"},
			{"key without the scope", key(access.ScopeSubscriptionsRead, nil), "FORBIDDEN"},
			{"a customer's administrator", e.BankID(admin), "FORBIDDEN"},
			{"anonymous", "", "UNAUTHENTICATED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.As(tc.header).In(t).Post(check, in)
				if tc.want == "" {
					var got struct{ AccessCheck decision }
					if err := r.Decode(&got); err != nil || got.AccessCheck.Result == "" {
						t.Errorf("want an answer, got %s", r.Body)
					}
					return
				}
				r.WantError(t, tc.want, "")
				r.WantNoData(t)
			})
		}
	})
}
