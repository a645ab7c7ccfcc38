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
// It is safe for concurrent use. With a shared offset (NewSharedOffset)
// every process reading the same engine sees every move.
type Offset struct {
	base   Clock
	mu     sync.RWMutex
	skew   time.Duration
	shared SharedSkew
}

// SharedSkew keeps an offset that several emulator processes read and
// move (the Redis store implements it).
type SharedSkew interface {
	Skew() (time.Duration, error)
	AddSkew(d time.Duration) (time.Duration, error)
	SetSkew(d time.Duration) error
}

// NewSharedOffset returns an Offset over base (Real when nil) whose offset
// is kept by shared. Every Now reads it, so a move made by one replica is
// seen by the next call on any other (one engine round trip per read;
// while the engine fails, the last offset read is used).
func NewSharedOffset(base Clock, shared SharedSkew) *Offset {
	o := NewOffset(base)
	o.shared = shared
	return o
}

// current is the offset: the shared one when there is one (remembered for
// when the engine fails), else the local one.
func (o *Offset) current() time.Duration {
	if o.shared != nil {
		if d, err := o.shared.Skew(); err == nil {
			o.remember(d)
			return d
		}
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.skew
}

func (o *Offset) remember(d time.Duration) {
	o.mu.Lock()
	o.skew = d
	o.mu.Unlock()
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
	if o.shared != nil {
		return o.base.Now().Add(o.current())
	}
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
	if o.shared != nil {
		if skew, err := o.shared.AddSkew(d); err == nil {
			o.remember(skew)
		}
		return o.Now()
	}
	o.mu.Lock()
	o.skew = addSaturated(o.skew, d)
	o.mu.Unlock()
	return o.Now()
}

// TryAdvance is Advance refusing, with ErrOutOfRange and no change, a move
// that would leave the offset beyond ±MaxOffset.
func (o *Offset) TryAdvance(d time.Duration) (time.Time, error) {
	cur := o.current()
	if addSaturated(cur, d)-cur != d {
		return time.Time{}, fmt.Errorf("advance %v: %w", d, ErrOutOfRange)
	}
	return o.Advance(d), nil // saturates should another move come between
}

// Set makes the clock read t now and keep running from there. The offset
// saturates at ±MaxOffset (a t further away lands at the bound).
func (o *Offset) Set(t time.Time) time.Time {
	if o.shared != nil {
		skew := t.Sub(o.base.Now())
		if o.shared.SetSkew(skew) == nil {
			o.remember(skew)
		}
		return o.Now()
	}
	o.mu.Lock()
	o.skew = clamp(t.Sub(o.base.Now()))
	o.mu.Unlock()
	return o.Now()
}

// TrySet is Set refusing, with ErrOutOfRange and no change, a time more
// than MaxOffset away from the base clock.
func (o *Offset) TrySet(t time.Time) (time.Time, error) {
	d := t.Sub(o.base.Now()) // saturates at ±292 years, beyond MaxOffset
	if d != clamp(d) {
		return time.Time{}, fmt.Errorf("set %s: %w", t.UTC().Format(time.RFC3339), ErrOutOfRange)
	}
	return o.Set(t), nil
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
	if o.shared != nil {
		if o.shared.SetSkew(0) == nil {
			o.remember(0)
		}
		return
	}
	o.mu.Lock()
	o.skew = 0
	o.mu.Unlock()
}

// Skew returns the current offset from the base clock.
func (o *Offset) Skew() time.Duration {
	if o.shared != nil {
		return o.current()
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.skew
}
