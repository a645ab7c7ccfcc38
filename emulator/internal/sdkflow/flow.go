// Package sdkflow is the engine of the intl SDK token flows: an apply
// action creates a session (a token the mobile SDK runs with), the SDK's
// outcome is decided by the control API, the session's scenario
// (completion auto or after N polls) or the simulator page, and a result
// action reads it back. One Flow type, configured by a Spec per flow, is the
// flow.Flow of all four flows:
//
//   - selfie:   GetFaceIdTokenIntl → GetFaceIdResultIntl (selfie.go)
//   - ekyc:     ApplySdkVerificationToken → GetSdkVerificationResult (ekyc.go)
//   - liveness: ApplyLivenessToken → GetLivenessResult (liveness.go)
//   - reflect:  GenerateReflectSequence → DetectReflectLivenessAndCompare (reflect.go)
//
// Each flow's result codes are its table in the catalogue
// (catalog.LookupFlow(kind)); the flow kind is the table's key. Service
// serves the actions on the spec-driven layer and the files the answers
// link to.
package sdkflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Flow kinds (store.Session.Flow), each also the key of its result-code
// table in the catalogue.
const (
	KindSelfie   = "selfie"
	KindEKYC     = "ekyc"
	KindLiveness = "liveness"
	KindReflect  = "reflect"
)

// Sources of a completion, as Render shows them.
const (
	SourceControl = "control" // the control API or the simulator page
	SourceAuto    = "auto"    // completion auto: the first result call
	SourcePage    = "page"    // completion auto: the simulator page opened
	SourcePolls   = "polls"   // completion polls: after N pending answers
	SourceDetect  = "detect"  // reflect: DetectReflectLivenessAndCompare ran
	SourceExpiry  = "expiry"  // the SDK's token lifetime passed
)

// Spec describes one SDK flow.
type Spec struct {
	Kind          string
	Apply, Result string // the apply and result actions
	// TokenLifetime is how long the SDK can run with the token (10
	// minutes, as the apply actions document SdkToken); a session not
	// finished by then completes with Unfinished. 0 = no such limit.
	TokenLifetime time.Duration
	// ResultLifetime is how long the result action answers for the token.
	ResultLifetime time.Duration
	// Unfinished is the code answered while the SDK has not finished, and
	// stored when TokenLifetime passes ("" = the flow has none).
	Unfinished string
	// IllegalToken is the API error for a token that is unknown, of
	// another SecretId or of another flow; ExpiredToken the one after
	// ResultLifetime.
	IllegalToken, ExpiredToken string
}

// evictionGrace keeps a session this long past its ResultLifetime so that
// late calls get the "expired" answer rather than the "illegal" one.
const evictionGrace = 24 * time.Hour

// Flow is one SDK flow's lifecycle (flow.Flow).
type Flow struct {
	spec      Spec
	table     catalog.Flow
	scenarios func() *scenarios.Set
}

var _ flow.Flow = (*Flow)(nil)

// newFlow returns the flow of spec; its table must be in the catalogue.
func newFlow(spec Spec, sets func() *scenarios.Set) *Flow {
	table, ok := catalog.LookupFlow(spec.Kind)
	if !ok || len(table.Codes) == 0 {
		panic("sdkflow: no result table in the catalogue for flow " + spec.Kind)
	}
	return &Flow{spec: spec, table: table, scenarios: sets}
}

// Spec returns the flow's description.
func (f *Flow) Spec() Spec { return f.spec }

// Table returns the flow's result-code table.
func (f *Flow) Table() catalog.Flow { return f.table }

// Kind implements flow.Flow.
func (f *Flow) Kind() string { return f.spec.Kind }

// NewData implements flow.Flow.
func (f *Flow) NewData() store.Data { return &Data{} }

// ResultLifetime implements flow.Flow.
func (f *Flow) ResultLifetime() time.Duration { return f.spec.ResultLifetime }

// EvictionGrace implements flow.Flow.
func (f *Flow) EvictionGrace() time.Duration { return evictionGrace }

// Expire implements flow.Flow: a session the SDK did not finish within
// TokenLifetime completes with the flow's Unfinished code.
func (f *Flow) Expire(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending || f.spec.TokenLifetime == 0 || f.spec.Unfinished == "" ||
		now.Sub(sess.CreatedAt) <= f.spec.TokenLifetime {
		return false
	}
	f.finish(sess, f.spec.Unfinished, SourceExpiry, now, scenarios.Media{})
	return true
}

// Status implements flow.Flow.
func (f *Flow) Status(sess *store.Session) string {
	r := dataOf(sess).Result
	return flow.StatusOf(sess, r != nil && r.Source == SourceExpiry)
}

// CompleteRequest is the body of POST /_emulator/sessions/{token}/complete
// for an SDK flow: a result code of the flow's table (with the similarity
// of the comparison where the flow compares faces), or a scenario played
// whole; empty plays the session's own scenario.
type CompleteRequest struct {
	Result     *string  `json:"Result,omitempty"`
	Similarity *float64 `json:"Similarity,omitempty"`
	Scenario   string   `json:"Scenario,omitempty"`
}

func (f *Flow) parseComplete(body json.RawMessage) (CompleteRequest, *scenarios.Scenario, error) {
	var req CompleteRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, nil, flow.Invalid("invalid JSON: %v", err)
		}
	}
	switch {
	case req.Scenario != "" && (req.Result != nil || req.Similarity != nil):
		return req, nil, flow.Invalid(`give either {"Result":"code"} or {"Scenario":"name"}, not both`)
	case req.Similarity != nil && req.Result == nil:
		return req, nil, flow.Invalid("Similarity needs a Result")
	case req.Similarity != nil && (math.IsNaN(*req.Similarity) || *req.Similarity < 0 || *req.Similarity > 100):
		return req, nil, flow.Invalid("Similarity must be between 0 and 100")
	case req.Result != nil:
		if _, ok := f.table.Lookup(*req.Result); !ok {
			return req, nil, fmt.Errorf("%w: %q is not a result code of flow %s", flow.ErrUnknownCode, *req.Result, f.spec.Kind)
		}
	case req.Scenario != "":
		sc, err := flow.NamedScenario(f.scenarios(), req.Scenario)
		return req, sc, err
	}
	return req, nil, nil
}

// Complete implements flow.Flow (see CompleteRequest).
func (f *Flow) Complete(sess *store.Session, body json.RawMessage, now time.Time) error {
	req, sc, err := f.parseComplete(body)
	if err != nil {
		return err
	}
	if sess.State != store.StatePending {
		return flow.ErrCompleted
	}
	switch {
	case req.Result != nil:
		f.completeWithCode(sess, *req.Result, req.Similarity, SourceControl, now)
	case sc != nil:
		f.play(sess, sc, SourceControl, now)
	default:
		f.play(sess, f.scenarioOf(sess), SourceControl, now)
	}
	return nil
}

// SetScenario implements flow.Flow.
func (f *Flow) SetScenario(sess *store.Session, sc *scenarios.Scenario, now time.Time) error {
	return flow.Override(sess, sc, now)
}

// Outcome implements flow.Flow: PUT …/scenario {"ErrorCode":n} for the
// flows whose codes are numbers ("1002"), completing when the SDK would
// (the session's completion mode is kept by the caller's scenario).
func (f *Flow) Outcome(code int, similarity *float64) (*scenarios.Scenario, error) {
	c := strconv.Itoa(code)
	if _, ok := f.table.Lookup(c); !ok {
		return nil, fmt.Errorf("%w: %d is not a result code of flow %s", flow.ErrUnknownCode, code, f.spec.Kind)
	}
	if similarity != nil && (math.IsNaN(*similarity) || *similarity < 0 || *similarity > 100) {
		return nil, flow.Invalid("Similarity must be between 0 and 100")
	}
	sc := &scenarios.Scenario{Name: "outcome-" + c, For: f.spec.Kind, Result: &scenarios.Result{Code: &c}}
	if similarity != nil {
		sc.Attempts = f.attemptsFor(c, similarity)
	}
	return sc, nil
}

// scenarioOf returns the scenario deciding the session's outcome.
func (f *Flow) scenarioOf(sess *store.Session) *scenarios.Scenario {
	return flow.ScenarioOf(sess, f.scenarios)
}

// Poll is a result call on a pending session: completion auto completes
// it, completion polls counts the call and completes it after the
// scenario's number of pending answers. It reports whether the session
// changed.
func (f *Flow) Poll(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending {
		return false
	}
	sc := f.scenarioOf(sess)
	return flow.Poll(sess, sc.Completion.EffectiveMode(), sc.Completion.Polls, now, func(source string) {
		f.play(sess, sc, source, now)
	})
}

// Open records that the simulator page opened the session and completes
// it when its scenario completes automatically.
func (f *Flow) Open(sess *store.Session, now time.Time) {
	if !sess.PageOpened {
		sess.PageOpened = true
		flow.AddEvent(sess, now, "page-opened", "")
	}
	if sess.State != store.StatePending {
		return
	}
	if sc := f.scenarioOf(sess); sc.Completion.EffectiveMode() == scenarios.CompletionAuto {
		f.play(sess, sc, SourcePage, now)
	}
}

// ---- outcomes -------------------------------------------------------------

// attemptsFor returns the attempts that end in code when nothing scripts
// them: a pass, a liveness failure or a comparison failure is one attempt;
// codes of other categories (the process, the request, media, the
// system) end the flow before any attempt.
func (f *Flow) attemptsFor(code string, similarity *float64) []scenarios.Attempt {
	r, _ := f.table.Lookup(code)
	switch r.Category {
	case "pass":
		return []scenarios.Attempt{{Similarity: similarity}}
	case "liveness":
		return []scenarios.Attempt{{Liveness: -1}} // the code itself, see attemptOf
	case "compare":
		return []scenarios.Attempt{{Liveness: 0, Compare: ptr(-1), Similarity: similarity}}
	}
	return nil
}

// attemptOf resolves a scripted attempt; -1 stands for "the final code".
func (f *Flow) attemptOf(d *Data, sa scenarios.Attempt, final string, at time.Time) Attempt {
	pass := f.table.Pass().Code
	a := Attempt{RequestID: uuid.NewString(), At: at.UnixMilli(), LiveCode: pass}
	switch {
	case sa.Liveness == -1:
		a.LiveCode = final
	case sa.Liveness != 0:
		a.LiveCode = strconv.Itoa(sa.Liveness)
	}
	if d.Compares && a.LiveCode == pass {
		c := pass
		if sa.Compare != nil {
			c = strconv.Itoa(*sa.Compare)
			if *sa.Compare == -1 {
				c = final
			}
		}
		a.CompareCode = &c
	}
	a.Code = a.LiveCode
	if a.Code == pass && a.CompareCode != nil {
		a.Code = *a.CompareCode
	}
	if sa.Compare != nil && *sa.Compare == -1 && a.CompareCode == nil {
		// No comparison runs in this session, so the code can only be
		// carried by the attempt itself.
		a.Code = final
	}
	if sa.ErrorCode != nil {
		a.Code = strconv.Itoa(*sa.ErrorCode)
	}
	switch {
	case sa.Similarity != nil && a.CompareCode != nil:
		a.Similarity = *sa.Similarity
	case a.CompareCode != nil && *a.CompareCode == pass:
		a.Similarity = scenarios.DefaultPassSimilarity
	case a.CompareCode != nil && *a.CompareCode == strconv.Itoa(catalog.ResultLowSimilarity):
		a.Similarity = scenarios.DefaultLowSimilarity
	}
	// The tag describes a liveness failure, as in the web flow.
	if d.Plus && a.LiveCode != pass && len(sa.LivenessInfoTag) > 0 {
		a.LivenessInfoTag = append([]string(nil), sa.LivenessInfoTag...)
	}
	return a
}

// scriptedCode is the code a scenario names for the end of the flow:
// result.code (or a web scenario's result.errorCode) when it is one of the
// flow's table, else "".
func (f *Flow) scriptedCode(sc *scenarios.Scenario) string {
	if r := sc.Result; r != nil {
		if r.Code != nil && f.known(*r.Code) {
			return *r.Code
		}
		if r.ErrorCode != nil {
			if c := strconv.Itoa(*r.ErrorCode); f.known(c) {
				return c
			}
		}
	}
	return ""
}

// lastCode is the code the last attempt ended with when the flow's table
// has it, else the pass code.
func (f *Flow) lastCode(attempts []Attempt) string {
	if n := len(attempts); n > 0 && f.known(attempts[n-1].Code) {
		return attempts[n-1].Code
	}
	return f.table.Pass().Code
}

func (f *Flow) known(code string) bool {
	_, ok := f.table.Lookup(code)
	return ok
}

// play completes sess with the whole outcome of sc: its attempts (one
// derived from its code when it scripts none) and its code (the last
// attempt's when it names none).
func (f *Flow) play(sess *store.Session, sc *scenarios.Scenario, source string, now time.Time) {
	d := own(sess)
	final := f.scriptedCode(sc)
	script := sc.Attempts
	if len(script) == 0 {
		if final == "" {
			final = f.table.Pass().Code
		}
		script = f.attemptsFor(final, nil)
	}
	for _, sa := range script {
		d.Attempts = append(d.Attempts, f.attemptOf(d, sa, final, now))
	}
	if final == "" {
		final = f.lastCode(d.Attempts)
	}
	f.finish(sess, final, source, now, sc.Media)
	if d.CardType != "" {
		d.Result.OCR = ocrOf(sc)
	}
}

// completeWithCode records the attempt that ends in code and completes.
func (f *Flow) completeWithCode(sess *store.Session, code string, similarity *float64, source string, now time.Time) {
	d := own(sess)
	for _, sa := range f.attemptsFor(code, similarity) {
		d.Attempts = append(d.Attempts, f.attemptOf(d, sa, code, now))
	}
	f.finish(sess, code, source, now, scenarios.Media{})
	if d.CardType != "" {
		d.Result.OCR = ocrOf(nil)
	}
}

// finish marks sess completed with code.
func (f *Flow) finish(sess *store.Session, code, source string, now time.Time, m scenarios.Media) {
	d := own(sess)
	r, _ := f.table.Lookup(code)
	res := &Result{Code: code, Message: r.Message, Source: source, BestFrame: scenarios.MediaNone, Video: scenarios.MediaNone}
	if len(d.Attempts) > 0 {
		// The emulator does not keep comparison images, so compare-image
		// stands for the sample too.
		if m.BestFrameSource() != scenarios.MediaNone {
			res.BestFrame = scenarios.MediaSample
		}
		if m.VideoSource() != scenarios.MediaNone {
			res.Video = scenarios.MediaSample
		}
	}
	d.Result = res
	sess.State = store.StateCompleted
	t := now
	sess.CompletedAt = &t
	flow.AddEvent(sess, now, "completed", "result %s (%s)", code, source)
}

// ocrOf is the document step's outcome under sc (nil: a pass).
func ocrOf(sc *scenarios.Scenario) *OCR {
	o := &OCR{IsPass: true, RequestID: uuid.NewString()}
	if sc != nil && sc.OCR != nil {
		o.IsPass = sc.OCR.Pass()
		o.Fields = sc.OCR.Fields
		o.WarnCardInfos = sc.OCR.WarnCardInfos
	}
	return o
}

func ptr[T any](v T) *T { return &v }
