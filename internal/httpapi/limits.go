package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"kundportal/internal/apperr"
)

// Limits bound what one request may ask for. They are checked on the
// parsed operation, before any resolver runs and so before any SQL.
type Limits struct {
	// MaxDepth is the deepest field nesting allowed; introspection
	// (__schema, __type) is not counted, so GraphiQL keeps working.
	MaxDepth int
	// MaxComplexity bounds the estimated number of objects a response may
	// hold: each field costs 1 and a connection multiplies what it selects
	// by its first or last.
	MaxComplexity int
	// MaxPageSize is the largest first or last a connection accepts.
	MaxPageSize int
}

// DefaultLimits are the limits in force unless configured otherwise; see
// docs/limits.md for how they were chosen.
var DefaultLimits = Limits{MaxDepth: 12, MaxComplexity: 20000, MaxPageSize: 100}

func init() {
	// Rejections of the request's shape are protocol errors, like gqlgen's
	// own complexity limit: HTTP 200 and no data under application/json,
	// 400 under application/graphql-response+json (graphqlhttp.go). Resolver errors with the same
	// code are unaffected; gqlgen asks only for operation errors.
	errcode.RegisterErrorType(string(apperr.CodeDepthLimit), errcode.KindProtocol)
	errcode.RegisterErrorType(string(apperr.CodeValidation), errcode.KindProtocol)
}

// shapeLimit is a gqlgen extension that enforces MaxDepth and the
// pagination rules: every connection names first or last, at most
// MaxPageSize. Unbounded pages would make both the complexity estimate and
// the database's work unbounded.
type shapeLimit struct{ limits Limits }

var (
	_ graphql.HandlerExtension        = shapeLimit{}
	_ graphql.OperationContextMutator = shapeLimit{}
)

// ExtensionName implements graphql.HandlerExtension.
func (shapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate implements graphql.HandlerExtension.
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (l shapeLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	w := shapeWalker{limits: l.limits, vars: op.Variables}
	depth := w.walk(op.Operation.SelectionSet, 1)
	if w.err != nil {
		return w.err
	}
	if depth > l.limits.MaxDepth {
		e := gqlerror.Errorf("operation has depth %d, which exceeds the limit of %d", depth, l.limits.MaxDepth)
		setCode(e, apperr.CodeDepthLimit)
		return e
	}
	return nil
}

type shapeWalker struct {
	limits Limits
	vars   map[string]any
	err    *gqlerror.Error
}

// walk returns the depth of the selection set and checks the page sizes.
func (w *shapeWalker) walk(set ast.SelectionSet, depth int) int {
	deepest := depth - 1
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			w.checkPage(s)
			d = w.walk(s.SelectionSet, depth+1)
			if d < depth {
				d = depth
			}
		case *ast.InlineFragment:
			d = w.walk(s.SelectionSet, depth)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = w.walk(s.Definition.SelectionSet, depth)
			}
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}

func (w *shapeWalker) checkPage(f *ast.Field) {
	if w.err != nil || f.Definition == nil || !isConnection(f.Definition.Type) {
		return
	}
	args := f.ArgumentMap(w.vars)
	size, named := pageSize(args)
	switch {
	case !named:
		w.fail(f, "first", fmt.Sprintf("%s needs first or last (at most %d)", f.Name, w.limits.MaxPageSize))
	case size < 0:
		w.fail(f, "first", fmt.Sprintf("first and last on %s cannot be negative", f.Name))
	case size > w.limits.MaxPageSize:
		w.fail(f, "first", fmt.Sprintf("first and last on %s are at most %d", f.Name, w.limits.MaxPageSize))
	}
}

func (w *shapeWalker) fail(f *ast.Field, field, msg string) {
	w.err = gqlerror.ErrorPosf(f.Position, "%s", msg)
	setCode(w.err, apperr.CodeValidation)
	w.err.Extensions["field"] = field
}

func isConnection(t *ast.Type) bool {
	return t != nil && t.Elem == nil && strings.HasSuffix(t.NamedType, "Connection")
}

// pageSize returns the larger of first and last and whether either was
// given.
func pageSize(args map[string]any) (size int, named bool) {
	for _, k := range []string{"first", "last"} {
		if n, ok := toInt(args[k]); ok {
			named = true
			if n > size || n < 0 {
				size = n
			}
		}
	}
	return size, named
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	default:
		return 0, false
	}
}

// connectionComplexity wraps the executable schema so that gqlgen's
// complexity limit sees what a connection really costs: what it selects,
// times the page size.
type connectionComplexity struct {
	graphql.ExecutableSchema
}

// Complexity implements graphql.ExecutableSchema.
func (s connectionComplexity) Complexity(ctx context.Context, typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	if ids, ok := args["ids"].([]any); ok && typeName == "Query" && field == "nodes" {
		return safeMul(childComplexity, max(len(ids), 1)) + 1, true
	}
	if n, ok := pageSize(args); ok && n > 0 {
		return safeMul(childComplexity, n) + 1, true
	}
	return s.ExecutableSchema.Complexity(ctx, typeName, field, childComplexity, args)
}

func safeMul(a, b int) int {
	const max = 1 << 30
	if a > 0 && b > max/a {
		return max
	}
	return a * b
}
