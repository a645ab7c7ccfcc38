package flow

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
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

// TestRenderSimulatorURL: the hub adds SimulatorURL to an SDK flow's
// rendering, as its last member, and leaves other flows alone.
func TestRenderSimulatorURL(t *testing.T) {
	reg, err := NewRegistry(&testFlow{kind: "selfie"}, &testFlow{kind: "short"})
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := newHub(t)
	h.flows = reg
	sdk := create(t, h, "selfie", "A")
	other := create(t, h, "short", "A")
	for _, tc := range []struct {
		token, base, want string
	}{
		{sdk, "http://emu.test:9000", `{"Flow":"selfie","Link":"http://emu.test:9000/` + sdk + `","Token":"` + sdk + `","SimulatorURL":"http://emu.test:9000/sdk/?token=` + sdk + `"}`},
		{sdk, "", `{"Flow":"selfie","Link":"/` + sdk + `","Token":"` + sdk + `","SimulatorURL":"/sdk/?token=` + sdk + `"}`},
		{other, "http://e", `{"Flow":"short","Link":"http://e/` + other + `","Token":"` + other + `"}`},
	} {
		sess, err := h.Get(tc.token)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(h.Render(sess, tc.base))
		if err != nil || string(got) != tc.want {
			t.Errorf("Render = %s, %v\nwant %s", got, err, tc.want)
		}
	}
	// Renderings that are not objects, or have the field, are kept.
	for _, tc := range []struct {
		rendering any
		want      string
	}{
		{map[string]any{}, `{"SimulatorURL":"/sdk/?token=T"}`},
		{map[string]any{"SimulatorURL": "mine"}, `{"SimulatorURL":"mine"}`},
		{"text", `"text"`},
		{nil, `null`},
		{struct {
			A int `json:"a"`
		}{1}, `{"a":1,"SimulatorURL":"/sdk/?token=T"}`},
	} {
		got, err := json.Marshal(withSimulatorURL{rendering: tc.rendering, url: SimulatorURL("", "T")})
		if err != nil || string(got) != tc.want {
			t.Errorf("%v: %s, %v; want %s", tc.rendering, got, err, tc.want)
		}
	}
	if got := SimulatorURL("http://e", "a b&c"); got != "http://e/sdk/?token=a+b%26c" {
		t.Errorf("SimulatorURL escapes the token: %s", got)
	}
}

// TestHubOpen: a flow without a page hook opens like Get (the due expiry
// materialised, nothing else changed).
func TestHubOpen(t *testing.T) {
	h, c, _ := newHub(t)
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
