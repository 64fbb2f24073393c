package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	jsonv2 "github.com/go-json-experiment/json"
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
		if _, err := decodeParams([]byte(bad)); !notJSON(err) {
			t.Errorf("%q: %v, want a syntax error", bad, err)
		}
	}
	for _, wrong := range []string{`{"query":1}`, `[]`, `null`, `"q"`, `{"query":"q","variables":[1]}`, `{"query":"q","extensions":"x"}`, `{"operationName":{}}`} {
		if _, err := decodeParams([]byte(wrong)); !errors.Is(err, errShape) {
			t.Errorf("%q: %v, want an error of shape", wrong, err)
		}
	}
}

// Every body encoding/json reads, decodeParams reads to the same value.
func TestParamsAreDecodedAsEncodingJSONDecodesThem(t *testing.T) {
	for _, body := range []string{
		`{"query":"q"}`,
		`{"query":"query($o: String!) { accessCheck(input: {serviceCode: \"SVC01\", orgNumber: $o}) { result } }","variables":{"o":"5564445556"}}`,
		`{"query":null,"operationName":null,"variables":null,"extensions":null}`,
		` { "query" : "q\u00e5\n" , "variables" : { } , "extensions" : {"persistedQuery":{"version":1,"sha256Hash":"ab"}} } `,
		`{"query":"q","variables":{"a":[],"b":[1,-2.5e3,{"c":[true,false,null]}],"d":{},"e":"\"","f":12345678901234567890}}`,
		`{"other":[1,{"x":"y"}],"query":"q","more":null}`,
	} {
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		dec.UseNumber()
		var want graphql.RawParams
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("%s: encoding/json: %v", body, err)
		}
		got, err := decodeParams([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", body, *got, want)
		}
	}
}

// Whatever decodeParams accepts, encoding/json/v2 reads to the same
// value, numbers as json.Number (encoding/json's Decoder too, but for
// what v2 and decodeParams read more strictly: duplicate names, invalid
// UTF-8, names matched regardless of case). The seeds run with every go
// test; go test -fuzz FuzzParamsDecodeAsEncodingJSON looks for more.
func FuzzParamsDecodeAsEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"query":"q","variables":{"a":[1,{"b":null}],"c":"\u00e5"}}`,
		`{"query":"q","operationName":"o","extensions":{"persistedQuery":{"version":1}}}`,
		`{"query":"q"} `, `{"x":{"query":1},"query":"q"}`, `[]`, `{"query":"q","query":"r"}`, `{"Query":"q"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeParams(body)
		if err != nil {
			return
		}
		var want graphql.RawParams
		if err := jsonv2.Unmarshal(body, &want, jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
			if dec.PeekKind() != '0' {
				return errors.ErrUnsupported
			}
			n, err := dec.ReadValue()
			*v = json.Number(n)
			return err
		}))); err != nil {
			t.Fatalf("%q: decodeParams accepted what encoding/json/v2 refuses: %v", body, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", body, *got, want)
		}
	})
}
