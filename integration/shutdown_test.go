package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Graceful shutdown of the binary: on SIGTERM the listener closes at once
// (new connections are refused), requests in flight get up to
// EMULATOR_SHUTDOWN_GRACE (default 2 s) to finish with their normal answer,
// and the process exits 0. The slow requests are Applies with RuleId
// slow-api (scenarios/library/faults.yaml: every API call answers after
// 1500 ms). The exit time is logged; only the documented grace plus a
// generous margin is asserted.

type shutdownResult struct {
	token string
	err   error
	took  time.Duration
}

// shutdownSlowApplies sends n slow Applies (pre-signed, on raw connections,
// so that the test knows they were written) and returns their results once
// every request is on the wire.
func shutdownSlowApplies(t *testing.T, tg *target, n int) <-chan shutdownResult {
	t.Helper()
	out := make(chan shutdownResult, n)
	var sent sync.WaitGroup
	for i := 0; i < n; i++ {
		body := badinputJSON(map[string]any{"RedirectURL": "https://merchant.example/cb", "RuleId": "slow-api", "Extra": fmt.Sprint("in-flight-", i)})
		r := badinputTC3(tg, credMain, badinputApply, body)
		var raw bytes.Buffer
		fmt.Fprintf(&raw, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", tg.Endpoint, len(r.body))
		_ = r.header.Write(&raw)
		raw.WriteString("\r\n")
		raw.Write(r.body)
		c, err := net.Dial("tcp", tg.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		sent.Add(1)
		go func() {
			start := time.Now()
			_, err := c.Write(raw.Bytes())
			sent.Done()
			if err != nil {
				out <- shutdownResult{err: err}
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				out <- shutdownResult{err: err, took: time.Since(start)}
				return
			}
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			var a badinputAnswer
			if err == nil {
				err = json.Unmarshal(data, &a)
			}
			if err == nil && (resp.StatusCode != 200 || a.Response.BizToken == "") {
				err = fmt.Errorf("HTTP %d %s", resp.StatusCode, data)
			}
			out <- shutdownResult{token: a.Response.BizToken, err: err, took: time.Since(start)}
		}()
	}
	sent.Wait()
	// Wait until the server has read and handled every request: Apply
	// stores its session before the scripted 1.5 s latency holds the
	// answer back, so n sessions mean n requests in flight. (A fixed pause
	// was not enough on a loaded machine: a request still in the accept
	// queue at SIGTERM is refused, not in flight.)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var list ctlSessions
		if code := controlJSON(t, http.MethodGet, tg.BaseURL+"/_emulator/sessions", nil, &list); code == http.StatusOK && list.Total >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not take the %d slow Applies within 15 s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// shutdownRefused dials until the listener refuses (or limit passes) and
// returns how long after since that took.
func shutdownRefused(addr string, since time.Time, limit time.Duration) (time.Duration, error) {
	for time.Since(since) < limit {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			// A reset is a refusal too: the listener closed while the
			// connection sat in its accept queue.
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
				return time.Since(since), nil
			}
			return time.Since(since), err
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(since), fmt.Errorf("new connections still accepted %v after SIGTERM", limit)
}

// shutdownExit waits for the process and returns its exit code and when
// it exited.
func shutdownExit(p *process, limit time.Duration) (code int, at time.Time, err error) {
	select {
	case werr := <-p.done:
		p.done <- werr
		at = time.Now()
		if werr == nil {
			return 0, at, nil
		}
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			return ee.ExitCode(), at, nil
		}
		return -1, at, werr
	case <-time.After(limit):
		return -1, time.Now(), fmt.Errorf("still running %v after SIGTERM", limit)
	}
}

func TestShutdownGraceful(t *testing.T) {
	p := startBinary(t) // EMULATOR_SHUTDOWN_GRACE: the default, 2 s
	const inFlight = 4
	results := shutdownSlowApplies(t, p.target, inFlight)

	sent := time.Now()
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refusedAfter, err := shutdownRefused(p.Endpoint, sent, 2*time.Second)
	if err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	var wg sync.WaitGroup
	var answered []shutdownResult
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < inFlight; i++ {
			answered = append(answered, <-results)
		}
	}()
	code, exitAt, err := shutdownExit(p, 2*time.Second+5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	t.Logf("SIGTERM -> new connections refused after %v, exit %d after %v (grace 2 s)",
		refusedAfter.Round(time.Millisecond), code, exitAt.Sub(sent).Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit code %d, want 0; stderr:\n%s", code, p.Stderr)
	}
	for _, r := range answered {
		if r.err != nil {
			t.Errorf("in-flight Apply lost: %v (after %v)", r.err, r.took)
			continue
		}
		if r.took < 1400*time.Millisecond {
			t.Errorf("slow-api Apply answered after %v: the scripted latency did not apply", r.took)
		}
	}
	if d := exitAt.Sub(sent); d > 2*time.Second+5*time.Second {
		t.Errorf("exit took %v", d)
	}
}

// TestShutdownGraceExpires: requests slower than the grace are cut off
// when it ends; the process still exits 0, promptly.
func TestShutdownGraceExpires(t *testing.T) {
	p := startBinary(t, "EMULATOR_SHUTDOWN_GRACE=300ms")
	results := shutdownSlowApplies(t, p.target, 2)
	sent := time.Now()
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, exitAt, err := shutdownExit(p, 300*time.Millisecond+5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exit %d after %v (grace 300 ms)", code, exitAt.Sub(sent).Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if d := exitAt.Sub(sent); d > 1400*time.Millisecond {
		t.Errorf("exit after %v: the process waited for the slow requests past the grace", d)
	}
	for i := 0; i < 2; i++ {
		select {
		case r := <-results:
			if r.err == nil {
				t.Errorf("a request slower than the grace was answered (%v)", r.took)
			}
		case <-time.After(35 * time.Second):
			t.Fatal("the client of a cut request is still waiting")
		}
	}
}
