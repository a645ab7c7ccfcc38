package integration

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/emulatortest"
)

// The tests below use package emulatortest the way a merchant would: each
// test starts its own emulator, runs its own eKYC code (etMerchant) with the
// official Go SDK against it, and drives the user's side with the helpers.

// etMerchant is the merchant's code under test: it starts a verification
// and reads its result through the SDK.
type etMerchant struct{ client *common.Client }

func (m etMerchant) send(action string, params map[string]any) (map[string]any, error) {
	req := tchttp.NewCommonRequest("faceid", "2018-03-01", action)
	if err := req.SetActionParameters(params); err != nil {
		return nil, err
	}
	resp := tchttp.NewCommonResponse()
	if err := m.client.Send(req, resp); err != nil {
		return nil, err
	}
	var env struct{ Response map[string]any }
	err := json.Unmarshal(resp.GetBody(), &env)
	return env.Response, err
}

func (m etMerchant) start(t *testing.T, ruleID string) (token, url string) {
	t.Helper()
	params := map[string]any{"RedirectURL": "https://shop.example/kyc/return", "Extra": "customer-7"}
	if ruleID != "" {
		params["RuleId"] = ruleID
	}
	resp, err := m.send("ApplyWebVerificationBizTokenIntl", params)
	if err != nil {
		t.Fatalf("merchant start: %v", err)
	}
	return resp["BizToken"].(string), resp["VerificationURL"].(string)
}

// result returns the final ErrorCode, or -1 while pending.
func (m etMerchant) result(token string) (int, error) {
	resp, err := m.send("GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		return 0, err
	}
	code, ok := resp["ErrorCode"].(float64)
	if !ok {
		return -1, nil
	}
	return int(code), nil
}

func etClient(e *emulatortest.Emulator) etMerchant {
	return etMerchant{client: common.NewCommonClient(e.SDKCredential(), "ap-singapore", e.ClientProfile())}
}

func TestEmulatortestPass(t *testing.T) {
	t.Parallel()
	e := emulatortest.New(t)
	m := etClient(e)
	token, vurl := m.start(t, "")
	if vurl != e.URL()+"/reflect/?token="+token {
		t.Errorf("VerificationURL %q does not point at the emulator %s", vurl, e.URL())
	}
	if code, err := m.result(token); err != nil || code != -1 {
		t.Fatalf("pending result = %d, %v", code, err)
	}
	s := e.Complete(token, 0, emulator.WithSimilarity(90.5))
	if s.State != emulator.StateCompleted || s.SecretId != e.Credential().SecretID {
		t.Errorf("session = %+v", s)
	}
	if code, err := m.result(token); err != nil || code != 0 {
		t.Fatalf("result = %d, %v", code, err)
	}
	if got := e.Session(token); got.Polls != 0 || got.Result.ErrorCode != 0 || got.Attempts[0].Similarity != 90.5 {
		t.Errorf("session after Get = %+v", got)
	}
	reqs := e.Requests()
	if len(reqs) != 3 || reqs[0].Action != "ApplyWebVerificationBizTokenIntl" || reqs[2].Token != token || reqs[2].Signature != "ok" {
		t.Errorf("journal = %+v", reqs)
	}
	e.ClearRequests()
	if len(e.Requests()) != 0 {
		t.Error("ClearRequests kept records")
	}
}

func TestEmulatortestScriptedFailure(t *testing.T) {
	t.Parallel()
	e := emulatortest.New(t)
	m := etClient(e)
	token, _ := m.start(t, "")
	e.SetOutcome(token, 1001)
	if code, _ := m.result(token); code != -1 {
		t.Errorf("SetOutcome completed the session: %d", code)
	}
	e.Finish(token) // the user goes through the page
	if code, err := m.result(token); err != nil || code != 1001 {
		t.Errorf("result = %d, %v, want 1001", code, err)
	}

	// A library scenario chosen by the merchant's RuleId.
	token2, _ := m.start(t, "liveness-1002-spoofed-recording")
	if s := e.Session(token2); s.Scenario != "liveness-1002-spoofed-recording" {
		t.Errorf("scenario = %q", s.Scenario)
	}
	e.Finish(token2)
	if code, _ := m.result(token2); code != 1002 {
		t.Errorf("RuleId scenario result = %d", code)
	}

	// Retry limit: 16 comes with a failed attempt for each allowed try.
	token3, _ := m.start(t, "")
	if s := e.Complete(token3, 16); len(s.Attempts) != int(s.Config.LivenessRetryLimit) || s.AttemptsLeft != 0 {
		t.Errorf("16 recorded %d attempts, limit %d", len(s.Attempts), s.Config.LivenessRetryLimit)
	}
	if code, _ := m.result(token3); code != 16 {
		t.Errorf("result = %d, want 16", code)
	}
}

func TestEmulatortestExpiry(t *testing.T) {
	t.Parallel()
	e := emulatortest.New(t)
	m := etClient(e)
	token, _ := m.start(t, "")
	e.Advance(11 * time.Minute)
	if code, err := m.result(token); err != nil || code != 15 {
		t.Errorf("after 11 minutes: %d, %v, want 15", code, err)
	}
	if s := e.Session(token); s.State != emulator.StateExpired {
		t.Errorf("state = %s", s.State)
	}
	e.Advance(73 * time.Hour)
	if _, err := m.result(token); sdkCode(err) != catalog.BizTokenExpired {
		t.Errorf("after 73 hours: %v, want %s", err, catalog.BizTokenExpired)
	}
	e.Reset()
	if _, err := m.result(token); sdkCode(err) != catalog.BizTokenIllegal {
		t.Errorf("after Reset: %v", err)
	}
	if len(e.Sessions()) != 0 {
		t.Error("Reset kept sessions")
	}
}

func TestEmulatortestIsolation(t *testing.T) {
	t.Parallel()
	a := emulatortest.New(t)
	b := emulatortest.New(t)
	if a.Credential() == b.Credential() || a.URL() == b.URL() {
		t.Fatal("two emulators share a credential or an address")
	}
	if !strings.HasPrefix(a.Credential().SecretID, "AKID") || len(a.Credential().SecretKey) < 32 {
		t.Errorf("credential %q does not look like a Tencent key pair", a.Credential().SecretID)
	}
	ma, mb := etClient(a), etClient(b)
	token, _ := ma.start(t, "")
	b.Advance(100 * time.Hour) // b's clock is b's alone
	if code, err := ma.result(token); err != nil || code != -1 {
		t.Errorf("a's session affected by b's clock: %d, %v", code, err)
	}
	if len(b.Sessions()) != 0 {
		t.Error("b sees a's session")
	}
	// b does not know a's credential at all.
	cross := etMerchant{client: common.NewCommonClient(a.SDKCredential(), "ap-singapore", b.ClientProfile())}
	if _, err := cross.result(token); sdkCode(err) != catalog.SecretIDNotFound {
		t.Errorf("a's credential on b: %v, want %s", err, catalog.SecretIDNotFound)
	}
	if _, err := mb.result(token); sdkCode(err) != catalog.BizTokenIllegal {
		t.Errorf("a's token on b: %v", err)
	}
}

// TestEmulatortestTransport: the SDK keeps Tencent Cloud's real endpoint
// and only swaps its transport (client.WithHttpTransport); requests never
// touch the network.
func TestEmulatortestTransport(t *testing.T) {
	t.Parallel()
	e := emulatortest.New(t)
	cpf := profile.NewClientProfile() // faceid.tencentcloudapi.com over https
	client := common.NewCommonClient(e.SDKCredential(), "ap-singapore", cpf)
	client.WithHttpTransport(e.Transport())
	m := etMerchant{client: client}

	token, vurl := m.start(t, "")
	if vurl != e.URL()+"/reflect/?token="+token {
		t.Errorf("VerificationURL = %q", vurl)
	}
	e.Complete(token, 0)
	if code, err := m.result(token); err != nil || code != 0 {
		t.Fatalf("result via Transport = %d, %v", code, err)
	}
	if reqs := e.Requests(); len(reqs) != 2 || reqs[1].Signature != "ok" || reqs[1].SDK != "SDK_GO_1.3.211" {
		t.Errorf("journal = %+v", reqs)
	}

	// Scripted transport faults reach the SDK as network errors, once.
	for _, fault := range []string{"fault-connection-reset", "fault-truncated-body", "fault-http-502"} {
		token, _ := m.start(t, fault)
		e.Complete(token, 0)
		if _, err := m.result(token); err == nil {
			t.Errorf("%s: no error", fault)
		}
		if code, err := m.result(token); err != nil || code != 0 {
			t.Errorf("%s, second call: %d, %v", fault, code, err)
		}
	}

	// A wrong key is diagnosed with the host the SDK signed.
	wrong := common.NewCommonClient(common.NewCredential(e.Credential().SecretID, "wrong"), "ap-singapore", profile.NewClientProfile())
	wrong.WithHttpTransport(e.Transport())
	if _, err := (etMerchant{client: wrong}).result(token); sdkCode(err) != catalog.SignatureFailure {
		t.Fatalf("wrong key: %v", err)
	}
	failed := e.Server().RequestsMatching(emulator.RequestFilter{Signature: "failed"})
	if len(failed) != 1 || !strings.Contains(failed[0].Diagnostics.CanonicalRequest, "host:faceid.tencentcloudapi.com") {
		t.Errorf("diagnostics = %+v", failed)
	}
}

func TestEmulatortestScenarioDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yaml := "scenarios:\n  - name: merchant-ocr-fail\n    description: the document check fails\n    result: {errorCode: 1001}\n    completion: {mode: manual}\n"
	if err := os.WriteFile(filepath.Join(dir, "merchant.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	e := emulatortest.New(t, emulatortest.WithScenarioDir(dir), emulatortest.WithOptions(emulator.Options{JournalSize: 3}))
	found := false
	for _, sc := range e.Server().ScenarioList() {
		found = found || (sc.Name == "merchant-ocr-fail" && strings.HasSuffix(sc.Source, "merchant.yaml"))
	}
	if !found {
		t.Fatal("the scenario of WithScenarioDir is not loaded")
	}
	m := etClient(e)
	token, _ := m.start(t, "merchant-ocr-fail")
	e.Finish(token)
	if code, _ := m.result(token); code != 1001 {
		t.Errorf("result = %d", code)
	}
	for i := 0; i < 3; i++ {
		_, _ = m.result(token)
	}
	if n := len(e.Requests()); n != 3 {
		t.Errorf("journal holds %d, want JournalSize 3", n)
	}
}

func TestEmulatortestFixedCredential(t *testing.T) {
	t.Parallel()
	e := emulatortest.New(t, emulatortest.WithCredential(credTemp))
	if e.Credential() != credTemp {
		t.Fatalf("Credential() = %+v", e.Credential())
	}
	m := etClient(e) // a token credential: X-TC-Token is sent
	token, _ := m.start(t, "")
	if e.Session(token).SecretId != credTemp.SecretID {
		t.Error("session not in the fixed credential's namespace")
	}
	// A helper failing reports through the test: check the error directly.
	if _, err := e.Server().Complete("unknown-token", 0); !errors.Is(err, emulator.ErrSessionNotFound) {
		t.Errorf("Server().Complete(unknown) = %v", err)
	}
}
