package textlog

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/internal/syncbuf"
)

// both formats r with Handler and with slog.TextHandler.
func both(t testing.TB, r slog.Record) (fast, want string) {
	t.Helper()
	var a, b bytes.Buffer
	if err := New(&a, slog.LevelDebug-8).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug - 8}).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return a.String(), b.String()
}

var strs = []string{
	"", "plain", "ApplyWebVerificationBizTokenIntl", "with space", "a=b", `say "hi"`, `back\slash`,
	"tab\there", "new\nline", "\x00nul", "del\x7f", "ümlaut", "中文", "nbsp\u00a0", "ideographic\u3000space",
	"\ufffd", "bad\xffutf8", "zero\u200bwidth", "emoji😀", "rtl\u202e", "-", "=", `"`, "scenario default (default)",
}

func TestMatchesSlogText(t *testing.T) {
	loc := time.FixedZone("X", 5*3600+30*60)
	times := []time.Time{
		{},
		time.Date(2026, 11, 26, 21, 2, 48, 123456789, time.UTC),
		time.Date(2026, 11, 26, 21, 2, 48, 0, time.UTC),
		time.Date(2026, 11, 26, 21, 2, 48, 999999999, loc),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 500_000_000, time.UTC),
		time.Now(), // with a monotonic reading
	}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2, slog.LevelDebug - 3}
	values := []slog.Value{
		slog.Int64Value(0), slog.Int64Value(-42), slog.Int64Value(math.MaxInt64), slog.Uint64Value(math.MaxUint64),
		slog.Float64Value(0.123), slog.Float64Value(1e21), slog.Float64Value(1e-7), slog.Float64Value(math.NaN()),
		slog.Float64Value(math.Inf(-1)), slog.Float64Value(-0.0), slog.BoolValue(true), slog.BoolValue(false),
	}
	for _, s := range strs {
		values = append(values, slog.StringValue(s))
	}
	n := 0
	for _, tm := range times {
		for _, lv := range levels {
			for _, msg := range strs {
				r := slog.NewRecord(tm, lv, msg, 0)
				for i := 0; i < n%8; i++ {
					v := values[(n+i*7)%len(values)]
					r.AddAttrs(slog.Attr{Key: strs[(n+i*3)%len(strs)] + "k", Value: v})
				}
				n++
				if fast, want := both(t, r); fast != want {
					t.Fatalf("record %d:\nfast %q\nslog %q", n, fast, want)
				}
			}
		}
	}
}

// Records the fast path leaves to slog come out as slog writes them.
func TestFallsBackToSlog(t *testing.T) {
	at := time.Date(2026, 11, 26, 21, 2, 48, 0, time.UTC)
	for name, attrs := range map[string][]slog.Attr{
		"group":    {slog.Group("g", slog.String("a", "b"))},
		"empty":    {{}},
		"duration": {slog.Duration("d", time.Second)},
		"time":     {slog.Time("t", at)},
		"any":      {slog.Any("e", context.Canceled)},
		"bytes":    {slog.Any("b", []byte("x y"))},
		"mixed":    {slog.String("a", "b"), slog.Any("m", map[string]int{"x": 1})},
	} {
		r := slog.NewRecord(at, slog.LevelInfo, "m", 0)
		r.AddAttrs(attrs...)
		if fast, want := both(t, r); fast != want {
			t.Errorf("%s:\nfast %q\nslog %q", name, fast, want)
		}
	}
	r := slog.NewRecord(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "far", 0)
	if fast, want := both(t, r); fast != want {
		t.Errorf("year 10000:\nfast %q\nslog %q", fast, want)
	}
}

func TestDerivedAndLevels(t *testing.T) {
	var a, b bytes.Buffer
	fast := slog.New(New(&a, slog.LevelInfo))
	ref := slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelInfo}))
	for _, l := range []*slog.Logger{fast, ref} {
		l.Debug("hidden")
		l.With("component", "x").Info("derived", "n", 1)
		l.WithGroup("g").Warn("grouped", "k", "v w")
	}
	strip := func(s string) string { // the two loggers read the clock apart
		var out []string
		for _, line := range strings.Split(s, "\n") {
			if i := strings.Index(line, " level="); i >= 0 {
				line = line[i:]
			}
			out = append(out, line)
		}
		return strings.Join(out, "\n")
	}
	if strip(a.String()) != strip(b.String()) {
		t.Errorf("fast:\n%s\nslog:\n%s", a.String(), b.String())
	}
	if strings.Contains(a.String(), "hidden") {
		t.Error("a debug line got through at info")
	}
}

// Lines written from many goroutines arrive whole.
func TestConcurrentLinesStayWhole(t *testing.T) {
	w := &syncbuf.Buffer{}
	l := slog.New(New(w, slog.LevelInfo))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				l.Info("api", "g", g, "i", i, "pad", strings.Repeat("x", 100))
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != 1600 {
		t.Fatalf("%d lines, want 1600", len(lines))
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "time=") || !strings.HasSuffix(line, strings.Repeat("x", 100)) {
			t.Fatalf("torn line %q", line)
		}
	}
}

func FuzzMatchesSlogText(f *testing.F) {
	for _, s := range strs {
		f.Add(s, s+"v", int64(len(s)), 0.5)
	}
	f.Fuzz(func(t *testing.T, key, val string, n int64, x float64) {
		r := slog.NewRecord(time.Unix(n, n).UTC(), slog.Level(n%13), val, 0)
		r.AddAttrs(slog.String(key, val), slog.Int64(val+"n", n), slog.Float64(key+"f", x), slog.Bool("b", n%2 == 0))
		if fast, want := both(t, r); fast != want {
			t.Fatalf("\nfast %q\nslog %q", fast, want)
		}
	})
}

var sink = rand.Int()

func BenchmarkRequestLine(b *testing.B) {
	for name, h := range map[string]slog.Handler{
		"textlog": New(discard{}, slog.LevelInfo),
		"slog":    slog.NewTextHandler(discard{}, nil),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "api", 0)
				r.AddAttrs(slog.String("action", "ApplyWebVerificationBizTokenIntl"), slog.String("sdk", "SDK_GO_1.3.211"),
					slog.String("requestId", "7b1f6c3e-2a4d-4e0b-9d51-3c1a1f0e8b2a"), slog.Float64("latencyMs", 0.123),
					slog.String("bizToken", "3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
				_ = h.Handle(context.Background(), r)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
