// Package evicted is a bounded record of the tokens a session store
// evicted to stay within its capacity, so that an unknown token can be
// told apart from one the emulator dropped (the merchant's bug against the
// emulator's EMULATOR_MAX_SESSIONS). Tokens are version 4 UUIDs, kept as
// 16 bytes each in a ring, oldest overwritten first, with an open
// addressing table of 4-byte ring positions for the look-up: 24 bytes a
// token once the ring is full, and nothing before the first eviction.
package evicted

import (
	"encoding/binary"
	"sync"

	"github.com/google/uuid"
)

// Set remembers the last Cap evicted tokens. It is safe for concurrent
// use.
type Set struct {
	mu    sync.Mutex
	limit int
	ring  [][16]byte // oldest at ring[head] once full
	head  int
	full  bool
	table []int32 // ring position + 1; 0 = empty slot
}

// firstCap is the ring's first size; it doubles up to the limit.
const firstCap = 1024

// New returns a set remembering at most limit tokens (at least one).
func New(limit int) *Set { return &Set{limit: max(limit, 1)} }

// Cap is how many tokens the set remembers at most.
func (s *Set) Cap() int { return s.limit }

func key(token string) ([16]byte, bool) {
	u, err := uuid.Parse(token)
	if err != nil || len(token) != 36 {
		return [16]byte{}, false
	}
	return u, true
}

// home is a token's first table slot. The UUID's random bits are mixed
// anyway, in case a flow ever uses less random tokens.
func (s *Set) home(k [16]byte) int {
	h := binary.LittleEndian.Uint64(k[:8]) ^ binary.LittleEndian.Uint64(k[8:])
	h *= 0x9E3779B97F4A7C15
	return int(h >> 32 & uint64(len(s.table)-1))
}

// Add records tokens (in eviction order). Tokens that are not UUIDs are
// not recorded (no flow makes such tokens).
func (s *Set) Add(tokens []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tokens {
		if k, ok := key(t); ok {
			s.add(k)
		}
	}
}

func (s *Set) add(k [16]byte) {
	if !s.full && s.head == len(s.ring) {
		if len(s.ring) < s.limit {
			s.grow()
		} else {
			s.full, s.head = true, 0
		}
	}
	if s.full {
		s.remove(s.head)
		s.ring[s.head] = k
		s.insert(s.head)
		s.head = (s.head + 1) % len(s.ring)
		return
	}
	s.ring[s.head] = k
	s.insert(s.head)
	s.head++
}

// grow doubles the ring (up to the limit) and rebuilds the table, at
// most twice the ring's size so that probes stay short.
func (s *Set) grow() {
	n := min(max(2*len(s.ring), firstCap), s.limit)
	ring := make([][16]byte, len(s.ring), n)
	copy(ring, s.ring)
	s.ring = ring[:n]
	size := 1
	for size < 2*n {
		size *= 2
	}
	s.table = make([]int32, size)
	for i := 0; i < s.head; i++ {
		s.insert(i)
	}
}

func (s *Set) insert(pos int) {
	mask := len(s.table) - 1
	for i := s.home(s.ring[pos]); ; i = (i + 1) & mask {
		if s.table[i] == 0 {
			s.table[i] = int32(pos + 1)
			return
		}
	}
}

// remove takes ring position pos out of the table, shifting back the
// entries after it (linear probing without tombstones).
func (s *Set) remove(pos int) {
	mask := len(s.table) - 1
	i := s.home(s.ring[pos])
	for s.table[i] != int32(pos+1) {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; s.table[j] != 0; j = (j + 1) & mask {
		h := s.home(s.ring[s.table[j]-1])
		// Move entry j to the hole at i unless its home lies in (i, j].
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			s.table[i] = s.table[j]
			i = j
		}
	}
	s.table[i] = 0
}

// Contains reports whether token is among the remembered evictions.
func (s *Set) Contains(token string) bool {
	k, ok := key(token)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.table) == 0 {
		return false
	}
	mask := len(s.table) - 1
	for i := s.home(k); s.table[i] != 0; i = (i + 1) & mask {
		if s.ring[s.table[i]-1] == k {
			return true
		}
	}
	return false
}

// Len is how many tokens the set remembers.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.full {
		return len(s.ring)
	}
	return s.head
}
