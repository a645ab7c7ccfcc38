package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeGo stands in for the go command that scripts/fuzz.sh drives: one
// package example.com/p with one target FuzzX, whose fuzzing run prints
// $FAKE_DIR/fuzz.log and exits $FAKE_FUZZ_RC (writing a failing input first
// when $FAKE_WRITE is set), and whose corpus replay exits $FAKE_REPLAY_RC.
const fakeGo = `#!/bin/sh
if [ "$1" = list ] && [ "$2" = ./... ]; then echo example.com/p; exit 0; fi
if [ "$1" = list ] && [ "$2" = -f ]; then echo "$FAKE_DIR"; exit 0; fi
if [ "$1" = test ] && [ "$2" = -list ]; then echo FuzzX; echo "ok example.com/p 0.01s"; exit 0; fi
if [ "$1" = test ] && [ "$4" = -fuzz ]; then
  cat "$FAKE_DIR/fuzz.log"
  if [ -n "$FAKE_WRITE" ]; then
    mkdir -p "$FAKE_DIR/testdata/fuzz/FuzzX" && echo 'go test fuzz v1' >"$FAKE_DIR/testdata/fuzz/FuzzX/0a1b"
  fi
  exit "$FAKE_FUZZ_RC"
fi
if [ "$1" = test ] && [ "$2" = -count=1 ]; then echo "replayed $4"; exit "$FAKE_REPLAY_RC"; fi
echo "fake go: unexpected arguments: $*" >&2
exit 3
`

// The end of a fuzzing run that Go 1.26's coordinator fails on its own
// deadline (golang/go#75804), as CI printed it.
const coordinatorDeadlineLog = `fuzz: elapsed: 18s, execs: 308737 (24236/sec), new interesting: 10 (total: 306)
fuzz: elapsed: 21s, execs: 329500 (0/sec), new interesting: 11 (total: 307)
--- FAIL: FuzzX (21.07s)
    context deadline exceeded
FAIL
exit status 1
FAIL	example.com/p	21.080s
`

// A real finding: the target failed and go test wrote the input.
const findingLog = `fuzz: elapsed: 3s, execs: 40304 (13431/sec), new interesting: 4 (total: 108)
--- FAIL: FuzzX (3.20s)
    --- FAIL: FuzzX (0.00s)
        x_test.go:31: decode("\xff") panicked
    Failing input written to testdata/fuzz/FuzzX/0a1b
    To re-run:
    go test -run=FuzzX/0a1b
FAIL
exit status 1
`

// replayMark is what the fake go prints when fuzz.sh replays the corpus.
const replayMark = "replayed ^FuzzX$"

// TestFuzzScript: scripts/fuzz.sh (the CI fuzz stage) lets through only the
// toolchain's own deadline report, after a clean corpus replay; every real
// failure still fails the run.
func TestFuzzScript(t *testing.T) {
	script := filepath.Join(shipRepoRoot(t), "scripts", "fuzz.sh")
	for _, c := range []struct {
		name                 string
		log                  string
		fuzzRC, replayRC     int
		writeInput           bool
		wantOK               bool
		wantOutput, notInOut string
	}{
		{name: "pass", log: "PASS\n", wantOK: true, wantOutput: "1 targets, 20s each: ok (0 coordinator", notInOut: replayMark},
		{name: "coordinator deadline, replay clean", log: coordinatorDeadlineLog, fuzzRC: 1, wantOK: true, wantOutput: "golang/go#75804) and wrote no failing input; replaying the corpus\n" + replayMark},
		{name: "coordinator deadline, replay fails", log: coordinatorDeadlineLog, fuzzRC: 1, replayRC: 1},
		{name: "deadline text but an input was written", log: coordinatorDeadlineLog, fuzzRC: 1, writeInput: true, notInOut: replayMark},
		{name: "finding", log: findingLog, fuzzRC: 1, writeInput: true, wantOutput: "FuzzX failed", notInOut: replayMark},
		{name: "deadline beside a test failure", log: strings.Replace(findingLog, "Failing input written to", "    context deadline exceeded\n   (not written)", 1), fuzzRC: 1, notInOut: replayMark},
		{name: "other failure", log: "--- FAIL: FuzzX (1.00s)\n    exec: worker crashed\nFAIL\n", fuzzRC: 1, notInOut: replayMark},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			if err := os.MkdirAll(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "fuzz.log"), []byte(c.log), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("sh", script)
			cmd.Env = append(os.Environ(),
				"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"FAKE_DIR="+dir, "FUZZTIME=20s",
				"FAKE_FUZZ_RC="+strconv.Itoa(c.fuzzRC), "FAKE_REPLAY_RC="+strconv.Itoa(c.replayRC))
			if c.writeInput {
				cmd.Env = append(cmd.Env, "FAKE_WRITE=1")
			}
			out, err := cmd.CombinedOutput()
			if ok := err == nil; ok != c.wantOK {
				t.Fatalf("exit ok = %v (%v), want %v; output:\n%s", ok, err, c.wantOK, out)
			}
			if c.wantOutput != "" && !strings.Contains(string(out), c.wantOutput) {
				t.Errorf("output lacks %q:\n%s", c.wantOutput, out)
			}
			if c.notInOut != "" && strings.Contains(string(out), c.notInOut) {
				t.Errorf("output has %q:\n%s", c.notInOut, out)
			}
			if strings.Contains(string(out), "fake go: unexpected") {
				t.Errorf("fuzz.sh called go in an unexpected way:\n%s", out)
			}
		})
	}
}
