package integration

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"image/jpeg"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// scenarioFor finds the shipped scenario of action scripting code in field.
func scenarioFor(set *scenarios.Set, action, field, code string) []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, sc := range set.List() {
		if sc.For != action {
			continue
		}
		if b, ok := sc.API[action]; ok && b.Response[field] == code {
			out = append(out, sc)
		}
	}
	return out
}

// putSecretScenario chooses the SecretId's default scenario through the
// control API.
func putSecretScenario(t *testing.T, tg *target, secretID, name string) {
	t.Helper()
	var got struct{ SecretId, Scenario string }
	code, body := ctlCall(t, http.MethodPut, tg.BaseURL+"/_emulator/secrets/"+secretID+"/scenario", "", map[string]string{"Scenario": name}, &got)
	if code != http.StatusOK || got.Scenario != name || got.SecretId != secretID {
		t.Fatalf("PUT secrets/%s/scenario %q: %d %s", secretID, name, code, body)
	}
}

// checkResult asserts that an API-only answer carries the code and message
// of r in the flow's members.
func checkResult(t *testing.T, f catalog.Flow, r catalog.FlowResult, resp map[string]any) {
	t.Helper()
	got := fmt.Sprint(resp[f.Field])
	if got != r.Code {
		t.Errorf("%s = %s, want %s", f.Field, got, r.Code)
	}
	if f.MessageField != "" && resp[f.MessageField] != r.Message && r.Category != "pass" {
		t.Errorf("%s = %v, want %q", f.MessageField, resp[f.MessageField], r.Message)
	}
	for _, sim := range []string{"Sim", "Similarity"} {
		if v, ok := resp[sim].(float64); ok && r.Category != "pass" && v >= 70 {
			t.Errorf("%s = %v on a failure", sim, v)
		}
	}
}

// TestAPIOnlyShippedScenarios: every shipped scenario of every API-only
// action, end to end through the official Go SDK, in-process and on the
// binary: chosen as the
// SecretId's default through PUT /_emulator/secrets/{SecretId}/scenario, it
// makes the next call answer its code and message; with the choice removed
// the action passes again. Every failure code of the catalogue has exactly
// one scenario.
func TestAPIOnlyShippedScenarios(t *testing.T) {
	set, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	targets(t, func(t *testing.T, tg *target) { playAPIOnlyScenarios(t, tg, set) })
}

func playAPIOnlyScenarios(t *testing.T, tg *target, set *scenarios.Set) {
	c := goClient(tg, credMain)
	svc := spec.Faceid()
	total := 0
	for _, f := range catalog.APIOnlyFlows() {
		action := svc.Actions[f.Actions[0]]
		t.Run(action.Name, func(t *testing.T) {
			req := validRequest(action.Input, nil)
			putSecretScenario(t, tg, credMain.SecretID, "")
			resp, err := call(c, action.Name, req)
			if err != nil {
				t.Fatalf("default answer: %v", err)
			}
			checkResult(t, f, f.Pass(), resp)
			for _, r := range f.Codes[1:] {
				scs := scenarioFor(set, action.Name, f.Field, r.Code)
				if len(scs) != 1 {
					t.Errorf("%s %s: %d shipped scenarios, want 1", f.Field, r.Code, len(scs))
					continue
				}
				total++
				putSecretScenario(t, tg, credMain.SecretID, scs[0].Name)
				resp, err := call(c, action.Name, req)
				if err != nil {
					t.Errorf("%s: %v", scs[0].Name, err)
					continue
				}
				checkResult(t, f, r, resp)
				for _, e := range fitsSpec(action.Output, resp, "") {
					t.Errorf("%s: answer does not fit %s: %s", scs[0].Name, action.Output.Name, e)
				}
			}
			putSecretScenario(t, tg, credMain.SecretID, "")
			if resp, err := call(c, action.Name, req); err != nil {
				t.Errorf("after the choice is removed: %v", err)
			} else {
				checkResult(t, f, f.Pass(), resp)
			}
		})
	}
	t.Logf("%d shipped API-only scenarios played", total)
	if total < 250 {
		t.Errorf("only %d scenarios played", total)
	}
}

// TestCompareFaceLivenessPassThenFail: one emulator (in-process and the
// binary), no restart: a pass, then a failure chosen for the SecretId
// (control API), another SecretId unaffected, then another failure (chosen
// from Go in-process), then a pass again.
func TestCompareFaceLivenessPassThenFail(t *testing.T) {
	targets(t, passThenFail)
}

func passThenFail(t *testing.T, tg *target) {
	c := goClient(tg, credMain)
	other := goClient(tg, credOther)
	f, _ := catalog.LookupFlow("CompareFaceLiveness")
	req := validRequest(spec.Faceid().Actions["CompareFaceLiveness"].Input, nil)
	step := func(client *common.Client, want catalog.FlowResult) {
		t.Helper()
		resp, err := call(client, "CompareFaceLiveness", req)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, f, want, resp)
	}
	low, _ := f.Lookup("FailedOperation.CompareLowSimilarity")
	first, _ := f.Lookup("FailedOperation.ActionFirstAction")
	step(c, f.Pass())
	putSecretScenario(t, tg, credMain.SecretID, "comparefaceliveness-compare-failedoperation-comparelowsimilarity")
	step(c, low)
	step(other, f.Pass())
	var got struct{ Scenario string }
	if code, body := ctlCall(t, http.MethodGet, tg.BaseURL+"/_emulator/secrets/"+credMain.SecretID+"/scenario", "", nil, &got); code != 200 || got.Scenario != "comparefaceliveness-compare-failedoperation-comparelowsimilarity" {
		t.Errorf("GET secrets/.../scenario: %d %s", code, body)
	}
	if tg.Server != nil { // the Go API, in-process only
		if err := tg.Server.SetSecretScenario(credMain.SecretID, "comparefaceliveness-liveness-failedoperation-actionfirstaction"); err != nil {
			t.Fatal(err)
		}
		step(c, first)
		if err := tg.Server.SetSecretScenario(credMain.SecretID, ""); err != nil {
			t.Fatal(err)
		}
	} else {
		putSecretScenario(t, tg, credMain.SecretID, "comparefaceliveness-liveness-failedoperation-actionfirstaction")
		step(c, first)
		putSecretScenario(t, tg, credMain.SecretID, "")
	}
	step(c, f.Pass())

	// Bad choices: an unknown SecretId is 404, an unknown scenario 400, and
	// neither changes anything.
	for _, tc := range []struct {
		id, name string
		status   int
	}{
		{"AKIDNOSUCHSECRET", "comparefaceliveness-compare-failedoperation-comparelowsimilarity", http.StatusNotFound},
		{credMain.SecretID, "no-such-scenario", http.StatusBadRequest},
	} {
		if code, body := ctlCall(t, http.MethodPut, tg.BaseURL+"/_emulator/secrets/"+tc.id+"/scenario", "", map[string]string{"Scenario": tc.name}, nil); code != tc.status {
			t.Errorf("PUT %s %q: %d %s, want %d", tc.id, tc.name, code, body, tc.status)
		}
	}
	step(c, f.Pass())
}

// TestAPIOnlyMatchParams: a user scenario file selects an answer per call
// by match.params on the request, for its action only.
func TestAPIOnlyMatchParams(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bank.yaml")
	if err := os.WriteFile(file, []byte(`scenarios:
  - name: bank2e-mismatch
    for: BankCard2EVerification
    match: {params: {Name: {exact: mismatch}}}
    api:
      BankCard2EVerification: {response: {Result: "-2", Description: Name verification failed}}
  - name: silent-low-similarity
    for: CompareFaceLiveness
    match: {params: {LivenessType: {exact: SILENT}}}
    result: {code: FailedOperation.CompareLowSimilarity}
  - name: silent-spoof-with-sim
    for: CompareFaceLiveness
    match: {params: {ValidateData: {exact: "2,1"}}}
    result: {code: FailedOperation.ActionFirstAction}
    api:
      CompareFaceLiveness: {response: {Sim: 12.5}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := inProcess(t, emulator.Options{ScenarioPaths: []string{file}})
	c := goClient(tg, credMain)
	f, _ := catalog.LookupFlow("BankCard2EVerification")
	mismatch, _ := f.Lookup("-2")
	for _, tc := range []struct {
		action, name string
		want         catalog.FlowResult
	}{
		{"BankCard2EVerification", "mismatch", mismatch},
		{"BankCard2EVerification", "Someone Else", f.Pass()},
	} {
		resp, err := call(c, tc.action, map[string]any{"Name": tc.name, "BankCard": "6225880000000000"})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, f, tc.want, resp)
	}
	// result.code answers the code, its catalogue message and the members
	// depending on it (Sim 45 for a low similarity); response members set
	// over it win (Sim 12.5).
	cfl, _ := catalog.LookupFlow("CompareFaceLiveness")
	for _, tc := range []struct {
		params map[string]any
		code   string
		sim    float64
	}{
		{map[string]any{"LivenessType": "SILENT"}, "FailedOperation.CompareLowSimilarity", catalog.LowSimilarity},
		{map[string]any{"LivenessType": "ACTION", "ValidateData": "2,1"}, "FailedOperation.ActionFirstAction", 12.5},
		{map[string]any{"LivenessType": "ACTION"}, "Success", 100},
	} {
		req := map[string]any{"ImageBase64": jpegBase64, "VideoBase64": mp4Base64}
		maps.Copy(req, tc.params)
		resp, err := call(c, "CompareFaceLiveness", req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := cfl.Lookup(tc.code)
		checkResult(t, cfl, want, resp)
		if resp["Sim"] != tc.sim {
			t.Errorf("%v: Sim = %v, want %v", tc.params, resp["Sim"], tc.sim)
		}
	}

	// The same Name on another action is not matched (the scenario is for
	// BankCard2EVerification).
	g, _ := catalog.LookupFlow("IdCardVerification")
	resp, err := call(c, "IdCardVerification", map[string]any{"Name": "mismatch", "IdCard": "11204416541220243X"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, g, g.Pass(), resp)
}

// TestVideoLivenessCompareBestFrameFile: VideoLivenessCompare's BestFrame
// (a FileInfo) links a real JPEG on the emulator whose MD5 and size are the
// answer's, by default and under a shipped failure scenario.
func TestVideoLivenessCompareBestFrameFile(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		c := goClient(tg, credMain)
		req := validRequest(spec.Faceid().Actions["VideoLivenessCompare"].Input, nil)
		for _, scenario := range []string{"", "videolivenesscompare-liveness-failedoperation-silentthreshold"} {
			putSecretScenario(t, tg, credMain.SecretID, scenario)
			resp, err := call(c, "VideoLivenessCompare", req)
			if err != nil {
				t.Fatal(err)
			}
			bf, _ := resp["BestFrame"].(map[string]any)
			url, _ := bf["Url"].(string)
			if !strings.HasPrefix(url, tg.BaseURL+"/files/") {
				t.Fatalf("%q: BestFrame.Url %q is not on the emulator", scenario, url)
			}
			got, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(got.Body)
			got.Body.Close()
			sum := md5.Sum(data)
			if got.StatusCode != 200 || bf["MD5"] != hex.EncodeToString(sum[:]) || bf["Size"] != float64(len(data)) {
				t.Errorf("%q: GET %s: %d, %d bytes, md5 %x; answer MD5 %v Size %v", scenario, url, got.StatusCode, len(data), sum, bf["MD5"], bf["Size"])
			}
			if _, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil {
				t.Errorf("%q: the best frame is not a JPEG: %v", scenario, err)
			}
		}
		putSecretScenario(t, tg, credMain.SecretID, "")
	})
}
