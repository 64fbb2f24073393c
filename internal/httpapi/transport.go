package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
)

// paramsKey carries the operation checkRequest decoded from a POST body.
type paramsKey struct{}

// decodeParams decodes a POST body as gqlgen's POST transport does
// (numbers kept as json.Number), requiring one JSON value and nothing
// after it.
func decodeParams(body []byte) (*graphql.RawParams, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p graphql.RawParams
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return &p, nil
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
	_, ok := r.Context().Value(paramsKey{}).(*graphql.RawParams)
	return r.Method == http.MethodPost && ok
}

// Do implements graphql.Transport.
func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()
	params := ctx.Value(paramsKey{}).(*graphql.RawParams)
	// graphQLOverHTTP has put the negotiated media type in Accept.
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

// withParams returns r carrying the decoded operation for postTransport.
func withParams(r *http.Request, p *graphql.RawParams) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), paramsKey{}, p))
}
