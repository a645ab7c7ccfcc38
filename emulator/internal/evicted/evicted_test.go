package evicted

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func tokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.ToUpper(uuid.NewString())
	}
	return out
}

// TestSetRemembersTheLastCap adds far more tokens than the limit, in
// batches, and checks after each that exactly the newest limit are
// remembered (the ring wraps many times, so removal from the table is
// exercised on every add).
func TestSetRemembersTheLastCap(t *testing.T) {
	for _, limit := range []int{1, 7, 1000, 3000} {
		s := New(limit)
		all := tokens(limit*5 + 13)
		for i := 0; i < len(all); i += 97 {
			s.Add(all[i:min(i+97, len(all))])
			added := min(i+97, len(all))
			oldest := max(0, added-limit)
			if got, want := s.Len(), added-oldest; got != want {
				t.Fatalf("limit %d after %d adds: Len %d, want %d", limit, added, got, want)
			}
			for j := max(0, oldest-50); j < added; j++ {
				if got, want := s.Contains(all[j]), j >= oldest; got != want {
					t.Fatalf("limit %d after %d adds: Contains(token %d) = %v, want %v", limit, added, j, got, want)
				}
			}
		}
		for _, tok := range tokens(200) {
			if s.Contains(tok) {
				t.Fatalf("limit %d: a token never added is reported", limit)
			}
		}
	}
}

func TestSetIgnoresOtherTokens(t *testing.T) {
	s := New(10)
	if s.Contains("nope") {
		t.Error("an empty set contains a token")
	}
	s.Add([]string{"not-a-uuid", "123"})
	if s.Len() != 0 || s.Contains("not-a-uuid") {
		t.Errorf("non-UUID tokens recorded: Len %d", s.Len())
	}
	tok := strings.ToUpper(uuid.NewString())
	s.Add([]string{tok})
	if !s.Contains(tok) || !s.Contains(strings.ToLower(tok)) {
		t.Error("an added UUID is not found (upper or lower case)")
	}
}
