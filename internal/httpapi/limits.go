package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	lru "github.com/hashicorp/golang-lru/v2"
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

// complexityLimit is gqlgen's FixedComplexityLimit (the same estimate,
// message and code) that remembers the estimate of an operation in which
// no argument the estimate reads (estimateArguments) takes a variable: it
// is then the same for every request, and a partner's check is not
// walked again.
//
// An operation is a parsed document's, which gqlgen's query cache keeps
// for the same query text, so the operation's address is the key; the
// memory holds as many operations as the query cache, and one it has
// dropped only comes back parsed anew, under a new address.
type complexityLimit struct {
	limit  int
	es     graphql.ExecutableSchema
	static *lru.Cache[*ast.OperationDefinition, int]
}

var (
	_ graphql.HandlerExtension        = (*complexityLimit)(nil)
	_ graphql.OperationContextMutator = (*complexityLimit)(nil)
)

func newComplexityLimit(limit, operations int) *complexityLimit {
	static, err := lru.New[*ast.OperationDefinition, int](operations)
	if err != nil {
		panic(err) // operations <= 0: a programming error
	}
	return &complexityLimit{limit: limit, static: static}
}

// ExtensionName implements graphql.HandlerExtension.
func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

// Validate implements graphql.HandlerExtension.
func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (c *complexityLimit) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	op := rc.Doc.Operations.ForName(rc.OperationName)
	if op == nil {
		return nil // the executor reports the unknown operation
	}
	n, ok := c.static.Get(op)
	if !ok {
		n = complexity.Calculate(ctx, c.es, op, rc.Variables)
		if !namesVariables(op.SelectionSet) {
			c.static.Add(op, n)
		}
	}
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, string(apperr.CodeComplexityLimit))
		return err
	}
	return nil
}

// namesVariables reports whether an argument the estimate reads, of a
// field in set or in the fragments it spreads, takes a variable: only
// those can make the estimate differ between requests.
func namesVariables(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, name := range estimateArguments {
				if a := s.Arguments.ForName(name); a != nil && valueNamesVariable(a.Value) {
					return true
				}
			}
			if namesVariables(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if namesVariables(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && namesVariables(s.Definition.SelectionSet) {
				return true
			}
		}
	}
	return false
}

func valueNamesVariable(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if v.Kind == ast.Variable {
		return true
	}
	for _, c := range v.Children {
		if valueNamesVariable(c.Value) {
			return true
		}
	}
	return false
}

// connectionComplexity wraps the executable schema so that gqlgen's
// complexity limit sees what a connection really costs: what it selects,
// times the page size. It is the whole estimate: it reads no argument but
// estimateArguments, and gqlgen's own complexity functions
// (graph.Config.Complexity) are not consulted, so that complexityLimit
// knows which variables can change it.
type connectionComplexity struct {
	graphql.ExecutableSchema
}

// estimateArguments are the arguments connectionComplexity reads.
var estimateArguments = []string{"first", "last", "ids"}

// Complexity implements graphql.ExecutableSchema.
func (s connectionComplexity) Complexity(_ context.Context, typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	if ids, ok := args["ids"].([]any); ok && typeName == "Query" && field == "nodes" {
		return safeMul(childComplexity, max(len(ids), 1)) + 1, true
	}
	if n, ok := pageSize(args); ok && n > 0 {
		return safeMul(childComplexity, n) + 1, true
	}
	return 0, false // gqlgen's default: 1 for the field and what it selects
}

func safeMul(a, b int) int {
	const max = 1 << 30
	if a > 0 && b > max/a {
		return max
	}
	return a * b
}
