package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// nodeDir holds the Node intl SDK suite (package.json, *.test.mjs).
const nodeDir = "node"

// nodeSuiteTimeout bounds one node --test run.
const nodeSuiteTimeout = 5 * time.Minute

// requireNode returns the node executable, or skips the test (fails it in
// CI, where no suite may skip) when node or the installed SDK is missing.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	problem := ""
	switch {
	case err != nil:
		problem = "node is not on PATH (install Node.js >= 20)"
	default:
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "tencentcloud-sdk-nodejs-intl-en", "package.json")); err != nil {
			problem = "integration/node/node_modules is missing; run `npm ci --prefix integration/node`"
		}
	}
	if problem == "" {
		return node
	}
	unavailable(t, "the Node SDK suite cannot run: "+problem)
	return ""
}

// nodeEnv is the child's environment: this process's, without proxy
// settings (the SDK sends everything through HttpsProxyAgent when
// http_proxy is set, which would take loopback traffic elsewhere), without
// anything that turns TLS verification off and without stray EMULATOR_*
// variables, plus the emulator's address and the test credentials.
func nodeEnv(p *process, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(name) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy", "node_tls_reject_unauthorized", "force_color":
			continue
		}
		if strings.HasPrefix(name, "EMULATOR_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"NO_COLOR=1",
		"EMULATOR_ENDPOINT="+p.Endpoint,
		"EMULATOR_BASE_URL="+p.BaseURL,
		"EMULATOR_TEST_SECRET_ID="+credMain.SecretID,
		"EMULATOR_TEST_SECRET_KEY="+credMain.SecretKey,
		"EMULATOR_TEST_OTHER_SECRET_ID="+credOther.SecretID,
		"EMULATOR_TEST_OTHER_SECRET_KEY="+credOther.SecretKey,
		"EMULATOR_TEST_TEMP_SECRET_ID="+credTemp.SecretID,
		"EMULATOR_TEST_TEMP_SECRET_KEY="+credTemp.SecretKey,
		"EMULATOR_TEST_TEMP_TOKEN="+credTemp.Token,
	)
	return append(env, extra...)
}

// nodeSummary is the closing block of node's spec reporter.
type nodeSummary struct{ tests, pass, fail, skipped, todo, cancelled int }

var summaryLine = regexp.MustCompile(`^\S*\s*(tests|pass|fail|skipped|todo|cancelled) (\d+)\s*$`)

// runNodeTests runs node --test on files (relative to nodeDir) with env,
// streaming every output line to t.Log, and returns the reporter's
// summary. It fails the test if node exits non-zero or times out.
func runNodeTests(t *testing.T, node string, env []string, files ...string) nodeSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeSuiteTimeout)
	defer cancel()
	args := append([]string{"--test", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = nodeDir
	cmd.Env = env
	// On timeout ask the runner to stop (it ends its per-file children),
	// and kill it if it has not within 10 s.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw

	var sum nodeSummary
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			t.Log(line)
			if m := summaryLine.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[2])
				switch m[1] {
				case "tests":
					sum.tests = n
				case "pass":
					sum.pass = n
				case "fail":
					sum.fail = n
				case "skipped":
					sum.skipped = n
				case "todo":
					sum.todo = n
				case "cancelled":
					sum.cancelled = n
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	start := time.Now()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("node --test did not finish within %s", nodeSuiteTimeout)
	}
	if err != nil {
		t.Fatalf("node --test failed after %s: %v (summary: %+v)", time.Since(start).Round(time.Millisecond), err, sum)
	}
	t.Logf("node --test: %d tests, %d passed, %d failed, %d skipped in %s", sum.tests, sum.pass, sum.fail, sum.skipped, time.Since(start).Round(time.Millisecond))
	return sum
}

// nodeTestFiles lists the suite's *.test.mjs files, without exclude.
func nodeTestFiles(t *testing.T, exclude ...string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(nodeDir, "*.test.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, m := range matches {
		if name := filepath.Base(m); !slices.Contains(exclude, name) {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no *.test.mjs files in %s", nodeDir)
	}
	return files
}

// TestNodeSDK runs the Node intl SDK suite (every signing mode, with and
// without a temporary-credential token) against the built binary.
func TestNodeSDK(t *testing.T) {
	node := requireNode(t)
	p := startBinary(t)
	sum := runNodeTests(t, node, nodeEnv(p), nodeTestFiles(t, "tls.test.mjs")...)
	if sum.pass == 0 || sum.skipped != 0 || sum.todo != 0 || sum.cancelled != 0 {
		t.Errorf("node --test summary %+v: want passes and nothing skipped, todo or cancelled", sum)
	}
}

// startTLSBinary starts the binary with its HTTPS listener on a free port
// and a generated self-signed certificate written to a temp file; it
// returns the process, the HTTPS host:port and the certificate's path.
func startTLSBinary(t *testing.T) (*process, string, string) {
	t.Helper()
	certPath := filepath.Join(t.TempDir(), "cert.pem")
	tlsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := startBinary(t, "EMULATOR_TLS=true", "EMULATOR_TLS_ADDR="+tlsAddr, "EMULATOR_TLS_WRITE_CERT="+certPath)
	waitFor(t, 10*time.Second, "the emulator to write "+certPath, func() bool {
		fi, err := os.Stat(certPath)
		return err == nil && fi.Size() > 0
	})
	return p, tlsAddr, certPath
}

// TestNodeSDKTLS runs tls.test.mjs against the HTTPS listener, trusting
// the emulator's certificate through NODE_EXTRA_CA_CERTS only.
func TestNodeSDKTLS(t *testing.T) {
	node := requireNode(t)
	p, tlsAddr, certPath := startTLSBinary(t)
	env := nodeEnv(p, "EMULATOR_TLS_ENDPOINT="+tlsAddr)
	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "NODE_EXTRA_CA_CERTS=") })
	env = append(env, "NODE_EXTRA_CA_CERTS="+certPath)
	sum := runNodeTests(t, node, env, "tls.test.mjs")
	if sum.pass == 0 || sum.skipped != 0 {
		t.Errorf("tls.test.mjs summary %+v: want passes and nothing skipped", sum)
	}
}

// TestGoSDKTLS runs Apply -> complete -> Get with the Go SDK over HTTPS,
// with a transport that trusts only the emulator's certificate.
func TestGoSDKTLS(t *testing.T) {
	p, tlsAddr, certPath := startTLSBinary(t)
	pemData, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		t.Fatalf("%s holds no PEM certificate", certPath)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	tlsTarget := &target{Name: "binary-tls", Endpoint: tlsAddr, BaseURL: "https://" + tlsAddr}
	https := func(cpf *profile.ClientProfile) { cpf.HttpProfile.Scheme = "https" }
	c := goClient(tlsTarget, credMain, https).WithHttpTransport(tr)

	token, vurl := apply(t, c, map[string]any{
		"RedirectURL":        "https://merchant.example/cb?a=1&b=<x>",
		"CompareImageBase64": base64.StdEncoding.EncodeToString([]byte("not really a jpeg")),
		"Extra":              "tls ünïcode & spaces",
		"Config":             map[string]any{"AutoSkip": true, "CheckMode": 2},
	})
	if want := "https://" + tlsAddr + "/reflect/?token=" + token; vurl != want {
		t.Errorf("VerificationURL = %q, want %q", vurl, want)
	}

	// The control API over the same listener, trusting the same root only.
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, tlsTarget.BaseURL+"/_emulator/sessions/"+token+"/complete", strings.NewReader(`{"ErrorCode":0,"Similarity":91.5}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("complete over https: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("complete over https: status %d: %s", resp.StatusCode, body)
	}

	got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		t.Fatalf("Get over https: %v", err)
	}
	if got["ErrorCode"] != float64(0) || got["ErrorMsg"] != catalog.ResultMessage(0) || got["Extra"] != "tls ünïcode & spaces" {
		t.Errorf("Get = ErrorCode %v, ErrorMsg %v, Extra %v", got["ErrorCode"], got["ErrorMsg"], got["Extra"])
	}
	if details, _ := got["VerificationDetailList"].([]any); len(details) != 1 || details[0].(map[string]any)["Similarity"] != 91.5 {
		t.Errorf("VerificationDetailList = %v", got["VerificationDetailList"])
	}

	// The same call without trusting the certificate must fail the TLS
	// handshake: the listener really serves the self-signed certificate.
	untrusted := http.DefaultTransport.(*http.Transport).Clone()
	untrusted.Proxy = nil
	untrusted.TLSClientConfig = nil
	if _, err := call(goClient(tlsTarget, credMain, https).WithHttpTransport(untrusted), "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); err == nil {
		t.Error("a client that does not trust the self-signed certificate got an answer")
	} else if ua := (x509.UnknownAuthorityError{}); !errors.As(err, &ua) && !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted call failed with %v, want a certificate error", err)
	}

	// The plain listener still answers too.
	if _, err := call(goClient(p.target, credMain), "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); err != nil {
		t.Errorf("plain HTTP Get: %v", err)
	}
}
