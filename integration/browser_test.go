package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// browserScreenshots is where the browser tests write a PNG of every page
// they pass through (integration/artifacts is git-ignored; CI uploads it).
const browserScreenshots = "artifacts/screenshots"

// viewport is the size a tab emulates.
type viewport struct {
	width, height int64
	mobile        bool // touch, mobile user agent metrics
}

// Viewports of the tests: an iPhone 12-14 (the page is mobile first) and a
// laptop.
var (
	phoneViewport   = viewport{390, 844, true}
	desktopViewport = viewport{1280, 900, false}
)

// browserExecPath finds Chromium: $CHROME_PATH, else /usr/bin/chromium.
// Without it the test skips on a laptop and fails in CI (CI=true), where
// the browser is part of the job.
func browserExecPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROME_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		unavailable(t, "Chromium not found at "+path+": install it (apt-get install chromium) or set CHROME_PATH to run the browser tests")
	}
	return path
}

// newBrowser starts one headless Chromium for a test; subtests open a tab
// each. It stops when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browserExecPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// Start the browser without a timeout: a timeout here would end it.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if err := os.MkdirAll(browserScreenshots, 0o755); err != nil {
		t.Fatal(err)
	}
	return bctx
}

// browserTab is one tab of the shared browser, driving one flow (the
// verification page or the dashboard). Its console is checked when the
// test ends.
type browserTab struct {
	t    *testing.T
	ctx  context.Context
	name string // prefix of the screenshots
	shot int

	// allowHTTPErrors accepts "Failed to load resource" console errors
	// (pages answered 4xx on purpose).
	allowHTTPErrors bool

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newTab opens a phone-sized tab.
func newTab(t *testing.T, browser context.Context, name string) *browserTab {
	t.Helper()
	return openTab(t, browser, name, phoneViewport)
}

func openTab(t *testing.T, browser context.Context, name string, vp viewport) *browserTab {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	b := &browserTab{t: t, ctx: ctx, name: name}
	emulate := chromedp.EmulateViewport(vp.width, vp.height)
	if vp.mobile {
		emulate = chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, emulate); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(b.checkConsole)
	return b
}

// checkConsole fails on any error in the console: a CSP violation, a
// failed asset, an exception in the page's script.
func (b *browserTab) checkConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if b.allowHTTPErrors && strings.HasPrefix(m.Text, "Failed to load resource: the server responded with a status of 4") {
			continue
		}
		if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			b.t.Errorf("console %s (%s %s)", m, m.Source, m.URL)
		}
	}
}

func (b *browserTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (at %s)\n%.3000s", what, err, b.location(), b.html("body"))
	}
}

// html is the outer HTML of the first element matching css, for failure
// messages.
func (b *browserTab) html(css string) string {
	s, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS(css)))
	return s
}

// waitFor polls a JavaScript predicate every 100 ms.
func (b *browserTab) waitFor(what, predicate string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		b.t.Fatalf("waiting for %s: %v\n%.4000s", what, err, b.html("main"))
	}
}

func (b *browserTab) open(u string) { b.t.Helper(); b.do("open "+u, chromedp.Navigate(u)) }

// waitPage waits for the page whose <body data-page> is name and takes its
// screenshot.
func (b *browserTab) waitPage(name string) {
	b.t.Helper()
	sel := chromedp.CSS(`body[data-page="` + name + `"]`)
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(sel)); err != nil {
		b.t.Fatalf("waiting for page %q: %v (at %s)\n%.2000s", name, err, b.location(), b.html("body"))
	}
	b.screenshot(name)
}

// click presses the element with data-testid id.
func (b *browserTab) click(id string) {
	b.t.Helper()
	b.do("click "+id, chromedp.Click(chromedp.CSS(`[data-testid="`+id+`"]`)))
}

// text is the text of the element with data-testid id.
func (b *browserTab) text(id string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`[data-testid="`+id+`"]`)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", id, err)
	}
	return strings.TrimSpace(s)
}

func (b *browserTab) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (b *browserTab) location() string {
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	return loc
}

// screenshot writes the whole page as artifacts/screenshots/<flow>-NN-<page>.png.
func (b *browserTab) screenshot(page string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot of %s: %v", page, err)
		return
	}
	b.shot++
	file := filepath.Join(browserScreenshots, fmt.Sprintf("%s-%02d-%s.png", b.name, b.shot, page))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("writing %s: %v", file, err)
	}
}

// startAtMerchant opens the merchant's home page and presses verify.
func (b *browserTab) startAtMerchant(m *merchant) {
	b.t.Helper()
	b.open(m.URL() + "/")
	b.waitPage("merchant-home")
	b.click("verify")
}

// backAtMerchant asserts the browser landed on the merchant's return page
// with the session's token and that the merchant read code through the SDK.
func (b *browserTab) backAtMerchant(m *merchant, code string) map[string]any {
	b.t.Helper()
	b.waitPage("merchant-return")
	token := m.LastToken()
	if got, want := b.location(), m.ReturnURL(token); got != want {
		b.t.Errorf("landed on %s, want %s", got, want)
	}
	if got := b.text("merchant-token"); got != token {
		b.t.Errorf("merchant-token %q, want %q", got, token)
	}
	if got := b.text("merchant-result"); got != code {
		b.t.Errorf("merchant-result %q, want %s", got, code)
	}
	return m.Result(token)
}

// expectResult asserts the emulator's result page shows code.
func (b *browserTab) expectResult(code string) {
	b.t.Helper()
	if got := b.text("result-code"); got != code {
		b.t.Errorf("result-code %q, want %s", got, code)
	}
}

// leaveResult waits for the result page, checks it shows code, presses
// next and returns what the merchant got back with code.
func (b *browserTab) leaveResult(m *merchant, code string) map[string]any {
	b.t.Helper()
	b.waitPage("result")
	b.expectResult(code)
	b.click("next")
	return b.backAtMerchant(m, code)
}

// TestBrowser drives the verification page in headless Chromium, from the
// merchant's page back to the merchant, for the flows a merchant meets.
func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	// flow starts a fresh emulator and merchant (Apply params) and a tab.
	flow := func(t *testing.T, name string, params map[string]any) (*browserTab, *merchant, *target) {
		tg := inProcess(t, emulator.Options{})
		return newTab(t, browser, name), newMerchant(t, tg, params), tg
	}
	config := func(c map[string]any) map[string]any { return map[string]any{"Config": c} }

	t.Run("default", func(t *testing.T) {
		b, m, tg := flow(t, "default", nil)
		b.startAtMerchant(m)
		b.waitPage("start")
		if got, want := b.location(), tg.BaseURL+"/reflect/?token="+m.LastToken(); got != want {
			t.Errorf("VerificationURL %s, want %s", got, want)
		}
		b.click("start")
		b.waitPage("privacy")
		b.click("privacy-accept")
		b.waitPage("verify")
		b.click("outcome-0")
		res := b.leaveResult(m, "0")
		if merchantDetails(res) != 1 {
			t.Errorf("%d VerificationDetailList entries, want 1", merchantDetails(res))
		}

		// Reopened: "verification has been completed" (14), link back.
		b.open(tg.BaseURL + "/reflect/?token=" + m.LastToken())
		b.waitPage("completed")
		b.expectResult("14")
		b.click("next")
		b.backAtMerchant(m, "0")
	})

	t.Run("privacy accepted by its hook alone", func(t *testing.T) {
		b, m, _ := flow(t, "privacy-accept", config(map[string]any{"AutoSkipStartPage": true}))
		b.startAtMerchant(m)
		b.waitPage("privacy")
		// Keyboard: the focus order is skip link, then the button, and
		// the focused control shows a visible outline.
		var order []string
		for range 2 {
			b.do("tab", chromedp.KeyEvent("\t"))
			order = append(order, b.eval(`(function(e){return e.getAttribute("data-testid")||e.id||e.className})(document.activeElement)`))
		}
		if got := strings.Join(order, ","); got != "skip,privacy-accept" {
			t.Errorf("focus order %s, want skip,privacy-accept", got)
		}
		if outline := b.eval(`(function(s){return s.outlineStyle+" "+s.outlineWidth})(getComputedStyle(document.activeElement))`); outline != "solid 3px" {
			t.Errorf("focused button outline %q, want solid 3px", outline)
		}
		// The button says what it agrees to (its accessible description).
		if desc := b.eval(`document.getElementById(document.querySelector('[data-testid="privacy-accept"]').getAttribute("aria-describedby")).textContent`); !strings.Contains(desc, "agree to the privacy agreement") {
			t.Errorf("privacy-accept is described by %q", desc)
		}
		b.screenshot("privacy-focus")
		b.do("press Enter on the focused button", chromedp.KeyEvent("\r"))
		b.waitPage("verify")
	})

	t.Run("documented hooks alone", func(t *testing.T) {
		// Only the README's data-testid hooks, clicked in turn, drive every
		// step: start, privacy-accept, continue (document), outcome-<code>,
		// retry, result-code, next.
		b, m, _ := flow(t, "hooks", config(map[string]any{"CheckMode": 1, "IDCardType": "HKIDCard", "LivenessRetryLimit": 2}))
		b.startAtMerchant(m)
		for _, step := range []struct{ page, hook string }{
			{"start", "start"}, {"privacy", "privacy-accept"}, {"document", "continue"},
			{"verify", "outcome-1002"}, {"failed", "retry"}, {"verify", "outcome-0"},
		} {
			b.waitPage(step.page)
			b.click(step.hook)
		}
		b.waitPage("result")
		b.expectResult("0")
		b.click("next")
		if n := merchantDetails(b.backAtMerchant(m, "0")); n != 2 {
			t.Errorf("%d VerificationDetailList entries, want 2 (1002, then 0)", n)
		}
	})

	t.Run("auto skip", func(t *testing.T) {
		b, m, _ := flow(t, "autoskip", config(map[string]any{"AutoSkip": true}))
		b.startAtMerchant(m)
		b.waitPage("start")
		b.click("start")
		b.waitPage("privacy")
		b.click("privacy-accept")
		b.waitPage("verify")
		b.click("outcome-0")
		b.backAtMerchant(m, "0") // no result page
	})

	t.Run("skip start and privacy", func(t *testing.T) {
		b, m, _ := flow(t, "skip-start-privacy", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true}))
		b.startAtMerchant(m)
		b.waitPage("verify")
		b.click("outcome-0")
		b.waitPage("result")
		b.click("next")
		b.backAtMerchant(m, "0")
	})

	t.Run("document and action liveness", func(t *testing.T) {
		b, m, _ := flow(t, "document", config(map[string]any{
			"CheckMode": 1, "IDCardType": "MLIDCard", "SecurityLevel": 4, "ActionList": "blink,mouth",
			"LivenessTimeout": 60, "SkipPrivacyPolicy": true,
		}))
		b.startAtMerchant(m)
		b.waitPage("start")
		b.click("start")
		b.waitPage("document")
		if body := b.eval(`document.body.innerText`); !strings.Contains(body, "Malaysian identity card") {
			t.Errorf("document page does not name the card:\n%s", body)
		}
		b.click("continue")
		b.waitPage("verify")
		body := b.eval(`document.body.innerText`)
		for _, want := range []string{"Action and light liveness", "Blink, Open your mouth", "60 seconds", "With your document photo"} {
			if !strings.Contains(body, want) {
				t.Errorf("verify page lacks %q", want)
			}
		}
		// The camera preview is offered (script on) but never requested.
		if hidden := b.eval(`String(document.querySelector("#camera").hidden)`); hidden != "false" {
			t.Errorf("camera preview button hidden=%s with JavaScript on", hidden)
		}
		b.click("outcome-0")
		b.waitPage("result")
		b.click("next")
		res := b.backAtMerchant(m, "0")
		if res["OCRResult"] == nil {
			t.Error("no OCRResult for CheckMode 1")
		}
	})

	t.Run("failure then retry then pass", func(t *testing.T) {
		b, m, _ := flow(t, "retry", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true}))
		b.startAtMerchant(m)
		b.waitPage("verify")
		b.click("outcome-1002")
		b.waitPage("failed")
		if got := b.text("attempt-code"); got != "1002" {
			t.Errorf("attempt-code %q", got)
		}
		b.click("retry")
		b.waitPage("verify")
		b.click("outcome-0")
		res := b.leaveResult(m, "0")
		if n := merchantDetails(res); n != 2 {
			t.Fatalf("%d VerificationDetailList entries, want 2", n)
		}
		list := res["VerificationDetailList"].([]any)
		if first := list[0].(map[string]any); first["ErrorCode"] != float64(1002) {
			t.Errorf("first attempt %v, want 1002", first["ErrorCode"])
		}
	})

	t.Run("retries exhausted", func(t *testing.T) {
		b, m, _ := flow(t, "exhausted", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true, "LivenessRetryLimit": 2}))
		b.startAtMerchant(m)
		b.waitPage("verify")
		b.click("outcome-1002")
		b.waitPage("failed")
		b.click("retry")
		b.waitPage("verify")
		b.click("outcome-1005")
		if n := merchantDetails(b.leaveResult(m, "16")); n != 2 {
			t.Errorf("%d VerificationDetailList entries, want 2", n)
		}
	})

	t.Run("user exit", func(t *testing.T) {
		b, m, _ := flow(t, "user-exit", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true}))
		b.startAtMerchant(m)
		b.waitPage("verify")
		b.click("outcome-1410")
		b.leaveResult(m, "1410")
	})

	t.Run("other code from the list", func(t *testing.T) {
		b, m, _ := flow(t, "other-code", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true, "LivenessRetryLimit": 1}))
		b.startAtMerchant(m)
		b.waitPage("verify")
		b.do("choose 1301", chromedp.SetValue(chromedp.CSS("#other"), "1301"))
		b.click("outcome-other")
		res := b.leaveResult(m, "16") // one attempt allowed, it failed
		if d := res["VerificationDetailList"].([]any)[0].(map[string]any); d["ErrorCode"] != float64(1301) {
			t.Errorf("attempt %v, want 1301", d["ErrorCode"])
		}
	})

	t.Run("zh-cn", func(t *testing.T) {
		b, m, _ := flow(t, "zh-cn", config(map[string]any{"Language": "zh-cn"}))
		b.startAtMerchant(m)
		b.waitPage("start")
		if lang := b.eval(`document.documentElement.lang`); lang != "zh-Hans" {
			t.Errorf("html lang %q", lang)
		}
		if got := b.text("start"); got != "开始验证" {
			t.Errorf("start button %q", got)
		}
		b.click("start")
		b.waitPage("privacy")
		if got := b.text("privacy-accept"); got != "同意并继续" {
			t.Errorf("privacy button %q", got)
		}
		b.click("privacy-accept")
		b.waitPage("verify")
		if body := b.eval(`document.body.innerText`); !strings.Contains(body, "人脸验证") || strings.Contains(body, "Face verification") {
			t.Errorf("verify page not in Chinese:\n%s", body)
		}
		b.click("outcome-0")
		b.waitPage("result")
		if h := b.eval(`document.querySelector("h1").textContent`); h != "验证通过" {
			t.Errorf("result title %q", h)
		}
		b.click("next")
		b.backAtMerchant(m, "0")
	})

	t.Run("other languages", func(t *testing.T) {
		for _, l := range []struct{ code, tag, start string }{
			{"zh-tc", "zh-Hant", "開始驗證"},
			{"th", "th", "เริ่มการยืนยัน"},
			{"id", "id", "Mulai verifikasi"},
		} {
			b, m, _ := flow(t, "lang-"+l.code, config(map[string]any{"Language": l.code, "SkipPrivacyPolicy": true, "LivenessRetryLimit": 1}))
			b.startAtMerchant(m)
			b.waitPage("start")
			if lang := b.eval(`document.documentElement.lang`); lang != l.tag {
				t.Errorf("%s: html lang %q", l.code, lang)
			}
			if got := b.text("start"); got != l.start {
				t.Errorf("%s: start button %q, want %q", l.code, got, l.start)
			}
			b.click("start")
			b.waitPage("verify")
			b.click("outcome-2016")
			b.waitPage("result")
			b.expectResult("16")
		}
	})

	t.Run("theme colour", func(t *testing.T) {
		b, m, _ := flow(t, "theme", config(map[string]any{"ThemeColor": "#0B6E4F"}))
		b.startAtMerchant(m)
		b.waitPage("start")
		style := `(function(){var s=getComputedStyle(document.querySelector('[data-testid="start"]'));return s.backgroundColor+"|"+s.color})()`
		if got := b.eval(style); got != "rgb(11, 110, 79)|rgb(255, 255, 255)" {
			t.Errorf("primary button background|text = %s, want rgb(11, 110, 79)|rgb(255, 255, 255)", got)
		}
		// A light theme colour gets dark text.
		b2, m2, _ := flow(t, "theme-light", config(map[string]any{"ThemeColor": "#FFD54F"}))
		b2.startAtMerchant(m2)
		b2.waitPage("start")
		if got := b2.eval(style); got != "rgb(255, 213, 79)|rgb(17, 17, 17)" {
			t.Errorf("light theme: %s", got)
		}
	})

	t.Run("redirect with query and fragment", func(t *testing.T) {
		b, m, _ := flow(t, "query-fragment", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true}))
		m.ReturnPath = "/return?x=1#frag"
		b.startAtMerchant(m)
		b.waitPage("verify")
		b.click("outcome-0")
		b.waitPage("result")
		b.click("next")
		b.backAtMerchant(m, "0")
		if got, want := b.location(), m.URL()+"/return?x=1&token="+m.LastToken()+"#frag"; got != want {
			t.Errorf("landed on %s, want %s", got, want)
		}
	})

	t.Run("expired", func(t *testing.T) {
		b, m, tg := flow(t, "expired", nil)
		token, vurl := apply(t, m.client, map[string]any{"RedirectURL": m.RedirectURL()})
		m.mu.Lock()
		m.tokens = append(m.tokens, token)
		m.mu.Unlock()
		if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/clock", map[string]any{"advance": "11m"}, nil); code != http.StatusOK {
			t.Fatalf("advance the clock: status %d", code)
		}
		b.open(vurl)
		b.waitPage("expired")
		b.expectResult("15")
		b.click("next")
		b.backAtMerchant(m, "15")
	})

	t.Run("scripted retry-then-pass", func(t *testing.T) {
		b, m, _ := flow(t, "scripted-auto", map[string]any{"RuleId": "retry-then-pass"})
		b.startAtMerchant(m)
		// Completion auto: opening the page plays the scenario.
		if n := merchantDetails(b.leaveResult(m, "0")); n != 2 {
			t.Errorf("%d VerificationDetailList entries, want 2", n)
		}
	})

	t.Run("scripted by the control API", func(t *testing.T) {
		b, m, tg := flow(t, "scripted-manual", config(map[string]any{"AutoSkipStartPage": true, "SkipPrivacyPolicy": true}))
		m.OnApply = func(token string) {
			body := map[string]any{"Inline": map[string]any{"name": "spoof-then-pass", "attempts": []any{
				map[string]any{"liveness": 1002}, map[string]any{"liveness": 0},
			}}}
			if code := controlJSON(t, http.MethodPut, tg.BaseURL+"/_emulator/sessions/"+token+"/scenario", body, nil); code != http.StatusOK {
				t.Errorf("set scenario: status %d", code)
			}
		}
		b.startAtMerchant(m)
		b.waitPage("verify")
		if n := b.eval(`String(document.querySelectorAll('[data-testid^="outcome-"]').length)`); n != "0" {
			t.Errorf("a scripted session shows %s outcome buttons", n)
		}
		b.click("continue")
		b.waitPage("failed")
		b.click("retry")
		b.waitPage("verify")
		b.click("continue")
		if n := merchantDetails(b.leaveResult(m, "0")); n != 2 {
			t.Errorf("%d VerificationDetailList entries, want 2", n)
		}
	})

	t.Run("without JavaScript", func(t *testing.T) {
		b, m, _ := flow(t, "nojs", nil)
		if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		b.startAtMerchant(m)
		b.waitPage("start")
		b.click("start")
		b.waitPage("privacy")
		b.click("privacy-accept")
		b.waitPage("verify")
		attrs, err := chromedp.Run(b.ctx, chromedp.Attributes(chromedp.CSS("#camera")))
		if _, hidden := attrs["hidden"]; err != nil || !hidden {
			t.Errorf("the camera preview shows without JavaScript (%v, %v)", attrs, err)
		}
		b.click("outcome-1002")
		b.waitPage("failed")
		b.click("retry")
		b.waitPage("verify")
		b.click("outcome-2016")
		b.waitPage("failed")
		b.click("outcome-1410")
		if n := merchantDetails(b.leaveResult(m, "1410")); n != 3 {
			t.Errorf("%d VerificationDetailList entries, want 3", n)
		}
	})

	t.Run("errors", func(t *testing.T) {
		b, _, tg := flow(t, "errors", nil)
		// The 404 and 400 answers are logged as failed loads: expected here.
		b.allowHTTPErrors = true
		b.open(tg.BaseURL + "/reflect/?token=00000000-0000-0000-0000-000000000000")
		b.waitPage("error")
		b.open(tg.BaseURL + "/reflect/?token=00000000-0000-0000-0000-000000000000&outcome=abc")
		b.waitPage("error")
	})
}
