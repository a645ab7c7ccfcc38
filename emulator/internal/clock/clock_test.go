package clock

import (
	"errors"
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

// Moves beyond the bounds saturate (Advance, Set) or are refused (TryAdvance,
// TrySet) and never wrap (issue 15: two advances of 2562047h moved the clock
// backwards; set to 9999-12-31 landed in 2319).
func TestOffsetBounds(t *testing.T) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	huge := 2562047 * time.Hour
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		move  func(o *Offset) error
		skew  time.Duration
		fails bool
	}{
		{"advance twice 2562047h saturates", func(o *Offset) error { o.Advance(huge); o.Advance(huge); return nil }, MaxOffset, false},
		{"advance back twice saturates", func(o *Offset) error { o.Advance(-huge); o.Advance(-huge); return nil }, -MaxOffset, false},
		{"advance to the bound exactly", func(o *Offset) error { _, err := o.TryAdvance(MaxOffset); return err }, MaxOffset, false},
		{"try advance past the bound", func(o *Offset) error { _, err := o.TryAdvance(MaxOffset + 1); return err }, 0, true},
		{"try advance twice", func(o *Offset) error {
			if _, err := o.TryAdvance(huge / 4); err != nil {
				return err
			}
			_, err := o.TryAdvance(huge)
			return err
		}, huge / 4, true},
		{"set 9999 saturates", func(o *Offset) error { o.Set(far); return nil }, MaxOffset, false},
		{"set year 1 saturates", func(o *Offset) error { o.Set(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)); return nil }, -MaxOffset, false},
		{"try set 9999", func(o *Offset) error { _, err := o.TrySet(far); return err }, 0, true},
		{"try set in range", func(o *Offset) error { _, err := o.TrySet(base.AddDate(50, 0, 0)); return err }, base.AddDate(50, 0, 0).Sub(base), false},
	}
	for _, tc := range cases {
		o := NewOffset(Fixed(base))
		err := tc.move(o)
		if (err != nil) != tc.fails {
			t.Errorf("%s: err = %v, want failure %v", tc.name, err, tc.fails)
		}
		if err != nil && !errors.Is(err, ErrOutOfRange) {
			t.Errorf("%s: err = %v, want ErrOutOfRange", tc.name, err)
		}
		if o.Skew() != tc.skew {
			t.Errorf("%s: skew = %v, want %v", tc.name, o.Skew(), tc.skew)
		}
		if now := o.Now(); now.Before(base.Add(-MaxOffset)) || now.After(base.Add(MaxOffset)) {
			t.Errorf("%s: Now = %v, outside the bounds", tc.name, now)
		}
	}
}
