package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// What cmd/execpatch puts in gqlgen's place answers as gqlgen's own code
// does: the same bytes, errors, paths and nulls.

// operation returns a context inside an operation, under the field
// `items`, whose errors errs reads.
func operation(t *testing.T) (ctx context.Context, oc *graphql.OperationContext, errs func() gqlerror.List) {
	t.Helper()
	oc = &graphql.OperationContext{
		RecoverFunc:        func(context.Context, any) error { return errors.New("internal system error") },
		ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }, // no field interceptor
	}
	ctx = graphql.WithOperationContext(t.Context(), oc)
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, oc.RecoverFunc)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: graphql.CollectedField{Field: &ast.Field{Name: "items", Alias: "items"}}})
	return ctx, oc, func() gqlerror.List { return graphql.GetErrors(ctx) }
}

func written(m graphql.Marshaler) string {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.String()
}

func TestObjectsAreWrittenAsFieldSetsWriteThem(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Name: "name", Alias: alias}}
	}
	for _, aliases := range [][]string{{}, {"a"}, {"a", "b", "c"}, {"a", "b", "a", "c", "b"}, {"__typename", "id"}} {
		fields := make([]graphql.CollectedField, len(aliases))
		values := make([]graphql.Marshaler, len(aliases))
		for i, a := range aliases {
			fields[i], values[i] = field(a), graphql.MarshalString(fmt.Sprint(a, i))
		}
		values = append(values[:0:0], values...)
		set := graphql.NewFieldSet(fields)
		copy(set.Values, values)
		if want, got := written(set), written(&object{fields: fields, values: values}); got != want {
			t.Errorf("fields %q: object wrote %s, FieldSet %s", aliases, got, want)
		}
	}
	if got := written(&object{fields: []graphql.CollectedField{field("a")}, values: []graphql.Marshaler{graphql.Null}}); got != `{"a":null}` {
		t.Errorf("a null field was written %s", got)
	}
}

func TestListsAreMarshalledAsMarshalSliceConcurrentlyMarshalsThem(t *testing.T) {
	elementPath := func(ctx context.Context, i int) graphql.Marshaler {
		graphql.GetFieldContext(ctx).Result = i
		return graphql.MarshalString(graphql.GetPath(ctx).String() + fmt.Sprint("=", *graphql.GetFieldContext(ctx).Index))
	}
	for _, n := range []int{0, 1, 2, 7} {
		ctx, _, _ := operation(t)
		want := written(graphql.MarshalSliceConcurrently(ctx, n, 0, false, elementPath))
		if got := written(marshalList(ctx, n, elementPath)); got != want {
			t.Errorf("%d elements: marshalList wrote %s, MarshalSliceConcurrently %s", n, got, want)
		}
	}

	// A panicking element is the element's error, on its path, and null.
	for _, n := range []int{1, 3} {
		panics := func(ctx context.Context, i int) graphql.Marshaler {
			if i == n-1 {
				panic("boom")
			}
			return graphql.MarshalInt(i)
		}
		ctx, _, errs := operation(t)
		want := written(graphql.MarshalSliceConcurrently(ctx, n, 0, false, panics))
		wantErrs := errs().Error()
		ctx, _, errs = operation(t)
		if got := written(marshalList(ctx, n, panics)); got != want || errs().Error() != wantErrs {
			t.Errorf("%d elements, the last panicking: marshalList wrote %s with %q, MarshalSliceConcurrently %s with %q",
				n, got, errs().Error(), want, wantErrs)
		}
	}

	// Elements that wait for one another (a dataloader's batch) are not
	// run one after the other: when the first waits, the rest start.
	for _, n := range []int{2, 7} {
		ctx, _, _ := operation(t)
		var others sync.WaitGroup
		others.Add(n - 1)
		all := make(chan struct{})
		go func() { others.Wait(); close(all) }()
		waits := func(ctx context.Context, i int) graphql.Marshaler {
			if i > 0 {
				others.Done()
				return graphql.MarshalInt(i)
			}
			select {
			case <-all:
				return graphql.MarshalInt(i)
			case <-time.After(10 * time.Second):
				return graphql.MarshalString("the other elements never ran while the first waited")
			}
		}
		want := strings.ReplaceAll(fmt.Sprint(seq(n)), " ", ",")
		if got := written(marshalList(ctx, n, waits)); got != want {
			t.Fatalf("%d elements, the first waiting for the others: %s", n, got)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// A list whose elements are ready (entgql loaded them with the page) is
// marshalled in the caller's goroutine, without a hand-off per element;
// one that is slower than spreadAfter has its rest spread over
// goroutines.
func TestListsOfReadyElementsStayInTheCallersGoroutine(t *testing.T) {
	ctx, _, _ := operation(t)
	caller := goroutine()
	var mu sync.Mutex
	on := map[string]int{}
	ready := func(ctx context.Context, i int) graphql.Marshaler {
		mu.Lock()
		on[goroutine()]++
		mu.Unlock()
		return graphql.MarshalInt(i)
	}
	// A busy machine may hold the caller back longer than spreadAfter
	// once in a while; the old executor never kept a single list of five.
	for attempt := 0; ; attempt++ {
		clear(on)
		if got := written(marshalList(ctx, 5, ready)); got != "[0,1,2,3,4]" {
			t.Fatalf("five ready elements: %s", got)
		}
		if on[caller] == 5 {
			break
		}
		if attempt == 20 {
			t.Fatalf("five ready elements ran on %v, not all five on the caller's goroutine %s, 20 times", on, caller)
		}
	}

	clear(on)
	slow := func(ctx context.Context, i int) graphql.Marshaler {
		mu.Lock()
		on[goroutine()]++
		mu.Unlock()
		time.Sleep(20 * spreadAfter) // a round trip to the database
		return graphql.MarshalInt(i)
	}
	start := time.Now()
	if got := written(marshalList(ctx, 8, slow)); got != "[0,1,2,3,4,5,6,7]" {
		t.Fatalf("eight slow elements: %s", got)
	}
	if len(on) < 2 || on[caller] == 8 {
		t.Errorf("eight slow elements ran on %v, all on the caller's goroutine %s", on, caller)
	}
	if sequential := 8 * 20 * spreadAfter; time.Since(start) >= sequential {
		t.Errorf("eight slow elements took %s, as long as one after the other (%s)", time.Since(start), sequential)
	}
}

// The generated plain field (cmd/execpatch) answers its method's error,
// and a nil interface, with plainFieldError and plainFieldNull after
// installing the field's context.
func plainField(ctx context.Context, oc *graphql.OperationContext, fc *graphql.FieldContext, fails bool, nonNull bool) graphql.Marshaler {
	ctx = graphql.WithFieldContext(ctx, fc)
	var res fmt.Stringer
	var err error
	if fails {
		err = errors.New("the method failed")
	}
	if err != nil {
		return plainFieldError(ctx, oc, fc, err, nonNull)
	}
	if any(res) == nil {
		return plainFieldNull(ctx, fc, nonNull)
	}
	return graphql.MarshalString(res.String())
}

func TestPlainFieldsAnswerErrorsAndNullsAsResolveFieldDoes(t *testing.T) {
	field := graphql.CollectedField{Field: &ast.Field{Name: "offering", Alias: "offering"}}
	for _, nonNull := range []bool{true, false} {
		for _, markedNonNull := range []bool{true, false} {
			for _, fails := range []bool{true, false} {
				fieldContext := func() *graphql.FieldContext {
					return &graphql.FieldContext{Object: "Subscription", Field: field, IsMethod: true, NonNull: markedNonNull}
				}
				ctx, oc, errs := operation(t)
				want := graphql.ResolveField(ctx, oc, field,
					func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error) {
						return fieldContext(), nil
					},
					func(context.Context) (any, error) {
						if fails {
							return nil, errors.New("the method failed")
						}
						return nil, nil
					},
					nil,
					func(_ context.Context, _ ast.SelectionSet, v fmt.Stringer) graphql.Marshaler {
						return graphql.MarshalString(v.String())
					},
					true, nonNull)
				wantErrs := errs().Error()
				ctx, oc, errs = operation(t)
				got := plainField(ctx, oc, fieldContext(), fails, nonNull)
				if got != want || errs().Error() != wantErrs {
					t.Errorf("nonNull %v, marked non-null %v, fails %v: answered %v with %q, ResolveField %v with %q",
						nonNull, markedNonNull, fails, got, errs().Error(), want, wantErrs)
				}
			}
		}
	}
}

// goroutine returns the running goroutine's number.
func goroutine() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return strings.Fields(string(buf))[1] // "goroutine 123 [running]:"
}

// Every function handed to the workers starts at once, however many are
// running (nothing waits for a free worker), and a function handed over
// after others have finished runs on one of their goroutines.
func TestWorkersStartEveryFunctionAtOnceAndAreReused(t *testing.T) {
	p := newWorkers(4)
	const n = 50
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	release := make(chan struct{})
	var mu sync.Mutex
	ran := map[string]bool{}
	for range n {
		p.run(func() {
			defer done.Done()
			mu.Lock()
			ran[goroutine()] = true
			mu.Unlock()
			started.Done()
			<-release // until all n have started
		})
	}
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatal("functions waited for a free worker instead of starting at once")
	}
	close(release)
	done.Wait()
	for p.idle.Load() < p.maxIdle { // the first maxIdle to finish wait for work
		time.Sleep(time.Millisecond)
	}
	for range 10 {
		on := make(chan string)
		p.run(func() { on <- goroutine() })
		if g := <-on; !ran[g] {
			t.Fatalf("a function ran on goroutine %s, new, while %d workers were idle", g, p.idle.Load()+1)
		}
	}
}

// ec.collected answers as graphql.CollectFields, and remembers what it
// answered for each type and selection set, the first one included: for
// the operation when its document has directives, else for every
// request with the same document.
func TestCollectedFieldsAreCollectFieldsRemembered(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: A b: B c: C d: C } type A { x: Int y: Int } type B { z: Int } type C { w: Int }`})
	for _, c := range []struct {
		name, query string
		shared      bool
	}{
		{"without directives", `{ a { y ...F } b { z } c { w } d { w } } fragment F on A { x y }`, true},
		// x is collected in the first request, not in the second.
		{"with a directive", `query($x: Boolean!) { a { y ...F } b { z } c { w } d { w } } fragment F on A { x @include(if: $x) y }`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, c.query)
			if errs != nil {
				t.Fatal(errs)
			}
			root := doc.Operations[0].SelectionSet
			sets := []struct {
				sel          ast.SelectionSet
				implementors []string
			}{
				{root, []string{"Query"}},
				{root[0].(*ast.Field).SelectionSet, []string{"A"}},
				{root[1].(*ast.Field).SelectionSet, []string{"B"}},
				{root[2].(*ast.Field).SelectionSet, []string{"C"}},
				{root[3].(*ast.Field).SelectionSet, []string{"C"}},
			}
			var earlier []graphql.CollectedField // the first request's fields of A
			for request, x := range []bool{true, false} {
				oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{"x": x}}
				var cf collectedFields
				for round := range 2 {
					for _, s := range sets {
						want := graphql.CollectFields(oc, s.sel, s.implementors)
						got := cf.collect(oc, s.sel, s.implementors)
						if fmt.Sprint(names(got)) != fmt.Sprint(names(want)) {
							t.Errorf("request %d, round %d, %v: collected %v, CollectFields %v", request, round, s.implementors, names(got), names(want))
						}
						if again := cf.collect(oc, s.sel, s.implementors); &again[0] != &got[0] {
							t.Errorf("request %d, round %d, %v: collected anew instead of remembered", request, round, s.implementors)
						}
					}
				}
				fieldsOfA := cf.collect(oc, sets[1].sel, sets[1].implementors)
				if request == 1 {
					if sharedNow := &fieldsOfA[0] == &earlier[0]; sharedNow != c.shared {
						t.Errorf("the second request took the first one's fields: %v, want %v", sharedNow, c.shared)
					}
				}
				earlier = fieldsOfA
				wantMap := len(sets) - len(cf.first)
				if c.shared {
					wantMap = 0 // nothing per request
				}
				if len(cf.fields) != wantMap {
					t.Errorf("request %d: %d selection sets kept in the request's map, want %d", request, len(cf.fields), wantMap)
				}
			}
		})
	}
}

func names(fields []graphql.CollectedField) []string {
	var s []string
	for _, f := range fields {
		s = append(s, f.Alias)
	}
	return s
}

// graph.fieldSet resolves an object's concurrent fields as gqlgen's
// FieldSet does: the same values, invalid count and errors, a panic
// recovered to null when the field asks for it.
func TestFieldSetsResolveAsGqlgensFieldSet(t *testing.T) {
	fields := []graphql.CollectedField{
		{Field: &ast.Field{Alias: "a", Name: "a"}},
		{Field: &ast.Field{Alias: "b", Name: "b"}},
		{Field: &ast.Field{Alias: "c", Name: "c"}},
		{Field: &ast.Field{Alias: "d", Name: "d"}},
	}
	resolvers := []struct {
		nonNull bool
		resolve func(ctx context.Context) graphql.Marshaler
	}{
		{true, func(context.Context) graphql.Marshaler { return graphql.MarshalString("a") }},
		{true, func(context.Context) graphql.Marshaler { return graphql.Null }}, // a non-null field's null: invalid
		{false, func(context.Context) graphql.Marshaler { return graphql.Null }},
		{false, func(context.Context) graphql.Marshaler { panic("boom") }},
	}
	type resolving interface {
		ResolveConcurrently(*graphql.OperationContext, *graphql.DeferredGroup, int, bool, bool, func(context.Context) graphql.Marshaler)
		Dispatch(context.Context)
	}
	run := func(out resolving, values func() []graphql.Marshaler, invalids func() uint32) (string, string, uint32) {
		ctx, oc, errs := operation(t)
		deferred := graphql.DeferredGroup{Context: ctx}
		for i, r := range resolvers {
			out.ResolveConcurrently(oc, &deferred, i, true, r.nonNull, r.resolve)
		}
		out.Dispatch(ctx)
		return written(&object{fields: fields, values: values()}), errs().Error(), invalids()
	}
	gq := graphql.NewFieldSet(fields)
	wantBody, wantErrs, wantInvalid := run(gq, func() []graphql.Marshaler { return gq.Values }, func() uint32 { return gq.Invalids })
	own := newFieldSet(fields)
	body, errs, invalid := run(&own, func() []graphql.Marshaler { return own.Values }, func() uint32 { return own.Invalids })
	if body != wantBody || errs != wantErrs || invalid != wantInvalid {
		t.Errorf("graph.fieldSet wrote %s with %q and %d invalid, gqlgen's FieldSet %s with %q and %d", body, errs, invalid, wantBody, wantErrs, wantInvalid)
	}
	if wantInvalid != 1 {
		t.Errorf("the reference counted %d invalid fields, want the non-null field's null only", wantInvalid)
	}
}

// Ready fields resolve in the object's goroutine; fields that wait for
// one another get goroutines.
func TestFieldSetsResolveReadyFieldsInTheObjectsGoroutine(t *testing.T) {
	fields := []graphql.CollectedField{{Field: &ast.Field{Alias: "a"}}, {Field: &ast.Field{Alias: "b"}}, {Field: &ast.Field{Alias: "c"}}}
	ctx, oc, _ := operation(t)
	caller := goroutine()
	for attempt := 0; ; attempt++ {
		out := newFieldSet(fields)
		var mu sync.Mutex
		on := map[string]int{}
		for i := range fields {
			out.ResolveConcurrently(oc, &graphql.DeferredGroup{Context: ctx}, i, true, true, func(context.Context) graphql.Marshaler {
				mu.Lock()
				on[goroutine()]++
				mu.Unlock()
				return graphql.MarshalInt(i)
			})
		}
		out.Dispatch(ctx)
		if on[caller] == len(fields) {
			break
		}
		if attempt == 20 {
			t.Fatalf("three ready fields resolved on %v, not all on the object's goroutine %s, 20 times", on, caller)
		}
	}

	out := newFieldSet(fields[:2])
	second := make(chan struct{})
	out.ResolveConcurrently(oc, &graphql.DeferredGroup{Context: ctx}, 0, true, true, func(context.Context) graphql.Marshaler {
		select {
		case <-second:
			return graphql.MarshalInt(0)
		case <-time.After(10 * time.Second):
			return graphql.MarshalString("the second field never ran while the first waited")
		}
	})
	out.ResolveConcurrently(oc, &graphql.DeferredGroup{Context: ctx}, 1, true, true, func(context.Context) graphql.Marshaler {
		close(second)
		return graphql.MarshalInt(1)
	})
	out.Dispatch(ctx)
	if got := written(&object{fields: fields[:2], values: out.Values}); got != `{"a":0,"b":1}` {
		t.Fatalf("two fields waiting for each other: %s", got)
	}
}
