package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"kundportal/ent"
	"kundportal/internal/access"
	"kundportal/internal/apperr"
	"kundportal/internal/auth"
	"kundportal/internal/database"
	"kundportal/internal/partnerkeys"
)

// authenticate establishes the viewer of a /query request from its
// Authorization header: "Bearer <JWT>" for people and staff, "ApiKey
// <key>" for partners, nothing for anonymous callers. Bad credentials are
// refused with 401 before GraphQL runs; they never fall back to anonymous.
func authenticate(client *ent.Client, tokens *auth.TokenVerifier, keys *partnerkeys.Verifier, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := identify(ctx, r.Header.Get("Authorization"), tokens, keys)
		var v *access.Viewer
		if err == nil {
			id.Address = clientAddress(r)
			v, err = access.Resolve(ctx, client, id)
		}
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code == apperr.CodeUnauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer realm="kundportal", ApiKey realm="kundportal"`)
				writeError(w, http.StatusUnauthorized, e.Code, e.Message)
				return
			}
			if database.Unreachable(err) {
				logger.WarnContext(ctx, "authentication failed: database unreachable", "error", err)
				writeError(w, http.StatusServiceUnavailable, apperr.CodeUnavailable, unavailable(err).Message)
				return
			}
			logger.ErrorContext(ctx, "authentication failed", "error", err)
			writeError(w, http.StatusInternalServerError, apperr.CodeInternal, "internal error; quote request id "+RequestID(ctx))
			return
		}
		ctx = access.NewContext(auth.NewContext(ctx, id), v)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// clientAddress is the IP address of the peer that sent r. Behind a
// proxy it is the proxy's; the server does not trust forwarded headers.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func identify(ctx context.Context, header string, tokens *auth.TokenVerifier, keys *partnerkeys.Verifier) (auth.Identity, error) {
	if header == "" {
		return auth.Identity{Kind: auth.Anonymous}, nil
	}
	scheme, credential, _ := strings.Cut(header, " ")
	credential = strings.TrimSpace(credential)
	switch {
	case credential == "":
		return auth.Identity{}, apperr.New(apperr.CodeUnauthenticated, "the Authorization header has no credential")
	case strings.EqualFold(scheme, "Bearer") && tokens != nil:
		return tokens.Verify(ctx, credential)
	case strings.EqualFold(scheme, "ApiKey"):
		return keys.Verify(ctx, credential)
	default:
		return auth.Identity{}, apperr.New(apperr.CodeUnauthenticated, "use Authorization: Bearer <token> or ApiKey <key>")
	}
}
