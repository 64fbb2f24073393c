package demo

import (
	"kundportal/internal/access"
	"kundportal/internal/partnerkeys"
)

// DemoPartnerKey is the API key of the demo Webcert integration: scopes
// subscriptions:read and access:check, bound to Intygstjänster. It exists
// only in demo data; production keys are created by staff and shown once.
const DemoPartnerKey = "kp_DEMOWEBCERT_demo-secret-not-for-production"

func (s *seeder) seedPartnerKey() error {
	return s.tx.PartnerAPIKey.Create().
		SetName("Webcert (demo)").
		SetPrefix("kp_DEMOWEBCERT").
		SetSecretHash(partnerkeys.HashSecret("demo-secret-not-for-production")).
		SetScopes([]string{access.ScopeAccessCheck, access.ScopeSubscriptionsRead}).
		SetService(s.services[svcIntyg]).
		SetCreatedBy("demo").
		Exec(s.ctx)
}
