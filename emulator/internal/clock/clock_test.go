package clock

import (
	"sync"
	"testing"
	"time"
)

// memSkew is a SharedSkew in memory, standing for the engine two
// replicas share.
type memSkew struct {
	mu sync.Mutex
	d  time.Duration
}

func (m *memSkew) Skew() (time.Duration, error) { m.mu.Lock(); defer m.mu.Unlock(); return m.d, nil }
func (m *memSkew) AddSkew(d time.Duration) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.d += d
	return m.d, nil
}
func (m *memSkew) SetSkew(d time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.d = d
	return nil
}

func TestOffset(t *testing.T) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	shared := &memSkew{}
	// mover moves the clock, reader reads it: one Offset alone, or two
	// replicas sharing an offset.
	cases := []struct {
		name          string
		mover, reader *Offset
	}{
		{"local", NewOffset(Fixed(base)), nil},
		{"shared", NewSharedOffset(Fixed(base), shared), NewSharedOffset(Fixed(base), shared)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, r := tc.mover, tc.reader
			if r == nil {
				r = o
			}
			if got := r.Now(); !got.Equal(base) {
				t.Fatalf("Now = %v, want %v", got, base)
			}
			if got := o.Advance(11 * time.Minute); !got.Equal(base.Add(11 * time.Minute)) {
				t.Fatalf("after Advance: %v", got)
			}
			if got := r.Now(); !got.Equal(base.Add(11 * time.Minute)) {
				t.Fatalf("reader after Advance: %v", got)
			}
			target := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			if got := o.Set(target); !got.Equal(target) {
				t.Fatalf("after Set: %v", got)
			}
			if r.Skew() != target.Sub(base) {
				t.Fatalf("Skew = %v", r.Skew())
			}
			o.Reset()
			if got := r.Now(); !got.Equal(base) {
				t.Fatalf("after Reset: %v", got)
			}
		})
	}
}
