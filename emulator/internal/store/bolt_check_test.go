//go:build unix

package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A corrupt or foreign sessions.db is one clear error naming the file and
// what to do, never bbolt's panic (issue 15: "assertion failed: Page
// expected to be ..." at start-up) or a fault on a truncated file.
func TestOpenBoltRefusesBadFiles(t *testing.T) {
	// A real store with enough sessions to span many pages.
	good := t.TempDir()
	b, err := OpenBolt(good, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		err := b.Create(&Session{Token: fmt.Sprintf("TOKEN-%06d", i), Flow: "web", SecretID: "AKID", CreatedAt: time.Now(),
			State: StatePending, Scenario: "default"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	real, err := os.ReadFile(filepath.Join(good, "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Fixed bytes, not random ones, so the failure is the same every run.
	noise := func(n int) []byte { return bytes.Repeat([]byte{0xAB, 0x17, 0x5C}, n/3+1)[:n] }
	cases := []struct {
		name string
		make func(t *testing.T, path string)
		why  string
	}{
		{"garbage", func(t *testing.T, path string) { write(t, path, noise(64<<10)) }, "no valid bbolt header"},
		{"text file", func(t *testing.T, path string) { write(t, path, []byte("not a database\n")) }, "no valid bbolt header"},
		{"truncated real store", func(t *testing.T, path string) {
			// Cut into the pages in use (bbolt grows the file ahead of them).
			m, ok := parseMeta(real)
			if !ok {
				t.Fatal("the real store has no valid meta")
			}
			write(t, path, real[:int(m.highPage)*int(m.pageSize)/2])
		}, "truncated"},
		{"damaged pages", func(t *testing.T, path string) {
			damaged := bytes.Clone(real)
			copy(damaged[8192:], noise(16<<10))
			write(t, path, damaged)
		}, "assertion failed"},
		{"another program's bbolt file", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("users"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
		}, `it holds a bucket "users"`},
		{"FIFO", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "it is a FIFO, not a regular file"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "it is a directory, not a regular file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "sessions.db")
			tc.make(t, path)
			before := contents(path)
			done := make(chan error, 1)
			go func() {
				b, err := OpenBolt(dir, 0, testCodec{})
				if err == nil {
					b.Close()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("OpenBolt did not return within 30 s")
			}
			if !errors.Is(err, ErrUnusableFile) {
				t.Fatalf("err = %v, want ErrUnusableFile", err)
			}
			msg := err.Error()
			for _, want := range []string{path, tc.why, "delete it", "EMULATOR_DATA_DIR"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			if after := contents(path); !bytes.Equal(before, after) {
				t.Error("the refused file was changed")
			}
		})
	}
	// The real store still opens, and a missing file makes a new store.
	for _, dir := range []string{good, t.TempDir()} {
		b, err := OpenBolt(dir, 0, testCodec{})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		b.Close()
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// contents reads a regular file (nil for a FIFO or directory, which the
// test must not block on).
func contents(path string) []byte {
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	data, _ := os.ReadFile(path)
	return data
}
