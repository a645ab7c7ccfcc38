package sdkflow

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Flows are the four SDK flows, made before the Hub (whose registry holds
// them).
type Flows struct {
	Selfie, EKYC, Liveness, Reflect *Flow
}

// NewFlows returns the SDK flows; sets returns the current scenario set.
func NewFlows(sets func() *scenarios.Set) *Flows {
	return &Flows{
		Selfie:   newFlow(selfieSpec, sets),
		EKYC:     newFlow(ekycSpec, sets),
		Liveness: newFlow(livenessSpec, sets),
	}
}

func (fs *Flows) list() []*Flow {
	var out []*Flow
	for _, f := range []*Flow{fs.Selfie, fs.EKYC, fs.Liveness, fs.Reflect} {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

// All returns the flows, for flow.NewRegistry.
func (fs *Flows) All() []flow.Flow {
	var out []flow.Flow
	for _, f := range fs.list() {
		out = append(out, f)
	}
	return out
}

// ByKind returns the SDK flow of a kind.
func (fs *Flows) ByKind(kind string) (*Flow, bool) {
	for _, f := range fs.list() {
		if f.spec.Kind == kind {
			return f, true
		}
	}
	return nil, false
}

// Config configures a Service.
type Config struct {
	Hub   *flow.Hub
	Flows *Flows
	// Files is the file area the answers' URLs point at.
	Files *files.Area
	// Media is the sample media as base64 (the selfie result's).
	Media  media.Set
	Logger *slog.Logger
}

// Service serves the SDK flows' actions and files.
type Service struct {
	hub   *flow.Hub
	flows *Flows
	files *files.Area
	media media.Set
	log   *slog.Logger
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{hub: cfg.Hub, flows: cfg.Flows, files: cfg.Files, media: cfg.Media, log: cfg.Logger}
}

// Register gives the flows' actions their handlers on the layer and the
// file area its generated files.
func (s *Service) Register(l *actions.Layer) {
	s.registerSelfie(l)
	s.registerEKYC(l)
	s.registerLiveness(l)
}

// Open is the simulator page opening a session of an SDK flow: it records
// the visit and completes a session whose scenario completes
// automatically. ErrNotFound for a token of no SDK flow.
func (s *Service) Open(token string) (*store.Session, error) {
	return s.hub.Update(token, func(sess *store.Session, fl flow.Flow) error {
		f, ok := fl.(*Flow)
		if !ok {
			return flow.ErrNotFound
		}
		f.Open(sess, s.hub.Now())
		return nil
	})
}

// Flow returns the SDK flow of a session, for the simulator page (false
// for a session of another flow).
func (s *Service) Flow(sess *store.Session) (*Flow, bool) { return s.flows.ByKind(sess.Flow) }

// ---- the shared halves of the actions --------------------------------------

// created is what an apply call makes: the session's Data and what to note.
type created struct {
	data *Data
	note string
}

// apply selects the call's scenario, plays its scripted behaviour for the
// apply action and creates the session. reply carries the scripted
// latency; done means the scripted reply is the answer.
func (s *Service) apply(c *actions.Call, f *Flow, in created) (sess *store.Session, reply api.Reply, done bool) {
	sc, reason := c.SelectReason(f.spec.Kind)
	if !sc.IsFor(c.Action.Name, f.spec.Kind) {
		// A SecretId's default written for another flow or action.
		c.Note("scenario " + sc.Name + " is for " + sc.For + "; the default plays")
		sc, reason = f.scenarios().Default(), scenarios.ReasonGlobalDefault
	}
	if b, ok := sc.Behavior(c.Action.Name); ok {
		n := s.hub.Counters().Scoped(c.Common.SecretID, sc.Name, c.Action.Name, b.Times)
		if reply, done = actions.Scripted(b, n); done {
			return nil, reply, true
		}
	}
	sess = s.hub.NewSession(f.spec.Kind, c.Common.SecretID, in.data)
	sess.Scenario = sc.Name
	sess.ScenarioReason = string(reason)
	detail := "scenario " + sc.Name + ", completion " + completionOf(sc)
	if in.note != "" {
		detail += "; " + in.note
	}
	flow.AddEvent(sess, sess.CreatedAt, "created", detail)
	if err := s.hub.Create(sess); err != nil {
		s.log.Error("create session", "flow", f.spec.Kind, "err", err)
		return nil, api.Reply{Err: catalog.New(catalog.InternalError)}, true
	}
	c.Token, c.Flow = sess.Token, f.spec.Kind
	return sess, reply, false
}

// errNotMine marks a token the caller may not read.
var errNotMine = errors.New("sdkflow: token of another flow or SecretId")

// result is the shared half of a result call: it finds the caller's
// session of flow f (the flow's IllegalToken error otherwise, ExpiredToken
// after its ResultLifetime), plays the scenario's behaviour for the
// action, and lets completion auto or polls finish a pending session.
func (s *Service) result(c *actions.Call, f *Flow, token string) (*store.Session, api.Reply, bool) {
	c.Token, c.Flow = token, f.spec.Kind
	sess, err := s.own(f, token, c.Common.SecretID)
	if err != nil {
		return nil, api.Reply{Err: catalog.New(f.spec.IllegalToken)}, true
	}
	now := s.hub.Now()
	if now.Sub(sess.CreatedAt) > f.spec.ResultLifetime {
		return nil, api.Reply{Err: catalog.New(f.spec.ExpiredToken)}, true
	}
	var reply api.Reply
	if b, ok := f.scenarioOf(sess).Behavior(c.Action.Name); ok {
		var done bool
		if reply, done = actions.Scripted(b, s.hub.Counters().Token(token, c.Action.Name)); done {
			return nil, reply, true
		}
	}
	if sess.State == store.StatePending {
		sess, err = s.hub.Update(token, func(sess *store.Session, _ flow.Flow) error {
			f.Poll(sess, s.hub.Now())
			return nil
		})
		if err != nil {
			return nil, api.Reply{Err: catalog.New(f.spec.IllegalToken)}, true
		}
	}
	return sess, reply, false
}

// applyToken is the apply action of a flow whose token is an SdkToken:
// it creates the session with d and answers SdkToken plus the members
// more gives for the token.
func (s *Service) applyToken(c *actions.Call, f *Flow, d *Data, more func(token string) map[string]any) api.Reply {
	sess, reply, done := s.apply(c, f, created{data: d})
	if done {
		return reply
	}
	members := map[string]any{"SdkToken": sess.Token}
	if more != nil {
		for k, v := range more(sess.Token) {
			members[k] = v
		}
	}
	return answer(c, reply, members)
}

// handleResult registers the result action of a flow whose token is an
// SdkToken; render makes the answer's members for the session.
func (s *Service) handleResult(l *actions.Layer, f *Flow, render func(sess *store.Session, base string) map[string]any) {
	handle(l, f.spec.Result, func(c *actions.Call) api.Reply {
		token, _ := c.Param("SdkToken") // required: the layer has checked it
		sess, reply, done := s.result(c, f, token)
		if done {
			return reply
		}
		return answer(c, reply, render(sess, c.PublicBase()))
	})
}

// own returns the session of token when it is of flow f and of secretID.
// Another SecretId cannot tell a foreign token from an unknown one, as in
// the real service.
func (s *Service) own(f *Flow, token, secretID string) (*store.Session, error) {
	sess, err := s.hub.Peek(token)
	if err != nil {
		return nil, err
	}
	if sess.SecretID != secretID || sess.Flow != f.spec.Kind {
		return nil, errNotMine
	}
	return sess, nil
}

// answer is the action's answer: members over the default answer, with the
// scripted latency of reply.
func answer(c *actions.Call, reply api.Reply, members map[string]any) api.Reply {
	out := c.Answer(members)
	out.Latency = reply.Latency
	return out
}

// fileInfo is a FileInfo of a built-in sample file (nil when there is
// none).
func (s *Service) fileInfo(base, name string) map[string]any {
	u, f, ok := s.files.URL(base, name)
	if !ok {
		return nil
	}
	return map[string]any{"Url": u, "MD5": f.MD5(), "Size": len(f.Data)}
}

// generatedInfo is a FileInfo of a generated file (nil when there is none).
func (s *Service) generatedInfo(base, kind, name string) map[string]any {
	u, f, ok := s.files.GeneratedURL(base, kind, name)
	if !ok {
		return nil
	}
	return map[string]any{"Url": u, "MD5": f.MD5(), "Size": len(f.Data)}
}

// configJSON encodes a flow's resolved settings for Data.Config.
func configJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// lastAttempt returns the newest attempt, if any.
func (d *Data) lastAttempt() (Attempt, bool) {
	if len(d.Attempts) == 0 {
		return Attempt{}, false
	}
	return d.Attempts[len(d.Attempts)-1], true
}

// code returns the session's current result: its final code, or the
// flow's Unfinished code while pending.
func (f *Flow) code(sess *store.Session) (code, message string) {
	if r := dataOf(sess).Result; sess.State == store.StateCompleted && r != nil {
		return r.Code, r.Message
	}
	return f.spec.Unfinished, f.message(f.spec.Unfinished)
}

// handle registers h for action with the call's context dropped (the SDK
// flows never block).
func handle(l *actions.Layer, action string, h func(c *actions.Call) api.Reply) {
	l.Handle(action, func(_ context.Context, c *actions.Call) api.Reply { return h(c) })
}

// actionLevel: security levels whose liveness asks for actions (2 motion,
// 4 motion and reflection), the only ones ActionList is allowed with.
func actionLevel(level string) bool { return level == "2" || level == "4" }

// deref returns *p or "".
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
