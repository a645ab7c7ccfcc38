// Package cardverify is the card-verification flow of the intl document
// OCR (ocr 2018-11-19) as a lifecycle: ApplyCardVerificationExternal
// creates a session (its CardVerificationToken) that is PROCESSING, the
// session's scenario, the polls or the control API decide when it is done
// (COMPLETED or ABNORMAL, with WarnInfo), GetCardVerificationExternalResult
// reads it, and with WebhookUrl the merchant is called back when it ends
// (package webhook). It is a flow.Flow of its own rather than an sdkflow
// one: it has no SDK run, attempts or media, and its outcome is a status
// with warnings and recognised card fields. The status table is the
// catalogue's "cardverify" flow (catalog/ocr-results.json).
package cardverify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Kind is the flow's kind (store.Session.Flow, scenarios' `for`).
const Kind = "cardverify"

const (
	applyAction  = "ApplyCardVerificationExternal"
	resultAction = "GetCardVerificationExternalResult"
)

// Statuses of GetCardVerificationExternalResult (its Status member).
const (
	StatusProcessing = "PROCESSING"
	StatusCompleted  = "COMPLETED"
	StatusAbnormal   = "ABNORMAL"
)

// Sources of a completion.
const (
	SourceControl = "control" // POST /_emulator/sessions/{token}/complete
	SourceAuto    = "auto"    // the first result call
	SourcePolls   = "polls"   // after the scenario's number of PROCESSING answers
	SourceExpiry  = "expiry"  // the token's lifetime passed while processing
)

// evictionGrace keeps a session past its lifetime so late calls get the
// expired answer.
const evictionGrace = 24 * time.Hour

// Data is the flow's part of a session.
type Data struct {
	Nationality     string   `json:"nationality"`
	CardType        string   `json:"cardType"`
	ReturnHeadImage bool     `json:"returnHeadImage,omitempty"`
	BackRequired    bool     `json:"backRequired,omitempty"`
	WebhookURL      string   `json:"webhookUrl,omitempty"`
	ImageSHA256     []string `json:"imageSha256,omitempty"`
	Result          *Result  `json:"result,omitempty"`
}

// Result is a finished session's outcome.
type Result struct {
	Status   string            `json:"status"`
	WarnInfo []string          `json:"warnInfo,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
	Source   string            `json:"source"`
}

// Clone implements store.Data.
func (d *Data) Clone() store.Data {
	c := *d
	c.ImageSHA256 = slices.Clone(d.ImageSHA256)
	if d.Result != nil {
		r := *d.Result
		r.WarnInfo = slices.Clone(r.WarnInfo)
		if r.Fields != nil {
			r.Fields = make(map[string]string, len(d.Result.Fields))
			for k, v := range d.Result.Fields {
				r.Fields[k] = v
			}
		}
		c.Result = &r
	}
	return &c
}

func dataOf(sess *store.Session) *Data { return flow.DataOf[Data](sess) }

func own(sess *store.Session) *Data { return flow.OwnData[Data](sess) }

// ResultLifetime is how long a CardVerificationToken answers, and
// TokenError the API error for a token that is unknown, another
// SecretId's or past that lifetime: Tencent documents neither, so both are
// the catalogue's inference (its "cardverify" table; a test checks these
// constants against it). They are constants rather than read from the
// catalogue so that start-up does not parse ocr-results.json.
const (
	ResultLifetime = 24 * time.Hour
	TokenError     = "InvalidParameterValue.InvalidParameterValueLimit"
)

// Flow is the card-verification flow (flow.Flow).
type Flow struct {
	lifetime  time.Duration
	scenarios func() *scenarios.Set
	// onDone is told of every session that finishes (not by expiry) on the
	// copy being changed; it must not block (the webhook is queued).
	onDone func(sess *store.Session)
}

var _ flow.Flow = (*Flow)(nil)

// NewFlow returns the flow.
func NewFlow(sets func() *scenarios.Set) *Flow {
	return &Flow{lifetime: ResultLifetime, scenarios: sets}
}

// Kind implements flow.Flow.
func (f *Flow) Kind() string { return Kind }

// NewData implements flow.Flow.
func (f *Flow) NewData() store.Data { return &Data{} }

// ResultLifetime implements flow.Flow.
func (f *Flow) ResultLifetime() time.Duration { return f.lifetime }

// EvictionGrace implements flow.Flow.
func (f *Flow) EvictionGrace() time.Duration { return evictionGrace }

// Expire implements flow.Flow: a session still processing when its
// lifetime ends is ABNORMAL (state expired). No callback is sent for it.
func (f *Flow) Expire(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending || now.Sub(sess.CreatedAt) <= f.lifetime {
		return false
	}
	f.finish(sess, &Result{Status: StatusAbnormal, Source: SourceExpiry}, now)
	return true
}

// Status implements flow.Flow.
func (f *Flow) Status(sess *store.Session) string {
	r := dataOf(sess).Result
	return flow.StatusOf(sess, r != nil && r.Source == SourceExpiry)
}

// CompleteRequest is the body of POST /_emulator/sessions/{token}/complete
// for the flow: a status (COMPLETED or ABNORMAL) with optional warnings,
// or a scenario played whole; empty plays the session's own scenario.
type CompleteRequest struct {
	Status   string   `json:"Status,omitempty"`
	WarnInfo []string `json:"WarnInfo,omitempty"`
	Scenario string   `json:"Scenario,omitempty"`
}

// Complete implements flow.Flow.
func (f *Flow) Complete(sess *store.Session, body json.RawMessage, now time.Time) error {
	var req CompleteRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return flow.Invalid("invalid JSON: %v", err)
		}
	}
	var sc *scenarios.Scenario
	switch {
	case req.Scenario != "" && (req.Status != "" || len(req.WarnInfo) > 0):
		return flow.Invalid(`give either {"Status":"..."} or {"Scenario":"name"}, not both`)
	case req.Status == StatusProcessing:
		return flow.Invalid("PROCESSING is the state before completion: complete with COMPLETED or ABNORMAL")
	case req.Status != "" && !f.known(req.Status):
		return fmt.Errorf("%w: %q is not a Status of flow %s (COMPLETED, ABNORMAL)", flow.ErrUnknownCode, req.Status, Kind)
	case req.Scenario != "":
		var err error
		if sc, err = flow.NamedScenario(f.scenarios(), req.Scenario); err != nil {
			return err
		}
	}
	if err := checkWarnings(req.WarnInfo); err != nil {
		return err
	}
	if sess.State != store.StatePending {
		return flow.ErrCompleted
	}
	switch {
	case req.Status != "":
		f.finish(sess, &Result{Status: req.Status, WarnInfo: req.WarnInfo, Source: SourceControl}, now)
	case sc != nil:
		f.play(sess, sc, SourceControl, now)
	default:
		f.play(sess, f.scenarioOf(sess), SourceControl, now)
	}
	return nil
}

// checkWarnings refuses a WarnInfo value the documentation does not list.
func checkWarnings(ws []string) error {
	a, _ := catalog.LookupOCR(resultAction)
	for _, w := range ws {
		if a.Warnings == nil || !slices.ContainsFunc(a.Warnings.Codes, func(c catalog.FlowResult) bool { return c.Code == w }) {
			return fmt.Errorf("%w: %q is not a documented WarnInfo value", flow.ErrUnknownCode, w)
		}
	}
	return nil
}

// SetScenario implements flow.Flow.
func (f *Flow) SetScenario(sess *store.Session, sc *scenarios.Scenario, now time.Time) error {
	return flow.Override(sess, sc, now)
}

// Outcome implements flow.Flow: the flow's statuses are words, so PUT
// …/scenario {"ErrorCode":n} has nothing to name.
func (f *Flow) Outcome(int, *float64) (*scenarios.Scenario, error) {
	return nil, flow.Invalid(`the card-verification flow has no numeric codes: PUT {"Scenario":"name"} or POST …/complete {"Status":"ABNORMAL"}`)
}

// known: a final Status of the documented three (PROCESSING is the state
// before one).
func (f *Flow) known(status string) bool {
	return status == StatusCompleted || status == StatusAbnormal || status == StatusProcessing
}

func (f *Flow) scenarioOf(sess *store.Session) *scenarios.Scenario {
	return flow.ScenarioOf(sess, f.scenarios)
}

// mode is the scenario's completion mode for this flow: a scenario not
// written for it (the global default, a SecretId's default for every
// flow) or one that sets no mode completes at the first result call
// (auto), as the real service finishes within seconds of the apply call;
// "manual" waits for the control API, "polls" for N result calls.
func mode(sc *scenarios.Scenario) string {
	if sc.For != Kind || sc.Completion.Mode == "" {
		return scenarios.CompletionAuto
	}
	return sc.Completion.Mode
}

// Poll is a result call on a pending session: completion auto finishes it,
// polls finishes it after the scenario's number of PROCESSING answers. It
// reports whether the session changed.
func (f *Flow) Poll(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending {
		return false
	}
	sc := f.scenarioOf(sess)
	return flow.Poll(sess, mode(sc), sc.Completion.Polls, now, func(source string) {
		f.play(sess, sc, source, now)
	})
}

// play finishes sess with sc's outcome: result.code (COMPLETED by
// default), the WarnInfo of its answer for the result action, and
// ocr.fields over the recognised card fields.
func (f *Flow) play(sess *store.Session, sc *scenarios.Scenario, source string, now time.Time) {
	r := &Result{Status: StatusCompleted, Source: source}
	if sc.Result != nil && sc.Result.Code != nil && f.known(*sc.Result.Code) && *sc.Result.Code != StatusProcessing {
		r.Status = *sc.Result.Code
	}
	if b, ok := sc.Behavior(resultAction); ok {
		if raw, ok := b.Response["WarnInfo"]; ok {
			r.WarnInfo = warnList(raw)
		}
	}
	if sc.OCR != nil && len(sc.OCR.Fields) > 0 {
		r.Fields = sc.OCR.Fields
	}
	f.finish(sess, r, now)
}

// warnList reads a scripted WarnInfo (a list of strings).
func warnList(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (f *Flow) finish(sess *store.Session, r *Result, now time.Time) {
	own(sess).Result = r
	sess.State = store.StateCompleted
	t := now
	sess.CompletedAt = &t
	flow.AddEvent(sess, now, "completed", "status %s (%s)", r.Status, r.Source)
	if r.Source != SourceExpiry && f.onDone != nil {
		f.onDone(sess)
	}
}

// SessionJSON is a card-verification session as the control API shows it.
type SessionJSON struct {
	Flow                  string        `json:"Flow"`
	Token                 string        `json:"Token"`
	CardVerificationToken string        `json:"CardVerificationToken"`
	ApplyAction           string        `json:"ApplyAction"`
	ResultAction          string        `json:"ResultAction"`
	SecretId              string        `json:"SecretId"`
	State                 string        `json:"State"`
	Status                string        `json:"Status"` // PROCESSING, COMPLETED or ABNORMAL
	CreatedAt             time.Time     `json:"CreatedAt"`
	CompletedAt           *time.Time    `json:"CompletedAt"`
	ResultExpiresAt       time.Time     `json:"ResultExpiresAt"`
	Nationality           string        `json:"Nationality"`
	CardType              string        `json:"CardType"`
	ReturnHeadImage       bool          `json:"ReturnHeadImage"`
	BackRequired          bool          `json:"BackRequired"`
	WebhookUrl            string        `json:"WebhookUrl"`
	ImageSha256           []string      `json:"ImageSha256"`
	Scenario              string        `json:"Scenario"`
	ScenarioReason        string        `json:"ScenarioReason"`
	Scripted              bool          `json:"Scripted"`
	Completion            string        `json:"Completion"`
	Polls                 int           `json:"Polls"`
	WarnInfo              []string      `json:"WarnInfo"`
	Source                string        `json:"Source"`
	Timeline              []store.Event `json:"Timeline"`
}

// Render implements flow.Flow.
func (f *Flow) Render(sess *store.Session, _ string) any {
	d := dataOf(sess)
	out := SessionJSON{
		Flow: Kind, Token: sess.Token, CardVerificationToken: sess.Token, ApplyAction: applyAction,
		ResultAction: resultAction, SecretId: sess.SecretID, State: f.Status(sess), Status: StatusProcessing,
		CreatedAt: sess.CreatedAt, CompletedAt: sess.CompletedAt, ResultExpiresAt: sess.CreatedAt.Add(f.lifetime),
		Nationality: d.Nationality, CardType: d.CardType, ReturnHeadImage: d.ReturnHeadImage,
		BackRequired: d.BackRequired, WebhookUrl: d.WebhookURL, ImageSha256: d.ImageSHA256,
		Scenario: sess.Scenario, ScenarioReason: sess.ScenarioReason, Scripted: flow.Scripted(sess),
		Completion: mode(f.scenarioOf(sess)), Polls: sess.Polls, Timeline: sess.Timeline,
	}
	if r := d.Result; sess.State == store.StateCompleted && r != nil {
		out.Status, out.WarnInfo, out.Source = r.Status, r.WarnInfo, r.Source
	}
	return out
}
