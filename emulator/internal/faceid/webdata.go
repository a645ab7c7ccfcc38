package faceid

import (
	"maps"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// WebData is the web flow's part of a session (store.Session.Data). Its
// JSON names are those the sessions of releases before flows had at the
// top level, so the disk store reads their records as WebData.
type WebData struct {
	RedirectURL string    `json:"redirectURL"`
	Extra       *string   `json:"extra"`
	RuleID      string    `json:"ruleId,omitempty"`
	Config      WebConfig `json:"config"`
	// HasCompareImage records that the Apply carried CompareImageBase64.
	HasCompareImage bool `json:"hasCompareImage"`
	// CompareImage is kept only when the scenario echoes it as best frame.
	CompareImage string    `json:"compareImage,omitempty"`
	Attempts     []Attempt `json:"attempts,omitempty"`
	Result       *Result   `json:"result,omitempty"`
}

// WebConfig is the Apply request's WebVerificationConfigIntl with every
// default resolved.
type WebConfig struct {
	AutoSkipStartPage       bool   `json:"AutoSkipStartPage"`
	AutoSkip                bool   `json:"AutoSkip"`
	CheckMode               int64  `json:"CheckMode"`
	IDCardType              string `json:"IDCardType"`
	DisableCheckOcrWarnings bool   `json:"DisableCheckOcrWarnings"`
	SecurityLevel           int64  `json:"SecurityLevel"`
	SkipPrivacyPolicy       bool   `json:"SkipPrivacyPolicy"`
	IdCardCutReturn         bool   `json:"IdCardCutReturn"`
	ThemeColor              string `json:"ThemeColor"`
	Language                string `json:"Language"`
	AutoDowngrade           int64  `json:"AutoDowngrade"`
	ActionList              string `json:"ActionList"`
	LivenessRetryLimit      int64  `json:"LivenessRetryLimit"`
	LivenessTimeout         uint64 `json:"LivenessTimeout"`
	SelectedWarningCodes    string `json:"SelectedWarningCodes"`
	AllowExpiredDocument    bool   `json:"AllowExpiredDocument"`
	Version                 string `json:"Version"`
}

// Attempt is one liveness attempt (one VerificationDetail).
type Attempt struct {
	Seq               string   `json:"seq"`
	ReqTimestampMS    int64    `json:"reqTimestamp"`
	ErrorCode         int      `json:"errorCode"`
	LivenessErrorCode int      `json:"livenessErrorCode"`
	CompareErrorCode  *int     `json:"compareErrorCode"`
	Similarity        float64  `json:"similarity"`
	LivenessInfoTag   []string `json:"livenessInfoTag,omitempty"`
}

// Result is the final outcome of a completed session.
type Result struct {
	ErrorCode int    `json:"errorCode"`
	ErrorMsg  string `json:"errorMsg"`
	// BestFrame and Video name the media to return: "sample",
	// "compare-image" or "none".
	BestFrame string `json:"bestFrame"`
	Video     string `json:"video"`
	OCR       *OCR   `json:"ocr,omitempty"`
	// Source tells what completed the session: "page", "control",
	// "polls" or "expiry".
	Source string `json:"source"`
}

// OCR is the document step's outcome.
type OCR struct {
	IsPass        bool              `json:"isPass"`
	Fields        map[string]string `json:"fields,omitempty"`
	WarnCardInfos []int             `json:"warnCardInfos,omitempty"`
	RequestID     string            `json:"requestId"`
}

// Clone returns a deep copy (nil for nil).
func (o *OCR) Clone() *OCR {
	if o == nil {
		return nil
	}
	c := *o
	c.WarnCardInfos = append([]int(nil), o.WarnCardInfos...)
	c.Fields = maps.Clone(o.Fields)
	return &c
}

// Clone implements store.Data.
func (d *WebData) Clone() store.Data {
	c := *d
	if d.Extra != nil {
		e := *d.Extra
		c.Extra = &e
	}
	if d.Attempts != nil {
		c.Attempts = make([]Attempt, len(d.Attempts))
		for i, a := range d.Attempts {
			c.Attempts[i] = a
			if a.CompareErrorCode != nil {
				v := *a.CompareErrorCode
				c.Attempts[i].CompareErrorCode = &v
			}
			c.Attempts[i].LivenessInfoTag = append([]string(nil), a.LivenessInfoTag...)
		}
	}
	if d.Result != nil {
		r := *d.Result
		r.OCR = r.OCR.Clone()
		c.Result = &r
	}
	return &c
}

// webData returns the web flow's part of a session. Sessions of the web
// flow always carry one (Apply creates it, the store decodes it); an empty
// one stands in rather than a panic.
func webData(sess *store.Session) *WebData {
	if d, ok := sess.Data.(*WebData); ok && d != nil {
		return d
	}
	return &WebData{}
}
