package intern

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

func TestStringsShareAndBound(t *testing.T) {
	var p Strings
	block := "Authorization: TC3 Credential=AKIDX/2026"
	id := block[len("Authorization: TC3 Credential="):][:4]
	got := p.Get(id)
	if got != "AKID" || unsafe.StringData(got) == unsafe.StringData(id) {
		t.Errorf("Get(%q) = %q sharing the caller's memory: want a copy", id, got)
	}
	if again := p.Get(strings.Clone("AKID")); unsafe.StringData(again) != unsafe.StringData(got) {
		t.Error("a second Get of the same value did not return the shared copy")
	}
	long := strings.Repeat("x", MaxStringLen+1)
	if p.Get(long) != long || len(p.t.m) != 1 {
		t.Errorf("a long string was kept: %d entries", len(p.t.m))
	}
	for i := 0; i < 2*MaxEntries; i++ {
		p.Get(fmt.Sprint("v", i))
	}
	if len(p.t.m) != MaxEntries {
		t.Errorf("%d entries, want the bound %d", len(p.t.m), MaxEntries)
	}
	if p.Get("beyond") != "beyond" {
		t.Error("a value past the bound is not returned")
	}
}
