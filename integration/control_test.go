package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// ctlCall calls the control API with an optional admin token and decodes
// the JSON answer into out (when non-nil). It returns the status and the
// raw body.
func ctlCall(t testing.TB, method, url, adminToken string, body any, out any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			data, _ := json.Marshal(b)
			rd = strings.NewReader(string(data))
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); len(data) > 0 && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode, data
}

// ctlError is the control API's error body.
type ctlError struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

type ctlSessions struct {
	Sessions []emulator.Session
	Total    int
}

type ctlRequests struct {
	Requests []emulator.Request
	Total    int
	Capacity int
	Observed uint64
}

func ctlTokens(ss []emulator.Session) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.BizToken)
	}
	return out
}

// TestControlRoutes exercises every control route with status codes and
// JSON bodies, in-process and on the built binary.
func TestControlRoutes(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		base := tg.BaseURL + "/_emulator"
		var health map[string]any
		if code, _ := ctlCall(t, "GET", base+"/health", "", nil, &health); code != 200 || health["status"] != "ok" {
			t.Errorf("health: %d %v", code, health)
		}
		// The binary loads its scenarios in the background after health
		// answers: ready turns 200 once they are loaded (bounded wait).
		var ready map[string]any
		code := 0
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			ready = nil
			if code, _ = ctlCall(t, "GET", base+"/ready", "", nil, &ready); code == 200 {
				break
			}
			if code != 503 || ready["status"] != "starting" {
				break
			}
		}
		if n, _ := ready["scenarios"].(float64); code != 200 || ready["status"] != "ready" || n < 2 {
			t.Errorf("ready: %d %v", code, ready)
		}

		c := goClient(tg, credMain)
		token, vurl := apply(t, c, map[string]any{"Extra": "order-1", "Config": map[string]any{"CheckMode": 2, "LivenessRetryLimit": 2}})
		other, _ := apply(t, goClient(tg, credOther), nil)

		// GET one session.
		var s emulator.Session
		if code, raw := ctlCall(t, "GET", base+"/sessions/"+token, "", nil, &s); code != 200 {
			t.Fatalf("get session: %d %s", code, raw)
		}
		if s.BizToken != token || s.SecretId != credMain.SecretID || s.State != "pending" || s.VerificationURL != vurl ||
			s.Extra == nil || *s.Extra != "order-1" || s.Config.CheckMode != 2 || s.Config.LivenessRetryLimit != 2 ||
			s.Scenario != "default" || s.AttemptsLeft != 2 || len(s.Attempts) != 0 || s.Result != nil || len(s.Timeline) == 0 {
			t.Errorf("session = %+v", s)
		}
		_, raw := ctlCall(t, "GET", base+"/sessions/"+token, "", nil, nil)
		for _, field := range []string{`"BizToken"`, `"SecretId"`, `"State"`, `"CreatedAt"`, `"CompletedAt":null`, `"ExpiresAt"`, `"ResultExpiresAt"`,
			`"VerificationURL"`, `"RedirectURL"`, `"Extra"`, `"RuleId"`, `"Config"`, `"Scenario"`, `"ScenarioReason"`, `"Scripted"`,
			`"PageOpened"`, `"Polls"`, `"AttemptsLeft"`, `"Attempts":[]`, `"Result":null`, `"Timeline":[`} {
			if !strings.Contains(string(raw), field) {
				t.Errorf("session JSON lacks %s", field)
			}
		}
		var e ctlError
		if code, _ := ctlCall(t, "GET", base+"/sessions/00000000-0000-0000-0000-000000000000", "", nil, &e); code != 404 || e.Error.Status != 404 || e.Error.Message == "" {
			t.Errorf("unknown session: %d %+v", code, e)
		}
		if code, _ := ctlCall(t, "GET", base+"/sessions/"+token+"?secretId="+credOther.SecretID, "", nil, nil); code != 404 {
			t.Errorf("session of another namespace: %d, want 404", code)
		}

		// List with filters.
		var list ctlSessions
		ctlCall(t, "GET", base+"/sessions", "", nil, &list)
		if list.Total != 2 || len(list.Sessions) != 2 {
			t.Errorf("list all: %v", ctlTokens(list.Sessions))
		}
		ctlCall(t, "GET", base+"/sessions?secretId="+credOther.SecretID, "", nil, &list)
		if got := ctlTokens(list.Sessions); len(got) != 1 || got[0] != other {
			t.Errorf("list other namespace: %v", got)
		}
		ctlCall(t, "GET", base+"/sessions?limit=1", "", nil, &list)
		if got := ctlTokens(list.Sessions); len(got) != 1 || got[0] != other || list.Total != 2 {
			t.Errorf("list limit 1: %v total %d (want the newest)", got, list.Total)
		}
		if code, _ := ctlCall(t, "GET", base+"/sessions?state=finished", "", nil, &e); code != 400 {
			t.Errorf("bad state: %d", code)
		}

		// PUT scenario, then complete with it.
		if code, raw := ctlCall(t, "PUT", base+"/sessions/"+other+"/scenario", "", map[string]any{"ErrorCode": 2016, "Similarity": 40.5}, &s); code != 200 || !s.Scripted || s.State != "pending" {
			t.Errorf("PUT scenario: %d %s", code, raw)
		}
		if code, _ := ctlCall(t, "PUT", base+"/sessions/"+other+"/scenario", "", map[string]any{"Scenario": "no-such"}, &e); code != 400 {
			t.Errorf("PUT unknown scenario: %d", code)
		}
		if code, raw := ctlCall(t, "PUT", base+"/sessions/"+other+"/scenario", "", map[string]any{"Scenario": "pass-0"}, &s); code != 200 || s.Scenario != "pass-0" {
			t.Errorf("PUT scenario by name: %d %s", code, raw)
		}

		// Complete: CONTRACT.
		if code, raw := ctlCall(t, "POST", base+"/sessions/"+token+"/complete", "", map[string]any{"ErrorCode": 0, "Similarity": 91.25}, &s); code != 200 {
			t.Fatalf("complete: %d %s", code, raw)
		}
		if s.State != "completed" || s.Result == nil || s.Result.ErrorCode != 0 || s.Result.Source != "control" || len(s.Attempts) != 1 || s.Attempts[0].Similarity != 91.25 || s.CompletedAt == nil {
			t.Errorf("completed session = %+v", s)
		}
		if code, _ := ctlCall(t, "POST", base+"/sessions/"+token+"/complete", "", map[string]any{"ErrorCode": 0}, &e); code != 409 || e.Error.Status != 409 {
			t.Errorf("complete twice: %d", code)
		}
		if code, _ := ctlCall(t, "POST", base+"/sessions/00000000-0000-0000-0000-000000000000/complete", "", map[string]any{"ErrorCode": 0}, &e); code != 404 {
			t.Errorf("complete unknown: %d", code)
		}
		if code, raw := ctlCall(t, "POST", base+"/sessions/"+other+"/complete", "", map[string]any{"Scenario": "liveness-1002-spoofed-recording"}, &s); code != 200 || s.Result.ErrorCode != 1002 {
			t.Errorf("complete with scenario: %d %s", code, raw)
		}
		got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
		if err != nil || got["ErrorCode"] != float64(0) {
			t.Errorf("SDK Get after complete: %v %v", got["ErrorCode"], err)
		}
		ctlCall(t, "GET", base+"/sessions?state=completed", "", nil, &list)
		if list.Total != 2 {
			t.Errorf("completed sessions: %d", list.Total)
		}

		// Clock.
		var clk struct {
			Now           time.Time `json:"now"`
			Offset        string    `json:"offset"`
			OffsetSeconds float64   `json:"offsetSeconds"`
		}
		if code, _ := ctlCall(t, "GET", base+"/clock", "", nil, &clk); code != 200 || clk.Offset != "0s" {
			t.Errorf("clock: %d %+v", code, clk)
		}
		if code, _ := ctlCall(t, "POST", base+"/clock", "", map[string]any{"advance": "90s"}, &clk); code != 200 || clk.Offset != "1m30s" || clk.OffsetSeconds != 90 {
			t.Errorf("advance: %d %+v", code, clk)
		}
		want := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
		if code, _ := ctlCall(t, "POST", base+"/clock", "", map[string]any{"set": want.Format(time.RFC3339)}, &clk); code != 200 || clk.Now.Sub(want) > 2*time.Second || clk.Now.Before(want) {
			t.Errorf("set: %d %+v", code, clk)
		}
		if code, _ := ctlCall(t, "POST", base+"/clock", "", map[string]any{"advance": "soon"}, &e); code != 400 {
			t.Errorf("bad advance: %d", code)
		}
		ctlCall(t, "POST", base+"/clock", "", map[string]any{"reset": true}, &clk)
		if clk.Offset != "0s" {
			t.Errorf("clock reset: %+v", clk)
		}

		// Journal.
		var reqs ctlRequests
		if code, _ := ctlCall(t, "GET", base+"/requests", "", nil, &reqs); code != 200 || reqs.Total < 3 || reqs.Capacity != 1000 {
			t.Errorf("requests: %d total %d capacity %d", code, reqs.Total, reqs.Capacity)
		}
		ctlCall(t, "GET", base+"/requests?secretId="+credMain.SecretID+"&action=GetWebVerificationResultIntl", "", nil, &reqs)
		if len(reqs.Requests) != 1 {
			t.Fatalf("filtered requests: %+v", reqs.Requests)
		}
		r := reqs.Requests[0]
		if r.SecretID != credMain.SecretID || r.Signature != "ok" || r.SDK != "SDK_GO_1.3.211" || r.Token != token ||
			r.ErrorCode != "" || r.Time.IsZero() || r.LatencyMS <= 0 || r.RequestID == "" || r.Region != "ap-singapore" {
			t.Errorf("journal entry = %+v", r)
		}
		_, raw = ctlCall(t, "GET", base+"/requests?limit=1", "", nil, nil)
		for _, field := range []string{`"time"`, `"requestId"`, `"action"`, `"secretId"`, `"sdk"`, `"signature":"ok"`, `"latencyMs"`, `"bizToken"`, `"Capacity"`, `"Observed"`} {
			if !strings.Contains(string(raw), field) {
				t.Errorf("requests JSON lacks %s: %s", field, raw)
			}
		}
		ctlCall(t, "GET", base+"/requests?bizToken="+other, "", nil, &reqs)
		if len(reqs.Requests) != 1 || reqs.Requests[0].Action != "ApplyWebVerificationBizTokenIntl" {
			t.Errorf("requests by bizToken: %+v", reqs.Requests)
		}
		if code, _ := ctlCall(t, "DELETE", base+"/requests?secretId="+credOther.SecretID, "", nil, nil); code != 204 {
			t.Errorf("DELETE namespace: %d", code)
		}
		ctlCall(t, "GET", base+"/requests?secretId="+credOther.SecretID, "", nil, &reqs)
		if len(reqs.Requests) != 0 {
			t.Errorf("after DELETE of namespace: %d records", len(reqs.Requests))
		}
		ctlCall(t, "GET", base+"/requests", "", nil, &reqs)
		if len(reqs.Requests) == 0 {
			t.Error("DELETE of one namespace cleared the others")
		}
		if code, _ := ctlCall(t, "DELETE", base+"/requests", "", nil, nil); code != 204 {
			t.Errorf("DELETE: %d", code)
		}
		ctlCall(t, "GET", base+"/requests", "", nil, &reqs)
		if len(reqs.Requests) != 0 || reqs.Observed < 3 {
			t.Errorf("after DELETE: %d records, observed %d", len(reqs.Requests), reqs.Observed)
		}

		// Scenarios.
		var scs struct {
			Scenarios []emulator.ScenarioInfo
			Total     int
		}
		ctlCall(t, "GET", base+"/scenarios", "", nil, &scs)
		found := map[string]emulator.ScenarioInfo{}
		for _, sc := range scs.Scenarios {
			found[sc.Name] = sc
		}
		if sc, ok := found["pass-0"]; !ok || sc.Source != "library/results.yaml" || sc.Description == "" {
			t.Errorf("pass-0 = %+v", sc)
		}
		if sc := found["default"]; !sc.Default {
			t.Errorf("default = %+v", sc)
		}
		if scs.Total != len(scs.Scenarios) || scs.Total < 50 {
			t.Errorf("scenarios total %d", scs.Total)
		}

		// Reset: one namespace, then everything.
		var res struct {
			Deleted    int
			SecretId   string
			ClockReset bool
		}
		ctlCall(t, "POST", base+"/reset?secretId="+credOther.SecretID, "", nil, &res)
		if res.Deleted != 1 || res.SecretId != credOther.SecretID || res.ClockReset {
			t.Errorf("namespace reset = %+v", res)
		}
		ctlCall(t, "GET", base+"/sessions", "", nil, &list)
		if got := ctlTokens(list.Sessions); len(got) != 1 || got[0] != token {
			t.Errorf("after namespace reset: %v", got)
		}
		ctlCall(t, "POST", base+"/reset", "", nil, &res)
		if res.Deleted != 1 || !res.ClockReset {
			t.Errorf("full reset = %+v", res)
		}
		if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); sdkCode(err) != catalog.BizTokenIllegal {
			t.Errorf("Get after reset: %v", err)
		}

		if code, _ := ctlCall(t, "GET", base+"/nothing", "", nil, &e); code != 404 || e.Error.Message == "" {
			t.Errorf("unknown route: %d", code)
		}
		if code, _ := ctlCall(t, "PATCH", base+"/sessions", "", nil, &e); code != 405 {
			t.Errorf("wrong method: %d", code)
		}
	})
}

// TestControlReadyBeforeServing: ready is 503 until MarkServing, health
// is 200 from the start.
func TestControlReadyBeforeServing(t *testing.T) {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var body map[string]any
	if code, _ := ctlCall(t, "GET", hs.URL+"/_emulator/ready", "", nil, &body); code != 503 || body["status"] != "starting" {
		t.Errorf("ready before MarkServing: %d %v", code, body)
	}
	if code, _ := ctlCall(t, "GET", hs.URL+"/_emulator/health", "", nil, nil); code != 200 {
		t.Errorf("health before MarkServing: %d", code)
	}
	srv.MarkServing()
	if code, _ := ctlCall(t, "GET", hs.URL+"/_emulator/ready", "", nil, &body); code != 200 || body["status"] != "ready" {
		t.Errorf("ready after MarkServing: %d %v", code, body)
	}
}

// TestControlNamespaces: two CI jobs with different SecretIds share one
// emulator. Each, in parallel, creates sessions, lists and resets its own
// namespace, and never sees (or loses) anything of the other's. A third
// namespace stands by and must come out untouched.
func TestControlNamespaces(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	base := tg.BaseURL + "/_emulator"
	bystander := goClient(tg, credTemp)
	bystanderTokens := map[string]bool{}
	for i := 0; i < 3; i++ {
		tok, _ := apply(t, bystander, nil)
		bystanderTokens[tok] = true
	}
	var reqs ctlRequests
	ctlCall(t, "GET", base+"/requests?secretId="+credTemp.SecretID, "", nil, &reqs)
	bystanderRecords := len(reqs.Requests)

	var mu sync.Mutex
	issued := map[string][]string{} // SecretId -> tokens ever created, for cross-namespace Gets
	t.Run("jobs", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			cred, peer emulator.Credential
		}{{"main", credMain, credOther}, {"other", credOther, credMain}} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				c := goClient(tg, tc.cred)
				for round := 0; round < 6; round++ {
					mine := map[string]bool{}
					for i := 0; i < 4; i++ {
						tok, _ := apply(t, c, map[string]any{"Extra": fmt.Sprintf("%s-%d-%d", tc.name, round, i)})
						mine[tok] = true
						mu.Lock()
						issued[tc.cred.SecretID] = append(issued[tc.cred.SecretID], tok)
						mu.Unlock()
					}
					// My namespace is exactly my sessions.
					var list ctlSessions
					ctlCall(t, "GET", base+"/sessions?secretId="+tc.cred.SecretID, "", nil, &list)
					if len(list.Sessions) != len(mine) || list.Total != len(mine) {
						t.Fatalf("round %d: namespace lists %d sessions, want %d", round, len(list.Sessions), len(mine))
					}
					for _, s := range list.Sessions {
						if !mine[s.BizToken] || s.SecretId != tc.cred.SecretID {
							t.Fatalf("round %d: namespace list holds %s of %s", round, s.BizToken, s.SecretId)
						}
					}
					// Completing one of mine works; the SDK sees it.
					var first string
					for tok := range mine {
						first = tok
						break
					}
					if code, raw := ctlCall(t, "POST", base+"/sessions/"+first+"/complete?secretId="+tc.cred.SecretID, "", map[string]any{"ErrorCode": 0}, nil); code != 200 {
						t.Fatalf("complete own session: %d %s", code, raw)
					}
					if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": first}); err != nil || got["ErrorCode"] != float64(0) {
						t.Fatalf("Get own session: %v %v", got, err)
					}
					// The peer's sessions are invisible to me.
					mu.Lock()
					peerTokens := append([]string(nil), issued[tc.peer.SecretID]...)
					mu.Unlock()
					if n := len(peerTokens); n > 0 {
						peerTok := peerTokens[n-1]
						if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": peerTok}); sdkCode(err) != catalog.BizTokenIllegal {
							t.Fatalf("Get of the peer's token: %v, want %s", err, catalog.BizTokenIllegal)
						}
						if code, _ := ctlCall(t, "GET", base+"/sessions/"+peerTok+"?secretId="+tc.cred.SecretID, "", nil, nil); code != 404 {
							t.Fatalf("control GET of the peer's token in my namespace: %d", code)
						}
					}
					// My journal holds my requests only.
					var reqs ctlRequests
					ctlCall(t, "GET", base+"/requests?secretId="+tc.cred.SecretID, "", nil, &reqs)
					if len(reqs.Requests) < len(mine)+1 {
						t.Fatalf("round %d: %d journal records", round, len(reqs.Requests))
					}
					for _, r := range reqs.Requests {
						if r.SecretID != tc.cred.SecretID {
							t.Fatalf("journal of my namespace holds %s", r.SecretID)
						}
					}
					// Reset my namespace only.
					var res struct{ Deleted int }
					ctlCall(t, "POST", base+"/reset?secretId="+tc.cred.SecretID, "", nil, &res)
					if res.Deleted != len(mine) {
						t.Fatalf("round %d: reset deleted %d, want %d", round, res.Deleted, len(mine))
					}
					ctlCall(t, "GET", base+"/sessions?secretId="+tc.cred.SecretID, "", nil, &list)
					if len(list.Sessions) != 0 {
						t.Fatalf("round %d: %d sessions after my reset", round, len(list.Sessions))
					}
					ctlCall(t, "GET", base+"/requests?secretId="+tc.cred.SecretID, "", nil, &reqs)
					if len(reqs.Requests) != 0 {
						t.Fatalf("round %d: %d journal records after my reset", round, len(reqs.Requests))
					}
				}
			})
		}
	})

	var list ctlSessions
	ctlCall(t, "GET", base+"/sessions?secretId="+credTemp.SecretID, "", nil, &list)
	if len(list.Sessions) != 3 {
		t.Fatalf("bystander namespace has %d sessions, want 3", len(list.Sessions))
	}
	for _, s := range list.Sessions {
		if !bystanderTokens[s.BizToken] {
			t.Errorf("unexpected bystander session %s", s.BizToken)
		}
	}
	ctlCall(t, "GET", base+"/requests?secretId="+credTemp.SecretID, "", nil, &reqs)
	if len(reqs.Requests) != bystanderRecords {
		t.Errorf("bystander journal has %d records, want %d", len(reqs.Requests), bystanderRecords)
	}
	ctlCall(t, "GET", base+"/sessions", "", nil, &list)
	if len(list.Sessions) != 3 {
		t.Errorf("%d sessions left in all, want the bystander's 3", len(list.Sessions))
	}
}

// TestControlClockExpiry moves the lifetime clock: 11 minutes expire a
// pending VerificationURL (result 15), 73 hours make the result
// unreadable, without waiting and while SDK signatures keep passing.
func TestControlClockExpiry(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		base := tg.BaseURL + "/_emulator"
		c := goClient(tg, credMain)
		token, _ := apply(t, c, nil)
		done, _ := apply(t, c, nil)
		if code, _ := ctlCall(t, "POST", base+"/sessions/"+done+"/complete", "", map[string]any{"ErrorCode": 0}, nil); code != 200 {
			t.Fatal("complete")
		}

		if code, _ := ctlCall(t, "POST", base+"/clock", "", map[string]any{"advance": "11m"}, nil); code != 200 {
			t.Fatal("advance")
		}
		got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
		if err != nil {
			t.Fatalf("Get after 11m: %v", err)
		}
		if got["ErrorCode"] != float64(catalog.ResultTokenExpired) || got["ErrorMsg"] != catalog.ResultMessage(catalog.ResultTokenExpired) {
			t.Errorf("after 11m: ErrorCode %v ErrorMsg %v, want 15", got["ErrorCode"], got["ErrorMsg"])
		}
		var s emulator.Session
		ctlCall(t, "GET", base+"/sessions/"+token, "", nil, &s)
		if s.State != "expired" || s.Result == nil || s.Result.ErrorCode != 15 || s.Result.Source != "expiry" {
			t.Errorf("session after 11m: %s %+v", s.State, s.Result)
		}
		var list ctlSessions
		ctlCall(t, "GET", base+"/sessions?state=expired", "", nil, &list)
		if got := ctlTokens(list.Sessions); len(got) != 1 || got[0] != token {
			t.Errorf("expired sessions: %v", got)
		}
		// The completed one still answers its result.
		if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": done}); err != nil || got["ErrorCode"] != float64(0) {
			t.Errorf("completed session after 11m: %v %v", got["ErrorCode"], err)
		}

		if code, _ := ctlCall(t, "POST", base+"/clock", "", map[string]any{"advance": "73h"}, nil); code != 200 {
			t.Fatal("advance 73h")
		}
		for _, tok := range []string{token, done} {
			_, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
			if got := sdkCode(err); got != catalog.BizTokenExpired {
				t.Errorf("after 73h: %q (%v), want %s", got, err, catalog.BizTokenExpired)
			}
		}
		// New sessions still work: signatures are checked against real time.
		fresh, _ := apply(t, c, nil)
		if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": fresh}); err != nil || got["ErrorCode"] != nil {
			t.Errorf("fresh session on the moved clock: %v %v", got, err)
		}
		// Setting the clock back to now makes the old result readable again.
		if code, _ := ctlCall(t, "POST", base+"/clock", "", map[string]any{"set": time.Now().UTC().Format(time.RFC3339Nano)}, nil); code != 200 {
			t.Fatal("set")
		}
		if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": done}); err != nil || got["ErrorCode"] != float64(0) {
			t.Errorf("after setting the clock back: %v %v", got["ErrorCode"], err)
		}
	})
}

// TestControlJournalBounds: a journal of 5 keeps the last 5 of 8 requests.
func TestControlJournalBounds(t *testing.T) {
	check := func(t *testing.T, tg *target) {
		c := goClient(tg, credMain)
		for i := 1; i <= 8; i++ {
			// Unknown tokens: each request is journaled with its BizToken.
			_, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": fmt.Sprintf("journal-%d", i)})
			if sdkCode(err) != catalog.BizTokenIllegal {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		var reqs ctlRequests
		ctlCall(t, "GET", tg.BaseURL+"/_emulator/requests", "", nil, &reqs)
		var got []string
		for _, r := range reqs.Requests {
			got = append(got, r.Token)
			if r.ErrorCode != catalog.BizTokenIllegal || r.Signature != "ok" {
				t.Errorf("record = %+v", r)
			}
		}
		if want := "journal-4,journal-5,journal-6,journal-7,journal-8"; strings.Join(got, ",") != want {
			t.Errorf("journal = %v, want %s (oldest dropped)", got, want)
		}
		if reqs.Capacity != 5 || reqs.Observed != 8 || reqs.Total != 5 {
			t.Errorf("capacity %d observed %d total %d", reqs.Capacity, reqs.Observed, reqs.Total)
		}
		ctlCall(t, "GET", tg.BaseURL+"/_emulator/requests?limit=2", "", nil, &reqs)
		if len(reqs.Requests) != 2 || reqs.Requests[0].Token != "journal-7" || reqs.Requests[1].Token != "journal-8" || reqs.Total != 5 {
			t.Errorf("limit 2: %+v", reqs.Requests)
		}
	}
	t.Run("in-process", func(t *testing.T) { check(t, inProcess(t, emulator.Options{JournalSize: 5})) })
	t.Run("binary", func(t *testing.T) { check(t, startBinary(t, "EMULATOR_JOURNAL_SIZE=5").target) })
}

// TestControlSignatureDiagnostics: the Go SDK with a wrong SecretKey gets
// AuthFailure.SignatureFailure, and the journal shows what the emulator
// expected, without any key.
func TestControlSignatureDiagnostics(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		const wrongKey = "definitely-not-the-configured-key"
		bad := goClient(tg, emulator.Credential{SecretID: credMain.SecretID, SecretKey: wrongKey})
		_, err := call(bad, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/"})
		if sdkCode(err) != catalog.SignatureFailure {
			t.Fatalf("SDK error = %v, want %s", err, catalog.SignatureFailure)
		}
		// A correct request too, so the journal holds both kinds.
		apply(t, goClient(tg, credMain), nil)

		var reqs ctlRequests
		_, raw := ctlCall(t, "GET", tg.BaseURL+"/_emulator/requests?signature=failed", "", nil, &reqs)
		if len(reqs.Requests) != 1 {
			t.Fatalf("failed requests: %s", raw)
		}
		r := reqs.Requests[0]
		if r.Signature != "failed" || r.ErrorCode != catalog.SignatureFailure || r.SecretID != credMain.SecretID ||
			r.Action != "ApplyWebVerificationBizTokenIntl" || r.SDK != "SDK_GO_1.3.211" || r.Message == "" {
			t.Errorf("journal entry = %+v", r)
		}
		d := r.Diagnostics
		if d == nil {
			t.Fatal("no diagnostics")
		}
		if d.Scheme != "TC3-HMAC-SHA256" || d.SignedHeaders != "content-type;host" {
			t.Errorf("scheme %q signed headers %q", d.Scheme, d.SignedHeaders)
		}
		for _, want := range []string{"POST\n/\n", "content-type:application/json", "host:" + tg.Endpoint} {
			if !strings.Contains(d.CanonicalRequest, want) {
				t.Errorf("canonical request lacks %q:\n%s", want, d.CanonicalRequest)
			}
		}
		if !strings.HasPrefix(d.StringToSign, "TC3-HMAC-SHA256\n") || !strings.Contains(d.StringToSign, "/faceid/tc3_request\n") {
			t.Errorf("string to sign:\n%s", d.StringToSign)
		}
		hasHost := false
		for _, h := range d.HostCandidates {
			hasHost = hasHost || h == tg.Endpoint
		}
		if !hasHost || d.Hint == "" {
			t.Errorf("host candidates %v, hint %q", d.HostCandidates, d.Hint)
		}
		// Never a key, in any form the API offers.
		_, all := ctlCall(t, "GET", tg.BaseURL+"/_emulator/requests", "", nil, nil)
		for _, body := range [][]byte{raw, all} {
			for _, key := range []string{wrongKey, credMain.SecretKey, credOther.SecretKey, credTemp.SecretKey} {
				if strings.Contains(string(body), key) {
					t.Errorf("the journal JSON contains a secret key (%.6s…)", key)
				}
			}
		}
		var sessions ctlSessions
		ctlCall(t, "GET", tg.BaseURL+"/_emulator/sessions", "", nil, &sessions)
		if len(sessions.Sessions) != 1 {
			t.Errorf("the refused Apply created a session: %d sessions", len(sessions.Sessions))
		}
	})
}

// TestControlAdminToken: with EMULATOR_ADMIN_TOKEN, every control route but
// health and ready answers 401 without the bearer token and works with it.
func TestControlAdminToken(t *testing.T) {
	const admin = "ci-admin-token-0123"
	check := func(t *testing.T, tg *target) {
		base := tg.BaseURL + "/_emulator"
		token, _ := apply(t, goClient(tg, credMain), nil)
		routes := []struct {
			method, path string
			body         any
			ok           int
		}{
			{"GET", "/sessions", nil, 200},
			{"GET", "/sessions?secretId=" + credMain.SecretID, nil, 200},
			{"GET", "/sessions/" + token, nil, 200},
			{"PUT", "/sessions/" + token + "/scenario", map[string]any{"ErrorCode": 0}, 200},
			{"POST", "/sessions/" + token + "/complete", map[string]any{"ErrorCode": 0}, 200},
			{"GET", "/clock", nil, 200},
			{"POST", "/clock", map[string]any{"advance": "1s"}, 200},
			{"GET", "/requests", nil, 200},
			{"DELETE", "/requests", nil, 204},
			{"GET", "/scenarios", nil, 200},
			{"PUT", "/secrets/" + credMain.SecretID + "/scenario", map[string]any{"Scenario": "mobilestatus-verify-minus-1"}, 200},
			{"GET", "/secrets/" + credMain.SecretID + "/scenario", nil, 200},
			{"POST", "/reset?secretId=" + credOther.SecretID, nil, 200},
			{"POST", "/reset", nil, 200},
		}
		for _, r := range routes {
			for _, wrong := range []string{"", "wrong-token"} {
				var e ctlError
				if code, _ := ctlCall(t, r.method, base+r.path, wrong, r.body, &e); code != 401 || e.Error.Status != 401 {
					t.Errorf("%s %s with token %q: %d, want 401", r.method, r.path, wrong, code)
				}
			}
		}
		for _, r := range routes {
			if code, raw := ctlCall(t, r.method, base+r.path, admin, r.body, nil); code != r.ok {
				t.Errorf("%s %s with the token: %d %s", r.method, r.path, code, raw)
			}
		}
		for _, open := range []string{"/health", "/ready"} {
			if code, _ := ctlCall(t, "GET", base+open, "", nil, nil); code != 200 {
				t.Errorf("%s without the token: %d", open, code)
			}
		}
		// The API itself (SDK calls) never needs the admin token.
		if _, err := call(goClient(tg, credMain), "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://m.example/"}); err != nil {
			t.Errorf("SDK call with the admin token set: %v", err)
		}
	}
	t.Run("in-process", func(t *testing.T) { check(t, inProcess(t, emulator.Options{AdminToken: admin})) })
	t.Run("binary", func(t *testing.T) { check(t, startBinary(t, "EMULATOR_ADMIN_TOKEN="+admin).target) })
}
