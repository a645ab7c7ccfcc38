package integration

import (
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
	return []sdkFlow{selfieFlow(), ekycFlow(), livenessFlow()}
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
