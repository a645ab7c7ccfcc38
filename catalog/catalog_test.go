package catalog

import (
	"strings"
	"testing"
)

func TestAPIErrorsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range APIErrors() {
		if seen[e.Code] {
			t.Errorf("%s defined twice", e.Code)
		}
		seen[e.Code] = true
		if e.MessageEN == "" || e.MessageZH == "" {
			t.Errorf("%s lacks a message: %+v", e.Code, e)
		}
	}
	for _, code := range []string{ActionOffline, InvalidAuthorization, SecretIDNotFound, SignatureExpire, SignatureFailure,
		TokenFailure, InternalError, InvalidAction, InvalidParameter, InvalidParameterValue, MissingParameter, NoSuchVersion,
		RequestLimitExceeded, RequestSizeLimitExceeded, UnknownParameter, UnsupportedProtocol, UnsupportedRegion,
		BizTokenExpired, BizTokenIllegal, RuleIDNotExist, OperationDenied, UnauthorizedArrears, UnauthorizedNonactivated,
		UnauthorizedActivating, UnauthorizedActivateError} {
		if !seen[code] {
			t.Errorf("constant %s is not in the catalogue", code)
		}
	}
}

func TestMessages(t *testing.T) {
	cases := []struct {
		err  *Error
		lang Language
		want string
	}{
		{New(SignatureFailure), English, "The provided credentials could not be validated. Please check your signature is correct."},
		{New(SignatureFailure), Chinese, "请求签名验证失败，请检查您的签名计算是否正确。"},
		{Missing("Action"), English, "The request is missing a required parameter `Action`."},
		{Missing("Action"), Chinese, "缺少参数 `Action`。"},
		{Unknown("Colour"), English, "The parameter `Colour` is not recognized."},
		{WrongType("Nonce"), English, "Parameter `Nonce` type error."},
		{V1Oversize(), English, "The provided credentials could not be validated because of exceeding request size limit, please use new signature method `TC3-HMAC-SHA256`."},
		{WithMessage(InternalError, "custom", ""), Chinese, "custom"},
		{New("No.Such.Code"), English, "No.Such.Code"},
	}
	for _, tc := range cases {
		if got := tc.err.MessageIn(tc.lang); got != tc.want {
			t.Errorf("%s (%d) = %q, want %q", tc.err.Code, tc.lang, got, tc.want)
		}
	}
	if ParseLanguage("zh-cn") != Chinese || ParseLanguage("en-US") != English || ParseLanguage("") != English {
		t.Error("ParseLanguage")
	}
}

func TestResults(t *testing.T) {
	rs := Results()
	if len(rs) < 50 {
		t.Fatalf("only %d result codes", len(rs))
	}
	for i, r := range rs {
		if i > 0 && rs[i-1].Code >= r.Code {
			t.Errorf("results not ascending at %d", r.Code)
		}
		if ResultMessage(r.Code) == "" {
			t.Errorf("%d has no message", r.Code)
		}
	}
	if ResultMessage(0) != "Success, tap next to continue" {
		t.Errorf("pass message %q", ResultMessage(0))
	}
	if r, _ := LookupResult(1002); !strings.HasPrefix(ResultMessage(1002), "Suspected") || r.Category != "liveness" {
		t.Errorf("1002: %+v", r)
	}
}

func TestDocumentedFor(t *testing.T) {
	cases := []struct {
		action string
		codes  []string
		want   string
	}{
		{"RecognizeIndonesiaIDCardOCR", []string{"FailedOperation.EmptyImageError", "InvalidParameterValue.InvalidParameterValueLimit"}, "InvalidParameterValue.InvalidParameterValueLimit"},
		{"RecognizeThaiIDCardOCR", []string{"FailedOperation.EmptyImageError", "InvalidParameterValue.InvalidParameterValueLimit"}, "FailedOperation.EmptyImageError"},
		{"ApplyCardVerificationExternal", []string{"FailedOperation.ImageDecodeFailed", "InvalidParameter.EngineImageDecodeFailed"}, "InvalidParameter.EngineImageDecodeFailed"},
		{"RecognizeIndonesiaIDCardOCR", []string{"FailedOperation.NoSuchCode"}, ""},
		{"AnyAction", []string{"FailedOperation.DownLoadError"}, ""},
		{"AnyAction", []string{ActionOffline}, ActionOffline},
	}
	for _, tc := range cases {
		if got := DocumentedFor(tc.action, tc.codes...); got != tc.want {
			t.Errorf("DocumentedFor(%s, %v) = %q, want %q", tc.action, tc.codes, got, tc.want)
		}
	}
}
