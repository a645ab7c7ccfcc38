package control

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
)

func rec(id, secret string) api.Record {
	return api.Record{RequestID: id, SecretID: secret, Action: "GetWebVerificationResultIntl", Signature: "ok"}
}

func ids(rs []api.Record) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.RequestID)
	}
	return out
}

func TestJournalRingWraparound(t *testing.T) {
	j := NewJournal(3)
	if got := ids(j.List(RequestFilter{})); len(got) != 0 {
		t.Fatalf("empty journal lists %v", got)
	}
	for i := 1; i <= 3; i++ {
		j.Observe(rec(fmt.Sprint(i), "A"))
	}
	if got, want := ids(j.List(RequestFilter{})), []string{"1", "2", "3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("full ring = %v, want %v", got, want)
	}
	for i := 4; i <= 8; i++ {
		j.Observe(rec(fmt.Sprint(i), "A"))
	}
	if got, want := ids(j.List(RequestFilter{})), []string{"6", "7", "8"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after wraparound = %v, want %v (oldest first, oldest dropped)", got, want)
	}
	if j.Len() != 3 || j.Cap() != 3 || j.Total() != 8 {
		t.Errorf("Len %d Cap %d Total %d, want 3 3 8", j.Len(), j.Cap(), j.Total())
	}
	j.Clear("")
	if j.Len() != 0 || len(j.List(RequestFilter{})) != 0 || j.Total() != 8 {
		t.Errorf("after Clear: Len %d, Total %d", j.Len(), j.Total())
	}
	j.Observe(rec("9", "A"))
	if got := ids(j.List(RequestFilter{})); !reflect.DeepEqual(got, []string{"9"}) {
		t.Errorf("after Clear and one record = %v", got)
	}
}

func TestJournalDefaultSize(t *testing.T) {
	if got := NewJournal(0).Cap(); got != DefaultJournalSize {
		t.Errorf("NewJournal(0).Cap() = %d, want %d", got, DefaultJournalSize)
	}
	if got := NewJournal(-4).Cap(); got != DefaultJournalSize {
		t.Errorf("NewJournal(-4).Cap() = %d", got)
	}
}

func TestJournalClearNamespace(t *testing.T) {
	j := NewJournal(5)
	// 7 records into 5 slots: the ring has wrapped and starts mid-slice.
	for i, s := range []string{"A", "B", "A", "B", "A", "B", "A"} {
		j.Observe(rec(fmt.Sprintf("%d%s", i, s), s))
	}
	if got, want := ids(j.List(RequestFilter{})), []string{"2A", "3B", "4A", "5B", "6A"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("before = %v, want %v", got, want)
	}
	j.Clear("A")
	if got, want := ids(j.List(RequestFilter{})), []string{"3B", "5B"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after Clear(A) = %v, want %v", got, want)
	}
	if j.Len() != 2 {
		t.Errorf("Len = %d, want 2", j.Len())
	}
	// The ring keeps working: fill it past capacity again.
	for i := 7; i <= 11; i++ {
		j.Observe(rec(fmt.Sprintf("%dA", i), "A"))
	}
	if got, want := ids(j.List(RequestFilter{})), []string{"7A", "8A", "9A", "10A", "11A"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("refilled = %v, want %v", got, want)
	}
	// Clearing a namespace that fills the whole ring empties it.
	j.Clear("A")
	if j.Len() != 0 {
		t.Errorf("Len = %d after clearing the only namespace", j.Len())
	}
	// Clearing a namespace with nothing to drop keeps a full ring full.
	for i := 0; i < 5; i++ {
		j.Observe(rec(fmt.Sprintf("%dB", i), "B"))
	}
	j.Clear("nobody")
	if got := ids(j.List(RequestFilter{})); len(got) != 5 || got[0] != "0B" || got[4] != "4B" {
		t.Errorf("after Clear(nobody) = %v", got)
	}
	j.Observe(rec("5B", "B"))
	if got := ids(j.List(RequestFilter{})); got[0] != "1B" || got[4] != "5B" {
		t.Errorf("full ring after Clear(nobody) did not wrap: %v", got)
	}
}

func TestJournalFilterAndCopies(t *testing.T) {
	j := NewJournal(10)
	j.Observe(api.Record{RequestID: "1", SecretID: "A", Action: "ApplyWebVerificationBizTokenIntl", Signature: "ok", Token: "T1"})
	j.Observe(api.Record{RequestID: "2", SecretID: "A", Action: "GetWebVerificationResultIntl", Signature: "failed",
		ErrorCode: "AuthFailure.SignatureFailure", Notes: []string{"n"},
		Diagnostics: &signature.Diagnostics{HostCandidates: []string{"h"}}})
	j.Observe(api.Record{RequestID: "3", SecretID: "B", Action: "GetWebVerificationResultIntl", Signature: "ok", Token: "T1"})
	cases := []struct {
		f    RequestFilter
		want []string
	}{
		{RequestFilter{}, []string{"1", "2", "3"}},
		{RequestFilter{SecretID: "A"}, []string{"1", "2"}},
		{RequestFilter{Action: "GetWebVerificationResultIntl"}, []string{"2", "3"}},
		{RequestFilter{Token: "T1"}, []string{"1", "3"}},
		{RequestFilter{Signature: "failed"}, []string{"2"}},
		{RequestFilter{ErrorCode: "AuthFailure.SignatureFailure"}, []string{"2"}},
		{RequestFilter{SecretID: "B", Signature: "failed"}, []string{}},
	}
	for _, c := range cases {
		if got := ids(j.List(c.f)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("List(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	// Callers get copies.
	got := j.List(RequestFilter{Signature: "failed"})
	got[0].Notes[0] = "changed"
	got[0].Diagnostics.HostCandidates[0] = "changed"
	again := j.List(RequestFilter{Signature: "failed"})
	if again[0].Notes[0] != "n" || again[0].Diagnostics.HostCandidates[0] != "h" {
		t.Error("List shares memory with the journal")
	}
}

func TestJournalConcurrent(t *testing.T) {
	j := NewJournal(16)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 500; i++ {
				j.Observe(rec(fmt.Sprint(i), fmt.Sprint(g)))
				if i%50 == 0 {
					j.List(RequestFilter{SecretID: fmt.Sprint(g)})
					j.Clear(fmt.Sprint((g + 1) % 4))
				}
			}
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	if j.Total() != 2000 {
		t.Errorf("Total = %d", j.Total())
	}
	if j.Len() > 16 {
		t.Errorf("Len = %d over capacity", j.Len())
	}
}
