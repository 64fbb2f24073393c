package partnerkeys_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/auditevent"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/schema/types"
	"kundportal/internal/access"
	"kundportal/internal/apitest"
	"kundportal/internal/database"
	"kundportal/internal/fixture"
	"kundportal/internal/partnerkeys"
	"kundportal/internal/testdb"
)

const (
	createKeyMutation = `mutation($input: CreatePartnerAPIKeyInput!) {
		createPartnerAPIKey(input: $input) {
			secret
			apiKey { id name prefix scopes serviceID createdBy revokedAt lastUsedAt }
		}
	}`
	revokeKeyMutation = `mutation($id: ID!) { revokePartnerAPIKey(id: $id) { id prefix revokedAt } }`
	listKeysQuery     = `{ partnerAPIKeys(first: 5) { totalCount edges { node { id prefix } } } }`
	partnerViewer     = `{ viewer { kind scopes } }`
	subscriptionsPage = `{ subscriptions(first: 10) { totalCount edges { node { id serviceID customerID } } } }`
)

// apiKeyRow is a PartnerAPIKey as createKeyMutation selects it.
type apiKeyRow struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	ServiceID  *string  `json:"serviceID"`
	CreatedBy  string   `json:"createdBy"`
	RevokedAt  *string  `json:"revokedAt"`
	LastUsedAt *string  `json:"lastUsedAt"`
}

type createdKey struct {
	Secret string    `json:"secret"`
	APIKey apiKeyRow `json:"apiKey"`
}

// createKey creates a key through the API as staff.
func createKey(t *testing.T, e *apitest.Env, name string, scopes []string, service *ent.Service) createdKey {
	t.Helper()
	in := map[string]any{"name": name, "scopes": scopes}
	if service != nil {
		in["serviceId"] = string(service.ID)
	}
	var data struct{ CreatePartnerAPIKey createdKey }
	e.Query(createKeyMutation, map[string]any{"input": in}, &data)
	return data.CreatePartnerAPIKey
}

// apiKeyHeader is the Authorization header of a partner presenting key.
func apiKeyHeader(key string) string { return "ApiKey " + key }

// keyColumns returns every column of the key's row as text, read with
// plain SQL so that no field is left out.
func keyColumns(t *testing.T, db *database.DB, id string) map[string]string {
	t.Helper()
	rows, err := db.SQL.QueryContext(t.Context(), "SELECT * FROM partner_api_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case []byte:
				row[c] = string(v)
			case nil:
				row[c] = ""
			default:
				row[c] = fmt.Sprint(v)
			}
		}
		if row["id"] == id {
			return row
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no partner_api_keys row with id %s", id)
	return nil
}

func TestPartnerKeyIsShownOnceAndStoredAsAHash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		svc := e.Fx.Service()
		k := createKey(t, e, "Webcert produktion", []string{access.ScopeSubscriptionsRead}, svc)

		if !strings.HasPrefix(k.APIKey.Prefix, "kp_") || !strings.HasPrefix(k.Secret, k.APIKey.Prefix+"_") {
			t.Fatalf("secret %q does not start with the prefix %q and _", k.Secret, k.APIKey.Prefix)
		}
		secretPart := strings.TrimPrefix(k.Secret, k.APIKey.Prefix+"_")
		if len(secretPart) < 20 {
			t.Errorf("the secret part %q is too short to be unguessable", secretPart)
		}
		if k.APIKey.Name != "Webcert produktion" || !slices.Equal(k.APIKey.Scopes, []string{"subscriptions:read"}) ||
			k.APIKey.ServiceID == nil || *k.APIKey.ServiceID != string(svc.ID) || k.APIKey.CreatedBy != apitest.StaffSubject ||
			k.APIKey.RevokedAt != nil || k.APIKey.LastUsedAt != nil {
			t.Errorf("created key = %+v", k.APIKey)
		}

		row := keyColumns(t, db, k.APIKey.ID)
		if row["secret_hash"] == "" || row["secret_hash"] == secretPart || row["secret_hash"] == k.Secret ||
			row["secret_hash"] != partnerkeys.HashSecret(secretPart) {
			t.Errorf("secret_hash = %q, want the SHA-256 of the secret part", row["secret_hash"])
		}
		for col, v := range row {
			if strings.Contains(v, secretPart) {
				t.Errorf("column %s holds the secret: %q", col, v)
			}
		}

		// The secret is not in the audit trail either.
		evs := e.Fx.Client().AuditEvent.Query().Where(auditevent.Action("PARTNER_KEY_CREATED"), auditevent.EntityID(k.APIKey.ID)).AllX(apitest.SystemCtx())
		if len(evs) != 1 || evs[0].ActorKind != auditevent.ActorKindSTAFF || evs[0].Actor != apitest.StaffSubject {
			t.Fatalf("PARTNER_KEY_CREATED events = %v, want one by staff", evs)
		}
		if strings.Contains(fmt.Sprint(evs[0].Details), secretPart) {
			t.Errorf("the audit event holds the secret: %v", evs[0].Details)
		}

		// Staff see the key afterwards, never its secret.
		r := e.Post(listKeysQuery, nil)
		if len(r.Errors) > 0 || !strings.Contains(r.Body, k.APIKey.Prefix) || strings.Contains(r.Body, secretPart) {
			t.Errorf("partnerAPIKeys answered %s; want the key's prefix and not its secret", r.Body)
		}

		// No field of the API exposes the hash or the secret after creation.
		var schema struct {
			Key   struct{ Fields []struct{ Name string } }
			Where struct{ InputFields []struct{ Name string } }
			Order struct{ EnumValues []struct{ Name string } }
		}
		e.Query(`{
			key: __type(name: "PartnerAPIKey") { fields { name } }
			where: __type(name: "PartnerAPIKeyWhereInput") { inputFields { name } }
			order: __type(name: "PartnerAPIKeyOrderField") { enumValues { name } }
		}`, nil, &schema)
		if len(schema.Key.Fields) == 0 {
			t.Fatal("PartnerAPIKey has no fields")
		}
		var names []string
		for _, f := range schema.Key.Fields {
			names = append(names, f.Name)
		}
		for _, f := range schema.Where.InputFields {
			names = append(names, f.Name)
		}
		for _, v := range schema.Order.EnumValues {
			names = append(names, v.Name)
		}
		for _, n := range names {
			if l := strings.ToLower(n); strings.Contains(l, "hash") || strings.Contains(l, "secret") {
				t.Errorf("the API exposes %s", n)
			}
		}
	})
}

func TestPartnerKeyGrantsItsScopes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		webcert, other := e.Fx.Offering(), e.Fx.Offering()
		var webcertSubs, allSubs []string
		for range 2 {
			c := e.Fx.Customer()
			for _, o := range []*ent.Offering{webcert, other} {
				s := e.Fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c).SetOffering(o).SetServiceID(o.ServiceID) })
				allSubs = append(allSubs, string(s.ID))
				if o == webcert {
					webcertSubs = append(webcertSubs, string(s.ID))
				}
			}
		}
		// A customer without subscriptions is not the partner's business.
		e.Holder(e.Fx.Customer(), types.RoleAdministrator)
		slices.Sort(webcertSubs)
		slices.Sort(allSubs)
		webcertService := e.Fx.Client().Service.GetX(apitest.SystemCtx(), webcert.ServiceID)

		for _, c := range []struct {
			name    string
			service *ent.Service
			want    []string
		}{
			{"bound to one service", webcertService, webcertSubs},
			{"unbound", nil, allSubs},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.In(t)
				k := createKey(t, e, "Partner "+c.name, []string{access.ScopeSubscriptionsRead}, c.service)
				started := time.Now()
				p := e.As(apiKeyHeader(k.Secret))

				var v struct {
					Viewer struct {
						Kind   string
						Scopes []string
					}
				}
				first := p.Query(partnerViewer, nil, &v)
				if v.Viewer.Kind != "PARTNER" || !slices.Equal(v.Viewer.Scopes, []string{"subscriptions:read"}) {
					t.Errorf("viewer = %+v, want PARTNER with subscriptions:read", v.Viewer)
				}
				if !slices.ContainsFunc(first.Statements, func(s string) bool { return strings.Contains(s, "query=UPDATE") }) {
					t.Errorf("the first use did not record the last use:\n%s", strings.Join(first.Statements, "\n"))
				}

				var subs struct {
					Subscriptions apitest.Conn[struct{ ID, ServiceID string }]
				}
				r := p.Query(subscriptionsPage, nil, &subs)
				var got []string
				for _, edge := range subs.Subscriptions.Edges {
					got = append(got, edge.Node.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, c.want) || subs.Subscriptions.TotalCount != len(c.want) {
					t.Errorf("subscriptions = %v (total %d), want %v", got, subs.Subscriptions.TotalCount, c.want)
				}
				for _, s := range r.Statements {
					if strings.Contains(s, "query=UPDATE") {
						t.Errorf("a second use within the minute wrote the last use again: %s", s)
					}
				}

				var customers struct {
					Customers apitest.Conn[apitest.Labelled]
				}
				p.Query(`{ customers(first: 10) { totalCount edges { node { id label: name } } } }`, nil, &customers)
				if customers.Customers.TotalCount != 2 {
					t.Errorf("the partner sees %d customers, want the 2 subscribers", customers.Customers.TotalCount)
				}

				for _, q := range []string{
					`{ people(first: 1) { totalCount } }`,
					`{ careUnits(first: 1) { totalCount } }`,
					`{ auditEvents(first: 1) { totalCount } }`,
					`{ orders(first: 1) { totalCount } }`,
					listKeysQuery,
				} {
					r := p.Post(q, nil)
					if len(r.Errors) == 0 || r.Errors[0].Extensions.Code != "FORBIDDEN" {
						t.Errorf("%s: want FORBIDDEN, got %s", q, r.Body)
					}
				}

				used := e.Fx.Client().PartnerAPIKey.GetX(apitest.SystemCtx(), pulid.ID(k.APIKey.ID)).LastUsedAt
				if used == nil || used.Before(started.Add(-time.Minute)) || used.After(time.Now()) {
					t.Errorf("lastUsedAt = %v after use at %v, want the minute of the use", used, started)
				}
			})
		}
	})
}

func TestPartnerKeyNeedsKnownScopes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		for _, c := range []struct {
			name   string
			scopes []string
		}{
			{"unknown scope", []string{"subscriptions:write"}},
			{"one known, one unknown", []string{access.ScopeSubscriptionsRead, "admin"}},
			{"no scopes", []string{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.In(t)
				before := e.Fx.Client().PartnerAPIKey.Query().CountX(apitest.SystemCtx())
				r := e.Post(createKeyMutation, map[string]any{"input": map[string]any{"name": "Partner", "scopes": c.scopes}})
				r.WantError(t, "VALIDATION_ERROR", "scopes")
				r.WantNoData(t)
				if after := e.Fx.Client().PartnerAPIKey.Query().CountX(apitest.SystemCtx()); after != before {
					t.Errorf("%d keys after a refused creation, want %d", after, before)
				}
			})
		}
		t.Run("reports:read on a key bound to a service", func(t *testing.T) {
			e := e.In(t)
			svc := e.Fx.Service()
			r := e.Post(createKeyMutation, map[string]any{"input": map[string]any{
				"name": "Rapporter", "scopes": []string{access.ScopeReportsRead}, "serviceId": svc.ID,
			}})
			r.WantError(t, "VALIDATION_ERROR", "scopes")
		})
		t.Run("unknown service", func(t *testing.T) {
			e := e.In(t)
			r := e.Post(createKeyMutation, map[string]any{"input": map[string]any{
				"name": "Partner", "scopes": []string{access.ScopeSubscriptionsRead}, "serviceId": string(pulid.MustNew("SV")),
			}})
			r.WantError(t, "NOT_FOUND", "")
		})
	})
}

func TestRevokedAndForgedPartnerKeysAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		e.Fx.Subscription()
		k := createKey(t, e, "Snart återkallad", []string{access.ScopeSubscriptionsRead}, nil)
		fx := e.Fx.PartnerAPIKey()
		secretPart := strings.TrimPrefix(k.Secret, k.APIKey.Prefix+"_")

		if r := e.As(apiKeyHeader(k.Secret)).Post(subscriptionsPage, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("the new key does not work: %s", r.Body)
		}

		for _, c := range []struct{ name, header string }{
			{"wrong secret with a valid prefix", apiKeyHeader(k.APIKey.Prefix + "_" + strings.ToLower(secretPart))},
			{"another key's secret", apiKeyHeader(k.APIKey.Prefix + "_secret-1")},
			{"valid prefix, empty secret", apiKeyHeader(k.APIKey.Prefix + "_")},
			{"prefix only", apiKeyHeader(k.APIKey.Prefix)},
			{"secret only", apiKeyHeader(secretPart)},
			{"unknown prefix", apiKeyHeader("kp_UNKNOWN0000_" + secretPart)},
			{"fixture key with a wrong secret", apiKeyHeader(fx.Prefix + "_secret-0")},
			{"malformed", apiKeyHeader("not-a-key")},
			{"no tag", apiKeyHeader(strings.TrimPrefix(k.Secret, "kp_"))},
			{"no credential", "ApiKey"},
			{"key sent as a bearer token", "Bearer " + k.Secret},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.As(c.header).In(t).Post(subscriptionsPage, nil).WantRefused401(t)
			})
		}

		var revoked struct {
			RevokePartnerAPIKey struct{ ID, Prefix, RevokedAt string }
		}
		e.Query(revokeKeyMutation, map[string]any{"id": k.APIKey.ID}, &revoked)
		if revoked.RevokePartnerAPIKey.RevokedAt == "" {
			t.Errorf("revokePartnerAPIKey answered %+v, want revokedAt", revoked.RevokePartnerAPIKey)
		}
		row := e.Fx.Client().PartnerAPIKey.GetX(apitest.SystemCtx(), pulid.ID(k.APIKey.ID))
		if row.RevokedAt == nil {
			t.Error("the key is not revoked in the database")
		}
		evs := e.Fx.Client().AuditEvent.Query().Where(auditevent.Action("PARTNER_KEY_REVOKED"), auditevent.EntityID(k.APIKey.ID)).AllX(apitest.SystemCtx())
		if len(evs) != 1 || evs[0].ActorKind != auditevent.ActorKindSTAFF || evs[0].Actor != apitest.StaffSubject {
			t.Errorf("PARTNER_KEY_REVOKED events = %v, want one by staff", evs)
		}

		t.Run("revoked key", func(t *testing.T) {
			e := e.In(t)
			e.As(apiKeyHeader(k.Secret)).Post(subscriptionsPage, nil).WantRefused401(t)
			e.As(apiKeyHeader(k.Secret)).Post(partnerViewer, nil).WantRefused401(t)
		})

		t.Run("revoking again changes nothing", func(t *testing.T) {
			e := e.In(t)
			var again struct{ RevokePartnerAPIKey struct{ RevokedAt string } }
			e.Query(revokeKeyMutation, map[string]any{"id": k.APIKey.ID}, &again)
			if again.RevokePartnerAPIKey.RevokedAt != revoked.RevokePartnerAPIKey.RevokedAt {
				t.Errorf("revokedAt moved from %s to %s", revoked.RevokePartnerAPIKey.RevokedAt, again.RevokePartnerAPIKey.RevokedAt)
			}
			if n := e.Fx.Client().AuditEvent.Query().Where(auditevent.Action("PARTNER_KEY_REVOKED")).CountX(apitest.SystemCtx()); n != 1 {
				t.Errorf("%d PARTNER_KEY_REVOKED events, want 1", n)
			}
		})

		t.Run("other keys still work", func(t *testing.T) {
			r := e.In(t).As(apiKeyHeader(fixture.PartnerKeySecret(fx))).Post(subscriptionsPage, nil)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Errorf("the fixture key is refused: %s", r.Body)
			}
		})
	})
}

func TestAccessCheckKeyCannotReadSubscriptions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := apitest.New(t, db)
		e.Fx.Subscription()
		k := createKey(t, e, "Inloggningskontroll", []string{access.ScopeAccessCheck}, nil)
		p := e.As(apiKeyHeader(k.Secret))

		var v struct {
			Viewer struct {
				Kind   string
				Scopes []string
			}
		}
		p.Query(partnerViewer, nil, &v)
		if v.Viewer.Kind != "PARTNER" || !slices.Equal(v.Viewer.Scopes, []string{"access:check"}) {
			t.Errorf("viewer = %+v, want PARTNER with access:check", v.Viewer)
		}
		for _, q := range []string{subscriptionsPage, `{ customers(first: 5) { totalCount } }`} {
			r := p.Post(q, nil)
			r.WantError(t, "FORBIDDEN", "")
			if strings.Contains(r.Body, `"edges"`) {
				t.Errorf("%s answered data: %s", q, r.Body)
			}
		}
	})
}
