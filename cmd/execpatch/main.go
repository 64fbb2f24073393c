// Command execpatch is the last step of `make generate`: it rewrites
// eight patterns of gqlgen's (v0.17.98) generated executor,
// graph/generated.go, that cost most of the allocations of a page of
// plain fields, and leaves every response byte for byte the same.
//
//  1. Deferred groups. Every object opens a group for its @defer'd
//     fields, built eagerly with the object's response path (a walk up to
//     the root that boxes every step) and a field set and a map of its
//     own. The rewrite builds them only when one of the object's fields
//     is deferred, and the path right before ec.ProcessDeferredGroup, the
//     one place that reads it.
//  2. Plain fields. A field whose value is a struct field of its object
//     (`obj.Name`) or a method of it (`obj.Offering(ctx)`) has no resolver
//     and no directive, yet gqlgen runs it through graphql.ResolveField,
//     which allocates five closures and boxes the value twice. The
//     rewrite keeps the field context, panic recovery, error and null
//     handling and, for a method, the field interceptors (entgql's
//     Transactioner serialises a mutation's fields there, and a method
//     may query), with one closure. A struct field is read directly, past
//     the interceptors, which have nothing to serialise or trace in it
//     (the tracer's skips plain fields anyway); one whose marshaller can
//     report no error (String, Int, Boolean, enums, nullable scalars, …)
//     is marshalled straight away, without a field context, which
//     nothing under a leaf could read.
//  3. Object writing. gqlgen writes an object through an iterator that
//     copies every field to the heap and a map that drops repeated
//     aliases; the rewrite returns graph.object, which writes the same
//     bytes from the object's fields and values (aliases repeat nowhere
//     in a collected field list, but it drops them the same way).
//  4. Lists. graphql.MarshalSliceConcurrently allocates a field context,
//     an index and a closure for every element, and a goroutine;
//     graph.marshalList does the same with one allocation for all the
//     elements' field contexts and indexes, in the caller's goroutine
//     until the list has taken 50 µs, on goroutines for the rest after.
//  5. Field collection. graphql.CollectFields caches an object's
//     collected fields per operation, but hashes its key anew, with an
//     allocation, for every object; ec.collected remembers the same
//     result by the selection's and the type's addresses.
//  6. Input unmarshalers. A request that unmarshals an input by its name
//     (entgql does for every where-argument under a page, again) builds
//     an index of all the schema's input types, a bound method value
//     each; the rewrite builds it once for all requests, which is sound
//     because the unmarshalers use nothing of their execution context
//     but one another, and checks that.
//  7. Concurrent fields. graphql.FieldSet runs every field it resolves
//     concurrently but the first on a goroutine of its own, through two
//     closures; graph.fieldSet runs them as lists' elements are run (4.),
//     in the object's goroutine until they take 50 µs. Deferred fields
//     and root fields still go through gqlgen's.
//  8. Input objects. An input's unmarshaler copies the input's map, so
//     as to add its fields' default values, and then looks up every
//     field of the type in it: some 150 for an ent where-input, of which
//     a filter sets one or two. The rewrite reads the map itself when
//     the type has no defaults, and stops looking once every member of
//     the map is read; the members are still read in the schema's order.
//
// Each rewrite refuses to write anything unless it recognises every
// occurrence of its pattern, so a gqlgen upgrade that changes the
// template fails generation loudly instead of leaving a half-rewritten
// executor.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: execpatch graph/generated.go")
		os.Exit(2)
	}
	if err := rewrite(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "execpatch:", err)
		os.Exit(1)
	}
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := patch(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// patch applies the eight rewrites in order.
func patch(src []byte) ([]byte, error) {
	for _, step := range []func([]byte) ([]byte, error){lazyDefer, plainFields, objectWriter, listMarshaller, collectOnce, sharedInputIndex, ownFieldSets, inputsReadInPlace} {
		var err error
		if src, err = step(src); err != nil {
			return nil, err
		}
	}
	return src, nil
}

const (
	eager = "deferred := graphql.NewDeferredGroup(ctx)"
	lazy  = "deferred := graphql.DeferredGroup{Context: ctx}\n\tif anyDeferred(fields) {\n\t\tdeferred.FieldSet, deferred.Defers = graphql.NewFieldSet(nil), make(map[string]*graphql.FieldSetView)\n\t}"

	process     = "ec.ProcessDeferredGroup(deferred)"
	pathProcess = "deferred.Path = graphql.GetPath(ctx)\n\t\tec.ProcessDeferredGroup(deferred)"
)

// lazyDefer returns src with every object's deferred group made lazy.
func lazyDefer(src []byte) ([]byte, error) {
	groups, processed := bytes.Count(src, []byte(eager)), bytes.Count(src, []byte(process))
	if groups == 0 || groups != processed || bytes.Contains(src, []byte("deferred.Path")) {
		return nil, fmt.Errorf("gqlgen's executor has %d %q and %d %q (and must not set deferred.Path yet): "+
			"its template changed, so update cmd/execpatch or drop the rewrite", groups, eager, processed, process)
	}
	src = bytes.ReplaceAll(src, []byte(eager), []byte(lazy))
	return bytes.ReplaceAll(src, []byte(process), []byte(pathProcess)), nil
}

// resolveField is one field function as gqlgen generates it for a field
// without resolver or directive: its value is an expression of obj.
var resolveField = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_[A-Za-z0-9_]+)\(ctx context\.Context, field graphql\.CollectedField, obj ([^)]+)\) \(ret graphql\.Marshaler\) \{
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.(fieldContext_[A-Za-z0-9_]+)\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return (obj\.[A-Za-z0-9_]+(?:, nil|\(\), nil|\(ctx\)))
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v ([^\n]+)\) graphql\.Marshaler \{
			return ec\.(marshal[^(\s]+)\(ctx, selections, v\)
		\},
		true,
		(true|false),
	\)
\}
`)

// plainFields rewrites every field function resolveField matches.
func plainFields(src []byte) ([]byte, error) {
	if bytes.Contains(src, []byte("plainFieldError(")) {
		return nil, fmt.Errorf("gqlgen's executor has plain fields rewritten already")
	}
	var failed error
	n := 0
	out := resolveField.ReplaceAllFunc(src, func(fn []byte) []byte {
		m := resolveField.FindSubmatch(fn)
		name, obj, fieldContext, value, typ, marshal, nonNull :=
			string(m[1]), string(m[2]), string(m[3]), string(m[4]), string(m[5]), string(m[6]), string(m[7])
		body, ok := marshalBody(src, marshal, typ)
		if !ok {
			failed = fmt.Errorf("%s marshals with %s, which the executor does not define as expected", name, marshal)
			return fn
		}
		n++
		var b strings.Builder
		fmt.Fprintf(&b, "func (ec *executionContext) %s(ctx context.Context, field graphql.CollectedField, obj %s) (ret graphql.Marshaler) {\n", name, obj)
		if read, isField := strings.CutSuffix(value, ", nil"); isField && !strings.HasSuffix(read, ")") && infallible(body, typ) {
			fmt.Fprintf(&b, "\treturn ec.%s(ctx, field.Selections, %s)\n}\n", marshal, read)
			return []byte(b.String())
		}
		fmt.Fprintf(&b, "\tfc, err := ec.%s(ctx, field)\n\tif err != nil {\n\t\treturn graphql.Null\n\t}\n", fieldContext)
		b.WriteString("\tctx = graphql.WithFieldContext(ctx, fc)\n")
		b.WriteString("\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\tec.Error(ctx, ec.Recover(ctx, r))\n\t\t\tret = graphql.Null\n\t\t}\n\t}()\n")
		if read, isField := strings.CutSuffix(value, ", nil"); isField && !strings.HasSuffix(read, ")") {
			// A struct field: no I/O, nothing for a field interceptor to
			// serialise or trace.
			fmt.Fprintf(&b, "\tres := %s\n", read)
			fmt.Fprintf(&b, "\tif any(res) == nil {\n\t\treturn plainFieldNull(ctx, fc, %s)\n\t}\n", nonNull)
		} else {
			// A method may query (obj.Offering(ctx) when the edge was not
			// loaded), so it runs through the interceptors, as a resolver
			// does: entgql's Transactioner serialises a mutation's fields on
			// its one transaction there.
			fmt.Fprintf(&b, "\tresTmp, err := ec.ResolverMiddleware(ctx, func(rctx context.Context) (any, error) {\n\t\tctx = rctx // use context from middleware stack in children\n\t\treturn %s\n\t})\n", strings.Replace(value, "(ctx)", "(rctx)", 1))
			fmt.Fprintf(&b, "\tif err != nil {\n\t\treturn plainFieldError(ctx, ec.OperationContext, fc, err, %s)\n\t}\n", nonNull)
			fmt.Fprintf(&b, "\tif resTmp == nil {\n\t\treturn plainFieldNull(ctx, fc, %s)\n\t}\n", nonNull)
			fmt.Fprintf(&b, "\tres, ok := resTmp.(%s)\n\tif !ok {\n\t\treturn plainFieldUnexpected(ctx, ec.OperationContext, fc, resTmp, res)\n\t}\n", typ)
		}
		fmt.Fprintf(&b, "\tfc.Result = res\n\treturn ec.%s(ctx, field.Selections, res)\n}\n", marshal)
		return []byte(b.String())
	})
	if failed != nil {
		return nil, failed
	}
	if n == 0 {
		return nil, fmt.Errorf("gqlgen's executor has no field function of the form cmd/execpatch rewrites: " +
			"its template changed, so update cmd/execpatch or drop the rewrite")
	}
	return out, nil
}

// marshalBody returns the body of the executor's marshal function name,
// which must take a value of type typ.
func marshalBody(src []byte, name, typ string) (string, bool) {
	head := "\nfunc (ec *executionContext) " + name + "(ctx context.Context, sel ast.SelectionSet, v " + typ + ") graphql.Marshaler {\n"
	_, rest, ok := bytes.Cut(src, []byte(head))
	if !ok {
		return "", false
	}
	body, _, ok := bytes.Cut(rest, []byte("\n}\n"))
	return string(body), ok
}

// neverNull are gqlgen's marshallers that return a writer for every
// value, never graphql.Null.
var neverNull = []string{"MarshalString", "MarshalInt", "MarshalInt64", "MarshalBoolean", "MarshalFloat"}

// infallible tells whether a marshal function with body, for values of
// type typ, can neither report an error nor read the field context: then
// it needs no field context of its own.
func infallible(body, typ string) bool {
	for _, f := range neverNull {
		unreachable := "\tres := graphql." + f + "(v)\n\tif res == graphql.Null {\n"
		if i := strings.Index(body, unreachable); i >= 0 {
			j := strings.Index(body[i:], "\n\t}\n")
			if j < 0 {
				return false
			}
			body = body[:i] + "\tres := graphql." + f + "(v)\n" + body[i+j+len("\n\t}\n"):]
		}
	}
	if strings.Contains(typ, "interface") || typ == "graphql.Marshaler" || typ == "any" {
		return false // a nil interface is a null ResolveField reports
	}
	body = strings.ReplaceAll(body, "_ = ctx", "")
	return !strings.Contains(body, "ctx") && !strings.Contains(body, "ec.") && !strings.Contains(body, "Error")
}

const (
	objectEnd = "\n\treturn out\n}\n"
	written   = "\n\treturn &object{fields: fields, values: out.Values}\n}\n"
	collect   = "\tfields := graphql.CollectFields(ec.OperationContext, sel, "
)

// objectWriter makes every object return graph.object for its fields.
func objectWriter(src []byte) ([]byte, error) {
	objects, ends := bytes.Count(src, []byte(collect)), bytes.Count(src, []byte(objectEnd))
	if objects == 0 || objects != ends || bytes.Contains(src, []byte(written)) {
		return nil, fmt.Errorf("gqlgen's executor has %d objects collecting their fields and %d returning their field set: "+
			"its template changed, so update cmd/execpatch or drop the rewrite", objects, ends)
	}
	return bytes.ReplaceAll(src, []byte(objectEnd), []byte(written)), nil
}

const (
	sliceConcurrently = "graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {"
	list              = "marshalList(ctx, len(v), func(ctx context.Context, i int) graphql.Marshaler {"
)

// listMarshaller makes every list of objects marshal with graph.marshalList.
func listMarshaller(src []byte) ([]byte, error) {
	lists, all := bytes.Count(src, []byte(sliceConcurrently)), bytes.Count(src, []byte("graphql.MarshalSliceConcurrently("))
	if lists == 0 || lists != all {
		return nil, fmt.Errorf("gqlgen's executor marshals %d lists with MarshalSliceConcurrently, %d of them as %q: "+
			"its template changed, so update cmd/execpatch or drop the rewrite", all, lists, sliceConcurrently)
	}
	return bytes.ReplaceAll(src, []byte(sliceConcurrently), []byte(list)), nil
}

const (
	contextType  = "type executionContext struct {\n\t*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]\n}\n"
	cachedType   = "type executionContext struct {\n\t*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]\n\tcollected collectedFields\n}\n"
	collectOnObj = "\tfields := ec.collected.collect(ec.OperationContext, sel, "
)

// collectOnce makes every object collect its fields through
// ec.collected.
func collectOnce(src []byte) ([]byte, error) {
	if bytes.Count(src, []byte(contextType)) != 1 || bytes.Count(src, []byte(collect)) == 0 {
		return nil, fmt.Errorf("gqlgen's executor does not declare its execution context as %q or collects no fields with %q: "+
			"its template changed, so update cmd/execpatch or drop the rewrite", contextType, collect)
	}
	src = bytes.Replace(src, []byte(contextType), []byte(cachedType), 1)
	return bytes.ReplaceAll(src, []byte(collect), []byte(collectOnObj)), nil
}

const (
	indexStart  = "\tinputUnmarshalers := func() *graphql.InputUnmarshalerIndex {\n\t\treturn graphql.NewInputUnmarshalerIndex(\n"
	indexEnd    = "\t\t)\n\t}\n"
	indexShared = "\tinputUnmarshalers := inputUnmarshalerIndex\n"
)

// unmarshalFunc is one of the executor's unmarshal functions, whole.
var unmarshalFunc = regexp.MustCompile(`(?ms)^func \(ec \*executionContext\) unmarshal[A-Za-z0-9_]*\(.*?^}\n`)

// ecUse is a use of the execution context in a function's body.
var ecUse = regexp.MustCompile(`\bec\b(\.[A-Za-z0-9_]+)?`)

// sharedInputIndex makes every request share one index of the input
// unmarshalers instead of building its own, with a bound method value
// for each of the schema's input types, whenever it unmarshals an input
// by name (entgql does, for every where-argument under a page). That is
// sound only while the unmarshalers use nothing of their execution
// context but one another, which it checks.
func sharedInputIndex(src []byte) ([]byte, error) {
	start := bytes.Index(src, []byte(indexStart))
	if start < 0 || bytes.Count(src, []byte(indexStart)) != 1 {
		return nil, fmt.Errorf("gqlgen's executor does not build its input unmarshaler index once as %q: "+
			"its template changed, so update cmd/execpatch or drop the rewrite", indexStart)
	}
	end := bytes.Index(src[start:], []byte(indexEnd))
	if end < 0 {
		return nil, fmt.Errorf("gqlgen's input unmarshaler index does not end with %q: its template changed", indexEnd)
	}
	end += start
	entries := string(src[start+len(indexStart) : end])
	for _, f := range unmarshalFunc.FindAll(src, -1) {
		for _, use := range ecUse.FindAllSubmatch(f[bytes.IndexByte(f, '{'):], -1) {
			if !bytes.HasPrefix(use[1], []byte(".unmarshal")) {
				return nil, fmt.Errorf("an unmarshal function uses its execution context as %q, so its index cannot be shared between requests:\n%s", use[0], f)
			}
		}
	}
	out := append([]byte{}, src[:start]...)
	out = append(out, indexShared...)
	out = append(out, src[end+len(indexEnd):]...)
	out = append(out, `
// inputUnmarshalerIndex is the index of the input unmarshalers, built on
// first use and shared by every request: they use nothing of the
// execution context they are bound to but one another (cmd/execpatch
// checks).
var inputUnmarshalerIndex = builtOnce(func() *graphql.InputUnmarshalerIndex {
	ec := &executionContext{}
	return graphql.NewInputUnmarshalerIndex(
`...)
	out = append(out, strings.ReplaceAll(entries, "\t\t\t", "\t\t")...) // one level less deep, outside Exec
	out = append(out, "\t)\n})\n"...)
	return out, nil
}

const (
	gqlgenFieldSet = "\tout := graphql.NewFieldSet(fields)\n"
	ownFieldSet    = "\tout := newFieldSet(fields)\n"
)

// ownFieldSets makes every object resolve its fields with graph.fieldSet.
func ownFieldSets(src []byte) ([]byte, error) {
	sets, objects := bytes.Count(src, []byte(gqlgenFieldSet)), bytes.Count(src, []byte(collectOnObj))
	if sets == 0 || sets != objects {
		return nil, fmt.Errorf("gqlgen's executor has %d objects and %d of them make their field set as %q: "+
			"its template changed, so update cmd/execpatch or drop the rewrite", objects, sets, gqlgenFieldSet)
	}
	return bytes.ReplaceAll(src, []byte(gqlgenFieldSet), []byte(ownFieldSet)), nil
}

const (
	inputCopy     = "\tasMap := map[string]any{}\n\tfor k, v := range obj.(map[string]any) {\n\t\tasMap[k] = v\n\t}\n\n"
	inputOrder    = "\tfieldsInOrder := [...]string{"
	inputDefault  = "\tif _, present := asMap["
	inputInPlace  = "\tasMap := obj.(map[string]any)\n\n"
	inputLookup   = "\tfor _, k := range fieldsInOrder {\n\t\tv, ok := asMap[k]\n\t\tif !ok {\n\t\t\tcontinue\n\t\t}\n"
	inputUntilAll = "\tread := 0\n\tfor _, k := range fieldsInOrder {\n\t\tif read == len(asMap) {\n\t\t\tbreak // every member of the input is read\n\t\t}\n\t\tv, ok := asMap[k]\n\t\tif !ok {\n\t\t\tcontinue\n\t\t}\n\t\tread++\n"
)

// inputsReadInPlace makes every input unmarshaler read its input's map
// without copying it, unless it adds default values to the copy, and
// stop looking up its type's fields once it has read every member.
func inputsReadInPlace(src []byte) ([]byte, error) {
	copies, lookups := bytes.Count(src, []byte(inputCopy)), bytes.Count(src, []byte(inputLookup))
	plain := bytes.Count(src, []byte(inputCopy+inputOrder))
	defaults := bytes.Count(src, []byte(inputCopy+inputDefault))
	if copies == 0 || copies != lookups || copies != plain+defaults || copies != bytes.Count(src, []byte(inputOrder)) {
		return nil, fmt.Errorf("gqlgen's executor has %d input unmarshalers copying their map as %q, %d of them then reading "+
			"their fields or adding defaults, and %d looking their fields up as %q: "+
			"its template changed, so update cmd/execpatch or drop the rewrite", copies, inputCopy, plain+defaults, lookups, inputLookup)
	}
	src = bytes.ReplaceAll(src, []byte(inputCopy+inputOrder), []byte(inputInPlace+inputOrder))
	return bytes.ReplaceAll(src, []byte(inputLookup), []byte(inputUntilAll)), nil
}
