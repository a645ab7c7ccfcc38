package faceid

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// FlowWeb is the web verification flow's kind.
const FlowWeb = "web"

// Web is the web verification flow's lifecycle (flow.Flow): a BizToken
// whose VerificationURL lives 10 minutes and whose result can be fetched
// for 3 days.
type Web struct {
	scenarios func() *scenarios.Set
}

var _ flow.Flow = (*Web)(nil)

// NewWeb returns the web flow; scenarios returns the current scenario set
// (it can be reloaded).
func NewWeb(scenarios func() *scenarios.Set) *Web { return &Web{scenarios: scenarios} }

// Kind implements flow.Flow.
func (w *Web) Kind() string { return FlowWeb }

// NewData implements flow.Flow.
func (w *Web) NewData() store.Data { return &WebData{Config: &WebConfig{}} }

// ResultLifetime implements flow.Flow.
func (w *Web) ResultLifetime() time.Duration { return ResultLifetime }

// EvictionGrace implements flow.Flow.
func (w *Web) EvictionGrace() time.Duration { return EvictionGrace }

// Expire implements flow.Flow: a pending session whose link lifetime has
// passed completes with result 15.
func (w *Web) Expire(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending || now.Sub(sess.CreatedAt) <= LinkLifetime {
		return false
	}
	d := webData(sess)
	code := catalog.ResultTokenExpired
	r := resultOf(nil, *d.Config, code, catalog.ResultMessage(code), "expiry", len(d.Attempts) > 0)
	r.OCR = nil // the document step never finished
	complete(sess, r, now)
	return true
}

// Status implements flow.Flow.
func (w *Web) Status(sess *store.Session) string {
	r := webData(sess).Result
	switch {
	case sess.State == store.StateCompleted && r != nil && r.Source == "expiry":
		return StatusExpired
	case sess.State == store.StateCompleted:
		return StatusCompleted
	}
	return StatusPending
}

// CompleteRequest is the control API's way to finish a web session: an
// explicit result code (with an optional similarity, 0-100), or a
// scenario played whole; neither plays the session's own scenario.
type CompleteRequest struct {
	ErrorCode  *int     `json:"ErrorCode,omitempty"`
	Similarity *float64 `json:"Similarity,omitempty"`
	Scenario   string   `json:"Scenario,omitempty"`
}

// CheckSimilarity reports a similarity outside 0-100 as flow.ErrInvalid.
func CheckSimilarity(s *float64) error {
	if s != nil && (math.IsNaN(*s) || *s < 0 || *s > 100) {
		return flow.Invalid("Similarity must be between 0 and 100")
	}
	return nil
}

// parseComplete decodes and checks a complete request body (empty: the
// session's own scenario) and returns the scenario to play, if any.
func (w *Web) parseComplete(body json.RawMessage) (CompleteRequest, *scenarios.Scenario, error) {
	var req CompleteRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, nil, flow.Invalid("invalid JSON: %v", err)
		}
	}
	if req.Scenario != "" && (req.ErrorCode != nil || req.Similarity != nil) {
		return req, nil, flow.Invalid(`give either {"ErrorCode":n,"Similarity":x} or {"Scenario":"name"}, not both`)
	}
	if req.Similarity != nil && req.ErrorCode == nil {
		return req, nil, flow.Invalid("Similarity needs an ErrorCode")
	}
	if err := CheckSimilarity(req.Similarity); err != nil {
		return req, nil, err
	}
	switch {
	case req.Scenario != "":
		sc, err := flow.NamedScenario(w.scenarios(), req.Scenario)
		return req, sc, err
	case req.ErrorCode != nil && !knownResult(*req.ErrorCode):
		return req, nil, fmt.Errorf("%w: %d", ErrUnknownCode, *req.ErrorCode)
	}
	return req, nil, nil
}

// Complete implements flow.Flow: body is {"ErrorCode":n,"Similarity":x},
// {"Scenario":"name"} or empty, and the session ends as if the user had
// finished the page.
func (w *Web) Complete(sess *store.Session, body json.RawMessage, now time.Time) error {
	req, sc, err := w.parseComplete(body)
	if err != nil {
		return err
	}
	if sess.State != store.StatePending {
		return ErrCompleted
	}
	switch {
	case req.ErrorCode != nil:
		w.completeWithCode(sess, *req.ErrorCode, req.Similarity, "control", now)
	case sc != nil:
		w.playScenario(sess, sc, "control", now)
	default:
		w.playScenario(sess, w.scenarioOf(sess), "control", now)
	}
	return nil
}

// SetScenario implements flow.Flow.
func (w *Web) SetScenario(sess *store.Session, sc *scenarios.Scenario, now time.Time) error {
	return flow.Override(sess, sc, now)
}

// Outcome implements flow.Flow with OutcomeScenario, after checking the
// similarity.
func (w *Web) Outcome(code int, similarity *float64) (*scenarios.Scenario, error) {
	if err := CheckSimilarity(similarity); err != nil {
		return nil, err
	}
	return OutcomeScenario(code, similarity)
}

// scenarioOf returns the scenario that decides the session's outcome: the
// per-token override, else the scenario chosen at Apply, else the default.
func (w *Web) scenarioOf(sess *store.Session) *scenarios.Scenario {
	return flow.ScenarioOf(sess, w.scenarios)
}

// scripted reports whether the session's outcome is scripted (anything but
// the global default), so the page plays it instead of offering buttons.
func scripted(sess *store.Session) bool { return flow.Scripted(sess) }

// view derives what the page and the control API show of a session.
func (w *Web) view(sess *store.Session) View {
	d := webData(sess)
	v := View{
		Session:      sess,
		Web:          d,
		Status:       w.Status(sess),
		Scripted:     scripted(sess),
		ScenarioName: w.scenarioOf(sess).Name,
		AttemptsLeft: max(int(d.Config.LivenessRetryLimit)-len(d.Attempts), 0),
	}
	if n := len(d.Attempts); n > 0 {
		a := d.Attempts[n-1]
		v.LastAttempt = &a
	}
	if v.Status == StatusPending {
		v.AwaitingRetry = v.LastAttempt != nil && v.LastAttempt.ErrorCode != catalog.ResultPass
	}
	return v
}

// completeWithCode records one attempt resulting in code (a run of failed
// attempts up to the retry limit for 16) and completes with code.
func (w *Web) completeWithCode(sess *store.Session, code int, similarity *float64, source string, now time.Time) {
	d := webData(sess)
	if livenessRuns(*d.Config) {
		n := 1
		attemptCode := code
		if code == catalog.ResultRetryLimit {
			n = int(d.Config.LivenessRetryLimit) - len(d.Attempts)
			attemptCode = 1005 // liveness failed, each time
		}
		for i := 0; i < n; i++ {
			d.Attempts = append(d.Attempts, attemptFromCode(*d.Config, attemptCode, similarity, now))
		}
		flow.AddEvent(sess, now, "attempt", "%d attempt(s): %d (%s)", n, attemptCode, source)
	}
	r := resultOf(w.scenarioOf(sess), *d.Config, code, catalog.ResultMessage(code), source, len(d.Attempts) > 0)
	complete(sess, r, now)
}

// playScenario completes sess with the whole outcome of sc.
func (w *Web) playScenario(sess *store.Session, sc *scenarios.Scenario, source string, at time.Time) {
	d := webData(sess)
	script := scriptedAttempts(sc, *d.Config)
	if len(d.Attempts) < len(script) {
		script = script[len(d.Attempts):]
	} else {
		script = nil
	}
	for _, sa := range script {
		a := buildAttempt(*d.Config, sa, at)
		d.Attempts = append(d.Attempts, a)
		flow.AddEvent(sess, at, "attempt", "attempt %d: %d", len(d.Attempts), a.ErrorCode)
	}
	code, msg := finalResult(sc, *d.Config, d.Attempts)
	complete(sess, resultOf(sc, *d.Config, code, msg, source, len(d.Attempts) > 0), at)
}
