package httpapi_test

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
func createKey(t *testing.T, e *env, name string, scopes []string, service *ent.Service) createdKey {
	t.Helper()
	in := map[string]any{"name": name, "scopes": scopes}
	if service != nil {
		in["serviceId"] = string(service.ID)
	}
	var data struct{ CreatePartnerAPIKey createdKey }
	e.query(createKeyMutation, map[string]any{"input": in}, &data)
	return data.CreatePartnerAPIKey
}

// apiKeyHeader is the Authorization header of a partner presenting key.
func apiKeyHeader(key string) string { return "ApiKey " + key }

// wantRefused401 asserts that the handler refused the credentials before
// GraphQL ran.
func wantRefused401(t *testing.T, r *response) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401; body %.300s", r.Status, r.Body)
	}
	r.wantError(t, "UNAUTHENTICATED", "")
	r.wantNoData(t)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("a 401 without WWW-Authenticate")
	}
}

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
		e := newEnv(t, db)
		svc := e.fx.Service()
		k := createKey(t, e, "Webcert produktion", []string{access.ScopeSubscriptionsRead}, svc)

		if !strings.HasPrefix(k.APIKey.Prefix, "kp_") || !strings.HasPrefix(k.Secret, k.APIKey.Prefix+"_") {
			t.Fatalf("secret %q does not start with the prefix %q and _", k.Secret, k.APIKey.Prefix)
		}
		secretPart := strings.TrimPrefix(k.Secret, k.APIKey.Prefix+"_")
		if len(secretPart) < 20 {
			t.Errorf("the secret part %q is too short to be unguessable", secretPart)
		}
		if k.APIKey.Name != "Webcert produktion" || !slices.Equal(k.APIKey.Scopes, []string{"subscriptions:read"}) ||
			k.APIKey.ServiceID == nil || *k.APIKey.ServiceID != string(svc.ID) || k.APIKey.CreatedBy != staffSubject ||
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
		evs := e.fx.Client().AuditEvent.Query().Where(auditevent.Action("PARTNER_KEY_CREATED"), auditevent.EntityID(k.APIKey.ID)).AllX(systemCtx())
		if len(evs) != 1 || evs[0].ActorKind != auditevent.ActorKindSTAFF || evs[0].Actor != staffSubject {
			t.Fatalf("PARTNER_KEY_CREATED events = %v, want one by staff", evs)
		}
		if strings.Contains(fmt.Sprint(evs[0].Details), secretPart) {
			t.Errorf("the audit event holds the secret: %v", evs[0].Details)
		}

		// Staff see the key afterwards, never its secret.
		r := e.post(listKeysQuery, nil)
		if len(r.Errors) > 0 || !strings.Contains(r.Body, k.APIKey.Prefix) || strings.Contains(r.Body, secretPart) {
			t.Errorf("partnerAPIKeys answered %s; want the key's prefix and not its secret", r.Body)
		}

		// No field of the API exposes the hash or the secret after creation.
		var schema struct {
			Key   struct{ Fields []struct{ Name string } }
			Where struct{ InputFields []struct{ Name string } }
			Order struct{ EnumValues []struct{ Name string } }
		}
		e.query(`{
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
		e := newEnv(t, db)
		webcert, other := e.fx.Offering(), e.fx.Offering()
		var webcertSubs, allSubs []string
		for range 2 {
			c := e.fx.Customer()
			for _, o := range []*ent.Offering{webcert, other} {
				s := e.fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c).SetOffering(o).SetServiceID(o.ServiceID) })
				allSubs = append(allSubs, string(s.ID))
				if o == webcert {
					webcertSubs = append(webcertSubs, string(s.ID))
				}
			}
		}
		// A customer without subscriptions is not the partner's business.
		holderOf(e, e.fx.Customer(), types.RoleAdministrator)
		slices.Sort(webcertSubs)
		slices.Sort(allSubs)
		webcertService := e.fx.Client().Service.GetX(systemCtx(), webcert.ServiceID)

		for _, c := range []struct {
			name    string
			service *ent.Service
			want    []string
		}{
			{"bound to one service", webcertService, webcertSubs},
			{"unbound", nil, allSubs},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.in(t)
				k := createKey(t, e, "Partner "+c.name, []string{access.ScopeSubscriptionsRead}, c.service)
				started := time.Now()
				p := e.as(apiKeyHeader(k.Secret))

				var v struct {
					Viewer struct {
						Kind   string
						Scopes []string
					}
				}
				first := p.query(partnerViewer, nil, &v)
				if v.Viewer.Kind != "PARTNER" || !slices.Equal(v.Viewer.Scopes, []string{"subscriptions:read"}) {
					t.Errorf("viewer = %+v, want PARTNER with subscriptions:read", v.Viewer)
				}
				if !slices.ContainsFunc(first.Statements, func(s string) bool { return strings.Contains(s, "query=UPDATE") }) {
					t.Errorf("the first use did not record the last use:\n%s", strings.Join(first.Statements, "\n"))
				}

				var subs struct {
					Subscriptions conn[struct{ ID, ServiceID string }]
				}
				r := p.query(subscriptionsPage, nil, &subs)
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

				var customers struct{ Customers conn[labelled] }
				p.query(`{ customers(first: 10) { totalCount edges { node { id label: name } } } }`, nil, &customers)
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
					r := p.post(q, nil)
					if len(r.Errors) == 0 || r.Errors[0].Extensions.Code != "FORBIDDEN" {
						t.Errorf("%s: want FORBIDDEN, got %s", q, r.Body)
					}
				}

				used := e.fx.Client().PartnerAPIKey.GetX(systemCtx(), pulid.ID(k.APIKey.ID)).LastUsedAt
				if used == nil || used.Before(started.Add(-time.Minute)) || used.After(time.Now()) {
					t.Errorf("lastUsedAt = %v after use at %v, want the minute of the use", used, started)
				}
			})
		}
	})
}

func TestPartnerKeyNeedsKnownScopes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		for _, c := range []struct {
			name   string
			scopes []string
		}{
			{"unknown scope", []string{"subscriptions:write"}},
			{"one known, one unknown", []string{access.ScopeSubscriptionsRead, "admin"}},
			{"no scopes", []string{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.in(t)
				before := e.fx.Client().PartnerAPIKey.Query().CountX(systemCtx())
				r := e.post(createKeyMutation, map[string]any{"input": map[string]any{"name": "Partner", "scopes": c.scopes}})
				r.wantError(t, "VALIDATION_ERROR", "scopes")
				r.wantNoData(t)
				if after := e.fx.Client().PartnerAPIKey.Query().CountX(systemCtx()); after != before {
					t.Errorf("%d keys after a refused creation, want %d", after, before)
				}
			})
		}
		t.Run("unknown service", func(t *testing.T) {
			e := e.in(t)
			r := e.post(createKeyMutation, map[string]any{"input": map[string]any{
				"name": "Partner", "scopes": []string{access.ScopeSubscriptionsRead}, "serviceId": string(pulid.MustNew("SV")),
			}})
			r.wantError(t, "NOT_FOUND", "")
		})
	})
}

func TestRevokedAndForgedPartnerKeysAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.fx.Subscription()
		k := createKey(t, e, "Snart återkallad", []string{access.ScopeSubscriptionsRead}, nil)
		fx := e.fx.PartnerAPIKey()
		secretPart := strings.TrimPrefix(k.Secret, k.APIKey.Prefix+"_")

		if r := e.as(apiKeyHeader(k.Secret)).post(subscriptionsPage, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
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
				wantRefused401(t, e.as(c.header).in(t).post(subscriptionsPage, nil))
			})
		}

		var revoked struct {
			RevokePartnerAPIKey struct{ ID, Prefix, RevokedAt string }
		}
		e.query(revokeKeyMutation, map[string]any{"id": k.APIKey.ID}, &revoked)
		if revoked.RevokePartnerAPIKey.RevokedAt == "" {
			t.Errorf("revokePartnerAPIKey answered %+v, want revokedAt", revoked.RevokePartnerAPIKey)
		}
		row := e.fx.Client().PartnerAPIKey.GetX(systemCtx(), pulid.ID(k.APIKey.ID))
		if row.RevokedAt == nil {
			t.Error("the key is not revoked in the database")
		}
		evs := e.fx.Client().AuditEvent.Query().Where(auditevent.Action("PARTNER_KEY_REVOKED"), auditevent.EntityID(k.APIKey.ID)).AllX(systemCtx())
		if len(evs) != 1 || evs[0].ActorKind != auditevent.ActorKindSTAFF || evs[0].Actor != staffSubject {
			t.Errorf("PARTNER_KEY_REVOKED events = %v, want one by staff", evs)
		}

		t.Run("revoked key", func(t *testing.T) {
			e := e.in(t)
			wantRefused401(t, e.as(apiKeyHeader(k.Secret)).post(subscriptionsPage, nil))
			wantRefused401(t, e.as(apiKeyHeader(k.Secret)).post(partnerViewer, nil))
		})

		t.Run("revoking again changes nothing", func(t *testing.T) {
			e := e.in(t)
			var again struct{ RevokePartnerAPIKey struct{ RevokedAt string } }
			e.query(revokeKeyMutation, map[string]any{"id": k.APIKey.ID}, &again)
			if again.RevokePartnerAPIKey.RevokedAt != revoked.RevokePartnerAPIKey.RevokedAt {
				t.Errorf("revokedAt moved from %s to %s", revoked.RevokePartnerAPIKey.RevokedAt, again.RevokePartnerAPIKey.RevokedAt)
			}
			if n := e.fx.Client().AuditEvent.Query().Where(auditevent.Action("PARTNER_KEY_REVOKED")).CountX(systemCtx()); n != 1 {
				t.Errorf("%d PARTNER_KEY_REVOKED events, want 1", n)
			}
		})

		t.Run("other keys still work", func(t *testing.T) {
			r := e.in(t).as(apiKeyHeader(fixture.PartnerKeySecret(fx))).post(subscriptionsPage, nil)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Errorf("the fixture key is refused: %s", r.Body)
			}
		})
	})
}

func TestPartnerKeysAreManagedByStaffOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		a := e.fx.Customer()
		admin, _ := holderOf(e, a, types.RoleAdministrator)
		orderer, _ := holderOf(e, a, types.RoleOrderer)
		key := e.fx.PartnerAPIKey()
		checkKey := e.fx.PartnerAPIKey(func(k *ent.PartnerAPIKeyCreate) { k.SetScopes([]string{access.ScopeAccessCheck}) })

		create := map[string]any{"input": map[string]any{"name": "Eget", "scopes": []string{access.ScopeSubscriptionsRead}}}
		revoke := map[string]any{"id": string(key.ID)}
		for _, c := range []struct{ name, header, want string }{
			{"administrator", bankIDHeader(e, admin), "FORBIDDEN"},
			{"orderer", bankIDHeader(e, orderer), "FORBIDDEN"},
			{"partner", apiKeyHeader(fixture.PartnerKeySecret(key)), "FORBIDDEN"},
			{"partner with access:check", apiKeyHeader(fixture.PartnerKeySecret(checkKey)), "FORBIDDEN"},
			{"anonymous", "", "UNAUTHENTICATED"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.as(c.header).in(t)
				before := e.fx.Client().PartnerAPIKey.Query().CountX(systemCtx())
				for _, op := range []struct {
					name, query string
					vars        map[string]any
				}{
					{"createPartnerAPIKey", createKeyMutation, create},
					{"revokePartnerAPIKey", revokeKeyMutation, revoke},
					{"partnerAPIKeys", listKeysQuery, nil},
				} {
					r := e.post(op.query, op.vars)
					if len(r.Errors) == 0 || r.Errors[0].Extensions.Code != c.want {
						t.Errorf("%s: want %s, got %s", op.name, c.want, r.Body)
					}
					r.wantNoData(t)
				}
				if after := e.fx.Client().PartnerAPIKey.Query().CountX(systemCtx()); after != before {
					t.Errorf("%d keys, want %d", after, before)
				}
				if k := e.fx.Client().PartnerAPIKey.GetX(systemCtx(), key.ID); k.RevokedAt != nil {
					t.Fatal("the key was revoked")
				}
			})
		}
	})
}

func TestAccessCheckKeyCannotReadSubscriptions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.fx.Subscription()
		k := createKey(t, e, "Inloggningskontroll", []string{access.ScopeAccessCheck}, nil)
		p := e.as(apiKeyHeader(k.Secret))

		var v struct {
			Viewer struct {
				Kind   string
				Scopes []string
			}
		}
		p.query(partnerViewer, nil, &v)
		if v.Viewer.Kind != "PARTNER" || !slices.Equal(v.Viewer.Scopes, []string{"access:check"}) {
			t.Errorf("viewer = %+v, want PARTNER with access:check", v.Viewer)
		}
		for _, q := range []string{subscriptionsPage, `{ customers(first: 5) { totalCount } }`} {
			r := p.post(q, nil)
			r.wantError(t, "FORBIDDEN", "")
			if strings.Contains(r.Body, `"edges"`) {
				t.Errorf("%s answered data: %s", q, r.Body)
			}
		}
	})
}
