package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"kundportal/internal/apperr"
)

// The media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// graphQLOverHTTP applies the parts of the GraphQL-over-HTTP
// specification that gqlgen leaves open, before and after it:
//
//   - only GET and POST: 405 with Allow otherwise;
//   - the response's media type from Accept with its q-values: a request
//     without Accept, or accepting anything, gets application/json; one
//     that accepts neither application/json nor
//     application/graphql-response+json gets 406;
//   - under application/json a request that fails to parse or validate
//     is answered with 200 (gqlgen uses 422), under
//     application/graphql-response+json with 400 and no data (gqlgen's).
func graphQLOverHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeError(w, http.StatusMethodNotAllowed, apperr.CodeBadRequest, "send GraphQL requests with GET (queries) or POST")
			return
		}
		media, ok := negotiate(r.Header.Values("Accept"))
		if !ok {
			writeError(w, http.StatusNotAcceptable, apperr.CodeBadRequest,
				"accept "+mediaGraphQLResponse+" or "+mediaJSON)
			return
		}
		if len(r.Header["Accept"]) > 0 { // without Accept, both transports answer application/json
			r.Header.Set("Accept", media)
		}
		if media == mediaJSON {
			w = &jsonStatus{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

// negotiate picks the response media type from Accept headers: the
// supported type with the highest q-value, application/graphql-response+json
// winning a tie; wildcards and no header at all mean application/json, as
// the specification asks of servers during its transition period.
func negotiate(accept []string) (string, bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	best, bestQ := "", 0.0
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			if q == 0 {
				continue
			}
			var candidate string
			switch mt {
			case mediaGraphQLResponse:
				candidate = mediaGraphQLResponse
			case mediaJSON, "application/*", "*/*":
				candidate = mediaJSON
			default:
				continue
			}
			if q > bestQ || (q == bestQ && candidate == mediaGraphQLResponse) {
				best, bestQ = candidate, q
			}
		}
	}
	return best, best != ""
}

// jsonStatus turns gqlgen's 422 for a request that does not parse or
// validate into the 200 that GraphQL over HTTP asks for under
// application/json; the body still carries the errors and no data.
type jsonStatus struct{ http.ResponseWriter }

func (j *jsonStatus) WriteHeader(status int) {
	if status == http.StatusUnprocessableEntity {
		status = http.StatusOK
	}
	j.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (j *jsonStatus) Unwrap() http.ResponseWriter { return j.ResponseWriter }
