package faceid

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/spec"
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
)

// Errors of the session API used by the page and the control plane (the
// flow package's, so errors.Is works across flows).
var (
	ErrNotFound         = flow.ErrNotFound
	ErrCompleted        = flow.ErrCompleted
	ErrUnknownCode      = flow.ErrUnknownCode
	ErrUnknownScenario  = flow.ErrUnknownScenario
	ErrNotWaitingForTry = errors.New("session is not waiting for an attempt")
)

// Config configures a Service.
type Config struct {
	// Hub keeps the sessions; Web is the web flow registered in it.
	Hub    *flow.Hub
	Web    *Web
	Logger *slog.Logger
}

// Service serves the web flow's actions and the page's session API.
type Service struct {
	hub   *flow.Hub
	web   *Web
	log   *slog.Logger
	media media.Set

	// defaults is the documented default Config, read from the rules file
	// on the first Apply (not at start-up); language is Config.Language's
	// rule.
	defaultsOnce sync.Once
	defaults     WebConfig
	language     *spec.Rule
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{hub: cfg.Hub, web: cfg.Web, log: cfg.Logger, media: media.Encode()}
}

// Register gives the web flow's actions their handlers on the spec-driven
// layer, which decodes and validates each call from the spec first.
func (s *Service) Register(l *actions.Layer) {
	l.Handle(ActionApply, s.apply)
	l.Handle(ActionGet, s.get)
}

// now is the time token lifetimes see.
func (s *Service) now() time.Time { return s.hub.Now() }
