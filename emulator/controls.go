package emulator

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/control"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/sdkflow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// Control methods: the /_emulator API as Go calls on a Server, for tests
// that run the emulator in-process (package emulatortest wraps them with
// t.Fatal on error). They run the same code as the HTTP routes, and their
// types are aliases of the JSON types those routes answer, so a Session
// marshals exactly as GET /_emulator/sessions/{token} shows it.
//
// VerificationURL in a Session is absolute when Options.PublicURL is set
// (emulatortest sets it) and relative ("/reflect/?token=...") otherwise,
// since a Server does not know which address it is served on.

// Session is one session as the control API shows it (GET
// /_emulator/sessions/{token}): a web-verification session has every
// field; a session of another flow fills the fields every flow has (Flow,
// Token, SecretId, State, CreatedAt, CompletedAt, Scenario, Timeline...).
type Session = faceid.SessionJSON

// Attempt is one liveness attempt of a session (one VerificationDetail).
type Attempt = faceid.AttemptJSON

// SessionResult is a completed session's final result.
type SessionResult = faceid.ResultJSON

// SessionConfig is the Apply request's Config with every default resolved.
type SessionConfig = faceid.WebConfig

// SessionEvent is one entry of a session's timeline.
type SessionEvent = store.Event

// SessionFilter selects sessions: by SecretId (namespace), Flow, State and
// the newest Limit.
type SessionFilter = control.SessionFilter

// Request is one API request as the journal keeps it
// (GET /_emulator/requests). It never holds a key.
type Request = api.Record

// SignatureDiagnostics explains a signature mismatch in a Request: what
// the emulator expected (canonical request, string to sign, host
// candidates). It never holds a key.
type SignatureDiagnostics = signature.Diagnostics

// RequestFilter selects journal records.
type RequestFilter = control.RequestFilter

// ScenarioInfo is a loaded scenario as GET /_emulator/scenarios lists it.
type ScenarioInfo = control.ScenarioJSON

// Session states (Session.State, SessionFilter.State).
const (
	StatePending   = faceid.StatusPending
	StateCompleted = faceid.StatusCompleted
	// StateExpired is a session completed with result 15 because its
	// VerificationURL lifetime (10 minutes) ran out.
	StateExpired = faceid.StatusExpired
)

// Errors of the control methods; test them with errors.Is. The HTTP API
// answers them as 404, 409 and 400.
var (
	ErrSessionNotFound  = faceid.ErrNotFound
	ErrSessionCompleted = faceid.ErrCompleted
	ErrUnknownCode      = faceid.ErrUnknownCode
	ErrUnknownScenario  = faceid.ErrUnknownScenario
	ErrInvalidControl   = control.ErrInvalid
)

// CompleteOption adjusts Complete and SetOutcome.
type CompleteOption func(*completeOptions)

type completeOptions struct {
	similarity *float64
}

// WithSimilarity sets the face-comparison similarity (0-100) of the
// attempt that Complete or SetOutcome records.
func WithSimilarity(similarity float64) CompleteOption {
	return func(o *completeOptions) { o.similarity = &similarity }
}

func collect(opts []CompleteOption) completeOptions {
	var o completeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// asSession turns a session as its flow renders it into a Session: a web
// session as it is, another flow's through its JSON, which fills the
// fields every flow has.
func asSession(v any, err error) (Session, error) {
	if err != nil {
		return Session{}, err
	}
	if sess, ok := v.(Session); ok {
		return sess, nil
	}
	var sess Session
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, &sess)
	}
	return sess, err
}

// Session returns the session of a token of any flow (ErrSessionNotFound
// if none).
func (s *Server) Session(token string) (Session, error) {
	return asSession(s.control.Session(token, ""))
}

// Sessions returns the matching sessions, oldest first. An unknown State
// matches nothing.
func (s *Server) Sessions(f SessionFilter) []Session {
	list, _, err := s.control.Sessions(f, "")
	out := make([]Session, 0, len(list))
	if err != nil {
		return out
	}
	for _, v := range list {
		if sess, err := asSession(v, nil); err == nil {
			out = append(out, sess)
		}
	}
	return out
}

// complete runs POST .../complete with body for a session of any flow.
func (s *Server) complete(token string, body any) (Session, error) {
	var raw json.RawMessage
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return Session{}, err
		}
	}
	return asSession(s.control.Complete(token, raw, ""))
}

// Complete finishes a pending session with a result code, as if the user
// had finished the verification page: one attempt with that code (a run
// of failed attempts for 16), then the final result. It fails with
// ErrSessionCompleted when the session is already completed (or expired).
func (s *Server) Complete(token string, errorCode int, opts ...CompleteOption) (Session, error) {
	o := collect(opts)
	return s.complete(token, faceid.CompleteRequest{ErrorCode: &errorCode, Similarity: o.similarity})
}

// Finish finishes a pending session with its own scenario (the one Apply
// selected, or the one set by SetScenario or SetOutcome), as if the user had
// gone through the verification page; like POST .../complete with no body.
func (s *Server) Finish(token string) (Session, error) {
	return s.complete(token, nil)
}

// CompleteWithScenario finishes a pending session by playing a loaded
// scenario whole (its attempts, result, OCR and media).
func (s *Server) CompleteWithScenario(token, scenario string) (Session, error) {
	if scenario == "" {
		return Session{}, errors.Join(ErrUnknownScenario, errors.New("empty scenario name"))
	}
	return s.complete(token, faceid.CompleteRequest{Scenario: scenario})
}

// SetScenario makes a loaded scenario decide the outcome of a pending
// session; the page (or Complete without a code) then plays it.
func (s *Server) SetScenario(token, scenario string) (Session, error) {
	if scenario == "" {
		return Session{}, errors.Join(ErrUnknownScenario, errors.New("empty scenario name"))
	}
	return asSession(s.control.SetScenario(token, control.ScenarioRequest{Scenario: scenario}, ""))
}

// SetOutcome scripts a pending session to end with errorCode when the user
// finishes the page, without completing it now.
func (s *Server) SetOutcome(token string, errorCode int, opts ...CompleteOption) (Session, error) {
	o := collect(opts)
	return asSession(s.control.SetScenario(token, control.ScenarioRequest{ErrorCode: &errorCode, Similarity: o.similarity}, ""))
}

// Now returns the time token lifetimes see.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the clock token lifetimes see by d and returns the new
// time: 11*time.Minute expires pending VerificationURLs (result 15),
// 73*time.Hour makes results unreadable (BizTokenExpired). Request
// signatures keep being checked against real time, so SDK calls still
// work. The clock is shared by every namespace.
func (s *Server) Advance(d time.Duration) time.Time { return s.clock.Advance(d) }

// SetTime makes the clock token lifetimes see read t (and run on from
// there).
func (s *Server) SetTime(t time.Time) { s.clock.Set(t) }

// ResetClock puts the clock back to real time.
func (s *Server) ResetClock() { s.clock.Reset() }

// Reset deletes every session and journal record, scripted call counts and
// the clock offset, like POST /_emulator/reset.
func (s *Server) Reset() { s.control.Reset("") }

// ResetNamespace deletes the sessions, journal records and scripted call
// counts of one SecretId and returns how many sessions were deleted; other
// namespaces and the clock are untouched. An empty secretID resets
// everything, like Reset.
func (s *Server) ResetNamespace(secretID string) int { return s.control.Reset(secretID).Deleted }

// Requests returns the journal, oldest first.
func (s *Server) Requests() []Request {
	recs, _ := s.control.Requests(RequestFilter{})
	return recs
}

// RequestsMatching returns the matching journal records, oldest first.
func (s *Server) RequestsMatching(f RequestFilter) []Request {
	recs, _ := s.control.Requests(f)
	return recs
}

// ClearRequests empties the journal.
func (s *Server) ClearRequests() { s.journal.Clear("") }

// ScenarioList lists the loaded scenarios, sorted by name.
func (s *Server) ScenarioList() []ScenarioInfo { return s.control.Scenarios() }

// Ready reports what GET /_emulator/ready reports: scenarios are loaded and
// MarkServing was called.
func (s *Server) Ready() bool {
	ok, _ := s.control.IsReady()
	return ok
}

// SDKSession is a session of an SDK token flow (selfie, ekyc, liveness,
// reflect) as the control API shows it.
type SDKSession = sdkflow.SessionJSON

// errNotSDK is returned by the SDK controls for a session of another flow.
var errNotSDK = errors.New("not a session of an SDK flow")

// asSDKSession turns a rendered session into an SDKSession.
func asSDKSession(v any, err error) (SDKSession, error) {
	if err != nil {
		return SDKSession{}, err
	}
	sess, ok := v.(SDKSession)
	if !ok {
		return SDKSession{}, errors.Join(ErrInvalidControl, errNotSDK)
	}
	return sess, nil
}

// SDKSession returns the session of a token of an SDK flow, with its Flow,
// Config, attempts and Result code.
func (s *Server) SDKSession(token string) (SDKSession, error) {
	return asSDKSession(s.control.Session(token, ""))
}

// CompleteResult finishes a pending session of an SDK flow with a result
// code of that flow's table ("0", "1002", "FailedOperation.SilentThreshold",
// ...), as if the SDK had ended so; WithSimilarity sets the comparison's
// score. ErrUnknownCode for a code the flow does not have.
func (s *Server) CompleteResult(token, code string, opts ...CompleteOption) (SDKSession, error) {
	o := collect(opts)
	raw, err := json.Marshal(sdkflow.CompleteRequest{Result: &code, Similarity: o.similarity})
	if err != nil {
		return SDKSession{}, err
	}
	return asSDKSession(s.control.Complete(token, raw, ""))
}

// OpenSimulator does what opening the SDK simulator page does: it marks
// the session's page opened and completes a session whose scenario
// completes automatically.
func (s *Server) OpenSimulator(token string) (SDKSession, error) {
	sess, err := s.sdk.Open(token)
	if err != nil {
		return SDKSession{}, err
	}
	return asSDKSession(s.hub.Render(sess, s.opts.PublicURL), nil)
}
