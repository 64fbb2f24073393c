package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The committed executor is rewritten through and through.
func TestTheCommittedExecutorIsPatched(t *testing.T) {
	src, err := os.ReadFile("../../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, left := range []string{eager, objectEnd, "graphql.MarshalSliceConcurrently(", collect, contextType, indexStart, gqlgenFieldSet, inputCopy + inputOrder, inputLookup} {
		if bytes.Contains(src, []byte(left)) {
			t.Errorf("graph/generated.go still has %q: run make generate", left)
		}
	}
	if m := resolveField.Find(src); m != nil {
		t.Errorf("graph/generated.go still resolves a plain field through graphql.ResolveField: run make generate\n%s", m)
	}
	if n, m := bytes.Count(src, []byte(lazy)), bytes.Count(src, []byte(pathProcess)); n == 0 || n != m {
		t.Errorf("%d lazy groups but %d set their path before processing", n, m)
	}
}

// executor is a small executor as gqlgen v0.17.98 generates it: one
// object, whose fields are a struct field with an infallible marshaller,
// one with a fallible marshaller, and a method that can fail, and a list.
const executor = `
type executionContext struct {
	*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]
}

func (e *executableSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	ec := newExecutionContext(opCtx, e, make(chan graphql.DeferredResult))
	inputUnmarshalers := func() *graphql.InputUnmarshalerIndex {
		return graphql.NewInputUnmarshalerIndex(
			graphql.NewInputUnmarshaler("CustomerWhereInput", ec.unmarshalInputCustomerWhereInput),
		)
	}
	first := true
	_ = first
	return func(ctx context.Context) *graphql.Response {
		ctx = graphql.WithLazyInputUnmarshalerIndex(ctx, inputUnmarshalers)
		return nil
	}
}

func (ec *executionContext) unmarshalInputCustomerWhereInput(ctx context.Context, obj any) (ent.CustomerWhereInput, error) {
	var it ent.CustomerWhereInput
	if obj == nil {
		return it, nil
	}

	asMap := map[string]any{}
	for k, v := range obj.(map[string]any) {
		asMap[k] = v
	}

	fieldsInOrder := [...]string{"name", "nameNEQ"}
	for _, k := range fieldsInOrder {
		v, ok := asMap[k]
		if !ok {
			continue
		}
		switch k {
		case "name":
			ctx := graphql.WithPathContext(ctx, graphql.NewPathWithField("name"))
			data, err := ec.unmarshalOString2ᚖstring(ctx, v)
			if err != nil {
				return it, err
			}
			it.Name = data
		}
	}
	return it, nil
}

func (ec *executionContext) unmarshalInputCustomerOrder(ctx context.Context, obj any) (ent.CustomerOrder, error) {
	var it ent.CustomerOrder
	if obj == nil {
		return it, nil
	}

	asMap := map[string]any{}
	for k, v := range obj.(map[string]any) {
		asMap[k] = v
	}

	if _, present := asMap["direction"]; !present {
		asMap["direction"] = "ASC"
	}

	fieldsInOrder := [...]string{"direction"}
	for _, k := range fieldsInOrder {
		v, ok := asMap[k]
		if !ok {
			continue
		}
		switch k {
		case "direction":
			ctx := graphql.WithPathContext(ctx, graphql.NewPathWithField("direction"))
			data, err := ec.unmarshalNOrderDirection2entgoᚗioᚋcontribᚋentgqlᚐOrderDirection(ctx, v)
			if err != nil {
				return it, err
			}
			it.Direction = data
		}
	}
	return it, nil
}

func (ec *executionContext) _Customer(ctx context.Context, sel ast.SelectionSet, obj *ent.Customer) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, customerImplementors)

	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	if n := len(deferred.Defers); n > 0 {
		ec.ProcessDeferredGroup(deferred)
	}

	return out
}
` + fieldFunc + `
func (ec *executionContext) _Customer_createdAt(ctx context.Context, field graphql.CollectedField, obj *ent.Customer) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Customer_createdAt(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.CreatedAt, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v time.Time) graphql.Marshaler {
			return ec.marshalNTime2timeᚐTime(ctx, selections, v)
		},
		true,
		true,
	)
}
func (ec *executionContext) _Customer_category(ctx context.Context, field graphql.CollectedField, obj *ent.Customer) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Customer_category(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Category(ctx)
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v *ent.CustomerCategory) graphql.Marshaler {
			return ec.marshalOCustomerCategory2ᚖkundportalᚋentᚐCustomerCategory(ctx, selections, v)
		},
		true,
		false,
	)
}

func (ec *executionContext) marshalNString2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalString(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "String!")
	}
	return res
}

func (ec *executionContext) marshalNTime2timeᚐTime(ctx context.Context, sel ast.SelectionSet, v time.Time) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalTime(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "Time!")
	}
	return res
}

func (ec *executionContext) marshalOCustomerCategory2ᚖkundportalᚋentᚐCustomerCategory(ctx context.Context, sel ast.SelectionSet, v *ent.CustomerCategory) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return ec._CustomerCategory(ctx, sel, v)
}

func (ec *executionContext) marshalOCustomer2ᚕᚖkundportalᚋentᚐCustomerᚄ(ctx context.Context, sel ast.SelectionSet, v []*ent.Customer) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec.marshalNCustomer2ᚖkundportalᚋentᚐCustomer(ctx, sel, v[i])
	})
	return ret
}
`

const fieldFunc = `
func (ec *executionContext) _Customer_name(ctx context.Context, field graphql.CollectedField, obj *ent.Customer) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Customer_name(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Name, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNString2string(ctx, selections, v)
		},
		true,
		true,
	)
}
`

func TestTheExecutorIsPatchedAsDocumented(t *testing.T) {
	out, err := patch([]byte(executor))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		lazy, pathProcess, written, list, cachedType, collectOnObj, indexShared, ownFieldSet,
		// One index for all requests.
		"var inputUnmarshalerIndex = builtOnce(func() *graphql.InputUnmarshalerIndex {\n\tec := &executionContext{}\n\treturn graphql.NewInputUnmarshalerIndex(\n\t\tgraphql.NewInputUnmarshaler(\"CustomerWhereInput\", ec.unmarshalInputCustomerWhereInput),\n\t)\n})\n",
		// The struct field with an infallible marshaller is marshalled straight away.
		"obj *ent.Customer) (ret graphql.Marshaler) {\n\treturn ec.marshalNString2string(ctx, field.Selections, obj.Name)\n}\n",
		// The fallible one keeps its field context, to report a null on its path.
		"\tfc, err := ec.fieldContext_Customer_createdAt(ctx, field)\n",
		"\tres := obj.CreatedAt\n\tif any(res) == nil {\n\t\treturn plainFieldNull(ctx, fc, true)\n\t}\n\tfc.Result = res\n\treturn ec.marshalNTime2timeᚐTime(ctx, field.Selections, res)\n",
		// The method keeps its error, answered as ResolveField answers it.
		"\tresTmp, err := ec.ResolverMiddleware(ctx, func(rctx context.Context) (any, error) {\n\t\tctx = rctx // use context from middleware stack in children\n\t\treturn obj.Category(rctx)\n\t})\n\tif err != nil {\n\t\treturn plainFieldError(ctx, ec.OperationContext, fc, err, false)\n\t}\n",
		"\tres, ok := resTmp.(*ent.CustomerCategory)\n",
		"\t\tif r := recover(); r != nil {\n",
		// An input without defaults is read in place; one with them still copies.
		"(ent.CustomerWhereInput, error) {\n\tvar it ent.CustomerWhereInput\n\tif obj == nil {\n\t\treturn it, nil\n\t}\n\n" + inputInPlace + inputOrder,
		inputCopy + inputDefault + "\"direction\"]; !present {\n",
		// Both stop looking once every member is read.
		inputUntilAll,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the patched executor lacks\n%s\nin\n%s", want, got)
		}
	}
	if n := strings.Count(got, inputUntilAll); n != 2 {
		t.Errorf("%d of 2 inputs stop looking once every member is read:\n%s", n, got)
	}
	if strings.Contains(got, "graphql.ResolveField(") {
		t.Errorf("a plain field still resolves through graphql.ResolveField:\n%s", got)
	}
}

func TestTheRewritesRefuseAnExecutorTheyDoNotRecognise(t *testing.T) {
	patched, err := patch([]byte(executor))
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{
		"patched already":                            string(patched),
		"groups processed another way":               strings.Replace(executor, process, "ec.Process(deferred)", 1),
		"a plain field's marshaller missing":         strings.Replace(executor, "func (ec *executionContext) marshalNString2string(", "func (ec *executionContext) marshalString(", 1),
		"no plain field in the template's form":      strings.ReplaceAll(executor, "graphql.ResolveField(", "graphql.Resolve("),
		"an object written another way":              strings.Replace(executor, objectEnd, "\n\treturn out.Marshal()\n}\n", 1),
		"a list with a worker limit":                 strings.Replace(executor, "len(v), 0, false,", "len(v), 4, false,", 1),
		"the execution context declared another way": strings.Replace(executor, "ComplexityRoot]\n}", "ComplexityRoot]\n\tx int\n}", 1),
		"the input index built another way":          strings.Replace(executor, "inputUnmarshalers := func()", "inputUnmarshalers = func()", 1),
		"an unmarshaler reading its context":         strings.Replace(executor, "\tvar it ent.CustomerWhereInput\n", "\tvar it ent.CustomerWhereInput\n\t_ = ec.OperationContext\n", 1),
		"a field set made another way":               strings.Replace(executor, gqlgenFieldSet, "\tout := graphql.NewFieldSet(fields, 1)\n", 1),
		"an unmarshaler handing its context on":      strings.Replace(executor, "(ctx, v)\n", "(ctx, v)\n\tuse(ec)\n", 1),
		"an input copied another way":                strings.Replace(executor, "\t\tasMap[k] = v\n", "\t\tasMap[k] = copyValue(v)\n", 1),
		"an input looked up another way":             strings.Replace(executor, "\t\tv, ok := asMap[k]\n", "\t\tv, ok := lookup(asMap, k)\n", 1),
	} {
		if _, err := patch([]byte(src)); err == nil {
			t.Errorf("%s: patched", name)
		}
	}
}
