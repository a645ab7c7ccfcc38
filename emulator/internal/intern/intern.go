// Package intern keeps one copy of values many sessions share (a
// SecretId, a resolved Config, a RedirectURL), because memory per session
// is what bounds EMULATOR_MAX_SESSIONS. A Table is bounded in entries and
// Strings also in length, so that varied input cannot grow them: past the
// bounds values are simply not shared.
package intern

import (
	"strings"
	"sync"
)

// Bounds of a table.
const (
	MaxEntries   = 1024
	MaxStringLen = 256
)

// Table is one bounded table of shared values. The zero value is ready
// and it is safe for concurrent use.
type Table[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
}

// Get returns the shared value for k, making it with mk the first time.
func (t *Table[K, V]) Get(k K, mk func() V) V {
	t.mu.RLock()
	v, ok := t.m[k]
	t.mu.RUnlock()
	if ok {
		return v
	}
	v = mk()
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.m[k]; ok {
		return old
	}
	if t.m == nil {
		t.m = make(map[K]V)
	}
	if len(t.m) < MaxEntries {
		t.m[k] = v
	}
	return v
}

// Strings shares short strings.
type Strings struct{ t Table[string, string] }

// Get returns the shared copy of s, or s itself when it is long. The copy
// shares no memory with s: a string cut from a request (a SecretId from
// the Authorization header) would keep the request's whole header block
// alive for as long as the session.
func (p *Strings) Get(s string) string {
	if len(s) > MaxStringLen {
		return s
	}
	return p.t.Get(s, func() string { return strings.Clone(s) })
}
