package roles_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/notification"
	"kundportal/ent/person"
	"kundportal/ent/role"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// The role-management operations, as the portal SPA sends them.
const (
	inviteMutation = `mutation($input: InvitePersonInput!) {
		invitePerson(input: $input) { id givenName familyName }
	}`
	grantMutation = `mutation($input: GrantRoleInput!) {
		grantRole(input: $input) { id role personID customerID grantedBy }
	}`
	revokeMutation = `mutation($id: ID!) { revokeRole(id: $id) { id role personID customerID } }`
)

// roleWrites counts the rows role management writes.
type roleWrites struct{ People, Roles, AuditEvents, Notifications int }

func countRoleWrites(t *testing.T, e *apitest.Env) roleWrites {
	t.Helper()
	c, ctx := e.Fx.Client(), apitest.SystemCtx()
	var w roleWrites
	var err error
	for _, n := range []struct {
		dst   *int
		count func() (int, error)
	}{
		{&w.People, func() (int, error) { return c.Person.Query().Count(ctx) }},
		{&w.Roles, func() (int, error) { return c.Role.Query().Count(ctx) }},
		{&w.AuditEvents, func() (int, error) { return c.AuditEvent.Query().Count(ctx) }},
		{&w.Notifications, func() (int, error) { return c.Notification.Query().Count(ctx) }},
	} {
		if *n.dst, err = n.count(); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// wantNothingWritten asserts that the rows are as counted before.
func wantNothingWritten(t *testing.T, e *apitest.Env, before roleWrites) {
	t.Helper()
	if after := countRoleWrites(t, e); after != before {
		t.Errorf("rows changed by a refused request: before %+v, after %+v", before, after)
	}
}

// inviteInput is an InvitePersonInput for a new person "Ny Användare".
func inviteInput(c *ent.Customer, personalNumber string, kinds ...types.RoleKind) map[string]any {
	in := map[string]any{
		"customerId": string(c.ID), "givenName": "Ny", "familyName": "Användare",
		"email": "ny.anvandare@example.se", "phone": "+46701234567", "roles": kinds,
	}
	if personalNumber != "" {
		in["personalNumber"] = personalNumber
	}
	return in
}

func grantInput(c *ent.Customer, p *ent.Person, kind types.RoleKind) map[string]any {
	return map[string]any{"customerId": string(c.ID), "personId": string(p.ID), "role": kind}
}

// roleRow is a Role as the mutations select it.
type roleRow struct {
	ID         string  `json:"id"`
	Role       string  `json:"role"`
	PersonID   string  `json:"personID"`
	CustomerID string  `json:"customerID"`
	GrantedBy  *string `json:"grantedBy"`
}

// rolesOf returns the roles p holds in c, sorted by name.
func rolesOf(t *testing.T, e *apitest.Env, c *ent.Customer, p pulid.ID) []*ent.Role {
	t.Helper()
	rs, err := e.Fx.Client().Role.Query().Where(role.CustomerID(c.ID), role.PersonID(p)).All(apitest.SystemCtx())
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rs, func(a, b *ent.Role) int { return strings.Compare(string(a.Role), string(b.Role)) })
	return rs
}

// auditOf returns the events with the action about customer c, oldest first.
func auditOf(t *testing.T, e *apitest.Env, c *ent.Customer, action string) []*ent.AuditEvent {
	t.Helper()
	evs, err := e.Fx.Client().AuditEvent.Query().
		Where(auditevent.CustomerID(c.ID), auditevent.Action(action)).
		Order(ent.Asc(auditevent.FieldOccurredAt), ent.Asc(auditevent.FieldID)).All(apitest.SystemCtx())
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// wantRoleEvent asserts that ev records the change of r by the actor.
func wantRoleEvent(t *testing.T, ev *ent.AuditEvent, action string, r *ent.Role, kind auditevent.ActorKind, actor string) {
	t.Helper()
	if ev.Action != action || ev.EntityType != "Role" || ev.EntityID != string(r.ID) ||
		ev.CustomerID == nil || *ev.CustomerID != r.CustomerID || ev.ActorKind != kind || ev.Actor != actor {
		t.Errorf("audit event = {%s %s %s customer %v by %s %s}, want {%s Role %s customer %s by %s %s}",
			ev.Action, ev.EntityType, ev.EntityID, ev.CustomerID, ev.ActorKind, ev.Actor,
			action, r.ID, r.CustomerID, kind, actor)
	}
	if ev.Details["personId"] != string(r.PersonID) || ev.Details["role"] != string(r.Role) {
		t.Errorf("audit event details = %v, want personId %s and role %s", ev.Details, r.PersonID, r.Role)
	}
	if ev.OccurredAt.IsZero() {
		t.Error("audit event has no time")
	}
}

// canonical12 returns a personal number in the dashless 12-digit form.
func canonical12(pn string) string { return strings.ReplaceAll(pn, "-", "") }

func TestDO6_AdministratorInvitesAPerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		asAdmin := e.As(e.BankID(admin))

		forms := []struct{ name, given string }{
			{"dashless 12 digits", canonical12(fixture.PersonalNumber(900_001))},
			{"YYYYMMDD-NNNN", fixture.PersonalNumber(900_002)},
			{"with surrounding spaces", "  " + fixture.PersonalNumber(900_003) + " "},
			{"YYMMDD-NNNN, without the century", fixture.PersonalNumber(900_004)[2:]},
		}
		for i, f := range forms {
			t.Run(f.name, func(t *testing.T) {
				e := asAdmin.In(t)
				want := fixture.PersonalNumber(900_001 + i)
				before := countRoleWrites(t, e)

				var data struct {
					InvitePerson struct{ ID, GivenName, FamilyName string }
				}
				e.Query(inviteMutation, map[string]any{"input": inviteInput(a, f.given, types.RoleOrderer, types.RoleAttestant)}, &data)

				p, err := e.Fx.Client().Person.Query().Where(person.PersonalNumber(want)).Only(apitest.SystemCtx())
				if err != nil {
					t.Fatalf("no person with the normalised personal number %s: %v", want, err)
				}
				if string(p.ID) != data.InvitePerson.ID || p.GivenName != "Ny" || p.FamilyName != "Användare" ||
					p.Email != "ny.anvandare@example.se" || p.Phone == nil || *p.Phone != "+46701234567" {
					t.Errorf("person = %+v, answered %+v", p, data.InvitePerson)
				}
				rs := rolesOf(t, e, a, p.ID)
				if len(rs) != 2 || rs[0].Role != types.RoleAttestant || rs[1].Role != types.RoleOrderer {
					t.Fatalf("roles = %v, want ATTESTANT and ORDERER", rs)
				}
				for _, r := range rs {
					if r.GrantedBy == nil || *r.GrantedBy != string(admin.ID) {
						t.Errorf("role %s granted by %v, want the administrator %s", r.Role, r.GrantedBy, admin.ID)
					}
				}

				invitations, err := e.Fx.Client().Notification.Query().
					Where(notification.RecipientID(p.ID), notification.Kind("PORTAL_INVITATION")).All(apitest.SystemCtx())
				if err != nil {
					t.Fatal(err)
				}
				if len(invitations) != 1 {
					t.Fatalf("%d PORTAL_INVITATION notifications, want 1", len(invitations))
				}
				n := invitations[0]
				if n.RecipientEmail != p.Email || n.CustomerID == nil || *n.CustomerID != a.ID || n.Status != notification.StatusPENDING {
					t.Errorf("invitation = to %s about %v, status %s; want to %s about %s, PENDING", n.RecipientEmail, n.CustomerID, n.Status, p.Email, a.ID)
				}

				var granted []*ent.AuditEvent
				for _, ev := range auditOf(t, e, a, "ROLE_GRANTED") {
					if ev.Details["personId"] == string(p.ID) {
						granted = append(granted, ev)
					}
				}
				if len(granted) != 2 {
					t.Fatalf("%d ROLE_GRANTED events for the person, want 2", len(granted))
				}
				for _, r := range rs {
					i := slices.IndexFunc(granted, func(ev *ent.AuditEvent) bool { return ev.EntityID == string(r.ID) })
					if i < 0 {
						t.Errorf("no ROLE_GRANTED event for role %s", r.Role)
						continue
					}
					wantRoleEvent(t, granted[i], "ROLE_GRANTED", r, auditevent.ActorKindPERSON, string(admin.ID))
				}

				after := countRoleWrites(t, e)
				if want := (roleWrites{before.People + 1, before.Roles + 2, before.AuditEvents + 2, before.Notifications + 1}); after != want {
					t.Errorf("rows after the invitation = %+v, want %+v", after, want)
				}
			})
		}
	})
}

func TestDO1_InvitingAKnownPersonReusesThem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a, other := e.Fx.Customer(), e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		known, _ := e.Holder(other, types.RoleSignatory)
		asAdmin := e.As(e.BankID(admin))

		t.Run("by personal number", func(t *testing.T) {
			e := asAdmin.In(t)
			before := countRoleWrites(t, e)
			var data struct{ InvitePerson struct{ ID string } }
			e.Query(inviteMutation, map[string]any{"input": inviteInput(a, canonical12(*known.PersonalNumber), types.RoleOrderer)}, &data)
			if data.InvitePerson.ID != string(known.ID) {
				t.Fatalf("invitePerson answered person %s, want the known person %s", data.InvitePerson.ID, known.ID)
			}
			if rs := rolesOf(t, e, a, known.ID); len(rs) != 1 || rs[0].Role != types.RoleOrderer {
				t.Errorf("roles in the customer = %v, want ORDERER", rs)
			}
			after := countRoleWrites(t, e)
			if after.People != before.People || after.Roles != before.Roles+1 {
				t.Errorf("rows before %+v, after %+v; want no new person and one new role", before, after)
			}
			// The person record is not overwritten by what the inviter typed.
			p := e.Fx.Client().Person.GetX(apitest.SystemCtx(), known.ID)
			if p.GivenName != known.GivenName || p.Email != known.Email {
				t.Errorf("the known person was changed: %+v", p)
			}
		})

		t.Run("by HSA-id", func(t *testing.T) {
			e := asAdmin.In(t)
			before := countRoleWrites(t, e)
			in := inviteInput(a, "", types.RoleAttestant)
			in["hsaId"] = strings.ToLower((*known.HsaID)[:2]) + (*known.HsaID)[2:]
			var data struct{ InvitePerson struct{ ID string } }
			e.Query(inviteMutation, map[string]any{"input": in}, &data)
			if data.InvitePerson.ID != string(known.ID) {
				t.Fatalf("invitePerson answered person %s, want the known person %s", data.InvitePerson.ID, known.ID)
			}
			if after := countRoleWrites(t, e); after.People != before.People || after.Roles != before.Roles+1 {
				t.Errorf("rows before %+v, after %+v; want no new person and one new role", before, after)
			}
		})
	})
}

func TestDO1_InviteValidatesItsInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		asAdmin := e.As(e.BankID(admin))
		good := fixture.PersonalNumber(900_100)
		badCheck := good[:len(good)-1] + string('0'+(good[len(good)-1]-'0'+1)%10)
		someone, someoneElse := e.Fx.Person(), e.Fx.Person()

		for _, c := range []struct {
			name  string
			edit  func(in map[string]any)
			field string
		}{
			{"neither personal number nor HSA-id", func(in map[string]any) { delete(in, "personalNumber") }, "personalNumber"},
			{"personal number with a wrong check digit", func(in map[string]any) { in["personalNumber"] = badCheck }, "personalNumber"},
			{"personal number with an impossible date", func(in map[string]any) { in["personalNumber"] = "19121332-1210" }, "personalNumber"},
			{"not a personal number", func(in map[string]any) { in["personalNumber"] = "abc" }, "personalNumber"},
			{"personal number and HSA-id of two different people", func(in map[string]any) {
				in["personalNumber"], in["hsaId"] = *someone.PersonalNumber, *someoneElse.HsaID
			}, "hsaId"},
			{"malformed HSA-id", func(in map[string]any) { delete(in, "personalNumber"); in["hsaId"] = "SE123-x" }, "hsaId"},
			{"no roles", func(in map[string]any) { in["roles"] = []string{} }, "roles"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := asAdmin.In(t)
				before := countRoleWrites(t, e)
				in := inviteInput(a, good, types.RoleOrderer)
				c.edit(in)
				r := e.Post(inviteMutation, map[string]any{"input": in})
				r.WantError(t, "VALIDATION_ERROR", c.field)
				wantNothingWritten(t, e, before)
			})
		}
	})
}

func TestDO6_GrantRoleIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		colleague, _ := e.Holder(a, types.RoleOrderer)
		e = e.As(e.BankID(admin))

		var first, second struct{ GrantRole roleRow }
		e.Query(grantMutation, map[string]any{"input": grantInput(a, colleague, types.RoleAttestant)}, &first)
		if g := first.GrantRole; g.Role != "ATTESTANT" || g.PersonID != string(colleague.ID) || g.CustomerID != string(a.ID) ||
			g.GrantedBy == nil || *g.GrantedBy != string(admin.ID) {
			t.Fatalf("grantRole answered %+v", g)
		}
		events := auditOf(t, e, a, "ROLE_GRANTED")
		if len(events) != 1 {
			t.Fatalf("%d ROLE_GRANTED events, want 1", len(events))
		}
		r := e.Fx.Client().Role.GetX(apitest.SystemCtx(), pulid.ID(first.GrantRole.ID))
		wantRoleEvent(t, events[0], "ROLE_GRANTED", r, auditevent.ActorKindPERSON, string(admin.ID))

		before := countRoleWrites(t, e)
		e.Query(grantMutation, map[string]any{"input": grantInput(a, colleague, types.RoleAttestant)}, &second)
		if second.GrantRole.ID != first.GrantRole.ID || second.GrantRole.Role != first.GrantRole.Role ||
			second.GrantRole.GrantedBy == nil || *second.GrantRole.GrantedBy != string(admin.ID) {
			t.Errorf("granting a held role answered %+v, want the held role %+v", second.GrantRole, first.GrantRole)
		}
		wantNothingWritten(t, e, before)
		if rs := rolesOf(t, e, a, colleague.ID); len(rs) != 2 {
			t.Errorf("the colleague holds %d roles, want ORDERER and ATTESTANT once each: %v", len(rs), rs)
		}

		// A person not known to the portal cannot be given a role.
		r2 := e.Post(grantMutation, map[string]any{"input": map[string]any{
			"customerId": string(a.ID), "personId": string(pulid.MustNew("PE")), "role": "ORDERER",
		}})
		r2.WantError(t, "NOT_FOUND", "")
		wantNothingWritten(t, e, before)
	})
}

func TestDO6_AdministratorRevokesARole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		colleague, ordererRole := e.Holder(a, types.RoleOrderer)
		e.GiveRole(a, colleague, types.RoleAttestant)
		e = e.As(e.BankID(admin))

		var data struct{ RevokeRole roleRow }
		e.Query(revokeMutation, map[string]any{"id": string(ordererRole.ID)}, &data)
		if data.RevokeRole.ID != string(ordererRole.ID) || data.RevokeRole.Role != "ORDERER" {
			t.Errorf("revokeRole answered %+v", data.RevokeRole)
		}
		if rs := rolesOf(t, e, a, colleague.ID); len(rs) != 1 || rs[0].Role != types.RoleAttestant {
			t.Errorf("roles left = %v, want ATTESTANT only", rs)
		}
		events := auditOf(t, e, a, "ROLE_REVOKED")
		if len(events) != 1 {
			t.Fatalf("%d ROLE_REVOKED events, want 1", len(events))
		}
		wantRoleEvent(t, events[0], "ROLE_REVOKED", ordererRole, auditevent.ActorKindPERSON, string(admin.ID))

		// The role is gone: revoking it again is NOT_FOUND.
		before := countRoleWrites(t, e)
		e.Post(revokeMutation, map[string]any{"id": string(ordererRole.ID)}).WantError(t, "NOT_FOUND", "")
		wantNothingWritten(t, e, before)
	})
}

// TestDO6_RevokeRoleAnswerNamesThePersonAndCustomer: the answer of
// revokeRole is a Role!, and a client may select whose role it was. The
// row is deleted by then, so the edges must have been loaded before;
// otherwise the edge lookup is NOT_FOUND and the revocation is rolled back.
func TestDO6_RevokeRoleAnswerNamesThePersonAndCustomer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		_, ordererRole := e.Holder(a, types.RoleOrderer)
		_, otherRole := e.Holder(a, types.RoleAttestant)
		const q = `mutation($id: ID!) { revokeRole(id: $id) { id role person { id givenName } customer { id name } } }`

		for _, c := range []struct {
			name, header string
			r            *ent.Role
			by           auditevent.ActorKind
			actor        string
		}{
			{"by the administrator", e.BankID(admin), ordererRole, auditevent.ActorKindPERSON, string(admin.ID)},
			{"by staff", e.Authorization, otherRole, auditevent.ActorKindSTAFF, apitest.StaffSubject},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.As(c.header).In(t)
				r := e.Post(q, map[string]any{"id": string(c.r.ID)})
				var data struct {
					RevokeRole struct {
						ID       string
						Person   struct{ ID, GivenName string }
						Customer struct{ ID, Name string }
					}
				}
				if err := r.Decode(&data); err != nil {
					t.Fatal(err)
				}
				if got := data.RevokeRole; got.ID != string(c.r.ID) || got.Person.ID != string(c.r.PersonID) || got.Customer.Name != a.Name {
					t.Errorf("revokeRole answered %+v", got)
				}
				if _, err := e.Fx.Client().Role.Get(apitest.SystemCtx(), c.r.ID); !ent.IsNotFound(err) {
					t.Errorf("the role is still there: %v", err)
				}
				evs := auditOf(t, e, a, "ROLE_REVOKED")
				i := slices.IndexFunc(evs, func(ev *ent.AuditEvent) bool { return ev.EntityID == string(c.r.ID) })
				if i < 0 {
					t.Fatal("no ROLE_REVOKED event")
				}
				wantRoleEvent(t, evs[i], "ROLE_REVOKED", c.r, c.by, c.actor)
			})
		}
	})
}

func TestDO1_LastAdministratorCannotBeRevoked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)

		t.Run("the only administrator", func(t *testing.T) {
			e := e.In(t)
			a := e.Fx.Customer()
			x, xAdmin := e.Holder(a, types.RoleAdministrator)
			e.GiveRole(a, x, types.RoleOrderer)
			for _, caller := range []struct{ name, header string }{
				{"themself", e.BankID(x)},
				{"staff", e.Authorization},
			} {
				before := countRoleWrites(t, e)
				r := e.As(caller.header).Post(revokeMutation, map[string]any{"id": string(xAdmin.ID)})
				r.WantError(t, "LAST_ADMINISTRATOR", "")
				r.WantNoData(t)
				if _, err := e.Fx.Client().Role.Get(apitest.SystemCtx(), xAdmin.ID); err != nil {
					t.Errorf("revoked by %s: the last administrator's role is gone: %v", caller.name, err)
				}
				wantNothingWritten(t, e, before)
			}
		})

		t.Run("two administrators", func(t *testing.T) {
			e := e.In(t)
			a := e.Fx.Customer()
			x, xAdmin := e.Holder(a, types.RoleAdministrator)
			_, yAdmin := e.Holder(a, types.RoleAdministrator)
			asX := e.As(e.BankID(x))

			var data struct{ RevokeRole roleRow }
			asX.Query(revokeMutation, map[string]any{"id": string(yAdmin.ID)}, &data)
			if n := e.Fx.Client().Role.Query().Where(role.CustomerID(a.ID), role.RoleEQ(types.RoleAdministrator)).CountX(apitest.SystemCtx()); n != 1 {
				t.Fatalf("%d administrators after revoking one of two, want 1", n)
			}
			before := countRoleWrites(t, e)
			asX.Post(revokeMutation, map[string]any{"id": string(xAdmin.ID)}).WantError(t, "LAST_ADMINISTRATOR", "")
			e.Post(revokeMutation, map[string]any{"id": string(xAdmin.ID)}).WantError(t, "LAST_ADMINISTRATOR", "")
			wantNothingWritten(t, e, before)
			if len(auditOf(t, e, a, "ROLE_REVOKED")) != 1 {
				t.Error("want exactly one ROLE_REVOKED event: the successful revocation")
			}
		})
	})
}

// serveRaw runs one request through the handler without reporting to a
// test, for use from other goroutines.
func serveRaw(h http.Handler, authorization, query string, vars map[string]any) (*apitest.Response, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := &apitest.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), r); err != nil {
		return nil, fmt.Errorf("response is not JSON: %v\n%s", err, r.Body)
	}
	return r, nil
}

// TestDO1_AdministratorsRevokingEachOtherConcurrentlyKeepOne races two
// administrators who each revoke the other's role: the customer must keep
// one (roles.Revoke locks the customer row).
func TestDO1_AdministratorsRevokingEachOtherConcurrentlyKeepOne(t *testing.T) {
	const rounds = 10
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		wins, refusals := 0, map[string]int{}
		for round := range rounds {
			a := e.Fx.Customer()
			x, xAdmin := e.Holder(a, types.RoleAdministrator)
			y, yAdmin := e.Holder(a, types.RoleAdministrator)
			calls := []struct {
				header string
				target *ent.Role
			}{
				{e.BankID(x), yAdmin},
				{e.BankID(y), xAdmin},
			}
			results := make([]*apitest.Response, len(calls))
			errs := make([]error, len(calls))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, c := range calls {
				wg.Go(func() {
					<-start
					results[i], errs[i] = serveRaw(e.Handler, c.header, revokeMutation, map[string]any{"id": string(c.target.ID)})
				})
			}
			close(start)
			wg.Wait()

			succeeded := 0
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("round %d: %v", round, errs[i])
				}
				_, err := e.Fx.Client().Role.Get(apitest.SystemCtx(), calls[i].target.ID)
				switch {
				case len(r.Errors) == 0:
					succeeded++
					if !ent.IsNotFound(err) {
						t.Errorf("round %d: revokeRole succeeded but the role is still there (%v)", round, err)
					}
				// LAST_ADMINISTRATOR: the other revocation committed first.
				// NOT_FOUND: it committed before this request signed in, so
				// the caller no longer holds any role in the customer and
				// does not see it.
				case r.Errors[0].Extensions.Code == "LAST_ADMINISTRATOR" || r.Errors[0].Extensions.Code == "NOT_FOUND":
					refusals[r.Errors[0].Extensions.Code]++
					if err != nil {
						t.Errorf("round %d: revokeRole was refused but the role is gone: %v", round, err)
					}
				default:
					t.Errorf("round %d: want success or LAST_ADMINISTRATOR, got status %d: %s", round, r.Status, r.Body)
				}
			}
			admins := e.Fx.Client().Role.Query().Where(role.CustomerID(a.ID), role.RoleEQ(types.RoleAdministrator)).CountX(apitest.SystemCtx())
			revoked := len(auditOf(t, e, a, "ROLE_REVOKED"))
			if succeeded > 1 || admins < 1 {
				t.Fatalf("round %d: %d of 2 revocations succeeded and %d administrators are left; the customer must keep one", round, succeeded, admins)
			}
			if admins != 2-succeeded || revoked != succeeded {
				t.Errorf("round %d: %d succeeded, %d administrators left, %d ROLE_REVOKED events", round, succeeded, admins, revoked)
			}
			wins += succeeded
		}
		t.Logf("%s: %d of %d rounds had one revocation succeed; the other was refused with %v", db.Dialect, wins, rounds, refusals)
		if wins != rounds {
			t.Errorf("only %d of %d rounds let one revocation through; the first of two must succeed", wins, rounds)
		}
	})
}

func TestDO1_OtherRolesCannotManageRoles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a := e.Fx.Customer()
		_, adminRole := e.Holder(a, types.RoleAdministrator)

		for _, kind := range []types.RoleKind{types.RoleOrderer, types.RoleAttestant, types.RoleSignatory, types.RoleAgreementContact} {
			p, _ := e.Holder(a, kind)
			asP := e.As(e.BankID(p))
			t.Run(string(kind), func(t *testing.T) {
				e := asP.In(t)
				// The authorization matrix proves each mutation refused on
				// another person; these are the ways to raise oneself.
				for _, op := range []struct {
					name  string
					query string
					vars  map[string]any
				}{
					{"grantRole to self", grantMutation, map[string]any{"input": grantInput(a, p, types.RoleAdministrator)}},
					{"revokeRole of the administrator", revokeMutation, map[string]any{"id": string(adminRole.ID)}},
				} {
					before := countRoleWrites(t, e)
					r := e.Post(op.query, op.vars)
					if len(r.Errors) == 0 || r.Errors[0].Extensions.Code != "FORBIDDEN" {
						t.Errorf("%s: want FORBIDDEN, got %s", op.name, r.Body)
					}
					r.WantNoData(t)
					wantNothingWritten(t, e, before)
				}
			})
		}
	})
}

func TestDO1_AdministratorOfAnotherCustomerGetsNotFound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a, b := e.Fx.Customer(), e.Fx.Customer()
		_, aAdminRole := e.Holder(a, types.RoleAdministrator)
		colleague, _ := e.Holder(a, types.RoleOrderer)
		bAdmin, _ := e.Holder(b, types.RoleAdministrator)
		bPerson, _ := e.Holder(b, types.RoleOrderer)
		e = e.As(e.BankID(bAdmin))

		for _, op := range []struct {
			name  string
			query string
			vars  map[string]any
		}{
			// The authorization matrix proves each mutation NOT_FOUND on a
			// fresh target of A; these aim at what B's administrator
			// might know of A.
			{"invitePerson of A's person to A", inviteMutation, map[string]any{"input": inviteInput(a, *colleague.PersonalNumber, types.RoleAdministrator)}},
			{"grantRole in A to B's person", grantMutation, map[string]any{"input": grantInput(a, bPerson, types.RoleAdministrator)}},
			{"grantRole in A to themself", grantMutation, map[string]any{"input": grantInput(a, bAdmin, types.RoleAdministrator)}},
			{"revokeRole of A's administrator", revokeMutation, map[string]any{"id": string(aAdminRole.ID)}},
		} {
			t.Run(op.name, func(t *testing.T) {
				e := e.In(t)
				before := countRoleWrites(t, e)
				r := e.Post(op.query, op.vars)
				if len(r.Errors) == 0 || r.Errors[0].Extensions.Code != "NOT_FOUND" {
					t.Errorf("want NOT_FOUND (never FORBIDDEN, which would confirm that A's object exists), got %s", r.Body)
				}
				r.WantNoData(t)
				wantNothingWritten(t, e, before)
			})
		}
	})
}

func TestDO6_StaffManageRolesInAnyCustomer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db) // staff by default
		a, b := e.Fx.Customer(), e.Fx.Customer()
		e.Holder(a, types.RoleAdministrator)
		bPerson, bRole := e.Holder(b, types.RoleOrderer)

		var invited struct{ InvitePerson struct{ ID string } }
		e.Query(inviteMutation, map[string]any{"input": inviteInput(a, fixture.PersonalNumber(900_400), types.RoleAdministrator)}, &invited)
		newAdmin := pulid.ID(invited.InvitePerson.ID)
		rs := rolesOf(t, e, a, newAdmin)
		if len(rs) != 1 || rs[0].Role != types.RoleAdministrator || rs[0].GrantedBy == nil || *rs[0].GrantedBy != apitest.StaffSubject {
			t.Fatalf("invited person's roles = %v, want ADMINISTRATOR granted by %s", rs, apitest.StaffSubject)
		}
		if ev := auditOf(t, e, a, "ROLE_GRANTED"); len(ev) != 1 {
			t.Errorf("%d ROLE_GRANTED events in A, want 1", len(ev))
		} else {
			wantRoleEvent(t, ev[0], "ROLE_GRANTED", rs[0], auditevent.ActorKindSTAFF, apitest.StaffSubject)
		}

		var granted struct{ GrantRole roleRow }
		e.Query(grantMutation, map[string]any{"input": grantInput(b, bPerson, types.RoleSignatory)}, &granted)
		if ev := auditOf(t, e, b, "ROLE_GRANTED"); len(ev) != 1 {
			t.Errorf("%d ROLE_GRANTED events in B, want 1", len(ev))
		} else {
			wantRoleEvent(t, ev[0], "ROLE_GRANTED", e.Fx.Client().Role.GetX(apitest.SystemCtx(), pulid.ID(granted.GrantRole.ID)), auditevent.ActorKindSTAFF, apitest.StaffSubject)
		}

		var revoked struct{ RevokeRole roleRow }
		e.Query(revokeMutation, map[string]any{"id": string(bRole.ID)}, &revoked)
		if _, err := e.Fx.Client().Role.Get(apitest.SystemCtx(), bRole.ID); !ent.IsNotFound(err) {
			t.Errorf("the revoked role is still there: %v", err)
		}
		if ev := auditOf(t, e, b, "ROLE_REVOKED"); len(ev) != 1 {
			t.Errorf("%d ROLE_REVOKED events in B, want 1", len(ev))
		} else {
			wantRoleEvent(t, ev[0], "ROLE_REVOKED", bRole, auditevent.ActorKindSTAFF, apitest.StaffSubject)
		}
	})
}

// TestDO1_GrantRoleOnlyToPeopleOfTheCustomer: grantRole gives another role
// to a person who already acts for the customer. Anyone else is added with
// invitePerson, which needs their personal number or HSA-id; otherwise an
// administrator could give any person they can see (a colleague in another
// customer) a role and so read their personal data.
func TestDO1_GrantRoleOnlyToPeopleOfTheCustomer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		a, other := e.Fx.Customer(), e.Fx.Customer()
		admin, _ := e.Holder(a, types.RoleAdministrator)
		// The administrator of A is an orderer in the other customer and
		// so sees its people, but does not administer them.
		e.Fx.Role(func(r *ent.RoleCreate) { r.SetCustomer(other).SetPerson(admin).SetRole(types.RoleOrderer) })
		outsider, _ := e.Holder(other, types.RoleAttestant)
		asAdmin := e.As(e.BankID(admin)).In(t)

		before := countRoleWrites(t, asAdmin)
		r := asAdmin.Post(grantMutation, map[string]any{"input": grantInput(a, outsider, types.RoleOrderer)})
		r.WantError(t, "NOT_FOUND", "")
		wantNothingWritten(t, asAdmin, before)

		var data struct{ GrantRole roleRow }
		e.In(t).Query(grantMutation, map[string]any{"input": grantInput(a, outsider, types.RoleOrderer)}, &data)
		if data.GrantRole.PersonID != string(outsider.ID) {
			t.Fatalf("staff may give anyone a role: %+v", data.GrantRole)
		}
	})
}
