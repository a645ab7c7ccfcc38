package integration

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// TestDashboard: the dashboard (behind an admin token) lists a session
// created through the Go SDK, shows its result after completion without a
// reload, and shows the signature diagnostics of a refused request, on a
// desktop and on a phone.
func TestDashboard(t *testing.T) {
	const admin = "dashboard-admin-token"
	browser := newBrowser(t)
	tg := inProcess(t, emulator.Options{AdminToken: admin, Version: "dashboard-test"})
	ui := tg.BaseURL + "/_emulator/ui"

	t.Run("login", func(t *testing.T) {
		tab := openTab(t, browser, "dashboard", phoneViewport)
		tab.allowHTTPErrors = true // the login page answers 401
		tab.do("open the dashboard without a token", chromedp.Navigate(ui), chromedp.WaitVisible(chromedp.CSS(`input#token`)))
		tab.screenshot("login")
		// Typing the token into the form opens the dashboard.
		tab.do("log in", chromedp.SendKeys(chromedp.CSS(`input#token`), admin), chromedp.Submit(chromedp.CSS(`form`)),
			chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
	})

	tab := openTab(t, browser, "dashboard", desktopViewport)
	// ?token= once: the cookie is set and the token leaves the address bar.
	tab.do("open the dashboard with ?token=", chromedp.Navigate(ui+"?token="+admin), chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
	if loc := tab.eval(`location.href`); strings.Contains(loc, admin) {
		t.Errorf("the admin token stayed in the address: %s", loc)
	}
	if cookie := tab.eval(`document.cookie`); strings.Contains(cookie, "faceid_emulator_admin") {
		t.Error("the dashboard cookie is readable from JavaScript (not HttpOnly)")
	}
	tab.waitFor("the first live refresh", `document.body.dataset.refreshes >= 1`)
	tab.eval(`window.dashboardMarker = "no reload"; "ok"`)

	// A session created through the SDK appears by the live refresh.
	c := goClient(tg, credMain)
	token, vurl := apply(t, c, map[string]any{"Extra": `<script>alert("x")</script>`})
	row := `document.querySelector('tr[data-token="` + token + `"]')`
	tab.waitFor("the new session's row", row+` !== null`)
	if got := tab.eval(row + `.querySelector('td.state').textContent.trim()`); got != "pending" {
		t.Errorf("state cell = %q, want pending", got)
	}
	if got := tab.eval(row + `.querySelector('td.page a').href`); got != vurl {
		t.Errorf("page link = %q, want %q", got, vurl)
	}
	if got := tab.eval(row + `.querySelector('td.secret').title`); got != credMain.SecretID {
		t.Errorf("SecretId cell title = %q", got)
	}

	// A wrong key: the request shows up with its diagnostics.
	bad := goClient(tg, emulator.Credential{SecretID: credMain.SecretID, SecretKey: "wrong-key"})
	if _, err := call(bad, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); sdkCode(err) != catalog.SignatureFailure {
		t.Fatalf("wrong key: %v", err)
	}

	// Completion: the row shows the result without a reload.
	if code, raw := ctlCall(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", admin, map[string]any{"ErrorCode": 0, "Similarity": 97}, nil); code != 200 {
		t.Fatalf("complete: %d %s", code, raw)
	}
	tab.waitFor("the completed state", row+`.querySelector('td.state').textContent.trim() === "completed"`)
	if got := tab.eval(row + `.querySelector('td.result .code').textContent`); got != "0" {
		t.Errorf("result code = %q", got)
	}
	if got := tab.eval(row + `.querySelector('td.result .msg').textContent`); got != catalog.ResultMessage(0) {
		t.Errorf("result message = %q", got)
	}
	if got := tab.eval(`String(window.dashboardMarker)`); got != "no reload" {
		t.Error("the page reloaded instead of refreshing live")
	}

	// The refused request and its diagnostics, expandable.
	failed := `document.querySelector('#requests-body tr.req .badge.sig-failed')`
	tab.waitFor("the refused request", failed+` !== null`)
	failedRow := failed + `.closest('tr')`
	if got := tab.eval(failedRow + `.querySelector('td.error').textContent`); got != catalog.SignatureFailure {
		t.Errorf("error cell = %q", got)
	}
	if got := tab.eval(failedRow + `.querySelector('td.sdk').textContent`); got != "SDK_GO_1.3.211" {
		t.Errorf("SDK cell = %q", got)
	}
	details := failedRow + `.nextElementSibling.querySelector('details')`
	if got := tab.eval(`String(` + details + `.open)`); got != "false" {
		t.Errorf("diagnostics open before a click: %s", got)
	}
	tab.do("expand the diagnostics", chromedp.Click(chromedp.CSS(`#requests-body tr.req:has(.sig-failed) + tr.detail summary`)))
	canonical := tab.eval(details + `.querySelector('pre').textContent`)
	for _, want := range []string{"content-type:application/json", "host:" + tg.Endpoint} {
		if !strings.Contains(canonical, want) {
			t.Errorf("expected canonical request lacks %q:\n%s", want, canonical)
		}
	}
	if text := tab.eval(details + `.textContent`); !strings.Contains(text, "Expected string to sign") || !strings.Contains(text, "Host candidates") {
		t.Errorf("diagnostics text: %s", text)
	}
	// An open panel stays open across live refreshes (new requests arrive).
	n := tab.eval(`document.body.dataset.refreshes`)
	if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); err != nil {
		t.Fatal(err)
	}
	tab.waitFor("a refresh with the new request", `document.body.dataset.refreshes > `+n+` && document.querySelectorAll('#requests-body tr.req').length >= 3`)
	if got := tab.eval(`String(document.querySelector('#requests-body tr.req:has(.sig-failed) + tr.detail details').open)`); got != "true" {
		t.Error("the open diagnostics closed on refresh")
	}
	// The Extra (user data) never became markup.
	if got := tab.eval(`String(document.querySelectorAll('main script').length)`); got != "0" {
		t.Errorf("%s script elements in main", got)
	}
	if got := tab.eval(`document.getElementById('live').className`); !strings.Contains(got, "ok") {
		t.Errorf("live indicator = %q", got)
	}
	// The metrics panel shows the figures of /_emulator/metrics: one Apply,
	// two Gets (one refused by the signature check) so far.
	metric := func(name, labels string) string {
		return `(document.querySelector('#metrics-body tr[data-metric="` + name + `"][data-labels="` + labels + `"] td.value') || {}).textContent`
	}
	for _, m := range []struct{ name, labels, want string }{
		{"emulator_api_requests_total", "action=ApplyWebVerificationBizTokenIntl,code=OK,service=faceid", "1"},
		{"emulator_api_requests_total", "action=GetWebVerificationResultIntl,code=OK,service=faceid", "1"},
		{"emulator_api_requests_total", "action=GetWebVerificationResultIntl,code=AuthFailure.SignatureFailure,service=faceid", "1"},
		{"emulator_signature_failures_total", "reason=AuthFailure.SignatureFailure,service=faceid", "1"},
		{"emulator_scenario_selections_total", "scenario=default,service=faceid", "1"},
	} {
		tab.waitFor("the metric "+m.name+" "+m.labels, metric(m.name, m.labels)+` === "`+m.want+`"`)
	}
	tab.screenshot("desktop")

	// The clock offset shows once the clock is moved.
	ctlCall(t, "POST", tg.BaseURL+"/_emulator/clock", admin, map[string]any{"advance": "11m"}, nil)
	tab.waitFor("the clock offset", `document.getElementById('clock-offset').textContent.includes("11m")`)

	// A session expired by the clock turns "expired" too.
	token2, _ := apply(t, goClient(tg, credOther), nil)
	ctlCall(t, "POST", tg.BaseURL+"/_emulator/clock", admin, map[string]any{"advance": "11m"}, nil)
	tab.waitFor("the expired session", `(document.querySelector('tr[data-token="`+token2+`"] td.state') || {}).textContent === "expired"`)

	t.Run("phone", func(t *testing.T) {
		phone := openTab(t, browser, "dashboard-phone", phoneViewport)
		phone.do("open on a phone", chromedp.Navigate(ui+"?token="+admin), chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
		phone.waitFor("a refresh", `document.body.dataset.refreshes >= 1`)
		phone.do("expand the diagnostics", chromedp.Click(chromedp.CSS(`#requests-body tr.req:has(.sig-failed) + tr.detail summary`)))
		if got := phone.eval(`String(document.documentElement.scrollWidth <= window.innerWidth + 1)`); got != "true" {
			t.Errorf("the page scrolls sideways on a phone: %s > %s", phone.eval(`String(document.documentElement.scrollWidth)`), phone.eval(`String(window.innerWidth)`))
		}
		if got := phone.eval(`getComputedStyle(document.querySelector('#sessions thead')).display`); got != "none" {
			t.Errorf("table head shown on a phone: display %s", got)
		}
		phone.screenshot("mobile")
	})

	t.Run("namespace filter", func(t *testing.T) {
		ns := openTab(t, browser, "dashboard-namespace", desktopViewport)
		ns.do("open filtered", chromedp.Navigate(ui+"?token="+admin+"&secretId="+credOther.SecretID), chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
		ns.waitFor("a refresh", `document.body.dataset.refreshes >= 1`)
		if got := ns.eval(`String(document.querySelectorAll('#sessions-body tr[data-token]').length)`); got != "1" {
			t.Errorf("filtered dashboard lists %s sessions, want 1", got)
		}
		if got := ns.eval(`String(document.querySelector('tr[data-token="` + token + `"]'))`); got != "null" {
			t.Error("the filtered dashboard shows another namespace's session")
		}
	})
}
