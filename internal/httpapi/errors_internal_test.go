package httpapi

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"kundportal/ent/agreement"
	"kundportal/internal/apperr"
)

func TestAPINameSpellsGlossaryTerms(t *testing.T) {
	for field, want := range map[string]string{
		"org_number": "orgNumber", "customer_id": "customerID", "hsa_id": "hsaId", "personal_number": "personalNumber",
	} {
		if got := apiName(field); got != want {
			t.Errorf("apiName(%q) = %q, want %q", field, got, want)
		}
	}
}

// TestInvalidStateCarriesTheState: a refused transition tells the client
// the object's current state in extensions.state, beside the code.
func TestInvalidStateCarriesTheState(t *testing.T) {
	present := presentError(slog.New(slog.NewTextHandler(io.Discard, nil)))
	out := present(context.Background(), apperr.InvalidState(agreement.StatusACTIVE, "the agreement is signed already"))
	if out.Extensions["code"] != "INVALID_STATE" || out.Extensions["state"] != "ACTIVE" || out.Message != "the agreement is signed already" {
		t.Errorf("presented %+v", out)
	}
}
