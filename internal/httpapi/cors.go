package httpapi

import (
	"net/http"
	"time"

	"github.com/rs/cors"
)

// CORS is the cross-origin policy for browser SPAs (docs/http.md): only
// the listed origins get the Access-Control-Allow-* headers, with
// credentials (the Authorization header) allowed; every other origin gets
// none, so the browser keeps its pages out. Preflight answers are cached
// by the browser for MaxAge.
type CORS struct {
	// AllowedOrigins are exact origins, e.g. https://portal.example.se;
	// none turns CORS off.
	AllowedOrigins []string
	MaxAge         time.Duration
}

// wrap applies the policy to the handler, or returns it as it is when no
// origin is listed.
func (c CORS) wrap(next http.Handler) http.Handler {
	if len(c.AllowedOrigins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:   c.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id", "Retry-After", "WWW-Authenticate"},
		AllowCredentials: true,
		MaxAge:           int(c.MaxAge.Seconds()),
	}).Handler(next)
}
