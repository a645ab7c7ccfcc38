package flow

import (
	"strings"
	"sync"
)

// Counters count API calls for scripted behaviours limited to the first N
// calls ("throttled twice, then pass"): per (SecretId, scenario, action)
// for calls that create a session, per (token, action) for calls on one.
// They are not persisted: they script a test run.
type Counters struct {
	mu      sync.Mutex
	byScope map[string]int
	byToken map[string]int
}

// NewCounters returns empty counters.
func NewCounters() *Counters {
	return &Counters{byScope: map[string]int{}, byToken: map[string]int{}}
}

// Scoped counts one call of action under scenario for secretID and returns
// its 1-based number. The count restarts after the call past times (or at
// once when times is 0), so every run of "fail N times" fails N times.
func (c *Counters) Scoped(secretID, scenario, action string, times int) int {
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
	key := token + "\x00" + action
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byToken[key]++
	return c.byToken[key]
}

// Reset forgets the counts of one SecretId and its tokens, or with
// secretID "" every count.
func (c *Counters) Reset(secretID string, tokens []string) {
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
