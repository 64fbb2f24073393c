package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"kundportal/internal/apperr"
)

// codeFields are the mutations that send or try a one-time code.
var codeFields = map[string]bool{"attestOrder": true, "requestAttestationCode": true}

// oneTimeCodes refuses, before anything runs, an operation that sends or
// tries more than one one-time code: aliases of attestOrder would
// otherwise let one request guess many codes past the per-request view of
// rate limits (OWASP: no batching for one-time codes). gqlgen's HTTP
// transports take one operation per request, so a JSON array of
// operations is refused by the transport already.
type oneTimeCodes struct{}

var (
	_ graphql.HandlerExtension        = oneTimeCodes{}
	_ graphql.OperationContextMutator = oneTimeCodes{}
)

// ExtensionName implements graphql.HandlerExtension.
func (oneTimeCodes) ExtensionName() string { return "OneTimeCodes" }

// Validate implements graphql.HandlerExtension.
func (oneTimeCodes) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (oneTimeCodes) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || op.Operation.Operation != ast.Mutation {
		return nil
	}
	if n := countCodeFields(op.Operation.SelectionSet); n > 1 {
		e := gqlerror.Errorf("one request may send or try one one-time code; this one has %d (aliases or repeated fields)", n)
		setCode(e, apperr.CodeBatchedAttempts)
		return e
	}
	return nil
}

// countCodeFields counts the code fields at the top of a mutation,
// through fragments.
func countCodeFields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if codeFields[s.Name] {
				n++
			}
		case *ast.InlineFragment:
			n += countCodeFields(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				n += countCodeFields(s.Definition.SelectionSet)
			}
		}
	}
	return n
}
