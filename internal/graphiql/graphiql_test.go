package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	testTitle    = "Kundportal GraphQL"
	testEndpoint = "/query"
)

var (
	scriptTagRe   = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	linkTagRe     = regexp.MustCompile(`(?is)<link\b([^>]*)>`)
	srcAttrRe     = regexp.MustCompile(`(?i)\bsrc\s*=\s*"([^"]*)"`)
	hrefAttrRe    = regexp.MustCompile(`(?i)\bhref\s*=\s*"([^"]*)"`)
	nonceAttrRe   = regexp.MustCompile(`(?i)\bnonce\s*=\s*"([^"]*)"`)
	urlAttrRe     = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`)
	absoluteURLRe = regexp.MustCompile(`(?i)https?://`)
)

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

func getPage(t *testing.T, h http.Handler) (*http.Response, string) {
	t.Helper()
	resp := do(t, h, http.MethodGet, "/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", resp.StatusCode)
	}
	return resp, body(t, resp)
}

// pageAssetURLs returns every URL the page loads via <script src> or <link href>.
func pageAssetURLs(t *testing.T, page string) []string {
	t.Helper()
	var urls []string
	for _, m := range scriptTagRe.FindAllStringSubmatch(page, -1) {
		if s := srcAttrRe.FindStringSubmatch(m[1]); s != nil {
			urls = append(urls, s[1])
		}
	}
	for _, m := range linkTagRe.FindAllStringSubmatch(page, -1) {
		if s := hrefAttrRe.FindStringSubmatch(m[1]); s != nil {
			urls = append(urls, s[1])
		}
	}
	return urls
}

// inlineScript returns the nonce and body of the single inline script.
func inlineScript(t *testing.T, page string) (nonce, code string) {
	t.Helper()
	var found int
	for _, m := range scriptTagRe.FindAllStringSubmatch(page, -1) {
		if srcAttrRe.MatchString(m[1]) {
			continue
		}
		found++
		n := nonceAttrRe.FindStringSubmatch(m[1])
		if n == nil || n[1] == "" {
			t.Fatalf("inline script without nonce: %q", m[0])
		}
		nonce, code = n[1], m[2]
	}
	if found != 1 {
		t.Fatalf("found %d inline scripts, want 1", found)
	}
	return nonce, code
}

func TestPage(t *testing.T) {
	resp, page := getPage(t, Handler(testTitle, testEndpoint))

	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if !strings.Contains(page, `data-endpoint="`+testEndpoint+`"`) {
		t.Errorf("page does not carry endpoint %q", testEndpoint)
	}
	if !strings.Contains(page, "<title>"+testTitle+"</title>") {
		t.Errorf("page does not carry title %q", testTitle)
	}
	for _, want := range []string{
		"GraphiQL.createFetcher(",
		"isHeadersEditorEnabled: true",
		"shouldPersistHeaders: true",
		"defaultHeaders:",
		"Authorization: ''",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, cdn := range []string{"unpkg", "jsdelivr", "cdnjs", "googleapis", "cloudflare"} {
		if strings.Contains(strings.ToLower(page), cdn) {
			t.Errorf("page mentions CDN %q", cdn)
		}
	}
	if loc := absoluteURLRe.FindStringIndex(page); loc != nil {
		t.Errorf("page contains an absolute URL near %q", page[loc[0]:min(len(page), loc[1]+40)])
	}
	if strings.Contains(page, `="//`) {
		t.Error("page contains a protocol-relative URL")
	}
	for _, m := range urlAttrRe.FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], assetPrefix) {
			t.Errorf("page references %q outside %s", m[1], assetPrefix)
		}
	}
	want := []string{
		"/graphiql/react.production.min.js",
		"/graphiql/react-dom.production.min.js",
		"/graphiql/graphiql.min.js",
		"/graphiql/graphiql.min.css",
	}
	got := pageAssetURLs(t, page)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("page does not load %s (loads %v)", w, got)
		}
	}
	_, code := inlineScript(t, page)
	if strings.Contains(code, "//") {
		t.Errorf("inline script contains '//' (URL or comment): %s", code)
	}
}

func TestPageSecurityHeaders(t *testing.T) {
	resp, page := getPage(t, Handler(testTitle, testEndpoint))

	nonce, _ := inlineScript(t, page)
	csp := resp.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	wantDirectives := map[string]string{
		"default-src": "'none'",
		"script-src":  "'self' 'nonce-" + nonce + "'",
		"style-src":   "'self' 'unsafe-inline'",
		"connect-src": "'self'",
	}
	for name, want := range wantDirectives {
		if got := directives[name]; got != want {
			t.Errorf("CSP %s = %q, want %q (full CSP %q)", name, got, want, csp)
		}
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestPageNonceIsFreshPerResponse(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	_, p1 := getPage(t, h)
	_, p2 := getPage(t, h)
	n1, _ := inlineScript(t, p1)
	n2, _ := inlineScript(t, p2)
	if n1 == n2 {
		t.Errorf("two responses share nonce %q", n1)
	}
	if len(n1) < 22 { // 128 bits in base32/base64
		t.Errorf("nonce %q is too short", n1)
	}
}

func TestPageEscapesValues(t *testing.T) {
	h := Handler(`</title><script>alert(1)</script>`, `/q"><script>alert(2)</script>`)
	_, page := getPage(t, h)
	if strings.Contains(page, "<script>alert") {
		t.Errorf("unescaped markup in page:\n%s", page)
	}
	if !strings.Contains(page, "&lt;/title&gt;") {
		t.Errorf("title not HTML-escaped:\n%s", page)
	}
}

func TestPageHEAD(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	_, page := getPage(t, h)

	resp := do(t, h, http.MethodHead, "/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD / status = %d, want 200", resp.StatusCode)
	}
	if b := body(t, resp); b != "" {
		t.Errorf("HEAD / returned a body of %d bytes", len(b))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("HEAD Content-Type = %q, want text/html", ct)
	}
	// Same template, same-length nonce, so the length must match a GET.
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(page)) {
		t.Errorf("HEAD Content-Length = %s, want %d", cl, len(page))
	}
}

func TestReferencedAssetsAreServed(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	_, page := getPage(t, h)

	urls := pageAssetURLs(t, page)
	if len(urls) == 0 {
		t.Fatal("page references no assets")
	}
	for _, u := range urls {
		t.Run(u, func(t *testing.T) {
			resp := do(t, h, http.MethodGet, u, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			if b := body(t, resp); len(b) == 0 {
				t.Error("empty body")
			}
			ct := resp.Header.Get("Content-Type")
			switch {
			case strings.HasSuffix(u, ".js"):
				if !strings.Contains(ct, "javascript") {
					t.Errorf("Content-Type = %q, want javascript", ct)
				}
			case strings.HasSuffix(u, ".css"):
				if !strings.HasPrefix(ct, "text/css") {
					t.Errorf("Content-Type = %q, want text/css", ct)
				}
			default:
				t.Errorf("unexpected asset type %q", u)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=86400" {
				t.Errorf("Cache-Control = %q", cc)
			}
			if xcto := resp.Header.Get("X-Content-Type-Options"); xcto != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", xcto)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			resp = do(t, h, http.MethodGet, u, map[string]string{"If-None-Match": etag})
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("conditional GET status = %d, want 304", resp.StatusCode)
			}
		})
	}
}

func TestReactAssetsKeepLicenseHeader(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	for _, u := range []string{"/graphiql/react.production.min.js", "/graphiql/react-dom.production.min.js"} {
		if b := body(t, do(t, h, http.MethodGet, u, nil)); !strings.HasPrefix(b, "/**\n * @license React") {
			t.Errorf("%s lost its licence header", u)
		}
	}
	for _, u := range []string{"/graphiql/LICENSE.graphiql", "/graphiql/LICENSE.react", "/graphiql/LICENSE.react-dom"} {
		resp := do(t, h, http.MethodGet, u, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body(t, resp), "MIT License") {
			t.Errorf("%s: status %d or missing MIT text", u, resp.StatusCode)
		}
	}
}

func TestUnknownPathsAreNotFound(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	for _, p := range []string{
		"/nope",
		"/index.html",
		"/query",
		"/graphiql",
		"/graphiql/",
		"/graphiql/nope.js",
		"/graphiql/README.md",
		"/graphiql/assets/graphiql.min.js",
		"/graphiql/graphiql.min.js.map",
		"/graphiql/../graphiql.go",
	} {
		if resp := do(t, h, http.MethodGet, p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s status = %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestNonReadMethodsRejected(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	for _, p := range []string{"/", "/graphiql/graphiql.min.js"} {
		resp := do(t, h, http.MethodPost, p, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s status = %d, want 405", p, resp.StatusCode)
		}
		if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("POST %s Allow = %q", p, allow)
		}
	}
}

// TestMountedAtRoot checks the arrangement the server uses: the IDE as the
// catch-all "/" pattern next to more specific API routes.
func TestMountedAtRoot(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", Handler(testTitle, testEndpoint))
	mux.HandleFunc("POST /query", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"data":null}`)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp, body(t, resp)
	}

	if resp, b := get("/"); resp.StatusCode != http.StatusOK || !strings.Contains(b, "graphiql.min.js") {
		t.Errorf("GET / = %d, want GraphiQL page", resp.StatusCode)
	}
	if resp, b := get("/healthz"); resp.StatusCode != http.StatusOK || b != "ok" {
		t.Errorf("GET /healthz = %d %q, want the health handler", resp.StatusCode, b)
	}
	if resp, _ := get("/graphiql/graphiql.min.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /graphiql/graphiql.min.css = %d", resp.StatusCode)
	}
	if resp, _ := get("/does-not-exist"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /does-not-exist = %d, want 404", resp.StatusCode)
	}
	resp, err := srv.Client().Post(srv.URL+"/query", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /query = %d, want the API handler", resp.StatusCode)
	}
}
