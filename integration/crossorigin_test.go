package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// A page on another origin cannot change the emulator's state through the
// user's browser (issue 15: a page elsewhere could POST /_emulator/reset
// and /_emulator/clock, both answered 200). The attacker's pages are served
// from another port of the same host (same-site, another origin) and from
// "localhost" (another site); one submits a form, the other a no-cors
// fetch, as a real page could without a preflight.
func TestCrossOriginBrowserRefused(t *testing.T) {
	browser := newBrowser(t)
	tg := inProcess(t, emulator.Options{})
	token, _ := apply(t, goClient(tg, credMain), nil)

	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/form":
			fmt.Fprintf(w, `<!doctype html><title>form</title><form id="f" method="post" action="%s/_emulator/reset"></form>`+
				`<script>document.getElementById("f").submit()</script>`, tg.BaseURL)
		case "/fetch":
			fmt.Fprintf(w, `<!doctype html><title>fetch</title><script>
fetch(%q, {method: "POST", mode: "no-cors", body: '{"advance":"240h"}'})
  .then(function () { window.sent = "yes"; }, function () { window.sent = "yes"; });
</script>`, tg.BaseURL+"/_emulator/clock")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(attacker.Close)
	port := attacker.URL[strings.LastIndexByte(attacker.URL, ':')+1:]

	for _, page := range []string{"http://localhost:" + port + "/form", "http://127.0.0.1:" + port + "/fetch"} {
		tab := openTab(t, browser, "crossorigin", desktopViewport)
		tab.allowHTTPErrors = true // the emulator answers 403
		tab.do("open "+page, chromedp.Navigate(page))
		if strings.HasSuffix(page, "/form") {
			tab.waitFor("the form's answer", `location.pathname === "/_emulator/reset" && document.body.textContent.includes("403")`)
			if body := tab.eval(`document.body.textContent`); !strings.Contains(body, "EMULATOR_ALLOWED_ORIGINS") {
				t.Errorf("the refusal does not say how to allow the origin: %s", body)
			}
		} else {
			tab.waitFor("the fetch sent", `window.sent === "yes"`)
		}
	}
	// Nothing changed: the session is still there, the clock not moved.
	var list struct{ Total int }
	if code := controlJSON(t, http.MethodGet, tg.BaseURL+"/_emulator/sessions", nil, &list); code != 200 || list.Total != 1 {
		t.Errorf("sessions after the attacks: %d, total %d, want the one session (%s)", code, list.Total, token)
	}
	var clk struct{ OffsetSeconds float64 }
	if controlJSON(t, http.MethodGet, tg.BaseURL+"/_emulator/clock", nil, &clk); clk.OffsetSeconds != 0 {
		t.Errorf("the clock moved by %v s", clk.OffsetSeconds)
	}
	// The same request without browser headers (a test's own call) works.
	if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/clock", map[string]any{"advance": "1s"}, nil); code != 200 {
		t.Errorf("a request without browser headers: %d, want 200", code)
	}
}
