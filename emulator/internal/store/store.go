// Package store keeps web-verification sessions. The Store interface has a
// memory implementation (the default) and a disk one (bbolt) for keeping
// sessions across restarts. Stores hold plain data; the session rules live
// in package faceid.
package store

import (
	"errors"
	"time"
)

// ErrNotFound is returned for an unknown BizToken.
var ErrNotFound = errors.New("store: session not found")

// ErrExists is returned when creating a session whose token is taken.
var ErrExists = errors.New("store: session already exists")

// Session states as stored. "expired" is not stored: it is derived from the
// creation time by package faceid and then stored as a completed session
// with result 15.
const (
	StatePending   = "pending"
	StateCompleted = "completed"
)

// Session is one BizToken's web verification.
type Session struct {
	BizToken    string    `json:"bizToken"`
	SecretID    string    `json:"secretId"`
	CreatedAt   time.Time `json:"createdAt"`
	RedirectURL string    `json:"redirectURL"`
	Extra       *string   `json:"extra"`
	RuleID      string    `json:"ruleId,omitempty"`
	Config      Config    `json:"config"`
	// HasCompareImage records that the Apply carried CompareImageBase64.
	HasCompareImage bool `json:"hasCompareImage"`
	// CompareImage is kept only when the scenario echoes it as best frame.
	CompareImage   string `json:"compareImage,omitempty"`
	Scenario       string `json:"scenario"`
	ScenarioReason string `json:"scenarioReason"`
	// Override is a scenario (JSON) set for this token through the control
	// API; it wins over Scenario.
	Override []byte `json:"override,omitempty"`

	State       string     `json:"state"`
	Attempts    []Attempt  `json:"attempts,omitempty"`
	Result      *Result    `json:"result,omitempty"`
	Polls       int        `json:"polls"`
	PageOpened  bool       `json:"pageOpened"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	Timeline    []Event    `json:"timeline"`
}

// Config is the Apply request's WebVerificationConfigIntl with every
// default resolved.
type Config struct {
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

// Event is one entry of a session's timeline.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

// Filter selects sessions. Zero fields match everything.
type Filter struct {
	SecretID string
	State    string
}

// Match reports whether s passes the filter.
func (f Filter) Match(s *Session) bool {
	return (f.SecretID == "" || s.SecretID == f.SecretID) && (f.State == "" || s.State == f.State)
}

// Store persists sessions. Implementations are safe for concurrent use.
//
// Sessions are snapshots: the store never changes a session it has handed
// out, so Get and Update can return one without copying it, and readers
// never see a half-made change. In return, callers treat what Create is
// given and what Get and Update return as read-only; List returns copies
// the caller may change.
type Store interface {
	// Create adds a new session, which the store keeps (the caller must not
	// change it afterwards); the oldest sessions are evicted beyond the
	// store's capacity.
	Create(s *Session) error
	// Get returns the session (read-only).
	Get(token string) (*Session, error)
	// Update applies fn to a copy of the session atomically, stores the copy
	// unless fn returns an error, and returns it (read-only).
	Update(token string, fn func(*Session) error) (*Session, error)
	// List returns copies of the matching sessions, oldest first.
	List(f Filter) []*Session
	// Delete removes the matching sessions and returns how many.
	Delete(f Filter) int
	// EvictBefore removes sessions created before t.
	EvictBefore(t time.Time) int
	Len() int
	Close() error
}

// Clone returns a deep copy of s.
func (s *Session) Clone() *Session {
	c := *s
	if s.Extra != nil {
		e := *s.Extra
		c.Extra = &e
	}
	if s.Override != nil {
		c.Override = append([]byte(nil), s.Override...)
	}
	if s.Attempts != nil {
		c.Attempts = make([]Attempt, len(s.Attempts))
		for i, a := range s.Attempts {
			c.Attempts[i] = a
			if a.CompareErrorCode != nil {
				v := *a.CompareErrorCode
				c.Attempts[i].CompareErrorCode = &v
			}
			c.Attempts[i].LivenessInfoTag = append([]string(nil), a.LivenessInfoTag...)
		}
	}
	if s.Result != nil {
		r := *s.Result
		if r.OCR != nil {
			o := *r.OCR
			o.WarnCardInfos = append([]int(nil), o.WarnCardInfos...)
			if o.Fields != nil {
				o.Fields = make(map[string]string, len(r.OCR.Fields))
				for k, v := range r.OCR.Fields {
					o.Fields[k] = v
				}
			}
			r.OCR = &o
		}
		c.Result = &r
	}
	if s.CompletedAt != nil {
		t := *s.CompletedAt
		c.CompletedAt = &t
	}
	c.Timeline = append([]Event(nil), s.Timeline...)
	return &c
}
