package integration

// The README as a newcomer reads it: every shell command it shows runs as
// written from the repository's root, or is on readmeExcluded with the
// reason it cannot run here and what tests it instead.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/internal/syncbuf"
)

// readmeExcluded are the README commands (by prefix) that this test does
// not run, and why.
var readmeExcluded = []struct{ prefix, why string }{
	{"go install ", "needs the Go module proxy and a published release; `go run ./cmd/emulator` and `make build` are run instead"},
	{"docker ", "needs Docker, which CI's machine does not have; TestShip* check the Dockerfile and run the release binary in a scratch-like chroot"},
	{"npm ci --prefix examples/browser", "needs the npm registry; .ci/run runs it before the suite"},
	{"node examples/browser/verify-flow.mjs", "needs an emulator on 127.0.0.1:8780; TestExamplesPlaywright runs it against the binary"},
	{"curl ", "talks to an emulator already running on 127.0.0.1:8780 (the /sdk/ form also needs a token); TestSimulatorWithoutJS and TestMetrics send the same requests"},
	{"scripts/hog-test.sh", "runs the whole suite N times (an hour); TestHogScript checks the script"},
	{"make test", "the whole suite, this test included"},
	{"bash .ci/run", "installs packages and runs the whole suite, this test included"},
}

// readmeServers are commands that start the emulator: run with
// EMULATOR_ADDR on a free port, they must become ready, then are stopped.
var readmeServers = []string{"go run ./cmd/emulator", "make build && ./bin/emulator"}

// readmeCommandTimeout bounds one command (a cold `go build` included).
const readmeCommandTimeout = 5 * time.Minute

var (
	readmeFence     = regexp.MustCompile("^```(\\w*)\\s*$")
	readmeTableHead = regexp.MustCompile(`^\|\s*what\s*\|\s*command\s*\|`)
	readmeTableCmd  = regexp.MustCompile("^\\|[^|]*\\|\\s*`([^`]+)`")
)

// readmeCommands returns the commands of the README's ```sh blocks (one per
// line, comments removed) and of the Quick start table's command column.
func readmeCommands(t *testing.T, readme string) []string {
	t.Helper()
	var cmds []string
	inSh, inFence, quickStart, inTable := false, false, false, false
	sc := bufio.NewScanner(strings.NewReader(readme))
	for sc.Scan() {
		line := sc.Text()
		if m := readmeFence.FindStringSubmatch(line); m != nil {
			if inFence {
				inFence, inSh = false, false
			} else {
				inFence, inSh = true, m[1] == "sh" || m[1] == "bash" || m[1] == "shell"
			}
			continue
		}
		if inFence {
			if inSh {
				cmd, _, _ := strings.Cut(line, " #")
				if cmd = strings.TrimSpace(cmd); cmd != "" && !strings.HasPrefix(cmd, "#") {
					cmds = append(cmds, cmd)
				}
			}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			quickStart = line == "## Quick start"
		}
		switch {
		case quickStart && readmeTableHead.MatchString(line):
			inTable = true
		case !strings.HasPrefix(line, "|"):
			inTable = false
		case inTable:
			if m := readmeTableCmd.FindStringSubmatch(line); m != nil {
				cmds = append(cmds, m[1])
			}
		}
	}
	if len(cmds) == 0 {
		t.Fatal("no command found in README.md")
	}
	return cmds
}

var readmeLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestReadmeLinks: every relative link of the README names a file or
// folder of the repository (a clone has nothing beside it).
func TestReadmeLinks(t *testing.T) {
	root := shipRepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range readmeLink.FindAllStringSubmatch(string(data), -1) {
		target, _, _ := strings.Cut(m[1], "#")
		if target == "" || strings.Contains(target, "://") {
			continue
		}
		clean := filepath.Clean(target)
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			t.Errorf("README links %s, outside the repository", m[1])
			continue
		}
		if _, err := os.Stat(filepath.Join(root, clean)); err != nil {
			t.Errorf("README links %s: %v", m[1], err)
		}
	}
	if strings.Contains(string(data), "../shared") {
		t.Error("README points at ../shared, which a clone does not have")
	}
}

func TestReadmeCommands(t *testing.T) {
	root := shipRepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, cmd := range readmeCommands(t, string(data)) {
		excluded := ""
		for _, ex := range readmeExcluded {
			if strings.HasPrefix(cmd, ex.prefix) {
				excluded = ex.why
			}
		}
		if excluded != "" {
			t.Logf("not run: %s (%s)", cmd, excluded)
			continue
		}
		ran++
		isServer := false
		for _, s := range readmeServers {
			isServer = isServer || cmd == s
		}
		t.Run(cmd, func(t *testing.T) {
			if isServer {
				readmeRunServer(t, root, cmd)
			} else {
				readmeRun(t, root, cmd)
			}
		})
	}
	if ran < 3 {
		t.Errorf("only %d README commands ran: the README's commands or this test's parsing changed", ran)
	}
}

// readmeCommand is cmd under bash in the repository's root, in its own
// process group (so that go run's or make's children stop with it), with
// env added.
func readmeCommand(ctx context.Context, root, cmd string, env ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "bash", "-c", cmd)
	c.Dir = root
	c.Env = append(examplesEnv(), env...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 10 * time.Second
	return c
}

// readmeRun runs a command that ends: it must exit 0.
func readmeRun(t *testing.T, root, cmd string) {
	ctx, cancel := context.WithTimeout(context.Background(), readmeCommandTimeout)
	defer cancel()
	out, err := readmeCommand(ctx, root, cmd).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s:\n%s", cmd, readmeCommandTimeout, out)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}

// readmeRunServer runs a command that starts the emulator on a free port
// (EMULATOR_ADDR, as the README's configuration table says), waits for it
// to be ready and stops it with SIGTERM; it must exit 0.
func readmeRunServer(t *testing.T, root, cmd string) {
	ctx, cancel := context.WithTimeout(context.Background(), readmeCommandTimeout+time.Minute)
	defer cancel()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	c := readmeCommand(ctx, root, cmd, "EMULATOR_ADDR="+addr)
	var out syncbuf.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	if err := waitReady("http://"+addr, readmeCommandTimeout, done); err != nil {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		t.Fatalf("%s: %v\n%s", cmd, err, out.String())
	}
	// SIGTERM to the whole group, as a terminal's Ctrl-C would: go run
	// itself dies of it (its status says nothing of the emulator's), so
	// what is checked is that every process of the group is gone in time.
	pgid := c.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			t.Fatalf("%s did not stop within 30 s of SIGTERM\n%s", cmd, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	<-done
	if !strings.Contains(out.String(), "shutting down") {
		t.Errorf("%s: no graceful shutdown logged\n%s", cmd, out.String())
	}
}
