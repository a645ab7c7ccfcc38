package control

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

type fixture struct {
	h       *Handler
	store   store.Store
	hub     *flow.Hub
	clock   *clock.Offset
	journal *Journal
	ready   *atomic.Bool
	base    time.Time
}

func newFixture(t *testing.T, admin string, extra ...*scenarios.Scenario) *fixture {
	t.Helper()
	set, problems := scenarios.NewSet(append([]*scenarios.Scenario{
		{Name: "pass-0", Description: "passes", Source: "library/results.yaml"},
		{Name: "liveness-1002", Description: "fails", Source: "library/results.yaml",
			Attempts: []scenarios.Attempt{{Liveness: 1002}}},
	}, extra...))
	if len(problems) > 0 {
		t.Fatalf("scenario problems: %v", problems)
	}
	f := &fixture{store: store.NewMemory(100), journal: NewJournal(4), ready: &atomic.Bool{},
		base: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.clock = clock.NewOffset(clock.Fixed(f.base))
	flows, err := flow.NewRegistry(faceid.NewWeb(func() *scenarios.Set { return set }), probeFlow{"probe"}, probeFlow{"selfie"})
	if err != nil {
		t.Fatal(err)
	}
	hub := flow.NewHub(flow.Config{Store: f.store, Flows: flows, Clock: f.clock})
	f.hub = hub
	f.h = New(Config{
		Hub: hub, Journal: f.journal, Clock: f.clock,
		Scenarios: func() *scenarios.Set { return set }, Ready: f.ready.Load,
		AdminToken: admin, Version: "test",
	})
	return f
}

func (f *fixture) session(t *testing.T, token, secretID string) {
	t.Helper()
	err := f.store.Create(&store.Session{
		Token: token, Flow: faceid.FlowWeb, SecretID: secretID, CreatedAt: f.clock.Now(), State: store.StatePending,
		Scenario: "default", ScenarioReason: "global-default",
		Data: &faceid.WebData{RedirectURL: "https://merchant.example/",
			Config: faceid.WebConfig{CheckMode: 2, LivenessRetryLimit: 3, SecurityLevel: 3, IDCardType: "HKIDCard"}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

type response struct {
	code   int
	header http.Header
	body   string
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
}

func (r response) errMsg(t *testing.T) string {
	t.Helper()
	var e ErrorJSON
	r.decode(t, &e)
	if e.Error.Status != r.code {
		t.Errorf("error body status %d, HTTP status %d", e.Error.Status, r.code)
	}
	return e.Error.Message
}

func (f *fixture) do(method, target, body string, header ...string) response {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return response{code: w.Code, header: w.Header(), body: w.Body.String()}
}

func TestRouteErrors(t *testing.T) {
	f := newFixture(t, "")
	f.session(t, "TOKEN-A", "AKIDA")
	f.session(t, "TOKEN-B", "AKIDB")
	cases := []struct {
		name, method, target, body string
		code                       int
		msg                        string
	}{
		{"unknown route", "GET", "/_emulator/nothing", "", 404, "no such control route"},
		{"wrong method", "DELETE", "/_emulator/sessions", "", 405, "method not allowed"},
		{"unknown session", "GET", "/_emulator/sessions/NOPE", "", 404, "unknown BizToken"},
		{"foreign namespace", "GET", "/_emulator/sessions/TOKEN-A?secretId=AKIDB", "", 404, "unknown BizToken"},
		{"bad state", "GET", "/_emulator/sessions?state=done", "", 400, "state must be"},
		{"bad limit", "GET", "/_emulator/sessions?limit=-1", "", 400, "limit must be"},
		{"bad request limit", "GET", "/_emulator/requests?limit=x", "", 400, "limit must be"},
		{"bad signature filter", "GET", "/_emulator/requests?signature=bad", "", 400, "signature must be"},
		{"complete unknown", "POST", "/_emulator/sessions/NOPE/complete", `{"ErrorCode":0}`, 404, "unknown BizToken"},
		{"complete foreign namespace", "POST", "/_emulator/sessions/TOKEN-A/complete?secretId=AKIDB", `{"ErrorCode":0}`, 404, "unknown BizToken"},
		{"complete bad JSON", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":`, 400, "invalid JSON"},
		{"complete unknown field", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"Code":0}`, 400, "unknown field"},
		{"complete both", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":0,"Scenario":"pass-0"}`, 400, "not both"},
		{"complete similarity alone", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"Similarity":50}`, 400, "Similarity needs an ErrorCode"},
		{"complete similarity range", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":0,"Similarity":101}`, 400, "between 0 and 100"},
		{"complete unknown code", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":424242}`, 400, "unknown result code"},
		{"complete unknown scenario", "POST", "/_emulator/sessions/TOKEN-A/complete", `{"Scenario":"nope"}`, 400, "unknown scenario"},
		{"scenario empty body", "PUT", "/_emulator/sessions/TOKEN-A/scenario", "", 400, "a JSON body is required"},
		{"scenario none given", "PUT", "/_emulator/sessions/TOKEN-A/scenario", `{}`, 400, "exactly one of"},
		{"scenario two given", "PUT", "/_emulator/sessions/TOKEN-A/scenario", `{"Scenario":"pass-0","ErrorCode":0}`, 400, "exactly one of"},
		{"scenario unknown", "PUT", "/_emulator/sessions/TOKEN-A/scenario", `{"Scenario":"nope"}`, 400, "unknown scenario"},
		{"scenario unknown session", "PUT", "/_emulator/sessions/NOPE/scenario", `{"Scenario":"pass-0"}`, 404, "unknown BizToken"},
		{"scenario bad inline", "PUT", "/_emulator/sessions/TOKEN-A/scenario", `{"Inline":{"name":"x","completion":{"mode":"sometimes"}}}`, 400, ""},
		{"clock empty", "POST", "/_emulator/clock", "", 400, "a JSON body is required"},
		{"clock none", "POST", "/_emulator/clock", `{}`, 400, "exactly one of"},
		{"clock two", "POST", "/_emulator/clock", `{"advance":"1m","reset":true}`, 400, "exactly one of"},
		{"clock bad duration", "POST", "/_emulator/clock", `{"advance":"eleven minutes"}`, 400, "advance:"},
		{"clock bad time", "POST", "/_emulator/clock", `{"set":"yesterday"}`, 400, "set:"},
		{"body too large", "POST", "/_emulator/clock", `{"advance":"` + strings.Repeat("1", maxControlBody) + `"}`, 413, "body over 1 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(c.method, c.target, c.body)
			if r.code != c.code {
				t.Fatalf("status %d, want %d: %s", r.code, c.code, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if msg := r.errMsg(t); !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	// None of the failures above changed the session.
	var s faceid.SessionJSON
	f.do("GET", "/_emulator/sessions/TOKEN-A", "").decode(t, &s)
	if s.State != "pending" || s.Scripted {
		t.Errorf("session changed by failed calls: %+v", s)
	}
}

func TestCompleteAndConflict(t *testing.T) {
	f := newFixture(t, "")
	f.session(t, "TOKEN-A", "AKIDA")
	r := f.do("POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":0,"Similarity":88.5}`, "Host", "emu.test:9000")
	if r.code != 200 {
		t.Fatalf("complete: %d %s", r.code, r.body)
	}
	var s faceid.SessionJSON
	r.decode(t, &s)
	if s.State != "completed" || s.Result == nil || s.Result.ErrorCode != 0 || s.Result.Source != "control" {
		t.Errorf("completed session = %+v", s)
	}
	if len(s.Attempts) != 1 || s.Attempts[0].Similarity != 88.5 {
		t.Errorf("attempts = %+v", s.Attempts)
	}
	if s.VerificationURL != "http://emu.test:9000/reflect/?token=TOKEN-A" {
		t.Errorf("VerificationURL = %q", s.VerificationURL)
	}
	if s.CompletedAt == nil || !s.ExpiresAt.Equal(f.base.Add(10*time.Minute)) || !s.ResultExpiresAt.Equal(f.base.Add(72*time.Hour)) {
		t.Errorf("times: completed %v expires %v result expires %v", s.CompletedAt, s.ExpiresAt, s.ResultExpiresAt)
	}
	r = f.do("POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":0}`)
	if r.code != 409 || !strings.Contains(r.errMsg(t), "already completed") {
		t.Errorf("second complete: %d %s", r.code, r.body)
	}
	// An expired session is completed too: 409.
	f.session(t, "TOKEN-OLD", "AKIDA")
	f.clock.Advance(11 * time.Minute)
	if r := f.do("POST", "/_emulator/sessions/TOKEN-OLD/complete", `{"Scenario":"pass-0"}`); r.code != 409 {
		t.Errorf("complete of an expired session: %d %s", r.code, r.body)
	}
	f.do("GET", "/_emulator/sessions/TOKEN-OLD", "").decode(t, &s)
	if s.State != "expired" || s.Result == nil || s.Result.ErrorCode != 15 {
		t.Errorf("expired session = %s %+v", s.State, s.Result)
	}
}

func TestSessionsFilterAndReset(t *testing.T) {
	f := newFixture(t, "")
	for i, tok := range []string{"A1", "A2", "A3"} {
		f.session(t, tok, "AKIDA")
		f.session(t, "B"+tok[1:], "AKIDB")
		_ = i
	}
	f.do("POST", "/_emulator/sessions/A2/complete", `{"ErrorCode":1002}`)
	list := func(q string) (toks []string, total int) {
		var out struct {
			Sessions []faceid.SessionJSON
			Total    int
		}
		r := f.do("GET", "/_emulator/sessions"+q, "")
		if r.code != 200 {
			t.Fatalf("list %s: %d %s", q, r.code, r.body)
		}
		r.decode(t, &out)
		for _, s := range out.Sessions {
			toks = append(toks, s.BizToken)
		}
		return toks, out.Total
	}
	if toks, total := list("?secretId=AKIDA"); strings.Join(toks, ",") != "A1,A2,A3" || total != 3 {
		t.Errorf("namespace A = %v (%d)", toks, total)
	}
	if toks, _ := list("?secretId=AKIDA&state=completed"); strings.Join(toks, ",") != "A2" {
		t.Errorf("completed in A = %v", toks)
	}
	if toks, total := list("?limit=2"); strings.Join(toks, ",") != "A3,B3" || total != 6 {
		t.Errorf("limit 2 = %v (total %d), want the newest two", toks, total)
	}
	if toks, _ := list("?secretId=AKIDC"); len(toks) != 0 {
		t.Errorf("empty namespace = %v", toks)
	}
	r := f.do("GET", "/_emulator/sessions?secretId=AKIDC", "")
	if !strings.Contains(r.body, `"Sessions":[]`) {
		t.Errorf("empty list is not []: %s", r.body)
	}

	f.journal.Observe(api.Record{RequestID: "ra", SecretID: "AKIDA"})
	f.journal.Observe(api.Record{RequestID: "rb", SecretID: "AKIDB"})
	f.clock.Advance(time.Minute)
	var res ResetResult
	f.do("POST", "/_emulator/reset?secretId=AKIDA", "").decode(t, &res)
	if res.Deleted != 3 || res.SecretId != "AKIDA" || res.ClockReset {
		t.Errorf("namespace reset = %+v", res)
	}
	if toks, _ := list(""); strings.Join(toks, ",") != "B1,B2,B3" {
		t.Errorf("after reset of A = %v", toks)
	}
	if got := ids(f.journal.List(RequestFilter{})); strings.Join(got, ",") != "rb" {
		t.Errorf("journal after reset of A = %v", got)
	}
	if f.clock.Skew() != time.Minute {
		t.Error("a namespace reset moved the shared clock")
	}
	f.do("POST", "/_emulator/reset", "").decode(t, &res)
	if res.Deleted != 3 || !res.ClockReset || f.clock.Skew() != 0 || f.journal.Len() != 0 {
		t.Errorf("full reset = %+v, skew %v, journal %d", res, f.clock.Skew(), f.journal.Len())
	}
}

func TestClockRoutes(t *testing.T) {
	f := newFixture(t, "")
	var c ClockJSON
	f.do("GET", "/_emulator/clock", "").decode(t, &c)
	if !c.Now.Equal(f.base) || c.Offset != "0s" || c.OffsetSeconds != 0 {
		t.Errorf("clock = %+v", c)
	}
	f.do("POST", "/_emulator/clock", `{"advance":"11m"}`).decode(t, &c)
	if !c.Now.Equal(f.base.Add(11*time.Minute)) || c.Offset != "11m0s" || c.OffsetSeconds != 660 {
		t.Errorf("after advance = %+v", c)
	}
	f.do("POST", "/_emulator/clock", `{"set":"2030-01-02T03:04:05Z"}`).decode(t, &c)
	if !c.Now.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("after set = %+v", c)
	}
	f.do("POST", "/_emulator/clock", `{"reset":true}`).decode(t, &c)
	if !c.Now.Equal(f.base) {
		t.Errorf("after reset = %+v", c)
	}
}

func records(rs []RequestJSON) []api.Record {
	out := make([]api.Record, len(rs))
	for i, r := range rs {
		out[i] = r.Record
	}
	return out
}

// TestRequestsTokens: records carry "token" and "flow"; a web-flow record
// also "bizToken" (its name before flows), and both ?token= and ?bizToken=
// filter.
func TestRequestsTokens(t *testing.T) {
	f := newFixture(t, "")
	f.journal.Observe(api.Record{RequestID: "w", SecretID: "AKIDA", Signature: "ok", Token: "T-WEB", Flow: "web"})
	f.journal.Observe(api.Record{RequestID: "s", SecretID: "AKIDA", Signature: "ok", Token: "T-SDK", Flow: "sdk"})
	raw := f.do("GET", "/_emulator/requests", "").body
	for _, want := range []string{`"token":"T-WEB","flow":"web"`, `"bizToken":"T-WEB"`, `"token":"T-SDK","flow":"sdk"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("journal JSON lacks %s: %s", want, raw)
		}
	}
	if strings.Contains(raw, `"bizToken":"T-SDK"`) {
		t.Errorf("a non-web record has bizToken: %s", raw)
	}
	for _, q := range []string{"?token=T-SDK", "?bizToken=T-SDK"} {
		var out RequestsJSON
		f.do("GET", "/_emulator/requests"+q, "").decode(t, &out)
		if got := ids(records(out.Requests)); strings.Join(got, "") != "s" {
			t.Errorf("%s = %v", q, got)
		}
	}
}

func TestRequestsRoute(t *testing.T) {
	f := newFixture(t, "")
	for i := 0; i < 6; i++ {
		f.journal.Observe(api.Record{RequestID: string(rune('a' + i)), SecretID: "AKIDA", Signature: "ok"})
	}
	var out RequestsJSON
	f.do("GET", "/_emulator/requests", "").decode(t, &out)
	if got := ids(records(out.Requests)); strings.Join(got, "") != "cdef" || out.Total != 4 || out.Capacity != 4 || out.Observed != 6 {
		t.Errorf("requests = %v total %d capacity %d observed %d", got, out.Total, out.Capacity, out.Observed)
	}
	f.do("GET", "/_emulator/requests?limit=2", "").decode(t, &out)
	if got := ids(records(out.Requests)); strings.Join(got, "") != "ef" || out.Total != 4 {
		t.Errorf("limit 2 = %v total %d", got, out.Total)
	}
	if r := f.do("DELETE", "/_emulator/requests", ""); r.code != 204 {
		t.Errorf("DELETE: %d", r.code)
	}
	r := f.do("GET", "/_emulator/requests", "")
	if !strings.Contains(r.body, `"Requests":[]`) {
		t.Errorf("empty journal: %s", r.body)
	}
}

func TestHealthReadyScenarios(t *testing.T) {
	f := newFixture(t, "secret-admin")
	if r := f.do("GET", "/_emulator/health", ""); r.code != 200 || !strings.Contains(r.body, `"status":"ok"`) {
		t.Errorf("health: %d %s", r.code, r.body)
	}
	if r := f.do("GET", "/_emulator/ready", ""); r.code != 503 || !strings.Contains(r.body, `"starting"`) {
		t.Errorf("ready before serving: %d %s", r.code, r.body)
	}
	f.ready.Store(true)
	if r := f.do("GET", "/_emulator/ready", ""); r.code != 200 || !strings.Contains(r.body, `"ready"`) {
		t.Errorf("ready: %d %s", r.code, r.body)
	}
	var sc struct {
		Scenarios []ScenarioJSON
		Total     int
	}
	f.do("GET", "/_emulator/scenarios", "", "Authorization", "Bearer secret-admin").decode(t, &sc)
	names := []string{}
	for _, s := range sc.Scenarios {
		names = append(names, s.Name)
		if s.Name == "default" && (!s.Default || s.Source != "builtin" || s.Completion != "manual") {
			t.Errorf("default scenario = %+v", s)
		}
	}
	if strings.Join(names, ",") != "default,liveness-1002,pass-0" || sc.Total != 3 {
		t.Errorf("scenarios = %v (%d)", names, sc.Total)
	}
}

func TestAdminToken(t *testing.T) {
	f := newFixture(t, "s3cret")
	f.session(t, "TOKEN-A", "AKIDA")
	protected := []struct{ method, target, body string }{
		{"GET", "/_emulator/sessions", ""},
		{"GET", "/_emulator/sessions/TOKEN-A", ""},
		{"POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":0}`},
		{"PUT", "/_emulator/sessions/TOKEN-A/scenario", `{"Scenario":"pass-0"}`},
		{"POST", "/_emulator/reset", ""},
		{"GET", "/_emulator/clock", ""},
		{"POST", "/_emulator/clock", `{"advance":"1s"}`},
		{"GET", "/_emulator/requests", ""},
		{"DELETE", "/_emulator/requests", ""},
		{"GET", "/_emulator/scenarios", ""},
	}
	for _, p := range protected {
		for _, auth := range []string{"", "Bearer wrong", "Basic czNjcmV0", "s3cret", "Bearer s3cret0"} {
			r := f.do(p.method, p.target, p.body, "Authorization", auth)
			if r.code != 401 {
				t.Errorf("%s %s with %q: %d, want 401", p.method, p.target, auth, r.code)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: no WWW-Authenticate", p.method, p.target)
			}
		}
	}
	if s := f.store.List(store.Filter{})[0]; s.State != "pending" {
		t.Fatal("an unauthorized call changed the session")
	}
	for _, auth := range []string{"Bearer s3cret", "bearer s3cret"} {
		if r := f.do("GET", "/_emulator/sessions", "", "Authorization", auth); r.code != 200 {
			t.Errorf("with %q: %d", auth, r.code)
		}
	}
	if r := f.do("POST", "/_emulator/sessions/TOKEN-A/complete", `{"ErrorCode":0}`, "Authorization", "Bearer s3cret"); r.code != 200 {
		t.Errorf("complete with the token: %d %s", r.code, r.body)
	}
	for _, open := range []string{"/_emulator/health", "/_emulator/ready", "/_emulator/ui/dashboard.js", "/_emulator/ui/dashboard.css"} {
		if r := f.do("GET", open, ""); r.code == 401 {
			t.Errorf("%s needs the token", open)
		}
	}
}

func TestDashboardLogin(t *testing.T) {
	f := newFixture(t, "s3cret")
	// No token: a login form, 401.
	r := f.do("GET", "/_emulator/ui", "")
	if r.code != 401 || !strings.Contains(r.body, `<form method="post"`) || strings.Contains(r.body, "s3cret") {
		t.Fatalf("without token: %d %s", r.code, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	// A wrong token: still 401, no cookie.
	r = f.do("GET", "/_emulator/ui?token=nope", "")
	if r.code != 401 || r.header.Get("Set-Cookie") != "" || !strings.Contains(r.body, "wrong") {
		t.Errorf("wrong token: %d cookie %q", r.code, r.header.Get("Set-Cookie"))
	}
	// ?token= once: cookie and a redirect that drops the token.
	r = f.do("GET", "/_emulator/ui?token=s3cret&secretId=AKIDA", "")
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/_emulator/ui?secretId=AKIDA" {
		t.Fatalf("token login: %d Location %q", r.code, r.header.Get("Location"))
	}
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{uiCookieName + "=", "HttpOnly", "SameSite=Strict", "Path=/_emulator"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "s3cret") {
		t.Error("the cookie holds the admin token itself")
	}
	pair := strings.SplitN(cookie, ";", 2)[0]
	if r := f.do("GET", "/_emulator/ui", "", "Cookie", pair); r.code != 200 || !strings.Contains(r.body, `id="sessions"`) {
		t.Errorf("page with cookie: %d", r.code)
	}
	if r := f.do("GET", "/_emulator/sessions", "", "Cookie", pair); r.code != 200 {
		t.Errorf("GET API with cookie: %d", r.code)
	}
	// The cookie never authorizes a change.
	if r := f.do("POST", "/_emulator/reset", "", "Cookie", pair); r.code != 401 {
		t.Errorf("POST reset with only the cookie: %d", r.code)
	}
	if r := f.do("GET", "/_emulator/sessions", "", "Cookie", uiCookieName+"=forged"); r.code != 401 {
		t.Errorf("forged cookie: %d", r.code)
	}
	// The form.
	form := url.Values{"token": {"s3cret"}}.Encode()
	r = f.do("POST", "/_emulator/ui", form, "Content-Type", "application/x-www-form-urlencoded")
	if r.code != http.StatusSeeOther || !strings.Contains(r.header.Get("Set-Cookie"), "HttpOnly") {
		t.Errorf("form login: %d", r.code)
	}
	r = f.do("POST", "/_emulator/ui", "token=bad", "Content-Type", "application/x-www-form-urlencoded")
	if r.code != 401 || r.header.Get("Set-Cookie") != "" {
		t.Errorf("form with a wrong token: %d", r.code)
	}
}

func TestDashboardEscapes(t *testing.T) {
	evil := `<img src=x onerror=alert(1)>`
	f := newFixture(t, "", &scenarios.Scenario{Name: "evil", Description: evil, Source: "user/" + evil + ".yaml"})
	f.session(t, "TOKEN-A", "AKID<script>alert(1)</script>")
	f.journal.Observe(api.Record{RequestID: "r1", SecretID: "AKIDA", Signature: "failed", Action: "Get<b>",
		ErrorCode: "AuthFailure.SignatureFailure", SDK: `SDK_GO_1.3.211"><script>`,
		Diagnostics: &signature.Diagnostics{Scheme: "TC3-HMAC-SHA256", CanonicalRequest: "POST\n/\n\ncontent-type:application/json\nhost:" + evil + "\n",
			StringToSign: "TC3-HMAC-SHA256\n1\n" + evil, HostCandidates: []string{evil}, Hint: evil}})
	r := f.do("GET", "/_emulator/ui", "", "Host", "emu.test")
	if r.code != 200 {
		t.Fatalf("page: %d %s", r.code, r.body)
	}
	for _, bad := range []string{"<img", "<script>alert", "<b>", `"><script>`} {
		if strings.Contains(r.body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "Signature diagnostics", "content-type:application/json", `data-token="TOKEN-A"`,
		`<script src="ui/dashboard.js" defer></script>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "style=") || strings.Contains(r.body, "onclick") || strings.Count(r.body, "<script") != 1 {
		t.Error("the page has inline style or script, which the CSP refuses")
	}
	if r.header.Get("Content-Type") != "text/html; charset=utf-8" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: %v", r.header)
	}
	js := f.do("GET", "/_emulator/ui/dashboard.js", "")
	if js.code != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") || strings.Contains(js.body, "innerHTML") {
		t.Errorf("dashboard.js: %d %q (innerHTML must not be used)", js.code, js.header.Get("Content-Type"))
	}
	if r := f.do("GET", "/_emulator", ""); r.code != http.StatusFound || r.header.Get("Location") != "/_emulator/ui" {
		t.Errorf("/_emulator: %d %q", r.code, r.header.Get("Location"))
	}
}

// probeFlow is a second flow, so that the routes are checked for a flow
// other than web: it completes with {"Result":"<code>"} and renders only
// the fields every flow has. Its kind is "probe", or an SDK flow's kind.
type probeFlow struct{ kind string }

type probeData struct {
	Result string `json:"result"`
}

func (d *probeData) Clone() store.Data { c := *d; return &c }

type probeJSON struct {
	Flow, Token, SecretId, State, Result, Description string
	Timeline                                          []store.Event
	SimulatorURL                                      *string
}

func (p probeFlow) Kind() string                                     { return p.kind }
func (probeFlow) NewData() store.Data                                { return &probeData{} }
func (probeFlow) ResultLifetime() time.Duration                      { return time.Hour }
func (probeFlow) EvictionGrace() time.Duration                       { return 0 }
func (probeFlow) Expire(*store.Session, time.Time) bool              { return false }
func (probeFlow) Outcome(int, *float64) (*scenarios.Scenario, error) { return nil, flow.ErrUnknownCode }
func (probeFlow) SetScenario(sess *store.Session, sc *scenarios.Scenario, _ time.Time) error {
	sess.Override = []byte(sc.Name)
	return nil
}

func (probeFlow) Status(sess *store.Session) string {
	if sess.State == store.StateCompleted {
		return flow.StatusCompleted
	}
	return flow.StatusPending
}

func (probeFlow) Complete(sess *store.Session, body json.RawMessage, now time.Time) error {
	var req struct{ Result string }
	if err := json.Unmarshal(body, &req); err != nil || req.Result == "" {
		return flow.Invalid(`give {"Result":"<code>"}`)
	}
	if sess.State != store.StatePending {
		return flow.ErrCompleted
	}
	sess.State = store.StateCompleted
	sess.Data.(*probeData).Result = req.Result
	flow.AddEvent(sess, now, "completed", "result %s", req.Result)
	return nil
}

func (p probeFlow) Render(sess *store.Session, base string) any {
	out := probeJSON{Flow: p.kind, Token: sess.Token, SecretId: sess.SecretID, State: sess.State,
		Result: sess.Data.(*probeData).Result, Timeline: sess.Timeline}
	if out.Result != "" {
		out.Description = "text of " + out.Result
	}
	if _, sdk := flow.SDKTable(p.kind); sdk {
		u := flow.SimulatorURL(base, sess.Token)
		out.SimulatorURL = &u
	}
	return out
}

// TestOtherFlow: the session routes and the dashboard work for a session
// of any flow, each listed with its Flow.
func TestOtherFlow(t *testing.T) {
	f := newFixture(t, "")
	f.session(t, "TOKEN-WEB", "AKIDA")
	sess := f.hub.NewSession("probe", "AKIDA", &probeData{})
	if err := f.hub.Create(sess); err != nil {
		t.Fatal(err)
	}
	tok := sess.Token
	var list struct {
		Sessions []struct{ Flow, Token string }
		Total    int
	}
	f.do("GET", "/_emulator/sessions", "").decode(t, &list)
	if list.Total != 2 || list.Sessions[0].Flow != "web" || list.Sessions[0].Token != "TOKEN-WEB" ||
		list.Sessions[1].Flow != "probe" || list.Sessions[1].Token != tok {
		t.Errorf("list = %+v", list)
	}
	f.do("GET", "/_emulator/sessions?flow=probe", "").decode(t, &list)
	if list.Total != 1 || list.Sessions[0].Token != tok {
		t.Errorf("list ?flow=probe = %+v", list)
	}
	if r := f.do("POST", "/_emulator/sessions/"+tok+"/complete", `{"ErrorCode":0}`); r.code != 400 {
		t.Errorf("web body for the probe flow: %d %s", r.code, r.body)
	}
	var got probeJSON
	r := f.do("POST", "/_emulator/sessions/"+tok+"/complete", `{"Result":"0"}`)
	if r.code != 200 {
		t.Fatalf("complete probe: %d %s", r.code, r.body)
	}
	r.decode(t, &got)
	if got.Flow != "probe" || got.State != "completed" || got.Result != "0" || len(got.Timeline) != 1 {
		t.Errorf("completed probe = %+v", got)
	}
	if r := f.do("POST", "/_emulator/sessions/"+tok+"/complete", `{"Result":"1"}`); r.code != 409 {
		t.Errorf("second complete: %d %s", r.code, r.body)
	}
	f.do("GET", "/_emulator/sessions/"+tok, "").decode(t, &got)
	if got.Token != tok || got.Result != "0" {
		t.Errorf("GET probe = %+v", got)
	}
	if r := f.do("PUT", "/_emulator/sessions/"+tok+"/scenario", `{"ErrorCode":0}`); r.code != 400 {
		t.Errorf("outcome the probe flow does not know: %d %s", r.code, r.body)
	}
	page := f.do("GET", "/_emulator/ui", "")
	if page.code != 200 || !strings.Contains(page.body, tok) || !strings.Contains(page.body, "TOKEN-WEB") {
		t.Errorf("dashboard with two flows: %d %s", page.code, page.body)
	}
	if n := f.h.Reset("AKIDA").Deleted; n != 2 {
		t.Errorf("reset deleted %d", n)
	}
}

// TestSDKFlowSimulatorURL: a session of an SDK flow (here a probe of kind
// selfie, rendering flow.SimulatorURL as SDK flows do) has SimulatorURL in
// the control API with the request's base, and the dashboard links it;
// other flows have none.
func TestSDKFlowSimulatorURL(t *testing.T) {
	f := newFixture(t, "")
	f.session(t, "TOKEN-WEB", "AKIDA")
	sdk := f.hub.NewSession("selfie", "AKIDA", &probeData{})
	probe := f.hub.NewSession("probe", "AKIDA", &probeData{})
	for _, s := range []*store.Session{sdk, probe} {
		if err := f.hub.Create(s); err != nil {
			t.Fatal(err)
		}
	}
	get := func(tok string) probeJSON {
		var got probeJSON
		r := f.do("GET", "/_emulator/sessions/"+tok, "", "Host", "emu.test:9000")
		r.decode(t, &got)
		return got
	}
	if got := get(sdk.Token); got.SimulatorURL == nil || *got.SimulatorURL != "http://emu.test:9000/sdk/?token="+sdk.Token || got.Flow != "selfie" {
		t.Errorf("SDK session = %+v", got)
	}
	if got := get(probe.Token); got.SimulatorURL != nil {
		t.Errorf("probe session has SimulatorURL %q", *got.SimulatorURL)
	}
	if r := f.do("GET", "/_emulator/sessions/TOKEN-WEB", "", "Host", "emu.test:9000"); strings.Contains(r.body, "SimulatorURL") {
		t.Errorf("web session has a SimulatorURL: %s", r.body)
	}
	var list struct{ Sessions []probeJSON }
	f.do("GET", "/_emulator/sessions?flow=selfie", "").decode(t, &list)
	if len(list.Sessions) != 1 || list.Sessions[0].SimulatorURL == nil || !strings.HasSuffix(*list.Sessions[0].SimulatorURL, "/sdk/?token="+sdk.Token) {
		t.Errorf("list = %+v", list)
	}
	if r := f.do("POST", "/_emulator/sessions/"+sdk.Token+"/complete", `{"Result":"1002"}`); r.code != 200 || !strings.Contains(r.body, `"SimulatorURL"`) {
		t.Errorf("complete: %d %s", r.code, r.body)
	}
	page := f.do("GET", "/_emulator/ui", "")
	link := `href="http://example.com/sdk/?token=` + sdk.Token + `" target="_blank" rel="noopener noreferrer" class="sim">simulator</a>`
	if !strings.Contains(page.body, link) || strings.Count(page.body, `class="sim">simulator`) != 1 {
		t.Errorf("dashboard lacks the one simulator link %s:\n%s", link, page.body)
	}
	if !strings.Contains(page.body, `<span class="code">1002</span> <span class="msg">text of 1002</span>`) {
		t.Error("dashboard does not show the SDK session's bare result code with its Description")
	}
}
