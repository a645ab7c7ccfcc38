package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHogScript runs scripts/hog-test.sh with a stand-in suite: the hog
// processes run during every run (one `yes` per HOG_PROCS), each run's
// result is in the summary, a failing run makes the script fail, and no
// hog outlives the script.
func TestHogScript(t *testing.T) {
	dir := t.TempDir()
	seen := filepath.Join(dir, "seen")
	cases := []struct {
		name    string
		cmd     string
		wantRC  int
		summary []string
	}{
		{"all pass", `ps -o pid=,comm= --ppid $PPID >>` + seen, 0, []string{"run 1: ok", "run 2: ok"}},
		{"one fails", `ps -o pid=,comm= --ppid $PPID >>` + seen + `; test ! -e ` + dir + `/once && touch ` + dir + `/once`, 1, []string{"run 1: ok", "run 2: FAIL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(seen)
			os.Remove(filepath.Join(dir, "once"))
			cmd := exec.Command("bash", filepath.Join(shipRepoRoot(t), "scripts", "hog-test.sh"), "2")
			cmd.Env = append(os.Environ(), "HOG_PROCS=2", "HOG_CMD="+tc.cmd, "HOG_LOG_DIR="+filepath.Join(dir, "logs"))
			out, err := cmd.CombinedOutput()
			rc := 0
			if ee, ok := err.(*exec.ExitError); ok {
				rc = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if rc != tc.wantRC {
				t.Errorf("exit %d, want %d\n%s", rc, tc.wantRC, out)
			}
			for _, want := range tc.summary {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			data, err := os.ReadFile(seen)
			if err != nil {
				t.Fatal(err)
			}
			var hogs []string
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[1] == "yes" {
					hogs = append(hogs, f[0])
				}
			}
			if len(hogs) != 4 {
				t.Errorf("%d hog processes seen over 2 runs, want 2 per run:\n%s", len(hogs), data)
			}
			for _, pid := range hogs {
				if comm, err := os.ReadFile("/proc/" + pid + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "yes" {
					t.Errorf("hog %s still runs after the script", pid)
				}
			}
		})
	}
}
