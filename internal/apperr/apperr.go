// Package apperr defines the errors that clients must act on, each with a
// stable code that the API returns as extensions.code. docs/errors.md lists
// the codes; a new code is added there and here together.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, documented error code.
type Code string

// The codes. Their meaning, and what a client should do, is in docs/errors.md.
const (
	CodeValidation      Code = "VALIDATION_ERROR"
	CodeNotFound        Code = "NOT_FOUND"
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeConflict        Code = "CONFLICT"
	CodeInvalidState    Code = "INVALID_STATE"
	CodeLastAdmin       Code = "LAST_ADMINISTRATOR"
	// The agreement lifecycle (docs/agreements.md).
	CodeAlreadyCustomer      Code = "ALREADY_CUSTOMER"
	CodeApplicationPending   Code = "APPLICATION_PENDING"
	CodeKA2NotAvailable      Code = "KA2_NOT_AVAILABLE"
	CodeKA1NotAvailable      Code = "KA1_NOT_AVAILABLE"
	CodePowerOfAttorney      Code = "POWER_OF_ATTORNEY_REQUIRED"
	CodeAlreadySigned        Code = "ALREADY_SIGNED"
	CodeSigningInProgress    Code = "SIGNING_IN_PROGRESS"
	CodeProviderUnavailable  Code = "PROVIDER_UNAVAILABLE"
	CodeSubscriptionsActive  Code = "SUBSCRIPTIONS_ACTIVE"
	CodeNoticePeriodTooShort Code = "NOTICE_PERIOD_TOO_SHORT"
	// The partner access check.
	CodeTermsNotAccepted     Code = "TERMS_NOT_ACCEPTED"
	CodeOfferingNotOrderable Code = "OFFERING_NOT_ORDERABLE"
	CodeCategoryNotAllowed   Code = "CATEGORY_NOT_ALLOWED"
	CodeNoValidAgreement     Code = "NO_VALID_AGREEMENT"
	CodeNoAttestant          Code = "NO_ATTESTANT"
	CodeQuantityMismatch     Code = "QUANTITY_MISMATCH"
	CodeNotPriced            Code = "NOT_PRICED"
	CodeCodeRecentlySent     Code = "CODE_RECENTLY_SENT"
	CodeCodeExpired          Code = "CODE_EXPIRED"
	CodeWrongCode            Code = "WRONG_CODE"
	CodeCodeLocked           Code = "CODE_LOCKED"
	CodeBatchedAttempts      Code = "BATCHED_ATTEMPTS"

	CodePercentageOutOfRange    Code = "PERCENTAGE_OUT_OF_RANGE"
	CodeEffectiveDateInPast     Code = "EFFECTIVE_DATE_IN_PAST"
	CodeNotAfterLatestPriceList Code = "NOT_AFTER_LATEST_PRICE_LIST"
	CodeUnknownCategory         Code = "UNKNOWN_CATEGORY"
	CodeInvalidPeriod           Code = "INVALID_PERIOD"
	CodeDateOutOfRange          Code = "DATE_OUT_OF_RANGE"
	CodeOperationNotTrusted     Code = "OPERATION_NOT_TRUSTED"

	CodeUnknownService  Code = "UNKNOWN_SERVICE"
	CodeBadRequest      Code = "BAD_REQUEST"
	CodeTooLarge        Code = "REQUEST_TOO_LARGE"
	CodeRateLimited     Code = "RATE_LIMITED"
	CodeComplexityLimit Code = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeDepthLimit      Code = "DEPTH_LIMIT_EXCEEDED"
	CodeTimeout         Code = "TIMEOUT"
	// CodeOverloaded: the instance works on as many requests as it may
	// and too many wait already, or this one waited too long for its turn
	// (internal/admission); nothing ran.
	CodeOverloaded Code = "OVERLOADED"
	// CodeUnavailable: the database could not be reached; nothing was
	// answered from it (docs/operations.md, "Faults and shutdown").
	CodeUnavailable Code = "UNAVAILABLE"
	CodeInternal    Code = "INTERNAL"
)

// Error is an error with a code, a message safe to show to the caller and,
// for validation errors, the input field it concerns.
type Error struct {
	Code    Code
	Message string
	// Field names the offending input in the API's spelling (orgNumber,
	// first, …), or is empty.
	Field string
	// State is, for INVALID_STATE, the object's current state, so that a
	// client can show it without reloading; empty otherwise.
	State string
	// Extensions are further facts a client acts on, sent as entries of
	// extensions beside the code (e.g. the subscriptions that block a
	// termination).
	Extensions map[string]any
	// Err is the cause, kept for errors.Is/As and logs; never shown.
	Err error
	// KeepWrites asks that what the request wrote before the error be
	// committed although the mutation fails: a wrong one-time code's try
	// is counted and kept. Only the capability that wrote it may say so.
	KeepWrites bool
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Validation returns a VALIDATION_ERROR about the named input field.
func Validation(field, format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Field: field, Message: fmt.Sprintf(format, args...)}
}

// InvalidState refuses a step that the object's current state forbids,
// naming the state: the answer of every refused transition of a workflow.
func InvalidState(state fmt.Stringer, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidState, State: state.String(), Message: fmt.Sprintf(format, args...)}
}

// Invalid wraps err, an input that failed to parse, as a VALIDATION_ERROR
// whose message is err's text; the field is filled in from the request.
func Invalid(err error) *Error {
	return &Error{Code: CodeValidation, Message: err.Error(), Err: err}
}

// Wrap returns an error with the given code and message whose cause is
// err.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrKeepWrites marks a presented error whose request's writes are
// committed (Error.KeepWrites).
var ErrKeepWrites = errors.New("the writes before this error are kept")

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
