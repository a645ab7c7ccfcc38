package store

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCreateParallel is Create from many goroutines (as under a load
// test: the bench's -persist mode uses 32 connections), per store. The
// bbolt store's figure against memory's is the disk's marginal cost per
// Apply.
func BenchmarkCreateParallel(b *testing.B) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, name := range []string{"memory", "bbolt", "memory-at-cap", "bbolt-at-cap"} {
		b.Run(name, func(b *testing.B) {
			// At the cap (10 000 here) every create evicts the oldest.
			max := 200_000
			if strings.HasSuffix(name, "-at-cap") {
				max = 10_000
			}
			var st Store
			if strings.HasPrefix(name, "memory") {
				st = NewMemory(max)
			} else {
				bs, err := OpenBolt(b.TempDir(), max, testCodec{})
				if err != nil {
					b.Fatal(err)
				}
				st = bs
			}
			defer st.Close()
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(16)
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					s := &Session{Token: fmt.Sprintf("%08X-0F1E-45BD-BE13-34C05CEA7681", n.Add(1)), Flow: "web", SecretID: "AKIDSTORE",
						CreatedAt: at, Scenario: "default", ScenarioReason: "default", State: StatePending,
						Timeline: []Event{{Time: at, Kind: "created"}},
						Data:     &testData{RedirectURL: "https://merchant.example/callback?order=1"}}
					if err := st.Create(s); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			if bs, ok := st.(*Bolt); ok {
				b.ReportMetric(float64(b.N)/float64(bs.commits.Load()), "writes/commit")
			}
		})
	}
}

// cpuTime is the process's user+system CPU time: on a shared machine CPU
// per operation is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOpenBolt is opening a file of 192 000 sessions written in
// group commits of 24 (reading the segments' headers into the index).
func BenchmarkOpenBolt(b *testing.B) {
	dir := b.TempDir()
	st, err := OpenBolt(dir, 0, testCodec{})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n, per = 192_000, 24
	for i := 0; i < n; i += per {
		var ops []*boltOp
		for j := i; j < i+per; j++ {
			s := &Session{Token: fmt.Sprintf("%08X-0F1E-45BD-BE13-34C05CEA7681", j), Flow: "web", SecretID: "AKIDSTORE",
				CreatedAt: at, State: StatePending, Data: &testData{RedirectURL: "https://merchant.example/callback?order=1"}}
			data, _ := json.Marshal(s)
			ops = append(ops, &boltOp{run: st.createRun(s, data)})
		}
		if err := st.runBatch(ops); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	// The memory an open store keeps per session (index, order, counts).
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	st, err = OpenBolt(dir, 0, testCodec{})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	perSession := float64(m1.HeapAlloc-m0.HeapAlloc) / n
	st.Close()
	b.ResetTimer()
	for b.Loop() {
		st, err := OpenBolt(dir, 0, testCodec{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Len() != n {
			b.Fatalf("Len %d", st.Len())
		}
		st.Close()
	}
	b.ReportMetric(perSession, "heap-B/session")
}
