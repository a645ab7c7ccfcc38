package cardverify

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/webhook"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Config configures a Service.
type Config struct {
	Hub  *flow.Hub
	Flow *Flow
	// Webhooks delivers the callbacks (nil: none are sent).
	Webhooks *webhook.Dispatcher
	// HeadImage is the base64 JPEG answered as HeadImageBase64.
	HeadImage string
	Logger    *slog.Logger
}

// Service serves the flow's two actions and sends its callbacks.
type Service struct {
	hub      *flow.Hub
	flow     *Flow
	webhooks *webhook.Dispatcher
	head     string
	log      *slog.Logger
}

// New returns a Service and connects the flow's completions to the
// callbacks.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{hub: cfg.Hub, flow: cfg.Flow, webhooks: cfg.Webhooks, head: cfg.HeadImage, log: cfg.Logger}
	cfg.Flow.onDone = s.notify
	return s
}

// Register gives the two actions their handlers.
func (s *Service) Register(l *actions.Layer) {
	l.Handle(applyAction, func(_ context.Context, c *actions.Call) api.Reply { return s.apply(c) })
	l.Handle(resultAction, func(_ context.Context, c *actions.Call) api.Reply { return s.result(c) })
}

func (s *Service) apply(c *actions.Call) api.Reply {
	sc, reason := c.SelectReason(Kind)
	if !sc.IsFor(c.Action.Name, Kind) {
		c.Note("scenario " + sc.Name + " is for " + sc.For + "; the default plays")
		sc, reason = s.flow.scenarios().Default(), scenarios.ReasonGlobalDefault
	}
	var reply api.Reply
	if b, ok := sc.Behavior(c.Action.Name); ok {
		n := s.hub.Counters().Scoped(c.Common.SecretID, sc.Name, c.Action.Name, b.Times)
		var done bool
		if reply, done = actions.Scripted(b, n); done {
			return reply
		}
	}
	nat, _ := c.Param("Nationality")
	ct, _ := c.Param("CardType")
	head, _ := c.Param("ReturnHeadImage")
	hook, _ := c.Param("WebhookUrl")
	_, b64 := c.Param("ImageBase64Back")
	_, url := c.Param("ImageUrlBack")
	d := &Data{Nationality: nat, CardType: ct, ReturnHeadImage: head == "true", WebhookURL: hook,
		BackRequired: backRequired(nat, ct, b64 || url), ImageSHA256: append([]string(nil), c.ImageSHA256...)}
	sess := s.hub.NewSession(Kind, c.Common.SecretID, d)
	sess.Scenario, sess.ScenarioReason = sc.Name, string(reason)
	flow.AddEvent(sess, sess.CreatedAt, "created", "scenario %s, completion %s", sc.Name, mode(sc))
	if err := s.hub.Create(sess); err != nil {
		s.log.Error("create session", "flow", Kind, "err", err)
		return api.Reply{Err: catalog.New(catalog.InternalError)}
	}
	c.Token, c.Flow = sess.Token, Kind
	out := c.Answer(map[string]any{"CardVerificationToken": sess.Token})
	out.Latency = reply.Latency
	return out
}

func (s *Service) result(c *actions.Call) api.Reply {
	token, _ := c.Param("CardVerificationToken") // required: checked by the layer
	c.Token, c.Flow = token, Kind
	sess, err := s.hub.Peek(token)
	if err != nil || sess.Flow != Kind || sess.SecretID != c.Common.SecretID {
		// Another SecretId cannot tell a foreign token from an unknown one.
		return api.Reply{Err: catalog.WithMessage(TokenError, "CardVerificationToken is unknown or not yours",
			"CardVerificationToken 无效")}
	}
	now := s.hub.Now()
	if now.Sub(sess.CreatedAt) > s.flow.lifetime {
		return api.Reply{Err: catalog.WithMessage(TokenError, "CardVerificationToken has expired",
			"CardVerificationToken 已过期")}
	}
	sc := s.flow.scenarioOf(sess)
	var reply api.Reply
	if b, ok := sc.Behavior(c.Action.Name); ok {
		var done bool
		if reply, done = actions.Scripted(b, s.hub.Counters().Token(token, c.Action.Name)); done {
			return reply
		}
	}
	// Only a pending session that auto or polls completes changes on a
	// poll; otherwise the copy just read answers and nothing is written.
	if sess.State == store.StatePending && mode(sc) != scenarios.CompletionManual {
		sess, err = s.hub.Update(token, func(sess *store.Session, _ flow.Flow) error {
			s.flow.Poll(sess, s.hub.Now())
			return nil
		})
		if err != nil {
			return api.Reply{Err: catalog.New(TokenError)}
		}
	}
	members := s.members(sess)
	if dataOf(sess).Result != nil && sess.State == store.StateCompleted {
		if b, ok := s.flow.scenarioOf(sess).Behavior(c.Action.Name); ok {
			for k, v := range b.Response {
				if k != "Status" && k != "CardVerificationToken" {
					members[k] = v
				}
			}
		}
	}
	out := c.Answer(members)
	out.Latency = reply.Latency
	return out
}

// members are the result answer's members for the session's state (the
// callback body too).
func (s *Service) members(sess *store.Session) map[string]any {
	d := dataOf(sess)
	m := map[string]any{
		"CardVerificationToken": sess.Token, "Status": StatusProcessing, "WarnInfo": nil,
		"Nationality": d.Nationality, "CardInfo": nil, "BackCardInfo": nil, "HeadImageBase64": "",
	}
	r := d.Result
	if sess.State != store.StateCompleted || r == nil {
		return m
	}
	m["Status"] = r.Status
	m["WarnInfo"] = append([]string{}, r.WarnInfo...)
	if r.Status != StatusCompleted {
		return m
	}
	m["CardInfo"] = cardInfo(d.Nationality, d.CardType, false, r.Fields)
	if d.BackRequired {
		m["BackCardInfo"] = cardInfo(d.Nationality, d.CardType, true, r.Fields)
	}
	if d.ReturnHeadImage {
		m["HeadImageBase64"] = s.head
	}
	return m
}

// notify queues the callback of a session that just finished (the copy
// being stored; see Flow.onDone).
func (s *Service) notify(sess *store.Session) {
	d := dataOf(sess)
	if d.WebhookURL == "" || s.webhooks == nil {
		return
	}
	body, err := json.Marshal(s.members(sess))
	if err != nil {
		s.log.Error("webhook body", "token", sess.Token, "err", err)
		return
	}
	token := sess.Token
	s.webhooks.Send(webhook.Message{
		URL: d.WebhookURL, Token: token, Flow: Kind, SecretID: sess.SecretID, Body: body,
		// The callback leaves once the finished session is stored, so a
		// merchant that reads the result on the callback sees it.
		Ready: func(ctx context.Context) bool { return s.stored(ctx, token) },
	})
}

// stored waits (bounded by ctx) until the session is stored as finished.
func (s *Service) stored(ctx context.Context, token string) bool {
	for {
		if sess, err := s.hub.Peek(token); err != nil || sess.State == store.StateCompleted {
			return err == nil
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
}
