//go:build unix

package regfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		max        int64
		want       error // nil = read
		msg        string
	}{
		{"regular", small, 10, nil, ""},
		{"over the bound", small, 9, ErrTooLarge, "file too large: larger than 9 bytes"},
		{"FIFO without writer", fifo, 10, ErrNotRegular, "not a regular file (a FIFO)"},
		{"endless device", "/dev/zero", 10, ErrNotRegular, "not a regular file (a character device)"},
		{"directory", dir, 10, ErrNotRegular, "not a regular file (a directory)"},
		{"missing", filepath.Join(dir, "none"), 10, os.ErrNotExist, ""},
	}
	for _, tc := range cases {
		done := make(chan error, 1)
		go func() {
			_, err := Read(tc.path, tc.max)
			done <- err
		}()
		select {
		case err := <-done:
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
			if tc.msg != "" && (err == nil || err.Error() != tc.msg) {
				t.Errorf("%s: message %v, want %q", tc.name, err, tc.msg)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Read did not return within 10 s", tc.name)
		}
	}
	// A socket cannot be opened as a file at all: an error, not a hang.
	if _, err := Read(sock, 10); err == nil {
		t.Error("socket: read without error")
	}
}
