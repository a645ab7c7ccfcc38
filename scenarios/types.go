package scenarios

import (
	"encoding/json"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario scripts one outcome: of a token flow (the web flow by default),
// or of API actions. Values handed out by a Set are shared: treat them as
// read-only.
type Scenario struct {
	Name        string `json:"name" yaml:"name"` // unique, [a-z0-9][a-z0-9-]*
	Description string `json:"description,omitempty" yaml:"description"`
	// For names the action (of the API spec) or the flow (of the catalogue's
	// flow tables, or "web") the scenario is written for; empty = the web
	// flow and any action. A match rule selects it only for calls of that
	// action or flow.
	For        string                 `json:"for,omitempty" yaml:"for"`
	Source     string                 `json:"source" yaml:"-"`         // file path, or "library/<file>" for shipped ones; set by the loader
	Line       int                    `json:"line,omitempty" yaml:"-"` // line of the scenario in its file
	Match      *Match                 `json:"match,omitempty" yaml:"match"`
	DefaultFor []string               `json:"defaultFor,omitempty" yaml:"defaultFor"` // SecretIds whose default scenario this is
	Attempts   []Attempt              `json:"attempts,omitempty" yaml:"attempts"`     // liveness attempts, oldest first; empty = one passing attempt (see the package doc)
	Result     *Result                `json:"result,omitempty" yaml:"result"`         // final code/message override
	OCR        *OCR                   `json:"ocr,omitempty" yaml:"ocr"`
	Media      Media                  `json:"media" yaml:"media"`
	Completion Completion             `json:"completion" yaml:"completion"`
	API        map[string]APIBehavior `json:"api,omitempty" yaml:"api"` // key: an action name or ActionAny ("*")

	pos *positions // lines of some nodes, for problems found after parsing
	// trusted: from the shipped library, checked by its tests against the
	// schema and the specs (see Parser.trusted).
	trusted bool
}

// positions remembers where parts of a parsed scenario are, so that checks
// across scenarios (duplicate names, defaultFor conflicts) can report lines.
type positions struct {
	name, nameCol int
	defaultFor    []int
}

func (s *Scenario) nameLine() int {
	if s.pos != nil && s.pos.name > 0 {
		return s.pos.name
	}
	return s.Line
}

func (s *Scenario) defaultForLine(i int) int {
	if s.pos != nil && i < len(s.pos.defaultFor) && s.pos.defaultFor[i] > 0 {
		return s.pos.defaultFor[i]
	}
	return s.Line
}

// Attempt is one liveness attempt: one VerificationDetailList entry.
type Attempt struct {
	Liveness        int      `json:"liveness" yaml:"liveness"`                         // liveness result code, 0 = passed
	Compare         *int     `json:"compare,omitempty" yaml:"compare"`                 // comparison code (0 or 2xxx); nil = 0 when liveness passed and comparison runs, null otherwise
	Similarity      *float64 `json:"similarity,omitempty" yaml:"similarity"`           // 0..100; nil = 92.5 on a passing comparison, 45 on 2016, 0 otherwise
	LivenessInfoTag []string `json:"livenessInfoTag,omitempty" yaml:"livenessInfoTag"` // "01".."14", only reported for Config.Version PLUS
	ErrorCode       *int     `json:"errorCode,omitempty" yaml:"errorCode"`             // attempt code override (default: liveness code if non-zero, else compare code)
}

// Result overrides the final ErrorCode / ErrorMsg.
type Result struct {
	ErrorCode *int    `json:"errorCode,omitempty" yaml:"errorCode"` // default: last attempt's code
	ErrorMsg  *string `json:"errorMsg,omitempty" yaml:"errorMsg"`   // default: catalog.ResultMessage(code)
	// Code is the result of a flow whose codes are strings (the SDK flows'
	// Result), one of the table of the flow named by Scenario.For.
	Code *string `json:"code,omitempty" yaml:"code"`
}

// OCR scripts OCRResult (CheckMode 1 and 4).
type OCR struct {
	IsPass        *bool             `json:"isPass,omitempty" yaml:"isPass"`               // default true
	Fields        map[string]string `json:"fields,omitempty" yaml:"fields"`               // overrides of card fields (Tencent card model names, e.g. FullName)
	WarnCardInfos []int             `json:"warnCardInfos,omitempty" yaml:"warnCardInfos"` // -9101 -9102 -9103 -9104 -9107 -9108 -9109
	IDCardType    string            `json:"idCardType,omitempty" yaml:"idCardType"`       // informative: the card type the scenario is written for
}

// Pass reports OCRResult[].IsPass (default true). A nil OCR passes.
func (o *OCR) Pass() bool {
	if o == nil || o.IsPass == nil {
		return true
	}
	return *o.IsPass
}

// Media selects BestFrameBase64 and VideoBase64 of the last attempt.
type Media struct {
	BestFrame string `json:"bestFrame,omitempty" yaml:"bestFrame"` // MediaSample (default) | MediaCompareImage | MediaNone
	Video     string `json:"video,omitempty" yaml:"video"`         // MediaSample (default) | MediaNone
}

// Media values.
const (
	MediaSample       = "sample"
	MediaCompareImage = "compare-image"
	MediaNone         = "none"
)

// BestFrameSource returns BestFrame with the default applied.
func (m Media) BestFrameSource() string {
	if m.BestFrame == "" {
		return MediaSample
	}
	return m.BestFrame
}

// VideoSource returns Video with the default applied.
func (m Media) VideoSource() string {
	if m.Video == "" {
		return MediaSample
	}
	return m.Video
}

// Completion says how a session reaches its outcome.
type Completion struct {
	Mode  string `json:"mode,omitempty" yaml:"mode"`   // CompletionManual (default) | CompletionAuto | CompletionPolls
	Polls int    `json:"polls,omitempty" yaml:"polls"` // mode polls: number of pending answers before the result
}

// Completion modes.
const (
	CompletionManual = "manual" // by the user on the page or the control API
	CompletionAuto   = "auto"   // when the verification page is opened
	CompletionPolls  = "polls"  // after Polls pending GetWebVerificationResultIntl answers, no browser
)

// EffectiveMode returns Mode with the default applied.
func (c Completion) EffectiveMode() string {
	if c.Mode == "" {
		return CompletionManual
	}
	return c.Mode
}

// ActionAny is the key of Scenario.API that applies to every action without
// an entry of its own. The other keys are action names of the API spec.
const ActionAny = "*"

// APIBehavior scripts the answer, errors, faults and latency of one action.
type APIBehavior struct {
	Error *APIError `json:"error,omitempty" yaml:"error"`
	// Response sets members of the action's answer (names of its output
	// model; objects and lists are given whole), over the default answer.
	Response map[string]any `json:"response,omitempty" yaml:"response"`
	Latency  Duration       `json:"latency,omitempty" yaml:"latency"` // Go duration string, e.g. "1500ms"; applies to every call
	Fault    string         `json:"fault,omitempty" yaml:"fault"`     // FaultHTTP502 | FaultConnectionReset | FaultTruncatedBody
	Times    int            `json:"times,omitempty" yaml:"times"`     // error/fault only for the first N calls (0 = every call); see the package doc for how calls are counted
}

// Faults.
const (
	FaultHTTP502         = "http-502"
	FaultConnectionReset = "connection-reset"
	FaultTruncatedBody   = "truncated-body"
)

// APIError is a scripted Response.Error.
type APIError struct {
	Code    string `json:"code" yaml:"code"`                 // must exist in the catalog (catalog.LookupAPIError)
	Message string `json:"message,omitempty" yaml:"message"` // default: catalogue message
}

// Behavior returns the API behaviour for a call of action: API[action] when
// present, else API["*"]. ok is false when neither exists.
func (s *Scenario) Behavior(action string) (b APIBehavior, ok bool) {
	if b, ok = s.API[action]; ok {
		return b, true
	}
	b, ok = s.API[ActionAny]
	return b, ok
}

// Match selects a scenario for a call; every rule that is set must fit.
type Match struct {
	Extra       *StringMatch `json:"extra,omitempty" yaml:"extra"`
	RedirectURL string       `json:"redirectURL,omitempty" yaml:"redirectURL"` // regex (RE2, unanchored)
	SecretID    string       `json:"secretId,omitempty" yaml:"secretId"`       // exact
	// Params match request parameters by name (top-level members of the
	// action's input; numbers and booleans as their JSON text).
	Params map[string]*StringMatch `json:"params,omitempty" yaml:"params"`
	// ImageSHA256 is the hex SHA-256 of a document image of the call (the
	// decoded ImageBase64, or the bytes downloaded from ImageUrl; any side):
	// since no OCR model runs, the picture selects the recognised fields.
	ImageSHA256 string `json:"imageSha256,omitempty" yaml:"imageSha256"`
}

// StringMatch matches a string; exactly one field is set.
type StringMatch struct {
	Exact  string `json:"exact,omitempty" yaml:"exact"`
	Prefix string `json:"prefix,omitempty" yaml:"prefix"`
	Regex  string `json:"regex,omitempty" yaml:"regex"` // RE2, unanchored
}

// Duration is a time.Duration written as a Go duration string ("1500ms") in
// YAML and JSON.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"1500ms\"")
	}
	return d.set(s)
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return fmt.Errorf("line %d: duration must be a string such as \"1500ms\"", n.Line)
	}
	return d.set(n.Value)
}

func (d *Duration) set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a Go duration such as \"1500ms\"", s)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

// SelectInput is what selection looks at in a call.
type SelectInput struct {
	// Action is the called action; Flow the token flow it starts, if any
	// ("web" for the web flow). A scenario whose For names another action
	// or flow is not matched.
	Action      string
	Flow        string
	RuleID      string // RuleId parameter
	Extra       string // Extra parameter
	RedirectURL string // RedirectURL parameter
	SecretID    string // SecretId of the calling credential
	// Params gives the top-level request parameters as text (nil = none).
	Params Params
	// ImageSHA256 are the hex SHA-256 of the call's document images.
	ImageSHA256 []string
}

// Params gives selection a call's request parameters: a top-level
// parameter as text (a string as it is, a number or boolean as its JSON
// text), false when absent. An interface rather than a func value, so that
// handing the call over costs no allocation on the hot path.
type Params interface {
	Param(name string) (string, bool)
}

// Reason says why Select chose a scenario.
type Reason string

// Selection reasons, in order of precedence.
const (
	ReasonRuleID        Reason = "rule-id"
	ReasonMatch         Reason = "match"
	ReasonSecretDefault Reason = "secret-default"
	ReasonGlobalDefault Reason = "global-default"
)

// DefaultName is the name of the global default scenario.
const DefaultName = "default"

// Problem is one finding of validation, located in a file.
type Problem struct {
	File   string
	Line   int // 0 = the file as a whole
	Reason string
}

// String formats "file:line: reason", or "file: reason" when Line is 0.
func (p Problem) String() string {
	if p.Line <= 0 {
		return p.File + ": " + p.Reason
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
}
