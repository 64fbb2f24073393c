package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
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

// A body is one JSON object; numbers in variables stay json.Number, as
// gqlgen's own transport decodes them.
func TestParamsAreDecodedOnceAsGqlgenDecodesThem(t *testing.T) {
	p, err := decodeParams([]byte(`{"query":"q","operationName":"o","variables":{"n":12345678901234567890}}`))
	if err != nil || p.Query != "q" || p.OperationName != "o" {
		t.Fatalf("%+v, %v", p, err)
	}
	if n, ok := p.Variables["n"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Fatalf("variables: %#v", p.Variables)
	}
	for _, bad := range []string{`{"query":"q"} {"query":"r"}`, `{"query":"q"`, ``, `{"query":"q"}x`} {
		if _, err := decodeParams([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
