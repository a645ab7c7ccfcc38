package flow

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/evicted"
)

// Evictions are never silent: the Hub is the store's Observer and, for
// every session the store drops to stay within EMULATOR_MAX_SESSIONS,
// counts it, remembers its token (a bounded record, see package evicted)
// so that the flows answer it with a message naming the cap, and tells
// Config.OnEviction at most once per NoticeEvery with the count since the
// last notice (the binary logs it and notes it in the journal).

// NoticeEvery is the least time between two eviction notices.
const NoticeEvery = 10 * time.Second

// The record of evicted tokens remembers as many tokens as the cap keeps
// sessions, within [minEvictedRecord, maxEvictedRecord]: 24 bytes a token
// against about 500 a session, so it costs at most about 5 % of what the
// sessions themselves may take (24 MiB at most, 96 KiB at least).
const (
	minEvictedRecord = 4096
	maxEvictedRecord = 1 << 20
)

// EvictionNotice tells that sessions were evicted.
type EvictionNotice struct {
	// Count is how many sessions were evicted since the last notice,
	// Total since the emulator started.
	Count int
	Total uint64
	// Reason is the store's (store.ReasonCapacity).
	Reason string
	// MaxSessions is the cap; Oldest is the first token evicted since the
	// last notice.
	MaxSessions int
	Oldest      string
}

// Message is the notice as one line for the log and the journal.
func (n EvictionNotice) Message() string {
	return fmt.Sprintf("%d session(s) evicted (%d in all, first %s): the emulator keeps at most EMULATOR_MAX_SESSIONS=%d sessions and drops the oldest first; their tokens answer that they were evicted. Raise EMULATOR_MAX_SESSIONS for this load",
		n.Count, n.Total, n.Oldest, n.MaxSessions)
}

type evictions struct {
	total  atomic.Uint64
	tokens *evicted.Set

	mu      sync.Mutex
	pending int
	oldest  string
	last    time.Time // of the last notice
	noticed bool
}

func newEvictions(maxSessions int) *evictions {
	limit := maxEvictedRecord
	if maxSessions > 0 {
		limit = min(max(maxSessions, minEvictedRecord), maxEvictedRecord)
	}
	return &evictions{tokens: evicted.New(limit)}
}

// Evicted implements store.Observer.
func (h *Hub) Evicted(reason string, tokens []string) {
	if len(tokens) == 0 {
		return
	}
	e := h.evicted
	e.tokens.Add(tokens)
	e.total.Add(uint64(len(tokens)))
	if h.observer != nil {
		h.observer.Evicted(reason, tokens)
	}
	e.mu.Lock()
	if e.pending == 0 {
		e.oldest = tokens[0]
	}
	e.pending += len(tokens)
	e.mu.Unlock()
	h.noticeEvictions(reason)
}

// WriteLatency implements store.Observer (forwarded to Config.Observer).
func (h *Hub) WriteLatency(d time.Duration) {
	if h.observer != nil {
		h.observer.WriteLatency(d)
	}
}

// noticeEvictions tells OnEviction about the pending evictions when the
// last notice is NoticeEvery old (or the clock was set back past it).
func (h *Hub) noticeEvictions(reason string) {
	e := h.evicted
	now := h.Now()
	e.mu.Lock()
	if e.pending == 0 || (e.noticed && now.Sub(e.last) < NoticeEvery && !now.Before(e.last)) {
		e.mu.Unlock()
		return
	}
	n := EvictionNotice{Count: e.pending, Total: e.total.Load(), Reason: reason, MaxSessions: h.maxSessions, Oldest: e.oldest}
	e.pending, e.oldest, e.last, e.noticed = 0, "", now, true
	e.mu.Unlock()
	if h.onEviction != nil {
		h.onEviction(n)
	}
}

// Evictions is how many sessions the store evicted to stay within its
// capacity since the Hub started.
func (h *Hub) Evictions() uint64 { return h.evicted.total.Load() }

// WasEvicted reports whether token is one of the last sessions the store
// evicted for capacity (the record keeps as many as the cap, 4096 to 1M).
func (h *Hub) WasEvicted(token string) bool { return h.evicted.tokens.Contains(token) }

// UnknownToken is a flow's answer to a token it cannot find: its
// "illegal token" error code with the documented message, or, when the
// store evicted the token to stay within EMULATOR_MAX_SESSIONS, the same
// code with a message saying so, so that a load test's lost session does
// not look like a bug in the merchant's code. Every flow answers unknown
// tokens through it.
func (h *Hub) UnknownToken(code, token string) *catalog.Error {
	if !h.WasEvicted(token) {
		return catalog.New(code)
	}
	return catalog.WithMessage(code,
		fmt.Sprintf("The token was evicted by the emulator: it keeps at most EMULATOR_MAX_SESSIONS=%d sessions and drops the oldest first. Raise EMULATOR_MAX_SESSIONS for this load.", h.maxSessions),
		fmt.Sprintf("该令牌已被模拟器淘汰：模拟器最多保留 EMULATOR_MAX_SESSIONS=%d 个会话，超出时先删除最早的。请为此次压测调大 EMULATOR_MAX_SESSIONS。", h.maxSessions))
}
