package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// maxPageSize is the budget of one page (HTML only; the CSS and JS are
// separate, cached files and are checked on their own).
const maxPageSize = 60 << 10

// testEnv is the page handler over a real faceid.Service with a memory
// store, the shipped scenario library and a movable clock; extra flows
// (SDK flows for the simulator page) share its hub.
type testEnv struct {
	t   *testing.T
	st  store.Store
	clk *clock.Offset
	svc *faceid.Service
	hub *flow.Hub
	srv *httptest.Server
	// client never follows redirects: the tests check every hop.
	client *http.Client
}

func newEnv(t *testing.T, extra ...flow.Flow) *testEnv {
	t.Helper()
	loader := scenarios.NewLoader(nil, nil)
	if _, problems := loader.Load(); len(problems) > 0 {
		t.Fatalf("scenario library: %v", problems)
	}
	e := &testEnv{t: t, st: store.NewMemory(1000), clk: clock.NewOffset(nil)}
	webFlow := faceid.NewWeb(loader.Current)
	flows, err := flow.NewRegistry(append([]flow.Flow{webFlow}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.hub = flow.NewHub(flow.Config{Store: e.st, Flows: flows, Clock: e.clk})
	e.svc = faceid.New(faceid.Config{Hub: e.hub, Web: webFlow})
	e.srv = httptest.NewServer(New(Config{Service: e.svc, Hub: e.hub}))
	t.Cleanup(e.srv.Close)
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// defaultConfig is the Config Apply resolves when the request has none.
func defaultConfig() faceid.WebConfig {
	return faceid.WebConfig{
		CheckMode: 2, SecurityLevel: 3, ThemeColor: defaultTheme, Language: "en", AutoDowngrade: 1,
		LivenessRetryLimit: 99, LivenessTimeout: 45, AllowExpiredDocument: true, Version: "BASIC",
	}
}

// session creates a pending session as Apply would, changed by mut.
func (e *testEnv) session(mut ...func(*store.Session)) string {
	e.t.Helper()
	s := &store.Session{
		Token:          strings.ToUpper(uuid.NewString()),
		Flow:           faceid.FlowWeb,
		SecretID:       "AKIDWEBTEST",
		CreatedAt:      e.clk.Now(),
		Data:           &faceid.WebData{RedirectURL: "https://merchant.example/return", Config: defaultConfig()},
		Scenario:       scenarios.DefaultName,
		ScenarioReason: string(scenarios.ReasonGlobalDefault),
		State:          store.StatePending,
	}
	for _, m := range mut {
		m(s)
	}
	if err := e.st.Create(s); err != nil {
		e.t.Fatal(err)
	}
	return s.Token
}

// webData is the web flow's part of a test session.
func webData(s *store.Session) *faceid.WebData { return s.Data.(*faceid.WebData) }

// scripted makes a session use a library scenario chosen by RuleId.
func scripted(name string) func(*store.Session) {
	return func(s *store.Session) {
		s.Scenario, s.ScenarioReason, webData(s).RuleID = name, string(scenarios.ReasonRuleID), name
	}
}

func withConfig(f func(*faceid.WebConfig)) func(*store.Session) {
	return func(s *store.Session) { f(&webData(s).Config) }
}

func withRedirect(u string) func(*store.Session) {
	return func(s *store.Session) { webData(s).RedirectURL = u }
}

// response is one answer, body read.
type response struct {
	*http.Response
	Body string
}

// pagesSeen collects every page body the tests fetched, for the size and
// inline-code checks.
var pagesSeen sync.Map

func (e *testEnv) do(req *http.Request) response {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		pagesSeen.Store(req.Method+" "+req.URL.RequestURI(), string(body))
	}
	return response{resp, string(body)}
}

func (e *testEnv) get(path string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	return e.do(req)
}

func (e *testEnv) open(token string, query ...string) response {
	e.t.Helper()
	return e.openAt("/reflect/", token, query...)
}

// openAt GETs page ?token= with extra query pairs.
func (e *testEnv) openAt(page, token string, query ...string) response {
	e.t.Helper()
	p := page + "?token=" + url.QueryEscape(token)
	for i := 0; i+1 < len(query); i += 2 {
		p += "&" + query[i] + "=" + url.QueryEscape(query[i+1])
	}
	return e.get(p)
}

// post submits the step form as a browser without JavaScript would.
func (e *testEnv) post(token, step string, fields ...string) response {
	e.t.Helper()
	form := url.Values{"token": {token}, "step": {step}}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Add(fields[i], fields[i+1])
	}
	return e.postForm("/reflect/step", form)
}

// postForm submits form to path as a browser without JavaScript would;
// header pairs are added to the request.
func (e *testEnv) postForm(path string, form url.Values, header ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

// follow GETs the Location of a 303 (relative to /reflect/step).
func (e *testEnv) follow(r response) response {
	e.t.Helper()
	return e.followFrom("/reflect/step", r)
}

// followFrom GETs the Location of a 303 answered at path.
func (e *testEnv) followFrom(path string, r response) response {
	e.t.Helper()
	if r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("status %d, want 303; body:\n%.800s", r.StatusCode, r.Body)
	}
	base, _ := url.Parse(e.srv.URL + path)
	loc, err := base.Parse(r.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.get(loc.RequestURI())
}

func (e *testEnv) view(token string) faceid.View {
	e.t.Helper()
	v, err := e.svc.Lookup(token)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

var dataPage = regexp.MustCompile(`<body data-page="([a-z-]+)"`)

// pageName returns the data-page of a page.
func pageName(body string) string {
	if m := dataPage.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// testidText returns the text of the element with data-testid id (simple,
// non-nested elements only), and whether it is there.
func testidText(body, id string) (string, bool) {
	re := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[1]), true
}

// hrefOf returns the href of the element with data-testid id, unescaped.
func hrefOf(body, id string) string {
	re := regexp.MustCompile(`<a[^>]*href="([^"]*)"[^>]*data-testid="` + regexp.QuoteMeta(id) + `"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`, "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

// testTranslations is the embedded i18n.json.
func testTranslations(t *testing.T) translations {
	t.Helper()
	data, err := files.ReadFile("i18n.json")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := loadTranslations(data)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func hasTestid(body, id string) bool { return strings.Contains(body, `data-testid="`+id+`"`) }

// wantPage fails unless r is a 200 page named name.
func wantPage(t *testing.T, r response, name string) {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 (%s page); body:\n%.800s", r.StatusCode, name, r.Body)
	}
	if got := pageName(r.Body); got != name {
		t.Fatalf("page %q, want %q; body:\n%.1500s", got, name, r.Body)
	}
}

// wantCode fails unless the page shows code in result-code.
func wantCode(t *testing.T, r response, code string) {
	t.Helper()
	got, ok := testidText(r.Body, "result-code")
	if !ok || got != code {
		t.Fatalf("result-code = %q (present %v), want %s", got, ok, code)
	}
}

// wantLocation fails unless r is a redirect with status and Location loc.
func wantLocation(t *testing.T, r response, status int, loc string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body:\n%.500s", r.StatusCode, status, r.Body)
	}
	if got := r.Header.Get("Location"); got != loc {
		t.Fatalf("Location = %q, want %q", got, loc)
	}
}
