package integration

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// browserExampleTimeout bounds one run of the Playwright example (a
// browser start and six page loads; generous for a loaded CI machine).
const browserExampleTimeout = 3 * time.Minute

var (
	browserExampleURL     = regexp.MustCompile(`(?m)^VerificationURL: (\S+)$`)
	browserExampleLanding = regexp.MustCompile(`(?m)^landed on: (\S+)$`)
)

// TestExamplesPlaywright runs examples/browser/verify-flow.mjs, the README's
// "Writing browser tests against the page" example, as documented: node
// with playwright-core driving Chromium through the data-testid hooks
// alone, against the built binary. The session must then have been
// completed by the page (page opened, one attempt), not by a shortcut.
func TestExamplesPlaywright(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node is not on PATH; install Node.js 20+ to run the Playwright example")
	}
	chrome := browserExecPath(t)
	dir := examplesPath(t, "browser")
	for _, pkg := range []string{"playwright-core", "tencentcloud-sdk-nodejs-intl-en"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			unavailable(t, pkg+" is not installed in examples/browser/node_modules; run: npm ci --prefix examples/browser")
		}
	}
	p := examplesEmulator(t)
	def := emulator.DefaultCredential()

	ctx, cancel := context.WithTimeout(context.Background(), browserExampleTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "verify-flow.mjs")
	cmd.Dir = dir
	// The example's own defaults (the documented credential), the binary's
	// address and the browser; no proxy (loopback only).
	cmd.Env = nodeEnv(p, "FACEID_ENDPOINT="+p.Endpoint, "FACEID_SECRET_ID="+def.SecretID, "FACEID_SECRET_KEY="+def.SecretKey, "CHROME_PATH="+chrome)
	cmd.WaitDelay = 10 * time.Second
	stdout, stderr, code := examplesRun(t, cmd)
	if ctx.Err() != nil {
		t.Fatalf("the example did not finish within %s\nstdout:\n%s\nstderr:\n%s", browserExampleTimeout, stdout, stderr)
	}
	if code != 0 || !strings.Contains(stdout, "ErrorCode: 0 (") {
		t.Fatalf("exit %d, want 0 and \"ErrorCode: 0\"\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	m := browserExampleURL.FindStringSubmatch(stdout)
	if m == nil || !strings.HasPrefix(m[1], p.BaseURL+"/reflect/?token=") {
		t.Fatalf("no VerificationURL of this emulator in the output:\n%s", stdout)
	}
	token := strings.TrimPrefix(m[1], p.BaseURL+"/reflect/?token=")
	if l := browserExampleLanding.FindStringSubmatch(stdout); l == nil || !strings.HasSuffix(l[1], "/kyc/done?token="+token) {
		t.Errorf("the browser did not land on RedirectURL?token=%s:\n%s", token, stdout)
	}

	var s emulator.Session
	if code := controlJSON(t, http.MethodGet, p.BaseURL+"/_emulator/sessions/"+token, nil, &s); code != http.StatusOK {
		t.Fatalf("GET the session: %d", code)
	}
	if s.State != "completed" || !s.PageOpened || len(s.Attempts) != 1 || s.Result == nil || s.Result.ErrorCode != 0 {
		t.Errorf("session after the example: state %s, page opened %v, %d attempts, result %+v; want completed by the page with one passing attempt",
			s.State, s.PageOpened, len(s.Attempts), s.Result)
	}
}
