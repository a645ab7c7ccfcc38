package control

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
)

// The dashboard is one server-rendered page (html/template, so every value
// is escaped) that a small embedded script refreshes every 2 s from the
// JSON API. It loads nothing from elsewhere: the Content-Security-Policy is
// default-src 'self', with no inline script or style.

//go:embed ui
var uiFiles embed.FS

// Dashboard limits: the page shows the newest sessions and requests only.
const (
	uiSessionLimit = 100
	uiRequestLimit = 200
)

const uiCookieName = "faceid_emulator_admin"

const uiCSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

type dashboard struct {
	page   *template.Template
	login  *template.Template
	assets map[string]uiAsset
}

type uiAsset struct {
	contentType string
	body        []byte
}

var uiFuncs = template.FuncMap{
	"hms": func(t time.Time) string { return t.UTC().Format("15:04:05") },
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"short": func(s string) string {
		r := []rune(s)
		if len(r) > 8 {
			return string(r[:8]) + "…"
		}
		return s
	},
	// secret shortens a SecretId to its start and end ("AKID…000001"):
	// they all start with AKID, the end tells them apart.
	"secret": func(s string) string {
		r := []rune(s)
		if len(r) > 12 {
			return string(r[:4]) + "…" + string(r[len(r)-6:])
		}
		return s
	},
	"ms":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"join": strings.Join,
	"webURL": func(s string) string {
		// Only http(s) links; anything else is shown as text.
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/") {
			return s
		}
		return ""
	},
	"hasDetails": func(r api.Record) bool {
		return r.Diagnostics != nil || r.Message != "" || len(r.Notes) > 0 || r.Fault != ""
	},
}

func loadDashboard() *dashboard {
	d := &dashboard{
		page:   template.Must(template.New("index.html").Funcs(uiFuncs).ParseFS(uiFiles, "ui/index.html")),
		login:  template.Must(template.New("login.html").Funcs(uiFuncs).ParseFS(uiFiles, "ui/login.html")),
		assets: map[string]uiAsset{},
	}
	for name, ct := range map[string]string{
		"dashboard.js":  "text/javascript; charset=utf-8",
		"dashboard.css": "text/css; charset=utf-8",
		"favicon.svg":   "image/svg+xml",
	} {
		body, err := uiFiles.ReadFile("ui/" + name)
		if err != nil {
			panic(err)
		}
		d.assets[name] = uiAsset{contentType: ct, body: body}
	}
	return d
}

func (h *Handler) routeDashboard() {
	h.ui = loadDashboard()
	r := h.router
	toUI := func(w http.ResponseWriter, req *http.Request, _ httprouter.Params) {
		http.Redirect(w, req, Prefix+"/ui", http.StatusFound)
	}
	r.GET(Prefix, toUI)
	r.GET(Prefix+"/", toUI)
	r.GET(Prefix+"/ui/", toUI)
	r.GET(Prefix+"/ui", h.uiPage)
	r.POST(Prefix+"/ui", h.uiLogin)
	for name := range h.ui.assets {
		r.GET(Prefix+"/ui/"+name, h.uiAsset(name))
	}
}

// cookieValue is what the dashboard cookie holds: a hash of the admin
// token, so the cookie jar never holds the token itself.
func (h *Handler) cookieValue() string {
	sum := sha256.Sum256([]byte("faceid-emulator dashboard v1\x00" + h.cfg.AdminToken))
	return hex.EncodeToString(sum[:])
}

func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", uiCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
}

func (h *Handler) uiAsset(name string) httprouter.Handle {
	a := h.ui.assets[name]
	return func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
		securityHeaders(w)
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(a.body)
	}
}

// uiQuery keeps the dashboard's own query parameters (secretId) and drops
// the token.
func uiQuery(q url.Values) string {
	keep := url.Values{}
	if s := q.Get("secretId"); s != "" {
		keep.Set("secretId", s)
	}
	if len(keep) == 0 {
		return ""
	}
	return "?" + keep.Encode()
}

// grant sets the dashboard cookie and redirects to the page without the
// token in its address.
func (h *Handler) grant(w http.ResponseWriter, r *http.Request, q url.Values) {
	http.SetCookie(w, &http.Cookie{
		Name:     uiCookieName,
		Value:    h.cookieValue(),
		Path:     Prefix,
		HttpOnly: true,
		Secure:   r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
		SameSite: http.SameSiteStrictMode,
	})
	securityHeaders(w)
	http.Redirect(w, r, Prefix+"/ui"+uiQuery(q), http.StatusSeeOther)
}

func (h *Handler) uiPage(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	if h.cfg.AdminToken != "" {
		if tok := q.Get("token"); tok != "" {
			if constantTimeEqual(tok, h.cfg.AdminToken) {
				h.grant(w, r, q)
				return
			}
			h.loginPage(w, q, "That admin token is wrong.")
			return
		}
		if !h.authorized(r) {
			h.loginPage(w, q, "")
			return
		}
	}
	h.renderPage(w, r)
}

func (h *Handler) uiLogin(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		h.loginPage(w, r.URL.Query(), "The form could not be read.")
		return
	}
	if h.cfg.AdminToken == "" {
		http.Redirect(w, r, Prefix+"/ui"+uiQuery(r.Form), http.StatusSeeOther)
		return
	}
	if !constantTimeEqual(r.PostForm.Get("token"), h.cfg.AdminToken) {
		h.loginPage(w, r.Form, "That admin token is wrong.")
		return
	}
	h.grant(w, r, r.Form)
}

func (h *Handler) loginPage(w http.ResponseWriter, q url.Values, problem string) {
	var buf bytes.Buffer
	data := map[string]any{"Problem": problem, "SecretID": q.Get("secretId"), "Version": h.cfg.Version}
	if err := h.ui.login.Execute(&buf, data); err != nil {
		h.cfg.Logger.Error("dashboard login template", "err", err)
		writeError(w, http.StatusInternalServerError, "dashboard template failed")
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write(buf.Bytes())
}

// uiData is what index.html renders; the script renders the same from the
// JSON API afterwards.
type uiData struct {
	Version       string
	SecretID      string
	Clock         ClockJSON
	Sessions      []uiSession // newest first
	SessionsTotal int
	Requests      []api.Record // newest first
	RequestsTotal int
	Capacity      int
	Scenarios     []ScenarioJSON
	Protected     bool
	SessionLimit  int
	RequestLimit  int
}

// uiSession is a session as the dashboard's table shows it: the fields of
// a flow's rendering the table has columns for, read from its JSON, so that
// a flow whose rendering lacks some (Attempts, VerificationURL...) shows
// with those cells empty instead of failing the template.
type uiSession struct {
	Flow            string
	Token           string
	SecretId        string
	State           string
	Scenario        string
	ScenarioReason  string
	VerificationURL string
	// SimulatorURL is an SDK flow's simulator page (set by the hub).
	SimulatorURL string
	CreatedAt    time.Time
	Result       *uiResult
	// Description is the text of a bare Result code (SDK flows).
	Description string
	Attempts    []json.RawMessage
}

// uiResult is a session's result: the web flow's {"ErrorCode","ErrorMsg"},
// or a bare code another flow may render.
type uiResult struct {
	ErrorCode any
	ErrorMsg  string
}

func (r *uiResult) UnmarshalJSON(data []byte) error {
	var obj struct {
		ErrorCode any
		ErrorMsg  string
	}
	if err := json.Unmarshal(data, &obj); err == nil {
		*r = obj
		return nil
	}
	return json.Unmarshal(data, &r.ErrorCode)
}

func uiSessions(list []any) []uiSession {
	out := make([]uiSession, 0, len(list))
	for _, v := range list {
		var u uiSession
		data, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(data, &u)
		}
		if err == nil {
			if u.Result != nil && u.Result.ErrorMsg == "" {
				u.Result.ErrorMsg = u.Description
			}
			out = append(out, u)
		}
	}
	return out
}

func (h *Handler) renderPage(w http.ResponseWriter, r *http.Request) {
	secretID := r.URL.Query().Get("secretId")
	sessions, sTotal, _ := h.Sessions(SessionFilter{SecretID: secretID, Limit: uiSessionLimit}, api.RequestBase(r))
	reqs, rTotal := h.Requests(RequestFilter{SecretID: secretID, Limit: uiRequestLimit})
	slices.Reverse(sessions)
	slices.Reverse(reqs)
	data := uiData{
		Version: h.cfg.Version, SecretID: secretID, Clock: h.Clock(),
		Sessions: uiSessions(sessions), SessionsTotal: sTotal,
		Requests: reqs, RequestsTotal: rTotal, Capacity: h.cfg.Journal.Cap(),
		Scenarios: h.Scenarios(), Protected: h.cfg.AdminToken != "",
		SessionLimit: uiSessionLimit, RequestLimit: uiRequestLimit,
	}
	var buf bytes.Buffer
	if err := h.ui.page.Execute(&buf, data); err != nil {
		h.cfg.Logger.Error("dashboard template", "err", err)
		writeError(w, http.StatusInternalServerError, "dashboard template failed")
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
