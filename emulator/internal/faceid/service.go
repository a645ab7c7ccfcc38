package faceid

import (
	"errors"
	"log/slog"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
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
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{hub: cfg.Hub, web: cfg.Web, log: cfg.Logger, media: media.Encode()}
}

// Register adds the actions to the gateway.
func (s *Service) Register(g *api.Gateway) {
	g.Register(ActionApply, s.apply)
	g.Register(ActionGet, s.get)
}

// now is the time token lifetimes see.
func (s *Service) now() time.Time { return s.hub.Now() }

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
