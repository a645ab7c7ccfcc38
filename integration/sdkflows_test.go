package integration

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// sdkFlow drives one SDK token flow through the official Go SDK.
type sdkFlow struct {
	kind string
	// apply starts a session and returns its token.
	apply func(t *testing.T, tg *target, c *common.Client) string
	// result makes the flow's result call and returns the result code (the
	// Result member, or the API error code where failures are errors) and
	// the answer.
	result func(t *testing.T, tg *target, c *common.Client, token string) (code string, resp map[string]any, err error)
	// pending is the code answered before the SDK finished ("" = the
	// result call itself finishes the SDK's run).
	pending string
	// fail is a failing code of the flow's table, used by the tests.
	fail string
	// illegal and expired are the API errors of a foreign token and of
	// one past its result lifetime.
	illegal, expired string
	// token is how long the SDK can run with the token (0 = no limit);
	// life how long results are answered.
	token, life time.Duration
}

func sdkFlows() []sdkFlow {
	return []sdkFlow{selfieFlow(), ekycFlow(), livenessFlow(), reflectFlow()}
}

// reflectFlow: the reflection SDK's data goes through the emulator's
// upload area (CreateUploadUrl → PUT → ResourceUrl), as the docs
// recommend. The light sequence names its session; the liveness package
// the "SDK" uploads is that sequence file, so the detection finds it.
func reflectFlow() sdkFlow {
	return sdkFlow{
		kind: "reflect",
		apply: func(t *testing.T, tg *target, c *common.Client) string {
			device, sum := upload(t, c, "GenerateReflectSequence", []byte("device data of the reflection SDK"))
			resp, err := call(c, "GenerateReflectSequence", map[string]any{"DeviceDataUrl": device, "DeviceDataMd5": sum, "SecurityLevel": "3"})
			if err != nil {
				t.Fatalf("GenerateReflectSequence: %v", err)
			}
			seqURL, _ := resp["ReflectSequenceUrl"].(string)
			seq := httpGet(t, seqURL)
			got := md5.Sum(seq)
			if hex.EncodeToString(got[:]) != resp["ReflectSequenceMd5"] {
				t.Fatalf("the light sequence's MD5 is not ReflectSequenceMd5 %v", resp["ReflectSequenceMd5"])
			}
			var doc struct{ ReflectSequence string }
			if err := json.Unmarshal(seq, &doc); err != nil || len(doc.ReflectSequence) != 36 {
				t.Fatalf("light sequence %s: %v", seq, err)
			}
			return doc.ReflectSequence
		},
		result: func(t *testing.T, tg *target, c *common.Client, token string) (string, map[string]any, error) {
			live, liveSum := upload(t, c, "DetectReflectLivenessAndCompare", []byte(`{"ReflectSequence":"`+token+`","frames":[1,2,3]}`))
			img, err := os.ReadFile(filepath.Join("..", "emulator", "internal", "faceid", "media", "portrait.jpg"))
			if err != nil {
				t.Fatal(err)
			}
			image, imageSum := upload(t, c, "DetectReflectLivenessAndCompare", img)
			resp, err := call(c, "DetectReflectLivenessAndCompare", map[string]any{
				"LiveDataUrl": live, "LiveDataMd5": liveSum, "ImageUrl": image, "ImageMd5": imageSum})
			if err != nil {
				return sdkCode(err), nil, err
			}
			code, _ := resp["Result"].(string)
			return code, resp, nil
		},
		fail:    "FailedOperation.SilentThreshold",
		illegal: "FailedOperation.LivessUnknownError", expired: "FailedOperation.LivessUnknownError",
		life: 2 * time.Hour,
	}
}

// upload puts data on an upload link of the emulator and returns its
// ResourceUrl and MD5.
func upload(t *testing.T, c *common.Client, target string, data []byte) (string, string) {
	t.Helper()
	resp, err := call(c, "CreateUploadUrl", map[string]any{"TargetAction": target})
	if err != nil {
		t.Fatalf("CreateUploadUrl: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPut, resp["UploadUrl"].(string), bytes.NewReader(data))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT upload = %d", res.StatusCode)
	}
	sum := md5.Sum(data)
	return resp["ResourceUrl"].(string), hex.EncodeToString(sum[:])
}

func ekycFlow() sdkFlow {
	return sdkFlow{
		kind: "ekyc",
		apply: func(t *testing.T, _ *target, c *common.Client) string {
			return applySDK(t, c, "ApplySdkVerificationToken", map[string]any{"CheckMode": 1, "IdCardType": "ML", "Extra": "order-8", "SecurityLevel": 2})
		},
		result:  resultCall("GetSdkVerificationResult"),
		pending: "-999", fail: "2016",
		illegal: "UnauthorizedOperation", expired: "UnauthorizedOperation",
		token: 10 * time.Minute, life: 72 * time.Hour,
	}
}

func livenessFlow() sdkFlow {
	return sdkFlow{
		kind: "liveness",
		apply: func(t *testing.T, _ *target, c *common.Client) string {
			return applySDK(t, c, "ApplyLivenessToken", map[string]any{"SecureLevel": "1"})
		},
		result:  resultCall("GetLivenessResult"),
		pending: "-999", fail: "1201",
		illegal: catalog.BizTokenIllegal, expired: catalog.BizTokenExpired,
		token: 10 * time.Minute, life: 2 * time.Hour,
	}
}

func selfieFlow() sdkFlow {
	return sdkFlow{
		kind: "selfie",
		apply: func(t *testing.T, _ *target, c *common.Client) string {
			return applySDK(t, c, "GetFaceIdTokenIntl", map[string]any{"CheckMode": "compare", "Image": sampleJPEG(t), "Extra": "order-7", "SdkVersion": "PLUS"})
		},
		result:  resultCall("GetFaceIdResultIntl"),
		pending: "-999", fail: "1002",
		illegal: catalog.BizTokenIllegal, expired: catalog.BizTokenExpired,
		token: 10 * time.Minute, life: 72 * time.Hour,
	}
}

// applySDK calls an apply action and returns its SdkToken.
func applySDK(t *testing.T, c *common.Client, action string, params map[string]any) string {
	t.Helper()
	resp, err := call(c, action, params)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	token, _ := resp["SdkToken"].(string)
	if len(token) != 36 {
		t.Fatalf("%s answered SdkToken %q", action, token)
	}
	return token
}

// resultCall is the result call of the flows that take an SdkToken.
func resultCall(action string) func(*testing.T, *target, *common.Client, string) (string, map[string]any, error) {
	return func(_ *testing.T, _ *target, c *common.Client, token string) (string, map[string]any, error) {
		resp, err := call(c, action, map[string]any{"SdkToken": token})
		if err != nil {
			return sdkCode(err), nil, err
		}
		code, _ := resp["Result"].(string)
		return code, resp, nil
	}
}

// sampleJPEG is the emulator's sample best frame as base64.
func sampleJPEG(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "emulator", "internal", "faceid", "media", "bestframe.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// sdkScenarios are user scenarios for the completion modes, for every SDK
// flow.
const sdkScenarios = `scenarios:
  - name: sdk-auto-fail
    completion: {mode: auto}
    attempts: [{liveness: 1002}]
  - name: sdk-polls-2
    completion: {mode: polls, polls: 2}
  - name: selfie-by-extra
    for: selfie
    match: {extra: {exact: pick-me}}
    result: {code: "1005"}
    completion: {mode: auto}
  - name: ekyc-by-extra
    for: ekyc
    match: {extra: {exact: pick-me}}
    result: {code: "2015"}
    completion: {mode: auto}
  - name: selfie-result-throttled
    for: selfie
    match: {extra: {exact: throttle}}
    api:
      GetFaceIdResultIntl: {error: {code: RequestLimitExceeded}, times: 1}
    completion: {mode: auto}
`

func sdkTarget(t *testing.T) *target {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sdk.yaml"), []byte(sdkScenarios), 0o644); err != nil {
		t.Fatal(err)
	}
	return inProcess(t, emulator.Options{ScenarioPaths: []string{dir}})
}

// TestSDKFlowsControlComplete: apply → pending → POST complete {"Result"}
// → the result call answers the code; the control API's errors.
func TestSDKFlowsControlComplete(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	for _, fl := range sdkFlows() {
		t.Run(fl.kind, func(t *testing.T) {
			token := fl.apply(t, tg, c)
			var sess map[string]any
			if st := controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, &sess); st != 200 ||
				sess["Flow"] != fl.kind || sess["Token"] != token || sess["State"] != "pending" {
				t.Fatalf("GET session = %d %v", st, sess)
			}
			if fl.pending != "" {
				if code, _, err := fl.result(t, tg, c, token); err != nil || code != fl.pending {
					t.Fatalf("pending result = %q, %v; want %q", code, err, fl.pending)
				}
			}
			if st := controlJSON(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"Result": "no-such-code"}, nil); st != 400 {
				t.Errorf("complete with an unknown code = %d, want 400", st)
			}
			if st := controlJSON(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"Result": fl.fail}, &sess); st != 200 {
				t.Fatalf("complete = %d %v", st, sess)
			}
			if res, _ := sess["Result"].(map[string]any); res["Result"] != fl.fail || sess["State"] != "completed" {
				t.Errorf("completed session: State %v Result %v", sess["State"], sess["Result"])
			}
			if st := controlJSON(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{}, nil); st != 409 {
				t.Errorf("second complete = %d, want 409", st)
			}
			for i := 0; i < 2; i++ {
				if code, _, err := fl.result(t, tg, c, token); code != fl.fail {
					t.Errorf("result call %d = %q (%v), want %q", i+1, code, err, fl.fail)
				}
			}
			if s, err := tg.Server.Session(token); err != nil || s.Flow != fl.kind || s.Token != token || s.State != "completed" {
				t.Errorf("Server.Session = %+v, %v", s, err)
			}
			found := false
			for _, s := range tg.Server.Sessions(emulator.SessionFilter{Flow: fl.kind}) {
				found = found || s.Token == token
			}
			if !found {
				t.Errorf("Server.Sessions(Flow %s) does not list %s", fl.kind, token)
			}
			// The typed control completes with a code as well.
			other := fl.apply(t, tg, c)
			s, err := tg.Server.CompleteResult(other, fl.pass())
			if err != nil || s.Result == nil || s.Result.Result != fl.pass() || s.Flow != fl.kind {
				t.Fatalf("CompleteResult = %+v, %v", s, err)
			}
			if code, _, err := fl.result(t, tg, c, other); code != fl.pass() {
				t.Errorf("result after CompleteResult = %q (%v)", code, err)
			}
		})
	}
}

// pass is the flow's pass code.
func (fl sdkFlow) pass() string {
	f, _ := catalog.LookupFlow(fl.kind)
	return f.Pass().Code
}

// TestSDKFlowsScenarioCompletion: completion auto (the first result call)
// and polls (N pending answers first), set per token.
func TestSDKFlowsScenarioCompletion(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	for _, fl := range sdkFlows() {
		t.Run(fl.kind, func(t *testing.T) {
			token := fl.apply(t, tg, c)
			if st := controlJSON(t, "PUT", tg.BaseURL+"/_emulator/sessions/"+token+"/scenario", map[string]any{"Scenario": "sdk-auto-fail"}, nil); st != 200 {
				t.Fatalf("PUT scenario = %d", st)
			}
			want := "1002"
			if fl.kind == "reflect" {
				want = fl.pass() // a web-format liveness code has no reflect equivalent
			}
			if code, _, err := fl.result(t, tg, c, token); code != want {
				t.Errorf("auto: first result = %q (%v), want %q", code, err, want)
			}
			token = fl.apply(t, tg, c)
			controlJSON(t, "PUT", tg.BaseURL+"/_emulator/sessions/"+token+"/scenario", map[string]any{"Scenario": "sdk-polls-2"}, nil)
			var got []string
			for i := 0; i < 3; i++ {
				code, _, _ := fl.result(t, tg, c, token)
				got = append(got, code)
			}
			wantSeq := []string{fl.pending, fl.pending, fl.pass()}
			if fl.pending == "" {
				wantSeq = []string{fl.pass(), fl.pass(), fl.pass()}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantSeq) {
				t.Errorf("polls 2: results %v, want %v", got, wantSeq)
			}
		})
	}
}

// TestSDKFlowsExpiryAndIsolation: the token lifetime, the result lifetime
// and another SecretId, on the emulator's clock.
func TestSDKFlowsExpiryAndIsolation(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	other := goClient(tg, credOther)
	for _, fl := range sdkFlows() {
		t.Run(fl.kind, func(t *testing.T) {
			tg.Server.ResetClock()
			token := fl.apply(t, tg, c)
			if code, _, err := fl.result(t, tg, other, token); code != fl.illegal || err == nil {
				t.Errorf("another SecretId's result call = %q (%v), want %s", code, err, fl.illegal)
			}
			if st := controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token+"?secretId="+credOther.SecretID, nil, nil); st != 404 {
				t.Errorf("GET session in another namespace = %d, want 404", st)
			}
			if fl.token > 0 {
				tg.Server.Clock().Advance(fl.token + time.Minute)
				var sess map[string]any
				controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, &sess)
				if sess["State"] != "expired" {
					t.Errorf("after the token lifetime: State %v, want expired", sess["State"])
				}
				if code, _, err := fl.result(t, tg, c, token); code != fl.pending {
					t.Errorf("result after the token lifetime = %q (%v), want %q", code, err, fl.pending)
				}
			}
			tg.Server.Clock().Advance(fl.life + time.Hour)
			if code, _, err := fl.result(t, tg, c, token); code != fl.expired || err == nil {
				t.Errorf("result after the result lifetime = %q (%v), want %s", code, err, fl.expired)
			}
		})
	}
}

// TestSDKFlowsSurviveRestart: a completed session of every flow answers
// the same after a restart of the binary with EMULATOR_DATA_DIR.
func TestSDKFlowsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	c := goClient(p.target, credMain)
	type done struct {
		fl    sdkFlow
		token string
	}
	var sessions []done
	for _, fl := range sdkFlows() {
		token := fl.apply(t, p.target, c)
		if st := controlJSON(t, "POST", p.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"Result": fl.fail}, nil); st != 200 {
			t.Fatalf("%s: complete = %d", fl.kind, st)
		}
		sessions = append(sessions, done{fl, token})
	}
	if err := p.Stop(t); err != nil {
		t.Fatal(err)
	}
	p2 := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	c2 := goClient(p2.target, credMain)
	for _, s := range sessions {
		var sess map[string]any
		if st := controlJSON(t, "GET", p2.BaseURL+"/_emulator/sessions/"+s.token, nil, &sess); st != http.StatusOK || sess["Flow"] != s.fl.kind {
			t.Errorf("%s after restart: GET = %d %v", s.fl.kind, st, sess)
		}
		if code, _, err := s.fl.result(t, p2.target, c2, s.token); code != s.fl.fail {
			t.Errorf("%s after restart: result %q (%v), want %q", s.fl.kind, code, err, s.fl.fail)
		}
	}
}

// TestSDKFlowFiles: every FileInfo of the eKYC and liveness answers is a
// URL of the emulator that serves a file of the member's type whose MD5
// and size are the answer's.
func TestSDKFlowFiles(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	for _, fl := range []sdkFlow{ekycFlow(), livenessFlow()} {
		t.Run(fl.kind, func(t *testing.T) {
			token := fl.apply(t, tg, c)
			tg.Server.CompleteResult(token, fl.pass())
			_, resp, err := fl.result(t, tg, c, token)
			if err != nil {
				t.Fatal(err)
			}
			infos := map[string]map[string]any{}
			collectFileInfos("", resp, infos)
			want := map[string]string{"liveness": "BestFrame Video", "ekyc": "CardImage CardInfoOcrJson LiveData LiveVideo ActionVideo BestFrame ProfileImage"}[fl.kind]
			for _, name := range strings.Fields(want) {
				found := false
				for path := range infos {
					found = found || strings.HasSuffix(path, "."+name)
				}
				if !found {
					t.Errorf("no FileInfo %s in the answer (have %v)", name, keys(infos))
				}
			}
			for path, fi := range infos {
				u, _ := fi["Url"].(string)
				if !strings.HasPrefix(u, tg.BaseURL+"/files/") {
					t.Errorf("%s.Url = %q, not the emulator's file area", path, u)
					continue
				}
				body := httpGet(t, u)
				sum := md5.Sum(body)
				if got := hex.EncodeToString(sum[:]); got != fi["MD5"] {
					t.Errorf("%s: downloaded MD5 %s, answer says %v", path, got, fi["MD5"])
				}
				if size, _ := fi["Size"].(float64); int(size) != len(body) {
					t.Errorf("%s: downloaded %d bytes, answer says Size %v", path, len(body), fi["Size"])
				}
				kind := http.DetectContentType(body)
				switch name := path[strings.LastIndex(path, ".")+1:]; {
				case strings.Contains(name, "Video") && name != "CardVideo":
					if !strings.HasPrefix(kind, "video/mp4") {
						t.Errorf("%s is %s, want an MP4", path, kind)
					}
				case name == "BestFrame" || name == "CardImage" || name == "ProfileImage":
					if kind != "image/jpeg" {
						t.Errorf("%s is %s, want a JPEG", path, kind)
					}
				case name == "CardInfoOcrJson" || name == "LiveData":
					var v map[string]any
					if err := json.Unmarshal(body, &v); err != nil {
						t.Errorf("%s is not a JSON object: %v", path, err)
					}
				}
			}
		})
	}
}

// collectFileInfos finds the FileInfo objects (Url, MD5, Size) in v.
func collectFileInfos(path string, v any, out map[string]map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["Url"]; ok {
			if _, ok := x["MD5"]; ok {
				out[path] = x
				return
			}
		}
		for k, e := range x {
			collectFileInfos(path+"."+k, e, out)
		}
	case []any:
		for i, e := range x {
			collectFileInfos(fmt.Sprintf("%s[%d]", path, i), e, out)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestReflectInputs: DetectReflectLivenessAndCompare reads its URLs from
// the upload area and checks them as documented: MD5, download, image.
func TestReflectInputs(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	fl := reflectFlow()
	token := fl.apply(t, tg, c)
	live, liveSum := upload(t, c, fl.kind, []byte("package of "+token))
	img, err := os.ReadFile(filepath.Join("..", "emulator", "internal", "faceid", "media", "bestframe.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	image, imageSum := upload(t, c, fl.kind, img)
	notImage, notImageSum := upload(t, c, fl.kind, []byte("plain text, not an image"))
	pending, _ := call(c, "CreateUploadUrl", map[string]any{"TargetAction": "DetectReflectLivenessAndCompare"})
	cases := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"LiveDataMd5 wrong", map[string]any{"LiveDataUrl": live, "LiveDataMd5": imageSum, "ImageUrl": image, "ImageMd5": imageSum}, "InvalidParameterValue"},
		{"ImageMd5 wrong", map[string]any{"LiveDataUrl": live, "LiveDataMd5": liveSum, "ImageUrl": image, "ImageMd5": liveSum}, "InvalidParameterValue"},
		{"nothing uploaded", map[string]any{"LiveDataUrl": pending["ResourceUrl"], "LiveDataMd5": liveSum, "ImageUrl": image, "ImageMd5": imageSum}, "FailedOperation.DownLoadError"},
		{"unknown upload", map[string]any{"LiveDataUrl": tg.BaseURL + "/files/upload/nope", "LiveDataMd5": liveSum, "ImageUrl": image, "ImageMd5": imageSum}, "FailedOperation.DownLoadError"},
		{"not an image", map[string]any{"LiveDataUrl": live, "LiveDataMd5": liveSum, "ImageUrl": notImage, "ImageMd5": notImageSum}, "FailedOperation.ImageDecodeFailed"},
		{"not a URL", map[string]any{"LiveDataUrl": "not a url", "LiveDataMd5": liveSum, "ImageUrl": image, "ImageMd5": imageSum}, "InvalidParameterValue"},
	}
	for _, tc := range cases {
		if _, err := call(c, "DetectReflectLivenessAndCompare", tc.params); sdkCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	if st := controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, nil); st != 200 {
		t.Fatalf("GET session = %d", st)
	}
	// The good call passes; its best frame is a JPEG with the stated MD5.
	resp, err := call(c, "DetectReflectLivenessAndCompare", map[string]any{"LiveDataUrl": live, "LiveDataMd5": liveSum, "ImageUrl": image, "ImageMd5": imageSum})
	if err != nil || resp["Result"] != "Success" {
		t.Fatalf("detect = %v, %v", resp, err)
	}
	if sim, _ := resp["Sim"].(float64); sim < 70 {
		t.Errorf("Sim = %v on a pass", resp["Sim"])
	}
	frame := httpGet(t, resp["BestFrameUrl"].(string))
	sum := md5.Sum(frame)
	if hex.EncodeToString(sum[:]) != resp["BestFrameMd5"] || http.DetectContentType(frame) != "image/jpeg" {
		t.Errorf("BestFrameUrl gave %s with MD5 %x, answer says %v", http.DetectContentType(frame), sum, resp["BestFrameMd5"])
	}
	var sess map[string]any
	controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, &sess)
	if res, _ := sess["Result"].(map[string]any); sess["State"] != "completed" || res["Source"] != "detect" {
		t.Errorf("after detection: State %v Result %v", sess["State"], sess["Result"])
	}
	// The journal names the session.
	found := false
	for _, r := range tg.Server.RequestsMatching(emulator.RequestFilter{Token: token}) {
		found = found || (r.Action == "DetectReflectLivenessAndCompare" && r.Flow == "reflect")
	}
	if !found {
		t.Error("the journal has no DetectReflectLivenessAndCompare record for the session")
	}
}

// TestSDKFlowLibrary: every shipped scenario of every SDK flow, end to
// end: set on a fresh session, the first result call answers its code.
func TestSDKFlowLibrary(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	for _, fl := range sdkFlows() {
		table, _ := catalog.LookupFlow(fl.kind)
		covered := map[string]bool{}
		for _, sc := range tg.Server.Scenarios().List() {
			if sc.For != fl.kind || sc.Source == "builtin" {
				continue
			}
			if sc.Result == nil || sc.Result.Code == nil {
				t.Errorf("%s: shipped scenario without result.code", sc.Name)
				continue
			}
			want := *sc.Result.Code
			covered[want] = true
			t.Run(sc.Name, func(t *testing.T) {
				token := fl.apply(t, tg, c)
				if st := controlJSON(t, "PUT", tg.BaseURL+"/_emulator/sessions/"+token+"/scenario", map[string]any{"Scenario": sc.Name}, nil); st != 200 {
					t.Fatalf("PUT scenario = %d", st)
				}
				code, resp, err := fl.result(t, tg, c, token)
				if code != want {
					t.Fatalf("result = %q (%v), want %q", code, err, want)
				}
				entry, _ := table.Lookup(want)
				if resp != nil && resp["Description"] != entry.Message {
					t.Errorf("Description = %v, want %q", resp["Description"], entry.Message)
				}
				s, err := tg.Server.SDKSession(token)
				if err != nil || s.State != "completed" || s.Result == nil || s.Result.Result != want || s.Result.Category != entry.Category {
					t.Errorf("session after the result call: %+v, %v", s.Result, err)
				}
				// Liveness and comparison failures are one attempt with the code.
				if entry.Category == "liveness" || entry.Category == "compare" {
					if len(s.Attempts) != 1 || s.Attempts[0].Result != want {
						t.Errorf("attempts %+v, want one ending with %s", s.Attempts, want)
					}
				}
			})
		}
		for _, code := range table.Codes {
			if !covered[code.Code] {
				t.Errorf("%s: no shipped scenario for code %s", fl.kind, code.Code)
			}
		}
	}
}

// TestSDKFlowsSelection: the apply call selects a scenario written for its
// flow by match rules (one for another flow never), and the scenario's
// scripted API behaviour applies to the result action.
func TestSDKFlowsSelection(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	selfie := applySDK(t, c, "GetFaceIdTokenIntl", map[string]any{"Extra": "pick-me"})
	ekyc := applySDK(t, c, "ApplySdkVerificationToken", map[string]any{"Extra": "pick-me", "CheckMode": 2, "CompareImage": sampleJPEG(t)})
	for _, tc := range []struct {
		token, action, scenario, code string
	}{
		{selfie, "GetFaceIdResultIntl", "selfie-by-extra", "1005"},
		{ekyc, "GetSdkVerificationResult", "ekyc-by-extra", "2015"},
	} {
		s, err := tg.Server.SDKSession(tc.token)
		if err != nil || s.Scenario != tc.scenario || s.ScenarioReason != "match" || !s.Scripted {
			t.Errorf("%s: scenario %q (%s, scripted %v), %v; want %s by match", tc.action, s.Scenario, s.ScenarioReason, s.Scripted, err, tc.scenario)
		}
		if code, _, err := resultCall(tc.action)(t, tg, c, tc.token); code != tc.code {
			t.Errorf("%s = %q (%v), want %q", tc.action, code, err, tc.code)
		}
	}
	// No match: the global default, pending until completed.
	plain := applySDK(t, c, "GetFaceIdTokenIntl", map[string]any{"Extra": "other"})
	if s, _ := tg.Server.SDKSession(plain); s.Scenario != "default" || s.Scripted || s.Completion.Mode != "manual" {
		t.Errorf("unmatched apply: scenario %q scripted %v mode %s", s.Scenario, s.Scripted, s.Completion.Mode)
	}
	throttled := applySDK(t, c, "GetFaceIdTokenIntl", map[string]any{"Extra": "throttle"})
	if _, err := call(c, "GetFaceIdResultIntl", map[string]any{"SdkToken": throttled}); sdkCode(err) != "RequestLimitExceeded" {
		t.Errorf("first result call = %v, want RequestLimitExceeded", err)
	}
	if code, _, err := resultCall("GetFaceIdResultIntl")(t, tg, c, throttled); code != "0" {
		t.Errorf("second result call = %q (%v), want 0", code, err)
	}
	var reqs []emulator.Request
	for _, r := range tg.Server.RequestsMatching(emulator.RequestFilter{Token: selfie}) {
		if r.Flow == "selfie" {
			reqs = append(reqs, r)
		}
	}
	if len(reqs) != 2 || reqs[0].Action != "GetFaceIdTokenIntl" || reqs[1].Action != "GetFaceIdResultIntl" {
		t.Errorf("journal of the selfie session: %d records %+v", len(reqs), reqs)
	}
}

// TestSDKFlowsBadInput: the apply actions' documented rules beyond the
// spec's types, each with its code.
func TestSDKFlowsBadInput(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	device, _ := upload(t, c, "GenerateReflectSequence", []byte("device"))
	cases := []struct {
		action string
		params map[string]any
		want   string
	}{
		{"GetFaceIdTokenIntl", map[string]any{"Extra": strings.Repeat("x", 1025)}, "InvalidParameterValue"},
		{"GetFaceIdTokenIntl", map[string]any{"SecureLevel": "1", "ActionList": "blink"}, "InvalidParameterValue"},
		{"GetFaceIdTokenIntl", map[string]any{"CheckMode": "both"}, "InvalidParameterValue"},
		{"GetFaceIdTokenIntl", map[string]any{"RetryLimit": 6}, "InvalidParameterValue"},
		{"GetFaceIdTokenIntl", map[string]any{"Image": "not base64!"}, "InvalidParameterValue"},
		{"ApplySdkVerificationToken", map[string]any{"SecurityLevel": 3, "ActionList": "nod"}, "InvalidParameterValue"},
		{"ApplySdkVerificationToken", map[string]any{"IdCardType": "HKIDCard"}, "InvalidParameterValue"},
		{"ApplySdkVerificationToken", map[string]any{"Extra": strings.Repeat("x", 1025)}, "InvalidParameterValue"},
		{"ApplyLivenessToken", map[string]any{"SecureLevel": "5"}, "InvalidParameterValue"},
		{"GenerateReflectSequence", map[string]any{"DeviceDataUrl": device, "DeviceDataMd5": strings.Repeat("0", 32)}, "InvalidParameterValue"},
		{"GenerateReflectSequence", map[string]any{"DeviceDataUrl": tg.BaseURL + "/files/upload/none", "DeviceDataMd5": strings.Repeat("0", 32)}, "FailedOperation.DownLoadError"},
		{"GetFaceIdResultIntl", map[string]any{}, "MissingParameter"},
		{"GetSdkVerificationResult", map[string]any{"SdkToken": "not-a-token"}, "UnauthorizedOperation"},
		{"GetLivenessResult", map[string]any{"SdkToken": "not-a-token"}, "InvalidParameterValue.BizTokenIllegal"},
	}
	for _, tc := range cases {
		if _, err := call(c, tc.action, tc.params); sdkCode(err) != tc.want {
			t.Errorf("%s %.80v: %v, want %s", tc.action, tc.params, err, tc.want)
		}
	}
	if n := len(tg.Server.Sessions(emulator.SessionFilter{})); n != 0 {
		t.Errorf("refused apply calls left %d sessions", n)
	}
}
