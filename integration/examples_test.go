package integration

// The examples/ directory: CI and compose files parse and say the right
// things; the Go and Node snippets run against the built binary.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

const examplesImage = "ghcr.io/faceid-emulator/faceid-emulator:latest"

func examplesPath(t testing.TB, rel ...string) string {
	t.Helper()
	return filepath.Join(append([]string{shipRepoRoot(t), "examples"}, rel...)...)
}

// examplesYAML decodes an examples/ file into generic maps.
func examplesYAML(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(examplesPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not valid YAML: %v", name, err)
	}
	return doc
}

// examplesGet walks a decoded YAML document: string keys for maps, ints
// for lists. It fails the test when the path is missing.
func examplesGet(t *testing.T, doc any, path ...any) any {
	t.Helper()
	cur := doc
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a mapping at %v", path, path[:i])
			}
			if cur, ok = m[k]; !ok {
				t.Fatalf("missing key %v", path[:i+1])
			}
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: not a list of more than %d items at %v", path, k, path[:i])
			}
			cur = l[k]
		}
	}
	return cur
}

func examplesStrings(v any) []string {
	var out []string
	switch l := v.(type) {
	case []any:
		for _, x := range l {
			out = append(out, strings.TrimSpace(examplesString(x)))
		}
	case string:
		out = append(out, l)
	}
	return out
}

func examplesString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// examplesCheckCredentials asserts that the emulator's EMULATOR_CREDENTIALS
// parse and contain the pair the tests use.
func examplesCheckCredentials(t *testing.T, emulatorCreds, secretID, secretKey string) {
	t.Helper()
	creds, err := emulator.ParseCredentials(emulatorCreds)
	if err != nil {
		t.Fatalf("EMULATOR_CREDENTIALS %q: %v", emulatorCreds, err)
	}
	if !slices.Contains(creds, emulator.Credential{SecretID: secretID, SecretKey: secretKey}) {
		t.Errorf("the tests' FACEID_SECRET_ID/KEY (%s) are not among EMULATOR_CREDENTIALS %q", secretID, emulatorCreds)
	}
}

func TestExamplesCompose(t *testing.T) {
	doc := examplesYAML(t, "docker-compose.yml")
	faceid := examplesGet(t, doc, "services", "faceid")
	if img := examplesGet(t, faceid, "image"); img != examplesImage {
		t.Errorf("faceid image %v, want %s", img, examplesImage)
	}
	if ports := examplesStrings(examplesGet(t, faceid, "ports")); !slices.Contains(ports, "8780:8780") {
		t.Errorf("faceid ports %v lack 8780:8780", ports)
	}
	// The two-hostname problem: the browser's URL, not the app's.
	if u := examplesGet(t, faceid, "environment", "EMULATOR_PUBLIC_URL"); u != "http://localhost:8780" {
		t.Errorf("EMULATOR_PUBLIC_URL %v, want http://localhost:8780", u)
	}
	if test := examplesStrings(examplesGet(t, faceid, "healthcheck", "test")); !slices.Equal(test, []string{"CMD", "/emulator", "healthcheck"}) {
		t.Errorf("healthcheck test %v, want [CMD /emulator healthcheck] (exec form: no shell in the image)", test)
	}
	app := examplesGet(t, doc, "services", "app")
	if ep := examplesGet(t, app, "environment", "FACEID_ENDPOINT"); ep != "faceid:8780" {
		t.Errorf("app FACEID_ENDPOINT %v, want faceid:8780 (service name, no scheme)", ep)
	}
	if cond := examplesGet(t, app, "depends_on", "faceid", "condition"); cond != "service_healthy" {
		t.Errorf("app depends_on faceid condition %v, want service_healthy", cond)
	}
	examplesCheckCredentials(t,
		examplesString(examplesGet(t, faceid, "environment", "EMULATOR_CREDENTIALS")),
		examplesString(examplesGet(t, app, "environment", "FACEID_SECRET_ID")),
		examplesString(examplesGet(t, app, "environment", "FACEID_SECRET_KEY")))
}

func TestExamplesGitHubActions(t *testing.T) {
	doc := examplesYAML(t, "github-actions.yml")
	jobs, _ := examplesGet(t, doc, "jobs").(map[string]any)
	if len(jobs) == 0 {
		t.Fatal("no jobs")
	}
	for name, job := range jobs {
		svc := examplesGet(t, job, "services", "faceid")
		if img := examplesGet(t, svc, "image"); img != examplesImage {
			t.Errorf("job %s: image %v, want %s", name, img, examplesImage)
		}
		if ports := examplesStrings(examplesGet(t, svc, "ports")); !slices.Contains(ports, "8780:8780") {
			t.Errorf("job %s: ports %v lack 8780:8780", name, ports)
		}
		// --health-cmd would be run through /bin/sh, which the image lacks:
		// the image's own HEALTHCHECK must be the one used.
		opts := examplesString(examplesGet(t, svc, "options"))
		if strings.Contains(opts, "--health-cmd") || strings.Contains(opts, "--no-healthcheck") {
			t.Errorf("job %s: options %q override the image's healthcheck", name, opts)
		}
		if !strings.Contains(opts, "--health-interval") {
			t.Errorf("job %s: options %q do not tune the healthcheck", name, opts)
		}
		steps, _ := examplesGet(t, job, "steps").([]any)
		found := false
		for _, st := range steps {
			env, _ := st.(map[string]any)["env"].(map[string]any)
			if env == nil || env["FACEID_ENDPOINT"] == nil {
				continue
			}
			found = true
			if env["FACEID_ENDPOINT"] != "localhost:8780" {
				t.Errorf("job %s: FACEID_ENDPOINT %v, want localhost:8780", name, env["FACEID_ENDPOINT"])
			}
			if run := examplesString(st.(map[string]any)["run"]); run == "" {
				t.Errorf("job %s: the FACEID_ENDPOINT step runs nothing", name)
			}
			examplesCheckCredentials(t, examplesString(examplesGet(t, svc, "env", "EMULATOR_CREDENTIALS")),
				examplesString(env["FACEID_SECRET_ID"]), examplesString(env["FACEID_SECRET_KEY"]))
		}
		if !found {
			t.Errorf("job %s: no step sets FACEID_ENDPOINT", name)
		}
	}
}

func TestExamplesGitLab(t *testing.T) {
	doc := examplesYAML(t, "gitlab-ci.yml")
	job := examplesGet(t, doc, "merchant-tests")
	svc := examplesGet(t, job, "services", 0)
	if img := examplesGet(t, svc, "name"); img != examplesImage {
		t.Errorf("service image %v, want %s", img, examplesImage)
	}
	if alias := examplesGet(t, svc, "alias"); alias != "faceid" {
		t.Errorf("service alias %v, want faceid", alias)
	}
	if ep := examplesGet(t, job, "variables", "FACEID_ENDPOINT"); ep != "faceid:8780" {
		t.Errorf("FACEID_ENDPOINT %v, want faceid:8780 (the alias)", ep)
	}
	if script := examplesStrings(examplesGet(t, job, "script")); len(script) == 0 {
		t.Error("the job has no script")
	}
	examplesCheckCredentials(t, examplesString(examplesGet(t, svc, "variables", "EMULATOR_CREDENTIALS")),
		examplesString(examplesGet(t, job, "variables", "FACEID_SECRET_ID")),
		examplesString(examplesGet(t, job, "variables", "FACEID_SECRET_KEY")))
}

// examplesEnv is the test's environment without FACEID_* (so only what a
// case sets reaches the snippet) plus extra.
func examplesEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FACEID_") && !strings.HasPrefix(kv, "EMULATOR_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

var examplesErrorCode = regexp.MustCompile(`(?m)^ErrorCode: (\S+)`)

// examplesRun runs a snippet and returns its stdout, stderr and exit code.
func examplesRun(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// examplesEmulator runs the built binary with the emulator's default
// credential (what the snippets use when nothing is set) and credMain.
func examplesEmulator(t *testing.T) *process {
	t.Helper()
	def := emulator.DefaultCredential()
	return startBinary(t, "EMULATOR_CREDENTIALS="+def.SecretID+":"+def.SecretKey+","+credMain.SecretID+":"+credMain.SecretKey)
}

// examplesSnippetCases are the environments every runnable snippet is run
// with: its defaults, explicit credentials, and a wrong key.
func examplesSnippetCases(endpoint string) []struct {
	name string
	env  []string
	ok   bool
} {
	return []struct {
		name string
		env  []string
		ok   bool
	}{
		{"default credential", []string{"FACEID_ENDPOINT=" + endpoint}, true},
		{"explicit credential", []string{"FACEID_ENDPOINT=" + endpoint, "FACEID_SECRET_ID=" + credMain.SecretID, "FACEID_SECRET_KEY=" + credMain.SecretKey, "FACEID_REGION=ap-jakarta"}, true},
		{"wrong key", []string{"FACEID_ENDPOINT=" + endpoint, "FACEID_SECRET_ID=" + credMain.SecretID, "FACEID_SECRET_KEY=wrong"}, false},
	}
}

func examplesCheckOutput(t *testing.T, ok bool, stdout, stderr string, code int) {
	t.Helper()
	if !ok {
		if code == 0 || !strings.Contains(stderr, "AuthFailure.SignatureFailure") {
			t.Errorf("with a wrong key: exit %d, stderr %q; want a non-zero exit naming AuthFailure.SignatureFailure", code, stderr)
		}
		return
	}
	m := examplesErrorCode.FindStringSubmatch(stdout)
	if code != 0 || m == nil || m[1] != "0" {
		t.Errorf("exit %d, want 0 and \"ErrorCode: 0\"\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "VerificationURL: http://") {
		t.Errorf("stdout lacks the VerificationURL:\n%s", stdout)
	}
}

func TestExamplesGoSDK(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go not on PATH")
	}
	// Build once, run per case (go run would rebuild each time).
	bin := filepath.Join(t.TempDir(), "example")
	build := exec.Command(goBin, "build", "-o", bin, "./examples/sdk/go")
	build.Dir = shipRepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/sdk/go: %v\n%s", err, out)
	}
	p := examplesEmulator(t)
	for _, tc := range examplesSnippetCases(p.Endpoint) {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = examplesEnv(tc.env...)
			stdout, stderr, code := examplesRun(t, cmd)
			examplesCheckOutput(t, tc.ok, stdout, stderr, code)
		})
	}
	// And literally as documented, once.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "run", "./examples/sdk/go")
	cmd.Dir = shipRepoRoot(t)
	cmd.Env = examplesEnv("FACEID_ENDPOINT=" + p.Endpoint)
	stdout, stderr, code := examplesRun(t, cmd)
	examplesCheckOutput(t, true, stdout, stderr, code)
}

// examplesNodeModules is integration/node/node_modules, where `npm ci
// --prefix integration/node` installs tencentcloud-sdk-nodejs-intl-en.
func examplesNodeModules(t *testing.T) string {
	t.Helper()
	nm := filepath.Join(shipRepoRoot(t), "integration", "node", "node_modules")
	_, err := os.Stat(filepath.Join(nm, "tencentcloud-sdk-nodejs-intl-en", "package.json"))
	if err == nil {
		return nm
	}
	msg := "tencentcloud-sdk-nodejs-intl-en is not installed in integration/node/node_modules; run: npm ci --prefix integration/node"
	unavailable(t, msg)
	return ""
}

func TestExamplesNodeSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node is not on PATH; install Node.js 20+ to run the Node snippet")
	}
	nm := examplesNodeModules(t)
	// An ES module's `import "pkg"` ignores NODE_PATH: it looks only in
	// node_modules directories above the importing file. So the snippet
	// runs from a directory whose node_modules is the suite's install,
	// exactly as it would sit in a merchant's project.
	dir := t.TempDir()
	src, err := os.ReadFile(examplesPath(t, "sdk", "node", "example.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(nm, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	p := examplesEmulator(t)
	for _, tc := range examplesSnippetCases(p.Endpoint) {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "example.mjs")
			cmd.Dir = dir
			cmd.Env = examplesEnv(tc.env...)
			stdout, stderr, code := examplesRun(t, cmd)
			examplesCheckOutput(t, tc.ok, stdout, stderr, code)
		})
	}
}

// TestExamplesNodePinned: following the Node example's instructions (npm
// ci in examples/sdk/node) installs the SDK version the Node suite pins and
// tests, from a lock file, and leaves nothing untracked but node_modules.
func TestExamplesNodePinned(t *testing.T) {
	type lock struct {
		Dependencies map[string]string `json:"dependencies"`
		Packages     map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	read := func(path string, v any) {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	const sdk = "tencentcloud-sdk-nodejs-intl-en"
	root := shipRepoRoot(t)
	var suite, example, exampleLock lock
	read(filepath.Join(root, "integration", "node", "package.json"), &suite)
	read(examplesPath(t, "sdk", "node", "package.json"), &example)
	read(examplesPath(t, "sdk", "node", "package-lock.json"), &exampleLock)
	want := suite.Dependencies[sdk]
	if want == "" || strings.ContainsAny(want, "^~*<>x ") {
		t.Fatalf("integration/node/package.json pins %s %q, want an exact version", sdk, want)
	}
	if got := example.Dependencies[sdk]; got != want {
		t.Errorf("examples/sdk/node/package.json: %s %q, want %q (the version the suite tests)", sdk, got, want)
	}
	if got := exampleLock.Packages["node_modules/"+sdk].Version; got != want {
		t.Errorf("examples/sdk/node/package-lock.json locks %s %q, want %q", sdk, got, want)
	}
	src, err := os.ReadFile(examplesPath(t, "sdk", "node", "example.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), "npm install") || !strings.Contains(string(src), "npm ci") {
		t.Error("examples/sdk/node/example.mjs must say npm ci (the locked version), not npm install")
	}
}

// TestExamplesSnippetsConsistent checks what can be checked of the
// snippets that cannot run here (no Python SDK, Maven or PHP on this
// machine): the default credential is the emulator's, the endpoint comes
// without a scheme and each uses its SDK's plain-HTTP setting (wire
// protocol §1.3), and the Python file compiles.
func TestExamplesSnippetsConsistent(t *testing.T) {
	def := emulator.DefaultCredential()
	snippets := map[string][]string{
		"go/main.go":        {`cpf.HttpProfile.Scheme = "http"`, `"127.0.0.1:8780"`, `cpf.HttpProfile.Endpoint = endpoint`},
		"node/example.mjs":  {`new HttpProfile("http://", endpoint`, `"127.0.0.1:8780"`, `"TC3-HMAC-SHA256"`},
		"python/example.py": {`HttpProfile(protocol="http", endpoint=ENDPOINT`, `"127.0.0.1:8780"`},
		"java/Example.java": {`setProtocol(HttpProfile.REQ_HTTP)`, `setEndpoint(ENDPOINT)`, `"127.0.0.1:8780"`},
		"php/example.php":   {`setProtocol('http://')`, `setEndpoint($endpoint)`, `'127.0.0.1:8780'`},
	}
	for file, wants := range snippets {
		data, err := os.ReadFile(examplesPath(t, "sdk", filepath.FromSlash(file)))
		if err != nil {
			t.Error(err)
			continue
		}
		src := string(data)
		for _, want := range append(wants, def.SecretID, def.SecretKey, "ApplyWebVerificationBizTokenIntl", "GetWebVerificationResultIntl",
			"/_emulator/sessions/", "/complete", "FACEID_ENDPOINT", "FACEID_SECRET_ID", "FACEID_SECRET_KEY", "ErrorCode: ") {
			if !strings.Contains(src, want) {
				t.Errorf("examples/sdk/%s lacks %q", file, want)
			}
		}
		// An endpoint with a scheme breaks every SDK (wire protocol §1.3).
		if regexp.MustCompile(`(?i)endpoint\s*[:=(]\s*["']https?://`).MatchString(src) {
			t.Errorf("examples/sdk/%s sets an endpoint with a scheme", file)
		}
	}
	// Python: `hp.protocol = "http"` after construction does nothing.
	py, _ := os.ReadFile(examplesPath(t, "sdk", "python", "example.py"))
	if regexp.MustCompile(`(?m)^\s*\w+\.protocol\s*=`).Match(py) {
		t.Error(`examples/sdk/python/example.py assigns .protocol after construction, which the Python SDK ignores`)
	}
	if python, err := exec.LookPath("python3"); err == nil {
		cmd := exec.Command(python, "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", examplesPath(t, "sdk", "python", "example.py"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("examples/sdk/python/example.py does not parse: %v\n%s", err, out)
		}
	} else {
		t.Log("python3 not on PATH: example.py was not parsed")
	}
	if php, err := exec.LookPath("php"); err == nil {
		if out, err := exec.Command(php, "-l", examplesPath(t, "sdk", "php", "example.php")).CombinedOutput(); err != nil {
			t.Errorf("examples/sdk/php/example.php: php -l: %v\n%s", err, out)
		}
	} else {
		t.Log("php not on PATH: example.php was not linted")
	}
}
