package faceid

import (
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// SessionJSON is a web session as the control API shows it. Field names
// follow the Tencent API's PascalCase. Flow and Token are the fields every
// flow's sessions have; BizToken is Token under the web flow's name.
type SessionJSON struct {
	Flow            string        `json:"Flow"`
	Token           string        `json:"Token"`
	BizToken        string        `json:"BizToken"`
	SecretId        string        `json:"SecretId"`
	State           string        `json:"State"`
	CreatedAt       time.Time     `json:"CreatedAt"`
	CompletedAt     *time.Time    `json:"CompletedAt"`
	ExpiresAt       time.Time     `json:"ExpiresAt"`
	ResultExpiresAt time.Time     `json:"ResultExpiresAt"`
	VerificationURL string        `json:"VerificationURL"`
	RedirectURL     string        `json:"RedirectURL"`
	Extra           *string       `json:"Extra"`
	RuleId          string        `json:"RuleId"`
	Config          WebConfig     `json:"Config"`
	Scenario        string        `json:"Scenario"`
	ScenarioReason  string        `json:"ScenarioReason"`
	Scripted        bool          `json:"Scripted"`
	PageOpened      bool          `json:"PageOpened"`
	Polls           int           `json:"Polls"`
	AttemptsLeft    int           `json:"AttemptsLeft"`
	Attempts        []AttemptJSON `json:"Attempts"`
	Result          *ResultJSON   `json:"Result"`
	Timeline        []store.Event `json:"Timeline"`
}

// AttemptJSON is one attempt (one VerificationDetail).
type AttemptJSON struct {
	Seq               string   `json:"Seq"`
	ReqTimestamp      int64    `json:"ReqTimestamp"`
	ErrorCode         int      `json:"ErrorCode"`
	ErrorMsg          string   `json:"ErrorMsg"`
	LivenessErrorCode int      `json:"LivenessErrorCode"`
	CompareErrorCode  *int     `json:"CompareErrorCode"`
	Similarity        float64  `json:"Similarity"`
	LivenessInfoTag   []string `json:"LivenessInfoTag"`
}

// ResultJSON is a completed session's final result.
type ResultJSON struct {
	ErrorCode int    `json:"ErrorCode"`
	ErrorMsg  string `json:"ErrorMsg"`
	Source    string `json:"Source"`
	BestFrame string `json:"BestFrame"`
	Video     string `json:"Video"`
	OCRIsPass *bool  `json:"OCRIsPass"`
}

// Render implements flow.Flow: the session as a SessionJSON. base is the
// browser-facing scheme://host of VerificationURL ("" = a relative URL).
func (w *Web) Render(sess *store.Session, base string) any {
	v := w.view(sess)
	s, d := v.Session, v.Web
	out := SessionJSON{
		Flow:            FlowWeb,
		Token:           s.Token,
		BizToken:        s.Token,
		SecretId:        s.SecretID,
		State:           v.Status,
		CreatedAt:       s.CreatedAt.UTC(),
		CompletedAt:     s.CompletedAt,
		ExpiresAt:       s.CreatedAt.Add(LinkLifetime).UTC(),
		ResultExpiresAt: s.CreatedAt.Add(ResultLifetime).UTC(),
		VerificationURL: base + "/reflect/?token=" + s.Token,
		RedirectURL:     d.RedirectURL,
		Extra:           d.Extra,
		RuleId:          d.RuleID,
		Config:          d.Config,
		Scenario:        v.ScenarioName,
		ScenarioReason:  s.ScenarioReason,
		Scripted:        v.Scripted,
		PageOpened:      s.PageOpened,
		Polls:           s.Polls,
		AttemptsLeft:    v.AttemptsLeft,
		Attempts:        make([]AttemptJSON, 0, len(d.Attempts)),
		Timeline:        s.Timeline,
	}
	if out.Timeline == nil {
		out.Timeline = []store.Event{}
	}
	if out.CompletedAt != nil {
		t := out.CompletedAt.UTC()
		out.CompletedAt = &t
	}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, AttemptJSON{
			Seq: a.Seq, ReqTimestamp: a.ReqTimestampMS, ErrorCode: a.ErrorCode,
			ErrorMsg: catalog.ResultMessage(a.ErrorCode), LivenessErrorCode: a.LivenessErrorCode,
			CompareErrorCode: a.CompareErrorCode, Similarity: a.Similarity, LivenessInfoTag: a.LivenessInfoTag,
		})
	}
	if res := d.Result; res != nil {
		rj := &ResultJSON{ErrorCode: res.ErrorCode, ErrorMsg: res.ErrorMsg, Source: res.Source, BestFrame: res.BestFrame, Video: res.Video}
		if res.OCR != nil {
			pass := res.OCR.IsPass
			rj.OCRIsPass = &pass
		}
		out.Result = rj
	}
	return out
}
