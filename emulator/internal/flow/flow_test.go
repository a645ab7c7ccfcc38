package flow

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/internal/redistest"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// testFlow is a minimal flow: pending until completed with {"Code":n},
// expired (code -1) after life, results kept for life*2 plus grace.
type testFlow struct {
	kind  string
	life  time.Duration
	grace time.Duration
}

type testData struct {
	Code int `json:"code"`
}

func (d *testData) Clone() store.Data { c := *d; return &c }

func (f *testFlow) Kind() string                  { return f.kind }
func (f *testFlow) NewData() store.Data           { return &testData{} }
func (f *testFlow) ResultLifetime() time.Duration { return 2 * f.life }
func (f *testFlow) EvictionGrace() time.Duration  { return f.grace }

func (f *testFlow) Expire(sess *store.Session, now time.Time) bool {
	if sess.State != store.StatePending || now.Sub(sess.CreatedAt) <= f.life {
		return false
	}
	sess.State = store.StateCompleted
	sess.Data.(*testData).Code = -1
	return true
}

func (f *testFlow) Status(sess *store.Session) string {
	switch {
	case sess.State == store.StateCompleted && sess.Data.(*testData).Code == -1:
		return StatusExpired
	case sess.State == store.StateCompleted:
		return StatusCompleted
	}
	return StatusPending
}

func (f *testFlow) Complete(sess *store.Session, body json.RawMessage, now time.Time) error {
	var req struct{ Code int }
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return Invalid("invalid JSON: %v", err)
		}
	}
	if sess.State != store.StatePending {
		return ErrCompleted
	}
	sess.State = store.StateCompleted
	sess.Data.(*testData).Code = req.Code
	AddEvent(sess, now, "completed", "code %d", req.Code)
	return nil
}

func (f *testFlow) SetScenario(sess *store.Session, sc *scenarios.Scenario, now time.Time) error {
	if sess.State != store.StatePending {
		return ErrCompleted
	}
	sess.Override = []byte(sc.Name)
	return nil
}

func (f *testFlow) Outcome(code int, _ *float64) (*scenarios.Scenario, error) {
	if code < 0 {
		return nil, ErrUnknownCode
	}
	return &scenarios.Scenario{Name: "outcome"}, nil
}

func (f *testFlow) Render(sess *store.Session, base string) any {
	return map[string]any{"Flow": f.kind, "Token": sess.Token, "Link": base + "/" + sess.Token}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// storeKinds are the stores the hub suites run against: this process's
// memory, and a Valkey/Redis engine whose store also keeps the counters
// and the clock offset.
var storeKinds = []string{"memory", "redis"}

// forEachStore runs fn with a fresh hub of each store kind.
func forEachStore(t *testing.T, fn func(t *testing.T, h *Hub, c *clock.Offset, st store.Store)) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			h, c, st := newHub(t, kind)
			fn(t, h, c, st)
		})
	}
}

func newHub(t *testing.T, kind string) (*Hub, *clock.Offset, store.Store) {
	t.Helper()
	reg, err := NewRegistry(&testFlow{kind: "short", life: time.Minute}, &testFlow{kind: "long", life: time.Hour, grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if kind == "redis" {
		r, err := store.OpenRedis(store.RedisConfig{URL: redistest.Start(t).URL(0), Codec: reg, TTL: reg.Retention, CountTTL: reg.Longest()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		c := clock.NewSharedOffset(clock.Fixed(t0), r)
		return NewHub(Config{Store: r, Flows: reg, Clock: c, Counters: NewSharedCounters(r)}), c, r
	}
	c := clock.NewOffset(clock.Fixed(t0))
	st := store.NewMemory(0)
	return NewHub(Config{Store: st, Flows: reg, Clock: c}), c, st
}

func create(t *testing.T, h *Hub, kind, secretID string) string {
	t.Helper()
	sess := h.NewSession(kind, secretID, &testData{})
	if err := h.Create(sess); err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

func TestRegistry(t *testing.T) {
	if _, err := NewRegistry(&testFlow{kind: "a"}, &testFlow{kind: "a"}); err == nil {
		t.Error("a kind registered twice was accepted")
	}
	if _, err := NewRegistry(&testFlow{}); err == nil {
		t.Error("a flow without a kind was accepted")
	}
	r, _ := NewRegistry(&testFlow{kind: "a"})
	if d, ok := r.NewData("a"); !ok || reflect.TypeOf(d) != reflect.TypeOf(&testData{}) {
		t.Errorf("NewData(a) = %T %v", d, ok)
	}
	if _, ok := r.NewData("b"); ok {
		t.Error("NewData of an unknown flow succeeded")
	}
}

func TestHubLifecycle(t *testing.T) { forEachStore(t, testHubLifecycle) }

func testHubLifecycle(t *testing.T, h *Hub, c *clock.Offset, _ store.Store) {
	tok := create(t, h, "short", "A")
	if other := create(t, h, "short", "A"); other == tok || len(tok) != 36 {
		t.Errorf("tokens %q and %q: want two fresh UUIDs", tok, other)
	}
	if err := h.Create(&store.Session{Token: "X", Flow: "nope"}); err == nil {
		t.Error("Create of an unknown flow succeeded")
	}
	if _, err := h.Get("NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown = %v", err)
	}
	if _, err := h.Complete("NOPE", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Complete unknown = %v", err)
	}
	if _, err := h.Complete(tok, json.RawMessage(`{`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Complete with bad JSON = %v", err)
	}
	sess, err := h.Complete(tok, json.RawMessage(`{"Code":7}`))
	if err != nil || h.Status(sess) != StatusCompleted || sess.Data.(*testData).Code != 7 || len(sess.Timeline) != 1 {
		t.Fatalf("Complete = %+v %v", sess, err)
	}
	if s, err := h.Complete(tok, nil); !errors.Is(err, ErrCompleted) || s == nil {
		t.Errorf("second Complete = %v, %v; want ErrCompleted with the session", s, err)
	}
	// Expiry is materialised before fn, and kept when fn refuses with
	// ErrCompleted.
	tok2 := create(t, h, "short", "A")
	c.Advance(2 * time.Minute)
	if peek, _ := h.Peek(tok2); peek.State != store.StatePending {
		t.Errorf("Peek materialised the expiry: %s", peek.State)
	}
	if _, err := h.SetScenario(tok2, &scenarios.Scenario{Name: "x"}); !errors.Is(err, ErrCompleted) {
		t.Errorf("SetScenario after expiry = %v", err)
	}
	if peek, _ := h.Peek(tok2); h.Status(peek) != StatusExpired {
		t.Errorf("the expiry was not stored: %s", h.Status(peek))
	}
	if _, err := h.Outcome(tok2, -1, nil); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("Outcome(-1) = %v", err)
	}
	if got := h.Render(sess, "http://e").(map[string]any); got["Flow"] != "short" || got["Link"] != "http://e/"+tok {
		t.Errorf("Render = %v", got)
	}
}

func TestHubListResetSweep(t *testing.T) { forEachStore(t, testHubListResetSweep) }

func testHubListResetSweep(t *testing.T, h *Hub, c *clock.Offset, st store.Store) {
	a1 := create(t, h, "short", "A")
	b1 := create(t, h, "long", "B")
	a2 := create(t, h, "long", "A")
	if _, err := h.Complete(a2, nil); err != nil {
		t.Fatal(err)
	}
	toks := func(ss []*store.Session) []string {
		out := []string{}
		for _, s := range ss {
			out = append(out, s.Token)
		}
		return out
	}
	cases := []struct {
		name  string
		f     store.Filter
		limit int
		want  []string
		total int
	}{
		{"all", store.Filter{}, 0, []string{a1, b1, a2}, 3},
		{"newest two", store.Filter{}, 2, []string{b1, a2}, 3},
		{"namespace", store.Filter{SecretID: "A"}, 0, []string{a1, a2}, 2},
		{"flow", store.Filter{Flow: "long"}, 0, []string{b1, a2}, 2},
		{"pending", store.Filter{State: StatusPending}, 0, []string{a1, b1}, 2},
		{"completed", store.Filter{State: StatusCompleted}, 0, []string{a2}, 1},
		// With a limit the memory store is walked from its newest end.
		{"namespace, newest one", store.Filter{SecretID: "A"}, 1, []string{a2}, 2},
		{"flow, newest one", store.Filter{Flow: "long"}, 1, []string{a2}, 2},
		{"pending, newest one", store.Filter{State: StatusPending}, 1, []string{b1}, 2},
		{"limit over the count", store.Filter{}, 10, []string{a1, b1, a2}, 3},
	}
	for _, tc := range cases {
		got, total := h.List(tc.f, tc.limit)
		if !reflect.DeepEqual(toks(got), tc.want) || total != tc.total {
			t.Errorf("%s: %v (%d), want %v (%d)", tc.name, toks(got), total, tc.want, tc.total)
		}
	}
	// A due expiry shows in List without being stored.
	c.Advance(2 * time.Minute)
	if got, _ := h.List(store.Filter{State: StatusExpired}, 0); !reflect.DeepEqual(toks(got), []string{a1}) {
		t.Errorf("expired = %v", toks(got))
	}
	if got, total := h.List(store.Filter{State: StatusExpired}, 1); !reflect.DeepEqual(toks(got), []string{a1}) || total != 1 {
		t.Errorf("expired, newest one = %v (%d)", toks(got), total)
	}
	if s, _ := st.Get(a1); s.State != store.StatePending {
		t.Errorf("List stored an expiry: %s", s.State)
	}
	// Sweep: the short flow keeps 2m, the long one 3h.
	c.Advance(5 * time.Minute)
	if n := h.Sweep(); n != 1 {
		t.Errorf("Sweep = %d, want the short session", n)
	}
	if _, err := h.Get(a1); !errors.Is(err, ErrNotFound) {
		t.Errorf("swept session: %v", err)
	}
	c.Advance(3 * time.Hour)
	if n := h.Sweep(); n != 2 {
		t.Errorf("second Sweep = %d", n)
	}
	// Reset of one namespace drops its sessions and counters only.
	x := create(t, h, "long", "A")
	y := create(t, h, "long", "B")
	h.Counters().Token(x, "Get")
	h.Counters().Token(y, "Get")
	h.Counters().Scoped("A", "s", "Apply", 5)
	h.Counters().Scoped("B", "s", "Apply", 5)
	if n := h.Reset("A"); n != 1 {
		t.Errorf("Reset(A) = %d", n)
	}
	if n := h.Counters().Token(x, "Get"); n != 1 {
		t.Errorf("A's token count after reset = %d, want a fresh 1", n)
	}
	if n := h.Counters().Token(y, "Get"); n != 2 {
		t.Errorf("B's token count after A's reset = %d, want 2", n)
	}
	if n := h.Counters().Scoped("B", "s", "Apply", 5); n != 2 {
		t.Errorf("B's scoped count = %d, want 2", n)
	}
	if n := h.Counters().Scoped("A", "s", "Apply", 5); n != 1 {
		t.Errorf("A's scoped count after reset = %d, want 1", n)
	}
	if n := h.Reset(""); n != 1 {
		t.Errorf("Reset all = %d", n)
	}
	if n := h.Counters().Token(y, "Get"); n != 1 {
		t.Errorf("count after full reset = %d", n)
	}
}

func TestCountersScoped(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *Hub, _ *clock.Offset, _ store.Store) { testCountersScoped(t, h.Counters()) })
}

func testCountersScoped(t *testing.T, c *Counters) {
	var got []int
	for i := 0; i < 5; i++ {
		got = append(got, c.Scoped("A", "s", "Apply", 2))
	}
	// Two counted, the third passes and restarts the count.
	if !reflect.DeepEqual(got, []int{1, 2, 3, 1, 2}) {
		t.Errorf("Scoped with times 2 = %v", got)
	}
	if n := c.Scoped("A", "s", "Get", 2); n != 1 {
		t.Errorf("another action shares the count: %d", n)
	}
	if n := c.Token("T", "Get"); n != 1 || c.Token("T", "Get") != 2 || c.Token("T", "Other") != 1 {
		t.Error("Token counts per (token, action)")
	}
}

func TestAddEventBounded(t *testing.T) {
	sess := &store.Session{}
	for i := 0; i < 3*maxTimeline; i++ {
		AddEvent(sess, t0, "poll", "poll %d", i)
	}
	if len(sess.Timeline) != maxTimeline || sess.Timeline[0].Detail != "poll 0" || sess.Timeline[maxTimeline-1].Detail != "poll 191" {
		t.Errorf("timeline: %d events, first %q last %q", len(sess.Timeline), sess.Timeline[0].Detail, sess.Timeline[len(sess.Timeline)-1].Detail)
	}
	AddEvent(sess, t0, "x", "100%")
	if d := sess.Timeline[len(sess.Timeline)-1].Detail; d != "100%" {
		t.Errorf("detail without args formatted: %q", d)
	}
}
