package main

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"
)

// TestShortMode runs the bench's CI mode (-short) end to end: the real
// binaries, every phase, every load and every column. It asserts that each
// figure was measured (a positive, finite number), never what it is: the
// machine is shared and the figures of a short run mean nothing.
func TestShortMode(t *testing.T) {
	// With CI set nothing skips, -short or not.
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("builds and runs three servers for about a minute; skipped with go test -short")
	}
	o := shortOptions(options{conns: 8, strict: true, runs: 1}, map[string]bool{})
	if o.strict {
		t.Fatal("-short must not check the goals")
	}
	var log bytes.Buffer
	rep, err := run(o, &log)
	if err != nil {
		t.Fatalf("bench -short failed: %v\nlog:\n%s", err, log.String())
	}
	if code := exitCode(o, rep); code != 0 {
		t.Errorf("exit code %d, want 0 in the CI mode whatever the figures", code)
	}

	measured := func(name string, v float64) {
		t.Helper()
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a measured positive figure", name, v)
		}
	}
	measured("cold start, emulator", rep.ColdStartMS.Emulator)
	measured("cold start, floor", rep.ColdStartMS.Floor)
	measured("idle RSS, emulator", rep.IdleRSSMiB.Emulator)
	measured("idle RSS, floor", rep.IdleRSSMiB.Floor)
	if len(rep.Throughput) != len(loadNames) {
		t.Fatalf("%d throughput loads, want %d (%v)", len(rep.Throughput), len(loadNames), loadNames)
	}
	for i, th := range rep.Throughput {
		if th.Name != loadNames[i] {
			t.Errorf("load %d is %q, want %q", i, th.Name, loadNames[i])
		}
		for _, r := range []struct {
			who string
			res loadResult
		}{{"emulator", th.Emulator}, {"floor", th.Floor}} {
			measured(th.Name+" "+r.who+" req/s", r.res.RPS)
			measured(th.Name+" "+r.who+" p50", r.res.P50MS)
			measured(th.Name+" "+r.who+" p99", r.res.P99MS)
		}
		measured(th.Name+" ratio", th.RatioRPS)
		if th.SignatureFloor == nil {
			t.Errorf("%s: no signature floor run", th.Name)
		} else {
			measured(th.Name+" signature floor ratio", th.SignatureFloor.RatioRPS)
		}
	}
	measured("apply-tc3 at log level warn, req/s", rep.QuietApply.Emulator.RPS)
	measured("RSS after the sessions, emulator", rep.Sessions.RSSAfterMiB.Emulator)
	measured("sessions' Apply seconds", rep.Sessions.ApplySeconds.Emulator)
	// A heap difference over a few thousand sessions can come out
	// negative (the GC's own noise): it must only be a number.
	for name, v := range map[string]float64{
		"heap per session":                   rep.Sessions.HeapPerSession,
		"heap per session with an image":     rep.Sessions.HeapPerImageSess,
		"heap per session, v1":               rep.Sessions.HeapPerSessionV1,
		"heap per session with an image, v1": rep.Sessions.HeapPerImageSessV1,
	} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a number", name, v)
		}
	}
	measured("8 MB Apply latency", rep.BigApply.LatencyMS.Emulator)
	measured("8 MB Apply peak RSS", rep.BigApply.PeakRSSMiB.Emulator)
	if len(rep.Goals) == 0 {
		t.Error("no goal evaluated")
	}

	var out bytes.Buffer
	printReport(&out, rep)
	for _, want := range append(append([]string{}, loadNames...), "8 MB Apply", "goals:", "signature floor") {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the printed report has no %q:\n%s", want, out.String())
		}
	}
}
