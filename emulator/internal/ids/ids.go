// Package ids makes the random identifiers the emulator hands out:
// RequestIds, BizTokens and the ids inside results, all version 4 UUIDs.
//
// A Source draws them from its own ChaCha8 stream seeded from crypto/rand:
// a cryptographically strong generator, so tokens stay unguessable, without
// the getrandom call per id that crypto/rand (and uuid.New) costs on the
// request path. Each emulator has its own Source: nothing is global.
package ids

import (
	crand "crypto/rand"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// Source generates version 4 UUIDs. It is safe for concurrent use.
type Source struct {
	mu  sync.Mutex
	rng *rand.ChaCha8
}

// NewSource returns a Source seeded from crypto/rand.
func NewSource() *Source {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails on supported platforms (Go 1.24+)
	return &Source{rng: rand.NewChaCha8(seed)}
}

// UUID returns a random version 4 UUID.
func (s *Source) UUID() uuid.UUID {
	var u uuid.UUID
	s.mu.Lock()
	_, _ = s.rng.Read(u[:])
	s.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// Lower returns a random UUID in the canonical lower-case form
// (RequestIds). It is not named String: a Source printed with %v must not
// draw an id.
func (s *Source) Lower() string { return s.UUID().String() }

// Upper returns a random UUID in upper case, as BizTokens are written.
func (s *Source) Upper() string {
	const hexUpper = "0123456789ABCDEF"
	u := s.UUID()
	var b [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexUpper[c>>4], hexUpper[c&0x0f]
		j += 2
	}
	return string(b[:])
}
