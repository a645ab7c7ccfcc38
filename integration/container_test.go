package integration

// The container suite: the project's Dockerfile built by a real container
// engine and the image run the way users run it. It drives the podman CLI
// (daemonless, so it works where no Docker daemon can run) and builds the
// unchanged Dockerfile once per test run with
//
//	podman build --pull=never --format docker --network host
//
// --pull=never: the build stage's base image (golang:<GO_VERSION>-bookworm)
// must already be local - pulled by a developer, or in CI the stand-in that
// scripts/ci-golang-standin.sh imports, since CI reaches no image registry.
// --format docker keeps the HEALTHCHECK, which the OCI image format has no
// field for. Podman's own settings (storage driver, runtime, ulimits) come
// from its configuration: .ci/run points it at .ci/containers.conf.
//
// Without podman, or without the base image, the suite skips with a
// message; with CI=true it fails instead.

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
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
	"syscall"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

const (
	ctrVersion = "v0.0.0-containertest"
	ctrCommit  = "ctrcommit"
	// ctrSizeGoal is the image size the README promises to stay under.
	ctrSizeGoal = 15_000_000
	// ctrTimeout bounds one podman command other than the build.
	ctrTimeout = 2 * time.Minute
	// ctrBuildTimeout bounds the image build: a cold build downloads the
	// modules and compiles everything in the build stage.
	ctrBuildTimeout = 15 * time.Minute
)

// ctrBuild is the image built for this test run.
var ctrBuild struct {
	once    sync.Once
	podman  string
	image   string // unique tag, removed by TestMain
	skip    string // why the suite cannot run here
	err     error
	elapsed time.Duration
}

// ctrCommand runs podman with args within timeout and returns its stdout,
// stderr and exit code (-1 when it could not run or timed out).
func ctrCommand(timeout time.Duration, args ...string) (string, string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ctrBuild.podman, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := -1
	if cmd.ProcessState != nil && ctx.Err() == nil {
		code = cmd.ProcessState.ExitCode()
	}
	if err != nil && code == -1 {
		fmt.Fprintf(&stderr, "\n(podman %s: %v)", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), code
}

// ctrPodman runs podman and fails the test unless it exits 0; it returns
// the trimmed stdout.
func ctrPodman(t testing.TB, args ...string) string {
	t.Helper()
	stdout, stderr, code := ctrCommand(ctrTimeout, args...)
	if code != 0 {
		t.Fatalf("podman %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return strings.TrimSpace(stdout)
}

// ctrImage builds the Dockerfile once per test run and returns the tag.
func ctrImage(t testing.TB) string {
	t.Helper()
	ctrBuild.once.Do(func() {
		bin, err := exec.LookPath("podman")
		if err != nil {
			ctrBuild.skip = "podman is not installed (Debian: apt-get install podman runc)"
			return
		}
		ctrBuild.podman = bin
		base := shipBuildBase(shipParseDockerfile(t))
		if _, _, code := ctrCommand(ctrTimeout, "image", "exists", base); code != 0 {
			ctrBuild.skip = fmt.Sprintf("the build stage's base image %s is not in podman's local storage "+
				"(podman pull %s, or the CI stand-in: scripts/ci-golang-standin.sh)", base, base)
			return
		}
		ctrSweep()
		ctrBuild.image = "localhost/" + ctrName("emulator")
		// --layers=false: the Go module and build caches are cache mounts,
		// so a rebuild is still incremental, and no intermediate build
		// stage image (over 200 MB each with the vfs driver) is left
		// behind per run.
		start := time.Now()
		stdout, stderr, code := ctrCommand(ctrBuildTimeout, "build", "--pull=never", "--format", "docker", "--network", "host",
			"--layers=false", "--build-arg", "VERSION="+ctrVersion, "--build-arg", "COMMIT="+ctrCommit,
			"-t", ctrBuild.image, shipRepoRoot(t))
		ctrBuild.elapsed = time.Since(start)
		if code != 0 {
			ctrBuild.err = fmt.Errorf("podman build: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	if ctrBuild.skip != "" {
		unavailable(t, ctrBuild.skip)
	}
	if ctrBuild.err != nil {
		t.Fatal(ctrBuild.err)
	}
	return ctrBuild.image
}

// ctrRemoveImage removes the image built for the run (called by TestMain).
func ctrRemoveImage() {
	if ctrBuild.image != "" {
		ctrCommand(ctrTimeout, "rmi", "--force", ctrBuild.image)
	}
}

// ctrName is a container, volume, network or image name unique to this
// run; ctrSweep finds it by the process id.
func ctrName(what string) string {
	return fmt.Sprintf("faceid-ctest-%d-%s-%d", os.Getpid(), what, time.Now().UnixNano()%1e9)
}

var ctrNamePID = regexp.MustCompile(`faceid-ctest-(\d+)-`)

// ctrSweep removes what earlier runs killed before their cleanup left
// behind: containers, volumes, networks and images named by ctrName for a
// process that is gone.
func ctrSweep() {
	for _, kind := range []struct{ list, rm []string }{
		{[]string{"ps", "--all", "--format", "{{.Names}}"}, []string{"rm", "--force", "--time", "0"}},
		{[]string{"volume", "ls", "--format", "{{.Name}}"}, []string{"volume", "rm", "--force"}},
		{[]string{"network", "ls", "--format", "{{.Name}}"}, []string{"network", "rm", "--force"}},
		{[]string{"images", "--format", "{{.Repository}}:{{.Tag}}"}, []string{"rmi", "--force"}},
	} {
		stdout, _, _ := ctrCommand(ctrTimeout, kind.list...)
		for _, name := range strings.Fields(stdout) {
			m := ctrNamePID.FindStringSubmatch(name)
			if m == nil {
				continue
			}
			if pid, err := strconv.Atoi(m[1]); err == nil && pid > 0 && syscall.Kill(pid, 0) == syscall.ESRCH {
				ctrCommand(ctrTimeout, append(kind.rm, name)...)
			}
		}
	}
}

// container is a running container of the test image.
type container struct {
	*target
	Name string
}

// ctrStart runs the image detached with podman run options opts and image
// arguments args, removes it at cleanup, and waits until base answers
// health. base is where the host reaches the server.
func ctrStart(t testing.TB, base string, opts []string, args ...string) *container {
	t.Helper()
	image := ctrImage(t)
	name := ctrName("c")
	run := append([]string{"run", "-d", "--name", name}, opts...)
	ctrPodman(t, append(append(run, image), args...)...)
	t.Cleanup(func() { ctrCommand(ctrTimeout, "rm", "--force", "--time", "0", name) })
	c := &container{target: &target{Name: "container", Endpoint: strings.TrimPrefix(base, "http://"), BaseURL: base}, Name: name}
	if err := waitHealthy(base, 30*time.Second, nil); err != nil {
		t.Fatalf("container %s did not answer health at %s: %v\n%s", name, base, err, ctrLogs(name))
	}
	return c
}

// ctrStartHost runs the image on the host network, listening on a free
// loopback port given as EMULATOR_ADDR.
func ctrStartHost(t testing.TB, opts []string, args ...string) *container {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	opts = append([]string{"--network", "host", "-e", "EMULATOR_ADDR=" + addr}, opts...)
	return ctrStart(t, "http://"+addr, opts, args...)
}

func ctrLogs(name string) string {
	stdout, stderr, _ := ctrCommand(ctrTimeout, "logs", name)
	return "logs:\n" + stdout + stderr
}

// ctrStop stops a container with podman stop --time 2: SIGTERM, then
// SIGKILL if it is still running 2 s later. Exit code 0 (not 137) means
// the server ended cleanly on SIGTERM within those 2 s.
func ctrStop(t testing.TB, c *container) {
	t.Helper()
	start := time.Now()
	ctrPodman(t, "stop", "--time", "2", c.Name)
	elapsed := time.Since(start)
	if code := ctrPodman(t, "inspect", "--format", "{{.State.ExitCode}}", c.Name); code != "0" {
		t.Errorf("after podman stop (SIGTERM, SIGKILL after 2 s): exit code %s, want 0 (ended cleanly within 2 s)\n%s", code, ctrLogs(c.Name))
	}
	t.Logf("podman stop %s took %v", c.Name, elapsed.Round(time.Millisecond))
}

// ctrShortcut opens VerificationURL with the page's outcome shortcut, as a
// script without a browser does, and checks the redirect to RedirectURL.
func ctrShortcut(t testing.TB, vurl, token, redirect string, outcome int) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(fmt.Sprintf("%s&outcome=%d", vurl, outcome))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := redirect + "?token=" + token; resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("outcome shortcut: %s Location %q, want 302 to %q", resp.Status, resp.Header.Get("Location"), want)
	}
}

// ctrImageInspect is the part of `podman image inspect` the tests read.
type ctrImageInspect struct {
	Size   int64
	Config struct {
		User         string
		ExposedPorts map[string]struct{}
		Env          []string
		Entrypoint   []string
		Cmd          []string
		Labels       map[string]string
		StopSignal   string
	}
	HealthCheck *struct {
		Test                           []string
		Interval, Timeout, StartPeriod time.Duration
		Retries                        int
	}
}

func TestContainerImage(t *testing.T) {
	image := ctrImage(t)
	t.Logf("podman build of the Dockerfile: %v", ctrBuild.elapsed.Round(time.Second))
	var inspected []ctrImageInspect
	if err := json.Unmarshal([]byte(ctrPodman(t, "image", "inspect", image)), &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("podman image inspect: %v (%d images)", err, len(inspected))
	}
	img := inspected[0]
	t.Logf("image size %.1f MB", float64(img.Size)/1e6)
	if img.Size <= 0 || img.Size >= ctrSizeGoal {
		t.Errorf("image size %d bytes, want under %d", img.Size, ctrSizeGoal)
	}
	cfg := img.Config
	if cfg.User != "65532:65532" {
		t.Errorf("User %q, want 65532:65532", cfg.User)
	}
	if _, ok := cfg.ExposedPorts["8780/tcp"]; !ok || len(cfg.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts %v, want exactly 8780/tcp", cfg.ExposedPorts)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/emulator"}) || !slices.Equal(cfg.Cmd, []string{"serve"}) {
		t.Errorf("Entrypoint %q Cmd %q, want [/emulator] [serve]", cfg.Entrypoint, cfg.Cmd)
	}
	if !slices.Contains(cfg.Env, "EMULATOR_ADDR=:8780") {
		t.Errorf("Env %q lacks EMULATOR_ADDR=:8780", cfg.Env)
	}
	for _, kv := range cfg.Env {
		if strings.HasPrefix(kv, "EMULATOR_") && kv != "EMULATOR_ADDR=:8780" {
			t.Errorf("Env sets %s; only EMULATOR_ADDR has an image default", kv)
		}
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.title":    "faceid-emulator",
		"org.opencontainers.image.source":   "https://github.com/faceid-emulator/faceid-emulator",
		"org.opencontainers.image.version":  ctrVersion,
		"org.opencontainers.image.revision": ctrCommit,
	} {
		if got := cfg.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if cfg.Labels["org.opencontainers.image.description"] == "" {
		t.Error("label org.opencontainers.image.description is empty")
	}
	if hc := img.HealthCheck; hc == nil {
		t.Error("no HEALTHCHECK in the image (built with --format docker?)")
	} else if !slices.Equal(hc.Test, []string{"CMD", "/emulator", "healthcheck"}) || hc.Interval != 5*time.Second ||
		hc.Timeout != 3*time.Second || hc.StartPeriod != 2*time.Second || hc.Retries != 3 {
		t.Errorf("HEALTHCHECK %+v, want exec form [/emulator healthcheck], 5s/3s/2s, 3 retries", *hc)
	}

	// The filesystem is the binary and the empty /data owned by 65532:
	// no shell, no libc, no CA bundle, no /tmp.
	files := ctrImageFiles(t, image)
	want := map[string]string{"emulator": "file 0:0", "data/": "dir 65532:65532"}
	for name, got := range files {
		if want[name] != got {
			t.Errorf("image holds %s (%s); want only %v", name, got, want)
		}
	}
	for name := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("image lacks %s", name)
		}
	}

	// And no shell to run: the engine cannot start one.
	for _, sh := range []string{"/bin/sh", "sh"} {
		_, stderr, code := ctrCommand(ctrTimeout, "run", "--rm", "--network", "none", "--entrypoint", sh, image, "-c", "true")
		if code == 0 {
			t.Errorf("podman run --entrypoint %s succeeded: the image has a shell", sh)
		} else if !strings.Contains(stderr, "no such file") && !strings.Contains(stderr, "not found") {
			t.Errorf("podman run --entrypoint %s: exit %d for another reason than a missing shell: %s", sh, code, stderr)
		}
	}

	// The binary's own version is the one the build arguments stamped.
	if out := ctrPodman(t, "run", "--rm", "--network", "none", image, "version"); !strings.Contains(out, ctrVersion) || !strings.Contains(out, ctrCommit) {
		t.Errorf("emulator version in the image: %q, want %s and %s", out, ctrVersion, ctrCommit)
	}
}

// ctrImageFiles lists the image's files from `podman save` (docker-archive:
// manifest.json and one tar per layer), name -> "file|dir uid:gid".
func ctrImageFiles(t *testing.T, image string) map[string]string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "image.tar")
	ctrPodman(t, "save", "--format", "docker-archive", "-o", archive, image)
	entries := map[string][]byte{}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg && (h.Name == "manifest.json" || strings.HasSuffix(h.Name, ".tar")) {
			data, err := io.ReadAll(io.LimitReader(tr, 64<<20))
			if err != nil {
				t.Fatal(err)
			}
			entries[h.Name] = data
		}
	}
	var manifest []struct{ Layers []string }
	if err := json.Unmarshal(entries["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("podman save: manifest.json: %v", err)
	}
	files := map[string]string{}
	for _, layer := range manifest[0].Layers {
		lr := tar.NewReader(bytes.NewReader(entries[layer]))
		for {
			h, err := lr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("layer %s: %v", layer, err)
			}
			kind := "file"
			switch h.Typeflag {
			case tar.TypeDir:
				kind = "dir"
			case tar.TypeSymlink, tar.TypeLink:
				kind = "link"
			}
			files[strings.TrimPrefix(h.Name, "./")] = fmt.Sprintf("%s %d:%d", kind, h.Uid, h.Gid)
		}
	}
	return files
}

// TestContainerRun: the image as documented, `docker run -p 8780:8780
// IMAGE` with no settings (the published host port is a free one here).
func TestContainerRun(t *testing.T) {
	port := freePort(t)
	c := ctrStart(t, fmt.Sprintf("http://127.0.0.1:%d", port), []string{"-p", fmt.Sprintf("127.0.0.1:%d:8780", port)})

	// The server process runs as 65532, not root.
	pid := ctrPodman(t, "inspect", "--format", "{{.State.Pid}}", c.Name)
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if uid := firstLine(string(status), "Uid:"); !strings.Contains(uid, "\t65532\t65532\t") {
		t.Errorf("server process %s, want uid 65532", uid)
	}

	// The official Go SDK's flow with the image's default credential:
	// Apply, the page's outcome shortcut, Get.
	sdk := goClient(c.target, emulator.DefaultCredential())
	redirect := "https://merchant.example/kyc/done"
	token, vurl := apply(t, sdk, map[string]any{"RedirectURL": redirect, "Extra": "container"})
	if want := c.BaseURL + "/reflect/?token=" + token; vurl != want {
		t.Errorf("VerificationURL %q, want %q", vurl, want)
	}
	ctrShortcut(t, vurl, token, redirect, 0)
	if got := shipGetResult(t, c.target, emulator.DefaultCredential(), token); got["ErrorCode"] != float64(0) || got["Extra"] != "container" {
		t.Errorf("Get: ErrorCode %v Extra %v, want 0 and the Apply's Extra", got["ErrorCode"], got["Extra"])
	}

	// The HEALTHCHECK, run by the engine: healthy while serving.
	if stdout, stderr, code := ctrCommand(ctrTimeout, "healthcheck", "run", c.Name); code != 0 {
		t.Errorf("podman healthcheck run: exit %d, want 0 (healthy)\n%s%s", code, stdout, stderr)
	}
	if s := ctrPodman(t, "inspect", "--format", "{{.State.Health.Status}}", c.Name); s != "healthy" {
		t.Errorf("health status %q after a passing check, want healthy", s)
	}

	ctrStop(t, c)
}

// TestContainerSettings: -e EMULATOR_* reach the server and the health
// check, and the health check reports the server gone once it stops.
func TestContainerSettings(t *testing.T) {
	public := "http://browser.example:8780"
	c := ctrStartHost(t, []string{"-e", "EMULATOR_CREDENTIALS=" + credentialsEnv(), "-e", "EMULATOR_PUBLIC_URL=" + public,
		"-e", "EMULATOR_LOG_LEVEL=warn"})

	// EMULATOR_ADDR: it listens where told (ctrStartHost waited for it).
	// EMULATOR_CREDENTIALS: the configured pair works, the default is gone.
	sdk := goClient(c.target, credMain)
	token, vurl := apply(t, sdk, nil)
	// EMULATOR_PUBLIC_URL: the browser-facing VerificationURL.
	if want := public + "/reflect/?token=" + token; vurl != want {
		t.Errorf("VerificationURL %q, want %q (EMULATOR_PUBLIC_URL)", vurl, want)
	}
	if _, err := call(goClient(c.target, emulator.DefaultCredential()), "GetWebVerificationResultIntl", map[string]any{"BizToken": token}); sdkCode(err) != "AuthFailure.SecretIdNotFound" {
		t.Errorf("default credential with EMULATOR_CREDENTIALS set: %v, want AuthFailure.SecretIdNotFound", err)
	}
	// EMULATOR_LOG_LEVEL=warn: no per-request info lines.
	if logs := ctrLogs(c.Name); strings.Contains(logs, "level=INFO") {
		t.Errorf("EMULATOR_LOG_LEVEL=warn, but info lines were logged:\n%s", logs)
	}

	// The HEALTHCHECK reads EMULATOR_ADDR too: a second container whose
	// server listens elsewhere (--addr, a flag) but whose environment
	// names the first one's address is healthy only while the first runs.
	other := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	watcher := ctrStart(t, "http://"+other, []string{"--network", "host", "-e", "EMULATOR_ADDR=" + c.Endpoint}, "serve", "--addr", other)
	if stdout, stderr, code := ctrCommand(ctrTimeout, "healthcheck", "run", watcher.Name); code != 0 {
		t.Errorf("podman healthcheck run (checking %s while it serves): exit %d\n%s%s", c.Endpoint, code, stdout, stderr)
	}
	ctrStop(t, c)
	if stdout, stderr, code := ctrCommand(ctrTimeout, "healthcheck", "run", watcher.Name); code != 1 || !strings.Contains(stdout, "unhealthy") {
		t.Errorf("podman healthcheck run (checking %s after it stopped): exit %d %q, want 1 unhealthy\n%s", c.Endpoint, code, stdout, stderr)
	}
}

// TestContainerScenarios: a scenarios folder mounted at /scenarios, checked
// with the validate subcommand and loaded with EMULATOR_SCENARIOS.
func TestContainerScenarios(t *testing.T) {
	image := ctrImage(t)
	dir := func(files ...string) string {
		d := t.TempDir()
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(shipRepoRoot(t), "scenarios", "testdata", "validate", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, filepath.Base(f)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// The container runs as 65532: the folder must be readable by others.
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	good, bad := dir("good/merchant.yaml"), dir("bad/syntax.yaml")

	validate := func(d string) (string, int) {
		stdout, stderr, code := ctrCommand(ctrTimeout, "run", "--rm", "--network", "none", "-v", d+":/scenarios:ro", image, "validate", "/scenarios")
		return stdout + stderr, code
	}
	if out, code := validate(good); code != 0 {
		t.Errorf("validate /scenarios (good): exit %d: %s", code, out)
	}
	if out, code := validate(bad); code != 1 || !strings.Contains(out, "syntax.yaml:") {
		t.Errorf("validate /scenarios (bad): exit %d %q, want 1 and file:line: reason", code, out)
	}

	c := ctrStartHost(t, []string{"-e", "EMULATOR_SCENARIOS=/scenarios", "-v", good + ":/scenarios:ro"})
	var list struct{ Scenarios []struct{ Name string } }
	controlJSON(t, http.MethodGet, c.BaseURL+"/_emulator/scenarios", nil, &list)
	if !slices.ContainsFunc(list.Scenarios, func(s struct{ Name string }) bool { return s.Name == "vip-pass" }) {
		t.Fatalf("scenario vip-pass from the mounted merchant.yaml is not loaded (%d scenarios)", len(list.Scenarios))
	}
	// vip-pass (Extra "vip-...") completes when the page is opened.
	sdk := goClient(c.target, emulator.DefaultCredential())
	token, vurl := apply(t, sdk, map[string]any{"Extra": "vip-7"})
	resp, err := http.Get(vurl)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := shipGetResult(t, c.target, emulator.DefaultCredential(), token); got["ErrorCode"] != float64(0) {
		t.Errorf("vip-pass session after opening the page: ErrorCode %v, want 0", got["ErrorCode"])
	}
}

// TestContainerDataVolume: sessions kept in a named volume on /data
// survive the container: a new one on the same volume answers for them.
func TestContainerDataVolume(t *testing.T) {
	ctrImage(t)
	vol := ctrName("data")
	ctrPodman(t, "volume", "create", vol)
	t.Cleanup(func() { ctrCommand(ctrTimeout, "volume", "rm", "--force", vol) })
	opts := []string{"-e", "EMULATOR_DATA_DIR=/data", "-v", vol + ":/data"}

	first := ctrStartHost(t, opts)
	sdk := goClient(first.target, emulator.DefaultCredential())
	redirect := "https://merchant.example/back"
	done, vurl := apply(t, sdk, map[string]any{"RedirectURL": redirect, "Extra": "kept"})
	ctrShortcut(t, vurl, done, redirect, 1002)
	pending, _ := apply(t, sdk, nil)
	ctrStop(t, first)
	ctrPodman(t, "rm", first.Name)

	second := ctrStartHost(t, opts)
	if got := shipGetResult(t, second.target, emulator.DefaultCredential(), done); got["ErrorCode"] != float64(1002) || got["Extra"] != "kept" {
		t.Errorf("completed session after a new container on the volume: ErrorCode %v Extra %v, want 1002 and kept", got["ErrorCode"], got["Extra"])
	}
	if got := shipGetResult(t, second.target, emulator.DefaultCredential(), pending); got["ErrorCode"] != nil {
		t.Errorf("pending session after a new container on the volume: ErrorCode %v, want null (still pending)", got["ErrorCode"])
	}
	ctrStop(t, second)
}
