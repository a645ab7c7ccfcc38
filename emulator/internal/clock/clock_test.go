package clock

import (
	"testing"
	"time"
)

func TestOffset(t *testing.T) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	o := NewOffset(Fixed(base))
	if got := o.Now(); !got.Equal(base) {
		t.Fatalf("Now = %v, want %v", got, base)
	}
	if got := o.Advance(11 * time.Minute); !got.Equal(base.Add(11 * time.Minute)) {
		t.Fatalf("after Advance: %v", got)
	}
	target := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := o.Set(target); !got.Equal(target) {
		t.Fatalf("after Set: %v", got)
	}
	if o.Skew() != target.Sub(base) {
		t.Fatalf("Skew = %v", o.Skew())
	}
	o.Reset()
	if got := o.Now(); !got.Equal(base) {
		t.Fatalf("after Reset: %v", got)
	}
}
