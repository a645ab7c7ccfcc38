package flow

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// countingStore counts the sessions a walk from the newest end hands out.
type countingStore struct {
	*store.Memory
	walked int
}

func (c *countingStore) WalkNewest(fn func(*store.Session) bool) {
	c.Memory.WalkNewest(func(s *store.Session) bool {
		c.walked++
		return fn(s)
	})
}

// TestHubListNewestIsON: with 200 000 sessions, listing the newest 10
// touches 10 sessions, not 200 000 (a structural check: the store counts
// what the walk handed out). A filter that matches every other session
// touches about twice the limit.
func TestHubListNewestIsON(t *testing.T) {
	reg, _ := NewRegistry(&testFlow{kind: "short", life: time.Minute})
	st := &countingStore{Memory: store.NewMemory(0)}
	h := NewHub(Config{Store: st, Flows: reg, Clock: clock.NewOffset(clock.Fixed(t0))})
	const n = 200_000
	var last string
	for i := 0; i < n; i++ {
		sess := h.NewSession("short", fmt.Sprint("S", i%2), &testData{})
		if err := h.Create(sess); err != nil {
			t.Fatal(err)
		}
		last = sess.Token
	}
	st.walked = 0
	got, total := h.List(store.Filter{}, 10)
	if st.walked > 10 || len(got) != 10 || total != n || got[9].Token != last {
		t.Errorf("List(limit 10) walked %d sessions, returned %d (total %d), newest last %v; want 10 walked, 10 returned, total %d",
			st.walked, len(got), total, got[len(got)-1].Token == last, n)
	}
	// A namespace holding every other session: about twice the limit
	// walked, the total from the store's counts.
	st.walked = 0
	got, total = h.List(store.Filter{SecretID: "S1"}, 10)
	if st.walked > 20 || len(got) != 10 || total != n/2 || got[9].Token != last {
		t.Errorf("List(S1, limit 10) walked %d, returned %d, total %d; want <= 20, 10, %d", st.walked, len(got), total, n/2)
	}
	// A status filter must look at every session to count them.
	st.walked = 0
	if got, total = h.List(store.Filter{State: StatusPending}, 10); len(got) != 10 || total != n || st.walked != n {
		t.Errorf("List(pending, limit 10): walked %d, returned %d, total %d", st.walked, len(got), total)
	}
}

type noticeLog struct{ notices []EvictionNotice }

func (l *noticeLog) add(n EvictionNotice) { l.notices = append(l.notices, n) }

// TestHubEvictionNotices: capacity evictions are counted, their tokens
// answer with a message naming the cap, and OnEviction hears of them at
// most once per NoticeEvery with the count since the last notice; a
// Sweep tells what is left.
func TestHubEvictionNotices(t *testing.T) {
	reg, _ := NewRegistry(&testFlow{kind: "long", life: time.Hour, grace: time.Hour})
	c := clock.NewOffset(clock.Fixed(t0))
	log := &noticeLog{}
	h := NewHub(Config{Store: store.NewMemory(2), Flows: reg, Clock: c, MaxSessions: 2, OnEviction: log.add})
	var toks []string
	for i := 0; i < 5; i++ {
		toks = append(toks, create(t, h, "long", "A"))
	}
	if h.Evictions() != 3 {
		t.Errorf("Evictions %d, want 3", h.Evictions())
	}
	if len(log.notices) != 1 || log.notices[0].Count != 1 || log.notices[0].Oldest != toks[0] || log.notices[0].MaxSessions != 2 {
		t.Fatalf("notices %+v, want one for the first eviction", log.notices)
	}
	for i, tok := range toks {
		e := h.UnknownToken(catalog.BizTokenIllegal, tok)
		evicted := strings.Contains(e.MessageIn(catalog.English), "EMULATOR_MAX_SESSIONS=2")
		if evicted != (i < 3) {
			t.Errorf("token %d: message %q (evicted: %v)", i, e.MessageIn(catalog.English), i < 3)
		}
		if e.Code != catalog.BizTokenIllegal {
			t.Errorf("token %d: code %s", i, e.Code)
		}
	}
	if e := h.UnknownToken(catalog.BizTokenIllegal, "6F9619FF-8B86-4011-B42D-00CF4FC964FF"); e.MessageIn(catalog.English) != catalog.New(catalog.BizTokenIllegal).MessageIn(catalog.English) {
		t.Errorf("a token never seen: %q, want the documented message", e.MessageIn(catalog.English))
	}
	// Less than NoticeEvery later: nothing; the sweep after it tells the
	// two pending evictions.
	c.Advance(NoticeEvery - time.Second)
	h.Sweep()
	if len(log.notices) != 1 {
		t.Fatalf("a notice before NoticeEvery: %+v", log.notices)
	}
	c.Advance(time.Second)
	h.Sweep()
	if len(log.notices) != 2 || log.notices[1].Count != 2 || log.notices[1].Total != 3 || log.notices[1].Oldest != toks[1] {
		t.Fatalf("notices %+v, want a second one for 2 evictions (3 in all) from token 1", log.notices)
	}
	h.Sweep()
	if len(log.notices) != 2 {
		t.Errorf("a notice with nothing evicted: %+v", log.notices[2:])
	}
}
