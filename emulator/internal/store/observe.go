package store

import "time"

// ReasonCapacity is the reason a store gives for sessions it dropped to
// stay within its capacity (EMULATOR_MAX_SESSIONS).
const ReasonCapacity = "capacity"

// Observer hears what a store does that no caller asked for, and how long
// its persistent writes take: the hooks the flow Hub (visible eviction)
// and the metrics use. Stores call it synchronously; it must be quick and
// must never call the store back.
type Observer interface {
	// Evicted reports the sessions the store dropped on its own, oldest
	// first, with why (ReasonCapacity). tokens is only valid during the
	// call.
	Evicted(reason string, tokens []string)
	// WriteLatency reports how long a write a caller waited for took (a
	// disk store's Create or Update, its group commit included). Stores
	// that keep nothing on disk do not report.
	WriteLatency(d time.Duration)
}

// Observable is a Store that reports to an Observer. SetObserver must be
// called before the store is used.
type Observable interface {
	SetObserver(o Observer)
}

// NewestWalker is a Store that walks its sessions from the newest end
// without copying them, so that "the newest N" costs O(N) and not
// O(sessions). Both stores of this package implement it.
type NewestWalker interface {
	// WalkNewest calls fn with each session (read-only, as Get returns
	// it), newest first, until fn returns false or the sessions run out.
	WalkNewest(fn func(*Session) bool)
}

// Counter is a Store that can count the sessions matching some filters
// without a scan. ok is false for a filter it cannot count so.
type Counter interface {
	Count(f Filter) (n int, ok bool)
}
