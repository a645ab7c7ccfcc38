package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryScenarioReload runs the binary with a user scenario directory:
// a user file is selectable by RuleId, a change is picked up without a
// restart, a broken file keeps the last good set (and is reported), and
// SIGHUP reloads at once even with polling off.
func TestBinaryScenarioReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("name: my-flow\ndescription: first version\nresult: {errorCode: 1002}\ncompletion: {mode: auto}\n")
	p := startBinary(t, "EMULATOR_SCENARIOS="+dir, "EMULATOR_RELOAD_INTERVAL=50ms")

	description := func() string {
		var out struct {
			Scenarios []struct{ Name, Description, Source string }
		}
		controlJSON(t, http.MethodGet, p.BaseURL+"/_emulator/scenarios", nil, &out)
		for _, sc := range out.Scenarios {
			if sc.Name == "my-flow" {
				return sc.Description
			}
		}
		return ""
	}
	waitDescription := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if description() == want {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("description = %q, want %q\nstderr:\n%s", description(), want, p.Stderr)
	}
	waitDescription("first version")

	// The user scenario decides a session selected by RuleId.
	c := goClient(p.target, credMain)
	token, vurl := apply(t, c, map[string]any{"RuleId": "my-flow"})
	if r, err := http.Get(vurl); err == nil {
		r.Body.Close()
	}
	got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil || got["ErrorCode"] != float64(1002) {
		t.Fatalf("Get: %v %v", got["ErrorCode"], err)
	}

	write("name: my-flow\ndescription: second version\nresult: {errorCode: 0}\n")
	waitDescription("second version")

	write("name: my-flow\ndescription: [broken\n")
	// Wait for the reload to have seen the broken file (it reports it with
	// its path and line), then check the last good set stayed.
	waitFor(t, 10*time.Second, "the broken file reported with its path and line", func() bool {
		return strings.Contains(p.Stderr.String(), "mine.yaml:")
	})
	if d := description(); d != "second version" {
		t.Fatalf("a broken file replaced the last good set: %q", d)
	}

	// SIGHUP reloads with polling off.
	write("name: my-flow\ndescription: second version\n")
	q := startBinary(t, "EMULATOR_SCENARIOS="+dir, "EMULATOR_RELOAD_INTERVAL=0")
	write("name: my-flow\ndescription: third version\n")
	if err := q.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p = q
	waitDescription("third version")
}
