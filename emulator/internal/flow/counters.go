package flow

import (
	"strings"
	"sync"
)

// Counters count API calls for scripted behaviours limited to the first N
// calls ("throttled twice, then pass"): per (SecretId, scenario, action)
// for calls that create a session, per (token, action) for calls on one.
// They are not persisted: they script a test run. With a shared backend
// (NewSharedCounters) every replica on one engine counts together.
type Counters struct {
	mu      sync.Mutex
	byScope map[string]int
	byToken map[string]int
	shared  SharedCounts
}

// SharedCounts keeps counts where several emulator processes count
// together (the Redis store implements it). Its methods have the meaning
// of Counters' and are atomic in the engine.
type SharedCounts interface {
	CountScoped(secretID, scenario, action string, times int) (int, error)
	CountToken(token, action string) (int, error)
	ResetCounts(secretID string, tokens []string) error
}

// NewSharedCounters returns counters kept by shared. When the engine
// fails, a call counts as the first one (the store's own failure answers
// the call with InternalError in any case).
func NewSharedCounters(shared SharedCounts) *Counters {
	return &Counters{shared: shared}
}

// NewCounters returns empty counters.
func NewCounters() *Counters {
	return &Counters{byScope: map[string]int{}, byToken: map[string]int{}}
}

// Scoped counts one call of action under scenario for secretID and returns
// its 1-based number. The count restarts after the call past times (or at
// once when times is 0), so every run of "fail N times" fails N times.
func (c *Counters) Scoped(secretID, scenario, action string, times int) int {
	if c.shared != nil {
		n, err := c.shared.CountScoped(secretID, scenario, action, times)
		if err != nil {
			return 1
		}
		return n
	}
	key := secretID + "\x00" + scenario + "\x00" + action
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byScope[key]++
	n := c.byScope[key]
	if times == 0 || n > times {
		delete(c.byScope, key)
	}
	return n
}

// Token counts one call of action on token and returns its 1-based number.
func (c *Counters) Token(token, action string) int {
	if c.shared != nil {
		n, err := c.shared.CountToken(token, action)
		if err != nil {
			return 1
		}
		return n
	}
	key := token + "\x00" + action
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byToken[key]++
	return c.byToken[key]
}

// Reset forgets the counts of one SecretId and its tokens, or with
// secretID "" every count.
func (c *Counters) Reset(secretID string, tokens []string) {
	if c.shared != nil {
		_ = c.shared.ResetCounts(secretID, tokens) // a failure makes the store unavailable, which ready reports
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if secretID == "" {
		c.byScope = map[string]int{}
		c.byToken = map[string]int{}
		return
	}
	for k := range c.byScope {
		if strings.HasPrefix(k, secretID+"\x00") {
			delete(c.byScope, k)
		}
	}
	if len(tokens) == 0 {
		return
	}
	doomed := make(map[string]bool, len(tokens))
	for _, t := range tokens {
		doomed[t] = true
	}
	for k := range c.byToken {
		if t, _, _ := strings.Cut(k, "\x00"); doomed[t] {
			delete(c.byToken, k)
		}
	}
}
