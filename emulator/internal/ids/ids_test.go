package ids

import (
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

func TestSourceMakesVersion4UUIDs(t *testing.T) {
	s := NewSource()
	for _, gen := range []struct {
		name string
		f    func() string
	}{{"Lower", s.Lower}, {"Upper", s.Upper}} {
		t.Run(gen.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 1000 {
				id := gen.f()
				u, err := uuid.Parse(id)
				if err != nil {
					t.Fatalf("%q does not parse: %v", id, err)
				}
				if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
					t.Fatalf("%q: version %d variant %v", id, u.Version(), u.Variant())
				}
				want := strings.ToLower(id)
				if gen.name == "Upper" {
					want = strings.ToUpper(id)
				}
				if id != want {
					t.Fatalf("%q is not in %s case", id, gen.name)
				}
				if seen[id] {
					t.Fatalf("%q repeated", id)
				}
				seen[id] = true
			}
		})
	}
}

// Two sources (two emulators in one process) do not repeat each other.
func TestSourcesAreIndependent(t *testing.T) {
	a, b := NewSource(), NewSource()
	if a.Lower() == b.Lower() {
		t.Fatal("two sources gave the same first id")
	}
}

func TestSourceConcurrent(t *testing.T) {
	s := NewSource()
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				id := s.Lower()
				mu.Lock()
				if seen[id] {
					t.Errorf("%q repeated", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func BenchmarkSource(b *testing.B) {
	s := NewSource()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Lower()
	}
}
