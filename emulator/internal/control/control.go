// Package control is the emulator's /_emulator API: health and readiness,
// sessions (inspect, complete, script), namespaced reset, the movable
// clock, the request journal with signature diagnostics, the loaded
// scenarios and the dashboard. It drives the sessions of every flow only
// through the flow.Hub. The typed operations (Handler.Session, Complete, Reset...) are
// shared by the routes and by package emulator's Go API.
//
// Routes (JSON unless noted; errors are {"error":{"status":n,"message":"..."}}):
//
//	GET    /_emulator/health                      (and HEAD) always 200 {"status":"ok","version":...}
//	GET    /_emulator/ready                       (and HEAD) 200 {"status":"ready","scenarios":n}, 503 {"status":"starting"}
//	GET    /_emulator/sessions                    ?secretId= ?flow= ?state=pending|completed|expired ?limit=N ?offset=N
//	GET    /_emulator/sessions/{token}            ?secretId= (404 for a session of another namespace)
//	POST   /_emulator/sessions/{token}/complete   the flow's body; web: {"ErrorCode":n,"Similarity":x} | {"Scenario":"name"} | empty
//	PUT    /_emulator/sessions/{token}/scenario   {"Scenario":"name"} | {"Inline":{...}} | {"ErrorCode":n,"Similarity":x}
//	POST   /_emulator/reset                       ?secretId= (one namespace; none = everything and the clock)
//	GET    /_emulator/clock
//	POST   /_emulator/clock                       {"advance":"11m"} | {"set":"2026-01-02T15:04:05Z"} | {"reset":true}
//	GET    /_emulator/requests                    ?secretId= ?action= ?token= (or ?bizToken=) ?signature= ?errorCode= ?limit=N ?offset=N
//	DELETE /_emulator/requests                    ?secretId=
//	GET    /_emulator/scenarios                   ?full=1 for the whole definitions, ?limit=N ?offset=N
//	GET    /_emulator/secrets/{SecretId}/scenario the SecretId's default scenario chosen at run time
//	PUT    /_emulator/secrets/{SecretId}/scenario {"Scenario":"name"} | {"Scenario":""} (back to the files' choice)
//	GET    /_emulator/metrics                     Prometheus text format 0.0.4
//	GET    /_emulator/ui                          the dashboard (HTML)
//
// List routes page: limit 1-1000 (default 100; 1000 for scenarios), offset
// skips the newest matches (the first names for scenarios); a page lists
// the newest matches oldest first and says so in Order, with NextOffset for
// the next, older page.
//
// # Admin token
//
// With Config.AdminToken set, every route but health, ready and the
// dashboard's static files needs "Authorization: Bearer <token>" and
// answers 401 without it. A browser cannot send that header when it opens
// the dashboard, so the dashboard page also accepts the token once: open
// /_emulator/ui?token=<token> (or submit the form the page shows when the
// token is missing). The page then sets an HttpOnly, SameSite=Strict cookie
// scoped to /_emulator holding a hash of the token (never the token itself)
// and redirects to /_emulator/ui, removing the token from the address bar
// and history. The cookie is accepted for GET requests only: the dashboard
// only reads, and every route that changes state still needs the bearer
// header, so another site (or another port of the same host, which
// SameSite treats as the same site) cannot reset or complete sessions
// through a user's browser.
//
// # Cross-origin requests
//
// Without an admin token a bearer header protects nothing, so every POST,
// PUT and DELETE also refuses, with 403, a browser request from another
// origin: an Origin header naming another host than the one the request
// came to (or its X-Forwarded-Host, or Config.PublicURL's host), or
// Sec-Fetch-Site: cross-site. Config.AllowedOrigins lists more origins ("*"
// for all). Requests without those headers (SDKs, curl, test code) pass.
package control

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Prefix is where the control API lives.
const Prefix = "/_emulator"

// maxControlBody bounds control request bodies (an inline scenario is small).
const maxControlBody = 1 << 20

// Config configures the control API.
type Config struct {
	// Hub keeps the sessions of every flow.
	Hub     *flow.Hub
	Journal *Journal
	// Clock is the clock token lifetimes see; the clock routes move it.
	Clock *clock.Offset
	// Scenarios returns the current scenario set.
	Scenarios func() *scenarios.Set
	// Ready reports that a listener serves the emulator.
	Ready func() bool
	// Secrets chooses SecretIds' default scenarios at run time (nil: the
	// routes answer 404).
	Secrets SecretScenarios
	// AdminToken, when set, is required as a Bearer token on every route
	// but health and ready (see the package doc for the dashboard).
	AdminToken string
	// PublicURL is the browser-facing base for links, "" = from the request.
	PublicURL string
	// AllowedOrigins are the browser origins (scheme://host[:port]) besides
	// the emulator's own that may call the state-changing routes; "*" lets
	// every origin through.
	AllowedOrigins []string
	// Metrics serves GET /_emulator/metrics (nil = no such route).
	Metrics http.Handler
	// Webhooks serves the webhook delivery routes (nil = no such routes).
	Webhooks Webhooks
	Version  string
	Logger   *slog.Logger
}

// Handler serves the control API.
type Handler struct {
	cfg    Config
	router *httprouter.Router
	ui     *dashboard
	// allowedOrigins (lower case), anyOrigin and publicHost decide which
	// browser origins may change state (origin.go).
	allowedOrigins map[string]bool
	anyOrigin      bool
	publicHost     string
}

// New returns the control API handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Journal == nil {
		cfg.Journal = NewJournal(0)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.NewOffset(nil)
	}
	h := &Handler{cfg: cfg, router: httprouter.New()}
	h.setAllowedOrigins(cfg.AllowedOrigins)
	r := h.router
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "no such control route")
	})
	r.GET(Prefix+"/health", h.health)
	r.GET(Prefix+"/ready", h.ready)
	r.HEAD(Prefix+"/health", h.health)
	r.HEAD(Prefix+"/ready", h.ready)
	r.GET(Prefix+"/sessions", h.admin(h.listSessions))
	r.GET(Prefix+"/sessions/:token", h.admin(h.getSession))
	r.POST(Prefix+"/sessions/:token/complete", h.admin(h.complete))
	r.PUT(Prefix+"/sessions/:token/scenario", h.admin(h.setScenario))
	r.POST(Prefix+"/reset", h.admin(h.reset))
	r.GET(Prefix+"/clock", h.admin(h.getClock))
	r.POST(Prefix+"/clock", h.admin(h.setClock))
	r.GET(Prefix+"/requests", h.admin(h.listRequests))
	r.DELETE(Prefix+"/requests", h.admin(h.clearRequests))
	r.GET(Prefix+"/scenarios", h.admin(h.listScenarios))
	if cfg.Metrics != nil {
		r.GET(Prefix+"/metrics", h.admin(func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
			cfg.Metrics.ServeHTTP(w, r)
		}))
	}
	h.routeSecrets(r)
	h.routeWebhooks(r)
	h.routeDashboard()
	return h
}

// ServeHTTP implements http.Handler. State-changing requests from another
// browser origin are refused before routing (origin.go).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if why := h.crossOrigin(r); why != "" {
		writeError(w, http.StatusForbidden, why+" may not change the emulator's state; "+
			"allow the origin with EMULATOR_ALLOWED_ORIGINS (--allowed-origins)")
		return
	}
	h.router.ServeHTTP(w, r)
}

// Handle adds a route.
func (h *Handler) Handle(method, path string, fn httprouter.Handle, protected bool) {
	if protected {
		fn = h.admin(fn)
	}
	h.router.Handle(method, path, fn)
}

// authorized reports whether r carries the admin token: the bearer header,
// or for GET and HEAD the dashboard cookie.
func (h *Handler) authorized(r *http.Request) bool {
	if h.cfg.AdminToken == "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		if constantTimeEqual(strings.TrimSpace(tok), h.cfg.AdminToken) {
			return true
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if c, err := r.Cookie(uiCookieName); err == nil && constantTimeEqual(c.Value, h.cookieValue()) {
			return true
		}
	}
	return false
}

// admin wraps a route with the optional admin-token check.
func (h *Handler) admin(fn httprouter.Handle) httprouter.Handle {
	if h.cfg.AdminToken == "" {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if !h.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="faceid-emulator"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong admin token (Authorization: Bearer <EMULATOR_ADMIN_TOKEN>)")
			return
		}
		fn(w, r, ps)
	}
}

// HealthJSON is the answer of GET /_emulator/health.
type HealthJSON struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

func (h *Handler) health(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, HealthJSON{Status: "ok", Version: h.cfg.Version})
}

// ReadyJSON is the answer of GET /_emulator/ready.
type ReadyJSON struct {
	Status    string `json:"status"` // "ready" or "starting"
	Scenarios int    `json:"scenarios"`
}

// IsReady reports readiness: scenarios loaded and a listener serving.
func (h *Handler) IsReady() (bool, int) {
	if h.cfg.Ready != nil && !h.cfg.Ready() {
		return false, 0 // never wait for a load in progress
	}
	n := 0
	if h.cfg.Scenarios != nil {
		if set := h.cfg.Scenarios(); set != nil {
			n = set.Len()
		}
	}
	serving := h.cfg.Ready == nil || h.cfg.Ready()
	return serving && n > 0, n
}

func (h *Handler) ready(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	ok, n := h.IsReady()
	if !ok {
		writeJSON(w, http.StatusServiceUnavailable, ReadyJSON{Status: "starting", Scenarios: n})
		return
	}
	writeJSON(w, http.StatusOK, ReadyJSON{Status: "ready", Scenarios: n})
}

func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	limit, offset, ok := pageParams(w, r, DefaultPageSize)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := SessionFilter{SecretID: q.Get("secretId"), Flow: q.Get("flow"), State: q.Get("state"), Limit: limit, Offset: offset}
	out, total, err := h.Sessions(f, api.RequestBase(r))
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, SessionsJSON{Sessions: out, Total: total, PageJSON: newPage(limit, offset, total), Evicted: h.cfg.Hub.Evictions()})
}

// SessionsJSON is the answer of GET /_emulator/sessions.
type SessionsJSON struct {
	// Sessions are the page: the newest matches after Offset, oldest
	// first, each as its flow renders it (every one has "Flow").
	Sessions []any `json:"Sessions"`
	// Total is how many sessions matched before paging.
	Total int `json:"Total"`
	PageJSON
	// Evicted is how many sessions were evicted to stay within
	// EMULATOR_MAX_SESSIONS since the emulator started (all namespaces).
	Evicted uint64 `json:"Evicted"`
}

func (h *Handler) getSession(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	sess, err := h.sessionIn(ps.ByName("token"), r.URL.Query().Get("secretId"))
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cfg.Hub.Render(sess, h.baseURL(api.RequestBase(r))))
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	body, ok := readBody(w, r, true)
	if !ok {
		return
	}
	if body != nil {
		// The flow decodes the body; a syntax error is answered first, as
		// for every other route.
		var v json.RawMessage
		if err := json.NewDecoder(strings.NewReader(string(body))).Decode(&v); err != nil {
			writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
			return
		}
	}
	token := ps.ByName("token")
	if _, err := h.sessionIn(token, r.URL.Query().Get("secretId")); err != nil {
		h.sessionError(w, err)
		return
	}
	out, err := h.Complete(token, body, api.RequestBase(r))
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) setScenario(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req ScenarioRequest
	if !readJSON(w, r, &req, false) {
		return
	}
	token := ps.ByName("token")
	if _, err := h.sessionIn(token, r.URL.Query().Get("secretId")); err != nil {
		h.sessionError(w, err)
		return
	}
	out, err := h.SetScenario(token, req, api.RequestBase(r))
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, h.Reset(r.URL.Query().Get("secretId")))
}

func (h *Handler) getClock(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, h.Clock())
}

// ClockRequest is the body of POST /_emulator/clock: exactly one of
// {"advance":"11m"} (a Go duration, may be negative), {"set":RFC3339} or
// {"reset":true}.
type ClockRequest struct {
	Advance string `json:"advance,omitempty"`
	Set     string `json:"set,omitempty"`
	Reset   bool   `json:"reset,omitempty"`
}

func (h *Handler) setClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var req ClockRequest
	if !readJSON(w, r, &req, false) {
		return
	}
	given := 0
	for _, b := range []bool{req.Advance != "", req.Set != "", req.Reset} {
		if b {
			given++
		}
	}
	if given != 1 {
		writeError(w, http.StatusBadRequest, `give exactly one of {"advance":"11m"}, {"set":"2026-01-02T15:04:05Z"} or {"reset":true}`)
		return
	}
	switch {
	case req.Reset:
		h.cfg.Clock.Reset()
	case req.Advance != "":
		d, err := time.ParseDuration(req.Advance)
		if err != nil {
			writeError(w, http.StatusBadRequest, "advance: "+err.Error()+` (use a Go duration such as "11m", "73h" or "-30s")`)
			return
		}
		if _, err := h.cfg.Clock.TryAdvance(d); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	default:
		t, err := time.Parse(time.RFC3339Nano, req.Set)
		if err != nil {
			writeError(w, http.StatusBadRequest, "set: "+err.Error()+` (use RFC 3339, e.g. "2026-01-02T15:04:05Z")`)
			return
		}
		if _, err := h.cfg.Clock.TrySet(t); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, h.Clock())
}

// RequestsJSON is the answer of GET /_emulator/requests.
type RequestsJSON struct {
	// Requests are the page: the newest matches after Offset, oldest first.
	Requests []RequestJSON `json:"Requests"`
	// Total is how many records matched before paging.
	Total int `json:"Total"`
	PageJSON
	// Capacity is how many records the journal keeps (the oldest are
	// dropped beyond it); Observed is how many requests it has seen since
	// start (a full reset and DELETE do not change it).
	Capacity int    `json:"Capacity"`
	Observed uint64 `json:"Observed"`
}

func (h *Handler) listRequests(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	limit, offset, ok := pageParams(w, r, DefaultPageSize)
	if !ok {
		return
	}
	q := r.URL.Query()
	sig := q.Get("signature")
	switch sig {
	case "", "ok", "failed", "skipped":
	default:
		writeError(w, http.StatusBadRequest, "signature must be ok, failed or skipped")
		return
	}
	token := q.Get("token")
	if token == "" {
		token = q.Get("bizToken") // the name before flows, still accepted
	}
	recs, total := h.Requests(RequestFilter{
		SecretID: q.Get("secretId"), Action: q.Get("action"), Token: token,
		Signature: sig, ErrorCode: q.Get("errorCode"), Limit: limit, Offset: offset,
	})
	writeJSON(w, http.StatusOK, RequestsJSON{Requests: requestsJSON(recs), Total: total, PageJSON: newPage(limit, offset, total),
		Capacity: h.cfg.Journal.Cap(), Observed: h.cfg.Journal.Total()})
}

// RequestJSON is a journal record as GET /_emulator/requests shows it:
// the record, and for a web-flow session its token also as "bizToken", the
// name clients used before records had a flow.
type RequestJSON struct {
	api.Record
	BizToken string `json:"bizToken,omitempty"`
}

// webFlow is the flow whose records keep "bizToken" (package faceid's
// FlowWeb; control does not import the flows).
const webFlow = "web"

func requestsJSON(recs []api.Record) []RequestJSON {
	out := make([]RequestJSON, len(recs))
	for i, r := range recs {
		out[i].Record = r
		if r.Flow == webFlow {
			out[i].BizToken = r.Token
		}
	}
	return out
}

func (h *Handler) clearRequests(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	h.cfg.Journal.Clear(r.URL.Query().Get("secretId"))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// listScenarios pages by name order (the list has no age): offset skips
// the first names.
func (h *Handler) listScenarios(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	limit, offset, ok := pageParams(w, r, defaultScenarioPage)
	if !ok {
		return
	}
	var list any
	total := 0
	if r.URL.Query().Get("full") == "1" {
		full := h.cfg.Scenarios().List()
		total = len(full)
		list = full[min(offset, total):min(offset+limit, total)]
	} else {
		short := h.Scenarios()
		total = len(short)
		list = short[min(offset, total):min(offset+limit, total)]
	}
	page := newPage(limit, offset, total)
	page.Order = "by-name"
	out := map[string]any{"Scenarios": list, "Total": total, "Limit": page.Limit, "Offset": page.Offset, "Order": page.Order}
	if page.NextOffset != nil {
		out["NextOffset"] = *page.NextOffset
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) sessionError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, flow.ErrNotFound):
		writeError(w, http.StatusNotFound, "unknown BizToken")
	case errors.Is(err, flow.ErrCompleted):
		writeError(w, http.StatusConflict, "the session is already completed")
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	case errors.Is(err, flow.ErrUnknownCode), errors.Is(err, flow.ErrUnknownScenario):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		h.cfg.Logger.Error("control", "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

// readBody reads a bounded body; an empty one (nil) is allowed when
// emptyOK. On failure it answers and returns false.
func readBody(w http.ResponseWriter, r *http.Request, emptyOK bool) ([]byte, bool) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return nil, false
	}
	if len(data) > maxControlBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body over 1 MiB")
		return nil, false
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		if emptyOK {
			return nil, true
		}
		writeError(w, http.StatusBadRequest, "a JSON body is required")
		return nil, false
	}
	return data, true
}

// readJSON decodes a JSON body into dst; an empty body is allowed when
// emptyOK. On failure it answers 400 and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, dst any, emptyOK bool) bool {
	data, ok := readBody(w, r, emptyOK)
	if !ok || data == nil {
		return ok
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":{"message":"encoding failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// ErrorJSON is the control API's error body.
type ErrorJSON struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	var e ErrorJSON
	e.Error.Status = status
	e.Error.Message = msg
	writeJSON(w, status, e)
}

func problemsText(ps []scenarios.Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}
