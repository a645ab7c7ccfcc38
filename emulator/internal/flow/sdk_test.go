package flow

import (
	"errors"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

func TestSDKTable(t *testing.T) {
	for _, tc := range []struct {
		kind string
		sdk  bool
	}{
		{"selfie", true}, {"ekyc", true}, {"liveness", true}, {"reflect", true},
		{"web", false}, {"CompareFaceLiveness", false}, {"short", false}, {"", false},
	} {
		table, ok := SDKTable(tc.kind)
		if ok != tc.sdk || (ok && (table.Key != tc.kind || len(table.Codes) == 0)) {
			t.Errorf("SDKTable(%q) = %q with %d codes, %v; want sdk=%v", tc.kind, table.Key, len(table.Codes), ok, tc.sdk)
		}
	}
}

func TestSimulatorURL(t *testing.T) {
	for _, tc := range []struct{ base, token, want string }{
		{"http://emu.test:9000", "ABC-1", "http://emu.test:9000/sdk/?token=ABC-1"},
		{"", "ABC-1", "/sdk/?token=ABC-1"},
		{"http://e", "a b&c", "http://e/sdk/?token=a+b%26c"},
	} {
		if got := SimulatorURL(tc.base, tc.token); got != tc.want {
			t.Errorf("SimulatorURL(%q, %q) = %q, want %q", tc.base, tc.token, got, tc.want)
		}
	}
}

// TestHubOpen: a flow without a page hook opens like Get (the due expiry
// materialised, nothing else changed).
func TestHubOpen(t *testing.T) { forEachStore(t, testHubOpen) }

func testHubOpen(t *testing.T, h *Hub, c *clock.Offset, _ store.Store) {
	tok := create(t, h, "short", "A")
	sess, err := h.Open(tok)
	if err != nil || h.Status(sess) != StatusPending || sess.PageOpened {
		t.Fatalf("Open = %+v, %v", sess, err)
	}
	c.Advance(2 * time.Minute)
	if sess, err = h.Open(tok); err != nil || h.Status(sess) != StatusExpired {
		t.Errorf("Open after the lifetime = %v, %v; want expired", h.Status(sess), err)
	}
	if _, err := h.Open("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open unknown = %v", err)
	}
}
