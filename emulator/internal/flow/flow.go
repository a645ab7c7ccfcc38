// Package flow is the session lifecycle every token flow shares: the web
// verification flow today, the SDK token flows next. A flow (the Flow
// interface) owns its part of a session (store.Session.Data), its expiry,
// its status, how the control API completes it and how the control API
// shows it. The Hub owns the store, the registry of flows and the clock,
// and gives flows, the control API and the pages one flow-neutral session
// API: create, get, update with expiry materialised first, complete,
// script, list, reset and sweep. Nothing but the Hub touches the store.
package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Statuses of a session as the pages and the control API show it.
const (
	StatusPending   = "pending"
	StatusCompleted = "completed"
	// StatusExpired is a session its flow completed because its lifetime
	// ran out.
	StatusExpired = "expired"
)

// Errors of the session API. The control API answers them as 404, 409 and
// 400.
var (
	ErrNotFound        = errors.New("session not found")
	ErrCompleted       = errors.New("session already completed")
	ErrUnknownCode     = errors.New("unknown result code")
	ErrUnknownScenario = errors.New("unknown scenario")
	// ErrInvalid marks a malformed control request (HTTP 400).
	ErrInvalid = errors.New("invalid control request")
)

// Invalid returns an ErrInvalid with a message.
func Invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Flow is one kind of token flow. Its methods that take a session change
// only the copy they are given (the Hub runs them inside a store update, or
// on a listed copy) and never block.
type Flow interface {
	// Kind names the flow in store.Session.Flow and in the control API's
	// "Flow" field ("web", ...).
	Kind() string
	// NewData returns the flow's empty store.Data (a pointer), for decoding.
	NewData() store.Data
	// ResultLifetime is how long the result can be fetched after creation;
	// EvictionGrace how much longer the session is kept so that late polls
	// get an "expired" answer rather than an "unknown token" one.
	ResultLifetime() time.Duration
	EvictionGrace() time.Duration
	// Expire completes a pending session whose lifetime has run out at
	// now, and reports whether it did.
	Expire(sess *store.Session, now time.Time) bool
	// Status is StatusPending, StatusCompleted or StatusExpired.
	Status(sess *store.Session) string
	// Complete finishes a session from the body of POST
	// /_emulator/sessions/{token}/complete (empty: the session's own
	// scenario). It checks the body first (ErrInvalid, ErrUnknownCode,
	// ErrUnknownScenario), then returns ErrCompleted for a session that is
	// not pending.
	Complete(sess *store.Session, body json.RawMessage, now time.Time) error
	// SetScenario makes sc decide the outcome of a pending session
	// (ErrCompleted otherwise).
	SetScenario(sess *store.Session, sc *scenarios.Scenario, now time.Time) error
	// Outcome is the scenario for "this session ends with code" (with a
	// face similarity where the flow compares faces), for PUT
	// /_emulator/sessions/{token}/scenario {"ErrorCode":n}.
	Outcome(code int, similarity *float64) (*scenarios.Scenario, error)
	// Render is the session as the control API shows it. It has a "Flow"
	// field. base is the browser-facing scheme://host for links ("" gives
	// relative links).
	Render(sess *store.Session, base string) any
}

// Registry is the set of flows, by kind. It is the store.Codec the disk
// store decodes sessions with.
type Registry struct {
	flows map[string]Flow
	order []Flow
}

// NewRegistry returns a registry of flows; kinds must be unique and
// non-empty.
func NewRegistry(flows ...Flow) (*Registry, error) {
	r := &Registry{flows: make(map[string]Flow, len(flows))}
	for _, f := range flows {
		k := f.Kind()
		if k == "" {
			return nil, errors.New("flow: a flow without a kind")
		}
		if _, dup := r.flows[k]; dup {
			return nil, fmt.Errorf("flow: kind %q registered twice", k)
		}
		r.flows[k] = f
		r.order = append(r.order, f)
	}
	return r, nil
}

// Get returns the flow of a kind.
func (r *Registry) Get(kind string) (Flow, bool) {
	f, ok := r.flows[kind]
	return f, ok
}

// NewData implements store.Codec.
func (r *Registry) NewData(kind string) (store.Data, bool) {
	f, ok := r.flows[kind]
	if !ok {
		return nil, false
	}
	return f.NewData(), true
}

// Retention is how long a session of kind is kept: its flow's result
// lifetime plus eviction grace (0 for an unknown kind). A shared store
// gives its sessions this TTL.
func (r *Registry) Retention(kind string) time.Duration {
	f, ok := r.flows[kind]
	if !ok {
		return 0
	}
	return f.ResultLifetime() + f.EvictionGrace()
}

// Longest is the longest Retention of any flow.
func (r *Registry) Longest() time.Duration {
	var d time.Duration
	for _, f := range r.order {
		d = max(d, f.ResultLifetime()+f.EvictionGrace())
	}
	return d
}

// All returns the flows in registration order.
func (r *Registry) All() []Flow { return r.order }

// maxTimeline bounds a session's timeline so polling cannot grow it.
const maxTimeline = 64

// AddEvent appends an event to the session's timeline, dropping the
// oldest but the first (creation) beyond maxTimeline. detail is formatted
// with args when there are any.
func AddEvent(sess *store.Session, at time.Time, kind, detail string, args ...any) {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	if len(sess.Timeline) >= maxTimeline {
		sess.Timeline = append(sess.Timeline[:1], sess.Timeline[2:]...)
	}
	sess.Timeline = append(sess.Timeline, store.Event{Time: at, Kind: kind, Detail: detail})
}

// DataOf returns a session's flow part as the flow's type P (read-only);
// an empty one stands in, rather than a panic, for a session without one.
func DataOf[T any, P interface {
	*T
	store.Data
}](sess *store.Session) P {
	if d, ok := sess.Data.(P); ok && d != nil {
		return d
	}
	return P(new(T))
}

// OwnData returns the flow part of a session being changed (a copy the Hub
// hands a flow), giving it one when it has none.
func OwnData[T any, P interface {
	*T
	store.Data
}](sess *store.Session) P {
	if d, ok := sess.Data.(P); ok && d != nil {
		return d
	}
	d := P(new(T))
	sess.Data = d
	return d
}

// StatusOf is a session's status for a flow whose expiry completes it:
// expired tells a completion by expiry.
func StatusOf(sess *store.Session, expired bool) string {
	switch {
	case sess.State == store.StateCompleted && expired:
		return StatusExpired
	case sess.State == store.StateCompleted:
		return StatusCompleted
	}
	return StatusPending
}
