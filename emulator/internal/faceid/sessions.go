package faceid

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Status values of a session as the page and the control API show it.
const (
	StatusPending   = "pending"
	StatusCompleted = "completed"
	StatusExpired   = "expired" // completed by the link lifetime, result 15
)

// View is a session with what the page and the control API derive from it.
type View struct {
	Session *store.Session `json:"session"`
	// Status is pending, completed or expired.
	Status string `json:"status"`
	// Scripted tells the page to play the scenario instead of offering
	// outcome buttons.
	Scripted bool `json:"scripted"`
	// ScenarioName is the scenario deciding the outcome (override included).
	ScenarioName string `json:"scenarioName"`
	// AttemptsLeft is how many liveness attempts remain.
	AttemptsLeft int `json:"attemptsLeft"`
	// AwaitingRetry is true while pending after a failed attempt.
	AwaitingRetry bool `json:"awaitingRetry"`
	// LastAttempt is the newest attempt, if any.
	LastAttempt *store.Attempt `json:"lastAttempt,omitempty"`
}

func (s *Service) view(sess *store.Session) View {
	sc := s.scenarioOf(sess)
	v := View{
		Session:      sess,
		Status:       StatusPending,
		Scripted:     s.scripted(sess),
		ScenarioName: sc.Name,
		AttemptsLeft: int(sess.Config.LivenessRetryLimit) - len(sess.Attempts),
	}
	if v.AttemptsLeft < 0 {
		v.AttemptsLeft = 0
	}
	if n := len(sess.Attempts); n > 0 {
		a := sess.Attempts[n-1]
		v.LastAttempt = &a
	}
	switch {
	case sess.State == store.StateCompleted && sess.Result != nil && sess.Result.Source == "expiry":
		v.Status = StatusExpired
	case sess.State == store.StateCompleted:
		v.Status = StatusCompleted
	default:
		v.AwaitingRetry = v.LastAttempt != nil && v.LastAttempt.ErrorCode != catalog.ResultPass
	}
	return v
}

// update runs fn on the session after materialising its expiry, and maps
// store errors to the session API's.
func (s *Service) update(token string, fn func(*store.Session) error) (View, error) {
	now := s.now()
	var fnErr error
	sess, err := s.store.Update(token, func(sess *store.Session) error {
		s.expireIfDue(sess, now)
		if fn != nil {
			if err := fn(sess); err != nil {
				fnErr = err
				// Keep the expiry even when fn refuses.
				if errors.Is(err, ErrCompleted) {
					return nil
				}
				return err
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return View{}, ErrNotFound
	}
	if err != nil {
		return View{}, err
	}
	return s.view(sess), fnErr
}

// Lookup returns the session, materialising an expiry that is due.
func (s *Service) Lookup(token string) (View, error) { return s.update(token, nil) }

// OpenPage records that the verification page was opened and completes the
// session when its scenario completes on open (mode auto).
func (s *Service) OpenPage(token string) (View, error) {
	return s.update(token, func(sess *store.Session) error {
		now := s.now()
		if !sess.PageOpened {
			sess.PageOpened = true
			addEvent(sess, now, "page-opened", "")
		}
		if sess.State != store.StatePending {
			return nil
		}
		if sc := s.scenarioOf(sess); sc.Completion.Mode == "auto" {
			s.playScenario(sess, sc, "page", now)
		}
		return nil
	})
}

// Attempt records one liveness attempt from the page. With code nil the
// session's scenario decides it (its next scripted attempt); otherwise the
// user chose code. A pass or a process-level code ends the session; a
// failure ends it with 16 once the retry limit is used up.
func (s *Service) Attempt(token string, code *int) (View, error) {
	if code != nil && !knownResult(*code) {
		return View{}, fmt.Errorf("%w: %d", ErrUnknownCode, *code)
	}
	return s.update(token, func(sess *store.Session) error {
		if sess.State != store.StatePending {
			return ErrCompleted
		}
		now := s.now()
		if code == nil {
			sc := s.scenarioOf(sess)
			script := scriptedAttempts(sc, sess.Config)
			i := len(sess.Attempts)
			if i < len(script) {
				a := buildAttempt(sess.Config, script[i], now)
				sess.Attempts = append(sess.Attempts, a)
				addEvent(sess, now, "attempt", "attempt %d: %d (scripted)", len(sess.Attempts), a.ErrorCode)
				if a.ErrorCode != catalog.ResultPass && i+1 < len(script) {
					return nil // the scenario has more attempts: offer a retry
				}
			}
			code, msg := finalResult(sc, sess.Config, sess.Attempts)
			complete(sess, resultOf(sc, sess.Config, code, msg, "page", len(sess.Attempts) > 0), now)
			return nil
		}
		if !livenessRuns(sess.Config) {
			// CheckMode 4 has no liveness attempt: the chosen code ends the
			// document flow.
			s.completeWithCode(sess, *code, nil, "page")
			return nil
		}
		a := attemptFromCode(sess.Config, *code, nil, now)
		sess.Attempts = append(sess.Attempts, a)
		addEvent(sess, now, "attempt", "attempt %d: %d (chosen)", len(sess.Attempts), a.ErrorCode)
		retryable := catalog.IsLivenessResult(*code) || catalog.IsCompareResult(*code)
		if *code != catalog.ResultPass && retryable && int64(len(sess.Attempts)) < sess.Config.LivenessRetryLimit {
			return nil
		}
		final, msg := finalResult(nil, sess.Config, sess.Attempts)
		complete(sess, resultOf(s.scenarioOf(sess), sess.Config, final, msg, "page", true), now)
		return nil
	})
}

// Shortcut records one attempt with code and ends the session with it as
// the final result, with no retry (the page's ?outcome= shortcut). A
// completed session is left unchanged and ErrCompleted returned.
func (s *Service) Shortcut(token string, code int) (View, error) {
	if !knownResult(code) {
		return View{}, fmt.Errorf("%w: %d", ErrUnknownCode, code)
	}
	return s.update(token, func(sess *store.Session) error {
		if sess.State != store.StatePending {
			return ErrCompleted
		}
		s.completeWithCode(sess, code, nil, "page")
		return nil
	})
}

// CompleteRequest is the control API's way to finish a session: an explicit
// result code (with an optional similarity), or a scenario played whole.
type CompleteRequest struct {
	ErrorCode  *int     `json:"ErrorCode,omitempty"`
	Similarity *float64 `json:"Similarity,omitempty"`
	Scenario   string   `json:"Scenario,omitempty"`
}

// Complete finishes a pending session as if the user had finished the page.
func (s *Service) Complete(token string, req CompleteRequest) (View, error) {
	var sc *scenarios.Scenario
	switch {
	case req.Scenario != "":
		var ok bool
		if sc, ok = s.scenarios().Get(req.Scenario); !ok {
			return View{}, fmt.Errorf("%w: %q", ErrUnknownScenario, req.Scenario)
		}
	case req.ErrorCode != nil:
		if !knownResult(*req.ErrorCode) {
			return View{}, fmt.Errorf("%w: %d", ErrUnknownCode, *req.ErrorCode)
		}
	default:
		sc = nil // the session's own scenario
	}
	return s.update(token, func(sess *store.Session) error {
		if sess.State != store.StatePending {
			return ErrCompleted
		}
		now := s.now()
		switch {
		case req.ErrorCode != nil:
			s.completeWithCode(sess, *req.ErrorCode, req.Similarity, "control")
		case sc != nil:
			s.playScenario(sess, sc, "control", now)
		default:
			s.playScenario(sess, s.scenarioOf(sess), "control", now)
		}
		return nil
	})
}

// completeWithCode records one attempt resulting in code (a run of failed
// attempts up to the retry limit for 16) and completes with code.
func (s *Service) completeWithCode(sess *store.Session, code int, similarity *float64, source string) {
	now := s.now()
	if livenessRuns(sess.Config) {
		n := 1
		attemptCode := code
		if code == catalog.ResultRetryLimit {
			n = int(sess.Config.LivenessRetryLimit) - len(sess.Attempts)
			attemptCode = 1005 // liveness failed, each time
		}
		for i := 0; i < n; i++ {
			a := attemptFromCode(sess.Config, attemptCode, similarity, now)
			sess.Attempts = append(sess.Attempts, a)
		}
		addEvent(sess, now, "attempt", "%d attempt(s): %d (%s)", n, attemptCode, source)
	}
	r := resultOf(s.scenarioOf(sess), sess.Config, code, catalog.ResultMessage(code), source, len(sess.Attempts) > 0)
	complete(sess, r, now)
}

// SetScenario makes sc decide the outcome of one pending session.
func (s *Service) SetScenario(token string, sc *scenarios.Scenario) (View, error) {
	raw, err := json.Marshal(sc)
	if err != nil {
		return View{}, err
	}
	return s.update(token, func(sess *store.Session) error {
		if sess.State != store.StatePending {
			return ErrCompleted
		}
		sess.Override = raw
		addEvent(sess, s.now(), "scenario", "outcome set to %s", sc.Name)
		return nil
	})
}

// Scenario returns a scenario of the current set by name.
func (s *Service) Scenario(name string) (*scenarios.Scenario, bool) { return s.scenarios().Get(name) }

// List returns the matching sessions, oldest first. Expiries are shown as
// due without being stored.
func (s *Service) List(f store.Filter) []View {
	now := s.now()
	var out []View
	for _, sess := range s.store.List(store.Filter{SecretID: f.SecretID}) {
		s.expireIfDue(sess, now)
		v := s.view(sess)
		if f.State != "" && v.Status != f.State {
			continue
		}
		out = append(out, v)
	}
	return out
}

// Reset deletes the sessions of one SecretId (all when empty) and the
// scripted call counts that go with them.
func (s *Service) Reset(secretID string) int {
	var tokens []string
	if secretID != "" {
		for _, sess := range s.store.List(store.Filter{SecretID: secretID}) {
			tokens = append(tokens, sess.BizToken)
		}
	}
	n := s.store.Delete(store.Filter{SecretID: secretID})
	s.ResetCounters(secretID, tokens)
	return n
}

// Sweep evicts sessions whose results can no longer be fetched.
func (s *Service) Sweep() int {
	return s.store.EvictBefore(s.now().Add(-ResultLifetime - EvictionGrace))
}

func knownResult(code int) bool {
	_, ok := catalog.LookupResult(code)
	return ok
}

// OutcomeScenario is the scenario for "this token ends with code": the
// attempts scenarios.AttemptsFor gives (with the similarity, if given, on a
// comparison), and that final code. It keeps completion manual, so the page
// or the control API still finishes the session.
func OutcomeScenario(code int, similarity *float64) (*scenarios.Scenario, error) {
	if !knownResult(code) {
		return nil, fmt.Errorf("%w: %d", ErrUnknownCode, code)
	}
	sc := &scenarios.Scenario{Name: fmt.Sprintf("outcome-%d", code), Result: &scenarios.Result{ErrorCode: &code}}
	if atts := scenarios.AttemptsFor(code); similarity != nil && len(atts) == 1 && atts[0].Liveness == 0 {
		atts[0].Similarity = similarity
		sc.Attempts = atts
	}
	return sc, nil
}
