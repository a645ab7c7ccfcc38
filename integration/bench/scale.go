package main

// The bench's modes for sessions at scale, each run alone (instead of the
// default report) and reported as its own table:
//
//   - -scale N: N pending sessions through Apply in one binary (its cap
//     raised to N): RSS per session, and GET /_emulator/sessions?limit=10
//     at N sessions, unfiltered and filtered by SecretId;
//   - -soak DURATION: Apply load for DURATION at the EMULATOR_MAX_SESSIONS
//     cap (-soak-cap, filled first), RSS sampled every second: first,
//     last, max and the slope, which is flat when eviction bounds memory;
//   - -persist: Apply throughput with EMULATOR_DATA_DIR against the same
//     binary in memory, interleaved slices of one run, and their ratio;
//   - -startup N: a data directory of N sessions, then the binary's start
//     on it (exec to the first 200 from health, which comes after the
//     store is open), median of three.

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// The flags of these modes (the main flags are in main).
var (
	scaleN      = flag.Int("scale", 0, "mode: create N pending sessions in the binary and report RSS per session and the latency of GET /_emulator/sessions?limit=10 at N")
	soakFor     = flag.Duration("soak", 0, "mode: Apply load for this long at the EMULATOR_MAX_SESSIONS cap (-soak-cap), sampling RSS every second; reports first/last/max RSS and the slope")
	soakCap     = flag.Int("soak-cap", 200_000, "EMULATOR_MAX_SESSIONS for -soak (filled before the soak starts)")
	persistMode = flag.Bool("persist", false, "mode: Apply throughput with EMULATOR_DATA_DIR against memory, interleaved in one run (-duration each)")
	startupN    = flag.Int("startup", 0, "mode: build a data directory of N sessions and time the binary's start on it")
)

// ScaleReport is what the scale modes measured (-json writes it).
type ScaleReport struct {
	Date    time.Time     `json:"date"`
	Scale   *ScaleFigures `json:"scale,omitempty"`
	Soak    *SoakFigures  `json:"soak,omitempty"`
	Persist *PersistFig   `json:"persist,omitempty"`
	Startup *StartupFig   `json:"startup,omitempty"`
}

// ScaleFigures is the -scale mode's result.
type ScaleFigures struct {
	Sessions        int     `json:"sessions"`
	ApplySeconds    float64 `json:"applySeconds"`
	ApplyP99MS      float64 `json:"applyP99Ms"`
	RSSBeforeMiB    float64 `json:"rssBeforeMiB"`
	RSSAfterMiB     float64 `json:"rssAfterMiB"`
	RSSPerSession   float64 `json:"rssBytesPerSession"`
	ListMS          float64 `json:"listLimit10Ms"`
	ListMaxMS       float64 `json:"listLimit10MaxMs"`
	ListFilteredMS  float64 `json:"listSecretIdLimit10Ms"`
	ListTotalAnswer int     `json:"listTotal"`
}

// SoakFigures is the -soak mode's result.
type SoakFigures struct {
	Cap         int     `json:"cap"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	RPS         float64 `json:"rps"`
	Evicted     int     `json:"evicted"`
	FirstMiB    float64 `json:"firstMiB"`
	LastMiB     float64 `json:"lastMiB"`
	MaxMiB      float64 `json:"maxMiB"`
	SlopeMiBMin float64 `json:"slopeMiBPerMinute"`
	// SlopeLastHalf is the slope over the second half of the soak, once
	// the record of evicted tokens is full and the GC has settled.
	SlopeLastHalf float64   `json:"slopeLastHalfMiBPerMinute"`
	SamplesMiB    []float64 `json:"samplesMiB"`
}

// PersistFig is the -persist mode's result.
type PersistFig struct {
	Memory loadResult `json:"memory"`
	Bolt   loadResult `json:"bbolt"`
	Ratio  float64    `json:"ratio"`
	// CPURatio is memory's server CPU per request over bbolt's: the
	// throughput ratio the server's own work allows, steadier than
	// requests per second on a shared machine.
	CPURatio float64 `json:"cpuRatio"`
	// RunRatios are the throughput ratios of every run (-runs), in run
	// order; the figures above are the run with the median one.
	RunRatios []float64 `json:"runRatios,omitempty"`
}

// StartupFig is the -startup mode's result.
type StartupFig struct {
	Sessions  int       `json:"sessions"`
	FileMiB   float64   `json:"fileMiB"`
	BuildSecs float64   `json:"buildSeconds"`
	StartMS   []float64 `json:"startMs"`
	MedianMS  float64   `json:"medianMs"`
	EmptyMS   float64   `json:"emptyMs"`
}

// scaleModes runs the scale modes asked for on the command line; ran is
// false when none was.
func scaleModes(o options, logw io.Writer, out io.Writer) (ran bool, err error) {
	if *scaleN <= 0 && *soakFor <= 0 && !*persistMode && *startupN <= 0 {
		return false, nil
	}
	logf := func(format string, args ...any) { fmt.Fprintf(logw, "bench: "+format+"\n", args...) }
	tmp, err := os.MkdirTemp("", "faceid-bench-")
	if err != nil {
		return true, err
	}
	defer os.RemoveAll(tmp)
	bin := o.bin
	if bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return true, err
		}
		logf("building the emulator (scripts/build.sh)")
		if bin, err = buildEmulator(root, tmp); err != nil {
			return true, err
		}
	}
	rep := &ScaleReport{Date: time.Now().UTC()}
	if *scaleN > 0 {
		if rep.Scale, err = scaleRun(bin, *scaleN, o.conns, logf); err != nil {
			return true, err
		}
	}
	if *soakFor > 0 {
		if rep.Soak, err = soakRun(bin, *soakCap, *soakFor, o.conns, logf); err != nil {
			return true, err
		}
	}
	if *persistMode {
		if rep.Persist, err = persistRun(bin, tmp, o, logf); err != nil {
			return true, err
		}
	}
	if *startupN > 0 {
		if rep.Startup, err = startupRun(bin, tmp, *startupN, o.conns, logf); err != nil {
			return true, err
		}
	}
	printScale(out, rep)
	if o.jsonOut != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(data, '\n'), 0o644); err != nil {
			return true, err
		}
	}
	return true, nil
}

func emulatorKind(bin, name string, env ...string) *kind {
	return &kind{Name: name, Bin: bin, Emulator: true, Env: func(addr string) []string {
		return append([]string{"EMULATOR_ADDR=" + addr}, env...)
	}}
}

// applyRaw is the Apply load's pre-signed request for p.
func applyRaw(p *proc) []byte {
	s := signer{cred: emulator.DefaultCredential(), host: p.addr}
	return s.tc3(actionApply, applyParams("bench-order-0000000001"))
}

// fill sends n Applies and fails on any error answer.
func fill(p *proc, n, conns int) (loadResult, error) {
	res, err := runCount(p.addr, applyRaw(p), conns, n)
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("%d of %d Apply calls failed: %s", res.Errors, res.Requests, res.FirstError)
	}
	return res, err
}

// getJSON times one GET of the control API and decodes its answer.
func getJSON(url string, out any) (time.Duration, error) {
	t := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	d := time.Since(t)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, truncate(body, 200))
	}
	return d, json.Unmarshal(body, out)
}

func scaleRun(bin string, n, conns int, logf func(string, ...any)) (*ScaleFigures, error) {
	p, err := start(emulatorKind(bin, "emulator", fmt.Sprintf("EMULATOR_MAX_SESSIONS=%d", n)))
	if err != nil {
		return nil, err
	}
	defer p.stop()
	before, err := p.settledRSS(500 * time.Millisecond)
	if err != nil {
		return nil, err
	}
	logf("scale: %d Apply calls", n)
	res, err := fill(p, n, conns)
	if err != nil {
		return nil, err
	}
	after, err := p.settledRSS(2 * time.Second)
	if err != nil {
		return nil, err
	}
	f := &ScaleFigures{Sessions: n, ApplySeconds: res.Seconds, ApplyP99MS: res.P99MS,
		RSSBeforeMiB: mib(before), RSSAfterMiB: mib(after), RSSPerSession: float64(after-before) / float64(n)}
	base := "http://" + p.addr + "/_emulator/sessions?limit=10"
	var lat, filtered []float64
	for i := 0; i < 21; i++ {
		var list struct{ Total int }
		d, err := getJSON(base, &list)
		if err != nil {
			return nil, err
		}
		lat = append(lat, ms(d))
		f.ListTotalAnswer = list.Total
		if i < 5 {
			d, err := getJSON(base+"&secretId="+emulator.DefaultSecretID, &list)
			if err != nil {
				return nil, err
			}
			filtered = append(filtered, ms(d))
		}
	}
	f.ListMS, f.ListMaxMS, f.ListFilteredMS = median(lat), slices.Max(lat), median(filtered)
	logf("scale: RSS %.0f -> %.0f MiB (%.0f B/session), list limit 10: %.2f ms", f.RSSBeforeMiB, f.RSSAfterMiB, f.RSSPerSession, f.ListMS)
	return f, nil
}

func soakRun(bin string, cap int, d time.Duration, conns int, logf func(string, ...any)) (*SoakFigures, error) {
	p, err := start(emulatorKind(bin, "emulator", fmt.Sprintf("EMULATOR_MAX_SESSIONS=%d", cap)))
	if err != nil {
		return nil, err
	}
	defer p.stop()
	logf("soak: filling the cap (%d sessions)", cap)
	if _, err := fill(p, cap, conns); err != nil {
		return nil, err
	}
	l, err := newLoader(p.addr, applyRaw(p), conns)
	if err != nil {
		return nil, err
	}
	defer l.close()
	logf("soak: Apply load for %s at the cap", d)
	f := &SoakFigures{Cap: cap}
	var at []float64
	begin := time.Now()
	for time.Since(begin) < d {
		l.run(time.Second, 0, true)
		rss, _, err := p.memStatus()
		if err != nil {
			return nil, err
		}
		f.SamplesMiB = append(f.SamplesMiB, math.Round(mib(rss)*10)/10)
		at = append(at, time.Since(begin).Minutes())
	}
	res := l.result()
	if res.Errors > 0 {
		return nil, fmt.Errorf("soak: %d of %d Apply calls failed: %s", res.Errors, res.Requests, res.FirstError)
	}
	var list struct{ Evicted int }
	if _, err := getJSON("http://"+p.addr+"/_emulator/sessions?limit=1", &list); err != nil {
		return nil, err
	}
	s := f.SamplesMiB
	f.Seconds, f.Requests, f.RPS, f.Evicted = res.Seconds, res.Requests, res.RPS, list.Evicted
	f.FirstMiB, f.LastMiB, f.MaxMiB = s[0], s[len(s)-1], slices.Max(s)
	f.SlopeMiBMin = slope(at, s)
	f.SlopeLastHalf = slope(at[len(at)/2:], s[len(s)/2:])
	logf("soak: RSS first %.1f last %.1f max %.1f MiB, slope %.2f MiB/min (second half %.2f), %d evicted; samples %v",
		f.FirstMiB, f.LastMiB, f.MaxMiB, f.SlopeMiBMin, f.SlopeLastHalf, f.Evicted, s)
	return f, nil
}

// slope is the least-squares slope of y over x.
func slope(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx, sy, sxx, sxy = sx+x[i], sy+y[i], sxx+x[i]*x[i], sxy+x[i]*y[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

func persistRun(bin, tmp string, o options, logf func(string, ...any)) (*PersistFig, error) {
	kinds := []*kind{
		emulatorKind(bin, "memory"),
		emulatorKind(bin, "bbolt", "EMULATOR_DATA_DIR="+filepath.Join(tmp, "persist")),
	}
	var ls []*loader
	var ps []*proc
	for _, k := range kinds {
		p, err := start(k)
		if err != nil {
			return nil, err
		}
		defer p.stop()
		raw := applyRaw(p)
		if _, _, err := once(p.addr, raw); err != nil {
			return nil, fmt.Errorf("%s: %w", k.Name, err)
		}
		l, err := newLoader(p.addr, raw, o.conns)
		if err != nil {
			return nil, err
		}
		defer l.close()
		l.run(200*time.Millisecond, 0, false)
		ls = append(ls, l)
		ps = append(ps, p)
	}
	var runs []*PersistFig
	for run := 0; run < max(o.runs, 1); run++ {
		logf("persist: Apply load, %s each, memory and bbolt interleaved (run %d of %d)", o.duration, run+1, max(o.runs, 1))
		f, err := persistOnce(ls, ps, o)
		if err != nil {
			return nil, err
		}
		logf("persist: memory %.0f req/s, bbolt %.0f req/s (%.2f; CPU per request %.2f)", f.Memory.RPS, f.Bolt.RPS, f.Ratio, f.CPURatio)
		runs = append(runs, f)
	}
	// The run with the median ratio: one noisy run on a shared machine
	// moves no figure (as -runs does for the throughput loads).
	ratios := make([]float64, len(runs))
	for i, f := range runs {
		ratios[i] = f.Ratio
	}
	slices.SortFunc(runs, func(a, b *PersistFig) int { return cmp.Compare(a.Ratio, b.Ratio) })
	f := runs[(len(runs)-1)/2]
	if len(runs) > 1 {
		f.RunRatios = ratios
	}
	return f, nil
}

// persistOnce is one -persist run: rounds of interleaved slices of load on
// the memory and the bbolt emulators, from loaders emptied first.
func persistOnce(ls []*loader, ps []*proc, o options) (*PersistFig, error) {
	for _, l := range ls {
		l.reset()
	}
	slice := o.duration / rounds
	for r := 0; r < rounds; r++ {
		for i := range ls {
			j := (i + r) % len(ls)
			c0, err := ps[j].cpuTime()
			if err != nil {
				return nil, err
			}
			ls[j].run(slice, 0, true)
			c1, err := ps[j].cpuTime()
			if err != nil {
				return nil, err
			}
			ls[j].serverCPU += c1 - c0
		}
	}
	f := &PersistFig{Memory: ls[0].result(), Bolt: ls[1].result()}
	for _, r := range []loadResult{f.Memory, f.Bolt} {
		if r.Errors > 0 {
			return nil, fmt.Errorf("persist: %d Apply calls failed: %s", r.Errors, r.FirstError)
		}
	}
	f.Ratio = f.Bolt.RPS / f.Memory.RPS
	if f.Bolt.ServerCPUus > 0 {
		f.CPURatio = f.Memory.ServerCPUus / f.Bolt.ServerCPUus
	}
	return f, nil
}

func startupRun(bin, tmp string, n, conns int, logf func(string, ...any)) (*StartupFig, error) {
	dir := filepath.Join(tmp, "startup")
	k := emulatorKind(bin, "emulator", "EMULATOR_DATA_DIR="+dir, fmt.Sprintf("EMULATOR_MAX_SESSIONS=%d", n))
	f := &StartupFig{Sessions: n}
	p, err := start(k)
	if err != nil {
		return nil, err
	}
	f.EmptyMS = ms(p.Cold)
	logf("startup: %d Apply calls into %s", n, dir)
	res, err := fill(p, n, conns)
	p.stop()
	if err != nil {
		return nil, err
	}
	f.BuildSecs = res.Seconds
	if st, err := os.Stat(filepath.Join(dir, "sessions.db")); err == nil {
		f.FileMiB = mib(st.Size())
	}
	for i := 0; i < 3; i++ {
		p, err := start(k)
		if err != nil {
			return nil, err
		}
		f.StartMS = append(f.StartMS, ms(p.Cold))
		var list struct{ Total int }
		_, err = getJSON("http://"+p.addr+"/_emulator/sessions?limit=1", &list)
		p.stop()
		if err != nil {
			return nil, err
		}
		if list.Total != n {
			return nil, fmt.Errorf("startup: the reopened store lists %d sessions, want %d", list.Total, n)
		}
	}
	f.MedianMS = median(f.StartMS)
	logf("startup on %d sessions (%.0f MiB): %.1f ms (empty: %.1f ms)", n, f.FileMiB, f.MedianMS, f.EmptyMS)
	return f, nil
}

func printScale(w io.Writer, rep *ScaleReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "measure\tfigure")
	if f := rep.Scale; f != nil {
		fmt.Fprintf(tw, "%d pending sessions: RSS before / after\t%.1f / %.1f MiB\n", f.Sessions, f.RSSBeforeMiB, f.RSSAfterMiB)
		fmt.Fprintf(tw, "RSS per pending session\t%.0f B\n", f.RSSPerSession)
		fmt.Fprintf(tw, "Apply calls to fill (s, p99)\t%.1f s, %.2f ms\n", f.ApplySeconds, f.ApplyP99MS)
		fmt.Fprintf(tw, "GET /_emulator/sessions?limit=10 at %d (median / max of 21)\t%.2f / %.2f ms\n", f.ListTotalAnswer, f.ListMS, f.ListMaxMS)
		fmt.Fprintf(tw, "same, with ?secretId= (counts the namespace; median of 5)\t%.1f ms\n", f.ListFilteredMS)
	}
	if f := rep.Soak; f != nil {
		fmt.Fprintf(tw, "soak at cap %d for %.0f s (%.0f req/s, %d evicted)\tRSS first %.1f, last %.1f, max %.1f MiB\n", f.Cap, f.Seconds, f.RPS, f.Evicted, f.FirstMiB, f.LastMiB, f.MaxMiB)
		fmt.Fprintf(tw, "soak RSS slope, whole / second half\t%.2f / %.2f MiB/min\n", f.SlopeMiBMin, f.SlopeLastHalf)
	}
	if f := rep.Persist; f != nil {
		fmt.Fprintf(tw, "Apply TC3, memory (req/s, p50/p99)\t%.0f (%.2f/%.2f ms)\n", f.Memory.RPS, f.Memory.P50MS, f.Memory.P99MS)
		fmt.Fprintf(tw, "Apply TC3, EMULATOR_DATA_DIR (req/s, p50/p99)\t%.0f (%.2f/%.2f ms)\n", f.Bolt.RPS, f.Bolt.P50MS, f.Bolt.P99MS)
		fmt.Fprintf(tw, "server CPU per Apply, memory / bbolt\t%.0f / %.0f µs\n", f.Memory.ServerCPUus, f.Bolt.ServerCPUus)
		fmt.Fprintf(tw, "bbolt / memory: throughput, CPU per request\t%.2f, %.2f\n", f.Ratio, f.CPURatio)
		if len(f.RunRatios) > 1 {
			fmt.Fprintf(tw, "bbolt / memory throughput, every run (the median one above)\t%s\n", strings.Trim(fmt.Sprintf("%.2f", f.RunRatios), "[]"))
		}
	}
	if f := rep.Startup; f != nil {
		fmt.Fprintf(tw, "start-up on %d stored sessions (%.0f MiB file; median of 3)\t%.1f ms (%s)\n", f.Sessions, f.FileMiB, f.MedianMS, strings.Trim(fmt.Sprint(f.StartMS), "[]"))
		fmt.Fprintf(tw, "start-up on an empty data dir\t%.1f ms\n", f.EmptyMS)
		fmt.Fprintf(tw, "%d Applies into the data dir\t%.1f s\n", f.Sessions, f.BuildSecs)
	}
}
