package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/intern"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Config configures a Hub.
type Config struct {
	Store store.Store
	Flows *Registry
	// IDs makes tokens (a new Source when nil).
	IDs *ids.Source
	// Clock is the time token lifetimes see (moved by the control API).
	Clock clock.Clock
	// Counters count scripted calls; nil = in-memory counters of this
	// process (NewSharedCounters shares them between replicas).
	Counters *Counters
	// MaxSessions is the store's capacity, for the eviction messages.
	MaxSessions int
	// OnEviction hears of capacity evictions, at most once per
	// NoticeEvery (see EvictionNotice).
	OnEviction func(EvictionNotice)
	// Observer, when set, also hears what the store reports (evictions,
	// write latency): the metrics.
	Observer store.Observer
}

// Hub is the flow-neutral session API over the store. It is safe for
// concurrent use.
type Hub struct {
	store    store.Store
	flows    *Registry
	ids      *ids.Source
	clock    clock.Clock
	counters *Counters

	maxSessions int
	evicted     *evictions
	onEviction  func(EvictionNotice)
	observer    store.Observer
	// secretIDs shares the SecretIds of sessions (a handful of
	// credentials), which come cut from a request's header block.
	secretIDs intern.Strings
}

// NewHub returns a Hub.
func NewHub(cfg Config) *Hub {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.NewSource()
	}
	if cfg.Flows == nil {
		cfg.Flows, _ = NewRegistry()
	}
	if cfg.Counters == nil {
		cfg.Counters = NewCounters()
	}
	h := &Hub{store: cfg.Store, flows: cfg.Flows, ids: cfg.IDs, clock: cfg.Clock, counters: cfg.Counters,
		maxSessions: cfg.MaxSessions, evicted: newEvictions(cfg.MaxSessions), onEviction: cfg.OnEviction, observer: cfg.Observer}
	if o, ok := cfg.Store.(store.Observable); ok {
		o.SetObserver(h)
	}
	return h
}

// Now is the time token lifetimes see.
func (h *Hub) Now() time.Time { return h.clock.Now() }

// Flows returns the registry.
func (h *Hub) Flows() *Registry { return h.flows }

// Counters returns the scripted call counters.
func (h *Hub) Counters() *Counters { return h.counters }

// FlowOf returns the flow a session belongs to.
func (h *Hub) FlowOf(sess *store.Session) (Flow, error) {
	f, ok := h.flows.Get(sess.Flow)
	if !ok {
		return nil, fmt.Errorf("flow: session %s has unknown flow %q", sess.Token, sess.Flow)
	}
	return f, nil
}

// NewSession returns a pending session of flow kind for secretID, created
// now, with a fresh token and data as its flow's part. It is not stored
// until Create.
func (h *Hub) NewSession(kind, secretID string, data store.Data) *store.Session {
	return &store.Session{
		Token:     h.ids.Upper(),
		Flow:      kind,
		SecretID:  h.secretIDs.Get(secretID),
		CreatedAt: h.Now(),
		State:     store.StatePending,
		Data:      data,
	}
}

// Create stores a new session; the Hub keeps it, so the caller must not
// change it afterwards.
func (h *Hub) Create(sess *store.Session) error {
	if _, ok := h.flows.Get(sess.Flow); !ok {
		return fmt.Errorf("flow: create a session of unknown flow %q", sess.Flow)
	}
	return h.store.Create(sess)
}

// notFound maps the store's ErrNotFound to the session API's.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// Peek returns the session as stored (read-only), without materialising an
// expiry: the cheap read for hot paths that check lifetimes themselves.
func (h *Hub) Peek(token string) (*store.Session, error) {
	sess, err := h.store.Get(token)
	return sess, notFound(err)
}

// Get returns the session (read-only), materialising an expiry that is due.
func (h *Hub) Get(token string) (*store.Session, error) { return h.Update(token, nil) }

// Update runs fn on a copy of the session, after its flow has materialised
// an expiry that is due, and stores the copy. When fn returns an error the
// change is dropped, except for ErrCompleted (fn refused a session that is
// no longer pending): then the expiry is kept and the session is returned
// with the error. fn may be nil.
func (h *Hub) Update(token string, fn func(sess *store.Session, f Flow) error) (*store.Session, error) {
	now := h.Now()
	var fnErr error
	sess, err := h.store.Update(token, func(sess *store.Session) error {
		// A shared store may run this again on a newer session (another
		// replica wrote it in between): only the last run counts.
		fnErr = nil
		f, err := h.FlowOf(sess)
		if err != nil {
			return err
		}
		f.Expire(sess, now)
		if fn == nil {
			return nil
		}
		if err := fn(sess, f); err != nil {
			fnErr = err
			if errors.Is(err, ErrCompleted) {
				return nil
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, notFound(err)
	}
	return sess, fnErr
}

// Complete finishes a session of any flow from a control request body
// (see Flow.Complete).
func (h *Hub) Complete(token string, body json.RawMessage) (*store.Session, error) {
	return h.Update(token, func(sess *store.Session, f Flow) error {
		return f.Complete(sess, body, h.Now())
	})
}

// SetScenario makes sc decide the outcome of a pending session.
func (h *Hub) SetScenario(token string, sc *scenarios.Scenario) (*store.Session, error) {
	return h.Update(token, func(sess *store.Session, f Flow) error {
		return f.SetScenario(sess, sc, h.Now())
	})
}

// Outcome is the scenario "ends with code" for the session's flow.
func (h *Hub) Outcome(token string, code int, similarity *float64) (*scenarios.Scenario, error) {
	sess, err := h.Peek(token)
	if err != nil {
		return nil, err
	}
	f, err := h.FlowOf(sess)
	if err != nil {
		return nil, err
	}
	return f.Outcome(code, similarity)
}

// Status is the session's status as its flow sees it.
func (h *Hub) Status(sess *store.Session) string {
	f, err := h.FlowOf(sess)
	if err != nil {
		return sess.State
	}
	return f.Status(sess)
}

// Render is the session as the control API shows it.
func (h *Hub) Render(sess *store.Session, base string) any {
	f, err := h.FlowOf(sess)
	if err != nil {
		return map[string]any{"Flow": sess.Flow, "Token": sess.Token, "SecretId": sess.SecretID, "State": sess.State}
	}
	return f.Render(sess, base)
}

// List returns copies of the sessions matching f, oldest first, with due
// expiries shown without being stored; f.State is matched against the
// flow's Status (pending, completed, expired). With limit > 0 only the
// newest limit are returned; total is how many matched.
//
// With a limit and a store that walks from its newest end, the newest
// limit cost O(limit) when they are the newest sessions: a listing without
// a status filter stops there and takes total from Len or the store's
// Count; with a status filter it goes on counting matches without copying
// them. A filter walks past the newer sessions it does not match.
func (h *Hub) List(f store.Filter, limit int) (sessions []*store.Session, total int) {
	now := h.Now()
	status := f.State
	f.State = ""
	walker, ok := h.store.(store.NewestWalker)
	if !ok || limit <= 0 {
		return h.listAll(f, status, limit, now)
	}
	// Without a status filter, the total comes from Len or from a store
	// that counts by namespace and flow, and the walk stops at the limit.
	counted := status == "" && f == (store.Filter{})
	if c, ok := h.store.(store.Counter); ok && status == "" {
		total, counted = c.Count(f)
	} else if counted {
		total = h.store.Len()
	}
	var out []*store.Session
	walker.WalkNewest(func(sess *store.Session) bool {
		if !f.Match(sess) {
			return true
		}
		fl, err := h.FlowOf(sess)
		if err != nil {
			return true
		}
		view := sess
		if len(out) < limit || (status != "" && sess.State == store.StatePending) {
			// Only a pending session can change by expiry: a copy is made
			// for those a status filter must look at, and for those
			// returned.
			view = sess.Clone()
			fl.Expire(view, now)
		}
		if status != "" && fl.Status(view) != status {
			return true
		}
		if !counted {
			total++
		}
		if len(out) < limit {
			out = append(out, view)
		}
		return !counted || len(out) < limit
	})
	slices.Reverse(out)
	return out, total
}

// listAll is List over every session, for stores that cannot walk from
// the newest end or an unlimited listing.
func (h *Hub) listAll(f store.Filter, status string, limit int, now time.Time) (sessions []*store.Session, total int) {
	var out []*store.Session
	for _, sess := range h.store.List(f) {
		fl, err := h.FlowOf(sess)
		if err != nil {
			continue
		}
		fl.Expire(sess, now)
		if status != "" && fl.Status(sess) != status {
			continue
		}
		out = append(out, sess)
	}
	total = len(out)
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, total
}

// Reset deletes the sessions of one SecretId (all when empty) and the
// scripted call counts that go with them, and returns how many sessions
// were deleted.
func (h *Hub) Reset(secretID string) int {
	var tokens []string
	if secretID != "" {
		for _, sess := range h.store.List(store.Filter{SecretID: secretID}) {
			tokens = append(tokens, sess.Token)
		}
	}
	n := h.store.Delete(store.Filter{SecretID: secretID})
	h.counters.Reset(secretID, tokens)
	return n
}

// Sweep evicts the sessions whose results can no longer be fetched, each
// by its flow's ResultLifetime plus EvictionGrace. The longest retention
// goes through the store's cheap EvictBefore; flows that keep sessions
// for less are swept by filter.
func (h *Hub) Sweep() int {
	now := h.Now()
	longest := h.flows.Longest()
	// Evictions noticed less than NoticeEvery ago and none since: the
	// sweep (every minute in the binary) tells the rest.
	h.noticeEvictions(store.ReasonCapacity)
	if longest == 0 {
		return 0
	}
	n := h.store.EvictBefore(now.Add(-longest))
	for _, f := range h.flows.All() {
		if keep := h.flows.Retention(f.Kind()); keep < longest {
			n += h.store.Delete(store.Filter{Flow: f.Kind(), CreatedBefore: now.Add(-keep)})
		}
	}
	return n
}
