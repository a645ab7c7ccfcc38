package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

func TestRedirectTarget(t *testing.T) {
	const tok = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
	for _, tc := range []struct {
		in, want string
	}{
		{"https://www.tencentcloud.com/products/faceid", "https://www.tencentcloud.com/products/faceid?token=" + tok},
		{"https://m.example/return?x=1", "https://m.example/return?x=1&token=" + tok},
		{"https://m.example/return?x=1#frag", "https://m.example/return?x=1&token=" + tok + "#frag"},
		{"https://m.example/return#frag", "https://m.example/return?token=" + tok + "#frag"},
		{"https://m.example/return#a?b=c", "https://m.example/return?token=" + tok + "#a?b=c"},
		{"https://m.example/return?", "https://m.example/return?token=" + tok},
		{"https://m.example/return?x=1&", "https://m.example/return?x=1&token=" + tok},
		{"https://m.example/return?token=old", "https://m.example/return?token=old&token=" + tok},
		{"http://127.0.0.1:8080/a/b?x=%20y&z", "http://127.0.0.1:8080/a/b?x=%20y&z&token=" + tok},
		{"HTTPS://M.example/x", "HTTPS://M.example/x?token=" + tok},
		{"https://m.example", "https://m.example?token=" + tok},
		{"https://m.example/#", "https://m.example/?token=" + tok + "#"},
	} {
		got, ok := redirectTarget(tc.in, tok)
		if !ok || got != tc.want {
			t.Errorf("redirectTarget(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "/relative/path", "javascript:alert(1)", "data:text/html,x", "ftp://m.example/x", "https://", "mailto:a@b.c", "https:opaque"} {
		if got, ok := redirectTarget(bad, tok); ok {
			t.Errorf("redirectTarget(%q) = %q, accepted", bad, got)
		}
	}
}

func TestCSPOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://m.example/return?x=1#f":   "https://m.example",
		"http://127.0.0.1:8080/cb":         "http://127.0.0.1:8080",
		"HTTPS://Shop.Example:8443/a":      "https://shop.example:8443",
		"https://[::1]:8080/cb":            "",
		"https://user:pw@m.example/cb":     "https://m.example",
		"javascript:alert(1)":              "",
		"https://m.example;script-src/x":   "",
		"https://m_example.test/underscor": "",
	} {
		if got := cspOrigin(in); got != want {
			t.Errorf("cspOrigin(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDefaultFlowWithoutJS walks the default Config page by page with plain
// HTTP: start, privacy (refused, then accepted), verify, a failure, retry,
// pass, result, and the page reopened (14).
func TestDefaultFlowWithoutJS(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withRedirect("https://merchant.example/return?x=1#frag"))

	r := e.open(tok)
	wantPage(t, r, "start")
	if !hasTestid(r.Body, "start") || !strings.Contains(r.Body, "Step 1 of 3") {
		t.Fatalf("start page lacks the start button or progress:\n%s", r.Body)
	}
	if !e.view(tok).Session.PageOpened {
		t.Error("opening the page did not record page-opened")
	}

	r = e.post(tok, "start")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=privacy")
	r = e.follow(r)
	wantPage(t, r, "privacy")
	for _, want := range []string{`type="checkbox" id="agree" name="agree" value="yes" required`, `<label for="agree">`, `data-testid="privacy-accept"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("privacy page lacks %s", want)
		}
	}

	// Submitting without the checkbox (no browser validation) is refused.
	r = e.follow(e.post(tok, "privacy"))
	wantPage(t, r, "privacy")
	if !strings.Contains(r.Body, `role="alert"`) || !strings.Contains(r.Body, "Please accept the privacy agreement") {
		t.Errorf("refused privacy page shows no error")
	}

	r = e.post(tok, "privacy", "agree", "yes")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=verify")
	r = e.follow(r)
	wantPage(t, r, "verify")
	for _, code := range []int{0, 1001, 1002, 1004, 1005, 202, 1201, 2015, 2016, 2012, 1410, 1409} {
		if !hasTestid(r.Body, fmt.Sprintf("outcome-%d", code)) {
			t.Errorf("verify page lacks outcome-%d", code)
		}
	}
	for _, code := range []int{1003, 1101, 1301, 2001, 16, 4} {
		if !strings.Contains(r.Body, fmt.Sprintf(`<option value="%d" lang="en">`, code)) {
			t.Errorf("the other-code select lacks %d", code)
		}
	}
	for _, want := range []string{"Light liveness", "45 seconds", "With the merchant&#39;s photo", "Attempts left"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("verify page lacks %q", want)
		}
	}
	if !strings.Contains(r.Body, `id="camera" class="camera" hidden`) {
		t.Error("the camera preview must be hidden without JavaScript")
	}

	// A failure with attempts left: the failure and a retry.
	r = e.post(tok, "verify", "code", "1002")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=failed")
	r = e.follow(r)
	wantPage(t, r, "failed")
	if code, _ := testidText(r.Body, "attempt-code"); code != "1002" || !hasTestid(r.Body, "retry") {
		t.Fatalf("failed page: attempt-code %q, retry %v", code, hasTestid(r.Body, "retry"))
	}
	if !strings.Contains(r.Body, "Attempts left: 98") {
		t.Error("failed page does not count the attempts left")
	}
	// Reopening the link while a retry is due shows the failure again.
	wantPage(t, e.open(tok), "failed")

	r = e.post(tok, "failed", "action", "retry")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=verify")
	wantPage(t, e.follow(r), "verify")

	r = e.post(tok, "verify", "code", "0")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=result")
	r = e.follow(r)
	wantPage(t, r, "result")
	wantCode(t, r, "0")
	if got, want := hrefOf(r.Body, "next"), "https://merchant.example/return?x=1&token="+tok+"#frag"; got != want {
		t.Errorf("next href = %q, want %q", got, want)
	}
	v := e.view(tok)
	if v.Status != faceid.StatusCompleted || v.Web.Result.ErrorCode != 0 || len(v.Web.Attempts) != 2 {
		t.Errorf("session: status %s, result %+v, %d attempts", v.Status, v.Web.Result, len(v.Web.Attempts))
	}

	// Reopened: verification has been completed (14), link back.
	r = e.open(tok)
	wantPage(t, r, "completed")
	wantCode(t, r, "14")
	if hrefOf(r.Body, "next") == "" {
		t.Error("the completed page has no link back to the merchant")
	}
	// A late form submission changes nothing.
	r = e.post(tok, "verify", "code", "1005")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=result")
	if v := e.view(tok); v.Web.Result.ErrorCode != 0 || len(v.Web.Attempts) != 2 {
		t.Errorf("late submission changed the session: %+v", v.Web.Result)
	}
}

func TestOtherCodeSelect(t *testing.T) {
	e := newEnv(t)
	tok := e.session()
	r := e.post(tok, "verify", "code", "other", "other", "1003")
	r = e.follow(r)
	wantPage(t, r, "failed")
	if code, _ := testidText(r.Body, "attempt-code"); code != "1003" {
		t.Errorf("attempt-code %q, want 1003", code)
	}
	r = e.post(tok, "verify", "code", "other", "other", "4")
	wantPage(t, e.follow(r), "result")
	if v := e.view(tok); v.Web.Result.ErrorCode != 4 {
		t.Errorf("result %d, want 4", v.Web.Result.ErrorCode)
	}
	// Garbage and unknown codes are refused.
	tok = e.session()
	if r := e.post(tok, "verify", "code", "abc"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("code abc: status %d, want 400", r.StatusCode)
	}
	if r := e.post(tok, "verify", "code", "99999"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("code 99999: status %d, want 400", r.StatusCode)
	}
}

func TestAutoSkip(t *testing.T) {
	e := newEnv(t)
	auto := withConfig(func(c *faceid.WebConfig) { c.AutoSkip = true })
	tok := e.session(auto, withRedirect("https://merchant.example/done?a=b"))
	r := e.post(tok, "verify", "code", "0")
	wantLocation(t, r, http.StatusFound, "https://merchant.example/done?a=b&token="+tok)

	// A failure still shows the result page.
	tok = e.session(auto, withConfig(func(c *faceid.WebConfig) { c.LivenessRetryLimit = 1 }))
	r = e.post(tok, "verify", "code", "1002")
	wantLocation(t, r, http.StatusSeeOther, "./?token="+tok+"&step=result")
	r = e.follow(r)
	wantCode(t, r, "16")

	// An auto-completing passing scenario redirects from the GET itself.
	tok = e.session(auto, scripted("pass-0"))
	wantLocation(t, e.open(tok), http.StatusFound, "https://merchant.example/return?token="+tok)
}

func TestSkipStartAndPrivacy(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withConfig(func(c *faceid.WebConfig) { c.AutoSkipStartPage, c.SkipPrivacyPolicy = true, true }))
	r := e.open(tok)
	wantPage(t, r, "verify")
	if strings.Contains(r.Body, `class="progress"`) {
		t.Error("a one-step flow shows a progress line")
	}
	// A stale step in the query is navigation only: it falls back.
	wantPage(t, e.open(tok, "step", "privacy"), "verify")
	wantPage(t, e.open(tok, "step", "nonsense"), "verify")
}

func TestRetriesExhausted(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withConfig(func(c *faceid.WebConfig) { c.LivenessRetryLimit = 2 }))
	wantPage(t, e.follow(e.post(tok, "verify", "code", "1002")), "failed")
	r := e.follow(e.post(tok, "verify", "code", "1005"))
	wantPage(t, r, "result")
	wantCode(t, r, "16")
	if n := len(e.view(tok).Web.Attempts); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestExitFromFailedPage(t *testing.T) {
	e := newEnv(t)
	tok := e.session()
	r := e.follow(e.post(tok, "verify", "code", "1201"))
	if !hasTestid(r.Body, "outcome-1410") {
		t.Fatal("the failed page has no exit button")
	}
	r = e.follow(e.post(tok, "failed", "code", "1410"))
	wantCode(t, r, "1410")
}

func TestDocumentStep(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withConfig(func(c *faceid.WebConfig) { c.CheckMode, c.IDCardType, c.SkipPrivacyPolicy = 1, "HKIDCard", true }))
	r := e.follow(e.post(tok, "start"))
	wantPage(t, r, "document")
	if !strings.Contains(r.Body, "Hong Kong identity card") || !hasTestid(r.Body, "continue") {
		t.Fatalf("document page does not name the card or lacks continue:\n%s", r.Body)
	}
	r = e.follow(e.post(tok, "document"))
	wantPage(t, r, "verify")
	if !strings.Contains(r.Body, "With your document photo") {
		t.Error("CheckMode 1 verify page does not say it compares with the document")
	}

	// CheckMode 4: OCR only, no liveness choices, no attempt recorded.
	tok = e.session(withConfig(func(c *faceid.WebConfig) { c.CheckMode, c.IDCardType = 4, "MLIDCard" }))
	r = e.open(tok, "step", "verify")
	wantPage(t, r, "verify")
	if !strings.Contains(r.Body, "Document check") || hasTestid(r.Body, "outcome-1002") || hasTestid(r.Body, "outcome-2016") || !hasTestid(r.Body, "outcome-0") {
		t.Fatalf("OCR-only verify page:\n%s", r.Body)
	}
	wantCode(t, e.follow(e.post(tok, "verify", "code", "0")), "0")
	if n := len(e.view(tok).Web.Attempts); n != 0 {
		t.Errorf("OCR only recorded %d liveness attempts", n)
	}

	// CheckMode 3: liveness only, no comparison failures offered.
	tok = e.session(withConfig(func(c *faceid.WebConfig) { c.CheckMode = 3 }))
	r = e.open(tok, "step", "verify")
	if hasTestid(r.Body, "outcome-2016") || strings.Contains(r.Body, `<option value="2001" lang="en">`) || !hasTestid(r.Body, "outcome-1002") {
		t.Error("CheckMode 3 offers comparison outcomes")
	}
}

func TestLivenessDescription(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withConfig(func(c *faceid.WebConfig) {
		c.SecurityLevel, c.ActionList, c.LivenessTimeout, c.LivenessRetryLimit = 4, "blink,mouth", 120, 3
	}))
	r := e.open(tok, "step", "verify")
	for _, want := range []string{"Action and light liveness", "Blink, Open your mouth", "120 seconds", "<dd>3</dd>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("verify page lacks %q", want)
		}
	}
	tok = e.session(withConfig(func(c *faceid.WebConfig) { c.SecurityLevel, c.LivenessTimeout = 1, 0 }))
	r = e.open(tok, "step", "verify")
	for _, want := range []string{"Silent liveness", "<dd>None</dd>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("verify page lacks %q", want)
		}
	}
}

func TestScriptedSessions(t *testing.T) {
	e := newEnv(t)

	// Completion auto: opening the page plays the scenario.
	tok := e.session(scripted("retry-then-pass"))
	r := e.open(tok)
	wantPage(t, r, "result")
	wantCode(t, r, "0")
	if v := e.view(tok); len(v.Web.Attempts) != 2 || v.Web.Attempts[0].ErrorCode != 1002 {
		t.Errorf("retry-then-pass attempts: %+v", v.Web.Attempts)
	}
	wantCode(t, e.open(tok), "14")

	// A manual scenario set through the control API: continue plays the
	// next scripted attempt; a failure offers a retry but no exit.
	tok = e.session()
	sc := &scenarios.Scenario{Name: "two-tries", Attempts: []scenarios.Attempt{{Liveness: 1002}, {Liveness: 0}}}
	if _, err := e.svc.SetScenario(tok, sc); err != nil {
		t.Fatal(err)
	}
	r = e.open(tok, "step", "verify")
	wantPage(t, r, "verify")
	if !hasTestid(r.Body, "continue") || hasTestid(r.Body, "outcome-0") || !strings.Contains(r.Body, "two-tries") {
		t.Fatalf("scripted verify page:\n%s", r.Body)
	}
	// A code posted by hand does not override the script.
	r = e.follow(e.post(tok, "verify", "code", "0"))
	wantPage(t, r, "failed")
	if hasTestid(r.Body, "outcome-1410") {
		t.Error("scripted failed page offers an exit")
	}
	r = e.follow(e.post(tok, "failed", "action", "retry"))
	wantPage(t, r, "verify")
	r = e.follow(e.post(tok, "verify", "code", "script"))
	wantCode(t, r, "0")
	if n := len(e.view(tok).Web.Attempts); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestHeadChangesNothing(t *testing.T) {
	e := newEnv(t)
	tok := e.session(scripted("retry-then-pass"))
	req, _ := http.NewRequest(http.MethodHead, e.srv.URL+"/reflect/?token="+tok+"&outcome=0", nil)
	r := e.do(req)
	if r.StatusCode != http.StatusOK || r.Body != "" {
		t.Errorf("HEAD: status %d, body %q", r.StatusCode, r.Body)
	}
	if v := e.view(tok); v.Status != faceid.StatusPending || v.Session.PageOpened {
		t.Errorf("HEAD changed the session: %s, opened %v", v.Status, v.Session.PageOpened)
	}
}

func TestStatePages(t *testing.T) {
	e := newEnv(t)

	t.Run("unknown token", func(t *testing.T) {
		r := e.open("00000000-0000-0000-0000-000000000000")
		if r.StatusCode != http.StatusNotFound || pageName(r.Body) != "error" || !strings.Contains(r.Body, "Verification not found") {
			t.Errorf("status %d, page %q", r.StatusCode, pageName(r.Body))
		}
		if r.Header.Get("Content-Security-Policy") == "" {
			t.Error("error page without CSP")
		}
		if r := e.post("00000000-0000-0000-0000-000000000000", "verify", "code", "0"); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST unknown token: %d", r.StatusCode)
		}
	})
	t.Run("missing token", func(t *testing.T) {
		if r := e.get("/reflect/"); r.StatusCode != http.StatusBadRequest || pageName(r.Body) != "error" {
			t.Errorf("status %d", r.StatusCode)
		}
	})
	t.Run("expired", func(t *testing.T) {
		tok := e.session()
		e.clk.Advance(faceid.LinkLifetime + time.Minute)
		defer e.clk.Reset()
		r := e.open(tok)
		wantPage(t, r, "expired")
		wantCode(t, r, "15")
		if !strings.Contains(r.Body, "Link expired") || hrefOf(r.Body, "next") == "" {
			t.Error("expired page: title or link missing")
		}
		// Any step shows the same.
		wantPage(t, e.open(tok, "step", "result"), "expired")
		wantPage(t, e.follow(e.post(tok, "verify", "code", "0")), "expired")
	})
	t.Run("completed", func(t *testing.T) {
		tok := e.session()
		if _, err := e.svc.Complete(tok, faceid.CompleteRequest{ErrorCode: new(1002)}); err != nil {
			t.Fatal(err)
		}
		r := e.open(tok)
		wantPage(t, r, "completed")
		wantCode(t, r, "14")
		if !strings.Contains(r.Body, "Verification has been completed") {
			t.Error("completed page text")
		}
		// The result view still shows the real result.
		wantCode(t, e.open(tok, "step", "result"), "1002")
	})
	t.Run("not found paths and methods", func(t *testing.T) {
		if r := e.get("/reflect/nope"); r.StatusCode != http.StatusNotFound {
			t.Errorf("/reflect/nope: %d", r.StatusCode)
		}
		if r := e.get("/reflect/step"); r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
			t.Errorf("GET /reflect/step: %d", r.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/reflect/", nil)
		if r := e.do(req); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST /reflect/: %d", r.StatusCode)
		}
		wantLocation(t, e.get("/reflect?token=ABC"), http.StatusMovedPermanently, "reflect/?token=ABC")
	})
	t.Run("cross-site post", func(t *testing.T) {
		tok := e.session()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/reflect/step", strings.NewReader("token="+tok+"&step=verify&code=0"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := e.do(req); r.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", r.StatusCode)
		}
		if e.view(tok).Status != faceid.StatusPending {
			t.Error("a cross-site post completed the session")
		}
	})
}

// TestOutcomeShortcut pins the contract: GET /reflect/?token=T&outcome=N.
func TestOutcomeShortcut(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withRedirect("https://merchant.example/return?x=1#frag"))
	wantLocation(t, e.open(tok, "outcome", "1002"), http.StatusFound, "https://merchant.example/return?x=1&token="+tok+"#frag")
	v := e.view(tok)
	if v.Status != faceid.StatusCompleted || v.Web.Result.ErrorCode != 1002 || len(v.Web.Attempts) != 1 {
		t.Fatalf("after the shortcut: %s %+v, %d attempts", v.Status, v.Web.Result, len(v.Web.Attempts))
	}

	// Completed: nothing changes, the 14 page answers 200.
	r := e.open(tok, "outcome", "0")
	wantPage(t, r, "completed")
	wantCode(t, r, "14")
	if v := e.view(tok); v.Web.Result.ErrorCode != 1002 || len(v.Web.Attempts) != 1 {
		t.Errorf("the shortcut changed a completed session: %+v", v.Web.Result)
	}

	// A pass goes to the merchant whatever AutoSkip says.
	tok = e.session(withConfig(func(c *faceid.WebConfig) { c.AutoSkip = false }))
	wantLocation(t, e.open(tok, "outcome", "0"), http.StatusFound, "https://merchant.example/return?token="+tok)

	// Unknown and malformed codes: 400; unknown token: 404.
	tok = e.session()
	for _, bad := range []string{"99999", "abc", "", "1.5"} {
		r := e.open(tok, "outcome", bad)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "Unknown result code") {
			t.Errorf("outcome=%q: status %d", bad, r.StatusCode)
		}
	}
	if e.view(tok).Status != faceid.StatusPending {
		t.Error("a refused shortcut completed the session")
	}
	if r := e.open("00000000-0000-0000-0000-000000000000", "outcome", "0"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: %d", r.StatusCode)
	}

	// Expired: the 15 page.
	tok = e.session()
	e.clk.Advance(faceid.LinkLifetime + time.Minute)
	defer e.clk.Reset()
	r = e.open(tok, "outcome", "0")
	wantPage(t, r, "expired")
	wantCode(t, r, "15")
}

// TestEscaping: merchant-supplied values cannot inject markup; RedirectURL
// appears only as an href built from the validated URL.
func TestEscaping(t *testing.T) {
	e := newEnv(t)
	evil := `"><script>alert(1)</script>'`
	tok := e.session(
		withRedirect(`https://merchant.example/cb?q="><script>alert(1)</script>&s='x'#"><img src=x onerror=alert(2)>`),
		func(s *store.Session) { webData(s).Extra = &evil },
		withConfig(func(c *faceid.WebConfig) {
			c.ThemeColor = `#fff;}</style><script>alert(3)</script>`
			c.Language = `"><script>alert(4)</script>`
		}),
	)
	var bodies []string
	for _, r := range []response{e.open(tok), e.open(tok, "step", "verify")} {
		wantPage(t, r, pageName(r.Body))
		bodies = append(bodies, r.Body)
	}
	r := e.follow(e.post(tok, "verify", "code", "1002"))
	bodies = append(bodies, r.Body)
	if _, err := e.svc.Attempt(tok, new(0)); err != nil {
		t.Fatal(err)
	}
	r = e.open(tok, "step", "result")
	bodies = append(bodies, r.Body, e.open(tok).Body)

	// A scenario name (from a control API inline scenario) is escaped too.
	tok2 := e.session()
	if _, err := e.svc.SetScenario(tok2, &scenarios.Scenario{Name: `<script>alert(5)</script>`}); err != nil {
		t.Fatal(err)
	}
	bodies = append(bodies, e.open(tok2, "step", "verify").Body)

	for i, b := range bodies {
		if strings.Contains(b, "<script>alert") || strings.Contains(b, "<img src=x") || strings.Contains(b, "</style>") {
			t.Errorf("page %d carries unescaped merchant input:\n%s", i, b)
		}
		if strings.Contains(b, "order-") || strings.Contains(b, "alert(1)</script>'") {
			t.Errorf("page %d shows Extra", i)
		}
	}
	res := bodies[3]
	wantCode(t, response{Body: res}, "0")
	next := hrefOf(res, "next")
	if want := `https://merchant.example/cb?q="><script>alert(1)</script>&s='x'&token=` + tok + `#"><img src=x onerror=alert(2)>`; next != want {
		// html/template normalises the URL (percent-encodes what must be);
		// it must still be the stored URL with the token.
		if !strings.HasPrefix(next, "https://merchant.example/cb?q=") || !strings.Contains(next, "token="+tok) {
			t.Errorf("next href = %q", next)
		}
	}
	if !strings.Contains(bodies[5], "&lt;script&gt;alert(5)&lt;/script&gt;") {
		t.Error("scenario name not shown escaped")
	}
	// Invalid Language and ThemeColor fall back to en and the default theme.
	if !strings.Contains(bodies[0], `<html lang="en">`) || !strings.Contains(bodies[0], "assets/theme-2d72f1.css") {
		t.Error("invalid Language/ThemeColor did not fall back")
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	tok := e.session(withRedirect("https://shop.example:8443/cb?x=1"))
	for _, r := range []response{e.open(tok), e.open("nope"), e.open(tok, "step", "verify")} {
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "style-src 'self'", "img-src 'self' data:", "script-src 'self'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("CSP %q lacks %q", csp, d)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("headers: %v", h)
		}
		if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	if csp := e.open(tok).Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://shop.example:8443;") {
		t.Errorf("CSP form-action does not allow the RedirectURL origin: %q", csp)
	}
	if csp := e.open("nope").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
		t.Errorf("error page CSP form-action: %q", csp)
	}
}

func TestAssets(t *testing.T) {
	e := newEnv(t)
	page := e.open(e.session(withConfig(func(c *faceid.WebConfig) { c.ThemeColor = "#0b6e4f" }))).Body
	refs := regexp.MustCompile(`(?:href|src)="(assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 3 {
		t.Fatalf("page references %d assets, want 3: %v", len(refs), refs)
	}
	for _, m := range refs {
		r := e.get("/reflect/" + htmlUnescape(m[1]))
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", m[1], r.StatusCode)
			continue
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") {
			t.Errorf("%s: headers %v", m[1], r.Header)
		}
		ct := r.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "text/css") && !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: Content-Type %q", m[1], ct)
		}
		if len(r.Body) > maxPageSize {
			t.Errorf("%s is %d bytes", m[1], len(r.Body))
		}
	}
	if r := e.get("/reflect/assets/theme-0b6e4f.css"); !strings.Contains(r.Body, "--brand:#0b6e4f;--on-brand:#ffffff") {
		t.Errorf("theme stylesheet: %q", r.Body)
	}
	for _, bad := range []string{"theme-0B6E4F.css", "theme-xyz.css", "theme-0b6e4f.js", "nope.css", "../web.go"} {
		if r := e.get("/reflect/assets/" + bad); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", bad, r.StatusCode)
		}
	}
}

func TestTheme(t *testing.T) {
	for _, tc := range []struct{ colour, onBrand string }{
		{"#0b6e4f", "#ffffff"},
		{"#000000", "#ffffff"},
		{"#ffeb3b", "#111111"},
		{"#2d72f1", "#000000"}, // white on the default blue is 4.4:1, #111 4.3:1
		{"#ffffff", "#111111"},
	} {
		th := newTheme(tc.colour)
		if th.OnBrand.String() != tc.onBrand {
			t.Errorf("%s: text colour %s, want %s", tc.colour, th.OnBrand, tc.onBrand)
		}
	}
	// Every colour: readable button text and accent text, visible edges.
	for r := 0; r < 256; r += 15 {
		for g := 0; g < 256; g += 15 {
			for b := 0; b < 256; b += 15 {
				c := rgb{uint8(r), uint8(g), uint8(b)}
				th := newTheme(c.String())
				if th.Brand != c {
					t.Fatalf("%s: brand changed to %s", c, th.Brand)
				}
				if x := contrast(th.Brand, th.OnBrand); x < minTextContrast {
					t.Fatalf("%s: button text contrast %.2f", c, x)
				}
				if x := contrast(th.Accent, pageBG); x < minTextContrast {
					t.Fatalf("%s: accent contrast %.2f on the page", c, x)
				}
				if x := contrast(th.Accent, white); x < minTextContrast {
					t.Fatalf("%s: accent contrast %.2f on white", c, x)
				}
				if x := contrast(th.Accent, th.Soft); x < minTextContrast {
					t.Fatalf("%s: accent contrast %.2f on the soft panel", c, x)
				}
				if x := contrast(rgb{0x4a, 0x52, 0x5d}, th.Soft); x < minTextContrast {
					t.Fatalf("%s: note text contrast %.2f on the soft panel", c, x)
				}
				if x := contrast(th.Edge, pageBG); x < minEdgeContrast {
					t.Fatalf("%s: edge contrast %.2f", c, x)
				}
			}
		}
	}
	if got := themeKey("not a colour"); got != "2d72f1" {
		t.Errorf("themeKey fallback %q", got)
	}
}

func TestTranslationsComplete(t *testing.T) {
	tr := testTranslations(t)
	if len(tr) != len(languages) {
		t.Errorf("i18n.json has %d languages, want %d", len(tr), len(languages))
	}
	placeholders := regexp.MustCompile(`\{\d\}`)
	en := tr[fallbackLanguage]
	for _, l := range languages {
		for key, text := range en {
			got, ok := tr[l.Code][key]
			if !ok || got == "" {
				t.Errorf("%s: key %q missing", l.Code, key)
				continue
			}
			if a, b := placeholders.FindAllString(text, -1), placeholders.FindAllString(got, -1); strings.Join(a, "") != strings.Join(b, "") {
				t.Errorf("%s: %q has placeholders %v, English %v", l.Code, key, b, a)
			}
			if l.Code != fallbackLanguage && got == text && !untranslatable[key] {
				t.Errorf("%s: %q is the English text %q", l.Code, key, text)
			}
		}
		for key := range tr[l.Code] {
			if _, ok := en[key]; !ok {
				t.Errorf("%s: key %q not in English", l.Code, key)
			}
		}
	}
	// Keys built from data: every document type, category, mode, action
	// and featured code.
	var need []string
	for _, c := range []string{"HKIDCard", "MLIDCard", "IndonesiaIDCard", "PhilippinesVoteID", "PhilippinesDrivingLicense",
		"PhilippinesTinID", "PhilippinesSSSID", "PhilippinesUMID", "InternationalIDPassport", "ThailandIDCard",
		"SingaporeIDCard", "MainlandIDCard"} {
		need = append(need, "card."+c)
	}
	for _, r := range catalog.Results() {
		need = append(need, "cat."+r.Category)
	}
	for code := range featuredCodes() {
		need = append(need, fmt.Sprintf("code.%d", code))
	}
	for _, k := range []string{"mode.1", "mode.2", "mode.3", "mode.4", "action.blink", "action.mouth", "action.nod", "action.shake"} {
		need = append(need, k)
	}
	for _, k := range need {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
}

// untranslatable keys may equal the English text.
var untranslatable = map[string]bool{"list.sep": true, "app.badge": true, "sim.token": true, "sim.status": true}

// TestEveryPageEveryLanguage renders every page in every language with a
// strict translation lookup, checks <html lang>, the page budget and that
// no page carries inline script or style.
func TestEveryPageEveryLanguage(t *testing.T) {
	var missing []string
	reportMissing = func(lang, key string) { missing = append(missing, lang+":"+key) }
	defer func() { reportMissing = func(string, string) {} }()

	e := newEnv(t)
	for _, l := range languages {
		lang := withConfig(func(c *faceid.WebConfig) {
			c.Language, c.CheckMode, c.IDCardType, c.SecurityLevel, c.ActionList = l.Code, 1, "PhilippinesUMID", 4, "nod,shake"
		})
		tok := e.session(lang)
		pages := []response{e.open(tok), e.open(tok, "step", "privacy"), e.open(tok, "step", "privacy", "error", "agree"),
			e.open(tok, "step", "document"), e.open(tok, "step", "verify")}
		pages = append(pages, e.follow(e.post(tok, "verify", "code", "1002")))
		pages = append(pages, e.follow(e.post(tok, "verify", "code", "0")), e.open(tok))
		ocr := e.session(lang, withConfig(func(c *faceid.WebConfig) { c.CheckMode, c.SecurityLevel, c.ActionList = 4, 3, "" }))
		pages = append(pages, e.open(ocr, "step", "verify"))
		scr := e.session(lang)
		if _, err := e.svc.SetScenario(scr, &scenarios.Scenario{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, e.open(scr, "step", "verify"))
		exp := e.session(lang, func(s *store.Session) { s.CreatedAt = s.CreatedAt.Add(-time.Hour) })
		pages = append(pages, e.open(exp))
		names := map[string]bool{}
		for _, r := range pages {
			wantPage(t, r, pageName(r.Body))
			names[pageName(r.Body)] = true
			if want := `<html lang="` + l.Tag + `">`; !strings.Contains(r.Body, want) {
				t.Errorf("%s: %s page lacks %s", l.Code, pageName(r.Body), want)
			}
		}
		if len(names) != 8 {
			t.Errorf("%s: rendered pages %v", l.Code, names)
		}
	}
	// Error pages (English) too.
	e.open("nope")
	e.get("/reflect/")
	e.open("nope", "outcome", "x")
	if len(missing) > 0 {
		t.Errorf("missing translations: %v", missing)
	}

	// Translated text shows up (zh-cn).
	zh := e.session(withConfig(func(c *faceid.WebConfig) { c.Language = "zh-cn" }))
	if r := e.open(zh); !strings.Contains(r.Body, "开始验证") || !strings.Contains(r.Body, "验证您的身份") {
		t.Errorf("zh-cn start page not translated:\n%s", r.Body)
	}

	inline := regexp.MustCompile(`(?i)<style|\sstyle=|<script>|<script [^>]*>[^<]|\son[a-z]+=|javascript:`)
	n := 0
	pagesSeen.Range(func(k, v any) bool {
		n++
		body := v.(string)
		if len(body) > maxPageSize {
			t.Errorf("%s: %d bytes, over the %d budget", k, len(body), maxPageSize)
		}
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s: inline code %q", k, m)
		}
		return true
	})
	if n < 50 {
		t.Errorf("only %d pages checked", n)
	}
}
