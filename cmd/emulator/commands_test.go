package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/internal/syncbuf"
)

const (
	goodScenarios = "../../scenarios/testdata/validate/good"
	badScenarios  = "../../scenarios/testdata/validate/bad"
)

func TestRunDispatch(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name       string
		args       []string
		env        []string
		want       int
		wantStdout []string
		wantStderr []string
	}{
		{name: "unknown command", args: []string{"frobnicate"}, want: 2, wantStderr: []string{`unknown command "frobnicate"`, "emulator healthcheck"}},
		{name: "version", args: []string{"version"}, want: 0, wantStdout: []string{"faceid-emulator " + version, "commit ", runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}},
		{name: "--version", args: []string{"--version"}, want: 0, wantStdout: []string{"faceid-emulator ", runtime.Version()}},
		{name: "help", args: []string{"help"}, want: 0, wantStdout: []string{"emulator healthcheck", "emulator validate", "-addr", "[EMULATOR_ADDR]", "[EMULATOR_TLS_WRITE_CERT]"}},
		{name: "--help", args: []string{"--help"}, want: 0, wantStdout: []string{"emulator version", "-public-url", "[EMULATOR_PUBLIC_URL]"}},
		{name: "-h", args: []string{"-h"}, want: 0, wantStdout: []string{"[EMULATOR_SCENARIOS]"}},
		{name: "serve --help", args: []string{"serve", "--help"}, want: 0, wantStderr: []string{"Usage: emulator serve", "[EMULATOR_CREDENTIALS]"}},
		{name: "healthcheck --help", args: []string{"healthcheck", "--help"}, want: 0, wantStderr: []string{"Usage: emulator healthcheck", "[EMULATOR_ADDR]"}},
		{name: "serve bad flag", args: []string{"serve", "--bogus"}, want: 2, wantStderr: []string{"-bogus"}},
		{name: "bad flag without command = serve", args: []string{"--bogus"}, want: 2, wantStderr: []string{"Usage: emulator serve"}},
		{name: "serve positional", args: []string{"serve", "now"}, want: 2, wantStderr: []string{"unexpected arguments: now"}},
		{name: "serve bad env", args: []string{"serve"}, env: []string{"EMULATOR_TLS=maybe"}, want: 2, wantStderr: []string{"EMULATOR_TLS"}},
		{name: "serve bad log format", args: []string{"serve"}, env: []string{"EMULATOR_LOG_FORMAT=yaml"}, want: 2, wantStderr: []string{"--log-format"}},
		{name: "serve bad public url", args: []string{"serve"}, env: []string{"EMULATOR_PUBLIC_URL=localhost:8780"}, want: 2, wantStderr: []string{"--public-url"}},
		{name: "serve bad credentials", args: []string{"serve"}, env: []string{"EMULATOR_CREDENTIALS=nokey"}, want: 2, wantStderr: []string{"--credentials"}},
		{name: "serve port in use", args: []string{"serve"}, env: []string{"EMULATOR_ADDR=" + busy.Addr().String(), "EMULATOR_LOG_LEVEL=error"}, want: 1, wantStderr: []string{"address already in use"}},
		{name: "serve missing scenarios", args: []string{"serve"}, env: []string{"EMULATOR_ADDR=127.0.0.1:0", "EMULATOR_SCENARIOS=/no/such/dir", "EMULATOR_LOG_LEVEL=error"}, want: 1, wantStderr: []string{"/no/such/dir"}},
		{name: "validate without paths", args: []string{"validate"}, want: 2, wantStderr: []string{"usage: emulator validate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncbuf.Buffer
			got := run(tt.args, &stdout, &stderr, envMap(tt.env...))
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, got, tt.want, stdout.String(), stderr.String())
			}
			for _, s := range tt.wantStdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.wantStderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

func TestVersionString(t *testing.T) {
	old := [2]string{version, commit}
	t.Cleanup(func() { version, commit = old[0], old[1] })
	version, commit = "v1.2.3", "abc1234"
	got := versionString()
	for _, want := range []string{"v1.2.3", "commit abc1234", runtime.Version()} {
		if !strings.Contains(got, want) {
			t.Errorf("versionString() = %q, lacks %q", got, want)
		}
	}
}

func TestValidateExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStdout string
	}{
		{"good directory", []string{goodScenarios}, 0, ""},
		{"good file", []string{goodScenarios + "/merchant.yaml"}, 0, ""},
		{"bad directory", []string{badScenarios}, 1, "schema.yaml:2:"},
		{"bad file among good", []string{goodScenarios, badScenarios + "/syntax.yaml"}, 1, "syntax.yaml:3: YAML syntax"},
		{"missing path", []string{"/no/such/scenarios.yaml"}, 1, "/no/such/scenarios.yaml"},
		{"no path", nil, 2, ""},
		// Not a regular file: refused at once instead of read forever
		// (issue 15; the FIFO case is in package scenarios).
		{"device", []string{"/dev/zero"}, 1, "/dev/zero: cannot read: not a regular file (a character device)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncbuf.Buffer
			got := run(append([]string{"validate"}, tt.args...), &stdout, &stderr, envMap())
			if got != tt.want {
				t.Errorf("validate %v = %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, got, tt.want, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout.String())
			}
			if tt.want == 0 && strings.TrimSpace(stderr.String()) != "ok" {
				t.Errorf("stderr = %q, want ok", stderr.String())
			}
		})
	}
}

func TestHealthcheck(t *testing.T) {
	var hits sync.Map
	handler := func(status int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Store(r.URL.Path, r.Method)
			if r.URL.Path != "/_emulator/health" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"status":"ok","version":"test"}`))
		})
	}
	healthy := httptest.NewServer(handler(http.StatusOK))
	defer healthy.Close()
	failing := httptest.NewServer(handler(http.StatusServiceUnavailable))
	defer failing.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	hostPort := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	_, healthyPort, _ := net.SplitHostPort(hostPort(healthy))

	tests := []struct {
		name       string
		args       []string
		env        []string
		want       int
		wantOutput string
	}{
		{"healthy via EMULATOR_ADDR", nil, []string{"EMULATOR_ADDR=" + hostPort(healthy)}, 0, "healthy"},
		{"healthy via --addr", []string{"--addr", hostPort(healthy)}, nil, 0, "healthy"},
		{"--addr beats EMULATOR_ADDR", []string{"--addr=" + hostPort(healthy)}, []string{"EMULATOR_ADDR=" + closedAddr}, 0, "healthy"},
		{"wildcard listen address dials loopback", nil, []string{"EMULATOR_ADDR=:" + healthyPort}, 0, "healthy"},
		{"0.0.0.0 dials loopback", nil, []string{"EMULATOR_ADDR=0.0.0.0:" + healthyPort}, 0, "healthy"},
		{"serve flags accepted", []string{"--addr", hostPort(healthy), "--log-level=debug"}, []string{"EMULATOR_PUBLIC_URL=http://localhost:8780"}, 0, "healthy"},
		{"closed port", nil, []string{"EMULATOR_ADDR=" + closedAddr}, 1, "unhealthy"},
		{"status 503", nil, []string{"EMULATOR_ADDR=" + hostPort(failing)}, 1, "503"},
		// Docker reserves exit code 2 for HEALTHCHECK: configuration
		// errors are "unhealthy" (1), never 2.
		{"bad environment", nil, []string{"EMULATOR_ADDR=" + hostPort(healthy), "EMULATOR_MAX_SESSIONS=lots"}, 1, "EMULATOR_MAX_SESSIONS"},
		{"bad flag", []string{"--bogus"}, nil, 1, "bogus"},
		{"help", []string{"-h"}, nil, 0, "[EMULATOR_ADDR]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncbuf.Buffer
			got := run(append([]string{"healthcheck"}, tt.args...), &stdout, &stderr, envMap(tt.env...))
			if got != tt.want {
				t.Errorf("healthcheck = %d, want %d\nstdout: %s\nstderr: %s", got, tt.want, stdout.String(), stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tt.wantOutput) {
				t.Errorf("output %q lacks %q", out, tt.wantOutput)
			}
		})
	}
	if m, ok := hits.Load("/_emulator/health"); !ok || m != http.MethodGet {
		t.Errorf("health endpoint was not asked with GET (got %v)", m)
	}

	t.Run("hanging server times out", func(t *testing.T) {
		start := time.Now()
		var stdout, stderr syncbuf.Buffer
		got := run([]string{"healthcheck"}, &stdout, &stderr, envMap("EMULATOR_ADDR="+hostPort(hanging)))
		elapsed := time.Since(start)
		if got != 1 {
			t.Errorf("healthcheck = %d, want 1 (%s)", got, stderr.String())
		}
		// The Dockerfile's HEALTHCHECK --timeout is 3s: the command must
		// give up on its own before that.
		if elapsed > healthTimeout+500*time.Millisecond || elapsed >= 3*time.Second {
			t.Errorf("healthcheck took %v against a hanging server (healthTimeout %v)", elapsed, healthTimeout)
		}
	})
}

var bannerAddr = regexp.MustCompile(`listening on http://(\S+)`)

// TestServeLifecycle runs the serve command in-process: the banner names
// the address, healthcheck says 0 while it runs, a cancelled context (the
// SIGTERM path) stops it with 0, and healthcheck then says 1.
func TestServeLifecycle(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	done := make(chan int, 1)
	env := envMap("EMULATOR_ADDR=127.0.0.1:0", "EMULATOR_LOG_LEVEL=warn", "EMULATOR_SCENARIOS="+goodScenarios)
	go func() { done <- serve(ctx, nil, &stdout, &stderr, env) }()

	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		if m := bannerAddr.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before listening:\n%s\n%s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner within 10s:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The banner is several writes: wait (bounded) for all of it, not
	// just its first line.
	wants := []string{"SecretId=AKIDEMULATOR", "(documented default)", "/_emulator/ui", "endpoint \"" + addr + "\""}
	for {
		banner, missing := stdout.String(), ""
		for _, want := range wants {
			if !strings.Contains(banner, want) {
				missing = want
				break
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("banner lacks %q:\n%s", missing, banner)
		}
		time.Sleep(10 * time.Millisecond)
	}

	var hcOut, hcErr syncbuf.Buffer
	if code := run([]string{"healthcheck", "--addr", addr}, &hcOut, &hcErr, envMap()); code != 0 {
		t.Errorf("healthcheck while serving = %d: %s", code, hcErr.String())
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit code after shutdown = %d, want 0\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return within 10s of cancellation")
	}
	if code := run([]string{"healthcheck", "--addr", addr}, &hcOut, &hcErr, envMap()); code != 1 {
		t.Errorf("healthcheck after shutdown = %d, want 1", code)
	}
}

func TestBufferedLogFlushes(t *testing.T) {
	var out syncbuf.Buffer
	b := newBufferedLog(&out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.run(ctx); close(done) }()
	fmt.Fprintln(b, "first line")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "first line") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "first line") {
		t.Fatal("the periodic flush never wrote the line")
	}
	fmt.Fprintln(b, "last line")
	cancel()
	<-done
	if !strings.Contains(out.String(), "last line") {
		t.Fatal("stopping did not flush")
	}
}

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100}, {10 << 20, 100}, {64 << 20, 100}, {128 << 20, 50}, {256 << 20, 25}, {1 << 30, 25},
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}
