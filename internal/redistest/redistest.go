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
	// TLSPort serves TLS when Config.TLSCert is set.
	TLSPort int
	cfg     Config

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

// Config asks for an engine with a password, or TLS besides plain TCP.
type Config struct {
	Password string
	// TLSCert and TLSKey are PEM files; the certificate is also the CA the
	// engine is told about (clients are not asked for certificates).
	TLSCert, TLSKey string
}

// Start starts an engine for t, or skips t (fails it with CI=true) when no
// engine is installed. It is stopped when t ends.
func Start(t testing.TB) *Server { return StartWith(t, Config{}) }

// StartWith is Start with a password or TLS.
func StartWith(t testing.TB, cfg Config) *Server {
	t.Helper()
	if Binary() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("neither valkey-server nor redis-server is installed (.ci/run installs redis-server)")
		}
		t.Skip("neither valkey-server nor redis-server is installed: skipping the shared-store test (apt-get install redis-server)")
	}
	s, err := launch(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Launch starts an engine keeping its files in dir; the caller stops it.
func Launch(dir string) (*Server, error) { return launch(dir, Config{}) }

func launch(dir string, cfg Config) (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, errors.New("neither valkey-server nor redis-server is installed")
	}
	s := &Server{Bin: bin, Dir: dir, cfg: cfg}
	var err error
	// A free port can be taken between finding and binding it: try again.
	for attempt := 0; attempt < 5; attempt++ {
		s.Port, err = freePort()
		if err != nil {
			continue
		}
		if cfg.TLSCert != "" {
			if s.TLSPort, err = freePort(); err != nil {
				continue
			}
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
	args := []string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.Dir, "--daemonize", "no", "--loglevel", "warning"}
	if s.cfg.Password != "" {
		args = append(args, "--requirepass", s.cfg.Password)
	}
	if s.cfg.TLSCert != "" {
		args = append(args, "--tls-port", strconv.Itoa(s.TLSPort), "--tls-cert-file", s.cfg.TLSCert,
			"--tls-key-file", s.cfg.TLSKey, "--tls-ca-cert-file", s.cfg.TLSCert, "--tls-auth-clients", "no")
	}
	cmd := exec.Command(s.Bin, args...)
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
	// An engine with a password answers NOAUTH: it is up all the same.
	if !strings.HasPrefix(line, "+PONG") && !strings.HasPrefix(line, "-NOAUTH") {
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
