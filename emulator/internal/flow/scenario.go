package flow

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// NamedScenario returns the scenario a control request names, or an
// ErrUnknownScenario naming it.
func NamedScenario(set *scenarios.Set, name string) (*scenarios.Scenario, error) {
	sc, ok := set.Get(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownScenario, name)
	}
	return sc, nil
}

// ScenarioOf returns the scenario that decides a session's outcome: the
// per-token override (Session.Override), else the scenario chosen when the
// session was created, else the default of the current set.
func ScenarioOf(sess *store.Session, set func() *scenarios.Set) *scenarios.Scenario {
	if len(sess.Override) > 0 {
		var sc scenarios.Scenario
		if err := json.Unmarshal(sess.Override, &sc); err == nil {
			return &sc
		}
	}
	s := set()
	if sc, ok := s.Get(sess.Scenario); ok {
		return sc
	}
	return s.Default()
}

// Override makes sc decide the outcome of a pending session (ErrCompleted
// otherwise): the Flow.SetScenario of flows that keep the scenario whole.
func Override(sess *store.Session, sc *scenarios.Scenario, now time.Time) error {
	raw, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	if sess.State != store.StatePending {
		return ErrCompleted
	}
	sess.Override = raw
	AddEvent(sess, now, "scenario", "outcome set to %s", sc.Name)
	return nil
}

// Scripted reports whether the session's outcome is scripted (anything but
// the global default), so that a page plays it instead of offering
// outcomes.
func Scripted(sess *store.Session) bool {
	return len(sess.Override) > 0 || sess.ScenarioReason != string(scenarios.ReasonGlobalDefault)
}

// Poll is a result call on a pending session under a completion mode:
// auto finishes it at once, polls after polls pending answers (counting
// this one), manual leaves it. finish gets the source ("auto" or "polls").
// It reports whether the session changed.
func Poll(sess *store.Session, mode string, polls int, now time.Time, finish func(source string)) bool {
	if sess.State != store.StatePending {
		return false
	}
	switch mode {
	case scenarios.CompletionAuto:
		finish(scenarios.CompletionAuto)
	case scenarios.CompletionPolls:
		sess.Polls++
		if sess.Polls > polls {
			finish(scenarios.CompletionPolls)
		} else {
			AddEvent(sess, now, "poll", "pending poll %d of %d", sess.Polls, polls)
		}
	default:
		return false
	}
	return true
}
