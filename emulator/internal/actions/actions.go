// Package actions serves every action of an API spec on the gateway, driven
// by the spec alone: each call is decoded into the action's generated
// request model, validated against the spec (required members, documented
// rules), given to the scenario that selects it, and answered by default
// from Tencent's published example (fresh RequestId and tokens, request
// members echoed, real media), or from the output model where there is no
// example.
//
// A flow or an action with behaviour the spec cannot describe registers a
// Handler for it; it receives the decoded, validated request and the same
// helpers (selection, scripted behaviour, the default answer). An action
// without a handler of its own needs nothing but its spec entry.
package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// Config configures a Layer.
type Config struct {
	// Service and Version name the API as its spec does ("faceid",
	// "2018-03-01"): the gateway routes by them before any spec is read.
	Service, Version string
	// Spec returns the spec whose actions are served. It is called on the
	// first API call, not at start-up (reading a spec costs milliseconds,
	// and the cold start goal is 20 ms to the first health answer).
	Spec func() *spec.Service
	// NewRequest and NewResponse make an action's generated models.
	NewRequest  func(action string) (any, bool)
	NewResponse func(action string) (any, bool)
	// Scenarios returns the current scenario set.
	Scenarios func() *scenarios.Set
	// Prepare, when set, runs on every decoded, validated call before its
	// handler: the service's checks of what its rules state only in prose
	// (OCR's document images), and the facts a scenario may match on
	// (Call.ImageSHA256). An error is the call's answer.
	Prepare func(ctx context.Context, c *Call) *catalog.Error
	// IDs makes the tokens of default answers (a new Source when nil).
	IDs *ids.Source
	// Counters count scripted calls for behaviours limited to the first N
	// calls (new counters when nil; the emulator shares the flows' so that
	// a namespace reset forgets both).
	Counters *flow.Counters
	Media    Media
	Logger   *slog.Logger
}

// Handler serves one action whose behaviour the spec cannot describe (a
// token flow's apply or result call). It gets the decoded, validated call.
type Handler func(ctx context.Context, c *Call) api.Reply

// Layer registers the actions of one service on a gateway.
type Layer struct {
	cfg      Config
	handlers map[string]Handler
	raw      map[string]api.Handler

	// routes is every action's gateway handler, built on first use.
	routesOnce sync.Once
	routes     map[string]api.Handler

	templates sync.Map // action -> *template; built on first use

	// calls recycles Calls, as the gateway recycles its own: one fewer
	// allocation per request on the hot path (the web flow's benchmark).
	calls sync.Pool // *Call
}

// New returns a layer; register handlers, then Register it on a gateway.
func New(cfg Config) *Layer {
	if cfg.IDs == nil {
		cfg.IDs = ids.NewSource()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Counters == nil {
		cfg.Counters = flow.NewCounters()
	}
	return &Layer{cfg: cfg, handlers: map[string]Handler{}, raw: map[string]api.Handler{}}
}

// Handle gives action a handler of its own. Register it before serving;
// an action the spec does not have is reported when the routes are built.
func (l *Layer) Handle(action string, h Handler) { l.handlers[action] = h }

// HandleRaw gives action a gateway handler that decodes and validates the
// call itself (the web flow's hand-tuned hot path).
func (l *Layer) HandleRaw(action string, h api.Handler) { l.raw[action] = h }

// Register makes g serve every action of the spec as the layer's service.
func (l *Layer) Register(g *api.Gateway) { g.AddService(l.cfg.Service, l.cfg.Version, l.Resolve) }

// Resolve returns the gateway handler of action.
func (l *Layer) Resolve(action string) (api.Handler, bool) {
	l.routesOnce.Do(l.buildRoutes)
	h, ok := l.routes[action]
	return h, ok
}

// Routes lists the served actions, sorted.
func (l *Layer) Routes() []string { return l.cfg.Spec().ActionNames }

func (l *Layer) buildRoutes() {
	svc := l.cfg.Spec()
	if svc.Name != l.cfg.Service || svc.Version != l.cfg.Version {
		panic(fmt.Sprintf("actions: layer of %s %s is given the spec of %s %s", l.cfg.Service, l.cfg.Version, svc.Name, svc.Version))
	}
	l.routes = make(map[string]api.Handler, len(svc.ActionNames))
	for name := range l.handlers {
		l.mustHave(svc, name)
	}
	for name := range l.raw {
		l.mustHave(svc, name)
	}
	for _, name := range svc.ActionNames {
		if h, ok := l.raw[name]; ok {
			l.routes[name] = h
			continue
		}
		action := svc.Actions[name]
		h := l.handlers[name]
		if h == nil {
			h = l.answerAtOnce
		}
		l.routes[name] = func(ctx context.Context, call *api.Call) api.Reply {
			return l.serve(ctx, call, action, h)
		}
	}
}

// mustHave panics for a handler of an action the spec does not have: a
// misspelt name is a programming error, caught by the first test call.
func (l *Layer) mustHave(svc *spec.Service, action string) {
	if _, ok := svc.Actions[action]; !ok {
		panic(fmt.Sprintf("actions: %s %s has no action %q", svc.Name, svc.Version, action))
	}
}

func (l *Layer) serve(ctx context.Context, call *api.Call, action *spec.Action, h Handler) api.Reply {
	req, ok := l.cfg.NewRequest(action.Name)
	if !ok {
		return api.Reply{Err: catalog.New(catalog.InternalError)}
	}
	if err := call.Decode(req); err != nil {
		return api.Reply{Err: err}
	}
	if err := Validate(action.Input, req); err != nil {
		return api.Reply{Err: err}
	}
	c, _ := l.calls.Get().(*Call)
	if c == nil {
		c = new(Call)
	}
	// The Call is the layer's again once the handler returns: a handler
	// keeps none of it (as with the gateway's api.Call).
	defer func() { *c = Call{}; l.calls.Put(c) }()
	*c = Call{Call: call, Action: action, Request: req, layer: l}
	if l.cfg.Prepare != nil {
		if err := l.cfg.Prepare(ctx, c); err != nil {
			return api.Reply{Err: err}
		}
	}
	return h(ctx, c)
}

// answerAtOnce is the handler of an action with no handler of its own.
func (l *Layer) answerAtOnce(_ context.Context, c *Call) api.Reply { return c.Respond(nil) }

// Respond answers a call that creates no session: select its scenario,
// play the scenario's error, fault or latency for the action, and answer
// with values (members the handler works out, such as an upload link) and
// then the scenario's scripted members over the default answer (its
// result.code for the action's result table, then its response members;
// see resultResponse).
func (c *Call) Respond(values map[string]any) api.Reply {
	sc := c.Select("")
	b, _ := sc.Behavior(c.Action.Name)
	reply, done := Scripted(b, c.layer.cfg.Counters.Scoped(c.Common.SecretID, sc.Name, c.Action.Name, b.Times))
	if done {
		return reply
	}
	scripted := resultResponse(c.Action, sc, b.Response)
	members := values
	if len(scripted) > 0 {
		members = make(map[string]any, len(values)+len(scripted))
		for k, v := range values {
			members[k] = v
		}
		for k, v := range scripted {
			members[k] = v
		}
	}
	answer := c.Answer(members)
	answer.Latency = reply.Latency
	return answer
}

// Choice is the note Select wrote about the scenario it chose ("" before
// Select), for a session's timeline.
func (c *Call) Choice() string { return c.choice }

// Call is one decoded, validated call.
type Call struct {
	// choice is Select's note, kept for Choice.
	choice string

	*api.Call
	Action *spec.Action
	// Request is the decoded request model (a pointer to the action's
	// generated request struct).
	Request any
	// ImageSHA256 are the hex SHA-256 of the call's document images, set
	// by Config.Prepare, for scenario match rules (match.imageSha256).
	ImageSHA256 []string
	layer       *Layer
}

// Param returns a top-level request parameter as text: a string as it is,
// a number or boolean as its JSON text; false when absent or not a scalar.
func (c *Call) Param(name string) (string, bool) {
	f := fieldByJSONName(reflect.ValueOf(c.Request).Elem(), name)
	if !f.IsValid() || isAbsent(f) {
		return "", false
	}
	for f.Kind() == reflect.Pointer {
		f = f.Elem()
	}
	switch f.Kind() {
	case reflect.String:
		return f.String(), true
	case reflect.Struct, reflect.Slice:
		return "", false
	}
	b, err := json.Marshal(f.Interface())
	return string(b), err == nil
}

// Strings returns a top-level string member as one item, or a list of
// strings member item by item; nil when absent or of another type.
func (c *Call) Strings(name string) []string {
	f := fieldByJSONName(reflect.ValueOf(c.Request).Elem(), name)
	if !f.IsValid() || isAbsent(f) {
		return nil
	}
	for f.Kind() == reflect.Pointer {
		f = f.Elem()
	}
	switch {
	case f.Kind() == reflect.String:
		return []string{f.String()}
	case f.Kind() == reflect.Slice:
		var out []string
		for i := 0; i < f.Len(); i++ {
			e := f.Index(i)
			for e.Kind() == reflect.Pointer && !e.IsNil() {
				e = e.Elem()
			}
			if e.Kind() != reflect.String {
				return nil
			}
			out = append(out, e.String())
		}
		return out
	}
	return nil
}

// Select chooses the call's scenario (RuleId and Extra parameters where
// the action has them, match rules, the SecretId's default) and notes the
// choice for the journal. flow names the token flow the call starts, if any.
func (c *Call) Select(flow string) *scenarios.Scenario {
	sc, _ := c.SelectReason(flow)
	return sc
}

// SelectReason is Select that also says why the scenario was chosen (a
// session keeps it).
func (c *Call) SelectReason(flow string) (*scenarios.Scenario, scenarios.Reason) {
	in := scenarios.SelectInput{Action: c.Action.Name, Flow: flow, SecretID: c.Common.SecretID, Params: c, ImageSHA256: c.ImageSHA256}
	in.RuleID, _ = c.Param("RuleId")
	in.Extra, _ = c.Param("Extra")
	in.RedirectURL, _ = c.Param("RedirectURL")
	sc, reason, note := c.layer.cfg.Scenarios().Select(in)
	if note != "" {
		c.Note(note)
	}
	c.choice = "scenario " + sc.Name + " (" + string(reason) + ")"
	c.Note(c.choice)
	return sc, reason
}

// Scripted turns a scenario's behaviour for one call into a reply: its
// error or fault (done), or only its latency for a call that proceeds. n
// is the 1-based count of this call for the behaviour's Times limit.
func Scripted(b scenarios.APIBehavior, n int) (reply api.Reply, done bool) {
	reply.Latency = time.Duration(b.Latency)
	if b.Times > 0 && n > b.Times {
		return reply, false
	}
	switch {
	case b.Fault != "":
		reply.Fault = api.Fault(b.Fault)
		return reply, true
	case b.Error != nil:
		e := catalog.New(b.Error.Code)
		if b.Error.Message != "" {
			e = catalog.WithMessage(b.Error.Code, b.Error.Message, b.Error.Message)
		}
		reply.Err = e
		return reply, true
	}
	return reply, false
}

// Answer returns the action's default answer with overrides (members of
// the output model) set over it.
func (c *Call) Answer(overrides map[string]any) api.Reply {
	body, err := c.layer.answer(c.Action, answerInput{
		requestID: c.RequestID,
		request:   c.Request,
		newID:     c.layer.cfg.IDs.Upper,
		overrides: overrides,
	})
	if err != nil {
		c.layer.cfg.Logger.Error("answer", "action", c.Action.Name, "err", err)
		c.Note("the scripted answer does not fit the response model: " + err.Error())
		return api.Reply{Err: catalog.WithMessage(catalog.InternalError,
			"The emulator could not build the answer: "+err.Error(), "模拟器无法生成应答："+err.Error())}
	}
	return api.Reply{Body: body}
}

func (l *Layer) answer(action *spec.Action, in answerInput) (any, error) {
	newResponse := func() any {
		r, _ := l.cfg.NewResponse(action.Name)
		return r
	}
	t, ok := l.templates.Load(action.Name)
	if !ok {
		built, err := buildTemplate(action, newResponse, l.cfg.Media)
		if err != nil {
			return nil, err
		}
		t, _ = l.templates.LoadOrStore(action.Name, built)
	}
	return t.(*template).render(newResponse, in)
}
