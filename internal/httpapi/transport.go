package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeParams decodes a POST body as gqlgen's POST transport does,
// numbers kept as json.Number, requiring one JSON value and nothing
// after it. It uses encoding/json/v2 (Go 1.27's, in the module that
// mirrors it for older toolchains), which reads a body in about half
// the time of encoding/json's Decoder and is stricter where a body is
// ambiguous: a duplicate member name or invalid UTF-8 is a syntax error,
// and member names match exactly ("query", not "Query").
func decodeParams(body []byte) (*graphql.RawParams, error) {
	var p graphql.RawParams
	if err := jsonv2.Unmarshal(body, &p, numbersAsJSONNumber); err != nil {
		return nil, err
	}
	return &p, nil
}

// numbersAsJSONNumber decodes a number in an untyped value (a variable)
// as json.Number, as encoding/json's Decoder.UseNumber does, so that a
// large integer keeps its digits for gqlgen's coercion.
var numbersAsJSONNumber = jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
	if dec.PeekKind() != '0' {
		return errors.ErrUnsupported // not a number: decoded as usual
	}
	n, err := dec.ReadValue()
	if err != nil {
		return err
	}
	*v = json.Number(n)
	return nil
}))

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
	start := graphql.Now()
	params := exchangeFrom(ctx).params
	// graphQLOverHTTP has put the negotiated media type in Accept, or
	// left it out for application/json.
	media := r.Header.Get("Accept")
	if media != mediaGraphQLResponse {
		media = mediaJSON
	}
	w.Header().Set("Content-Type", media)
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

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
