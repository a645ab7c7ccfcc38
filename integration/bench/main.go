// Command bench measures the emulator binary side by side with a bare
// net/http "floor" server (fixed JSON on every path) on the same machine,
// with the same client:
//
//   - cold start: exec -> first 200 from /_emulator/health (median of -starts);
//   - idle RSS (VmRSS once the process has settled);
//   - throughput and p50/p99 latency of signed Apply and Get, TC3 (POST JSON)
//     and legacy v1 (POST form, HmacSHA256), from -conns keep-alive
//     connections for -duration each, with pre-signed requests;
//   - RSS after -sessions Apply calls and the bytes retained per session,
//     from RSS and, precisely, from the Go heap of an in-process emulator;
//   - one Apply carrying an 8 MB CompareImageBase64: latency and peak RSS.
//
// Every throughput load also runs against a "signature floor"
// (emulator/internal/sigfloor): the floor plus the emulator's signature
// check and nothing else, which shows how much of the floor's throughput the
// mandatory check alone leaves.
//
// -compare BIN runs a second emulator binary (a build of main, say) in the
// same interleaved rounds: an A/B of a change that the machine's drift
// between two bench runs does not blur.
//
// It prints a table with the emulator/floor ratios and checks the goals;
// -json FILE writes the same figures as JSON. It is not a test: run it with
//
//	go run ./integration/bench [-duration 5s] [-json out.json]
//
// from the module root. It exits 1 when a goal is missed (-strict=false to
// only report), 2 when it fails to run.
//
// -short is the CI mode: every phase, every load and every column, but a
// fraction of a second per load, a few thousand sessions and no goal
// checked, so it exits non-zero only when the bench itself fails (a
// server that does not start, a request that is not answered). CI runs it
// (TestShortMode) so that the bench cannot break unnoticed; its figures
// mean nothing.
//
// -shared measures the shared store instead (see shared.go):
//
//	go run ./integration/bench -shared [-duration 5s]
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// Goals of the emulator.
const (
	goalColdStartMS    = 20.0
	goalIdleRSSMiB     = 15.0
	goalThroughput     = 0.75 // x floor
	goalBytesPerSess   = 2048.0
	goalBigApplyMS     = 60.0
	goalBigApplyBodies = 3 // peak RSS under idle + 3 x body
	bigImageBytes      = 8 << 20
)

type options struct {
	duration time.Duration
	conns    int
	starts   int
	sessions int
	jsonOut  string
	bin      string
	strict   bool
	runs     int
	compare  string // a second emulator binary run beside the first (-compare)
	// imageSessions is how many sessions carry a 64 KiB image in the
	// in-process heap figures.
	imageSessions int
	shared        bool // measure the shared store instead (-shared)
}

// Defaults of the full run and of -short (the CI mode).
const (
	defaultStarts, shortStarts               = 7, 1
	defaultSessions, shortSessions           = 100_000, 2000
	defaultImageSessions, shortImageSessions = 2000, 100
	defaultDuration, shortDuration           = 5 * time.Second, 250 * time.Millisecond
)

// Pair is one figure for both servers.
type Pair struct {
	Emulator float64 `json:"emulator"`
	Floor    float64 `json:"floor"`
	// Ratio is emulator / floor.
	Ratio float64 `json:"ratio"`
}

func pair(e, f float64) Pair {
	p := Pair{Emulator: e, Floor: f}
	if f != 0 {
		p.Ratio = e / f
	}
	return p
}

// Throughput is one load run on both servers.
type Throughput struct {
	Name     string     `json:"name"`
	Emulator loadResult `json:"emulator"`
	Floor    loadResult `json:"floor"`
	// RatioRPS is emulator / floor requests per second.
	RatioRPS float64 `json:"ratioRps"`
	// EstimatedRatio is the throughput ratio the CPU costs predict when the
	// client and the server have the machine to themselves:
	// (client + floor server CPU) / (client + emulator server CPU) per
	// request, with the client's CPU of the floor run.
	EstimatedRatio float64 `json:"estimatedRatio"`
	// SignatureFloor is the same load on the floor plus the emulator's
	// signature check (emulator/internal/sigfloor): its ratio is the share
	// of the floor's throughput the mandatory check leaves, and RatioRPS /
	// its ratio what everything else the emulator does leaves of that.
	SignatureFloor *Beside `json:"signatureFloor,omitempty"`
	// Compared is the same load on the -compare binary.
	Compared *Beside `json:"compared,omitempty"`
	// RunRatios are the ratios of every run (-runs), in run order; the
	// figures above are those of the median run.
	RunRatios []float64 `json:"runRatios,omitempty"`
}

// Beside is one load on one more server, measured in the same rounds as
// the emulator and the floor.
type Beside struct {
	Result loadResult `json:"result"`
	// RatioRPS is its requests per second / the floor's.
	RatioRPS float64 `json:"ratioRps"`
}

func beside(r, floor loadResult) *Beside {
	b := &Beside{Result: r}
	if floor.RPS > 0 {
		b.RatioRPS = r.RPS / floor.RPS
	}
	return b
}

// Sessions is the memory cost of pending sessions.
type Sessions struct {
	N                int     `json:"n"`
	RSSBeforeMiB     Pair    `json:"rssBeforeMiB"`
	RSSAfterMiB      Pair    `json:"rssAfterMiB"`
	RSSPerSession    float64 `json:"rssBytesPerSession"`
	HeapPerSession   float64 `json:"heapBytesPerSession"`
	HeapImageN       int     `json:"heapImageN"`
	HeapImageBytes   int     `json:"heapImageBytes"`
	HeapPerImageSess float64 `json:"heapBytesPerSessionWithImage"`
	// The same through the legacy v1 signature (form body).
	HeapPerSessionV1   float64 `json:"heapBytesPerSessionV1"`
	HeapPerImageSessV1 float64 `json:"heapBytesPerSessionWithImageV1"`
	ApplySeconds       Pair    `json:"applySeconds"`
}

// BigApply is one Apply with an 8 MB CompareImageBase64.
type BigApply struct {
	ImageBytes int  `json:"imageBytes"`
	BodyBytes  int  `json:"bodyBytes"`
	LatencyMS  Pair `json:"latencyMs"`
	// MedianMS is the median latency of 5 such Applies.
	MedianMS   Pair `json:"medianMs"`
	IdleRSSMiB Pair `json:"idleRssMiB"`
	PeakRSSMiB Pair `json:"peakRssMiB"`
}

// Goal is one target and whether it was met.
type Goal struct {
	Name   string  `json:"name"`
	Target string  `json:"target"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Pass   bool    `json:"pass"`
}

// Report is everything measured.
type Report struct {
	Date        time.Time    `json:"date"`
	GoVersion   string       `json:"goVersion"`
	OS          string       `json:"os"`
	CPUs        int          `json:"cpus"`
	CPUModel    string       `json:"cpuModel,omitempty"`
	Duration    string       `json:"duration"`
	Conns       int          `json:"conns"`
	ColdStartMS Pair         `json:"coldStartMs"`
	ColdRuns    [][2]float64 `json:"coldRunsMs"` // [emulator, floor] per start
	IdleRSSMiB  Pair         `json:"idleRssMiB"`
	Throughput  []Throughput `json:"throughput"`
	// QuietApply is apply-tc3 with the emulator's log at warn (no request
	// log line for a success): the difference is what the log costs.
	QuietApply Throughput `json:"applyTc3LogWarn"`
	Sessions   Sessions   `json:"sessions"`
	BigApply   BigApply   `json:"bigApply"`
	Goals      []Goal     `json:"goals"`
	Seconds    float64    `json:"seconds"`
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", defaultDuration, "duration of each throughput run")
	flag.IntVar(&o.conns, "conns", 32, "keep-alive connections of the load generator")
	flag.IntVar(&o.starts, "starts", defaultStarts, "cold starts per server (the median is reported; at least 5)")
	flag.IntVar(&o.sessions, "sessions", defaultSessions, "Apply calls for the retained-memory figures")
	flag.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to this file")
	flag.StringVar(&o.bin, "bin", "", "emulator binary to measure (default: build it with scripts/build.sh)")
	flag.BoolVar(&o.strict, "strict", true, "exit 1 when a goal is missed")
	flag.StringVar(&o.compare, "compare", "", "another emulator binary (e.g. a build of main) to run in the same interleaved rounds as the measured one: an A/B of a change, steadier than two bench runs")
	flag.IntVar(&o.runs, "runs", 1, "throughput runs of every load; the run with the median ratio is reported (steadier on a noisy machine)")
	short := flag.Bool("short", false, "CI mode: every phase, load and column in seconds, no goal checked (exit non-zero only when the bench fails to run); figures are meaningless")
	flag.BoolVar(&o.shared, "shared", false, "measure only Apply and Get on the memory store, one replica on a Valkey/Redis engine (started here) and two replicas on it together")
	flag.Parse()
	o.imageSessions = defaultImageSessions
	if o.starts < 5 {
		o.starts = 5
	}
	if o.shared {
		rep, err := runShared(o, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		printShared(os.Stdout, rep)
		writeJSON(o.jsonOut, rep)
		return
	}
	if *short {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		o = shortOptions(o, set)
	}
	// -scale, -soak, -persist and -startup run alone (scale.go).
	if ran, err := scaleModes(o, os.Stderr, os.Stdout); ran || err != nil {
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		return
	}
	rep, err := run(o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	printReport(os.Stdout, rep)
	writeJSON(o.jsonOut, rep)
	os.Exit(exitCode(o, rep))
}

// exitCode is 1 when a goal is missed and o is strict, else 0 (a bench that
// fails to run exits 2 before this).
func exitCode(o options, rep *Report) int {
	if o.strict {
		for _, g := range rep.Goals {
			if !g.Pass {
				return 1
			}
		}
	}
	return 0
}

// shortOptions turns o into the CI mode: the flags not given on the
// command line (set) take their short values, and no goal is checked.
func shortOptions(o options, set map[string]bool) options {
	if !set["duration"] {
		o.duration = shortDuration
	}
	if !set["starts"] {
		o.starts = shortStarts
	}
	if !set["sessions"] {
		o.sessions = shortSessions
	}
	o.imageSessions = shortImageSessions
	o.strict = false
	return o
}

// writeJSON writes v to file ("" = nothing), exiting 2 on failure.
func writeJSON(file string, v any) {
	if file == "" {
		return
	}
	data, _ := json.MarshalIndent(v, "", "  ")
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run the bench from inside the module")
	}
	return filepath.Dir(mod), nil
}

func run(o options, logw io.Writer) (*Report, error) {
	began := time.Now()
	logf := func(format string, args ...any) { fmt.Fprintf(logw, "bench: "+format+"\n", args...) }
	tmp, err := os.MkdirTemp("", "faceid-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	emuBin := o.bin
	if emuBin == "" {
		logf("building the emulator (scripts/build.sh)")
		if emuBin, err = buildEmulator(root, tmp); err != nil {
			return nil, err
		}
	}
	logf("building the floor and the signature floor")
	floorBin, err := buildFloor(tmp)
	if err != nil {
		return nil, err
	}
	sigBin, err := buildSignatureFloor(root, tmp)
	if err != nil {
		return nil, err
	}
	emu := &kind{Name: "emulator", Bin: emuBin, Emulator: true, Env: func(addr string) []string {
		// The defaults of the binary (log level info, text) apply.
		return []string{"EMULATOR_ADDR=" + addr}
	}}
	floor := &kind{Name: "floor", Bin: floorBin, Env: func(addr string) []string { return []string{"FLOOR_ADDR=" + addr} }}
	kinds := []*kind{emu, floor}

	rep := &Report{
		Date: time.Now().UTC(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), CPUModel: cpuModel(), Duration: o.duration.String(), Conns: o.conns,
	}
	cred := emulator.DefaultCredential()

	// Cold start, interleaved so that both see the same machine state.
	logf("cold start x%d", o.starts)
	var colds [2][]float64
	for i := 0; i < o.starts; i++ {
		var run [2]float64
		for j, k := range kinds {
			p, err := start(k)
			if err != nil {
				return nil, err
			}
			run[j] = ms(p.Cold)
			colds[j] = append(colds[j], run[j])
			p.stop()
		}
		rep.ColdRuns = append(rep.ColdRuns, run)
	}
	rep.ColdStartMS = pair(median(colds[0]), median(colds[1]))

	// Idle RSS, then throughput with both servers (and the emulator with
	// its log at warn, and the signature floor) running side by side: every
	// load is measured in rounds of alternating slices, so that a change in
	// the machine's background load hits all servers alike.
	procs := make([]*proc, procCount)
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.stop()
			}
		}
	}()
	quiet := &kind{Name: "emulator (log warn)", Bin: emuBin, Emulator: true, Env: func(addr string) []string {
		return []string{"EMULATOR_ADDR=" + addr, "EMULATOR_LOG_LEVEL=warn"}
	}}
	sig := &kind{Name: "signature floor", Bin: sigBin, Env: func(addr string) []string { return []string{"SIGFLOOR_ADDR=" + addr} }}
	running := []*kind{emu, floor, quiet, sig}
	if o.compare != "" {
		running = append(running, &kind{Name: "compared (-compare)", Bin: o.compare, Emulator: true, Env: emu.Env})
	}
	for j, k := range running {
		if procs[j], err = start(k); err != nil {
			return nil, err
		}
	}
	var idle [2]float64
	for j := range kinds {
		rss, err := procs[j].settledRSS(500 * time.Millisecond)
		if err != nil {
			return nil, err
		}
		idle[j] = mib(rss)
	}
	rep.IdleRSSMiB = pair(idle[0], idle[1])
	logf("idle RSS: emulator %.1f MiB, floor %.1f MiB; load runs of %s", idle[0], idle[1], o.duration)
	loads, err := medianThroughput(procs, cred, o, logf)
	if err != nil {
		return nil, err
	}
	for _, name := range loadNames {
		rep.Throughput = append(rep.Throughput, loads[name])
	}
	rep.QuietApply = loads["apply-tc3 (log warn)"]
	for j, p := range procs {
		if p != nil { // procCompared is nil without -compare
			p.stop()
			procs[j] = nil
		}
	}

	// Retained memory per session.
	logf("retained memory: %d Apply calls per server", o.sessions)
	rep.Sessions.N = o.sessions
	var before, after, secs [2]float64
	for j, k := range kinds {
		p, err := start(k)
		if err != nil {
			return nil, err
		}
		b, err := p.settledRSS(500 * time.Millisecond)
		if err != nil {
			p.stop()
			return nil, err
		}
		s := signer{cred: cred, host: p.addr}
		raw := s.tc3(actionApply, applyParams("bench-order-0000000001"))
		res, err := runCount(p.addr, raw, o.conns, o.sessions)
		if err == nil && res.Errors > 0 {
			err = fmt.Errorf("%s: %d of %d Apply calls failed: %s", k.Name, res.Errors, res.Requests, res.FirstError)
		}
		if err != nil {
			p.stop()
			return nil, err
		}
		a, err := p.settledRSS(time.Second)
		p.stop()
		if err != nil {
			return nil, err
		}
		before[j], after[j], secs[j] = mib(b), mib(a), res.Seconds
	}
	rep.Sessions.RSSBeforeMiB = pair(before[0], before[1])
	rep.Sessions.RSSAfterMiB = pair(after[0], after[1])
	rep.Sessions.ApplySeconds = pair(secs[0], secs[1])
	rep.Sessions.RSSPerSession = (after[0] - before[0]) * (1 << 20) / float64(o.sessions)
	// One Apply with an 8 MB image, before the in-process measurement below
	// grows this process's heap (its GC would compete with the emulator).
	runtime.GC()
	logf("8 MB Apply")
	var lat, med, idle8, peak [2]float64
	for j, k := range kinds {
		p, err := start(k)
		if err != nil {
			return nil, err
		}
		r, err := bigApply(p, cred)
		p.stop()
		if err != nil {
			return nil, err
		}
		rep.BigApply.ImageBytes, rep.BigApply.BodyBytes = bigImageBytes, r.bodyBytes
		lat[j], med[j], idle8[j], peak[j] = r.first, r.median, r.idle, r.peak
	}
	rep.BigApply.LatencyMS = pair(lat[0], lat[1])
	rep.BigApply.MedianMS = pair(med[0], med[1])
	rep.BigApply.IdleRSSMiB = pair(idle8[0], idle8[1])
	rep.BigApply.PeakRSSMiB = pair(peak[0], peak[1])

	logf("retained memory: in-process heap")
	if rep.Sessions.HeapPerSession, err = heapPerSession(o.sessions, 0, false); err != nil {
		return nil, err
	}
	rep.Sessions.HeapImageN, rep.Sessions.HeapImageBytes = max(o.imageSessions, 1), 64<<10
	if rep.Sessions.HeapPerImageSess, err = heapPerSession(rep.Sessions.HeapImageN, rep.Sessions.HeapImageBytes, false); err != nil {
		return nil, err
	}
	if rep.Sessions.HeapPerSessionV1, err = heapPerSession(o.sessions/5, 0, true); err != nil {
		return nil, err
	}
	if rep.Sessions.HeapPerImageSessV1, err = heapPerSession(rep.Sessions.HeapImageN, rep.Sessions.HeapImageBytes, true); err != nil {
		return nil, err
	}

	rep.Goals = goals(rep)
	rep.Seconds = time.Since(began).Seconds()
	return rep, nil
}

var loadNames = []string{"apply-tc3", "get-tc3", "apply-v1", "get-v1"}

func applyParams(extra string) map[string]any {
	return map[string]any{"RedirectURL": "https://merchant.example/callback?order=1", "Extra": extra}
}

// rounds is how many slices each load is cut into.
const rounds = 5

// The servers of a throughput run, as indexes into its procs.
const (
	procEmulator = iota
	procFloor
	procQuiet // the emulator with its log at warn: apply-tc3 only
	procSignature
	procCompared // the -compare binary, when given
	procCount
)

// throughput runs the four signed loads against the emulator, the floor and
// the signature floor, and apply-tc3 against the emulator with its log at
// warn, interleaved.
func throughput(procs []*proc, cred emulator.Credential, o options, logf func(string, ...any)) (map[string]Throughput, error) {
	// request signs the load of one name for procs[j]. A Get reads a
	// BizToken created just before its run: the Applies of the runs before
	// may have evicted an older one (the store keeps the newest
	// DefaultMaxSessions); the reference servers answer any.
	request := func(j int, name string) ([]byte, error) {
		s := signer{cred: cred, host: procs[j].addr}
		token := "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
		if strings.HasPrefix(name, "get-") && procs[j].kind.Emulator {
			resp, _, err := once(procs[j].addr, s.tc3(actionApply, applyParams("bench-get")))
			if err != nil {
				return nil, fmt.Errorf("Apply for the Get token: %w", err)
			}
			token, _ = resp["BizToken"].(string)
		}
		switch name {
		case "apply-tc3":
			return s.tc3(actionApply, applyParams("bench-order-0000000001")), nil
		case "get-tc3":
			return s.tc3(actionGet, map[string]any{"BizToken": token}), nil
		case "apply-v1":
			return s.v1(actionApply, url.Values{"RedirectURL": {"https://merchant.example/callback?order=1"}, "Extra": {"bench-order-0000000001"}}), nil
		case "get-v1":
			return s.v1(actionGet, url.Values{"BizToken": {token}}), nil
		}
		return nil, fmt.Errorf("unknown load %q", name)
	}
	out := map[string]Throughput{}
	for _, name := range loadNames {
		targets := []int{procEmulator, procFloor, procSignature}
		if procs[procCompared] != nil {
			targets = append(targets, procCompared)
		}
		if name == "apply-tc3" {
			targets = append(targets, procQuiet)
		}
		n := len(targets)
		ls := make([]*loader, len(procs))
		for _, j := range targets {
			raw, err := request(j, name)
			if err != nil {
				return nil, err
			}
			// Check the request is answered with success before timing it.
			if _, _, err := once(procs[j].addr, raw); err != nil {
				return nil, fmt.Errorf("%s %s: %w", procs[j].kind.Name, name, err)
			}
			l, err := newLoader(procs[j].addr, raw, o.conns)
			if err != nil {
				return nil, err
			}
			l.run(200*time.Millisecond, 0, false)
			ls[j] = l
		}
		slice := o.duration / rounds
		for r := 0; r < rounds; r++ {
			for i := range targets {
				j := targets[(i+r)%n]
				s0, err := procs[j].cpuTime()
				if err != nil {
					return nil, err
				}
				c0 := selfCPU()
				ls[j].run(slice, 0, true)
				s1, err := procs[j].cpuTime()
				if err != nil {
					return nil, err
				}
				ls[j].serverCPU += s1 - s0
				ls[j].clientCPU += selfCPU() - c0
			}
		}
		res := make([]loadResult, len(procs))
		for _, j := range targets {
			l := ls[j]
			l.close()
			res[j] = l.result()
			if res[j].Errors > 0 {
				return nil, fmt.Errorf("%s %s: %d errors, first: %s", procs[j].kind.Name, name, res[j].Errors, res[j].FirstError)
			}
			logf("  %-20s %-9s %8.0f req/s  p50 %.2f ms  p99 %.2f ms  server CPU %.1f µs/req  client CPU %.1f µs/req",
				procs[j].kind.Name, name, res[j].RPS, res[j].P50MS, res[j].P99MS, res[j].ServerCPUus, res[j].ClientCPUus)
		}
		t := newThroughput(name, res[procEmulator], res[procFloor])
		t.SignatureFloor = beside(res[procSignature], res[procFloor])
		if ls[procCompared] != nil {
			t.Compared = beside(res[procCompared], res[procFloor])
		}
		out[name] = t
		if ls[procQuiet] != nil {
			out["apply-tc3 (log warn)"] = newThroughput("apply-tc3, log level warn", res[procQuiet], res[procFloor])
		}
	}
	return out, nil
}

// medianThroughput runs throughput o.runs times (at least once) and keeps,
// for every load, the run whose ratio is the median: one noisy run on a
// shared machine then moves no figure.
func medianThroughput(procs []*proc, cred emulator.Credential, o options, logf func(string, ...any)) (map[string]Throughput, error) {
	var runs []map[string]Throughput
	for i := 0; i < max(o.runs, 1); i++ {
		if o.runs > 1 {
			logf("throughput run %d of %d", i+1, o.runs)
		}
		r, err := throughput(procs, cred, o, logf)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	out := map[string]Throughput{}
	for name := range runs[0] {
		all := make([]Throughput, len(runs))
		ratios := make([]float64, len(runs))
		for i, r := range runs {
			all[i], ratios[i] = r[name], r[name].RatioRPS
		}
		slices.SortFunc(all, func(a, b Throughput) int { return cmp.Compare(a.RatioRPS, b.RatioRPS) })
		t := all[(len(all)-1)/2]
		if len(runs) > 1 {
			t.RunRatios = ratios
		}
		out[name] = t
	}
	return out, nil
}

func newThroughput(name string, e, f loadResult) Throughput {
	t := Throughput{Name: name, Emulator: e, Floor: f}
	if f.RPS > 0 {
		t.RatioRPS = e.RPS / f.RPS
	}
	if d := f.ClientCPUus + e.ServerCPUus; d > 0 {
		t.EstimatedRatio = (f.ClientCPUus + f.ServerCPUus) / d
	}
	return t
}

type bigResult struct {
	bodyBytes                 int
	first, median, idle, peak float64
}

// bigApply sends five Applies with an 8 MB CompareImageBase64 and reads the
// peak RSS after the first.
func bigApply(p *proc, cred emulator.Credential) (bigResult, error) {
	var r bigResult
	rss, err := p.settledRSS(500 * time.Millisecond)
	if err != nil {
		return r, err
	}
	r.idle = mib(rss)
	s := signer{cred: cred, host: p.addr}
	params := applyParams("bench-8mb")
	params["CompareImageBase64"] = strings.Repeat("/9j/", bigImageBytes/4)
	body, _ := json.Marshal(params)
	r.bodyBytes = len(body)
	raw := s.tc3Body(actionApply, body)
	var lats []float64
	for i := 0; i < 5; i++ {
		_, d, err := once(p.addr, raw)
		if err != nil {
			return r, fmt.Errorf("%s 8 MB Apply: %w", p.kind.Name, err)
		}
		lats = append(lats, ms(d))
		if i == 0 {
			_, hwm, err := p.memStatus()
			if err != nil {
				return r, err
			}
			r.peak = mib(hwm)
		}
	}
	r.first, r.median = lats[0], median(lats)
	return r, nil
}

func goals(rep *Report) []Goal {
	var g []Goal
	add := func(name, target, unit string, v float64, pass bool) {
		g = append(g, Goal{Name: name, Target: target, Value: v, Unit: unit, Pass: pass})
	}
	add("cold start (median)", fmt.Sprintf("<= %.0f ms", goalColdStartMS), "ms", rep.ColdStartMS.Emulator, rep.ColdStartMS.Emulator <= goalColdStartMS)
	add("idle RSS", fmt.Sprintf("<= %.0f MiB", goalIdleRSSMiB), "MiB", rep.IdleRSSMiB.Emulator, rep.IdleRSSMiB.Emulator <= goalIdleRSSMiB)
	for _, t := range rep.Throughput {
		add("throughput "+t.Name, fmt.Sprintf(">= %.2f x floor", goalThroughput), "x floor", t.RatioRPS, t.RatioRPS >= goalThroughput)
	}
	add("retained per pending session (heap)", fmt.Sprintf("<= %.0f B", goalBytesPerSess), "B", rep.Sessions.HeapPerSession, rep.Sessions.HeapPerSession <= goalBytesPerSess)
	add("retained per session with a 64 KiB image (heap)", fmt.Sprintf("<= %.0f B", goalBytesPerSess), "B", rep.Sessions.HeapPerImageSess, rep.Sessions.HeapPerImageSess <= goalBytesPerSess)
	add("retained per pending session, v1 (heap)", fmt.Sprintf("<= %.0f B", goalBytesPerSess), "B", rep.Sessions.HeapPerSessionV1, rep.Sessions.HeapPerSessionV1 <= goalBytesPerSess)
	add("retained per session with a 64 KiB image, v1 (heap)", fmt.Sprintf("<= %.0f B", goalBytesPerSess), "B", rep.Sessions.HeapPerImageSessV1, rep.Sessions.HeapPerImageSessV1 <= goalBytesPerSess)
	add("8 MB Apply latency", fmt.Sprintf("< %.0f ms", goalBigApplyMS), "ms", rep.BigApply.LatencyMS.Emulator, rep.BigApply.LatencyMS.Emulator < goalBigApplyMS)
	limit := rep.BigApply.IdleRSSMiB.Emulator + goalBigApplyBodies*float64(rep.BigApply.BodyBytes)/(1<<20)
	add("8 MB Apply peak RSS", fmt.Sprintf("< idle + 3 x body = %.1f MiB", limit), "MiB", rep.BigApply.PeakRSSMiB.Emulator, rep.BigApply.PeakRSSMiB.Emulator < limit)
	return g
}

func printReport(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "\nfaceid-emulator bench — %s, %s, %d CPU %s, %d connections, %s per load run\n\n",
		rep.Date.Format(time.RFC3339), rep.GoVersion, rep.CPUs, rep.CPUModel, rep.Conns, rep.Duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\temulator\tfloor\temulator/floor\t")
	row := func(name, unit string, p Pair) {
		fmt.Fprintf(tw, "%s (%s)\t%.2f\t%.2f\t%.2f\t\n", name, unit, p.Emulator, p.Floor, p.Ratio)
	}
	row("cold start, median", "ms", rep.ColdStartMS)
	row("idle RSS", "MiB", rep.IdleRSSMiB)
	for _, t := range rep.Throughput {
		fmt.Fprintf(tw, "%s throughput (req/s)\t%.0f\t%.0f\t%.2f\t\n", t.Name, t.Emulator.RPS, t.Floor.RPS, t.RatioRPS)
		row(t.Name+" p50", "ms", pair(t.Emulator.P50MS, t.Floor.P50MS))
		row(t.Name+" p99", "ms", pair(t.Emulator.P99MS, t.Floor.P99MS))
		row(t.Name+" server CPU per request", "µs", pair(t.Emulator.ServerCPUus, t.Floor.ServerCPUus))
		fmt.Fprintf(tw, "%s est. throughput on an idle machine (x floor)\t%.2f\t\t\t\n", t.Name, t.EstimatedRatio)
		for _, b := range []struct {
			label string
			run   *Beside
		}{{"signature floor", t.SignatureFloor}, {"-compare binary", t.Compared}} {
			if b.run != nil {
				fmt.Fprintf(tw, "%s %s: throughput (x floor), server CPU (µs)\t%.2f\t%.2f\t\t\n", t.Name, b.label, b.run.RatioRPS, b.run.Result.ServerCPUus)
			}
		}
		if len(t.RunRatios) > 1 {
			fmt.Fprintf(tw, "%s ratio of every run (median reported)\t\t\t%s\t\n", t.Name, formatRatios(t.RunRatios))
		}
	}
	q := rep.QuietApply
	fmt.Fprintf(tw, "%s throughput (req/s)\t%.0f\t%.0f\t%.2f\t\n", q.Name, q.Emulator.RPS, q.Floor.RPS, q.RatioRPS)
	row(q.Name+" server CPU per request", "µs", pair(q.Emulator.ServerCPUus, q.Floor.ServerCPUus))
	fmt.Fprintf(tw, "%s est. throughput on an idle machine (x floor)\t%.2f\t\t\t\n", q.Name, q.EstimatedRatio)
	s := rep.Sessions
	row(fmt.Sprintf("RSS before %d Applies", s.N), "MiB", s.RSSBeforeMiB)
	row(fmt.Sprintf("RSS after %d Applies", s.N), "MiB", s.RSSAfterMiB)
	fmt.Fprintf(tw, "retained per session, RSS (B)\t%.0f\t\t\t\n", s.RSSPerSession)
	fmt.Fprintf(tw, "retained per session, heap after GC (B)\t%.0f\t\t\t\n", s.HeapPerSession)
	fmt.Fprintf(tw, "  same with a %d KiB image, not echoed (B)\t%.0f\t\t\t\n", s.HeapImageBytes>>10, s.HeapPerImageSess)
	fmt.Fprintf(tw, "  same, v1 form body (B)\t%.0f\t\t\t\n", s.HeapPerSessionV1)
	fmt.Fprintf(tw, "  same, v1 form body with a %d KiB image (B)\t%.0f\t\t\t\n", s.HeapImageBytes>>10, s.HeapPerImageSessV1)
	b := rep.BigApply
	row(fmt.Sprintf("8 MB Apply (%.1f MB body) latency", float64(b.BodyBytes)/1e6), "ms", b.LatencyMS)
	row("8 MB Apply latency, median of 5", "ms", b.MedianMS)
	row("8 MB Apply idle RSS before", "MiB", b.IdleRSSMiB)
	row("8 MB Apply peak RSS (VmHWM)", "MiB", b.PeakRSSMiB)
	tw.Flush()

	fmt.Fprintln(w, "\ngoals:")
	for _, g := range rep.Goals {
		mark := "ok  "
		if !g.Pass {
			mark = "MISS"
		}
		fmt.Fprintf(w, "  %s %-48s %10.2f %-8s (%s)\n", mark, g.Name, g.Value, g.Unit, g.Target)
	}
	fmt.Fprintf(w, "\n(%.0f s)\n", rep.Seconds)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return "(" + strings.TrimSpace(val) + ")"
		}
	}
	return ""
}

func formatRatios(r []float64) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	return strings.Join(parts, " ")
}
