package sdkflow

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// SessionJSON is an SDK flow's session as the control API (and the
// simulator page) shows it. Field names follow the Tencent API's
// PascalCase; Flow and Token are the fields every flow's sessions have.
type SessionJSON struct {
	Flow  string `json:"Flow"`
	Token string `json:"Token"`
	// SdkToken is Token under the API's name (not for reflect, whose
	// actions carry no token).
	SdkToken      string `json:"SdkToken,omitempty"`
	ApplyAction   string `json:"ApplyAction"`
	ResultAction  string `json:"ResultAction"`
	SecretId      string `json:"SecretId"`
	State         string `json:"State"` // pending, completed or expired
	CreatedAt     time.Time
	CompletedAt   *time.Time
	ExpiresAt     *time.Time // when the SDK's token lifetime ends (null: none)
	ResultExpires time.Time  `json:"ResultExpiresAt"`
	SimulatorURL  string     `json:"SimulatorURL"`
	Extra         *string    `json:"Extra"`
	// Config is the apply request's settings, defaults resolved.
	Config         json.RawMessage `json:"Config"`
	Scenario       string          `json:"Scenario"`
	ScenarioReason string          `json:"ScenarioReason"`
	Scripted       bool            `json:"Scripted"`
	Completion     CompletionJSON  `json:"Completion"`
	PageOpened     bool            `json:"PageOpened"`
	Polls          int             `json:"Polls"`
	RetryLimit     int             `json:"RetryLimit"`
	Attempts       []AttemptJSON   `json:"Attempts"`
	// Pending is the answer while the SDK has not finished (e.g. "-999").
	Pending  string        `json:"PendingResult"`
	Result   *ResultJSON   `json:"Result"`
	Timeline []store.Event `json:"Timeline"`
}

// CompletionJSON is the completion mode of the session's scenario.
type CompletionJSON struct {
	Mode  string `json:"Mode"`
	Polls int    `json:"Polls"`
}

// AttemptJSON is one liveness process.
type AttemptJSON struct {
	RequestId        string   `json:"RequestId"`
	ReqTimestamp     int64    `json:"ReqTimestamp"`
	Result           string   `json:"Result"`
	Description      string   `json:"Description"`
	LiveErrorCode    string   `json:"LiveErrorCode"`
	CompareErrorCode *string  `json:"CompareErrorCode"`
	Similarity       float64  `json:"Similarity"`
	LivenessInfoTag  []string `json:"LivenessInfoTag"`
}

// ResultJSON is a completed session's outcome.
type ResultJSON struct {
	Result      string `json:"Result"`
	Description string `json:"Description"`
	Category    string `json:"Category"`
	Source      string `json:"Source"`
	BestFrame   string `json:"BestFrame"`
	Video       string `json:"Video"`
	OCRIsPass   *bool  `json:"OCRIsPass"`
}

// Render implements flow.Flow. base is the browser-facing scheme://host of
// SimulatorURL ("" = a relative URL).
func (f *Flow) Render(sess *store.Session, base string) any {
	d := dataOf(sess)
	sc := f.scenarioOf(sess)
	out := SessionJSON{
		Flow:           f.spec.Kind,
		Token:          sess.Token,
		ApplyAction:    f.spec.Apply,
		ResultAction:   f.spec.Result,
		SecretId:       sess.SecretID,
		State:          f.Status(sess),
		CreatedAt:      sess.CreatedAt.UTC(),
		ResultExpires:  sess.CreatedAt.Add(f.spec.ResultLifetime).UTC(),
		SimulatorURL:   flow.SimulatorURL(base, sess.Token),
		Extra:          d.Extra,
		Config:         d.Config,
		Scenario:       sc.Name,
		ScenarioReason: sess.ScenarioReason,
		Scripted:       flow.Scripted(sess),
		Completion:     CompletionJSON{Mode: sc.Completion.EffectiveMode(), Polls: sc.Completion.Polls},
		PageOpened:     sess.PageOpened,
		Polls:          sess.Polls,
		RetryLimit:     d.RetryLimit,
		Attempts:       make([]AttemptJSON, 0, len(d.Attempts)),
		Pending:        f.spec.Unfinished,
		Timeline:       sess.Timeline,
	}
	if f.spec.Kind != KindReflect {
		out.SdkToken = sess.Token
	}
	if len(out.Config) == 0 {
		out.Config = json.RawMessage("{}")
	}
	if out.Timeline == nil {
		out.Timeline = []store.Event{}
	}
	if f.spec.TokenLifetime > 0 {
		t := sess.CreatedAt.Add(f.spec.TokenLifetime).UTC()
		out.ExpiresAt = &t
	}
	if sess.CompletedAt != nil {
		t := sess.CompletedAt.UTC()
		out.CompletedAt = &t
	}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, AttemptJSON{
			RequestId: a.RequestID, ReqTimestamp: a.At, Result: a.Code, Description: f.message(a.Code),
			LiveErrorCode: a.LiveCode, CompareErrorCode: a.CompareCode, Similarity: a.Similarity,
			LivenessInfoTag: a.LivenessInfoTag,
		})
	}
	if r := d.Result; r != nil {
		entry, _ := f.table.Lookup(r.Code)
		rj := &ResultJSON{Result: r.Code, Description: r.Message, Category: entry.Category, Source: r.Source,
			BestFrame: r.BestFrame, Video: r.Video}
		if r.OCR != nil {
			pass := r.OCR.IsPass
			rj.OCRIsPass = &pass
		}
		out.Result = rj
	}
	return out
}

// message is the table's text of code ("" for none).
func (f *Flow) message(code string) string {
	r, _ := f.table.Lookup(code)
	return r.Message
}

// completionOf is a scenario's completion mode, for notes.
func completionOf(sc *scenarios.Scenario) string {
	c := sc.Completion
	if c.EffectiveMode() == scenarios.CompletionPolls {
		return "polls " + strconv.Itoa(c.Polls)
	}
	return c.EffectiveMode()
}
