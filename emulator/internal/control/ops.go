package control

import (
	"encoding/json"
	"math"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// The typed operations below are what the routes run; package emulator
// calls them too (Server.Complete, Server.Sessions...), so the Go API and
// the JSON API cannot drift apart. They work for the sessions of every
// flow through the flow.Hub. base is the browser-facing scheme://host
// used for links such as VerificationURL when Config.PublicURL is empty
// ("" gives a relative URL).

// ErrInvalid marks a control request that is malformed (HTTP 400).
var ErrInvalid = flow.ErrInvalid

func invalid(format string, args ...any) error { return flow.Invalid(format, args...) }

// SessionFilter selects sessions. Zero fields match everything.
type SessionFilter struct {
	// SecretID keeps the sessions of one namespace (the SecretId that
	// created them).
	SecretID string
	// Flow keeps the sessions of one flow ("web", ...).
	Flow string
	// State is "pending", "completed" or "expired" (expired sessions are
	// completed by their flow's lifetime, the web flow's with result 15).
	State string
	// Limit keeps the newest Limit sessions; 0 = all.
	Limit int
	// Offset skips the Offset newest matches first (the next page of older
	// sessions starts at Offset+Limit).
	Offset int
}

// RequestFilter selects journal records. Zero fields match everything.
type RequestFilter struct {
	SecretID string
	Action   string
	// Token is the session token a record names (any flow's).
	Token     string
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

// Session returns one session of any flow, as its flow renders it (with a
// "Flow" field).
func (h *Handler) Session(token, base string) (any, error) {
	sess, err := h.cfg.Hub.Get(token)
	if err != nil {
		return nil, err
	}
	return h.cfg.Hub.Render(sess, h.baseURL(base)), nil
}

// sessionIn checks that the session exists and belongs to secretID ("" =
// any), materialising a due expiry; a session of another namespace is
// reported as not found.
func (h *Handler) sessionIn(token, secretID string) (*store.Session, error) {
	sess, err := h.cfg.Hub.Get(token)
	if err != nil {
		return nil, err
	}
	if secretID != "" && sess.SecretID != secretID {
		return nil, flow.ErrNotFound
	}
	return sess, nil
}

// Sessions returns the matching sessions of every flow, oldest first, each
// as its flow renders it, and how many matched before Limit was applied.
func (h *Handler) Sessions(f SessionFilter, base string) ([]any, int, error) {
	switch f.State {
	case "", flow.StatusPending, flow.StatusCompleted, flow.StatusExpired:
	default:
		return nil, 0, invalid("state must be pending, completed or expired")
	}
	if f.Limit < 0 || f.Offset < 0 {
		return nil, 0, invalid("limit and offset must not be negative")
	}
	filter := store.Filter{SecretID: f.SecretID, Flow: f.Flow, State: f.State}
	var list []*store.Session
	var total int
	if f.Limit > 0 {
		// The hub lists the newest Limit+Offset (O(Limit+Offset), not
		// O(sessions)); the Offset newest of them are dropped here.
		list, total = h.cfg.Hub.List(filter, f.Limit+min(f.Offset, math.MaxInt32))
		list = list[:max(len(list)-f.Offset, 0)]
	} else {
		// Everything after the Offset newest.
		list, total = h.cfg.Hub.List(filter, 0)
		start, end := window(total, f.Limit, f.Offset)
		list = list[start:end]
	}
	out := make([]any, 0, len(list))
	b := h.baseURL(base)
	for _, sess := range list {
		out = append(out, h.cfg.Hub.Render(sess, b))
	}
	return out, total, nil
}

// Complete finishes a pending session of any flow from the body of POST
// /_emulator/sessions/{token}/complete (the flow checks it; empty plays
// the session's own scenario).
func (h *Handler) Complete(token string, body json.RawMessage, base string) (any, error) {
	sess, err := h.cfg.Hub.Complete(token, body)
	if err != nil {
		return nil, err
	}
	return h.cfg.Hub.Render(sess, h.baseURL(base)), nil
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
func (h *Handler) SetScenario(token string, req ScenarioRequest, base string) (any, error) {
	var sc *scenarios.Scenario
	switch {
	case req.Similarity != nil && req.ErrorCode == nil:
		return nil, invalid("Similarity needs an ErrorCode")
	case req.Scenario != "" && req.Inline == nil && req.ErrorCode == nil:
		found, err := flow.NamedScenario(h.cfg.Scenarios(), req.Scenario)
		if err != nil {
			return nil, err
		}
		sc = found
	case req.Inline != nil && req.Scenario == "" && req.ErrorCode == nil:
		inline := *req.Inline
		if inline.Name == "" {
			inline.Name = "inline"
		}
		if problems := scenarios.Validate(&inline); len(problems) > 0 {
			return nil, invalid("%s", problemsText(problems))
		}
		sc = &inline
	case req.ErrorCode != nil && req.Scenario == "" && req.Inline == nil:
		var err error
		if sc, err = h.cfg.Hub.Outcome(token, *req.ErrorCode, req.Similarity); err != nil {
			return nil, err
		}
	default:
		return nil, invalid(`give exactly one of {"Scenario":"name"}, {"Inline":{...}} or {"ErrorCode":1002}`)
	}
	sess, err := h.cfg.Hub.SetScenario(token, sc)
	if err != nil {
		return nil, err
	}
	return h.cfg.Hub.Render(sess, h.baseURL(base)), nil
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
	n := h.cfg.Hub.Reset(secretID)
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
