package integration

// examples/docker-compose.yml run for real: the merchant app and the
// emulator as two containers on one network, proving the two-hostname
// setup - the app reaches the emulator by its service name, the
// VerificationURL it gets is the browser's (EMULATOR_PUBLIC_URL).
//
// The services are started one by one with podman run, translated from the
// parsed compose file, not with podman-compose: Debian bookworm's
// podman-compose (1.0.3) turns an exec-form health check
// (test: ["CMD", "/emulator", "healthcheck"]) into "/bin/sh -c ...", which
// cannot run in an image without a shell, and ignores depends_on's
// condition: service_healthy, so the app would race the emulator's start.
// Docker Compose does both as the file says; so does this translation.
//
// The app is `build: .` - the user's own application. Its stand-in here is
// the Go SDK example (examples/sdk/go, which reads the same FACEID_*
// variables the compose file sets) built statically into a scratch image:
// it needs nothing from a registry.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// composeFile is what the translation understands of a compose file;
// decoding rejects any other key, so a new one in the example fails the
// test until it is translated too.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       string            `yaml:"build"`
	Ports       []string          `yaml:"ports"`
	Environment map[string]string `yaml:"environment"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
		Retries     int      `yaml:"retries"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

// composeMerchantImage builds the app service's stand-in image.
func composeMerchantImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "app"), "./examples/sdk/go")
	build.Dir = shipRepoRoot(t)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/sdk/go: %v\n%s", err, out)
	}
	dockerfile := "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := "localhost/" + ctrName("app")
	ctrPodman(t, "build", "--pull=never", "--format", "docker", "-t", tag, dir)
	t.Cleanup(func() { ctrCommand(ctrTimeout, "rmi", "--force", tag) })
	return tag
}

// composeWaitHealthy is depends_on's condition: service_healthy - the
// engine's health check passing.
func composeWaitHealthy(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		stdout, stderr, code := ctrCommand(ctrTimeout, "healthcheck", "run", name)
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy within 30 s: exit %d %s%s\n%s", name, code, stdout, stderr, ctrLogs(name))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestContainerCompose(t *testing.T) {
	image := ctrImage(t)
	data, err := os.ReadFile(examplesPath(t, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var file composeFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("examples/docker-compose.yml uses keys this test does not translate to podman run: %v", err)
	}

	network := ctrName("net")
	ctrPodman(t, "network", "create", network)
	t.Cleanup(func() { ctrCommand(ctrTimeout, "network", "rm", "--force", network) })

	names := map[string]string{}     // service -> container
	published := map[string]string{} // compose host port -> the free one used here
	started := map[string]bool{}
	var order []string
	for len(started) < len(file.Services) {
		progress := false
		for svc, s := range file.Services {
			ready := !started[svc]
			for dep := range s.DependsOn {
				ready = ready && started[dep]
			}
			if !ready {
				continue
			}
			names[svc] = composeStart(t, svc, s, image, network, names, published)
			started[svc], progress = true, true
			order = append(order, svc)
		}
		if !progress {
			t.Fatalf("depends_on cycle or unknown service among %v", file.Services)
		}
	}
	t.Logf("started %v", order)

	app, ok := names["app"]
	if !ok {
		t.Fatal("no app service")
	}
	stdout, stderr, code := ctrCommand(ctrTimeout, "wait", app)
	if code != 0 || strings.TrimSpace(stdout) != "0" {
		t.Fatalf("app container: podman wait exit %d, container exit %q, want 0\n%s%s", code, stdout, stderr, ctrLogs(app))
	}
	logs := ctrLogs(app)
	// The app called faceid:8780 (the service name) for Apply, the control
	// API's complete and Get: the result proves all three went through.
	if !regexp.MustCompile(`(?m)^ErrorCode: 0 `).MatchString(logs) {
		t.Errorf("the app did not get ErrorCode 0 from faceid:8780:\n%s", logs)
	}
	// The VerificationURL it got is the browser's: the published port on
	// localhost, which the host (the person's browser) can open.
	m := regexp.MustCompile(`(?m)^BizToken: (\S+)$`).FindStringSubmatch(logs)
	if m == nil {
		t.Fatalf("no BizToken in the app's output:\n%s", logs)
	}
	want := fmt.Sprintf("http://localhost:%s/reflect/?token=%s", published["8780"], m[1])
	if !strings.Contains(logs, "VerificationURL: "+want+"\n") {
		t.Fatalf("the app's VerificationURL is not the browser-facing %s:\n%s", want, logs)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(want)
	if err != nil {
		t.Fatalf("the browser cannot open VerificationURL: %v", err)
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`data-testid="result-code"`)) {
		t.Errorf("VerificationURL from the host: %s, want 200 and the (completed) verification page", resp.Status)
	}
	ctrStop(t, &container{Name: names["faceid"]})
}

// composeStart runs one compose service the way Docker Compose does: on
// the project network under its service name, with its ports, environment
// and health check, after the services it depends on are healthy. Each
// published host port is replaced by a free one on 127.0.0.1, and the
// environment's localhost:<port> URLs with it, so CI never collides with a
// service on the machine.
func composeStart(t *testing.T, svc string, s composeService, image, network string, names, published map[string]string) string {
	t.Helper()
	for dep, cond := range s.DependsOn {
		if cond.Condition == "service_healthy" {
			composeWaitHealthy(t, names[dep])
		}
	}
	name := ctrName(svc)
	args := []string{"run", "-d", "--name", name, "--network", network, "--network-alias", svc}
	for _, p := range s.Ports {
		host, ctr, ok := strings.Cut(p, ":")
		if !ok || strings.Contains(ctr, ":") {
			t.Fatalf("service %s: port %q is not HOST:CONTAINER", svc, p)
		}
		free := fmt.Sprint(freePort(t))
		published[host] = free
		args = append(args, "-p", "127.0.0.1:"+free+":"+ctr)
	}
	for k, v := range s.Environment {
		for host, free := range published {
			v = strings.ReplaceAll(v, "localhost:"+host, "localhost:"+free)
		}
		args = append(args, "-e", k+"="+v)
	}
	if hc := s.Healthcheck; hc != nil {
		if len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Fatalf("service %s: healthcheck test %q is not exec form [CMD ...]", svc, hc.Test)
		}
		cmd, _ := json.Marshal(hc.Test[1:]) // a JSON array: podman's exec form
		args = append(args, "--health-cmd", string(cmd), "--health-interval", hc.Interval, "--health-timeout", hc.Timeout,
			"--health-start-period", hc.StartPeriod, "--health-retries", fmt.Sprint(hc.Retries))
	}
	switch {
	case s.Image == examplesImage:
		args = append(args, image)
	case s.Build == ".":
		args = append(args, composeMerchantImage(t))
	default:
		t.Fatalf("service %s: image %q / build %q: only the emulator's image and the app's build . are known", svc, s.Image, s.Build)
	}
	ctrPodman(t, args...)
	t.Cleanup(func() { ctrCommand(ctrTimeout, "rm", "--force", "--time", "0", name) })
	return name
}
