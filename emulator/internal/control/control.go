// Package control is the emulator's /_emulator API: health and readiness,
// sessions (inspect, complete, script), namespaced reset, the movable
// clock, the request journal with signature diagnostics, the loaded
// scenarios and the dashboard. It drives sessions only through the faceid
// service.
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

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Prefix is where the control API lives.
const Prefix = "/_emulator"

// maxControlBody bounds control request bodies (an inline scenario is small).
const maxControlBody = 1 << 20

// Config configures the control API.
type Config struct {
	Service *faceid.Service
	Journal *Journal
	// Clock is the clock token lifetimes see; the clock routes move it.
	Clock *clock.Offset
	// Scenarios returns the current scenario set.
	Scenarios func() *scenarios.Set
	// Ready reports readiness (scenarios loaded and the listener serving).
	Ready func() bool
	// AdminToken, when set, is required as a Bearer token on every route
	// but health and ready.
	AdminToken string
	// PublicURL is the browser-facing base for links, "" = from the request.
	PublicURL string
	Version   string
	Logger    *slog.Logger
}

// Handler serves the control API.
type Handler struct {
	cfg    Config
	router *httprouter.Router
}

// New returns the control API handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, router: httprouter.New()}
	r := h.router
	r.RedirectTrailingSlash = false
	r.HandleMethodNotAllowed = true
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "no such control route")
	})
	r.GET(Prefix+"/health", h.health)
	r.GET(Prefix+"/ready", h.ready)
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
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// Handle adds a route (used for the dashboard).
func (h *Handler) Handle(method, path string, fn httprouter.Handle, protected bool) {
	if protected {
		fn = h.admin(fn)
	}
	h.router.Handle(method, path, fn)
}

// admin wraps a route with the optional bearer-token check.
func (h *Handler) admin(fn httprouter.Handle) httprouter.Handle {
	if h.cfg.AdminToken == "" {
		return fn
	}
	want := "Bearer " + h.cfg.AdminToken
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if !constantTimeEqual(r.Header.Get("Authorization"), want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="faceid-emulator"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong admin token (Authorization: Bearer <EMULATOR_ADMIN_TOKEN>)")
			return
		}
		fn(w, r, ps)
	}
}

func (h *Handler) health(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": h.cfg.Version})
}

func (h *Handler) ready(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	if h.cfg.Ready != nil && !h.cfg.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "starting"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}

func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	state := q.Get("state")
	switch state {
	case "", faceid.StatusPending, faceid.StatusCompleted, faceid.StatusExpired:
	default:
		writeError(w, http.StatusBadRequest, "state must be pending, completed or expired")
		return
	}
	views := h.cfg.Service.List(store.Filter{SecretID: q.Get("secretId"), State: state})
	out := make([]SessionJSON, 0, len(views))
	for _, v := range views {
		out = append(out, h.sessionJSON(r, v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"Sessions": out, "Total": len(out)})
}

func (h *Handler) getSession(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	v, err := h.cfg.Service.Lookup(ps.ByName("token"))
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.sessionJSON(r, v))
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req faceid.CompleteRequest
	if !readJSON(w, r, &req, true) {
		return
	}
	v, err := h.cfg.Service.Complete(ps.ByName("token"), req)
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.sessionJSON(r, v))
}

// ScenarioRequest is the body of PUT /_emulator/sessions/{token}/scenario:
// exactly one of a loaded scenario's name, an inline scenario, or an
// outcome (ErrorCode with an optional Similarity).
type ScenarioRequest struct {
	Scenario   string              `json:"Scenario,omitempty"`
	Inline     *scenarios.Scenario `json:"Inline,omitempty"`
	ErrorCode  *int                `json:"ErrorCode,omitempty"`
	Similarity *float64            `json:"Similarity,omitempty"`
}

func (h *Handler) setScenario(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req ScenarioRequest
	if !readJSON(w, r, &req, false) {
		return
	}
	var sc *scenarios.Scenario
	switch {
	case req.Scenario != "" && req.Inline == nil && req.ErrorCode == nil:
		found, ok := h.cfg.Service.Scenario(req.Scenario)
		if !ok {
			writeError(w, http.StatusBadRequest, "no scenario named "+req.Scenario)
			return
		}
		sc = found
	case req.Inline != nil && req.Scenario == "" && req.ErrorCode == nil:
		inline := *req.Inline
		if inline.Name == "" {
			inline.Name = "inline"
		}
		if problems := scenarios.Validate(&inline); len(problems) > 0 {
			writeError(w, http.StatusBadRequest, problemsText(problems))
			return
		}
		sc = &inline
	case req.ErrorCode != nil && req.Scenario == "" && req.Inline == nil:
		var err error
		if sc, err = faceid.OutcomeScenario(*req.ErrorCode, req.Similarity); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	default:
		writeError(w, http.StatusBadRequest, `give exactly one of {"Scenario":"name"}, {"Inline":{...}} or {"ErrorCode":1002}`)
		return
	}
	v, err := h.cfg.Service.SetScenario(ps.ByName("token"), sc)
	if err != nil {
		h.sessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.sessionJSON(r, v))
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	secretID := r.URL.Query().Get("secretId")
	n := h.cfg.Service.Reset(secretID)
	h.cfg.Journal.Clear(secretID)
	if secretID == "" {
		h.cfg.Clock.Reset()
	}
	writeJSON(w, http.StatusOK, map[string]any{"Deleted": n, "SecretId": secretID})
}

type clockJSON struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

func (h *Handler) clockState() clockJSON {
	return clockJSON{Now: h.cfg.Clock.Now().UTC(), Offset: h.cfg.Clock.Skew().String()}
}

func (h *Handler) getClock(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, h.clockState())
}

func (h *Handler) setClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var req struct {
		Advance string `json:"advance"`
		Set     string `json:"set"`
		Reset   bool   `json:"reset"`
	}
	if !readJSON(w, r, &req, true) {
		return
	}
	switch {
	case req.Reset:
		h.cfg.Clock.Reset()
	case req.Advance != "" && req.Set == "":
		d, err := time.ParseDuration(req.Advance)
		if err != nil {
			writeError(w, http.StatusBadRequest, "advance: "+err.Error())
			return
		}
		h.cfg.Clock.Advance(d)
	case req.Set != "" && req.Advance == "":
		t, err := time.Parse(time.RFC3339, req.Set)
		if err != nil {
			writeError(w, http.StatusBadRequest, "set: "+err.Error())
			return
		}
		h.cfg.Clock.Set(t)
	default:
		writeError(w, http.StatusBadRequest, `give exactly one of {"advance":"11m"}, {"set":"2026-01-02T15:04:05Z"} or {"reset":true}`)
		return
	}
	writeJSON(w, http.StatusOK, h.clockState())
}

func (h *Handler) listRequests(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	recs := h.cfg.Journal.List(Filter{SecretID: q.Get("secretId"), Action: q.Get("action"), BizToken: q.Get("bizToken")})
	if recs == nil {
		writeJSON(w, http.StatusOK, map[string]any{"Requests": []any{}, "Total": 0})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"Requests": recs, "Total": len(recs)})
}

func (h *Handler) clearRequests(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	h.cfg.Journal.Clear(r.URL.Query().Get("secretId"))
	w.WriteHeader(http.StatusNoContent)
}

// ScenarioJSON is a loaded scenario as GET /_emulator/scenarios lists it.
type ScenarioJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

func (h *Handler) listScenarios(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	set := h.cfg.Scenarios()
	list := set.List()
	out := make([]ScenarioJSON, 0, len(list))
	for _, sc := range list {
		out = append(out, ScenarioJSON{Name: sc.Name, Description: sc.Description, Source: sc.Source})
	}
	if r.URL.Query().Get("full") == "1" {
		writeJSON(w, http.StatusOK, map[string]any{"Scenarios": list, "Total": len(list)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"Scenarios": out, "Total": len(out)})
}

func (h *Handler) sessionError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, faceid.ErrNotFound):
		writeError(w, http.StatusNotFound, "unknown BizToken")
	case errors.Is(err, faceid.ErrCompleted):
		writeError(w, http.StatusConflict, "the session is already completed")
	case errors.Is(err, faceid.ErrUnknownCode), errors.Is(err, faceid.ErrUnknownScenario):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		h.cfg.Logger.Error("control", "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

// readJSON decodes a JSON body into dst; an empty body is allowed when
// emptyOK. On failure it answers 400 and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, dst any, emptyOK bool) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return false
	}
	if len(data) > maxControlBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body over 1 MiB")
		return false
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		if emptyOK {
			return true
		}
		writeError(w, http.StatusBadRequest, "a JSON body is required")
		return false
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
