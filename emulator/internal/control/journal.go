package control

import (
	"sync"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
)

// Journal keeps the last N API requests in a ring buffer. It implements
// api.Observer. Records hold no key: the gateway never puts one there and
// signature.Diagnostics is built without one.
type Journal struct {
	mu    sync.Mutex
	ring  []api.Record
	next  int  // where the next record goes
	full  bool // the ring has wrapped: ring[next:] are the oldest
	total uint64
}

// DefaultJournalSize is how many requests the journal keeps by default.
const DefaultJournalSize = 1000

// NewJournal returns a journal keeping the last size records
// (DefaultJournalSize when size <= 0).
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{ring: make([]api.Record, size)}
}

// Observe implements api.Observer.
func (j *Journal) Observe(r api.Record) {
	j.mu.Lock()
	j.ring[j.next] = r
	j.next = (j.next + 1) % len(j.ring)
	if j.next == 0 {
		j.full = true
	}
	j.total++
	j.mu.Unlock()
}

func (f RequestFilter) match(r *api.Record) bool {
	return (f.SecretID == "" || r.SecretID == f.SecretID) &&
		(f.Action == "" || r.Action == f.Action) &&
		(f.Token == "" || r.Token == f.Token) &&
		(f.Signature == "" || r.Signature == f.Signature) &&
		(f.ErrorCode == "" || r.ErrorCode == f.ErrorCode)
}

// List returns copies of the matching records, oldest first. Limit is not
// applied here (see Handler.Requests).
func (j *Journal) List(f RequestFilter) []api.Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []api.Record{}
	add := func(rs []api.Record) {
		for i := range rs {
			if f.match(&rs[i]) {
				out = append(out, copyRecord(rs[i]))
			}
		}
	}
	if j.full {
		add(j.ring[j.next:])
	}
	add(j.ring[:j.next])
	return out
}

// copyRecord returns r sharing no memory with the journal, so callers of
// the Go API may modify what they get.
func copyRecord(r api.Record) api.Record {
	if r.Notes != nil {
		r.Notes = append([]string(nil), r.Notes...)
	}
	if r.Diagnostics != nil {
		d := *r.Diagnostics
		d.HostCandidates = append([]string(nil), d.HostCandidates...)
		r.Diagnostics = &d
	}
	return r
}

// Len is how many records the journal holds.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.full {
		return len(j.ring)
	}
	return j.next
}

// Cap is how many records the journal keeps at most.
func (j *Journal) Cap() int { return len(j.ring) }

// Total is how many records were ever observed (Clear does not reset it).
func (j *Journal) Total() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.total
}

// Clear empties the journal; with a SecretId, only that namespace's records
// go and the others keep their order.
func (j *Journal) Clear(secretID string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if secretID == "" {
		clear(j.ring)
		j.next, j.full = 0, false
		return
	}
	kept := make([]api.Record, 0, len(j.ring))
	if j.full {
		kept = append(kept, j.ring[j.next:]...)
	}
	kept = append(kept, j.ring[:j.next]...)
	clear(j.ring)
	j.next, j.full = 0, false
	for _, r := range kept {
		if r.SecretID != secretID {
			j.ring[j.next] = r
			j.next++
		}
	}
	if j.next == len(j.ring) {
		j.next, j.full = 0, true
	}
}
