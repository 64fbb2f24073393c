package graph

// What cmd/execpatch's rewrite of the generated executor calls: each
// does what gqlgen's own code does in its place, without its
// allocations (docs/performance.md, "The generic API").

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// anyDeferred tells whether one of an object's fields is in a deferred
// fragment, so that the object needs a deferred group.
func anyDeferred(fields []graphql.CollectedField) bool {
	for i := range fields {
		if fields[i].IsDeferred() {
			return true
		}
	}
	return false
}

// builtOnce returns build's index, built on first use and the same ever
// after (the executor's shared input unmarshaler index).
func builtOnce(build func() *graphql.InputUnmarshalerIndex) func() *graphql.InputUnmarshalerIndex {
	return sync.OnceValue(build)
}

// plainFieldError answers a plain field whose method failed, as
// graphql.ResolveField answers a field whose resolver failed.
func plainFieldError(ctx context.Context, oc *graphql.OperationContext, fc *graphql.FieldContext, err error, nonNull bool) graphql.Marshaler {
	oc.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
	if fc.NonNull && !nonNull {
		return graphql.RequiredNull
	}
	return graphql.Null
}

// plainFieldUnexpected answers a plain field whose interceptors returned
// a value of another type than the field's, as graphql.ResolveField does.
func plainFieldUnexpected(ctx context.Context, oc *graphql.OperationContext, fc *graphql.FieldContext, got, want any) graphql.Marshaler {
	if m, ok := got.(graphql.Marshaler); ok {
		fc.Result = m
		return m
	}
	oc.Errorf(ctx, `unexpected type %T from middleware/directive chain, should be %T`, got, want)
	return graphql.Null
}

// plainFieldNull answers a plain field whose value is a nil interface, as
// graphql.ResolveField answers a resolver that returned nil.
func plainFieldNull(ctx context.Context, fc *graphql.FieldContext, nonNull bool) graphql.Marshaler {
	if nonNull || fc.NonNull {
		graphql.AddInvalidNullError(ctx, "")
	}
	if fc.NonNull && !nonNull {
		return graphql.RequiredNull
	}
	return graphql.Null
}

// object is an object of a response: its collected fields and their
// values, written as graphql.FieldSet writes them — `{"alias":value,…}`,
// a repeated alias written once, at its first place — without the
// iterator and the map FieldSet allocates for every object.
type object struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (o *object) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if repeated(o.fields[:i], alias) {
			continue
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		// An alias is a GraphQL name, [_A-Za-z][_0-9A-Za-z]*: nothing in
		// it needs escaping.
		io.WriteString(w, `"`)
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

func repeated(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}

// marshalList marshals a list's n elements as
// graphql.MarshalSliceConcurrently does without a worker limit — each
// element under its own field context with its index, a panic turned into
// the element's error and null — with one allocation for all the
// elements' field contexts and indexes instead of five per element, and
// the elements run as tasks: in the caller's goroutine while they are
// quick, which most are (entgql loads a page's edges with the page).
func marshalList(ctx context.Context, n int, element func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	if n == 0 {
		return make(graphql.Array, 0)
	}
	l := &list{ret: make(graphql.Array, n), slots: make([]listSlot, n), element: element}
	for i := range l.slots {
		s := &l.slots[i]
		s.index = i
		s.fc.Index = &s.index
		s.ctx = graphql.WithFieldContext(ctx, &s.fc)
	}
	l.tasks.n, l.tasks.runner = n, l
	l.tasks.runAll()
	return l.ret
}

// spreadAfter is how long tasks run one after the other in the caller's
// goroutine before the rest get goroutines of their own: about what the
// nested page's list of five subscriptions takes, and little against a
// statement's round trip to the database.
const spreadAfter = 50 * time.Microsecond

// elementWorkers run the tasks that spread. A new goroutine starts with a
// small stack and copies it, twice or thrice, as the executor's recursion
// into a list element deepens: that was 13 % of the nested page's CPU. A
// worker keeps the stack it grew for the next task.
var elementWorkers = newWorkers(512)

// workers hands functions to idle goroutines, or to a new one when none
// is idle, so that every function starts at once, as with `go f()`, and
// nothing waits for a free worker. At most maxIdle wait for work; the
// others end when their function returns.
type workers struct {
	work    chan func() // unbuffered: a send succeeds only into an idle worker
	idle    atomic.Int32
	maxIdle int32
}

func newWorkers(maxIdle int32) *workers {
	return &workers{work: make(chan func()), maxIdle: maxIdle}
}

func (p *workers) run(f func()) {
	select {
	case p.work <- f:
	default:
		go p.worker(f)
	}
}

func (p *workers) worker(f func()) {
	for {
		f()
		if p.idle.Add(1) > p.maxIdle {
			p.idle.Add(-1)
			return
		}
		f = <-p.work
		p.idle.Add(-1)
	}
}

// list is one marshalList.
type list struct {
	tasks
	ret     graphql.Array
	slots   []listSlot
	element func(ctx context.Context, i int) graphql.Marshaler
}

type listSlot struct {
	fc    graphql.FieldContext
	index int
	ctx   context.Context
}

// tasks runs runner.runTask(0) … runTask(n-1) in the caller's goroutine,
// one after the other, until spreadAfter has passed; then every one not
// taken yet gets a goroutine of its own (from elementWorkers), as gqlgen
// would have started them all at once. So tasks that are ready cost no
// hand-off, and tasks that wait (for the database, or for one another)
// are held back by at most spreadAfter.
type tasks struct {
	wg     sync.WaitGroup
	next   atomic.Int64
	n      int
	runner interface{ runTask(i int) } // the list or object the tasks are of (an interface, not a closure to allocate)
}

// runAll runs every task and returns when all have returned.
func (t *tasks) runAll() {
	if t.n == 1 {
		t.runner.runTask(0)
		return
	}
	t.wg.Add(1) // the timer's, given back by spread or here when it never fires
	spreading := time.AfterFunc(spreadAfter, t.spread)
	t.take()
	if spreading.Stop() {
		t.wg.Done()
	}
	t.wg.Wait()
}

// take runs untaken tasks until there are none.
func (t *tasks) take() {
	for {
		i := int(t.next.Add(1) - 1)
		if i >= t.n {
			return
		}
		t.runner.runTask(i)
	}
}

// spread starts a goroutine for every task not taken yet.
func (t *tasks) spread() {
	defer t.wg.Done()
	rest := t.n - int(t.next.Load())
	if rest <= 0 {
		return
	}
	t.wg.Add(rest)
	work := t.work // one closure for all the goroutines: `go t.work()` would allocate one each
	for range rest {
		elementWorkers.run(work)
	}
}

func (t *tasks) work() {
	defer t.wg.Done()
	t.take()
}

// runTask marshals element i.
func (l *list) runTask(i int) {
	ctx := l.slots[i].ctx
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			l.ret[i] = graphql.Null
		}
	}()
	l.ret[i] = l.element(ctx, i)
}

// collectedFields remembers, for one operation, the fields an object of a
// type collects from a selection set: what graphql.CollectFields
// remembers too, but keyed by addresses instead of a hash computed (and
// allocated) for every object. Where the operation's document has no
// directives, its fields depend on the document alone, and are taken
// from what earlier requests with the same document collected
// (documentFields).
type collectedFields struct {
	mu sync.Mutex
	// The first types' fields are kept apart: most requests (the check,
	// a small lookup) collect two or three, and need no map.
	firstKeys [3]collectedKey
	first     [3][]graphql.CollectedField
	fields    map[collectedKey][]graphql.CollectedField
	// doc is the operation's document's shared fields, once looked up;
	// nil when the document has directives.
	doc    *documentFields
	looked bool
}

type collectedKey struct {
	selection    *ast.Selection // the selection set's first element, in the operation's document
	length       int
	implementors *string // the type's generated implementors list
}

// collect answers as graphql.CollectFields(oc, sel, implementors).
// (A method of the cache, not of the execution context: gqlgen type-checks
// this package before cmd/execpatch adds the cache to the context.)
func (c *collectedFields) collect(oc *graphql.OperationContext, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	if len(sel) == 0 || len(implementors) == 0 {
		return graphql.CollectFields(oc, sel, implementors)
	}
	key := collectedKey{selection: &sel[0], length: len(sel), implementors: &implementors[0]}
	c.mu.Lock()
	if !c.looked {
		c.doc, c.looked = documentFieldsOf(oc.Doc), true
	}
	doc := c.doc
	fields, ok := c.lookup(key)
	c.mu.Unlock()
	if ok {
		return fields
	}
	if doc != nil {
		return doc.collect(oc, key, sel, implementors)
	}
	fields = graphql.CollectFields(oc, sel, implementors)
	if fields == nil {
		fields = []graphql.CollectedField{} // remembered as collected, not as absent
	}
	c.mu.Lock()
	c.remember(key, fields)
	c.mu.Unlock()
	return fields
}

// documentFields are the fields collected from one parsed document
// without directives, for every request that runs it: without @skip,
// @include or @defer, what graphql.CollectFields collects depends on the
// selection set, the type and the document's fragments, not on the
// variables. gqlgen's query cache gives every request with the same text
// the same document, so the same addresses (collectedKey). Collecting
// them once per document instead of once per request took 2–3 % of the
// server's time off the access check.
type documentFields struct {
	fields sync.Map // collectedKey → []graphql.CollectedField
}

func (d *documentFields) collect(oc *graphql.OperationContext, key collectedKey, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	if fields, ok := d.fields.Load(key); ok {
		return fields.([]graphql.CollectedField)
	}
	fields := graphql.CollectFields(oc, sel, implementors)
	if fields == nil {
		fields = []graphql.CollectedField{}
	}
	got, _ := d.fields.LoadOrStore(key, fields)
	return got.([]graphql.CollectedField)
}

// ParsedDocuments is how many parsed documents the server keeps
// (gqlgen's query cache), and how many documents' fields are shared.
const ParsedDocuments = 1000

// parsedDocuments holds the shared fields of the documents seen last, a nil
// entry for one with directives. A document evicted from gqlgen's cache
// and parsed again is a new one, with new addresses: it starts afresh,
// and the old one is dropped here in its turn.
var parsedDocuments = func() *lru.Cache[*ast.QueryDocument, *documentFields] {
	c, err := lru.New[*ast.QueryDocument, *documentFields](ParsedDocuments)
	if err != nil {
		panic(err)
	}
	return c
}()

// documentFieldsOf returns doc's shared fields, or nil when doc has a
// directive anywhere in its operations and fragments.
func documentFieldsOf(doc *ast.QueryDocument) *documentFields {
	if doc == nil {
		return nil
	}
	if d, ok := parsedDocuments.Get(doc); ok {
		return d
	}
	var d *documentFields
	if !hasDirectives(doc) {
		d = &documentFields{}
	}
	if prev, ok, _ := parsedDocuments.PeekOrAdd(doc, d); ok {
		return prev // another request added it first
	}
	return d
}

// hasDirectives tells whether a field, fragment spread or inline
// fragment of doc carries a directive.
func hasDirectives(doc *ast.QueryDocument) bool {
	var in func(ast.SelectionSet) bool
	in = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if len(s.Directives) > 0 || in(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if len(s.Directives) > 0 || in(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if len(s.Directives) > 0 {
					return true
				}
			}
		}
		return false
	}
	for _, op := range doc.Operations {
		if in(op.SelectionSet) {
			return true
		}
	}
	for _, f := range doc.Fragments {
		if len(f.Directives) > 0 || in(f.SelectionSet) {
			return true
		}
	}
	return false
}

func (c *collectedFields) lookup(key collectedKey) ([]graphql.CollectedField, bool) {
	for i := range c.first {
		if c.first[i] != nil && c.firstKeys[i] == key {
			return c.first[i], true
		}
	}
	fields, ok := c.fields[key]
	return fields, ok
}

// remember keeps fields for key unless another goroutine already has.
func (c *collectedFields) remember(key collectedKey, fields []graphql.CollectedField) {
	if _, ok := c.lookup(key); ok {
		return
	}
	for i := range c.first {
		if c.first[i] == nil {
			c.firstKeys[i], c.first[i] = key, fields
			return
		}
	}
	if c.fields == nil {
		c.fields = make(map[collectedKey][]graphql.CollectedField)
	}
	c.fields[key] = fields
}

// fieldSet is gqlgen's graphql.FieldSet for an object's fields, with the
// fields to resolve concurrently (ent edges, resolvers) run as a list's
// elements are: in the object's goroutine, one after the other, until
// spreadAfter has passed, then on goroutines of their own, instead of
// gqlgen's goroutine for every one but the first, and without its two
// closures and a slice growth for each. cmd/execpatch makes every object
// use it; the deferred fields of a @defer fragment, and the root fields,
// still go through the embedded graphql.FieldSet.
type fieldSet struct {
	*graphql.FieldSet
	fields  []graphql.CollectedField
	delayed *delayedFields
}

type delayedFields struct {
	tasks
	ctx      context.Context
	oc       *graphql.OperationContext
	values   []graphql.Marshaler
	invalids *uint32
	fields   []delayedField
	first    [2]delayedField // fields' room for most objects' (an edge or two)
}

type delayedField struct {
	i                int
	recoverFromPanic bool
	nonNull          bool
	resolve          func(ctx context.Context) graphql.Marshaler
}

func newFieldSet(fields []graphql.CollectedField) fieldSet {
	return fieldSet{FieldSet: graphql.NewFieldSet(fields), fields: fields}
}

// ResolveConcurrently schedules field i as graphql.FieldSet's
// ResolveConcurrently does: a deferred one on the deferred group's field
// set, any other to run at Dispatch.
func (f *fieldSet) ResolveConcurrently(oc *graphql.OperationContext, deferred *graphql.DeferredGroup, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	if f.fields[i].IsDeferred() {
		f.FieldSet.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	if f.delayed == nil {
		f.delayed = &delayedFields{oc: oc}
		f.delayed.fields = f.delayed.first[:0]
	}
	f.delayed.fields = append(f.delayed.fields, delayedField{i: i, recoverFromPanic: recoverFromPanic, nonNull: nonNull, resolve: resolve})
}

// Dispatch resolves the scheduled fields, and then the embedded field
// set's (the root fields), and returns when all are resolved.
func (f *fieldSet) Dispatch(ctx context.Context) {
	if d := f.delayed; d != nil {
		d.ctx, d.n, d.runner = ctx, len(d.fields), d
		d.values, d.invalids = f.Values, &f.Invalids
		d.runAll()
	}
	f.FieldSet.Dispatch(ctx)
}

// runTask resolves the k-th scheduled field and counts it against the
// object when it is the field's invalid result, as graphql.FieldSet does.
func (d *delayedFields) runTask(k int) {
	df := &d.fields[k]
	v := d.resolve(df)
	d.values[df.i] = v
	if v == invalidResult(df.nonNull) {
		atomic.AddUint32(d.invalids, 1)
	}
}

// resolve runs a field's resolver; a panic is the field's error and null
// when the field recovers from panics, as in gqlgen's recoverToNull.
func (d *delayedFields) resolve(df *delayedField) (res graphql.Marshaler) {
	if df.recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				d.oc.Error(d.ctx, d.oc.Recover(d.ctx, r))
				res = graphql.Null
			}
		}()
	}
	return df.resolve(d.ctx)
}

// invalidResult is the value that, resolved for a field, makes its object
// invalid: Null for a non-null field, RequiredNull for a nullable one
// (never produced, as in gqlgen).
func invalidResult(nonNull bool) graphql.Marshaler {
	if nonNull {
		return graphql.Null
	}
	return graphql.RequiredNull
}
