package store

import (
	"container/list"
	"sync"
	"time"
)

// Memory is the in-memory Store. Sessions are kept in creation order so
// that capacity eviction and expiry sweeps pop from the front. It keeps the
// snapshots it is given and replaces them on Update (copy on write), so the
// hot paths, Create and Get, copy nothing.
type Memory struct {
	mu       sync.RWMutex
	max      int
	sessions map[string]*list.Element // value: *Session
	order    *list.List
}

// NewMemory returns a memory store holding at most max sessions (0 = no
// limit); beyond it the oldest are evicted.
func NewMemory(max int) *Memory {
	return &Memory{max: max, sessions: make(map[string]*list.Element), order: list.New()}
}

// Create implements Store.
func (m *Memory) Create(s *Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.Token]; ok {
		return ErrExists
	}
	m.sessions[s.Token] = m.order.PushBack(s)
	for m.max > 0 && m.order.Len() > m.max {
		m.removeLocked(m.order.Front())
	}
	return nil
}

func (m *Memory) removeLocked(e *list.Element) {
	s := m.order.Remove(e).(*Session)
	delete(m.sessions, s.Token)
}

// Get implements Store.
func (m *Memory) Get(token string) (*Session, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.sessions[token]
	if !ok {
		return nil, ErrNotFound
	}
	return e.Value.(*Session), nil
}

// Update implements Store.
func (m *Memory) Update(token string, fn func(*Session) error) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.sessions[token]
	if !ok {
		return nil, ErrNotFound
	}
	work := e.Value.(*Session).Clone()
	if err := fn(work); err != nil {
		return nil, err
	}
	e.Value = work
	return work, nil
}

// List implements Store.
func (m *Memory) List(f Filter) []*Session {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Session
	for e := m.order.Front(); e != nil; e = e.Next() {
		if s := e.Value.(*Session); f.Match(s) {
			out = append(out, s.Clone())
		}
	}
	return out
}

// Delete implements Store.
func (m *Memory) Delete(f Filter) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for e := m.order.Front(); e != nil; {
		next := e.Next()
		if f.Match(e.Value.(*Session)) {
			m.removeLocked(e)
			n++
		}
		e = next
	}
	return n
}

// EvictBefore implements Store. Sessions are in creation order, so the sweep
// stops at the first younger one.
func (m *Memory) EvictBefore(t time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for e := m.order.Front(); e != nil && e.Value.(*Session).CreatedAt.Before(t); e = m.order.Front() {
		m.removeLocked(e)
		n++
	}
	return n
}

// Len implements Store.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.sessions)
}

// Close implements Store.
func (m *Memory) Close() error { return nil }
