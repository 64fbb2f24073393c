package database_test

import (
	"context"
	"testing"

	"kundportal/ent"
	"kundportal/internal/access"
	"kundportal/internal/database"
	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The data layer refuses identity numbers that are malformed, fail the
// Luhn check or are not in canonical form, whatever path they come by.
func TestDC6_DataLayerRefusesBadIdentityNumbers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		ctx := access.SystemContext(context.Background())
		cat := db.Client.CustomerCategory.Create().SetCode("REGION").SetName("Regioner").SaveX(ctx)
		create := func(org string) error {
			return db.Client.Customer.Create().SetOrgNumber(org).SetName("X").
				SetCompanyForm("REGION").SetCategory(cat).Exec(ctx)
		}
		for _, bad := range []string{"232100-0017", "2321000016", "16232100-0016", "abc"} {
			err := create(bad)
			if !ent.IsValidationError(err) {
				t.Errorf("org number %q: want a validation error, got %v", bad, err)
			}
		}
		if err := create("232100-0016"); err != nil {
			t.Fatalf("canonical org number refused: %v", err)
		}
		for _, bad := range []string{"191212121212", "19121212-1213"} {
			err := db.Client.Person.Create().SetPersonalNumber(bad).SetGivenName("A").SetFamilyName("B").
				SetEmail("a@example.se").Exec(ctx)
			if !ent.IsValidationError(err) {
				t.Errorf("personal number %q: want a validation error, got %v", bad, err)
			}
		}
	})
}
