// Package catalog is the single definition of every Tencent Cloud code the
// emulator speaks: the API-level error codes carried in Response.Error.Code
// (common API 3.0 codes and the faceid ones) and the verification result
// codes carried in ErrorCode of GetWebVerificationResultIntl.
//
// Both tables are data files embedded from this directory, taken from the
// reference material Tencent publishes; every other package looks codes and
// messages up here so that a message is defined exactly once.
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

//go:embed api-errors.json
var apiErrorsJSON []byte

//go:embed result-codes.json
var resultCodesJSON []byte

// APIError describes one API-level error code.
type APIError struct {
	Code      string   `json:"code"`
	MessageEN string   `json:"message_en"`
	MessageZH string   `json:"message_zh"`
	Scope     string   `json:"scope"`   // "common", or the service that first documented it ("faceid", "ocr")
	Actions   []string `json:"actions"` // actions (of any service) documenting the code; nil = any
}

// Result describes one verification result code of the web flow.
type Result struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	Category string `json:"category"`
	Source   string `json:"source"`
	Legacy   bool   `json:"legacy,omitempty"`
}

// Well-known API error codes, named so callers cannot misspell them.
const (
	ActionOffline             = "ActionOffline"
	InvalidAuthorization      = "AuthFailure.InvalidAuthorization"
	SecretIDNotFound          = "AuthFailure.SecretIdNotFound"
	SignatureExpire           = "AuthFailure.SignatureExpire"
	SignatureFailure          = "AuthFailure.SignatureFailure"
	TokenFailure              = "AuthFailure.TokenFailure"
	InternalError             = "InternalError"
	InvalidAction             = "InvalidAction"
	InvalidParameter          = "InvalidParameter"
	InvalidParameterValue     = "InvalidParameterValue"
	MissingParameter          = "MissingParameter"
	NoSuchVersion             = "NoSuchVersion"
	RequestLimitExceeded      = "RequestLimitExceeded"
	RequestSizeLimitExceeded  = "RequestSizeLimitExceeded"
	UnknownParameter          = "UnknownParameter"
	UnsupportedProtocol       = "UnsupportedProtocol"
	UnsupportedRegion         = "UnsupportedRegion"
	BizTokenExpired           = "InvalidParameterValue.BizTokenExpired"
	BizTokenIllegal           = "InvalidParameterValue.BizTokenIllegal"
	RuleIDNotExist            = "InvalidParameterValue.RuleIdNotExist"
	OperationDenied           = "OperationDenied"
	UnauthorizedArrears       = "UnauthorizedOperation.Arrears"
	UnauthorizedNonactivated  = "UnauthorizedOperation.Nonactivated"
	UnauthorizedActivating    = "UnauthorizedOperation.Activating"
	UnauthorizedActivateError = "UnauthorizedOperation.ActivateError"
)

// Result codes with a role in the session lifecycle.
const (
	ResultPass            = 0
	ResultCompleted       = 14
	ResultTokenExpired    = 15
	ResultRetryLimit      = 16
	ResultNotFinished     = 17
	ResultTimeout         = 1409
	ResultUserExit        = 1410
	ResultLowSimilarity   = 2016
	PassThreshold         = 70.0
	PassMessageOnTheWire  = "Success, tap next to continue"
	v1OversizeMessageEN   = "The provided credentials could not be validated because of exceeding request size limit, please use new signature method `TC3-HMAC-SHA256`."
	v1OversizeMessageZH   = "请求签名验证失败：请求包超过大小限制，请使用新的签名方法 `TC3-HMAC-SHA256`。"
	unknownParamMessageEN = "The parameter `{param}` is not recognized."
	unknownParamMessageZH = "未知参数 `{param}`。"
	invalidParamTypeEN    = "Parameter `{param}` type error."
	invalidParamTypeZH    = "参数 `{param}` 类型错误。"
	invalidParamValueEN   = "Parameter `{param}` value is invalid: {reason}"
	invalidParamValueZH   = "参数 `{param}` 取值错误：{reason}"
)

var (
	apiErrors   map[string]APIError
	apiOrder    []string
	results     map[int]Result
	resultOrder []int
)

// init parses the embedded tables. They are compiled into the binary, so a
// malformed table is a build defect and panicking at start-up is right.
func init() {
	var list []APIError
	if err := json.Unmarshal(apiErrorsJSON, &list); err != nil {
		panic(fmt.Sprintf("catalog: api-errors.json: %v", err))
	}
	apiErrors = make(map[string]APIError, len(list))
	for _, e := range list {
		apiErrors[e.Code] = e
		apiOrder = append(apiOrder, e.Code)
	}
	var rs []Result
	if err := json.Unmarshal(resultCodesJSON, &rs); err != nil {
		panic(fmt.Sprintf("catalog: result-codes.json: %v", err))
	}
	results = make(map[int]Result, len(rs))
	for _, r := range rs {
		results[r.Code] = r
		resultOrder = append(resultOrder, r.Code)
	}
	sort.Ints(resultOrder)
}

// LookupAPIError returns the catalogue entry for an API error code.
func LookupAPIError(code string) (APIError, bool) {
	e, ok := apiErrors[code]
	return e, ok
}

// DocumentedFor returns the first of codes that Tencent documents for
// action (a code whose entry lists no action counts for every action), or
// "" when none is: a caller picks the code the real service would send for
// a failure several codes describe.
func DocumentedFor(action string, codes ...string) string {
	for _, c := range codes {
		e, ok := apiErrors[c]
		if ok && (e.Actions == nil || slices.Contains(e.Actions, action)) {
			return c
		}
	}
	return ""
}

// APIErrors returns every API error code in catalogue order.
func APIErrors() []APIError {
	out := make([]APIError, 0, len(apiOrder))
	for _, c := range apiOrder {
		out = append(out, apiErrors[c])
	}
	return out
}

// LookupResult returns the catalogue entry for a verification result code.
func LookupResult(code int) (Result, bool) {
	r, ok := results[code]
	return r, ok
}

// Results returns every verification result code, ascending.
func Results() []Result {
	out := make([]Result, 0, len(resultOrder))
	for _, c := range resultOrder {
		out = append(out, results[c])
	}
	return out
}

// ResultMessage is the ErrorMsg the emulator sends for a result code. Code 0
// uses the text real responses carry ("Success, tap next to continue"), not
// the documentation's capitalisation; every other code uses the table text.
func ResultMessage(code int) string {
	if code == ResultPass {
		return PassMessageOnTheWire
	}
	if r, ok := results[code]; ok {
		return r.Message
	}
	return ""
}

// Language selects the message language of an API error.
type Language int

const (
	English Language = iota
	Chinese
)

// ParseLanguage maps X-TC-Language / Language to a message language: Chinese
// only for "zh-CN" (any case), English for anything else, including "".
func ParseLanguage(v string) Language {
	if strings.EqualFold(v, "zh-CN") {
		return Chinese
	}
	return English
}

// Error is an API-level error ready to be put in the response envelope.
// Message, when set, replaces the catalogue text (scripted errors, or a
// catalogue template filled in).
type Error struct {
	Code    string
	Message string
	// messageZH is the Chinese form of Message when the constructor knows it.
	messageZH string
}

func (e *Error) Error() string { return e.Code + ": " + e.MessageIn(English) }

// MessageIn returns the message in the requested language: the custom text
// when one was given, the catalogue text otherwise.
func (e *Error) MessageIn(lang Language) string {
	if e.Message != "" {
		if lang == Chinese && e.messageZH != "" {
			return e.messageZH
		}
		return e.Message
	}
	ce, ok := apiErrors[e.Code]
	if !ok {
		return e.Code
	}
	if lang == Chinese && ce.MessageZH != "" {
		return ce.MessageZH
	}
	return ce.MessageEN
}

// New returns the catalogue error for code. An unknown code is a programming
// error caught by tests; it is still answered, with the code as message.
func New(code string) *Error { return &Error{Code: code} }

// WithMessage returns an error for code with a custom message (both languages).
func WithMessage(code, en, zh string) *Error {
	return &Error{Code: code, Message: en, messageZH: zh}
}

// Missing is MissingParameter for the named parameter.
func Missing(param string) *Error {
	e := apiErrors[MissingParameter]
	return WithMessage(MissingParameter, fill(e.MessageEN, "param", param), fill(e.MessageZH, "param", param))
}

// Unknown is UnknownParameter for the named parameter.
func Unknown(param string) *Error {
	return WithMessage(UnknownParameter, fill(unknownParamMessageEN, "param", param), fill(unknownParamMessageZH, "param", param))
}

// WrongType is InvalidParameter for a parameter of the wrong JSON type.
func WrongType(param string) *Error {
	return WithMessage(InvalidParameter, fill(invalidParamTypeEN, "param", param), fill(invalidParamTypeZH, "param", param))
}

// BadValue is InvalidParameterValue for a parameter whose value breaks a rule.
func BadValue(param, reason string) *Error {
	en := fill(fill(invalidParamValueEN, "param", param), "reason", reason)
	zh := fill(fill(invalidParamValueZH, "param", param), "reason", reason)
	return WithMessage(InvalidParameterValue, en, zh)
}

// V1Oversize is the SignatureFailure the real API answers for a legacy
// signature request over 1 MB.
func V1Oversize() *Error {
	return WithMessage(SignatureFailure, v1OversizeMessageEN, v1OversizeMessageZH)
}

func fill(tmpl, name, value string) string {
	return strings.ReplaceAll(tmpl, "{"+name+"}", value)
}

// Where in the flow a result code arises, from its catalogue category.

// IsLivenessResult reports a code of the liveness stage (liveness, lip,
// action, silent and reflection checks).
func IsLivenessResult(code int) bool {
	switch results[code].Category {
	case "liveness", "lip", "action", "silent", "reflection":
		return true
	}
	return false
}

// IsCompareResult reports a code of the face comparison stage.
func IsCompareResult(code int) bool { return results[code].Category == "compare" }

// IsProcessResult reports a code that ends the flow outside any liveness
// attempt (request, system, token and process categories).
func IsProcessResult(code int) bool {
	switch results[code].Category {
	case "request", "system", "token", "process":
		return true
	}
	return false
}
