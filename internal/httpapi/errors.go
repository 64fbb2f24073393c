package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"kundportal/ent"
	"kundportal/ent/privacy"
	"kundportal/internal/apperr"
	"kundportal/internal/database"
)

// presentError is the one place where an error becomes what the client
// sees: every error leaves with extensions.code from docs/errors.md, and
// anything unexpected is logged with the request id and masked as INTERNAL.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Raised by gqlgen itself while reading, parsing or validating
			// the request; it carries its own code or is a bad request.
			if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
				setCode(gqlErr, apperr.CodeBadRequest)
			}
			return gqlErr
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		e := classify(err)
		if e.Code == apperr.CodeUnavailable {
			logger.WarnContext(ctx, "database unreachable", "request_id", RequestID(ctx), "path", out.Path.String(), "error", err)
		}
		if e.Code == apperr.CodeInternal {
			logger.ErrorContext(ctx, "internal error", "path", out.Path.String(), "error", err)
			e.Message = "internal error; quote request id " + RequestID(ctx)
		}
		out.Message = e.Message
		out.Err = nil
		if e.KeepWrites {
			out.Err = apperr.ErrKeepWrites // read by the transactioner, never shown
		}
		setCode(out, e.Code)
		if e.State != "" {
			out.Extensions["state"] = e.State
		}
		for k, v := range e.Extensions {
			out.Extensions[k] = v
		}
		if e.Field != "" {
			out.Extensions["field"] = e.Field
		} else if e.Code == apperr.CodeValidation && len(out.Path) > 0 {
			// An argument that failed to parse: the path ends in its name.
			if name, ok := out.Path[len(out.Path)-1].(ast.PathName); ok {
				out.Extensions["field"] = string(name)
			}
		}
		return out
	}
}

func setCode(e *gqlerror.Error, code apperr.Code) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
}

// classify maps an error from a resolver, ent or a capability to a code.
func classify(err error) *apperr.Error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	var ve *ent.ValidationError
	switch {
	case errors.As(err, &ve):
		return apperr.Validation(apiName(ve.Name), "%s", validationMessage(ve))
	case ent.IsNotFound(err), ent.IsNotSingular(err):
		return apperr.New(apperr.CodeNotFound, "not found")
	case ent.IsConstraintError(err):
		return apperr.New(apperr.CodeConflict, "the change conflicts with existing data")
	case errors.Is(err, privacy.Deny):
		return apperr.New(apperr.CodeForbidden, "not allowed")
	case database.Unreachable(err):
		return unavailable(err)
	case errors.Is(err, context.DeadlineExceeded), database.Cancelled(err):
		return apperr.New(apperr.CodeTimeout, "the request took too long")
	default:
		return &apperr.Error{Code: apperr.CodeInternal, Err: err}
	}
}

// unavailable is the answer while the database cannot be reached. A lost
// COMMIT is the one case whose outcome the server cannot know: the
// database may have committed before the connection broke, so the client
// is told (extensions.outcome UNKNOWN) to look before it repeats the
// change.
func unavailable(err error) *apperr.Error {
	var lost *commitError
	if errors.As(err, &lost) {
		return &apperr.Error{Code: apperr.CodeUnavailable, Err: err, Extensions: map[string]any{"outcome": "UNKNOWN"},
			Message: "the connection to the database broke while the change was committed; it may or may not have been saved"}
	}
	return apperr.Wrap(apperr.CodeUnavailable, err, "the database cannot be reached; nothing was changed, try again in a moment")
}

// validationMessage keeps the validator's own words and drops ent's
// prefix, which names Go types.
func validationMessage(ve *ent.ValidationError) string {
	msg := ve.Unwrap().Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "ent:") {
		msg = msg[i+2:]
	}
	return msg
}

// apiName turns an ent field name (org_number) into the API's (orgNumber),
// spelling glossary terms as the schema does (hsa_id is hsaId).
func apiName(field string) string {
	if field == "hsa_id" {
		return "hsaId"
	}
	parts := strings.Split(field, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
