package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// kind is one of the servers measured.
type kind struct {
	Name string // "emulator", "floor", ...
	Bin  string
	Env  func(addr string) []string
	// Emulator marks an emulator build (the reference servers answer any
	// BizToken; an emulator's Get needs one it issued).
	Emulator bool
}

// proc is a running server.
type proc struct {
	kind *kind
	cmd  *exec.Cmd
	addr string // 127.0.0.1:port
	done chan error
	// Cold is exec -> first 200 from /_emulator/health.
	Cold time.Duration
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs the server on a free port and polls health until it answers
// 200; the time from exec to that answer is the cold start.
func start(k *kind) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(k.Bin)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, k.Env(addr)...)
	// Stdout and stderr go to /dev/null: the request log is still formatted
	// and written (one write per line), as under a log collector.
	p := &proc{kind: k, cmd: cmd, addr: addr, done: make(chan error, 1)}
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Timeout:   time.Second,
	}
	url := "http://" + addr + "/_emulator/health"
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- cmd.Wait() }()
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Cold = time.Since(t0)
				return p, nil
			}
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited before answering health: %v", k.Name, err)
		default:
		}
		if time.Since(t0) > 10*time.Second {
			p.stop()
			return nil, fmt.Errorf("%s did not answer health within 10 s", k.Name)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// stop sends SIGTERM and waits (SIGKILL after 5 s).
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// memStatus reads VmRSS and VmHWM (bytes) of the process.
func (p *proc) memStatus() (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) < 1 {
			continue
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, hwm, sc.Err()
}

// settledRSS waits for the process to settle and reads VmRSS.
func (p *proc) settledRSS(wait time.Duration) (int64, error) {
	time.Sleep(wait)
	rss, _, err := p.memStatus()
	return rss, err
}

// cpuTime is the process's user+system CPU time (all threads), from
// /proc/<pid>/stat (clock ticks of 10 ms; fine over seconds of load).
func (p *proc) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed /proc stat times")
	}
	return time.Duration(ut+st) * (time.Second / clockTicks), nil
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// selfCPU is the bench process's own CPU time (the load generator).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
