package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The response is written byte for byte as json.Marshal writes it, for
// every shape a response takes.
func TestResponsesAreWrittenAsJSONMarshalWritesThem(t *testing.T) {
	yes := true
	for name, rsp := range map[string]*graphql.Response{
		"data":                   {Data: json.RawMessage(`{"customers":{"totalCount":3,"name":"Åre \u00e5"}}`)},
		"no data":                {},
		"errors and null data":   {Errors: gqlerror.List{{Message: "nej", Path: ast.Path{ast.PathName("a"), ast.PathIndex(1)}, Extensions: map[string]any{"code": "NOT_FOUND"}}}, Data: json.RawMessage(`null`)},
		"errors, data, ext":      {Errors: gqlerror.List{{Message: "x"}}, Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		"incremental (fallback)": {Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
	} {
		want, err := json.Marshal(rsp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		writeResponse(&got, rsp)
		if got.String() != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got.String(), want)
		}
	}
}

// A body is one JSON object; numbers in variables stay json.Number, at
// any depth, as gqlgen's own transport decodes them. A body that could
// be read two ways (a member twice, invalid UTF-8) is a syntax error.
func TestParamsAreDecodedOnceAsGqlgenDecodesThem(t *testing.T) {
	p, err := decodeParams([]byte(`{"query":"q","operationName":"o","variables":{"n":12345678901234567890,"in":[{"q":2.5}],"s":"1"}}`))
	if err != nil || p.Query != "q" || p.OperationName != "o" {
		t.Fatalf("%+v, %v", p, err)
	}
	if n, ok := p.Variables["n"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Fatalf("variables: %#v", p.Variables)
	}
	in, _ := p.Variables["in"].([]any)
	if len(in) != 1 || in[0].(map[string]any)["q"] != json.Number("2.5") || p.Variables["s"] != "1" {
		t.Fatalf("nested variables: %#v", p.Variables)
	}
	for _, bad := range []string{`{"query":"q"} {"query":"r"}`, `{"query":"q"`, ``, `{"query":"q"}x`,
		`{"query":"q","query":"r"}`, `{"query":"q","variables":{"a":1,"a":2}}`, "{\"query\":\"\xff\"}"} {
		var syntax *jsontext.SyntacticError
		if _, err := decodeParams([]byte(bad)); !errors.As(err, &syntax) {
			t.Errorf("%q: %v, want a syntax error", bad, err)
		}
	}
	for _, wrong := range []string{`{"query":1}`, `[]`, `{"query":"q","variables":[1]}`} {
		var syntax *jsontext.SyntacticError
		if _, err := decodeParams([]byte(wrong)); err == nil || errors.As(err, &syntax) {
			t.Errorf("%q: %v, want an error of shape", wrong, err)
		}
	}
}
