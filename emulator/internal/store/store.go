// Package store keeps verification sessions of every flow. The Store
// interface has a memory implementation (the default), a disk one (bbolt)
// for keeping sessions across restarts, and a Valkey/Redis one that
// several emulator replicas share. Stores hold plain data: the
// lifecycle every flow shares is in package flow, and each flow's own part
// of a session (Session.Data) is defined by that flow.
package store

import (
	"errors"
	"time"
)

// ErrNotFound is returned for an unknown token.
var ErrNotFound = errors.New("store: session not found")

// ErrExists is returned when creating a session whose token is taken.
var ErrExists = errors.New("store: session already exists")

// Session states as stored. "expired" is not stored: a flow derives it from
// the creation time and stores the session as completed (the web flow with
// result 15).
const (
	StatePending   = "pending"
	StateCompleted = "completed"
)

// Session is one token's verification session, whatever its flow. The
// fields here are the lifecycle every flow shares; Data is the part the
// flow owns (its request config, attempts, result...).
type Session struct {
	// Token identifies the session (the web flow's BizToken).
	Token string `json:"token"`
	// Flow is the kind of flow the session belongs to ("web", ...).
	Flow      string    `json:"flow"`
	SecretID  string    `json:"secretId"`
	CreatedAt time.Time `json:"createdAt"`
	// Scenario is the scenario chosen when the session was created, and
	// ScenarioReason why it was chosen.
	Scenario       string `json:"scenario"`
	ScenarioReason string `json:"scenarioReason"`
	// Override is a scenario (JSON) set for this token through the control
	// API; it wins over Scenario.
	Override []byte `json:"override,omitempty"`

	State       string     `json:"state"`
	Polls       int        `json:"polls"`
	PageOpened  bool       `json:"pageOpened"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	Timeline    []Event    `json:"timeline"`

	// Data is the flow-owned part, nil for none. Stores copy it with Clone
	// and the disk store encodes it as JSON under "data".
	Data Data `json:"data"`
}

// Data is the part of a session that its flow owns. Implementations are
// pointers to JSON-encodable structs.
type Data interface {
	// Clone returns a deep copy.
	Clone() Data
}

// Codec makes the empty Data of a flow, so that a disk store can decode
// what it encoded. ok is false for a flow it does not know.
type Codec interface {
	NewData(flow string) (d Data, ok bool)
}

// Event is one entry of a session's timeline.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

// Filter selects sessions. Zero fields match everything.
type Filter struct {
	SecretID string
	Flow     string
	State    string
	// CreatedBefore keeps sessions created before it.
	CreatedBefore time.Time
}

// Match reports whether s passes the filter.
func (f Filter) Match(s *Session) bool {
	return (f.SecretID == "" || s.SecretID == f.SecretID) &&
		(f.Flow == "" || s.Flow == f.Flow) &&
		(f.State == "" || s.State == f.State) &&
		(f.CreatedBefore.IsZero() || s.CreatedAt.Before(f.CreatedBefore))
}

// Store persists sessions. Implementations are safe for concurrent use.
//
// Sessions are snapshots: the store never changes a session it has handed
// out, so Get and Update can return one without copying it, and readers
// never see a half-made change. In return, callers treat what Create is
// given and what Get and Update return as read-only; List returns copies
// the caller may change.
type Store interface {
	// Create adds a new session, which the store keeps (the caller must not
	// change it afterwards); the oldest sessions are evicted beyond the
	// store's capacity.
	Create(s *Session) error
	// Get returns the session (read-only).
	Get(token string) (*Session, error)
	// Update applies fn to a copy of the session atomically, stores the copy
	// unless fn returns an error, and returns it (read-only). A shared
	// store (Redis) may run fn more than once, each time on a fresh copy,
	// when another process changed the session meanwhile: fn keeps no
	// state of its own across runs.
	Update(token string, fn func(*Session) error) (*Session, error)
	// List returns copies of the matching sessions, oldest first.
	List(f Filter) []*Session
	// Delete removes the matching sessions and returns how many.
	Delete(f Filter) int
	// EvictBefore removes sessions created before t.
	EvictBefore(t time.Time) int
	Len() int
	Close() error
}

// Clone returns a deep copy of s.
func (s *Session) Clone() *Session {
	c := *s
	if s.Override != nil {
		c.Override = append([]byte(nil), s.Override...)
	}
	if s.CompletedAt != nil {
		t := *s.CompletedAt
		c.CompletedAt = &t
	}
	c.Timeline = append([]Event(nil), s.Timeline...)
	if s.Data != nil {
		c.Data = s.Data.Clone()
	}
	return &c
}
