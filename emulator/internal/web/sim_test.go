package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// sdkFlow is a minimal SDK flow for the page's tests: kind "liveness" (so
// its table is the catalogue's liveness table), completed with {} (the
// scenario's code, "scenario:<name>" decides, else the pass code) or
// {"Result":"<code>"}, expired after life. It renders its request Config
// and Result/Description as an SDK flow would.
type sdkFlow struct{ life time.Duration }

type sdkData struct {
	Config map[string]any `json:"config"`
	Extra  string         `json:"extra"`
	Result string         `json:"result"`
	// Body is the last completion body, for the tests.
	Body string `json:"body"`
}

func (d *sdkData) Clone() store.Data { c := *d; return &c }

const sdkKind = "liveness"

func (f *sdkFlow) table() catalog.Flow           { t, _ := catalog.LookupFlow(sdkKind); return t }
func (f *sdkFlow) Kind() string                  { return sdkKind }
func (f *sdkFlow) NewData() store.Data           { return &sdkData{} }
func (f *sdkFlow) ResultLifetime() time.Duration { return 2 * f.life }
func (f *sdkFlow) EvictionGrace() time.Duration  { return time.Hour }

func (f *sdkFlow) Expire(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending || now.Sub(sess.CreatedAt) <= f.life {
		return false
	}
	sess.State = store.StateCompleted
	sess.Data.(*sdkData).Result = "expired"
	return true
}

func (f *sdkFlow) Status(sess *store.Session) string {
	switch {
	case sess.State == store.StateCompleted && sess.Data.(*sdkData).Result == "expired":
		return flow.StatusExpired
	case sess.State == store.StateCompleted:
		return flow.StatusCompleted
	}
	return flow.StatusPending
}

func (f *sdkFlow) Complete(sess *store.Session, body json.RawMessage, now time.Time) error {
	var req struct{ Result *string }
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return flow.Invalid("invalid JSON: %v", err)
		}
	}
	code := f.table().Pass().Code
	if req.Result != nil {
		if _, ok := f.table().Lookup(*req.Result); !ok {
			return flow.ErrUnknownCode
		}
		code = *req.Result
	} else if c, ok := strings.CutPrefix(sess.Scenario, "code:"); ok {
		code = c
	}
	if sess.State != store.StatePending {
		return flow.ErrCompleted
	}
	d := sess.Data.(*sdkData)
	d.Result, d.Body = code, string(body)
	sess.State = store.StateCompleted
	t := now
	sess.CompletedAt = &t
	flow.AddEvent(sess, now, "completed", "result %s", code)
	return nil
}

// Open (flow.PageOpener) records the visit and plays a scenario named
// "auto:<code>", as a scenario that completes automatically.
func (f *sdkFlow) Open(sess *store.Session, now time.Time) {
	sess.PageOpened = true
	if c, ok := strings.CutPrefix(sess.Scenario, "auto:"); ok && sess.State == store.StatePending {
		_ = f.Complete(sess, json.RawMessage(`{"Result":"`+c+`"}`), now)
	}
}

func (f *sdkFlow) SetScenario(sess *store.Session, sc *scenarios.Scenario, _ time.Time) error {
	if sess.State != store.StatePending {
		return flow.ErrCompleted
	}
	sess.Scenario = sc.Name
	return nil
}

func (f *sdkFlow) Outcome(int, *float64) (*scenarios.Scenario, error) {
	return nil, flow.ErrUnknownCode
}

func (f *sdkFlow) Render(sess *store.Session, base string) any {
	d := sess.Data.(*sdkData)
	out := map[string]any{
		"Flow": f.Kind(), "Token": sess.Token, "SecretId": sess.SecretID, "State": f.Status(sess),
		"Scenario": sess.Scenario, "Config": d.Config, "Extra": d.Extra, "Timeline": sess.Timeline,
		"Result": nil, "Description": nil,
	}
	if sess.State == store.StateCompleted && d.Result != "expired" {
		out["Result"] = d.Result
		if e, ok := f.table().Lookup(d.Result); ok {
			out["Description"] = e.Message
		}
	}
	return out
}

// simEnv is the page handler over a hub with the web flow and sdkFlow.
type simEnv struct{ *testEnv }

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	return &simEnv{newEnv(t, &sdkFlow{life: time.Hour})}
}

// sdkSession creates a pending sdkFlow session, changed by mut.
func (e *simEnv) sdkSession(mut ...func(*store.Session, *sdkData)) string {
	e.t.Helper()
	d := &sdkData{Config: map[string]any{"CheckMode": 1, "SecureLevel": "4"}, Extra: "order-42"}
	sess := e.hub.NewSession(sdkKind, "AKIDSDKTEST", d)
	sess.Scenario = scenarios.DefaultName
	for _, m := range mut {
		m(sess, d)
	}
	if err := e.hub.Create(sess); err != nil {
		e.t.Fatal(err)
	}
	return sess.Token
}

// sim GETs the simulator page of token with extra query pairs.
func (e *simEnv) sim(token string, query ...string) response {
	e.t.Helper()
	return e.openAt("/sdk/", token, query...)
}

// simPost submits the page's form as a browser without JavaScript would.
func (e *simEnv) simPost(form url.Values, header ...string) response {
	e.t.Helper()
	return e.postForm("/sdk/", form, header...)
}

// simFollow GETs the Location of a 303 (relative to /sdk/).
func (e *simEnv) simFollow(r response) response {
	e.t.Helper()
	return e.followFrom("/sdk/", r)
}

func (e *simEnv) data(token string) (*store.Session, *sdkData) {
	e.t.Helper()
	sess, err := e.hub.Peek(token)
	if err != nil {
		e.t.Fatal(err)
	}
	return sess, sess.Data.(*sdkData)
}

var testidAttr = regexp.MustCompile(`data-testid="result-([^"]+)"`)

// buttonCodes lists the codes of the result-<code> buttons in page order.
func buttonCodes(body string) []string {
	var out []string
	for _, m := range testidAttr.FindAllStringSubmatch(body, -1) {
		if m[1] != "code" && m[1] != "message" {
			out = append(out, htmlUnescape(m[1]))
		}
	}
	return out
}

// wantStatus fails unless the page's status element says status.
func wantStatus(t *testing.T, r response, status string) {
	t.Helper()
	if !strings.Contains(r.Body, `data-testid="status" data-status="`+status+`"`) {
		t.Errorf("status %q not shown; body:\n%.1500s", status, r.Body)
	}
}

func TestSimulatorPendingPage(t *testing.T) {
	e := newSimEnv(t)
	tok := e.sdkSession()
	r := e.sim(tok)
	wantPage(t, r, "sdk")
	wantStatus(t, r, "pending")
	table, _ := catalog.LookupFlow(sdkKind)
	var want []string
	for _, c := range table.Codes {
		want = append(want, c.Code)
		if !strings.Contains(html.UnescapeString(r.Body), c.Message) {
			t.Errorf("message of %s (%q) not shown", c.Code, c.Message)
		}
	}
	if got := buttonCodes(r.Body); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("buttons %v, want one per code of the table in its order %v", got, want)
	}
	if want[0] != "0" || !strings.Contains(r.Body, `class="btn primary opt" type="submit" name="result" value="0"`) {
		t.Error("the pass code is not first or not the primary button")
	}
	for _, s := range []string{
		"SDK simulator", "Liveness detection (mobile SDK)", "ApplyLivenessToken → GetLivenessResult",
		`data-testid="token">` + tok + "<", `data-testid="use-scenario"`, `data-testid="scenario">default<`,
		"<dt>Config.CheckMode</dt><dd>1</dd>", "<dt>Config.SecureLevel</dt><dd>4</dd>", "<dt>Extra</dt><dd>order-42</dd>",
		"<dt>SecretId</dt><dd>AKIDSDKTEST</dd>", `<h3>Pass</h3>`, `<h3>Liveness</h3>`,
		`<form method="post" action="./">`, `name="token" value="` + tok + `"`, `name="lang" value="en"`,
	} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	// Lifecycle members are not shown as parameters; no result while pending.
	params := regexp.MustCompile(`(?s)<dl class="facts params"[^>]*>(.*?)</dl>`).FindStringSubmatch(r.Body)
	if params == nil {
		t.Fatal("no parameter list")
	}
	for _, s := range []string{"<dt>Timeline", "<dt>Flow<", "<dt>State<", "<dt>Token<", "<dt>Scenario<", "<dt>Result<"} {
		if strings.Contains(params[1], s) {
			t.Errorf("parameters show %q", s)
		}
	}
	if hasTestid(r.Body, "result-code") {
		t.Error("a pending session shows a result")
	}
	// HEAD renders the same page and changes nothing.
	req, _ := http.NewRequest(http.MethodHead, e.srv.URL+"/sdk/?token="+tok, nil)
	if h := e.do(req); h.StatusCode != http.StatusOK || h.Body != "" {
		t.Errorf("HEAD: %d %q", h.StatusCode, h.Body)
	}
}

// TestSimulatorWithoutJS completes sessions with plain form posts, as a
// browser without JavaScript (or curl) does.
func TestSimulatorWithoutJS(t *testing.T) {
	e := newSimEnv(t)
	table, _ := catalog.LookupFlow(sdkKind)
	for _, c := range table.Codes {
		t.Run(c.Code, func(t *testing.T) {
			tok := e.sdkSession()
			r := e.simPost(url.Values{"token": {tok}, "result": {c.Code}, "lang": {"en"}})
			wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&view=result&lang=en")
			res := e.simFollow(r)
			wantPage(t, res, "sdk-result")
			wantCode(t, res, c.Code)
			wantStatus(t, res, "completed")
			if msg, _ := testidText(res.Body, "result-message"); html.UnescapeString(msg) != c.Message {
				t.Errorf("result-message %q, want %q", msg, c.Message)
			}
			if !strings.Contains(res.Body, "GetLivenessResult now answers this result.") {
				t.Error("result page does not name the result action")
			}
			if hasTestid(res.Body, "use-scenario") {
				t.Error("a completed session still offers outcomes")
			}
			sess, d := e.data(tok)
			if sess.State != store.StateCompleted || d.Result != c.Code || d.Body != `{"Result":"`+c.Code+`"}` {
				t.Errorf("session %s result %q body %s", sess.State, d.Result, d.Body)
			}
			// Opened again: the completed page, with the same result.
			again := e.sim(tok)
			wantPage(t, again, "sdk-completed")
			wantCode(t, again, c.Code)
			// A second post changes nothing and lands on that page.
			other := table.Codes[len(table.Codes)-1].Code
			if other == c.Code {
				other = table.Codes[0].Code
			}
			p := e.simPost(url.Values{"token": {tok}, "result": {other}})
			wantLocation(t, p, http.StatusSeeOther, "./?token="+tok+"&lang=en")
			wantCode(t, e.simFollow(p), c.Code)
		})
	}
	t.Run("use the session's scenario", func(t *testing.T) {
		tok := e.sdkSession(func(s *store.Session, _ *sdkData) { s.Scenario = "code:1002" })
		wantPage(t, e.sim(tok), "sdk")
		res := e.simFollow(e.simPost(url.Values{"token": {tok}, "scenario": {"1"}}))
		wantPage(t, res, "sdk-result")
		wantCode(t, res, "1002")
		if _, d := e.data(tok); d.Body != "{}" {
			t.Errorf("completion body %s, want {}", d.Body)
		}
	})
}

func TestSimulatorStates(t *testing.T) {
	e := newSimEnv(t)
	t.Run("opening the page", func(t *testing.T) {
		tok := e.sdkSession(func(s *store.Session, _ *sdkData) { s.Scenario = "auto:1004" })
		req, _ := http.NewRequest(http.MethodHead, e.srv.URL+"/sdk/?token="+tok, nil)
		e.do(req)
		if sess, _ := e.data(tok); sess.PageOpened || sess.State != store.StatePending {
			t.Fatalf("HEAD changed the session: opened %v, %s", sess.PageOpened, sess.State)
		}
		// The flow completes the session when its page opens: this very
		// request shows the result.
		r := e.sim(tok)
		wantPage(t, r, "sdk-result")
		wantCode(t, r, "1004")
		wantPage(t, e.sim(tok), "sdk-completed")
		plain := e.sdkSession()
		wantPage(t, e.sim(plain), "sdk")
		if sess, _ := e.data(plain); !sess.PageOpened || sess.State != store.StatePending {
			t.Errorf("GET did not record the visit (%v) or completed the session (%s)", sess.PageOpened, sess.State)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		r := e.sim("00000000-0000-0000-0000-000000000000")
		if r.StatusCode != http.StatusNotFound || pageName(r.Body) != "error" || !strings.Contains(r.Body, "Verification not found") {
			t.Errorf("status %d page %q", r.StatusCode, pageName(r.Body))
		}
		if p := e.simPost(url.Values{"token": {"nope"}, "result": {"0"}}); p.StatusCode != http.StatusNotFound {
			t.Errorf("POST unknown token: %d", p.StatusCode)
		}
		if r := e.sim(strings.Repeat("A", 4000)); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "AAAA") {
			t.Errorf("oversized token: %d", r.StatusCode)
		}
	})
	t.Run("missing token", func(t *testing.T) {
		for _, r := range []response{e.get("/sdk/"), e.simPost(url.Values{"result": {"0"}})} {
			if r.StatusCode != http.StatusBadRequest || pageName(r.Body) != "error" {
				t.Errorf("status %d page %q", r.StatusCode, pageName(r.Body))
			}
		}
	})
	t.Run("web flow token", func(t *testing.T) {
		tok := e.session()
		r := e.sim(tok)
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "Not an SDK session") {
			t.Errorf("status %d; body:\n%.800s", r.StatusCode, r.Body)
		}
		if p := e.simPost(url.Values{"token": {tok}, "result": {"0"}}); p.StatusCode != http.StatusNotFound {
			t.Errorf("POST web token: %d", p.StatusCode)
		}
		if e.view(tok).Status != faceid.StatusPending {
			t.Error("the simulator completed a web session")
		}
	})
	t.Run("expired", func(t *testing.T) {
		tok := e.sdkSession()
		e.clk.Advance(2 * time.Hour)
		defer e.clk.Reset()
		r := e.sim(tok)
		wantPage(t, r, "sdk-expired")
		wantStatus(t, r, "expired")
		if hasTestid(r.Body, "result-0") || !strings.Contains(r.Body, "Token expired") {
			t.Error("expired page offers outcomes or lacks its title")
		}
		p := e.simPost(url.Values{"token": {tok}, "result": {"0"}})
		wantPage(t, e.simFollow(p), "sdk-expired")
		if _, d := e.data(tok); d.Result != "expired" {
			t.Errorf("a post after expiry changed the result to %q", d.Result)
		}
	})
	t.Run("bad codes and forms", func(t *testing.T) {
		tok := e.sdkSession()
		// 2016 is a code of other flows' tables, not of liveness.
		for _, code := range []string{"", "2016", "Success", "0 ", "<b>"} {
			r := e.simPost(url.Values{"token": {tok}, "result": {code}})
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "Unknown result code") {
				t.Errorf("result %q: status %d", code, r.StatusCode)
			}
		}
		big := e.simPost(url.Values{"token": {tok}, "result": {strings.Repeat("x", 2*maxForm)}})
		if big.StatusCode != http.StatusBadRequest {
			t.Errorf("oversized form: %d", big.StatusCode)
		}
		if sess, _ := e.data(tok); sess.State != store.StatePending {
			t.Error("a refused post completed the session")
		}
	})
	t.Run("paths and methods", func(t *testing.T) {
		wantLocation(t, e.get("/sdk?token=ABC"), http.StatusMovedPermanently, "sdk/?token=ABC")
		req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/sdk/?token=x", nil)
		if r := e.do(req); r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("PUT: %d Allow %q", r.StatusCode, r.Header.Get("Allow"))
		}
		if r := e.get("/sdk/other"); r.StatusCode != http.StatusNotFound {
			t.Errorf("/sdk/other: %d", r.StatusCode)
		}
	})
	t.Run("cross-site post", func(t *testing.T) {
		tok := e.sdkSession()
		for _, h := range [][]string{
			{"Sec-Fetch-Site", "cross-site"},
			{"Sec-Fetch-Site", "same-site"},
			{"Origin", "http://evil.example"},
		} {
			r := e.simPost(url.Values{"token": {tok}, "result": {"0"}}, h...)
			if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "Request refused") {
				t.Errorf("%v: status %d, want 403", h, r.StatusCode)
			}
		}
		if sess, _ := e.data(tok); sess.State != store.StatePending {
			t.Fatal("a cross-site post completed the session")
		}
		// The page's own origin passes.
		r := e.simPost(url.Values{"token": {tok}, "result": {"0"}}, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
		wantCode(t, e.simFollow(r), "0")
	})
}

func TestSimulatorEscaping(t *testing.T) {
	e := newSimEnv(t)
	// (/onerror: the slash separates attributes as a space does, and keeps
	// the escaped text clear of the inline-handler check of every page.)
	evil := `"><script>alert(1)</script><img src=x/onerror=alert(2)>'`
	tok := e.sdkSession(func(s *store.Session, d *sdkData) {
		d.Extra = evil
		d.Config = map[string]any{evil: evil, "Nested": map[string]any{"x": evil}}
		s.Scenario = `<script>alert(3)</script>`
	})
	bodies := []string{e.sim(tok).Body, e.sim(tok, "lang", evil).Body}
	bodies = append(bodies, e.simFollow(e.simPost(url.Values{"token": {tok}, "result": {"1002"}, "lang": {evil}})).Body)
	bodies = append(bodies, e.sim(tok).Body, e.sim(evil).Body, e.get("/sdk/?token="+url.QueryEscape(evil)+"&view="+url.QueryEscape(evil)).Body)
	for i, b := range bodies {
		if strings.Contains(b, "<script>alert") || strings.Contains(b, "<img src=x") {
			t.Errorf("page %d carries unescaped input:\n%s", i, b)
		}
		if !strings.Contains(b, `<html lang="en">`) {
			t.Errorf("page %d: a hostile lang did not fall back to English", i)
		}
	}
	if !strings.Contains(bodies[0], "&lt;script&gt;alert(3)&lt;/script&gt;") || !strings.Contains(bodies[0], "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("hostile values not shown escaped")
	}
}

func TestSimulatorBoundsParams(t *testing.T) {
	e := newSimEnv(t)
	tok := e.sdkSession(func(_ *store.Session, d *sdkData) {
		d.Extra = strings.Repeat("A", 10_000) // a base64 image, say
		d.Config = map[string]any{}
		for i := range 200 {
			d.Config[strings.Repeat("k", 3)+string(rune('a'+i%26))+strings.Repeat("z", i/26)] = i
		}
	})
	r := e.sim(tok)
	wantPage(t, r, "sdk")
	if n := strings.Count(r.Body, "<dt>"); n > maxParams+4 {
		t.Errorf("%d rows, want at most %d parameters and 4 facts", n, maxParams)
	}
	if strings.Contains(r.Body, strings.Repeat("A", maxParamValue+1)) || !strings.Contains(r.Body, strings.Repeat("A", maxParamValue)+"…") {
		t.Error("a long value is not cut")
	}
	if len(r.Body) > maxPageSize {
		t.Errorf("page is %d bytes", len(r.Body))
	}
}

func TestSimulatorSecurityHeaders(t *testing.T) {
	e := newSimEnv(t)
	tok := e.sdkSession()
	done := e.sdkSession()
	if _, err := e.hub.Complete(done, nil); err != nil {
		t.Fatal(err)
	}
	pages := []response{e.sim(tok), e.sim(done), e.sim(done, "view", "result"), e.sim("nope"), e.get("/sdk/"),
		e.simPost(url.Values{"token": {tok}, "result": {"x"}})}
	for i, r := range pages {
		csp := r.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "style-src 'self'", "script-src 'self'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self';"} {
			if !strings.Contains(csp, d) {
				t.Errorf("page %d: CSP %q lacks %q", i, csp, d)
			}
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "no-referrer" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("page %d: headers %v", i, r.Header)
		}
	}
	// The page's assets resolve under /sdk/ (relative links, no external
	// asset) and are the verification page's files.
	refs := regexp.MustCompile(`(?:href|src)="([^"]+)"`).FindAllStringSubmatch(pages[0].Body, -1)
	if len(refs) != 5 { // the icon data: URL, three assets, the skip link
		t.Fatalf("references %v", refs)
	}
	for _, m := range refs {
		ref := htmlUnescape(m[1])
		if ref == "data:," || ref == "#main" {
			continue
		}
		if !strings.HasPrefix(ref, "assets/") {
			t.Errorf("reference %q is not a relative asset", ref)
			continue
		}
		a, b := e.get("/sdk/"+ref), e.get("/reflect/"+ref)
		if a.StatusCode != http.StatusOK || a.Body != b.Body {
			t.Errorf("%s: status %d, same as /reflect/ %v", ref, a.StatusCode, a.Body == b.Body)
		}
	}
}

func TestSimulatorLanguages(t *testing.T) {
	var missing []string
	reportMissing = func(lang, key string) { missing = append(missing, lang+":"+key) }
	defer func() { reportMissing = func(string, string) {} }()

	e := newSimEnv(t)
	titles := map[string]string{"en": "SDK simulator", "zh-cn": "SDK 模拟器", "zh-tc": "SDK 模擬器", "th": "ตัวจำลอง SDK", "id": "Simulator SDK"}
	for _, l := range languages {
		tok := e.sdkSession()
		r := e.sim(tok, "lang", l.Code)
		wantPage(t, r, "sdk")
		if !strings.Contains(r.Body, `<html lang="`+l.Tag+`">`) || !strings.Contains(r.Body, "<h1>"+titles[l.Code]+"</h1>") {
			t.Errorf("%s: page not in its language", l.Code)
		}
		// The language survives the form post.
		res := e.simFollow(e.simPost(url.Values{"token": {tok}, "result": {"1005"}, "lang": {l.Code}}))
		if !strings.Contains(res.Body, `<html lang="`+l.Tag+`">`) {
			t.Errorf("%s: result page lost the language", l.Code)
		}
		e.sim(tok, "lang", l.Code)
		exp := e.sdkSession(func(s *store.Session, _ *sdkData) { s.CreatedAt = s.CreatedAt.Add(-2 * time.Hour) })
		wantPage(t, e.sim(exp, "lang", l.Code), "sdk-expired")
		for _, path := range []string{"/sdk/?lang=" + l.Code, "/sdk/?token=nope&lang=" + l.Code} {
			if r := e.get(path); !strings.Contains(r.Body, `<html lang="`+l.Tag+`">`) {
				t.Errorf("%s: error page %s not in its language", l.Code, path)
			}
		}
		if r := e.sim(e.session(), "lang", l.Code); pageName(r.Body) != "error" || !strings.Contains(r.Body, `<html lang="`+l.Tag+`">`) {
			t.Errorf("%s: web token page %q", l.Code, pageName(r.Body))
		}
	}
	if len(missing) > 0 {
		t.Errorf("missing translations: %v", missing)
	}
	// Accept-Language picks the language when ?lang= does not.
	for _, tc := range []struct{ accept, want string }{
		{"zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"},
		{"zh-TW", "zh-Hant"},
		{"zh-HK,en;q=0.5", "zh-Hant"},
		{"th-TH", "th"},
		{"id-ID,en;q=0.7", "id"},
		{"fr-FR,de;q=0.9", "en"},
		{"", "en"},
		{"!!garbage;;q=x", "en"},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/sdk/?token="+e.sdkSession(), nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		if r := e.do(req); !strings.Contains(r.Body, `<html lang="`+tc.want+`">`) {
			t.Errorf("Accept-Language %q: want %s", tc.accept, tc.want)
		}
	}
	// ?lang= wins over Accept-Language.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/sdk/?lang=id&token="+e.sdkSession(), nil)
	req.Header.Set("Accept-Language", "th")
	if r := e.do(req); !strings.Contains(r.Body, `<html lang="id">`) {
		t.Error("?lang= did not win over Accept-Language")
	}
}

// TestSimulatorTranslationKeys: every SDK flow of the catalogue has a
// human name and every category of its table a heading, in every language.
func TestSimulatorTranslationKeys(t *testing.T) {
	tr := testTranslations(t)
	n := 0
	for _, k := range catalog.FlowKeys() {
		table, sdk := flow.SDKTable(k)
		if !sdk {
			continue
		}
		n++
		need := []string{"flow." + k}
		for _, c := range table.Codes {
			need = append(need, "cat."+c.Category)
		}
		for _, l := range languages {
			for _, key := range need {
				if tr[l.Code][key] == "" {
					t.Errorf("%s: key %q missing", l.Code, key)
				}
			}
		}
	}
	if n < 4 {
		t.Errorf("%d SDK flows in the catalogue, want selfie, ekyc, liveness and reflect at least", n)
	}
}
