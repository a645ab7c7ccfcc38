package store

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

type recorder struct {
	mu      sync.Mutex
	evicted []string
	reasons []string
	writes  int
}

func (r *recorder) Evicted(reason string, tokens []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evicted = append(r.evicted, tokens...)
	r.reasons = append(r.reasons, reason)
}

func (r *recorder) WriteLatency(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d > 0 {
		r.writes++
	}
}

// TestStoreObserverAndWalk: every store reports capacity evictions with
// the evicted tokens, oldest first; the local ones walk from the newest
// end skipping deleted sessions; the disk store reports its write latency.
func TestStoreObserverAndWalk(t *testing.T) {
	forEach(t, 3, func(t *testing.T, s Store) {
		// Eviction is never silent: every store reports its evictions.
		obs, ok := s.(Observable)
		if !ok {
			t.Fatalf("%T does not report its evictions (Observable)", s)
		}
		rec := &recorder{}
		obs.SetObserver(rec)
		for i := 0; i < 6; i++ {
			if err := s.Create(pending(fmt.Sprintf("T%d", i), fmt.Sprint("S", i%2), t0.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(rec.evicted, []string{"T0", "T1", "T2"}) || rec.reasons[0] != ReasonCapacity {
			t.Errorf("evicted %v (%v), want [T0 T1 T2] for capacity", rec.evicted, rec.reasons)
		}
		if _, isBolt := s.(*Bolt); isBolt != (rec.writes >= 6) {
			t.Errorf("%d write latencies reported (disk store: %v)", rec.writes, isBolt)
		}
		// Every store walks from its newest end (listings cost
		// O(limit)).
		walker, ok := s.(NewestWalker)
		if !ok {
			t.Fatalf("%T does not walk from its newest end (NewestWalker)", s)
		}
		s.Delete(Filter{SecretID: "S0"}) // T4
		var walked []string
		walker.WalkNewest(func(x *Session) bool {
			walked = append(walked, x.Token)
			return true
		})
		if !reflect.DeepEqual(walked, []string{"T5", "T3"}) {
			t.Errorf("walk %v, want [T5 T3]", walked)
		}
		walked = walked[:0]
		walker.WalkNewest(func(x *Session) bool {
			walked = append(walked, x.Token)
			return false
		})
		if !reflect.DeepEqual(walked, []string{"T5"}) {
			t.Errorf("walk stopped at once: %v, want [T5]", walked)
		}
	})
}

// TestMemoryRingHoles: deletes in the middle leave holes that creates,
// growth and eviction step over; order and Len stay right through many
// regrowths.
func TestMemoryRingHoles(t *testing.T) {
	m := NewMemory(1000)
	var want []string
	for i := 0; i < 5000; i++ {
		tok := fmt.Sprintf("T%05d", i)
		_ = m.Create(pending(tok, fmt.Sprint("S", i%3), t0))
		want = append(want, tok)
		if len(want) > 1000 {
			want = want[len(want)-1000:]
		}
		if i%7 == 0 {
			m.Delete(Filter{SecretID: "S1"})
			kept := want[:0]
			for _, w := range want {
				var n int
				fmt.Sscanf(w, "T%05d", &n)
				if n%3 != 1 {
					kept = append(kept, w)
				}
			}
			want = kept
		}
		if m.Len() != len(want) {
			t.Fatalf("after %d creates: Len %d, want %d", i+1, m.Len(), len(want))
		}
	}
	if got := tokens(m.List(Filter{})); !reflect.DeepEqual(got, want) {
		t.Errorf("List after holes and growth differs: %d sessions, want %d", len(got), len(want))
	}
	if m.Delete(Filter{}); m.Len() != 0 || len(m.ring) != minRing {
		t.Errorf("after deleting everything: Len %d, ring %d", m.Len(), len(m.ring))
	}
}

// TestBoltCountKept: after creates, deletes and evictions, a reopened
// store's index (read from the order keys) has the sessions left.
func TestBoltCountKept(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBolt(dir, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		_ = b.Create(pending(fmt.Sprint("T", i), "A", t0))
	}
	b.Delete(Filter{Flow: "none"})
	b.Delete(Filter{SecretID: "A", CreatedBefore: t0.Add(time.Second)})
	_ = b.Create(pending("U", "B", t0))
	b.Close()
	b, err = OpenBolt(dir, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Len() != 1 || len(b.List(Filter{})) != 1 {
		t.Errorf("reopened: Len %d, List %d, want 1", b.Len(), len(b.List(Filter{})))
	}
}

func TestMemoryCount(t *testing.T) {
	m := NewMemory(4)
	for i, sec := range []string{"A", "B", "A", "A", "B"} { // the first is evicted
		s := pending(fmt.Sprint("T", i), sec, t0)
		if i == 4 {
			s.Flow = "other"
		}
		_ = m.Create(s)
	}
	m.Delete(Filter{SecretID: "A", CreatedBefore: t0.Add(time.Second), Flow: "none"})
	for _, tc := range []struct {
		f    Filter
		want int
		ok   bool
	}{
		{Filter{}, 4, true}, {Filter{SecretID: "A"}, 2, true}, {Filter{SecretID: "B"}, 2, true},
		{Filter{Flow: "other"}, 1, true}, {Filter{SecretID: "B", Flow: "other"}, 1, true}, {Filter{SecretID: "C"}, 0, true},
		{Filter{State: StatePending}, 0, false}, {Filter{CreatedBefore: t0}, 0, false},
	} {
		if n, ok := m.Count(tc.f); n != tc.want || ok != tc.ok {
			t.Errorf("Count(%+v) = %d %v, want %d %v", tc.f, n, ok, tc.want, tc.ok)
		}
	}
	if len(tokens(m.List(Filter{}))) != 4 {
		t.Error("List disagrees with Count")
	}
}

// TestBoltGroupCommit: concurrent writers share transactions, and every
// Create that returned is in the file (reopened).
func TestBoltGroupCommit(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBolt(dir, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 32, 50
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := b.Create(pending(fmt.Sprintf("G%d-%d", g, i), "A", t0)); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if c := b.commits.Load(); c >= writers*each {
		t.Errorf("%d transactions for %d concurrent Creates: no group commit", c, writers*each)
	}
	b.Close()
	b, err = OpenBolt(dir, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n := len(b.List(Filter{})); n != writers*each || b.Len() != n {
		t.Errorf("reopened: %d sessions (Len %d), want %d", n, b.Len(), writers*each)
	}
}

// TestWalkNewestPages: a walk over more sessions than one page of the
// shared store's reads hands out every session once, newest first, and a
// walk stopped early stops at once.
func TestWalkNewestPages(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		const n = 300
		for i := range n {
			if err := s.Create(pending(fmt.Sprintf("P%03d", i), "A", t0.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		walker := s.(NewestWalker)
		var got []string
		walker.WalkNewest(func(x *Session) bool { got = append(got, x.Token); return true })
		if len(got) != n {
			t.Fatalf("walked %d sessions, want %d", len(got), n)
		}
		for i, tok := range got {
			if want := fmt.Sprintf("P%03d", n-1-i); tok != want {
				t.Fatalf("walk[%d] = %s, want %s", i, tok, want)
			}
		}
		got = got[:0]
		walker.WalkNewest(func(x *Session) bool { got = append(got, x.Token); return len(got) < 20 })
		if len(got) != 20 || got[19] != fmt.Sprintf("P%03d", n-20) {
			t.Errorf("a walk stopped at 20: %d sessions, last %v", len(got), got[len(got)-1:])
		}
	})
}
