package sdkflow

import (
	"encoding/json"
	"errors"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testFlows(t *testing.T) *Flows {
	t.Helper()
	code := "2016"
	set, probs := scenarios.NewSet([]*scenarios.Scenario{
		{Name: "auto-2016", For: KindSelfie, Result: &scenarios.Result{Code: &code}, Completion: scenarios.Completion{Mode: "auto"}},
		{Name: "polls-2", Completion: scenarios.Completion{Mode: "polls", Polls: 2}},
		{Name: "no-media", Attempts: []scenarios.Attempt{{Liveness: 1002}}, Media: scenarios.Media{BestFrame: "none", Video: "none"}},
		{Name: "plus-tag", Attempts: []scenarios.Attempt{{Liveness: 1002, LivenessInfoTag: []string{"03"}}}},
	})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return NewFlows(func() *scenarios.Set { return set })
}

func session(kind string, d *Data) *store.Session {
	return &store.Session{Token: "T", Flow: kind, SecretID: "A", CreatedAt: t0, State: store.StatePending,
		ScenarioReason: string(scenarios.ReasonGlobalDefault), Data: d}
}

func TestComplete(t *testing.T) {
	fs := testFlows(t)
	cases := []struct {
		name, kind, body string
		data             Data
		err              error
		code             string
		attempts         int
		similarity       float64
	}{
		{"own scenario (default pass)", KindSelfie, `{}`, Data{Compares: true}, nil, "0", 1, 92.5},
		{"empty body", KindLiveness, ``, Data{}, nil, "0", 1, 0},
		{"liveness code", KindSelfie, `{"Result":"1002"}`, Data{Compares: true}, nil, "1002", 1, 0},
		{"low similarity", KindEKYC, `{"Result":"2016"}`, Data{Compares: true}, nil, "2016", 1, 45},
		{"similarity given", KindSelfie, `{"Result":"0","Similarity":81}`, Data{Compares: true}, nil, "0", 1, 81},
		{"not finished", KindSelfie, `{"Result":"-999"}`, Data{}, nil, "-999", 0, 0},
		{"reflect failure", KindReflect, `{"Result":"FailedOperation.SilentThreshold"}`, Data{Compares: true}, nil, "FailedOperation.SilentThreshold", 1, 0},
		{"scenario", KindSelfie, `{"Scenario":"no-media"}`, Data{}, nil, "1002", 1, 0},
		{"unknown code", KindSelfie, `{"Result":"15"}`, Data{}, flow.ErrUnknownCode, "", 0, 0},
		{"code of another flow", KindLiveness, `{"Result":"2016"}`, Data{}, flow.ErrUnknownCode, "", 0, 0},
		{"unknown scenario", KindSelfie, `{"Scenario":"nope"}`, Data{}, flow.ErrUnknownScenario, "", 0, 0},
		{"both", KindSelfie, `{"Result":"0","Scenario":"no-media"}`, Data{}, flow.ErrInvalid, "", 0, 0},
		{"similarity alone", KindSelfie, `{"Similarity":50}`, Data{}, flow.ErrInvalid, "", 0, 0},
		{"similarity out of range", KindSelfie, `{"Result":"0","Similarity":101}`, Data{}, flow.ErrInvalid, "", 0, 0},
		{"unknown member", KindSelfie, `{"ErrorCode":0}`, Data{}, flow.ErrInvalid, "", 0, 0},
		{"bad JSON", KindSelfie, `{`, Data{}, flow.ErrInvalid, "", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := fs.ByKind(tc.kind)
			d := tc.data
			sess := session(tc.kind, &d)
			err := f.Complete(sess, json.RawMessage(tc.body), t0)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Complete = %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				if sess.State != store.StatePending {
					t.Error("a refused complete changed the session")
				}
				return
			}
			r := d.Result
			if sess.State != store.StateCompleted || r == nil || r.Code != tc.code || r.Source != SourceControl {
				t.Fatalf("result %+v (state %s), want code %s from control", r, sess.State, tc.code)
			}
			if r.Message == "" {
				t.Error("no Description")
			}
			if len(d.Attempts) != tc.attempts {
				t.Fatalf("%d attempts, want %d", len(d.Attempts), tc.attempts)
			}
			if tc.attempts > 0 {
				if a := d.Attempts[0]; a.Code != tc.code || a.Similarity != tc.similarity {
					t.Errorf("attempt code %s similarity %v, want %s %v", a.Code, a.Similarity, tc.code, tc.similarity)
				}
			}
			if err := f.Complete(sess, nil, t0); !errors.Is(err, flow.ErrCompleted) {
				t.Errorf("second Complete = %v, want ErrCompleted", err)
			}
		})
	}
}

func TestExpireAndStatus(t *testing.T) {
	fs := testFlows(t)
	for _, tc := range []struct {
		kind    string
		after   time.Duration
		expired bool
	}{
		{KindSelfie, 10 * time.Minute, false},
		{KindSelfie, 11 * time.Minute, true},
		{KindEKYC, 11 * time.Minute, true},
		{KindLiveness, 11 * time.Minute, true},
		{KindReflect, 100 * time.Hour, false}, // nothing pending to expire
	} {
		f, _ := fs.ByKind(tc.kind)
		sess := session(tc.kind, &Data{})
		if got := f.Expire(sess, t0.Add(tc.after)); got != tc.expired {
			t.Errorf("%s after %v: Expire = %v", tc.kind, tc.after, got)
			continue
		}
		want := flow.StatusPending
		if tc.expired {
			want = flow.StatusExpired
			if r := dataOf(sess).Result; r.Code != "-999" || r.Source != SourceExpiry {
				t.Errorf("%s: expired with %+v, want -999", tc.kind, r)
			}
		}
		if got := f.Status(sess); got != want {
			t.Errorf("%s after %v: Status %s, want %s", tc.kind, tc.after, got, want)
		}
	}
}

func TestPollAndOpen(t *testing.T) {
	fs := testFlows(t)
	f := fs.Selfie
	poll := func(scenario string, n int) *store.Session {
		sess := session(KindSelfie, &Data{Compares: true})
		sess.Scenario = scenario
		for i := 0; i < n; i++ {
			f.Poll(sess, t0)
		}
		return sess
	}
	if s := poll("default", 5); s.State != store.StatePending || s.Polls != 0 {
		t.Errorf("manual: state %s after polls", s.State)
	}
	if s := poll("auto-2016", 1); s.State != store.StateCompleted || dataOf(s).Result.Code != "2016" || dataOf(s).Result.Source != SourceAuto {
		t.Errorf("auto: %+v", dataOf(s).Result)
	}
	if s := poll("polls-2", 2); s.State != store.StatePending || s.Polls != 2 {
		t.Errorf("polls 2 after 2: state %s polls %d", s.State, s.Polls)
	}
	if s := poll("polls-2", 3); s.State != store.StateCompleted || dataOf(s).Result.Source != SourcePolls {
		t.Errorf("polls 2 after 3: state %s", s.State)
	}
	sess := session(KindSelfie, &Data{})
	sess.Scenario = "auto-2016"
	f.Open(sess, t0)
	if !sess.PageOpened || sess.State != store.StateCompleted || dataOf(sess).Result.Source != SourcePage {
		t.Errorf("Open with auto: opened %v state %s", sess.PageOpened, sess.State)
	}
}

func TestOutcome(t *testing.T) {
	fs := testFlows(t)
	sim := 60.0
	if sc, err := fs.Selfie.Outcome(2016, &sim); err != nil || *sc.Result.Code != "2016" || sc.For != KindSelfie {
		t.Fatalf("Outcome(2016) = %+v, %v", sc, err)
	} else {
		sess := session(KindSelfie, &Data{Compares: true})
		fs.Selfie.play(sess, sc, SourceControl, t0)
		if a := dataOf(sess).Attempts; len(a) != 1 || a[0].Similarity != 60 || a[0].Code != "2016" {
			t.Errorf("played outcome attempts %+v", a)
		}
	}
	for _, tc := range []struct {
		f    *Flow
		code int
	}{{fs.Selfie, 15}, {fs.Liveness, 2016}, {fs.Reflect, 0}} {
		if _, err := tc.f.Outcome(tc.code, nil); !errors.Is(err, flow.ErrUnknownCode) {
			t.Errorf("%s Outcome(%d) = %v, want ErrUnknownCode", tc.f.Kind(), tc.code, err)
		}
	}
}

func TestMediaAndClone(t *testing.T) {
	fs := testFlows(t)
	sess := session(KindEKYC, &Data{Compares: true, CardType: "HKIDCard", Plus: true})
	if err := fs.EKYC.Complete(sess, json.RawMessage(`{"Scenario":"no-media"}`), t0); err != nil {
		t.Fatal(err)
	}
	d := dataOf(sess)
	if d.Result.BestFrame != "none" || d.Result.Video != "none" || d.Result.OCR == nil || !d.Result.OCR.IsPass {
		t.Errorf("result %+v", d.Result)
	}
	c := d.Clone().(*Data)
	c.Attempts[0].Code = "x"
	c.Result.OCR.IsPass = false
	if d.Attempts[0].Code == "x" || !d.Result.OCR.IsPass {
		t.Error("Clone shares attempts or the OCR result")
	}
	out := fs.EKYC.Render(sess, "http://e").(SessionJSON)
	if out.Flow != KindEKYC || out.SdkToken != "T" || out.SimulatorURL != "http://e/sdk/?token=T" ||
		out.Result.Result != "1002" || out.Result.Category != "liveness" || *out.Result.OCRIsPass != true ||
		out.Pending != "-999" || out.Completion.Mode != "manual" || len(out.Attempts) != 1 {
		t.Errorf("Render = %+v", out)
	}
}

func TestLivenessInfoTag(t *testing.T) {
	fs := testFlows(t)
	for _, plus := range []bool{true, false} {
		d := &Data{Plus: plus}
		sess := session(KindSelfie, d)
		if err := fs.Selfie.Complete(sess, json.RawMessage(`{"Scenario":"plus-tag"}`), t0); err != nil {
			t.Fatal(err)
		}
		got := d.Attempts[0].LivenessInfoTag
		if plus && (len(got) != 1 || got[0] != "03") || !plus && got != nil {
			t.Errorf("Plus %v: LivenessInfoTag %v", plus, got)
		}
		out := (&Service{media: media.Encode()}).selfieResult(fs.Selfie, sess)
		if tags, _ := out["LivenessInfoTag"].([]string); plus != (len(tags) == 1) {
			t.Errorf("Plus %v: answer LivenessInfoTag %v", plus, out["LivenessInfoTag"])
		}
	}
}
