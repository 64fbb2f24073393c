// Package graphiql serves the GraphiQL IDE with all of its JavaScript and CSS
// embedded in the binary, so the IDE keeps working on networks without
// internet access and never pulls code from a third-party CDN into a page that
// handles users' bearer tokens.
//
// The vendored files and how to update them are described in assets/README.md.
package graphiql

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// assetPrefix is an absolute path rather than one relative to the mount
// point because the page references the assets by absolute URL; the handler
// therefore has to be mounted at the server root.
const assetPrefix = "/graphiql/"

// Only the files listed here are embedded, so README.md and anything else
// dropped into assets/ by accident never ends up in the binary. The licence
// files are embedded on purpose: MIT requires the notice to ship with copies.
//
//go:embed assets/graphiql.min.js assets/graphiql.min.css
//go:embed assets/react.production.min.js assets/react-dom.production.min.js
//go:embed assets/LICENSE.graphiql assets/LICENSE.react assets/LICENSE.react-dom
var assetFS embed.FS

// assetTypes pins the Content-Type of every served file instead of relying on
// mime.TypeByExtension, whose answer depends on the host's mime.types and
// would let a misconfigured container serve JavaScript that nosniff-enforcing
// browsers refuse to execute.
var assetTypes = map[string]string{
	"react.production.min.js":     "text/javascript; charset=utf-8",
	"react-dom.production.min.js": "text/javascript; charset=utf-8",
	"graphiql.min.js":             "text/javascript; charset=utf-8",
	"graphiql.min.css":            "text/css; charset=utf-8",
	"LICENSE.graphiql":            "text/plain; charset=utf-8",
	"LICENSE.react":               "text/plain; charset=utf-8",
	"LICENSE.react-dom":           "text/plain; charset=utf-8",
}

type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets is built once at start-up so requests only do a map lookup, and so
// a file missing from the embed list fails every test instead of a request in
// production.
var assets = loadAssets()

func loadAssets() map[string]asset {
	m := make(map[string]asset, len(assetTypes))
	for name, ctype := range assetTypes {
		body, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic("graphiql: embedded asset missing: " + name)
		}
		// embed.FS reports a zero ModTime, so http.ServeContent cannot
		// emit Last-Modified; a content hash gives clients a validator to
		// revalidate with once max-age runs out.
		sum := sha256.Sum256(body)
		m[name] = asset{
			body:        body,
			contentType: ctype,
			etag:        `"` + hex.EncodeToString(sum[:16]) + `"`,
		}
	}
	return m
}

// pageTemplate keeps every dynamic value out of the inline script: the
// endpoint travels in an HTML attribute, where html/template's escaping is
// exact and the value reads back verbatim through dataset, instead of being
// spliced into JavaScript source.
var pageTemplate = template.Must(template.New("graphiql").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<style>
html, body { height: 100%; margin: 0; overflow: hidden; }
#graphiql { height: 100vh; }
</style>
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}">Loading GraphiQL…</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script nonce="{{.Nonce}}">
(function () {
  var el = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({ url: el.dataset.endpoint });
  ReactDOM.createRoot(el).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: 'headers',
    // Empty means anonymous; paste "Bearer <token>" (see the README) to
    // sign in. A placeholder value would be refused as a bad token.
    defaultHeaders: JSON.stringify({ Authorization: '' }, null, 2)
  }));
})();
</script>
</body>
</html>
`))

type pageData struct {
	Title    string
	Endpoint string
	Nonce    string
}

// Handler returns the GraphiQL IDE: the page at "/" and its embedded assets
// under "/graphiql/"; every other path is a 404 so that, mounted as the
// catch-all "/" pattern of a ServeMux, it does not mask typos in API routes.
//
// title is shown in the browser tab. endpoint is the URL the IDE sends
// queries to; it must be same-origin (for example "/query"), because the
// page's Content-Security-Policy restricts connect-src to 'self'.
func Handler(title, endpoint string) http.Handler {
	return &handler{title: title, endpoint: endpoint}
}

type handler struct {
	title    string
	endpoint string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path != "/" && !strings.HasPrefix(path, assetPrefix) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if path == "/" {
		h.servePage(w, r)
		return
	}
	serveAsset(w, r, strings.TrimPrefix(path, assetPrefix))
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	// A fresh nonce per response is what makes the nonce worth anything: an
	// attacker who can inject markup cannot predict it.
	nonce := rand.Text()

	// Render into a buffer first so a template failure becomes a clean 500
	// rather than a half-written page with a 200 status.
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, pageData{Title: h.title, Endpoint: h.endpoint, Nonce: nonce}); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}

	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	hdr.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	// The page embeds a single-use nonce; a cached copy would replay it.
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// contentSecurityPolicy denies by default and opens only what GraphiQL needs:
// style-src must allow 'unsafe-inline' (and must not carry the nonce, which
// would make browsers ignore 'unsafe-inline') because GraphiQL and CodeMirror
// set inline styles at runtime, and the bundled CSS inlines its fonts and
// images as data: URLs.
func contentSecurityPolicy(nonce string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' 'nonce-" + nonce + "'",
		"style-src 'self' 'unsafe-inline'",
		"connect-src 'self'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	// Looking the name up in a fixed map (rather than handing the path to
	// http.FileServer) rules out directory listings and path tricks.
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=86400")
	hdr.Set("X-Content-Type-Options", "nosniff")
	// ServeContent compares this ETag with If-None-Match / If-Range.
	hdr.Set("ETag", a.etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
