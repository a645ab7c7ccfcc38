package integration

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// Transport faults as the Go SDK reports them.
var faultCodes = map[string]string{
	scenarios.FaultHTTP502:         "ClientError.ParseJsonError", // it reads the HTML body as JSON first
	scenarios.FaultConnectionReset: "ClientError.NetworkError",
	scenarios.FaultTruncatedBody:   "ClientError.ParseJsonError", // "Fail to read http body"
}

// codeInName is the result code a library scenario is named after
// (<category>-<code>-<slug>), if any.
var codeInName = regexp.MustCompile(`^[a-z]+-(\d+)(-|$)`)

// TestLibraryScenarios runs every shipped scenario end to end through the
// real Go SDK: Apply with its RuleId, complete it the way the scenario says
// (open the page, poll, or the control API), Get, and compare what the SDK
// returns with what the scenario declares.
func TestLibraryScenarios(t *testing.T) {
	lib, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	tg := inProcess(t, emulator.Options{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, sc := range lib.List() {
		if _, ok := spec.Ocr().Actions[sc.For]; ok {
			continue // an ocr action's scenario: TestLibraryOCRScenarios
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]any{"CheckMode": 2}
			opts := scenarios.ResolveOptions{Compare: true, RetryLimit: 99}
			if sc.OCR != nil {
				cfg["CheckMode"] = 1
				if sc.OCR.IDCardType != "" {
					cfg["IDCardType"] = sc.OCR.IDCardType
				}
			}
			for _, a := range sc.Attempts {
				if len(a.LivenessInfoTag) > 0 {
					cfg["Version"] = "PLUS"
					opts.Plus = true
				}
			}
			applyB, applyScripted := sc.Behavior("ApplyWebVerificationBizTokenIntl")
			getB, getScripted := sc.Behavior("GetWebVerificationResultIntl")

			c := goClient(tg, credMain, func(p *profile.ClientProfile) {
				// Let the SDK's own retry absorb scripted throttling.
				if applyScripted && applyB.Error != nil && applyB.Error.Code == catalog.RequestLimitExceeded {
					p.RateLimitExceededMaxRetries = applyB.Times
					p.RateLimitExceededRetryDuration = func(int) time.Duration { return 10 * time.Millisecond }
				}
			})
			params := map[string]any{
				"RedirectURL": "https://merchant.example/return",
				"RuleId":      sc.Name,
				"Extra":       "library:" + sc.Name,
				"Config":      cfg,
			}
			resp, err := call(c, "ApplyWebVerificationBizTokenIntl", params)
			if applyScripted && applyB.Error != nil && applyB.Error.Code != catalog.RequestLimitExceeded {
				if got := sdkCode(err); got != applyB.Error.Code {
					t.Fatalf("Apply: SDK code %q (%v), want the scripted %q", got, err, applyB.Error.Code)
				}
				return // no session is created
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			token := resp["BizToken"].(string)
			vurl := resp["VerificationURL"].(string)

			get := func() (map[string]any, error) {
				return call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
			}
			if getScripted && (getB.Error != nil || getB.Fault != "") {
				n := getB.Times
				if n == 0 {
					n = 1 // an unlimited error: check the first call only
				}
				for i := 0; i < n; i++ {
					_, err := get()
					want := faultCodes[getB.Fault]
					if getB.Error != nil {
						want = getB.Error.Code
						if getB.Error.Code == catalog.RequestLimitExceeded {
							continue
						}
					}
					if got := sdkCode(err); got != want {
						t.Fatalf("Get %d: SDK code %q (%v), want %q", i+1, got, err, want)
					}
				}
				if getB.Times == 0 {
					return // every Get answers the scripted error
				}
			}

			switch sc.Completion.EffectiveMode() {
			case scenarios.CompletionAuto:
				r, err := noRedirect.Get(vurl)
				if err != nil {
					t.Fatalf("opening the page: %v", err)
				}
				r.Body.Close()
			case scenarios.CompletionPolls:
				for i := 0; i < sc.Completion.Polls; i++ {
					got, err := get()
					if err != nil || got["ErrorCode"] != nil {
						t.Fatalf("poll %d: %v %v, want pending", i+1, got["ErrorCode"], err)
					}
				}
			default:
				if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{}, nil); code != 200 {
					t.Fatalf("complete: status %d", code)
				}
			}

			got, err := get()
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			want := sc.Resolve(opts)
			if m := codeInName.FindStringSubmatch(sc.Name); m != nil && !strings.HasPrefix(sc.Name, "api-") {
				named, _ := strconv.Atoi(m[1])
				if want.ErrorCode != named {
					t.Fatalf("scenario %s declares %d", sc.Name, want.ErrorCode)
				}
			}
			if got["ErrorCode"] != float64(want.ErrorCode) || got["ErrorMsg"] != want.ErrorMsg {
				t.Errorf("ErrorCode/ErrorMsg = %v %q, want %d %q", got["ErrorCode"], got["ErrorMsg"], want.ErrorCode, want.ErrorMsg)
			}
			if got["Extra"] != "library:"+sc.Name {
				t.Errorf("Extra = %v", got["Extra"])
			}
			details, _ := got["VerificationDetailList"].([]any)
			if len(details) != len(want.Attempts) {
				t.Fatalf("%d detail entries, want %d", len(details), len(want.Attempts))
			}
			for i, wa := range want.Attempts {
				d := details[i].(map[string]any)
				if d["ErrorCode"] != float64(wa.ErrorCode) || d["LivenessErrorCode"] != float64(wa.LivenessErrorCode) || d["Similarity"] != wa.Similarity {
					t.Errorf("detail %d = %v, want %+v", i, d, wa)
				}
				if (wa.CompareErrorCode == nil) != (d["CompareErrorCode"] == nil) {
					t.Errorf("detail %d CompareErrorCode = %v, want %v", i, d["CompareErrorCode"], wa.CompareErrorCode)
				}
				tags, _ := d["LivenessInfoTag"].([]any)
				if len(tags) != len(wa.LivenessInfoTag) {
					t.Errorf("detail %d LivenessInfoTag = %v, want %v", i, d["LivenessInfoTag"], wa.LivenessInfoTag)
				}
			}
			hasFrame := got["BestFrameBase64"] != nil
			if wantFrame := len(want.Attempts) > 0 && sc.Media.BestFrameSource() != scenarios.MediaNone; hasFrame != wantFrame {
				t.Errorf("BestFrameBase64 present = %v, want %v", hasFrame, wantFrame)
			}
			hasVideo := got["VideoBase64"] != nil
			if wantVideo := len(want.Attempts) > 0 && sc.Media.VideoSource() != scenarios.MediaNone; hasVideo != wantVideo {
				t.Errorf("VideoBase64 present = %v, want %v", hasVideo, wantVideo)
			}
			ocr, _ := got["OCRResult"].([]any)
			if sc.OCR == nil {
				if ocr != nil {
					t.Errorf("OCRResult = %v, want null", ocr)
				}
				return
			}
			if len(ocr) != 1 {
				t.Fatalf("OCRResult = %v", got["OCRResult"])
			}
			o := ocr[0].(map[string]any)
			if o["IsPass"] != sc.OCR.Pass() {
				t.Errorf("IsPass = %v, want %v", o["IsPass"], sc.OCR.Pass())
			}
			warn, _ := o["WarnCardInfos"].([]any)
			if len(warn) != len(sc.OCR.WarnCardInfos) {
				t.Errorf("WarnCardInfos = %v, want %v", warn, sc.OCR.WarnCardInfos)
			}
			if cards, _ := o["NormalCardInfo"].(map[string]any); sc.OCR.IDCardType != "" && cards[sc.OCR.IDCardType] == nil {
				t.Errorf("NormalCardInfo has no %s: %v", sc.OCR.IDCardType, cards)
			}
		})
	}
}
