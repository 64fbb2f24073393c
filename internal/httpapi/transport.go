package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeParams decodes a POST body as gqlgen's POST transport does, with
// numbers in variables kept as json.Number, requiring one JSON object and
// nothing after it. It reads the body's tokens with jsontext, the
// tokenizer of Go 1.27's encoding/json/v2 (in the module that mirrors it
// for older toolchains), which checks the syntax and refuses what could
// be read two ways: a member named twice, invalid UTF-8. Names match
// exactly ("query", not "Query"). Reading tokens into the four members
// takes under half the time of encoding/json's reflection, which was
// the largest part of a partner's access check after the network.
//
// A body that is not JSON is an error notJSON recognises; JSON of
// another shape is errShape.
func decodeParams(body []byte) (*graphql.RawParams, error) {
	d := decoders.Get().(*bodyDecoder)
	defer d.put()
	d.body.Write(body) // the pool's decoders are empty
	dec := &d.dec
	dec.Reset(&d.body) // parsed in the buffer, not copied again
	var p graphql.RawParams
	if dec.PeekKind() != '{' {
		if err := dec.SkipValue(); err != nil {
			return nil, err
		}
		return nil, errShape
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		switch name.String() {
		case "query":
			p.Query, err = readString(dec)
		case "operationName":
			p.OperationName, err = readString(dec)
		case "variables":
			p.Variables, err = readObject(dec)
		case "extensions":
			p.Extensions, err = readObject(dec)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return nil, err
		}
	}
	if _, err := dec.ReadToken(); err != nil { // the object's end
		return nil, err
	}
	switch _, err := dec.ReadToken(); {
	case err == nil:
		return nil, &jsontext.SyntacticError{ByteOffset: dec.InputOffset(), Err: errors.New("a value after the request object")}
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	return &p, nil
}

// bodyDecoder is a tokenizer with its buffer, kept for the next body:
// a new one costs more than reading a small body.
type bodyDecoder struct {
	body bytes.Buffer
	dec  jsontext.Decoder
}

var decoders = sync.Pool{New: func() any { return new(bodyDecoder) }}

// put returns d to the pool, its buffer cleared (a body may carry
// personal numbers), unless a large body grew it.
func (d *bodyDecoder) put() {
	if d.body.Cap() > 64<<10 {
		return
	}
	d.body.Reset()
	b := d.body.AvailableBuffer()
	clear(b[:cap(b)])
	d.dec.Reset(&d.body)
	decoders.Put(d)
}

// notJSON tells whether decodeParams refused a body for not being JSON.
func notJSON(err error) bool {
	var syntax *jsontext.SyntacticError
	return errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// errShape is a body that is JSON but not an object whose query and
// operationName are strings and whose variables and extensions are
// objects (each may be null).
var errShape = errors.New("the request body is not a GraphQL request object")

// readString reads a string, or null as "".
func readString(dec *jsontext.Decoder) (string, error) {
	switch dec.PeekKind() {
	case '"', 'n':
		t, err := dec.ReadToken()
		if err != nil || t.Kind() == 'n' {
			return "", err
		}
		return t.String(), nil
	}
	if err := dec.SkipValue(); err != nil {
		return "", err
	}
	return "", errShape
}

// readObject reads an object as map[string]any, or null as nil.
func readObject(dec *jsontext.Decoder) (map[string]any, error) {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return nil, err
	case '{':
		v, err := readValue(dec)
		m, _ := v.(map[string]any)
		return m, err
	}
	if err := dec.SkipValue(); err != nil {
		return nil, err
	}
	return nil, errShape
}

// readValue reads any JSON value as encoding/json decodes one into an
// any with UseNumber: objects as map[string]any, arrays as []any,
// numbers as json.Number (a large integer keeps its digits for gqlgen's
// coercion), strings, booleans and nil.
func readValue(dec *jsontext.Decoder) (any, error) {
	switch dec.PeekKind() {
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for dec.PeekKind() == '"' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			if m[name.String()], err = readValue(dec); err != nil {
				return nil, err
			}
		}
		_, err := dec.ReadToken()
		return m, err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		a := []any{}
		for k := dec.PeekKind(); k != ']' && k != 0; k = dec.PeekKind() {
			v, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.ReadToken()
		return a, err
	}
	t, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch t.Kind() {
	case '0':
		return json.Number(t.String()), nil
	case '"':
		return t.String(), nil
	case 't', 'f':
		return t.Bool(), nil
	default: // null; a '}' or ']' out of place is a syntax error ReadToken reports
		return nil, nil
	}
}

// postTransport is gqlgen's POST transport without its two costs per
// request that add nothing here: it takes the operation checkRequest
// already decoded instead of reading and decoding the body again, and
// writes the response's data as the executor produced it instead of
// through json.Marshal, which scans and compacts a raw message once
// more (on a nested page that was a tenth of the request's CPU). The
// statuses are gqlgen's; graphQLOverHTTP adapts them to the media type.
type postTransport struct{}

var _ graphql.Transport = postTransport{}

// Supports implements graphql.Transport.
func (postTransport) Supports(r *http.Request) bool {
	x := exchangeFrom(r.Context())
	return r.Method == http.MethodPost && x != nil && x.params != nil
}

// Do implements graphql.Transport.
func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	params := exchangeFrom(ctx).params
	// graphQLOverHTTP has put the negotiated media type in Accept, or
	// left it out for application/json.
	media := r.Header.Get("Accept")
	if media != mediaGraphQLResponse {
		media = mediaJSON
	}
	w.Header().Set("Content-Type", media)
	params.Headers = r.Header
	// params.ReadTime stays zero: checkRequest read the body, and only
	// gqlgen's Apollo tracing extensions, which this server does not use,
	// would read the time (two clock readings a request).

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if media == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// writeResponse writes rsp as json.Marshal would, with its data copied
// as it is; the incremental-delivery fields, which a POST response never
// has, are left to json.Marshal.
func writeResponse(w io.Writer, rsp *graphql.Response) {
	if rsp.Label != "" || rsp.Path != nil || rsp.HasNext != nil {
		b, err := json.Marshal(rsp)
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(b)
		return
	}
	var buf bytes.Buffer
	buf.Grow(len(rsp.Data) + 64)
	buf.WriteByte('{')
	if len(rsp.Errors) > 0 {
		errs, err := json.Marshal(rsp.Errors)
		if err != nil {
			panic(err)
		}
		buf.WriteString(`"errors":`)
		buf.Write(errs)
		buf.WriteByte(',')
	}
	buf.WriteString(`"data":`)
	if len(rsp.Data) == 0 {
		buf.WriteString("null")
	} else {
		buf.Write(rsp.Data)
	}
	if len(rsp.Extensions) > 0 {
		ext, err := json.Marshal(rsp.Extensions)
		if err != nil {
			panic(err)
		}
		buf.WriteString(`,"extensions":`)
		buf.Write(ext)
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}
