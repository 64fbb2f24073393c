package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lib/pq"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/demo"
	"kundportal/internal/fixture"
	"kundportal/internal/httpapi"
	"kundportal/internal/notify"
	"kundportal/internal/ordering"
	"kundportal/internal/sms"
	"kundportal/internal/telemetry"
	"kundportal/internal/testdb"
)

// The given names that make the sabotage hook below fail a person's
// creation in one way each.
const (
	givenDuplicate = "Dubblett" // a real unique violation in the database
	givenInternal  = "Internt"  // an internal error whose text names the person, as a driver's detail would
	givenPanic     = "Panik"    // a panic whose value names the person
)

// sabotage fails the creation of people with the given names above.
func sabotage(existingHSAID string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			pm, ok := m.(*ent.PersonMutation)
			if !ok || !pm.Op().Is(ent.OpCreate) {
				return next.Mutate(ctx, m)
			}
			given, _ := pm.GivenName()
			pn, _ := pm.PersonalNumber()
			email, _ := pm.Email()
			phone, _ := pm.Phone()
			switch given {
			case givenDuplicate:
				pm.SetHsaID(existingHSAID)
			case givenInternal:
				return nil, fmt.Errorf("saving person %s <%s>, %s: %w", pn, email, phone, &pq.Error{
					Code: "XX000", Message: "could not write block", Detail: fmt.Sprintf("Key (email)=(%s) already exists", email)})
			case givenPanic:
				panic(fmt.Sprintf("unexpected person %s %s %s", pn, email, phone))
			}
			return next.Mutate(ctx, m)
		})
	}
}

// TestLogsCarryNoPersonalData: whatever happens to a request (it
// succeeds, fails validation on a bad personal number, e-mail or phone,
// hits a unique violation, fails internally with the person's data in the
// error, panics with it, sends an SMS code or an e-mail through the
// development senders), the log, at DEBUG with an access line per
// request, holds no personal number, e-mail address or phone number of
// the demo people, the fixtures' people or the inputs.
func TestLogsCarryNoPersonalData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := apitest.SystemCtx()
		if err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		logs := &apitest.SyncBuffer{}
		logger := telemetry.NewLogger(logs, slog.LevelDebug)
		someone := db.Client.Person.Query().FirstX(ctx)
		e := apitest.New(t, db, func(o *httpapi.Options) {
			o.Logger = logger
			o.Client.Person.Use(sabotage(*someone.HsaID))
			o.Services.Ordering = ordering.New(&apitest.FakeBankID{}, sms.Log{Logger: logger}, "https://portal.test")
		})
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		orderer, _ := e.Holder(a, types.RoleOrderer)
		attestant, _ := e.Holder(a, types.RoleAttestant)
		asAdmin := e.As(e.BankID(admin))

		// Inputs, valid and not.
		var inputs []string
		invite := func(given, pn, email, phone string) *apitest.Response {
			inputs = append(inputs, pn, email, phone)
			return asAdmin.Post(`mutation($input: InvitePersonInput!) { invitePerson(input: $input) { id personalNumber email phone } }`,
				map[string]any{"input": map[string]any{"customerId": a.ID, "personalNumber": pn, "givenName": given, "familyName": "Testsson",
					"email": email, "phone": phone, "roles": []types.RoleKind{types.RoleOrderer}}})
		}
		if r := invite("Ny", fixture.PersonalNumber(920_001), "ny.person@example.se", "+46709876543"); len(r.Errors) > 0 {
			t.Fatalf("invite: %s", r.Body)
		}
		good := fixture.PersonalNumber(920_002)
		badCheck := good[:len(good)-1] + string('0'+(good[len(good)-1]-'0'+1)%10)
		invite("Fel", badCheck, "fel.nummer@example.se", "+46701112233").WantError(t, "VALIDATION_ERROR", "personalNumber")
		invite("Fel", fixture.PersonalNumber(920_003), "inte-en-adress@", "+46701112234").WantError(t, "VALIDATION_ERROR", "")
		invite("Fel", fixture.PersonalNumber(920_004), "fel.telefon@example.se", "070-12").WantError(t, "VALIDATION_ERROR", "")
		invite(givenDuplicate, fixture.PersonalNumber(920_005), "dubblett@example.se", "+46701112235").WantError(t, "CONFLICT", "")
		invite(givenInternal, fixture.PersonalNumber(920_006), "internt.fel@example.se", "+46701112236").WantError(t, "INTERNAL", "")
		invite(givenPanic, fixture.PersonalNumber(920_007), "panik@example.se", "+46701112237").WantError(t, "INTERNAL", "")

		// Reads of personal data, by POST and by GET with the personal
		// number in the URL.
		var me struct{}
		e.As(e.BankID(admin)).Query(`query Me { viewer { person { personalNumber email phone } } }`, nil, &me)
		demoPerson := e.As(e.BankID(someone))
		demoPerson.Query(`query Me { viewer { person { personalNumber email phone } } }`, nil, &me)
		q := url.Values{"query": {`query($pn: String) { viewer { person { givenName } } __typename }`}, "variables": {`{"pn":"` + *orderer.PersonalNumber + `"}`}}
		e.Get("/query?" + q.Encode())
		e.As("Bearer "+*orderer.PersonalNumber).Post(`{ __typename }`, nil).WantRefused401(t)

		// An SMS code through the development sender, and the outbox
		// through the development mailer.
		off := e.Fx.Orderable(a)
		var created struct{ CreateOrder struct{ ID pulid.ID } }
		e.As(e.BankID(orderer)).Query(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"customerId": a.ID, "offeringId": off.ID, "quantity": 1, "careUnits": []any{map[string]any{"hsaId": fixture.HSAID(e.Fx.Next()), "name": "Vårdcentralen"}}}}, &created)
		e.As(e.BankID(orderer)).Query(`mutation($id: ID!) { submitOrder(id: $id, acceptTerms: true) { id } }`, map[string]any{"id": created.CreateOrder.ID}, &me)
		e.As(e.BankID(attestant)).Query(`mutation($id: ID!) { requestAttestationCode(orderId: $id) { sentTo } }`, map[string]any{"id": created.CreateOrder.ID}, &me)
		outbox := &notify.Sender{Client: db.Client, Dialect: db.Dialect, Mailer: notify.LogMailer{Logger: logger}, Logger: logger}
		if n, err := outbox.DeliverDue(context.Background()); err != nil || n == 0 {
			t.Fatalf("outbox: %d sent, %v", n, err)
		}

		out := logs.String()
		for _, want := range []string{`"msg":"internal error"`, `"msg":"panic in resolver"`, `"msg":"SMS not sent (development sender)"`,
			`"msg":"e-mail not sent: no SMTP_HOST"`, `"msg":"request"`, `"request_id":`, telemetry.RedactedPersonalNumber, telemetry.RedactedEmail, telemetry.RedactedPhone} {
			if !strings.Contains(out, want) {
				t.Errorf("the log lacks %s, so the test proves less than it claims:\n%s", want, out)
			}
		}

		var forbidden []string
		for _, p := range db.Client.Person.Query().AllX(ctx) {
			forbidden = append(forbidden, p.Email)
			if p.PersonalNumber != nil {
				forbidden = append(forbidden, personalNumberForms(*p.PersonalNumber)...)
			}
			if p.Phone != nil {
				forbidden = append(forbidden, phoneForms(*p.Phone)...)
			}
		}
		for _, in := range inputs {
			if strings.ContainsAny(in, "0123456789") && !strings.Contains(in, "@") && !strings.HasPrefix(in, "+") && len(in) >= 10 {
				forbidden = append(forbidden, personalNumberForms(in)...)
			} else if strings.HasPrefix(in, "+") {
				forbidden = append(forbidden, phoneForms(in)...)
			} else {
				forbidden = append(forbidden, in)
			}
		}
		for _, f := range forbidden {
			if f != "" && strings.Contains(out, f) {
				t.Errorf("the log holds %q", f)
			}
		}
		for _, re := range []*regexp.Regexp{anyEmail, anyPersonalNumber} {
			if m := re.FindString(out); m != "" {
				t.Errorf("the log holds %q (%s)", m, re)
			}
		}
		if t.Failed() {
			t.Logf("log:\n%s", out)
		}
	})
}

var (
	anyEmail          = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+\.[A-Za-z]{2,}`)
	anyPersonalNumber = regexp.MustCompile(`\b(?:19|20)?\d{6}[-+]?\d{4}\b`)
)

// personalNumberForms are the ways YYYYMMDD-NNNN is written.
func personalNumberForms(pn string) []string {
	digits := strings.NewReplacer("-", "", "+", "").Replace(pn)
	forms := []string{pn, digits}
	if len(digits) == 12 {
		forms = append(forms, digits[2:], digits[2:8]+"-"+digits[8:])
	}
	return forms
}

// phoneForms are +467… and its national 07….
func phoneForms(phone string) []string {
	forms := []string{phone}
	if strings.HasPrefix(phone, "+46") {
		forms = append(forms, "0"+phone[3:])
	}
	return forms
}
