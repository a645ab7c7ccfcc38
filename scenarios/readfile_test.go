//go:build unix

package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// File inputs are checked before they are read (issue 15: `emulator
// validate` on a FIFO or /dev/zero never returned). Each case must answer
// with a problem naming the file, within a bounded wait.
func TestValidateFilesRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxFileBytes)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A FIFO inside a directory is skipped by the walk (not a regular
	// file); the directory's regular file is still read.
	walked := filepath.Join(dir, "walked")
	if err := os.Mkdir(walked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(walked, "inner.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(walked, "ok.yaml"), []byte("scenarios:\n  - name: fine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, reason string
	}{
		{fifo, "not a regular file (a FIFO)"},
		{"/dev/zero", "not a regular file (a character device)"},
		{big, "larger than 4 MiB"},
		{walked, ""},
	}
	for _, tc := range cases {
		done := make(chan []Problem, 1)
		go func() { done <- ValidateFiles(tc.path) }()
		select {
		case probs := <-done:
			if tc.reason == "" {
				if len(probs) != 0 {
					t.Errorf("%s: problems %v, want none", tc.path, probs)
				}
				continue
			}
			if len(probs) != 1 || probs[0].File != tc.path || !strings.Contains(probs[0].Reason, tc.reason) {
				t.Errorf("%s: problems %v, want one naming the file: %q", tc.path, probs, tc.reason)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: ValidateFiles did not return within 10 s", tc.path)
		}
	}
}
