package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/internal/syncbuf"
)

// Credentials the suites configure on every emulator they start.
var (
	credMain  = emulator.Credential{SecretID: "AKIDINTEGRATION0000000000000000001", SecretKey: "integration-key-1"}
	credOther = emulator.Credential{SecretID: "AKIDINTEGRATION0000000000000000002", SecretKey: "integration-key-2"}
	credTemp  = emulator.Credential{SecretID: "AKIDINTEGRATIONTEMP00000000000003", SecretKey: "integration-key-3", Token: "temporary-session-token"}
)

func credentialsEnv() string {
	var parts []string
	for _, c := range []emulator.Credential{credMain, credOther, credTemp} {
		s := c.SecretID + ":" + c.SecretKey
		if c.Token != "" {
			s += ":" + c.Token
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

// target is an emulator under test: in-process or the built binary.
type target struct {
	Name     string
	Endpoint string           // host:port, as given to an SDK profile
	BaseURL  string           // http://host:port
	Server   *emulator.Server // nil for the binary
}

// inProcess starts the library behind httptest.
func inProcess(t testing.TB, opts emulator.Options) *target {
	t.Helper()
	if opts.Credentials == nil {
		opts.Credentials = []emulator.Credential{credMain, credOther, credTemp}
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	srv.MarkServing()
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &target{Name: "in-process", Endpoint: strings.TrimPrefix(hs.URL, "http://"), BaseURL: hs.URL, Server: srv}
}

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the binary and the container image built for the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	ctrRemoveImage()
	os.Exit(code)
}

// emulatorBinary builds the release binary once per test run with the same
// script the Dockerfile uses.
func emulatorBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "faceid-emulator-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "emulator")
		cmd := exec.Command("sh", "../scripts/build.sh", binPath, "test", "integration")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a running emulator binary.
type process struct {
	*target
	Cmd    *exec.Cmd
	Stdout *syncbuf.Buffer
	Stderr *syncbuf.Buffer
	done   chan error
}

// startBinary runs the built binary on a free port with env added to a
// minimal environment, and waits until it is ready (not merely healthy).
func startBinary(t testing.TB, env ...string) *process {
	t.Helper()
	p := launchBinary(t, env...)
	if err := waitReady(p.BaseURL, 30*time.Second, p.done); err != nil {
		t.Fatalf("emulator binary did not become ready: %v\nstdout:\n%s\nstderr:\n%s", err, p.Stdout, p.Stderr)
	}
	return p
}

// startBinaryServing starts the binary and waits only until it answers
// health, for tests of a replica that is meant not to be ready yet (its
// shared store unreachable).
func startBinaryServing(t testing.TB, env ...string) *process {
	t.Helper()
	p := launchBinary(t, env...)
	if err := waitRoute(p.BaseURL, "/_emulator/health", 30*time.Second, p.done); err != nil {
		t.Fatalf("emulator binary did not answer health: %v\nstdout:\n%s\nstderr:\n%s", err, p.Stdout, p.Stderr)
	}
	return p
}

// launchBinary starts the binary on a free port, stopped at cleanup.
func launchBinary(t testing.TB, env ...string) *process {
	t.Helper()
	bin := emulatorBinary(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append([]string{"EMULATOR_ADDR=" + addr, "EMULATOR_CREDENTIALS=" + credentialsEnv(), "EMULATOR_LOG_LEVEL=warn"}, env...)
	p := &process{
		target: &target{Name: "binary", Endpoint: addr, BaseURL: "http://" + addr},
		Cmd:    cmd, Stdout: &syncbuf.Buffer{}, Stderr: &syncbuf.Buffer{}, done: make(chan error, 1),
	}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.Stop(t) })
	return p
}

// Stop sends SIGTERM and waits for the exit; it is idempotent.
func (p *process) Stop(t testing.TB) error {
	if p.Cmd.ProcessState != nil {
		return nil
	}
	_ = p.Cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(5 * time.Second):
		_ = p.Cmd.Process.Kill()
		return errors.New("emulator did not stop within 5 s")
	}
}

// waitReady polls /_emulator/ready until it answers 200 (the listener
// serves and the scenarios, loaded in the background by the binary, are
// in), within a bounded time. Health is not enough: it answers 200 while
// the scenarios still load, and a test that reads ready or the scenario
// list then sees 503 {"status":"starting"} on a loaded machine.
func waitReady(base string, within time.Duration, exited <-chan error) error {
	return waitRoute(base, "/_emulator/ready", within, exited)
}

// waitFor polls cond until it holds or the deadline passes: the one
// bounded wait of the suites (no fixed sleep).
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitRoute polls a route of the emulator at base until it answers 200.
func waitRoute(base, route string, within time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("process exited: %v", err)
		default:
		}
		resp, err := client.Get(base + route)
		if err != nil {
			last = err.Error()
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not 200 within %s (last answer: %s)", route, within, last)
}

// goClient is the official Go SDK's CommonClient pointed at the target.
func goClient(tg *target, cred emulator.Credential, configure ...func(*profile.ClientProfile)) *common.Client {
	return goClientRegion(tg, cred, "ap-singapore", configure...)
}

// goClientRegion is goClient for another region.
func goClientRegion(tg *target, cred emulator.Credential, region string, configure ...func(*profile.ClientProfile)) *common.Client {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = tg.Endpoint
	cpf.HttpProfile.Scheme = "http"
	cpf.HttpProfile.ReqTimeout = 30
	cpf.Language = "en-US"
	for _, f := range configure {
		f(cpf)
	}
	var c common.CredentialIface = common.NewCredential(cred.SecretID, cred.SecretKey)
	if cred.Token != "" {
		c = common.NewTokenCredential(cred.SecretID, cred.SecretKey, cred.Token)
	}
	return common.NewCommonClient(c, region, cpf)
}

// call sends one action through the SDK and decodes Response.
func call(c *common.Client, action string, params map[string]any) (map[string]any, error) {
	return callVersion(c, "2018-03-01", action, params)
}

// sdkCode returns the TencentCloudSDKError code of err, or "" if err is not
// one.
func sdkCode(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// apply calls ApplyWebVerificationBizTokenIntl and returns the BizToken and
// VerificationURL.
func apply(t testing.TB, c *common.Client, params map[string]any) (token, url string) {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	if _, ok := params["RedirectURL"]; !ok {
		params["RedirectURL"] = "https://merchant.example/callback"
	}
	resp, err := call(c, "ApplyWebVerificationBizTokenIntl", params)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	token, _ = resp["BizToken"].(string)
	url, _ = resp["VerificationURL"].(string)
	if token == "" || url == "" {
		t.Fatalf("Apply answered without BizToken/VerificationURL: %v", resp)
	}
	return token, url
}

// controlJSON calls the control API and decodes the JSON answer.
func controlJSON(t testing.TB, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = strings.NewReader(string(data))
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

// firstLine returns the first line of s containing substr.
func firstLine(s, substr string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			return sc.Text()
		}
	}
	return ""
}
