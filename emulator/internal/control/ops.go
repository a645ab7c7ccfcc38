package control

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// The typed operations below are what the routes run; package emulator
// calls them too (Server.Complete, Server.Sessions...), so the Go API and
// the JSON API cannot drift apart. base is the browser-facing scheme://host
// used for VerificationURL when Config.PublicURL is empty ("" gives a
// relative URL).

// ErrInvalid marks a control request that is malformed (HTTP 400).
var ErrInvalid = errors.New("invalid control request")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// SessionFilter selects sessions. Zero fields match everything.
type SessionFilter struct {
	// SecretID keeps the sessions of one namespace (the SecretId that
	// created them).
	SecretID string
	// State is "pending", "completed" or "expired" (expired sessions are
	// completed with result 15 by the link lifetime).
	State string
	// Limit keeps the newest Limit sessions; 0 = all.
	Limit int
	// Offset skips the Offset newest matches first (the next page of older
	// sessions starts at Offset+Limit).
	Offset int
}

// RequestFilter selects journal records. Zero fields match everything.
type RequestFilter struct {
	SecretID  string
	Action    string
	BizToken  string
	Signature string // "ok", "failed" or "skipped"
	ErrorCode string // e.g. "AuthFailure.SignatureFailure"
	// Limit keeps the newest Limit records; 0 = all the journal holds.
	Limit int
	// Offset skips the Offset newest matches first.
	Offset int
}

// window returns the part of n items, oldest first, that a page of the
// newest limit (0 = all) after skipping the offset newest covers.
func window(n, limit, offset int) (start, end int) {
	end = max(n-offset, 0)
	if limit > 0 && end > limit {
		start = end - limit
	}
	return start, end
}

func (h *Handler) baseURL(base string) string {
	if h.cfg.PublicURL != "" {
		return h.cfg.PublicURL
	}
	return base
}

// Session returns one session.
func (h *Handler) Session(token, base string) (SessionJSON, error) {
	v, err := h.cfg.Service.Lookup(token)
	if err != nil {
		return SessionJSON{}, err
	}
	return RenderSession(v, h.baseURL(base)), nil
}

// sessionIn returns the session when it belongs to secretID ("" = any);
// a session of another namespace is reported as not found.
func (h *Handler) sessionIn(token, secretID string) (faceid.View, error) {
	v, err := h.cfg.Service.Lookup(token)
	if err != nil {
		return v, err
	}
	if secretID != "" && v.Session.SecretID != secretID {
		return faceid.View{}, faceid.ErrNotFound
	}
	return v, nil
}

// Sessions returns the matching sessions, oldest first, and how many
// matched before Limit was applied.
func (h *Handler) Sessions(f SessionFilter, base string) ([]SessionJSON, int, error) {
	switch f.State {
	case "", faceid.StatusPending, faceid.StatusCompleted, faceid.StatusExpired:
	default:
		return nil, 0, invalid("state must be pending, completed or expired")
	}
	if f.Limit < 0 || f.Offset < 0 {
		return nil, 0, invalid("limit and offset must not be negative")
	}
	views := h.cfg.Service.List(store.Filter{SecretID: f.SecretID, State: f.State})
	total := len(views)
	start, end := window(total, f.Limit, f.Offset)
	views = views[start:end]
	out := make([]SessionJSON, 0, len(views))
	b := h.baseURL(base)
	for _, v := range views {
		out = append(out, RenderSession(v, b))
	}
	return out, total, nil
}

// CompleteRequest is the body of POST /_emulator/sessions/{token}/complete:
// {"ErrorCode":n} with an optional "Similarity" (0-100), or
// {"Scenario":"name"}; an empty body plays the session's own scenario.
type CompleteRequest = faceid.CompleteRequest

func checkSimilarity(s *float64) error {
	if s != nil && (math.IsNaN(*s) || *s < 0 || *s > 100) {
		return invalid("Similarity must be between 0 and 100")
	}
	return nil
}

// Complete finishes a pending session as if the user had finished the page.
func (h *Handler) Complete(token string, req CompleteRequest, base string) (SessionJSON, error) {
	if req.Scenario != "" && (req.ErrorCode != nil || req.Similarity != nil) {
		return SessionJSON{}, invalid(`give either {"ErrorCode":n,"Similarity":x} or {"Scenario":"name"}, not both`)
	}
	if req.Similarity != nil && req.ErrorCode == nil {
		return SessionJSON{}, invalid("Similarity needs an ErrorCode")
	}
	if err := checkSimilarity(req.Similarity); err != nil {
		return SessionJSON{}, err
	}
	v, err := h.cfg.Service.Complete(token, req)
	if err != nil {
		return SessionJSON{}, err
	}
	return RenderSession(v, h.baseURL(base)), nil
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

// SetScenario makes a scenario decide the outcome of one pending session.
func (h *Handler) SetScenario(token string, req ScenarioRequest, base string) (SessionJSON, error) {
	var sc *scenarios.Scenario
	switch {
	case req.Similarity != nil && req.ErrorCode == nil:
		return SessionJSON{}, invalid("Similarity needs an ErrorCode")
	case req.Scenario != "" && req.Inline == nil && req.ErrorCode == nil:
		found, ok := h.cfg.Service.Scenario(req.Scenario)
		if !ok {
			return SessionJSON{}, fmt.Errorf("%w: %q", faceid.ErrUnknownScenario, req.Scenario)
		}
		sc = found
	case req.Inline != nil && req.Scenario == "" && req.ErrorCode == nil:
		inline := *req.Inline
		if inline.Name == "" {
			inline.Name = "inline"
		}
		if problems := scenarios.Validate(&inline); len(problems) > 0 {
			return SessionJSON{}, invalid("%s", problemsText(problems))
		}
		sc = &inline
	case req.ErrorCode != nil && req.Scenario == "" && req.Inline == nil:
		if err := checkSimilarity(req.Similarity); err != nil {
			return SessionJSON{}, err
		}
		var err error
		if sc, err = faceid.OutcomeScenario(*req.ErrorCode, req.Similarity); err != nil {
			return SessionJSON{}, err
		}
	default:
		return SessionJSON{}, invalid(`give exactly one of {"Scenario":"name"}, {"Inline":{...}} or {"ErrorCode":1002}`)
	}
	v, err := h.cfg.Service.SetScenario(token, sc)
	if err != nil {
		return SessionJSON{}, err
	}
	return RenderSession(v, h.baseURL(base)), nil
}

// ResetResult is what POST /_emulator/reset answers.
type ResetResult struct {
	// Deleted is the number of sessions deleted.
	Deleted int `json:"Deleted"`
	// SecretId is the namespace reset; "" = everything.
	SecretId string `json:"SecretId"`
	// ClockReset tells whether the clock offset was removed (full reset
	// only: the clock is shared by every namespace).
	ClockReset bool `json:"ClockReset"`
}

// Reset deletes the sessions and journal records of one SecretId, or with
// "" everything, including the clock offset and scripted call counts.
func (h *Handler) Reset(secretID string) ResetResult {
	n := h.cfg.Service.Reset(secretID)
	h.cfg.Journal.Clear(secretID)
	if secretID == "" {
		h.cfg.Clock.Reset()
	}
	return ResetResult{Deleted: n, SecretId: secretID, ClockReset: secretID == ""}
}

// ClockJSON is the state of the clock token lifetimes see.
type ClockJSON struct {
	// Now is the emulated time.
	Now time.Time `json:"now"`
	// Offset is how far the clock was moved from real time, as a Go
	// duration ("11m0s").
	Offset string `json:"offset"`
	// OffsetSeconds is the same offset in seconds.
	OffsetSeconds float64 `json:"offsetSeconds"`
}

// Clock returns the clock state.
func (h *Handler) Clock() ClockJSON {
	skew := h.cfg.Clock.Skew()
	return ClockJSON{Now: h.cfg.Clock.Now().UTC(), Offset: skew.String(), OffsetSeconds: skew.Seconds()}
}

// Requests returns the matching journal records, oldest first, and how many
// matched before Limit was applied.
func (h *Handler) Requests(f RequestFilter) ([]api.Record, int) {
	recs := h.cfg.Journal.List(f)
	total := len(recs)
	start, end := window(total, f.Limit, f.Offset)
	return recs[start:end], total
}

// ScenarioJSON is a loaded scenario as GET /_emulator/scenarios lists it.
type ScenarioJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Source is the file it was loaded from ("library/<file>" for the
	// shipped library, "builtin" for the built-in default).
	Source string `json:"source"`
	// Default is true for the global default scenario.
	Default bool `json:"default,omitempty"`
	// DefaultFor lists the SecretIds whose default it is.
	DefaultFor []string `json:"defaultFor,omitempty"`
	// Completion is how the session completes: manual, auto or polls.
	Completion string `json:"completion,omitempty"`
}

// Scenarios lists the loaded scenarios, sorted by name.
func (h *Handler) Scenarios() []ScenarioJSON {
	set := h.cfg.Scenarios()
	def := set.Default()
	list := set.List()
	out := make([]ScenarioJSON, 0, len(list))
	for _, sc := range list {
		mode := sc.Completion.Mode
		if mode == "" {
			mode = "manual"
		}
		out = append(out, ScenarioJSON{
			Name: sc.Name, Description: sc.Description, Source: sc.Source,
			Default: sc == def, DefaultFor: sc.DefaultFor, Completion: mode,
		})
	}
	return out
}
