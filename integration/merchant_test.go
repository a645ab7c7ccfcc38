package integration

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// merchant is a small merchant web site in front of the emulator, written
// as an integrator would write it: its home page has a "verify" button;
// POST /verify calls ApplyWebVerificationBizTokenIntl through the official
// Go SDK with RedirectURL = its own return page and sends the browser to
// the VerificationURL; GET /return?token= calls
// GetWebVerificationResultIntl through the SDK and shows the ErrorCode
// (data-testid merchant-result) and the token (merchant-token).
type merchant struct {
	t      testing.TB
	tg     *target
	client *common.Client
	srv    *httptest.Server
	// ReturnPath makes the RedirectURL with the merchant's base URL; it may
	// carry a query and a fragment. Default "/return".
	ReturnPath string
	// Params are added to the Apply request (Config, RuleId, Extra...).
	Params map[string]any
	// OnApply, when set, runs after Apply and before the redirect (to
	// script the session through the control API).
	OnApply func(token string)

	mu      sync.Mutex
	tokens  []string                  // BizTokens issued, in order
	results map[string]map[string]any // BizToken → last Get response
}

func newMerchant(t testing.TB, tg *target, params map[string]any) *merchant {
	t.Helper()
	m := &merchant{t: t, tg: tg, client: goClient(tg, credMain), ReturnPath: "/return", Params: params, results: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", m.home)
	mux.HandleFunc("POST /verify", m.verify)
	mux.HandleFunc("GET /return", m.back)
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

// URL is the merchant's base URL.
func (m *merchant) URL() string { return m.srv.URL }

// RedirectURL is what the merchant gives Apply.
func (m *merchant) RedirectURL() string { return m.srv.URL + m.ReturnPath }

// ReturnURL is where the emulator must send the browser back for token:
// the RedirectURL with "?token=" or "&token=" spliced in before any
// fragment (written out here independently of the emulator's code).
func (m *merchant) ReturnURL(token string) string {
	base, frag, hasFrag := strings.Cut(m.RedirectURL(), "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	u := base + sep + "token=" + token
	if hasFrag {
		u += "#" + frag
	}
	return u
}

// LastToken is the newest BizToken the merchant was issued.
func (m *merchant) LastToken() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.tokens) == 0 {
		return ""
	}
	return m.tokens[len(m.tokens)-1]
}

// Result is the last GetWebVerificationResultIntl answer for token.
func (m *merchant) Result(token string) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.results[token]
}

var merchantPage = template.Must(template.New("merchant").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>Example shop</title></head>
<body data-page="{{.Page}}">
<h1>Example shop</h1>
{{if eq .Page "merchant-home"}}
<p>Please verify your identity to open an account.</p>
<form method="post" action="/verify"><button type="submit" data-testid="verify">Verify my identity</button></form>
{{else if eq .Page "merchant-return"}}
<p>Verification token: <code data-testid="merchant-token">{{.Token}}</code></p>
<p>Result: <strong data-testid="merchant-result">{{.Code}}</strong></p>
<p>Message: <span data-testid="merchant-message">{{.Msg}}</span></p>
<p>Attempts: <span data-testid="merchant-details">{{.Details}}</span></p>
{{else}}
<p data-testid="merchant-error">{{.Msg}}</p>
{{end}}
</body></html>`))

type merchantView struct {
	Page, Token, Code, Msg string
	Details                int
}

func (m *merchant) render(w http.ResponseWriter, status int, v merchantView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := merchantPage.Execute(w, v); err != nil {
		m.t.Errorf("merchant page: %v", err)
	}
}

func (m *merchant) home(w http.ResponseWriter, r *http.Request) {
	m.render(w, http.StatusOK, merchantView{Page: "merchant-home"})
}

func (m *merchant) verify(w http.ResponseWriter, r *http.Request) {
	params := map[string]any{"RedirectURL": m.RedirectURL()}
	for k, v := range m.Params {
		params[k] = v
	}
	resp, err := call(m.client, "ApplyWebVerificationBizTokenIntl", params)
	if err != nil {
		m.render(w, http.StatusBadGateway, merchantView{Page: "merchant-error", Msg: err.Error()})
		return
	}
	token, _ := resp["BizToken"].(string)
	vurl, _ := resp["VerificationURL"].(string)
	m.mu.Lock()
	m.tokens = append(m.tokens, token)
	m.mu.Unlock()
	if m.OnApply != nil {
		m.OnApply(token)
	}
	http.Redirect(w, r, vurl, http.StatusSeeOther)
}

func (m *merchant) back(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	resp, err := call(m.client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		m.render(w, http.StatusBadGateway, merchantView{Page: "merchant-error", Msg: err.Error()})
		return
	}
	m.mu.Lock()
	m.results[token] = resp
	m.mu.Unlock()
	v := merchantView{Page: "merchant-return", Token: token, Code: "pending"}
	if c, ok := resp["ErrorCode"].(float64); ok {
		v.Code = fmt.Sprint(int(c))
	}
	v.Msg, _ = resp["ErrorMsg"].(string)
	if list, ok := resp["VerificationDetailList"].([]any); ok {
		v.Details = len(list)
	}
	m.render(w, http.StatusOK, v)
}

// merchantDetails returns how many VerificationDetailList entries a Get
// answer has.
func merchantDetails(resp map[string]any) int {
	list, _ := resp["VerificationDetailList"].([]any)
	return len(list)
}

// merchantHTTP is a user agent without JavaScript: it follows every
// redirect itself and submits the page's forms by their buttons, the way a
// browser with scripts disabled does.
type merchantHTTP struct {
	t      *testing.T
	client *http.Client
	URL    *url.URL // of the current page
	Status int
	Body   string
	// Hops are the URLs visited, with the status of each.
	Hops []string
}

func newMerchantHTTP(t *testing.T) *merchantHTTP {
	return &merchantHTTP{t: t, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends req and follows redirects (303 and 302 turn a POST into a GET,
// as browsers do), keeping the last page.
func (b *merchantHTTP) do(req *http.Request) {
	b.t.Helper()
	for range 10 {
		resp, err := b.client.Do(req)
		if err != nil {
			b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.Hops = append(b.Hops, fmt.Sprintf("%d %s %s", resp.StatusCode, req.Method, req.URL))
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			loc, err := req.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				b.t.Fatalf("bad Location %q: %v", resp.Header.Get("Location"), err)
			}
			req, _ = http.NewRequest(http.MethodGet, loc.String(), nil)
			continue
		}
		b.URL, b.Status, b.Body = req.URL, resp.StatusCode, string(body)
		return
	}
	b.t.Fatalf("too many redirects: %v", b.Hops)
}

func (b *merchantHTTP) get(u string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	b.do(req)
}

var (
	merchantFormRe   = regexp.MustCompile(`(?s)<form[^>]*>.*?</form>`)
	merchantActionRe = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	merchantInputRe  = regexp.MustCompile(`<input[^>]*>`)
	merchantAttrRe   = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
	merchantPageRe   = regexp.MustCompile(`<body data-page="([a-z-]+)"`)
)

func merchantAttrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range merchantAttrRe.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// press submits the form holding the button with data-testid id, with
// its hidden fields and the button's own name=value.
func (b *merchantHTTP) press(id string) {
	b.t.Helper()
	for _, form := range merchantFormRe.FindAllString(b.Body, -1) {
		i := strings.Index(form, `data-testid="`+id+`"`)
		if i < 0 {
			continue
		}
		start := strings.LastIndex(form[:i], "<")
		end := start + strings.Index(form[start:], ">")
		button := merchantAttrs(form[start:end])
		vals := url.Values{}
		for _, in := range merchantInputRe.FindAllString(form, -1) {
			if a := merchantAttrs(in); a["type"] == "hidden" {
				vals.Add(a["name"], a["value"])
			}
		}
		if button["name"] != "" {
			vals.Add(button["name"], button["value"])
		}
		action := ""
		if m := merchantActionRe.FindStringSubmatch(form); m != nil {
			action = html.UnescapeString(m[1])
		}
		target, err := b.URL.Parse(action)
		if err != nil {
			b.t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		b.do(req)
		return
	}
	b.t.Fatalf("no form with button %q on the page:\n%s", id, b.Body)
}

// follow opens the link with data-testid id.
func (b *merchantHTTP) follow(id string) {
	b.t.Helper()
	re := regexp.MustCompile(`<a[^>]*href="([^"]*)"[^>]*data-testid="` + regexp.QuoteMeta(id) + `"`)
	m := re.FindStringSubmatch(b.Body)
	if m == nil {
		b.t.Fatalf("no link %q on the page:\n%s", id, b.Body)
	}
	target, err := b.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		b.t.Fatal(err)
	}
	b.get(target.String())
}

// page is the data-page of the current page.
func (b *merchantHTTP) page() string {
	if m := merchantPageRe.FindStringSubmatch(b.Body); m != nil {
		return m[1]
	}
	return ""
}

func (b *merchantHTTP) text(id string) string {
	re := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`)
	if m := re.FindStringSubmatch(b.Body); m != nil {
		return html.UnescapeString(strings.TrimSpace(m[1]))
	}
	return ""
}

func (b *merchantHTTP) wantPage(name string) {
	b.t.Helper()
	if got := b.page(); got != name || b.Status != http.StatusOK {
		b.t.Fatalf("at %s: page %q (status %d), want %q; hops %v\n%.1500s", b.URL, got, b.Status, name, b.Hops, b.Body)
	}
}

// TestMerchantPlainHTTPFlow runs the whole merchant flow with a plain HTTP
// client (no JavaScript): merchant → Apply → every page of the emulator by
// form POST → back at the merchant → Get through the SDK.
func TestMerchantPlainHTTPFlow(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		m := newMerchant(t, tg, map[string]any{"Config": map[string]any{"CheckMode": 1, "IDCardType": "HKIDCard", "LivenessRetryLimit": 3}})
		m.ReturnPath = "/return?x=1#frag"
		b := newMerchantHTTP(t)
		b.get(m.URL() + "/")
		b.wantPage("merchant-home")
		b.press("verify")
		b.wantPage("start")
		token := m.LastToken()
		if want := tg.BaseURL + "/reflect/?token=" + token; b.URL.String() != want {
			t.Errorf("VerificationURL page at %s, want %s", b.URL, want)
		}
		b.press("start")
		b.wantPage("privacy")
		b.press("privacy-accept") // the button's agree=yes is the consent
		b.wantPage("document")
		if !strings.Contains(b.Body, "Hong Kong identity card") {
			t.Error("document step does not name the card")
		}
		b.press("continue")
		b.wantPage("verify")
		b.press("outcome-2016")
		b.wantPage("failed")
		b.press("retry")
		b.wantPage("verify")
		b.press("outcome-0")
		b.wantPage("result")
		if got := b.text("result-code"); got != "0" {
			t.Errorf("result-code %q", got)
		}
		b.follow("next")
		b.wantPage("merchant-return")
		if got, want := b.URL.String(), m.URL()+"/return?x=1&token="+token+"#frag"; got != want {
			t.Errorf("back at %s, want %s", got, want)
		}
		if b.text("merchant-token") != token || b.text("merchant-result") != "0" {
			t.Errorf("merchant shows token %q result %q", b.text("merchant-token"), b.text("merchant-result"))
		}
		res := m.Result(token)
		if n := merchantDetails(res); n != 2 {
			t.Errorf("VerificationDetailList has %d entries, want 2", n)
		}
		if res["OCRResult"] == nil {
			t.Error("CheckMode 1 result has no OCRResult")
		}

		// The page reopened: 14, with the link back.
		b.get(tg.BaseURL + "/reflect/?token=" + token)
		b.wantPage("completed")
		if got := b.text("result-code"); got != "14" {
			t.Errorf("reopened result-code %q", got)
		}
		b.follow("next")
		if b.text("merchant-result") != "0" {
			t.Errorf("merchant result after 14 page: %q", b.text("merchant-result"))
		}
	})
}

// TestMerchantShortcut: the outcome shortcut takes a plain HTTP client from
// the VerificationURL straight back to the merchant.
func TestMerchantShortcut(t *testing.T) {
	targets(t, func(t *testing.T, tg *target) {
		m := newMerchant(t, tg, nil)
		m.ReturnPath = "/return?shop=1"
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

		// The merchant's /verify answers with the VerificationURL.
		resp, err := c.Post(m.URL()+"/verify", "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		vurl := resp.Header.Get("Location")
		token := m.LastToken()
		if vurl != tg.BaseURL+"/reflect/?token="+token {
			t.Fatalf("verify redirected to %q", vurl)
		}

		resp, err = c.Get(vurl + "&outcome=1002")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := m.URL() + "/return?shop=1&token=" + token; resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Fatalf("shortcut: %d Location %q, want 302 %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}

		b := newMerchantHTTP(t)
		b.get(resp.Header.Get("Location"))
		b.wantPage("merchant-return")
		if b.text("merchant-result") != "1002" || b.text("merchant-token") != token {
			t.Errorf("merchant shows %q / %q", b.text("merchant-result"), b.text("merchant-token"))
		}
		if n := merchantDetails(m.Result(token)); n != 1 {
			t.Errorf("%d VerificationDetailList entries, want 1", n)
		}

		// Again on the completed session: nothing changes, the 14 page.
		b.get(vurl + "&outcome=0")
		b.wantPage("completed")
		if b.text("result-code") != "14" {
			t.Errorf("result-code %q", b.text("result-code"))
		}
		got, err := call(m.client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
		if err != nil || got["ErrorCode"] != float64(1002) {
			t.Errorf("result after a second shortcut: %v %v", got["ErrorCode"], err)
		}

		// Unknown code: 400.
		token2, vurl2 := apply(t, m.client, nil)
		r, err := http.Get(vurl2 + "&outcome=4242")
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("outcome=4242: status %d, want 400", r.StatusCode)
		}
		pending, _ := call(m.client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token2})
		if pending["ErrorCode"] != nil {
			t.Errorf("a refused shortcut completed the session: %v", pending["ErrorCode"])
		}
	})
}
