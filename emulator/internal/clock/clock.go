// Package clock is the emulator's single source of time. Everything that
// reads the time takes a Clock, so tests can pin it and the control API can
// move the time that token lifetimes see without touching real time.
package clock

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the system clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Func adapts a function to Clock.
type Func func() time.Time

// Now calls f.
func (f Func) Now() time.Time { return f() }

// Fixed returns a clock that always answers t.
func Fixed(t time.Time) Clock { return Func(func() time.Time { return t }) }

// Offset is a clock that runs at the pace of a base clock but can be moved
// forward (Advance) or pinned to a wall time (Set) while it keeps running.
// It is safe for concurrent use.
type Offset struct {
	base Clock
	mu   sync.RWMutex
	skew time.Duration
}

// NewOffset returns an Offset over base (Real when nil) with no offset.
func NewOffset(base Clock) *Offset {
	if base == nil {
		base = Real{}
	}
	return &Offset{base: base}
}

// Now returns the base time plus the current offset.
func (o *Offset) Now() time.Time {
	o.mu.RLock()
	d := o.skew
	o.mu.RUnlock()
	return o.base.Now().Add(d)
}

// MaxOffset bounds how far an Offset may be moved from its base clock, in
// either direction: 100 years (of 365.25 days) is far more than any token
// lifetime a test needs, and keeps every moved time well inside what
// time.Duration (±292 years) and the year-9999 limit of RFC 3339 can hold,
// so no arithmetic on the moved time can wrap.
const MaxOffset = 100 * 8766 * time.Hour

// ErrOutOfRange reports a move beyond MaxOffset.
var ErrOutOfRange = errors.New("the clock may be moved at most 100 years (876600h) from real time")

// Advance moves the clock forward by d (backward when d < 0) and returns the
// new time. The offset saturates at ±MaxOffset instead of wrapping.
func (o *Offset) Advance(d time.Duration) time.Time {
	o.mu.Lock()
	o.skew = addSaturated(o.skew, d)
	o.mu.Unlock()
	return o.Now()
}

// TryAdvance is Advance refusing, with ErrOutOfRange and no change, a move
// that would leave the offset beyond ±MaxOffset.
func (o *Offset) TryAdvance(d time.Duration) (time.Time, error) {
	o.mu.Lock()
	next := addSaturated(o.skew, d)
	if next-o.skew != d {
		o.mu.Unlock()
		return time.Time{}, fmt.Errorf("advance %v: %w", d, ErrOutOfRange)
	}
	o.skew = next
	o.mu.Unlock()
	return o.Now(), nil
}

// Set makes the clock read t now and keep running from there. The offset
// saturates at ±MaxOffset (a t further away lands at the bound).
func (o *Offset) Set(t time.Time) time.Time {
	o.mu.Lock()
	o.skew = clamp(t.Sub(o.base.Now()))
	o.mu.Unlock()
	return o.Now()
}

// TrySet is Set refusing, with ErrOutOfRange and no change, a time more
// than MaxOffset away from the base clock.
func (o *Offset) TrySet(t time.Time) (time.Time, error) {
	o.mu.Lock()
	d := t.Sub(o.base.Now()) // saturates at ±292 years, beyond MaxOffset
	if d != clamp(d) {
		o.mu.Unlock()
		return time.Time{}, fmt.Errorf("set %s: %w", t.UTC().Format(time.RFC3339), ErrOutOfRange)
	}
	o.skew = d
	o.mu.Unlock()
	return o.Now(), nil
}

// addSaturated returns skew+d clamped to ±MaxOffset; skew is within the
// bounds, so the differences below cannot overflow.
func addSaturated(skew, d time.Duration) time.Duration {
	switch {
	case d > 0 && d > MaxOffset-skew:
		return MaxOffset
	case d < 0 && d < -MaxOffset-skew:
		return -MaxOffset
	}
	return skew + d
}

func clamp(d time.Duration) time.Duration {
	return min(max(d, -MaxOffset), MaxOffset)
}

// Reset removes any offset.
func (o *Offset) Reset() {
	o.mu.Lock()
	o.skew = 0
	o.mu.Unlock()
}

// Skew returns the current offset from the base clock.
func (o *Offset) Skew() time.Duration {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.skew
}
