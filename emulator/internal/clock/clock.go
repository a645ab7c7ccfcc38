// Package clock is the emulator's single source of time. Everything that
// reads the time takes a Clock, so tests can pin it and the control API can
// move the time that token lifetimes see without touching real time.
package clock

import (
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

// Advance moves the clock forward by d (backward when d < 0) and returns the
// new time.
func (o *Offset) Advance(d time.Duration) time.Time {
	o.mu.Lock()
	o.skew += d
	o.mu.Unlock()
	return o.Now()
}

// Set makes the clock read t now and keep running from there.
func (o *Offset) Set(t time.Time) time.Time {
	o.mu.Lock()
	o.skew = t.Sub(o.base.Now())
	o.mu.Unlock()
	return o.Now()
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
