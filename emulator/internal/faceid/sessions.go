package faceid

import (
	"encoding/json"
	"fmt"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Status values of a session as the page and the control API show it.
const (
	StatusPending   = flow.StatusPending
	StatusCompleted = flow.StatusCompleted
	StatusExpired   = flow.StatusExpired // completed by the link lifetime, result 15
)

// View is a web session with what the page and the control API derive
// from it.
type View struct {
	Session *store.Session `json:"session"`
	// Web is the session's web flow part (Session.Data).
	Web *WebData `json:"web"`
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
	LastAttempt *Attempt `json:"lastAttempt,omitempty"`
}

// update runs fn on a web session through the hub (its expiry materialised
// first; see flow.Hub.Update). A token of another flow is not found here.
func (s *Service) update(token string, fn func(*store.Session, *WebData) error) (View, error) {
	sess, err := s.hub.Update(token, func(sess *store.Session, f flow.Flow) error {
		if f.Kind() != FlowWeb {
			return ErrNotFound
		}
		if fn == nil {
			return nil
		}
		return fn(sess, webData(sess))
	})
	if sess == nil {
		return View{}, err
	}
	return s.web.view(sess), err
}

// Lookup returns the session, materialising an expiry that is due.
func (s *Service) Lookup(token string) (View, error) { return s.update(token, nil) }

// OpenPage records that the verification page was opened and completes the
// session when its scenario completes on open (mode auto).
func (s *Service) OpenPage(token string) (View, error) {
	return s.update(token, func(sess *store.Session, _ *WebData) error {
		now := s.now()
		if !sess.PageOpened {
			sess.PageOpened = true
			flow.AddEvent(sess, now, "page-opened", "")
		}
		if sess.State != store.StatePending {
			return nil
		}
		if sc := s.web.scenarioOf(sess); sc.Completion.Mode == "auto" {
			s.web.playScenario(sess, sc, "page", now)
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
	return s.update(token, func(sess *store.Session, d *WebData) error {
		if sess.State != store.StatePending {
			return ErrCompleted
		}
		now := s.now()
		if code == nil {
			sc := s.web.scenarioOf(sess)
			script := scriptedAttempts(sc, d.Config)
			i := len(d.Attempts)
			if i < len(script) {
				a := buildAttempt(d.Config, script[i], now)
				d.Attempts = append(d.Attempts, a)
				flow.AddEvent(sess, now, "attempt", "attempt %d: %d (scripted)", len(d.Attempts), a.ErrorCode)
				if a.ErrorCode != catalog.ResultPass && i+1 < len(script) {
					return nil // the scenario has more attempts: offer a retry
				}
			}
			code, msg := finalResult(sc, d.Config, d.Attempts)
			complete(sess, resultOf(sc, d.Config, code, msg, "page", len(d.Attempts) > 0), now)
			return nil
		}
		if !livenessRuns(d.Config) {
			// CheckMode 4 has no liveness attempt: the chosen code ends the
			// document flow.
			s.web.completeWithCode(sess, *code, nil, "page", now)
			return nil
		}
		a := attemptFromCode(d.Config, *code, nil, now)
		d.Attempts = append(d.Attempts, a)
		flow.AddEvent(sess, now, "attempt", "attempt %d: %d (chosen)", len(d.Attempts), a.ErrorCode)
		retryable := catalog.IsLivenessResult(*code) || catalog.IsCompareResult(*code)
		if *code != catalog.ResultPass && retryable && int64(len(d.Attempts)) < d.Config.LivenessRetryLimit {
			return nil
		}
		final, msg := finalResult(nil, d.Config, d.Attempts)
		complete(sess, resultOf(s.web.scenarioOf(sess), d.Config, final, msg, "page", true), now)
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
	return s.update(token, func(sess *store.Session, _ *WebData) error {
		if sess.State != store.StatePending {
			return ErrCompleted
		}
		s.web.completeWithCode(sess, code, nil, "page", s.now())
		return nil
	})
}

// Complete finishes a pending session as if the user had finished the page
// (the control API's POST .../complete, through the hub).
func (s *Service) Complete(token string, req CompleteRequest) (View, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return View{}, err
	}
	sess, err := s.hub.Complete(token, body)
	if sess == nil {
		return View{}, err
	}
	return s.web.view(sess), err
}

// SetScenario makes sc decide the outcome of one pending session.
func (s *Service) SetScenario(token string, sc *scenarios.Scenario) (View, error) {
	sess, err := s.hub.SetScenario(token, sc)
	if sess == nil {
		return View{}, err
	}
	return s.web.view(sess), err
}

// Sweep evicts sessions whose results can no longer be fetched.
func (s *Service) Sweep() int { return s.hub.Sweep() }

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
