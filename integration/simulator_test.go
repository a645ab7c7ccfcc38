package integration

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// simulatorURL reads a session's SimulatorURL from the control API and
// checks it is the documented <base>/sdk/?token=<token>.
func simulatorURL(t *testing.T, tg *target, token string) string {
	t.Helper()
	var sess struct{ Flow, SimulatorURL string }
	if st := controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, &sess); st != http.StatusOK {
		t.Fatalf("GET session: %d", st)
	}
	if want := tg.BaseURL + "/sdk/?token=" + token; sess.SimulatorURL != want {
		t.Fatalf("SimulatorURL %q, want %q", sess.SimulatorURL, want)
	}
	return sess.SimulatorURL
}

// TestSimulatorBrowser: for every SDK flow, a session applied through the
// official Go SDK is completed on its simulator page in headless Chromium
// (the button of one result code), and the flow's result action then
// answers that code through the SDK.
func TestSimulatorBrowser(t *testing.T) {
	browser := newBrowser(t)
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	for _, fl := range sdkFlows() {
		t.Run(fl.kind, func(t *testing.T) {
			table, _ := catalog.LookupFlow(fl.kind)
			token := fl.apply(t, tg, c)
			page := simulatorURL(t, tg, token)
			if fl.pending != "" {
				if code, _, err := fl.result(t, tg, c, token); code != fl.pending {
					t.Fatalf("before the page: result %q (%v), want %q", code, err, fl.pending)
				}
			}
			b := newTab(t, browser, "sdk-"+fl.kind)
			// The dashboard links the session to its simulator page.
			b.open(tg.BaseURL + "/_emulator/ui")
			link := `document.querySelector('#sessions-body tr[data-token="` + token + `"] td.page a.sim')`
			b.waitFor("the simulator link", link+` !== null`)
			if href := b.eval(link + `.href`); href != page {
				t.Errorf("dashboard links %q, want %q", href, page)
			}
			b.open(page)
			b.waitPage("sdk")
			if got := b.eval(`document.querySelector('[data-testid="status"]').dataset.status`); got != "pending" {
				t.Errorf("status %q, want pending", got)
			}
			if got := b.text("token"); got != token {
				t.Errorf("token %q, want %s", got, token)
			}
			// One button per documented code, in the table's order.
			var want []string
			for _, r := range table.Codes {
				want = append(want, "result-"+r.Code)
			}
			got := b.eval(`Array.from(document.querySelectorAll('button[data-testid^="result-"]')).map(function(e){return e.dataset.testid}).join(",")`)
			if got != strings.Join(want, ",") {
				t.Errorf("buttons %s\nwant    %s", got, strings.Join(want, ","))
			}
			b.click("result-" + fl.fail)
			b.waitPage("sdk-result")
			b.expectResult(fl.fail)
			if got := b.eval(`document.querySelector('[data-testid="status"]').dataset.status`); got != "completed" {
				t.Errorf("status after the click %q", got)
			}
			if code, _, err := fl.result(t, tg, c, token); code != fl.fail {
				t.Errorf("result through the SDK %q (%v), want %q", code, err, fl.fail)
			}
			// Opened again: the completed page, same result, no buttons.
			b.open(page)
			b.waitPage("sdk-completed")
			b.expectResult(fl.fail)
			if n := b.eval(`String(document.querySelectorAll('button').length)`); n != "0" {
				t.Errorf("%s buttons on the completed page", n)
			}

			// The session's own scenario (the default passes), in Thai.
			token = fl.apply(t, tg, c)
			b.open(simulatorURL(t, tg, token) + "&lang=th")
			b.waitPage("sdk")
			if lang := b.eval(`document.documentElement.lang`); lang != "th" {
				t.Errorf("html lang %q, want th", lang)
			}
			b.click("use-scenario")
			b.waitPage("sdk-result")
			b.expectResult(fl.pass())
			if lang := b.eval(`document.documentElement.lang`); lang != "th" {
				t.Errorf("the result page lost the language: %q", lang)
			}
			if code, _, err := fl.result(t, tg, c, token); code != fl.pass() {
				t.Errorf("result after use-scenario %q (%v), want %q", code, err, fl.pass())
			}
		})
	}
}

var resultCodeText = regexp.MustCompile(`data-testid="result-code">([^<]*)<`)

// TestSimulatorWithoutJS completes every SDK flow's session with plain
// HTTP, as a browser without JavaScript (or curl) does: GET the page, POST
// its form, follow the 303.
func TestSimulatorWithoutJS(t *testing.T) {
	tg := sdkTarget(t)
	c := goClient(tg, credMain)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, u string) (int, string) {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, fl := range sdkFlows() {
		t.Run(fl.kind, func(t *testing.T) {
			token := fl.apply(t, tg, c)
			page := simulatorURL(t, tg, token)
			st, body := get(t, page)
			if st != http.StatusOK || !strings.Contains(body, `data-testid="result-`+fl.fail+`"`) || !strings.Contains(body, `<form method="post" action="./">`) {
				t.Fatalf("page: %d\n%.2000s", st, body)
			}
			resp, err := client.PostForm(tg.BaseURL+"/sdk/", url.Values{"token": {token}, "result": {fl.fail}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST: %d, want 303", resp.StatusCode)
			}
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			st, body = get(t, loc.String())
			if m := resultCodeText.FindStringSubmatch(body); st != http.StatusOK || m == nil || m[1] != fl.fail {
				t.Errorf("result page: %d, result-code %v, want %s", st, m, fl.fail)
			}
			if code, _, err := fl.result(t, tg, c, token); code != fl.fail {
				t.Errorf("result through the SDK %q (%v), want %q", code, err, fl.fail)
			}
			// A code outside the flow's table is refused and changes nothing.
			other := fl.apply(t, tg, c)
			resp, err = client.PostForm(tg.BaseURL+"/sdk/", url.Values{"token": {other}, "result": {"not-a-code"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("unknown code: %d, want 400", resp.StatusCode)
			}
			if code, _, _ := fl.result(t, tg, c, other); fl.pending != "" && code != fl.pending {
				t.Errorf("after a refused post the result is %q, want %q", code, fl.pending)
			}
			if st, _ := get(t, tg.BaseURL+"/sdk/?token=no-such-token"); st != http.StatusNotFound {
				t.Errorf("unknown token: %d, want 404", st)
			}

			// A scenario that completes "auto" completes when the page
			// opens, and that request shows the result.
			auto := fl.apply(t, tg, c)
			if st := controlJSON(t, "PUT", tg.BaseURL+"/_emulator/sessions/"+auto+"/scenario", map[string]any{"Scenario": "sdk-auto-fail"}, nil); st != http.StatusOK {
				t.Fatalf("PUT scenario: %d", st)
			}
			want := "1002"
			if fl.kind == "reflect" {
				want = fl.pass() // as TestSDKFlowsScenarioCompletion: no reflect equivalent
			}
			st, body = get(t, simulatorURL(t, tg, auto))
			if m := resultCodeText.FindStringSubmatch(body); st != http.StatusOK || m == nil || m[1] != want || !strings.Contains(body, `data-page="sdk-result"`) {
				t.Errorf("opening an auto session: %d, result-code %v, want %s", st, m, want)
			}
			if code, _, err := fl.result(t, tg, c, auto); code != want {
				t.Errorf("result after the page opened %q (%v), want %q", code, err, want)
			}
		})
	}
}
