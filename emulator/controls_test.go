package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

var (
	credA = emulator.Credential{SecretID: "AKIDCONTROLSTEST000000000000000001", SecretKey: "controls-key-a"}
	credB = emulator.Credential{SecretID: "AKIDCONTROLSTEST000000000000000002", SecretKey: "controls-key-b"}
)

type rig struct {
	srv     *emulator.Server
	url     string
	clients map[string]*common.Client
}

func newRig(t *testing.T, opts emulator.Options) *rig {
	t.Helper()
	opts.Credentials = []emulator.Credential{credA, credB}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	r := &rig{srv: srv, url: hs.URL, clients: map[string]*common.Client{}}
	for _, c := range []emulator.Credential{credA, credB} {
		cpf := profile.NewClientProfile()
		cpf.HttpProfile.Endpoint = strings.TrimPrefix(hs.URL, "http://")
		cpf.HttpProfile.Scheme = "http"
		r.clients[c.SecretID] = common.NewCommonClient(common.NewCredential(c.SecretID, c.SecretKey), "ap-singapore", cpf)
	}
	return r
}

func (r *rig) apply(t *testing.T, cred emulator.Credential) string {
	t.Helper()
	resp, err := sdkCall(r.clients[cred.SecretID], "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/"})
	if err != nil {
		t.Fatal(err)
	}
	return resp["BizToken"].(string)
}

func (r *rig) get(t *testing.T, cred emulator.Credential, token string) (map[string]any, error) {
	t.Helper()
	return sdkCall(r.clients[cred.SecretID], "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
}

func TestServerControls(t *testing.T) {
	r := newRig(t, emulator.Options{})
	if r.srv.Ready() {
		t.Error("Ready before MarkServing")
	}
	r.srv.MarkServing()
	if !r.srv.Ready() {
		t.Error("not Ready after MarkServing")
	}

	if _, err := r.srv.Session("NOPE"); !errors.Is(err, emulator.ErrSessionNotFound) {
		t.Errorf("Session(unknown) err = %v", err)
	}
	if _, err := r.srv.Complete("NOPE", 0); !errors.Is(err, emulator.ErrSessionNotFound) {
		t.Errorf("Complete(unknown) err = %v", err)
	}

	tok := r.apply(t, credA)
	s, err := r.srv.Session(tok)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != emulator.StatePending || s.SecretId != credA.SecretID || s.BizToken != tok || s.Token != tok || s.Flow != "web" {
		t.Errorf("session = %+v", s)
	}
	if s.VerificationURL != "/reflect/?token="+tok {
		t.Errorf("VerificationURL without PublicURL = %q, want relative", s.VerificationURL)
	}
	if _, err := r.srv.Complete(tok, 424242); !errors.Is(err, emulator.ErrUnknownCode) {
		t.Errorf("unknown code err = %v", err)
	}
	if _, err := r.srv.Complete(tok, 0, emulator.WithSimilarity(120)); !errors.Is(err, emulator.ErrInvalidControl) {
		t.Errorf("similarity 120 err = %v", err)
	}
	s, err = r.srv.Complete(tok, 2016, emulator.WithSimilarity(41))
	if err != nil {
		t.Fatal(err)
	}
	if s.State != emulator.StateCompleted || s.Result.ErrorCode != 2016 || s.Attempts[0].Similarity != 41 {
		t.Errorf("completed = %+v", s)
	}
	if _, err := r.srv.Complete(tok, 0); !errors.Is(err, emulator.ErrSessionCompleted) {
		t.Errorf("second Complete err = %v", err)
	}
	got, err := r.get(t, credA, tok)
	if err != nil || got["ErrorCode"] != float64(2016) {
		t.Errorf("Get after Complete = %v, %v", got["ErrorCode"], err)
	}

	// Scenario by name, played now.
	tok2 := r.apply(t, credA)
	if _, err := r.srv.CompleteWithScenario(tok2, "no-such-scenario"); !errors.Is(err, emulator.ErrUnknownScenario) {
		t.Errorf("unknown scenario err = %v", err)
	}
	if s, err = r.srv.CompleteWithScenario(tok2, "liveness-1002-spoofed-recording"); err != nil {
		t.Fatal(err)
	}
	if s.Result == nil || s.Result.ErrorCode != 1002 {
		t.Errorf("scenario result = %+v", s.Result)
	}

	// Outcome scripted for later: still pending.
	tok3 := r.apply(t, credB)
	if s, err = r.srv.SetOutcome(tok3, 1001); err != nil || s.State != emulator.StatePending || !s.Scripted {
		t.Errorf("SetOutcome = %+v, %v", s, err)
	}
	if s, err = r.srv.SetScenario(tok3, "default"); err != nil || s.Scenario != "default" {
		t.Errorf("SetScenario = %+v, %v", s.Scenario, err)
	}
	// Finish plays the session's own scenario.
	tok4 := r.apply(t, credB)
	r.srv.SetOutcome(tok4, 1001)
	if s, err = r.srv.Finish(tok4); err != nil || s.Result == nil || s.Result.ErrorCode != 1001 {
		t.Errorf("Finish after SetOutcome(1001) = %+v, %v", s.Result, err)
	}
	r.srv.ResetNamespace(credB.SecretID)
	tok3 = r.apply(t, credB)

	// Namespaces.
	if n := len(r.srv.Sessions(emulator.SessionFilter{SecretID: credA.SecretID})); n != 2 {
		t.Errorf("namespace A has %d sessions, want 2", n)
	}
	if n := len(r.srv.Sessions(emulator.SessionFilter{State: emulator.StatePending})); n != 1 {
		t.Errorf("%d pending sessions, want 1", n)
	}
	if got := r.srv.Sessions(emulator.SessionFilter{State: "bogus"}); got == nil || len(got) != 0 {
		t.Errorf("unknown state = %v", got)
	}
	if n := r.srv.ResetNamespace(credA.SecretID); n != 2 {
		t.Errorf("ResetNamespace deleted %d, want 2", n)
	}
	if all := r.srv.Sessions(emulator.SessionFilter{}); len(all) != 1 || all[0].BizToken != tok3 {
		t.Errorf("after ResetNamespace(A): %d sessions", len(all))
	}
	for _, rec := range r.srv.Requests() {
		if rec.SecretID == credA.SecretID {
			t.Errorf("journal keeps a record of the reset namespace: %+v", rec)
		}
	}

	// Clock: expiry without waiting.
	start := r.srv.Now()
	if now := r.srv.Advance(11 * time.Minute); now.Sub(start) < 11*time.Minute {
		t.Errorf("Advance returned %v", now)
	}
	got, err = r.get(t, credB, tok3)
	if err != nil || got["ErrorCode"] != float64(15) {
		t.Errorf("after 11m: %v, %v", got["ErrorCode"], err)
	}
	r.srv.SetTime(time.Now().Add(80 * time.Hour))
	if _, err := r.get(t, credB, tok3); err == nil || !strings.Contains(err.Error(), "BizTokenExpired") {
		t.Errorf("after 80h: %v", err)
	}
	r.srv.ResetClock()
	if d := r.srv.Now().Sub(time.Now()); d > time.Second || d < -time.Second {
		t.Errorf("ResetClock left an offset of %v", d)
	}

	// Journal.
	recs := r.srv.RequestsMatching(emulator.RequestFilter{SecretID: credB.SecretID, Action: "GetWebVerificationResultIntl"})
	if len(recs) != 2 || recs[0].Token != tok3 || recs[0].Signature != "ok" {
		t.Errorf("journal for B = %+v", recs)
	}
	data, _ := json.Marshal(r.srv.Requests())
	for _, key := range []string{credA.SecretKey, credB.SecretKey} {
		if strings.Contains(string(data), key) {
			t.Errorf("journal holds a secret key")
		}
	}
	r.srv.ClearRequests()
	if n := len(r.srv.Requests()); n != 0 {
		t.Errorf("%d records after ClearRequests", n)
	}
	r.srv.Reset()
	if n := len(r.srv.Sessions(emulator.SessionFilter{})); n != 0 {
		t.Errorf("%d sessions after Reset", n)
	}
}

func TestServerSessionPublicURL(t *testing.T) {
	r := newRig(t, emulator.Options{PublicURL: "https://kyc.example.test/"})
	tok := r.apply(t, credA)
	s, err := r.srv.Session(tok)
	if err != nil {
		t.Fatal(err)
	}
	if s.VerificationURL != "https://kyc.example.test/reflect/?token="+tok {
		t.Errorf("VerificationURL = %q", s.VerificationURL)
	}
	// The JSON of a Session is the control API's.
	data, _ := json.Marshal(s)
	for _, field := range []string{`"BizToken":`, `"State":"pending"`, `"Config":{`, `"Timeline":[`, `"Attempts":[]`, `"Result":null`} {
		if !strings.Contains(string(data), field) {
			t.Errorf("Session JSON lacks %s: %s", field, data)
		}
	}
}

// TestBackgroundScenarioLoad: ready waits for the load, requests wait for
// it, and broken user files are reported by WaitScenarios instead of New.
func TestBackgroundScenarioLoad(t *testing.T) {
	srv, err := emulator.New(emulator.Options{LoadScenariosInBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.MarkServing()
	if err := srv.WaitScenarios(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !srv.Ready() || srv.Scenarios().Len() < 100 {
		t.Fatalf("ready %v, %d scenarios", srv.Ready(), srv.Scenarios().Len())
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.New(emulator.Options{ScenarioPaths: []string{dir}}); err == nil {
		t.Fatal("New accepted a broken scenario file")
	}
	bg, err := emulator.New(emulator.Options{ScenarioPaths: []string{dir}, LoadScenariosInBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bg.Close()
	bg.MarkServing()
	var se *emulator.ScenarioError
	if err := bg.WaitScenarios(context.Background()); !errors.As(err, &se) || !strings.Contains(err.Error(), "bad.yaml:2") {
		t.Fatalf("WaitScenarios = %v", err)
	}
	if bg.Ready() {
		t.Error("ready after a failed load")
	}
}
