package faceid

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Action names served by this package.
const (
	ActionApply = "ApplyWebVerificationBizTokenIntl"
	ActionGet   = "GetWebVerificationResultIntl"
)

// Token lifetimes of the real service.
const (
	// LinkLifetime is how long the VerificationURL can be used: a session
	// not completed by then ends with result 15.
	LinkLifetime = 10 * time.Minute
	// ResultLifetime is how long GetWebVerificationResultIntl answers.
	ResultLifetime = 72 * time.Hour
	// EvictionGrace keeps a session this long past ResultLifetime so that
	// late polls still get BizTokenExpired rather than BizTokenIllegal.
	EvictionGrace = 24 * time.Hour
	// maxTimeline bounds a session's timeline so polling cannot grow it.
	maxTimeline = 64
)

// Errors of the session API used by the page and the control plane.
var (
	ErrNotFound         = errors.New("session not found")
	ErrCompleted        = errors.New("session already completed")
	ErrUnknownCode      = errors.New("unknown result code")
	ErrUnknownScenario  = errors.New("unknown scenario")
	ErrNotWaitingForTry = errors.New("session is not waiting for an attempt")
)

// Config configures a Service.
type Config struct {
	// IDs makes BizTokens (a new Source when nil).
	IDs   *ids.Source
	Store store.Store
	// Scenarios returns the current scenario set (it can be reloaded).
	Scenarios func() *scenarios.Set
	// Clock is the time token lifetimes see (moved by the control API).
	Clock  clock.Clock
	Logger *slog.Logger
}

// Service owns web-verification sessions.
type Service struct {
	ids       *ids.Source
	store     store.Store
	scenarios func() *scenarios.Set
	clock     clock.Clock
	log       *slog.Logger
	media     media.Set

	// applyCalls counts Apply calls per (SecretId, scenario) for scripted
	// API behaviours limited to the first N calls; getCalls counts Get calls
	// per BizToken. Neither is persisted: they script a test run.
	mu         sync.Mutex
	applyCalls map[string]int
	getCalls   map[string]int
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.NewSource()
	}
	return &Service{
		ids:        cfg.IDs,
		store:      cfg.Store,
		scenarios:  cfg.Scenarios,
		clock:      cfg.Clock,
		log:        cfg.Logger,
		media:      media.Encode(),
		applyCalls: map[string]int{},
		getCalls:   map[string]int{},
	}
}

// Register gives the web flow's actions their handlers on the spec-driven
// layer. They decode and validate the call themselves: the hot path of
// the flow, tuned by hand and measured by the bench.
func (s *Service) Register(l *actions.Layer) {
	l.HandleRaw(ActionApply, s.apply)
	l.HandleRaw(ActionGet, s.get)
}

// now is the time token lifetimes see.
func (s *Service) now() time.Time { return s.clock.Now() }

// scenarioOf returns the scenario that decides the session's outcome: the
// per-token override, else the scenario chosen at Apply, else the default.
func (s *Service) scenarioOf(sess *store.Session) *scenarios.Scenario {
	if len(sess.Override) > 0 {
		var sc scenarios.Scenario
		if err := json.Unmarshal(sess.Override, &sc); err == nil {
			return &sc
		}
	}
	set := s.scenarios()
	if sc, ok := set.Get(sess.Scenario); ok {
		return sc
	}
	return set.Default()
}

// scripted reports whether the session's outcome is scripted (anything but
// the global default), so the page plays it instead of offering buttons.
func (s *Service) scripted(sess *store.Session) bool {
	return len(sess.Override) > 0 || sess.ScenarioReason != string(scenarios.ReasonGlobalDefault)
}

// scriptedReply turns a behaviour into a reply, or reports that the call
// proceeds normally (with the behaviour's latency, if any). n is the 1-based
// count of this call for the behaviour's Times limit.
func scriptedReply(b scenarios.APIBehavior, n int) (api.Reply, bool) {
	latency := time.Duration(b.Latency)
	if b.Times > 0 && n > b.Times {
		return api.Reply{Latency: latency}, false
	}
	if b.Fault != "" {
		return api.Reply{Fault: api.Fault(b.Fault), Latency: latency}, true
	}
	if b.Error != nil {
		e := catalog.New(b.Error.Code)
		if b.Error.Message != "" {
			e = catalog.WithMessage(b.Error.Code, b.Error.Message, b.Error.Message)
		}
		return api.Reply{Err: e, Latency: latency}, true
	}
	return api.Reply{Latency: latency}, false
}

// countApply counts an Apply call under scripted behaviour. The count
// restarts after the first call that passes, so every Apply with a
// "throttled N times" scenario is throttled N times.
func (s *Service) countApply(key string, b scenarios.APIBehavior) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyCalls[key]++
	n := s.applyCalls[key]
	if b.Times == 0 || n > b.Times {
		delete(s.applyCalls, key)
	}
	return n
}

func (s *Service) countGet(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getCalls[token]++
	return s.getCalls[token]
}

// ResetCounters forgets scripted call counts (for one SecretId, or all).
func (s *Service) ResetCounters(secretID string, tokens []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if secretID == "" {
		s.applyCalls = map[string]int{}
		s.getCalls = map[string]int{}
		return
	}
	for k := range s.applyCalls {
		if strings.HasPrefix(k, secretID+"\x00") {
			delete(s.applyCalls, k)
		}
	}
	for _, t := range tokens {
		delete(s.getCalls, t)
	}
}

func addEvent(sess *store.Session, at time.Time, kind, format string, args ...any) {
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	addEventText(sess, at, kind, detail)
}

// addEventText adds an event whose detail is already formatted.
func addEventText(sess *store.Session, at time.Time, kind, detail string) {
	if len(sess.Timeline) >= maxTimeline {
		sess.Timeline = append(sess.Timeline[:1], sess.Timeline[2:]...)
	}
	sess.Timeline = append(sess.Timeline, store.Event{Time: at, Kind: kind, Detail: detail})
}
