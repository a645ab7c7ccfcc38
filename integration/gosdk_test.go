package integration

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// targets runs fn against the emulator in-process and as the built binary.
func targets(t *testing.T, fn func(t *testing.T, tg *target)) {
	t.Run("in-process", func(t *testing.T) { fn(t, inProcess(t, emulator.Options{})) })
	t.Run("binary", func(t *testing.T) { fn(t, startBinary(t).target) })
}

func TestGoSDKApplyCompleteGet(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		c := goClient(tg, credMain)
		token, vurl := apply(t, c, map[string]any{
			"RedirectURL":        "https://merchant.example/cb?a=1&b=<x>",
			"CompareImageBase64": base64.StdEncoding.EncodeToString([]byte("not really a jpeg")),
			"Extra":              "order-42 ünïcode & spaces",
			"Config":             map[string]any{"AutoSkip": true, "CheckMode": 2},
		})
		if token != strings.ToUpper(token) || len(token) != 36 {
			t.Errorf("BizToken %q is not an upper-case UUID", token)
		}
		if want := tg.BaseURL + "/reflect/?token=" + token; vurl != want {
			t.Errorf("VerificationURL = %q, want %q", vurl, want)
		}

		// Pending: success envelope, result fields null, Extra echoed.
		got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
		if err != nil {
			t.Fatalf("Get (pending): %v", err)
		}
		for _, k := range []string{"ErrorCode", "ErrorMsg", "VerificationDetailList", "VideoBase64", "BestFrameBase64", "OCRResult"} {
			v, present := got[k]
			if !present || v != nil {
				t.Errorf("pending %s = %v (present %v), want explicit null", k, v, present)
			}
		}
		if got["Extra"] != "order-42 ünïcode & spaces" {
			t.Errorf("pending Extra = %v", got["Extra"])
		}

		var sess map[string]any
		if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"ErrorCode": 0, "Similarity": 88.5}, &sess); code != 200 {
			t.Fatalf("complete: status %d: %v", code, sess)
		}
		if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"ErrorCode": 0}, nil); code != 409 {
			t.Errorf("second complete: status %d, want 409", code)
		}

		first, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
		if err != nil {
			t.Fatalf("Get (completed): %v", err)
		}
		if first["ErrorCode"] != float64(0) || first["ErrorMsg"] != catalog.ResultMessage(0) {
			t.Errorf("completed ErrorCode/ErrorMsg = %v / %v", first["ErrorCode"], first["ErrorMsg"])
		}
		details, _ := first["VerificationDetailList"].([]any)
		if len(details) != 1 {
			t.Fatalf("VerificationDetailList = %v", first["VerificationDetailList"])
		}
		d := details[0].(map[string]any)
		if d["Similarity"] != 88.5 || d["CompareErrorCode"] != float64(0) || d["LivenessErrorCode"] != float64(0) {
			t.Errorf("detail = %v", d)
		}
		if ts, _ := d["ReqTimestamp"].(float64); ts < 1e12 {
			t.Errorf("ReqTimestamp %v is not in milliseconds", d["ReqTimestamp"])
		}
		if seq, _ := d["Seq"].(string); len(seq) != 36 || seq != strings.ToLower(seq) {
			t.Errorf("Seq %q is not a lower-case UUID", seq)
		}
		frame, _ := first["BestFrameBase64"].(string)
		raw, err := base64.StdEncoding.DecodeString(frame)
		if err != nil || len(raw) < 3 || raw[0] != 0xFF || raw[1] != 0xD8 {
			t.Errorf("BestFrameBase64 is not a JPEG (err %v)", err)
		}
		if v, _ := first["VideoBase64"].(string); !strings.HasPrefix(v, "AAAAIGZ0eXBpc29t") {
			t.Errorf("VideoBase64 does not start with an ftyp isom box: %.20s", v)
		}
		if first["OCRResult"] != nil {
			t.Errorf("OCRResult = %v, want null for CheckMode 2", first["OCRResult"])
		}

		// Completed: the same payload on every call, a new RequestId.
		second, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
		if err != nil {
			t.Fatal(err)
		}
		if first["RequestId"] == second["RequestId"] {
			t.Error("RequestId repeated")
		}
		delete(first, "RequestId")
		delete(second, "RequestId")
		if fmt.Sprint(first) != fmt.Sprint(second) {
			t.Error("completed result changed between calls")
		}
	})
}

func TestGoSDKFailureResult(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	token, _ := apply(t, c, nil)
	if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"ErrorCode": 1002}, nil); code != 200 {
		t.Fatalf("complete: %d", code)
	}
	got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := catalog.LookupResult(1002)
	if got["ErrorCode"] != float64(1002) || got["ErrorMsg"] != want.Message {
		t.Errorf("got %v / %v, want 1002 / %q", got["ErrorCode"], got["ErrorMsg"], want.Message)
	}
	d := got["VerificationDetailList"].([]any)[0].(map[string]any)
	if d["LivenessErrorCode"] != float64(1002) || d["CompareErrorCode"] != nil || d["ErrorMsg"] != want.Message {
		t.Errorf("detail = %v", d)
	}
}

// TestGoSDKErrors asserts the TencentCloudSDKError code the Go SDK returns
// for each error path.
func TestGoSDKErrors(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		good := goClient(tg, credMain)
		token, _ := apply(t, good, nil)
		cases := []struct {
			name   string
			cred   emulator.Credential
			action string
			params map[string]any
			prof   func(*profile.ClientProfile)
			want   string
		}{
			{"wrong key", emulator.Credential{SecretID: credMain.SecretID, SecretKey: "wrong"}, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}, nil, catalog.SignatureFailure},
			{"unknown SecretId", emulator.Credential{SecretID: "AKIDNOBODY", SecretKey: "x"}, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}, nil, catalog.SecretIDNotFound},
			{"missing token", emulator.Credential{SecretID: credTemp.SecretID, SecretKey: credTemp.SecretKey}, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}, nil, catalog.TokenFailure},
			{"wrong token", emulator.Credential{SecretID: credTemp.SecretID, SecretKey: credTemp.SecretKey, Token: "other"}, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}, nil, catalog.TokenFailure},
			{"unknown action", credMain, "DescribeNothing", map[string]any{}, nil, catalog.InvalidAction},
			{"unknown BizToken", credMain, "GetWebVerificationResultIntl", map[string]any{"BizToken": "00000000-0000-0000-0000-000000000000"}, nil, catalog.BizTokenIllegal},
			{"foreign BizToken", credOther, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}, nil, catalog.BizTokenIllegal},
			{"missing BizToken", credMain, "GetWebVerificationResultIntl", map[string]any{}, nil, catalog.MissingParameter},
			{"missing RedirectURL", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{}, nil, catalog.MissingParameter},
			{"RedirectURL not http", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "ftp://x/y"}, nil, catalog.InvalidParameterValue},
			{"data URI image", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "CompareImageBase64": "data:image/jpeg;base64,AAAA"}, nil, catalog.InvalidParameterValue},
			{"invalid base64", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "CompareImageBase64": "!!!!"}, nil, catalog.InvalidParameterValue},
			{"Extra too long", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "Extra": strings.Repeat("x", 1001)}, nil, catalog.InvalidParameterValue},
			{"CheckMode 5", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "Config": map[string]any{"CheckMode": 5}}, nil, catalog.InvalidParameterValue},
			{"ActionList with level 3", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "Config": map[string]any{"ActionList": "blink"}}, nil, catalog.InvalidParameterValue},
			{"wrong type", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "Config": map[string]any{"CheckMode": "two"}}, nil, catalog.InvalidParameter},
			{"unknown parameter", credMain, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/", "Colour": "red"}, nil, catalog.UnknownParameter},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var c = goClient(tg, tc.cred)
				if tc.prof != nil {
					c = goClient(tg, tc.cred, tc.prof)
				}
				_, err := call(c, tc.action, tc.params)
				if got := sdkCode(err); got != tc.want {
					t.Errorf("SDK error code = %q (%v), want %q", got, err, tc.want)
				}
			})
		}
		t.Run("unsupported region", func(t *testing.T) {
			other := goClientRegion(tg, credMain, "cn-nowhere")
			_, err := call(other, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
			if got := sdkCode(err); got != catalog.UnsupportedRegion {
				t.Errorf("code = %q (%v)", got, err)
			}
		})
		t.Run("wrong version", func(t *testing.T) {
			_, err := callVersion(goClient(tg, credMain), "2017-01-01", "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
			if got := sdkCode(err); got != catalog.NoSuchVersion {
				t.Errorf("code = %q (%v)", got, err)
			}
		})
		t.Run("zh-CN message", func(t *testing.T) {
			c := goClient(tg, emulator.Credential{SecretID: credMain.SecretID, SecretKey: "wrong"}, func(p *profile.ClientProfile) { p.Language = "zh-CN" })
			_, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
			if !strings.Contains(err.Error(), "请求签名验证失败") {
				t.Errorf("zh-CN message missing: %v", err)
			}
		})
	})
}

// TestGoSDKStaleTimestamp moves the emulator's signature clock so the SDK's
// real timestamp is 10 minutes old.
func TestGoSDKStaleTimestamp(t *testing.T) {
	future := func() time.Time { return time.Now().Add(10 * time.Minute) }
	tg := inProcess(t, emulator.Options{SignatureClock: clockFunc(future)})
	_, err := call(goClient(tg, credMain), "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/"})
	if got := sdkCode(err); got != catalog.SignatureExpire {
		t.Errorf("code = %q (%v), want %s", got, err, catalog.SignatureExpire)
	}
	// --max-clock-skew 0 turns the timestamp check off, the signature is still checked.
	tg = inProcess(t, emulator.Options{SignatureClock: clockFunc(future), NoClockSkewCheck: true})
	if _, err := call(goClient(tg, credMain), "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/"}); err != nil {
		t.Errorf("with the skew check off: %v", err)
	}
}

func TestGoSDKTemporaryCredential(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credTemp)
	token, _ := apply(t, c, nil)
	if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); err != nil {
		t.Fatal(err)
	}
}

func TestGoSDKPathPrefix(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	prefixed := *tg
	prefixed.Endpoint = tg.Endpoint + "/some/prefix"
	// The v1.3.211 client sends the endpoint's path and still signs "/".
	if _, err := call(goClient(&prefixed, credMain), "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/"}); err != nil {
		t.Fatal(err)
	}
}
