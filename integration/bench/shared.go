package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/internal/redistest"
)

// The -shared mode: Apply and Get throughput of the emulator on its memory
// store, of one replica on a Valkey/Redis engine (EMULATOR_STORE), and of
// two replicas on that engine loaded together, in the same interleaved
// rounds. The engine is a valkey-server or redis-server process started
// here (without persistence).

// SharedReport is what -shared measures.
type SharedReport struct {
	Date     time.Time `json:"date"`
	CPUs     int       `json:"cpus"`
	Engine   string    `json:"engine"`
	Duration string    `json:"duration"`
	Conns    int       `json:"conns"`
	// Loads by name ("apply-tc3", "get-tc3"), each with the three setups.
	Loads []SharedLoad `json:"loads"`
}

// SharedLoad is one load on the three setups.
type SharedLoad struct {
	Name   string     `json:"name"`
	Memory loadResult `json:"memory"`
	// One is one replica on the engine; Two is two replicas on it, the
	// connections split between them (requests summed).
	One loadResult `json:"oneReplica"`
	Two loadResult `json:"twoReplicas"`
}

// waitReady polls /_emulator/ready until 200 (a replica is ready once it
// reached its engine).
func waitReady(addr string, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := client.Get("http://" + addr + "/_emulator/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %v", addr, within)
}

func runShared(o options, logw io.Writer) (*SharedReport, error) {
	logf := func(format string, args ...any) { fmt.Fprintf(logw, "bench: "+format+"\n", args...) }
	tmp, err := os.MkdirTemp("", "faceid-bench-shared-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	emuBin := o.bin
	if emuBin == "" {
		root, err := moduleRoot()
		if err != nil {
			return nil, err
		}
		logf("building the emulator (scripts/build.sh)")
		if emuBin, err = buildEmulator(root, tmp); err != nil {
			return nil, err
		}
	}
	engine, err := redistest.Launch(tmp)
	if err != nil {
		return nil, err
	}
	defer engine.Stop()
	logf("engine: %s on port %d", engine.Bin, engine.Port)
	quietEnv := func(extra ...string) func(addr string) []string {
		return func(addr string) []string {
			return append([]string{"EMULATOR_ADDR=" + addr, "EMULATOR_LOG_LEVEL=warn"}, extra...)
		}
	}
	memory := &kind{Name: "memory", Bin: emuBin, Emulator: true, Env: quietEnv()}
	shared := &kind{Name: "shared", Bin: emuBin, Emulator: true, Env: quietEnv("EMULATOR_STORE=" + engine.URL(0))}
	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for _, k := range []*kind{memory, shared, shared, shared} {
		p, err := start(k)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		if err := waitReady(p.addr, 10*time.Second); err != nil {
			return nil, err
		}
	}
	// procs: 0 memory, 1 one replica, 2 and 3 the pair.
	setups := [][]*proc{{procs[0]}, {procs[1]}, {procs[2], procs[3]}}
	cred := emulator.DefaultCredential()
	rep := &SharedReport{Date: time.Now().UTC(), CPUs: runtime.NumCPU(), Engine: engine.Bin, Duration: o.duration.String(), Conns: o.conns}
	for _, name := range []string{"apply-tc3", "get-tc3"} {
		// One loader per process of a setup, the connections split; a Get
		// reads a token its setup's first process issued (for the pair,
		// both replicas read it).
		loaders := make([][]*loader, len(setups))
		for i, procsOf := range setups {
			token := ""
			if name == "get-tc3" {
				s := signer{cred: cred, host: procsOf[0].addr}
				resp, _, err := once(procsOf[0].addr, s.tc3(actionApply, applyParams("bench-get")))
				if err != nil {
					return nil, fmt.Errorf("Apply for the Get token: %w", err)
				}
				token, _ = resp["BizToken"].(string)
			}
			for _, p := range procsOf {
				s := signer{cred: cred, host: p.addr}
				raw := s.tc3(actionApply, applyParams("bench-order-0000000001"))
				if token != "" {
					raw = s.tc3(actionGet, map[string]any{"BizToken": token})
				}
				l, err := newLoader(p.addr, raw, max(1, o.conns/len(procsOf)))
				if err != nil {
					return nil, err
				}
				defer l.close()
				loaders[i] = append(loaders[i], l)
			}
		}
		logf("%s: %d rounds of %s per setup", name, rounds, o.duration/rounds)
		for i := range setups {
			together(loaders[i], o.duration/10, false) // warm-up
		}
		for r := 0; r < rounds; r++ {
			for i := range setups {
				together(loaders[i], o.duration/rounds, true)
			}
		}
		load := SharedLoad{Name: name}
		for i, dst := range []*loadResult{&load.Memory, &load.One, &load.Two} {
			*dst = sumResults(loaders[i])
			if dst.Errors > 0 {
				return nil, fmt.Errorf("%s on setup %d: %d errors, first: %s", name, i, dst.Errors, dst.FirstError)
			}
		}
		rep.Loads = append(rep.Loads, load)
	}
	return rep, nil
}

// together runs loaders at the same time for d.
func together(ls []*loader, d time.Duration, record bool) {
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Add(1)
		go func(l *loader) { defer wg.Done(); l.run(d, 0, record) }(l)
	}
	wg.Wait()
}

// sumResults adds the requests of loaders that ran at the same time: the
// requests per second add up, latencies are those of the first.
func sumResults(ls []*loader) loadResult {
	out := ls[0].result()
	for _, l := range ls[1:] {
		r := l.result()
		out.Requests += r.Requests
		out.Errors += r.Errors
		out.RPS += r.RPS
		if out.FirstError == "" {
			out.FirstError = r.FirstError
		}
	}
	return out
}

func printShared(w io.Writer, rep *SharedReport) {
	fmt.Fprintf(w, "shared store (%s), %d CPUs, %d connections, %s per load and setup\n", rep.Engine, rep.CPUs, rep.Conns, rep.Duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "load\tmemory req/s\tone replica req/s\tvs memory\ttwo replicas req/s\tvs one\tp50 ms (mem/one/two)\t")
	for _, l := range rep.Loads {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f\t%.0f\t%.2f\t%s\t\n", l.Name, l.Memory.RPS, l.One.RPS, ratio(l.One.RPS, l.Memory.RPS),
			l.Two.RPS, ratio(l.Two.RPS, l.One.RPS), strings.Join([]string{
				fmt.Sprintf("%.2f", l.Memory.P50MS), fmt.Sprintf("%.2f", l.One.P50MS), fmt.Sprintf("%.2f", l.Two.P50MS)}, "/"))
	}
	tw.Flush()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
