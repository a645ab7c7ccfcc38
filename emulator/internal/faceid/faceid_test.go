package faceid

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

func intp(v int) *int           { return &v }
func floatp(v float64) *float64 { return &v }

func cfgMode(mode int64) WebConfig {
	return WebConfig{CheckMode: mode, LivenessRetryLimit: 99, Version: "BASIC"}
}

func TestBuildAttempt(t *testing.T) {
	at := time.UnixMilli(1795715400123)
	plus := cfgMode(2)
	plus.Version = "PLUS"
	cases := []struct {
		name        string
		cfg         WebConfig
		in          scenarios.Attempt
		code        int
		compare     *int
		similarity  float64
		livenessTag []string
	}{
		{"pass compares", cfgMode(2), scenarios.Attempt{}, 0, intp(0), passSimilarity, nil},
		{"pass with score", cfgMode(1), scenarios.Attempt{Similarity: floatp(77.25)}, 0, intp(0), 77.25, nil},
		{"liveness-only pass", cfgMode(3), scenarios.Attempt{}, 0, nil, 0, nil},
		{"liveness failure", cfgMode(2), scenarios.Attempt{Liveness: 1002}, 1002, nil, 0, nil},
		{"low similarity", cfgMode(2), scenarios.Attempt{Compare: intp(2016)}, 2016, intp(2016), lowSimilarity, nil},
		{"other comparison failure", cfgMode(2), scenarios.Attempt{Compare: intp(2012)}, 2012, intp(2012), 0, nil},
		{"code override", cfgMode(2), scenarios.Attempt{Liveness: 1005, ErrorCode: intp(1410)}, 1410, nil, 0, nil},
		{"tags only for PLUS", cfgMode(2), scenarios.Attempt{Liveness: 1002, LivenessInfoTag: []string{"03"}}, 1002, nil, 0, nil},
		{"PLUS failure tags", plus, scenarios.Attempt{Liveness: 1002, LivenessInfoTag: []string{"03"}}, 1002, nil, 0, []string{"03"}},
		{"PLUS pass has no tags", plus, scenarios.Attempt{LivenessInfoTag: []string{"03"}}, 0, intp(0), passSimilarity, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := buildAttempt(tc.cfg, tc.in, at)
			if a.ErrorCode != tc.code {
				t.Errorf("ErrorCode = %d, want %d", a.ErrorCode, tc.code)
			}
			if (a.CompareErrorCode == nil) != (tc.compare == nil) || (a.CompareErrorCode != nil && *a.CompareErrorCode != *tc.compare) {
				t.Errorf("CompareErrorCode = %v, want %v", a.CompareErrorCode, tc.compare)
			}
			if a.Similarity != tc.similarity {
				t.Errorf("Similarity = %v, want %v", a.Similarity, tc.similarity)
			}
			if strings.Join(a.LivenessInfoTag, ",") != strings.Join(tc.livenessTag, ",") {
				t.Errorf("LivenessInfoTag = %v, want %v", a.LivenessInfoTag, tc.livenessTag)
			}
			if a.ReqTimestampMS != 1795715400123 || len(a.Seq) != 36 {
				t.Errorf("ReqTimestamp/Seq = %d / %q", a.ReqTimestampMS, a.Seq)
			}
		})
	}
}

func TestFinalResult(t *testing.T) {
	limit2 := cfgMode(2)
	limit2.LivenessRetryLimit = 2
	fail := Attempt{ErrorCode: 1002}
	pass := Attempt{}
	cases := []struct {
		name     string
		sc       *scenarios.Scenario
		cfg      WebConfig
		attempts []Attempt
		want     int
	}{
		{"no attempts", nil, cfgMode(2), nil, 0},
		{"last attempt decides", nil, cfgMode(2), []Attempt{fail, pass}, 0},
		{"failure with attempts left", nil, cfgMode(2), []Attempt{fail}, 1002},
		{"retry limit used up", nil, limit2, []Attempt{fail, fail}, catalog.ResultRetryLimit},
		{"explicit code wins", &scenarios.Scenario{Result: &scenarios.Result{ErrorCode: intp(1410)}}, cfgMode(2), []Attempt{pass}, 1410},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := finalResult(tc.sc, tc.cfg, tc.attempts)
			if code != tc.want || msg != catalog.ResultMessage(tc.want) {
				t.Errorf("got %d %q, want %d %q", code, msg, tc.want, catalog.ResultMessage(tc.want))
			}
		})
	}
}

// fixture is a Service over a memory store with a movable clock.
type fixture struct {
	svc   *Service
	clock *clock.Offset
	set   *scenarios.Set
	layer *actions.Layer
}

// serve runs an action's handler as the gateway would, through the
// spec-driven layer (decoding and validation included).
func (f *fixture) serve(action string, call *api.Call) api.Reply {
	h, ok := f.layer.Resolve(action)
	if !ok {
		panic("no handler for " + action)
	}
	return h(context.Background(), call)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	set, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewOffset(clock.Fixed(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)))
	web := NewWeb(func() *scenarios.Set { return set })
	flows, err := flow.NewRegistry(web)
	if err != nil {
		t.Fatal(err)
	}
	hub := flow.NewHub(flow.Config{Store: store.NewMemory(0), Flows: flows, Clock: c})
	svc := New(Config{Hub: hub, Web: web})
	layer := actions.New(actions.Config{
		Spec: spec.Faceid, NewRequest: model.NewRequest, NewResponse: model.NewResponse,
		Scenarios: func() *scenarios.Set { return set }, Counters: hub.Counters(),
	})
	svc.Register(layer)
	return &fixture{svc: svc, clock: c, set: set, layer: layer}
}

// apply runs the Apply handler with a JSON body and returns the BizToken.
func (f *fixture) apply(t *testing.T, secretID, body string) (string, *catalog.Error) {
	t.Helper()
	call := api.NewJSONCall(signature.Common{SecretID: secretID, Action: ActionApply}, "req-1", "http://emulator.test", []byte(body))
	reply := f.serve(ActionApply, call)
	if reply.Err != nil {
		return "", reply.Err
	}
	resp := reply.Body.(*model.ApplyWebVerificationBizTokenIntlResponse)
	if resp.VerificationURL != "http://emulator.test/reflect/?token="+resp.BizToken || resp.VerificationUrl != resp.VerificationURL {
		t.Errorf("URLs = %q / %q", resp.VerificationURL, resp.VerificationUrl)
	}
	return resp.BizToken, nil
}

func (f *fixture) get(t *testing.T, secretID, token string) (*model.GetWebVerificationResultIntlResponse, *catalog.Error) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"BizToken": token})
	call := api.NewJSONCall(signature.Common{SecretID: secretID, Action: ActionGet}, "req-2", "http://emulator.test", body)
	reply := f.serve(ActionGet, call)
	if reply.Err != nil {
		return nil, reply.Err
	}
	return reply.Body.(*model.GetWebVerificationResultIntlResponse), nil
}

func TestApplyValidation(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		body, code string
	}{
		{`{}`, catalog.MissingParameter},
		{`{"RedirectURL":""}`, catalog.MissingParameter},
		{`{"RedirectURL":"/relative"}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"javascript:alert(1)"}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","CompareImageBase64":"abc"}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"SecurityLevel":0}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"LivenessRetryLimit":100}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"LivenessTimeout":601}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"AutoDowngrade":3}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"IDCardType":"Library card"}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"Version":"GOLD"}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"SecurityLevel":2,"ActionList":"blink,mouth,nod"}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"SecurityLevel":2,"ActionList":"wink"}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"SelectedWarningCodes":"x"}}`, catalog.InvalidParameterValue},
		{`{"RedirectURL":"https://m.example/","Config":{"SecurityLevel":2,"ActionList":"blink,mouth","ThemeColor":"red","Language":"fr"}}`, ""},
	}
	for _, tc := range cases {
		_, err := f.apply(t, "AKID1", tc.body)
		got := ""
		if err != nil {
			got = err.Code
		}
		if got != tc.code {
			t.Errorf("%s: got %q (%v), want %q", tc.body, got, err, tc.code)
		}
	}
}

func TestApplyResolvesDefaults(t *testing.T) {
	f := newFixture(t)
	token, err := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Config":{"ThemeColor":"not-a-colour","Language":"xx","CheckMode":1}}`)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.svc.Lookup(token)
	c := v.Web.Config
	if c.ThemeColor != "#2d72f1" || c.Language != "en" || c.SecurityLevel != 3 || c.LivenessRetryLimit != 99 || c.IDCardType != "HKIDCard" || c.LivenessTimeout != 45 || c.Version != "BASIC" {
		t.Errorf("defaults not resolved: %+v", c)
	}
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Extra":"x1"}`)

	resp, err := f.get(t, "AKID1", token)
	if err != nil || resp.ErrorCode != nil || *resp.Extra != "x1" {
		t.Fatalf("pending: %+v %v", resp, err)
	}
	if _, err := f.get(t, "AKID2", token); err == nil || err.Code != catalog.BizTokenIllegal {
		t.Errorf("foreign SecretId: %v", err)
	}
	if _, err := f.get(t, "AKID1", "nope"); err == nil || err.Code != catalog.BizTokenIllegal {
		t.Errorf("unknown token: %v", err)
	}

	f.clock.Advance(11 * time.Minute)
	resp, _ = f.get(t, "AKID1", token)
	if resp.ErrorCode == nil || *resp.ErrorCode != catalog.ResultTokenExpired {
		t.Fatalf("after 11m: %+v", resp.ErrorCode)
	}
	if v, _ := f.svc.Lookup(token); v.Status != StatusExpired {
		t.Errorf("status = %s", v.Status)
	}
	f.clock.Advance(ResultLifetime)
	if _, err := f.get(t, "AKID1", token); err == nil || err.Code != catalog.BizTokenExpired {
		t.Errorf("after 3 days: %v", err)
	}
	if n := f.svc.Sweep(); n != 0 {
		t.Errorf("swept %d sessions inside the grace period", n)
	}
	f.clock.Advance(EvictionGrace + time.Minute)
	if n := f.svc.Sweep(); n != 1 {
		t.Errorf("swept %d, want 1", n)
	}
}

func TestPageFlowButtons(t *testing.T) {
	f := newFixture(t)
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Config":{"LivenessRetryLimit":2}}`)
	v, err := f.svc.OpenPage(token)
	if err != nil || v.Scripted || v.Status != StatusPending {
		t.Fatalf("open: %+v %v", v, err)
	}
	if v, _ = f.svc.Attempt(token, intp(1002)); v.Status != StatusPending || !v.AwaitingRetry || v.AttemptsLeft != 1 {
		t.Fatalf("after one failure: %+v", v)
	}
	if v, _ = f.svc.Attempt(token, intp(2016)); v.Status != StatusCompleted || v.Web.Result.ErrorCode != catalog.ResultRetryLimit {
		t.Fatalf("after the last failure: %+v", v.Web.Result)
	}
	if _, err := f.svc.Attempt(token, intp(0)); err != ErrCompleted {
		t.Errorf("attempt on a completed session: %v", err)
	}
	resp, _ := f.get(t, "AKID1", token)
	if len(resp.VerificationDetailList) != 2 || *resp.VerificationDetailList[1].CompareErrorCode != 2016 {
		t.Errorf("details: %+v", resp.VerificationDetailList)
	}
}

func TestPageFlowUserExitEndsAtOnce(t *testing.T) {
	f := newFixture(t)
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/"}`)
	v, _ := f.svc.Attempt(token, intp(catalog.ResultUserExit))
	if v.Status != StatusCompleted || v.Web.Result.ErrorCode != catalog.ResultUserExit {
		t.Fatalf("%+v", v.Web.Result)
	}
}

func TestScriptedScenarios(t *testing.T) {
	f := newFixture(t)
	// retry-then-pass completes when the page opens (auto)...
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","RuleId":"retry-then-pass"}`)
	if v, _ := f.svc.OpenPage(token); v.Status != StatusCompleted || len(v.Web.Attempts) != 2 || v.Web.Result.ErrorCode != 0 {
		t.Fatalf("auto: %+v", v.Session)
	}
	// ...and, set to manual, is played attempt by attempt on the page.
	manual, _ := f.set.Get("retry-then-pass")
	m := *manual
	m.Completion = scenarios.Completion{Mode: "manual"}
	token, _ = f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/"}`)
	if _, err := f.svc.SetScenario(token, &m); err != nil {
		t.Fatal(err)
	}
	v, _ := f.svc.OpenPage(token)
	if !v.Scripted || v.Status != StatusPending {
		t.Fatalf("open: %+v", v)
	}
	if v, _ = f.svc.Attempt(token, nil); !v.AwaitingRetry {
		t.Fatalf("first scripted attempt: %+v", v.LastAttempt)
	}
	if v, _ = f.svc.Attempt(token, nil); v.Status != StatusCompleted || v.Web.Result.ErrorCode != 0 || len(v.Web.Attempts) != 2 {
		t.Fatalf("second scripted attempt: %+v", v.Web.Result)
	}

	// pending-for-3-polls: three pending answers, then the result.
	token, _ = f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","RuleId":"pending-for-3-polls"}`)
	for i := 1; i <= 3; i++ {
		if resp, _ := f.get(t, "AKID1", token); resp.ErrorCode != nil {
			t.Fatalf("poll %d completed early", i)
		}
	}
	if resp, _ := f.get(t, "AKID1", token); resp.ErrorCode == nil || *resp.ErrorCode != 0 {
		t.Fatalf("poll 4: %+v", resp.ErrorCode)
	}

	// An unknown RuleId falls through to the default with a note.
	token, err := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","RuleId":"1"}`)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.Lookup(token); v.Scripted {
		t.Errorf("an unknown RuleId scripted the session: %+v", v.ScenarioName)
	}
}

func TestControlCompleteAndOverride(t *testing.T) {
	f := newFixture(t)
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Config":{"CheckMode":1,"IDCardType":"MLIDCard"}}`)
	sc, err := OutcomeScenario(2016, floatp(51))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetScenario(token, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Complete(token, CompleteRequest{}); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.get(t, "AKID1", token)
	d := resp.VerificationDetailList[0]
	if *resp.ErrorCode != 2016 || *d.Similarity != 51 || len(resp.OCRResult) != 1 || resp.OCRResult[0].NormalCardInfo.MLIDCard == nil {
		t.Fatalf("result: code %v detail %+v ocr %+v", *resp.ErrorCode, d, resp.OCRResult)
	}
	if _, err := f.svc.Complete(token, CompleteRequest{ErrorCode: intp(0)}); err != ErrCompleted {
		t.Errorf("second complete: %v", err)
	}
	if _, err := f.svc.Complete("nope", CompleteRequest{ErrorCode: intp(0)}); err != ErrNotFound {
		t.Errorf("unknown token: %v", err)
	}
	if _, err := f.svc.Complete(token, CompleteRequest{ErrorCode: intp(12345)}); err == nil {
		t.Error("unknown code accepted")
	}
}

func TestCheckMode4ReturnsOriginalCardInfo(t *testing.T) {
	f := newFixture(t)
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Config":{"CheckMode":4,"IDCardType":"ThailandIDCard"}}`)
	if _, err := f.svc.Complete(token, CompleteRequest{ErrorCode: intp(0)}); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.get(t, "AKID1", token)
	if resp.VerificationDetailList != nil || resp.BestFrameBase64 != nil || resp.VideoBase64 != nil {
		t.Errorf("CheckMode 4 has liveness output: %+v", resp)
	}
	o := resp.OCRResult[0]
	if o.NormalCardInfo != nil || o.OriginalCardInfo == nil || !json.Valid([]byte(*o.OriginalCardInfo)) {
		t.Errorf("OCR: %+v", o)
	}
}

func TestScriptedAPIErrorsOnApply(t *testing.T) {
	f := newFixture(t)
	var throttled string
	for _, sc := range f.set.List() {
		if b, ok := sc.API["*"]; ok && b.Error != nil && b.Error.Code == catalog.RequestLimitExceeded && b.Times > 0 {
			throttled = sc.Name
			break
		}
	}
	if throttled == "" {
		t.Fatal("the library has no throttled-then-ok scenario")
	}
	sc, _ := f.set.Get(throttled)
	body := `{"RedirectURL":"https://m.example/","RuleId":"` + throttled + `"}`
	for round := 0; round < 2; round++ { // every Apply is throttled Times times
		for i := 0; i < sc.API["*"].Times; i++ {
			if _, err := f.apply(t, "AKID1", body); err == nil || err.Code != catalog.RequestLimitExceeded {
				t.Fatalf("round %d call %d: %v", round, i, err)
			}
		}
		if _, err := f.apply(t, "AKID1", body); err != nil {
			t.Fatalf("round %d: the call after the throttled ones failed: %v", round, err)
		}
	}
}

func TestChosenCodesFollowTheCheckMode(t *testing.T) {
	f := newFixture(t)
	// CheckMode 4: no liveness, so no VerificationDetail.
	token, _ := f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Config":{"CheckMode":4}}`)
	if v, _ := f.svc.Attempt(token, intp(0)); v.Status != StatusCompleted || len(v.Web.Attempts) != 0 {
		t.Errorf("CheckMode 4: %+v", v.Session)
	}
	// CheckMode 3: a comparison code chosen by the control API is carried by the attempt.
	token, _ = f.apply(t, "AKID1", `{"RedirectURL":"https://m.example/","Config":{"CheckMode":3}}`)
	v, _ := f.svc.Complete(token, CompleteRequest{ErrorCode: intp(2016)})
	if a := v.Web.Attempts[0]; a.ErrorCode != 2016 || a.CompareErrorCode != nil || v.Web.Result.ErrorCode != 2016 {
		t.Errorf("CheckMode 3: attempt %+v result %+v", a, v.Web.Result)
	}
}

// TestLegacyRecord: a session written by the release before flows (web
// fields at the top level, the token as "bizToken") reads back from a data
// dir as a web session with every field, and renders as it did.
func TestLegacyRecord(t *testing.T) {
	dir := t.TempDir()
	const legacy = `{"bizToken":"LEGACY-1","secretId":"AKIDOLD","createdAt":"2026-11-26T12:00:00Z",` +
		`"redirectURL":"https://m.example/cb","extra":"order-1","ruleId":"rule-9",` +
		`"config":{"AutoSkipStartPage":false,"AutoSkip":true,"CheckMode":1,"IDCardType":"HKIDCard","DisableCheckOcrWarnings":false,` +
		`"SecurityLevel":3,"SkipPrivacyPolicy":false,"IdCardCutReturn":false,"ThemeColor":"#2d72f1","Language":"en","AutoDowngrade":1,` +
		`"ActionList":"","LivenessRetryLimit":5,"LivenessTimeout":45,"SelectedWarningCodes":"","AllowExpiredDocument":true,"Version":"BASIC"},` +
		`"hasCompareImage":true,"compareImage":"QUJD","scenario":"pass","scenarioReason":"rule-id","state":"completed",` +
		`"attempts":[{"seq":"s-1","reqTimestamp":1795694460000,"errorCode":0,"livenessErrorCode":0,"compareErrorCode":0,"similarity":93.5}],` +
		`"result":{"errorCode":0,"errorMsg":"Success","bestFrame":"sample","video":"sample","ocr":{"isPass":true,"fields":{"Name":"CHAN"},"requestId":"r-1"},"source":"control"},` +
		`"polls":2,"pageOpened":true,"completedAt":"2026-11-26T12:01:00Z","timeline":[{"time":"2026-11-26T12:00:00Z","kind":"created","detail":"scenario pass (rule-id)"}]}`
	db, err := bbolt.Open(filepath.Join(dir, "sessions.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("sessions"))
		if err != nil {
			return err
		}
		return b.Put([]byte("LEGACY-1"), []byte(legacy))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	set, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	web := NewWeb(func() *scenarios.Set { return set })
	flows, _ := flow.NewRegistry(web)
	st, err := store.OpenBolt(dir, 0, flows)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hub := flow.NewHub(flow.Config{Store: st, Flows: flows, Clock: clock.Fixed(time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC))})
	sess, err := hub.Get("LEGACY-1")
	if err != nil {
		t.Fatal(err)
	}
	got := hub.Render(sess, "http://e.test").(SessionJSON)
	checks := []struct {
		field string
		ok    bool
	}{
		{"Flow", got.Flow == FlowWeb && sess.Flow == FlowWeb},
		{"BizToken", got.BizToken == "LEGACY-1" && got.Token == "LEGACY-1"},
		{"SecretId", got.SecretId == "AKIDOLD"},
		{"State", got.State == StatusCompleted},
		{"RedirectURL", got.RedirectURL == "https://m.example/cb"},
		{"Extra", got.Extra != nil && *got.Extra == "order-1"},
		{"RuleId", got.RuleId == "rule-9"},
		{"Config", got.Config.CheckMode == 1 && got.Config.AutoSkip && got.Config.LivenessRetryLimit == 5 && got.Config.IDCardType == "HKIDCard"},
		{"Attempts", len(got.Attempts) == 1 && got.Attempts[0].Similarity == 93.5 && got.Attempts[0].CompareErrorCode != nil},
		{"AttemptsLeft", got.AttemptsLeft == 4},
		{"Result", got.Result != nil && got.Result.Source == "control" && got.Result.OCRIsPass != nil && *got.Result.OCRIsPass},
		{"Polls", got.Polls == 2 && got.PageOpened},
		{"Timeline", len(got.Timeline) == 1 && got.Timeline[0].Kind == "created"},
		{"VerificationURL", got.VerificationURL == "http://e.test/reflect/?token=LEGACY-1"},
		{"CompareImage", webData(sess).CompareImage == "QUJD" && webData(sess).HasCompareImage},
		{"OCR fields", webData(sess).Result.OCR.Fields["Name"] == "CHAN"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("legacy record: %s wrong in %+v", c.field, got)
		}
	}
}
