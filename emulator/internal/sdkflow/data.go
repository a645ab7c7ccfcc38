package sdkflow

import (
	"encoding/json"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// Data is an SDK flow's part of a session (store.Session.Data), the same
// for the four flows; what differs is in Config.
type Data struct {
	// Config is the apply request's settings with defaults resolved, as
	// the flow's own JSON object (shown by Render).
	Config json.RawMessage `json:"config,omitempty"`
	Extra  *string         `json:"extra,omitempty"`
	// Compares: the flow compares the face with an image (attempts carry a
	// comparison code and a similarity).
	Compares bool `json:"compares,omitempty"`
	// CardType is the NormalCardInfo key of the document the eKYC SDK
	// reads ("" = no document step).
	CardType string `json:"cardType,omitempty"`
	// Plus: LivenessInfoTag is reported (SdkVersion PLUS or PRO).
	Plus bool `json:"plus,omitempty"`
	// DeviceInfoLevel is reported as given (SdkVersion ENHANCED or PLUS).
	DeviceInfoLevel string `json:"deviceInfoLevel,omitempty"`
	// Actions: the SDK records an action video (SecureLevel 2 or 4).
	Actions    bool      `json:"actions,omitempty"`
	RetryLimit int       `json:"retryLimit,omitempty"`
	Attempts   []Attempt `json:"attempts,omitempty"`
	Result     *Result   `json:"result,omitempty"`
}

// Attempt is one liveness (and comparison) process of the SDK.
type Attempt struct {
	RequestID string `json:"requestId"`
	At        int64  `json:"at"` // Unix milliseconds
	// Code is the attempt's result; LiveCode the liveness check's;
	// CompareCode the comparison's (nil when none ran).
	Code            string   `json:"code"`
	LiveCode        string   `json:"liveCode"`
	CompareCode     *string  `json:"compareCode,omitempty"`
	Similarity      float64  `json:"similarity"`
	LivenessInfoTag []string `json:"livenessInfoTag,omitempty"`
}

// Result is a completed session's outcome.
type Result struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Source is what completed the session (SourceControl, ...).
	Source string `json:"source"`
	// BestFrame and Video are "sample" or "none".
	BestFrame string `json:"bestFrame"`
	Video     string `json:"video"`
	OCR       *OCR   `json:"ocr,omitempty"`
}

// OCR is the eKYC document step's outcome, as the web flow's.
type OCR = faceid.OCR

// Clone implements store.Data.
func (d *Data) Clone() store.Data {
	c := *d
	c.Config = append(json.RawMessage(nil), d.Config...)
	if d.Extra != nil {
		e := *d.Extra
		c.Extra = &e
	}
	if d.Attempts != nil {
		c.Attempts = make([]Attempt, len(d.Attempts))
		for i, a := range d.Attempts {
			if a.CompareCode != nil {
				v := *a.CompareCode
				a.CompareCode = &v
			}
			a.LivenessInfoTag = append([]string(nil), a.LivenessInfoTag...)
			c.Attempts[i] = a
		}
	}
	if d.Result != nil {
		r := *d.Result
		r.OCR = r.OCR.Clone()
		c.Result = &r
	}
	return &c
}

// dataOf returns the SDK flow's part of a session (read-only); an empty
// one stands in rather than a panic for a session without one.
func dataOf(sess *store.Session) *Data { return flow.DataOf[Data](sess) }

// own returns the part of a session being changed (a copy the Hub hands a
// flow), giving it one when it has none.
func own(sess *store.Session) *Data { return flow.OwnData[Data](sess) }

// config decodes the session's Config into dst (the flow's own type).
func (d *Data) config(dst any) {
	if len(d.Config) > 0 {
		_ = json.Unmarshal(d.Config, dst) // written by the flow itself
	}
}
