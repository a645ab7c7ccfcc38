package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// Memory is the in-memory Store. Sessions are kept in creation order in a
// ring (a growable circular buffer of pointers, indexed by a creation
// sequence number), so that capacity eviction and expiry sweeps pop from
// the oldest end and listings walk from the newest end and stop early. The
// ring costs 8 bytes a session where a linked list cost 48; deleting a
// session leaves a hole that the walks skip and the next growth compacts.
// It keeps the snapshots it is given and replaces them on Update (copy on
// write), so the hot paths, Create and Get, copy nothing.
type Memory struct {
	mu    sync.RWMutex
	max   int
	index map[string]uint64 // token -> sequence number
	// ring holds the session of sequence number q at ring[q&(len-1)] for
	// first <= q < next; deleted sessions are nil. len(ring) is a power
	// of two.
	ring        []*Session
	first, next uint64
	live        int
	obs         Observer
	evicted     []string // reused under mu for Observer.Evicted
	// counts is the number of sessions by namespace and flow (a handful
	// of keys), so that a filtered listing's total costs no scan.
	counts map[countKey]int

	// walked counts the sessions WalkNewest handed out (tests check that
	// a limited listing touches only what it returns).
	walked atomic.Int64
}

const minRing = 64

// NewMemory returns a memory store holding at most max sessions (0 = no
// limit); beyond it the oldest are evicted.
func NewMemory(max int) *Memory {
	return &Memory{max: max, index: make(map[string]uint64), ring: make([]*Session, minRing), counts: make(map[countKey]int)}
}

// SetObserver implements Observable.
func (m *Memory) SetObserver(o Observer) {
	m.mu.Lock()
	m.obs = o
	m.mu.Unlock()
}

func (m *Memory) slot(q uint64) **Session { return &m.ring[q&uint64(len(m.ring)-1)] }

// Create implements Store.
func (m *Memory) Create(s *Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.index[s.Token]; ok {
		return ErrExists
	}
	if m.next-m.first == uint64(len(m.ring)) {
		m.regrow()
	}
	*m.slot(m.next) = s
	m.index[s.Token] = m.next
	m.next++
	m.live++
	m.counts[countKey{s.SecretID, s.Flow}]++
	if m.max > 0 && m.live > m.max {
		m.evicted = m.evicted[:0]
		for m.live > m.max {
			m.evicted = append(m.evicted, m.popOldest().Token)
		}
		if m.obs != nil {
			m.obs.Evicted(ReasonCapacity, m.evicted)
		}
		clear(m.evicted)
	}
	return nil
}

// regrow makes room in a full ring: it compacts the live sessions into a
// ring twice as large, or the same size when holes take half of it.
func (m *Memory) regrow() {
	size := len(m.ring)
	if m.live > size/2 {
		size *= 2
	}
	ring := make([]*Session, size)
	q := uint64(0)
	for p := m.first; p < m.next; p++ {
		if s := *m.slot(p); s != nil {
			ring[q] = s
			m.index[s.Token] = q
			q++
		}
	}
	m.ring, m.first, m.next = ring, 0, q
}

// popOldest removes and returns the oldest session (live > 0).
func (m *Memory) popOldest() *Session {
	for *m.slot(m.first) == nil {
		m.first++
	}
	s := *m.slot(m.first)
	m.removeLocked(m.first, s)
	return s
}

// removeLocked deletes the session at sequence number q.
func (m *Memory) removeLocked(q uint64, s *Session) {
	*m.slot(q) = nil
	delete(m.index, s.Token)
	m.live--
	k := countKey{s.SecretID, s.Flow}
	if m.counts[k]--; m.counts[k] == 0 {
		delete(m.counts, k)
	}
	for m.first < m.next && *m.slot(m.first) == nil {
		m.first++
	}
	if m.live == 0 && len(m.ring) > minRing {
		// Everything went (a reset): give the ring's memory back.
		m.ring, m.first, m.next = make([]*Session, minRing), 0, 0
	}
}

// Get implements Store.
func (m *Memory) Get(token string) (*Session, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	q, ok := m.index[token]
	if !ok {
		return nil, ErrNotFound
	}
	return *m.slot(q), nil
}

// Update implements Store.
func (m *Memory) Update(token string, fn func(*Session) error) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, ok := m.index[token]
	if !ok {
		return nil, ErrNotFound
	}
	work := (*m.slot(q)).Clone()
	if err := fn(work); err != nil {
		return nil, err
	}
	*m.slot(q) = work
	return work, nil
}

// List implements Store.
func (m *Memory) List(f Filter) []*Session {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Session
	for q := m.first; q < m.next; q++ {
		if s := *m.slot(q); s != nil && f.Match(s) {
			out = append(out, s.Clone())
		}
	}
	return out
}

// WalkNewest implements NewestWalker. fn runs under the read lock: it must
// not call the store.
func (m *Memory) WalkNewest(fn func(*Session) bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := int64(0)
	for q := m.next; q > m.first; q-- {
		s := *m.slot(q - 1)
		if s == nil {
			continue
		}
		n++
		if !fn(s) {
			break
		}
	}
	m.walked.Add(n)
}

// Delete implements Store.
func (m *Memory) Delete(f Filter) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for q := m.first; q < m.next; q++ {
		if s := *m.slot(q); s != nil && f.Match(s) {
			m.removeLocked(q, s)
			n++
		}
	}
	return n
}

// EvictBefore implements Store. Sessions are in creation order, so the sweep
// stops at the first younger one.
func (m *Memory) EvictBefore(t time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for m.live > 0 {
		for *m.slot(m.first) == nil {
			m.first++
		}
		s := *m.slot(m.first)
		if !s.CreatedAt.Before(t) {
			break
		}
		m.removeLocked(m.first, s)
		n++
	}
	return n
}

type countKey struct{ secretID, flow string }

// Count implements Counter for filters on SecretID and Flow only.
func (m *Memory) Count(f Filter) (int, bool) {
	if f.State != "" || !f.CreatedBefore.IsZero() {
		return 0, false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for k, c := range m.counts {
		if (f.SecretID == "" || k.secretID == f.SecretID) && (f.Flow == "" || k.flow == f.Flow) {
			n += c
		}
	}
	return n, true
}

// Len implements Store.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.live
}

// Close implements Store.
func (m *Memory) Close() error { return nil }
