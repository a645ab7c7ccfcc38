// Package redistest starts throw-away Valkey or Redis engines for tests:
// one server process per call, on 127.0.0.1 and a free port, without
// persistence, stopped by its PID when the test ends. valkey-server is
// preferred where it is installed, redis-server otherwise. Outside CI a
// missing engine skips the test with a message; with CI=true it fails it
// (.ci/run installs Debian's redis-server).
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one engine process.
type Server struct {
	Bin  string
	Port int
	Dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Binary returns the engine binary to run, or "" when none is installed.
func Binary() string {
	for _, name := range []string{"valkey-server", "redis-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start starts an engine for t, or skips t (fails it with CI=true) when no
// engine is installed. It is stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if Binary() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("neither valkey-server nor redis-server is installed (.ci/run installs redis-server)")
		}
		t.Skip("neither valkey-server nor redis-server is installed: skipping the shared-store test (apt-get install redis-server)")
	}
	s, err := Launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Launch starts an engine keeping its files in dir; the caller stops it.
func Launch(dir string) (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, errors.New("neither valkey-server nor redis-server is installed")
	}
	s := &Server{Bin: bin, Dir: dir}
	var err error
	// A free port can be taken between finding and binding it: try again.
	for attempt := 0; attempt < 5; attempt++ {
		s.Port, err = freePort()
		if err != nil {
			continue
		}
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("starting %s: %w", bin, err)
}

// URL is the store URL of the engine, database db.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://127.0.0.1:%d/%d", s.Port, db) }

// Addr is host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the engine on s.Port and waits until it answers PING.
func (s *Server) start() error {
	cmd := exec.Command(s.Bin, "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.Dir, "--daemonize", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr()) == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("%s exited at start (port %d taken?)", s.Bin, s.Port)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("%s did not answer PING on port %d within 10s", s.Bin, s.Port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// ping sends an inline PING and reads the answer.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Stop kills the engine (by its PID) and waits for it to exit. It may be
// called more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts the engine again on the same port after Stop (its data is
// gone: the engine runs without persistence).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond) // the port may linger briefly
	}
	t.Fatalf("restarting %s on port %d: %v", s.Bin, s.Port, err)
}

// Ping reports whether the engine answers.
func (s *Server) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ping(s.Addr())
}
