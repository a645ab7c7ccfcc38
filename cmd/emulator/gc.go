package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go collector lets the heap grow to twice its live data before it
// runs (GOGC=100): with a million sessions live that doubles the
// emulator's memory, about 1 KiB a session where the sessions hold half
// of it. tuneGC bounds that headroom instead: the full 100 % while the live
// heap is small (no cost to throughput or idle memory), then at least
// gcHeadroom and at most a quarter of the live heap, so memory per session
// stays near 1.25 times what a session holds (under 1 KiB a pending
// session at a million; see the README's Performance section). Collections then come more often on
// a large heap, which costs some CPU per request at a million sessions;
// setting GOGC turns the tuning off.
const (
	gcHeadroom     = 64 << 20
	gcTuneInterval = time.Second
)

// gcPercentFor is the GOGC that gives a live heap of live bytes its
// headroom.
func gcPercentFor(live uint64) int {
	if live <= gcHeadroom {
		return 100
	}
	return int(100 * max(gcHeadroom, live/4) / live)
}

// tuneGC adjusts GOGC to the live heap every gcTuneInterval until ctx
// ends, unless the user set GOGC.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	cur := 100
	every(ctx, gcTuneInterval, func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if want := gcPercentFor(sample[0].Value.Uint64()); want != cur {
			debug.SetGCPercent(want)
			cur = want
		}
	})
}
