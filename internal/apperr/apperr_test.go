package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestAsFindsWrappedError(t *testing.T) {
	cause := errors.New("boom")
	err := fmt.Errorf("placing order: %w", &Error{Code: CodeConflict, Message: "taken", Err: cause})
	e, ok := As(err)
	if !ok || e.Code != CodeConflict || !errors.Is(err, cause) {
		t.Fatalf("As(%v) = %v, %v", err, e, ok)
	}
	if _, ok := As(cause); ok {
		t.Fatal("a plain error has no code")
	}
	if got := Validation("orgNumber", "bad %d", 1).Error(); got != "VALIDATION_ERROR: orgNumber: bad 1" {
		t.Fatalf("Error() = %q", got)
	}
}

type state string

func (s state) String() string { return string(s) }

func TestInvalidStateNamesTheState(t *testing.T) {
	e := InvalidState(state("ATTESTED"), "the order is decided already")
	if e.Code != CodeInvalidState || e.State != "ATTESTED" || e.Message != "the order is decided already" {
		t.Fatalf("InvalidState = %+v", e)
	}
}
