// Package web serves the emulator's browser pages: the SDK simulator page
// under /sdk/ (sim.go: the SDK token flows, completed by hand) and the
// emulated eKYC verification page under /reflect/:
// the page a user's browser opens from the VerificationURL
// (<base>/reflect/?token=<BizToken>) that ApplyWebVerificationBizTokenIntl
// returns, and that finally sends the user back to the merchant's
// RedirectURL with ?token=<BizToken>.
//
// The page follows the session's Config: a start page (unless
// AutoSkipStartPage), a privacy agreement to accept (unless
// SkipPrivacyPolicy), a document step for CheckMode 1 and 4, and the
// liveness step, which shows what the real page asks for (SecurityLevel,
// ActionList, LivenessTimeout) and lets the tester choose the outcome of the
// attempt (outcome-<ErrorCode> buttons), or, for a scripted session, plays
// the scenario's next attempt. A failed attempt with attempts left offers a
// retry; the result page shows the final code and a Next link to the
// merchant (with AutoSkip, a pass redirects at once).
//
// The whole flow works without JavaScript: every step is a form POST to
// /reflect/step answered with 303 to the next GET (post/redirect/get), so any
// HTTP client can complete it. The current step travels in the query
// (?token=T&step=privacy) and is used only to navigate; every decision is
// taken by the faceid session API. Scripts can skip the pages with the
// outcome shortcut, GET /reflect/?token=T&outcome=<ErrorCode>, answered with
// 302 to the RedirectURL.
//
// Everything is embedded: templates, the stylesheet, a small script (an
// optional camera preview and a double-submit guard) and the translations
// of the five page languages. Pages carry a strict Content-Security-Policy
// and no inline script or style; ThemeColor reaches the page through a
// generated stylesheet under /reflect/assets/.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
)

//go:embed templates/page.html templates/sim.html assets/app.css assets/app.js i18n.json
var files embed.FS

// Paths served by the handler.
const (
	pagePath   = "/reflect/"
	stepPath   = "/reflect/step"
	assetsPath = "/reflect/assets/"
	// maxForm bounds a step form (a token, a step and a code).
	maxForm = 8 << 10
)

// Config configures the page handler.
type Config struct {
	// Service owns the web flow's sessions; the verification page uses
	// only its session API.
	Service *faceid.Service
	// Hub is the flow-neutral session API the SDK simulator page uses.
	Hub *flow.Hub
	// Logger receives page events at debug level; nil = discard.
	Logger *slog.Logger
}

// asset is an embedded static file.
type asset struct {
	body  []byte
	ctype string
	// version is a content hash appended to the asset's URL (?v=) so that
	// it can be cached for a long time.
	version string
}

type handler struct {
	svc    *faceid.Service
	hub    *flow.Hub
	langs  language.Matcher
	csrf   *http.CrossOriginProtection
	log    *slog.Logger
	tmpl   *template.Template
	tr     translations
	assets map[string]asset
	// version identifies this build of the assets (theme stylesheets are
	// generated, so they carry it too).
	version string
}

// New returns the handler of every path under /reflect. It panics when the
// embedded files are broken, which is a build defect.
func New(cfg Config) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{svc: cfg.Service, hub: cfg.Hub, log: log, assets: map[string]asset{},
		langs: newLanguageMatcher(), csrf: http.NewCrossOriginProtection()}
	data, err := files.ReadFile("i18n.json")
	if err != nil {
		panic(err)
	}
	if h.tr, err = loadTranslations(data); err != nil {
		panic(err)
	}
	all := sha256.New()
	for _, name := range []string{"app.css", "app.js"} {
		body, err := fs.ReadFile(files, "assets/"+name)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		all.Write(sum[:])
		h.assets[name] = asset{body: body, ctype: mime.TypeByExtension(path.Ext(name)), version: hex.EncodeToString(sum[:6])}
	}
	h.version = hex.EncodeToString(all.Sum(nil)[:6])
	h.tmpl = template.Must(template.New("page.html").ParseFS(files, "templates/page.html", "templates/sim.html"))
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/reflect":
		// Relative links on the page need the trailing slash.
		w.Header().Set("Location", "reflect/"+query(r))
		w.WriteHeader(http.StatusMovedPermanently)
	case p == pagePath:
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		h.page(w, r)
	case p == stepPath:
		if !allow(w, r, http.MethodPost) {
			return
		}
		h.step(w, r)
	case strings.HasPrefix(p, assetsPath):
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		h.asset(w, r, strings.TrimPrefix(p, assetsPath))
	case p == strings.TrimSuffix(simPath, "/"):
		w.Header().Set("Location", strings.TrimPrefix(simPath, "/")+query(r))
		w.WriteHeader(http.StatusMovedPermanently)
	case p == simPath && h.hub != nil:
		if !allow(w, r, http.MethodGet, http.MethodHead, http.MethodPost) {
			return
		}
		h.simulator(w, r)
	case strings.HasPrefix(p, simAssetsPath):
		// The simulator page's relative asset links: the same files.
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		h.asset(w, r, strings.TrimPrefix(p, simAssetsPath))
	default:
		h.renderError(w, r, http.StatusNotFound, "notfound")
	}
}

// query is the request's "?query", or "".
func query(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// allow answers 405 unless the request uses one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

// asset serves app.css, app.js and the generated theme-<rrggbb>.css.
func (h *handler) asset(w http.ResponseWriter, r *http.Request, name string) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if a, ok := h.assets[name]; ok {
		hdr.Set("Content-Type", a.ctype)
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
		hdr.Set("ETag", `"`+a.version+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
		return
	}
	if key, ok := strings.CutPrefix(name, "theme-"); ok {
		if key, ok = strings.CutSuffix(key, ".css"); ok {
			if _, valid := parseColour(key); valid && key == strings.ToLower(key) {
				// Generated by this build's code: cached for a day only.
				hdr.Set("Content-Type", "text/css; charset=utf-8")
				hdr.Set("Cache-Control", "public, max-age=86400")
				http.ServeContent(w, r, name, time.Time{}, strings.NewReader(newTheme("#"+key).css()))
				return
			}
		}
	}
	hdr.Set("Cache-Control", "no-store")
	http.NotFound(w, r)
}

// assetURL is the page-relative URL of an asset (the page lives at
// /reflect/, so this works behind a path prefix too).
func (h *handler) assetURL(name string) string {
	return "assets/" + name + "?v=" + h.assets[name].version
}

func (h *handler) themeURL(colour string) string {
	return "assets/theme-" + themeKey(colour) + ".css?v=" + h.version
}

// securityHeaders are sent with every page. formTarget is the origin of the
// RedirectURL ("" when there is no session): our own step handler may
// answer a form POST with a redirect there (AutoSkip), and browsers check
// form-action on redirects.
func securityHeaders(w http.ResponseWriter, formTarget string) {
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action "+formAction+"; script-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
}

// seeOther answers a step POST with 303 to another step of the page. The
// Location is relative to /reflect/step, so it stays under a path prefix.
func seeOther(w http.ResponseWriter, token, step string, extra ...string) {
	loc := "./?token=" + urlQueryEscape(token)
	if step != "" {
		loc += "&step=" + step
	}
	for i := 0; i+1 < len(extra); i += 2 {
		loc += "&" + extra[i] + "=" + urlQueryEscape(extra[i+1])
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// toMerchant redirects to the RedirectURL with the token (302). It reports
// false, writing nothing, when the stored URL is unusable.
func toMerchant(w http.ResponseWriter, redirectURL, token string) bool {
	target, ok := redirectTarget(redirectURL, token)
	if !ok {
		return false
	}
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusFound)
	return true
}

// parseCode parses a result code from a form or query value.
func parseCode(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// isUnknownCode reports an error of the session API about a code the
// catalogue does not have.
func isUnknownCode(err error) bool { return errors.Is(err, faceid.ErrUnknownCode) }
