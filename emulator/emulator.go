// Package emulator is the faceid emulator as a library: New returns a
// Server, an http.Handler that serves the Tencent Cloud API 3.0 endpoint
// (every action of faceid 2018-03-01 (the web flow
// ApplyWebVerificationBizTokenIntl → GetWebVerificationResultIntl, the SDK
// token flows selfie, ekyc, liveness and reflect, the API-only actions) and
// of the document OCR, ocr 2018-11-19), the verification page under
// /reflect/, the SDK simulator page under /sdk/, the file area under
// /files/ and the control API under /_emulator.
//
// Servers share nothing: two in one process are fully independent. Tests
// that want a running server on a free port use package emulatortest.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/apionly"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/cardverify"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/control"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/metrics"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ocr"
	ocrmodel "github.com/faceid-emulator/faceid-emulator/emulator/internal/ocr/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/sdkflow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/web"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/webhook"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// The credential accepted when none is configured. It is documented and
// printed at start-up; it is not a secret.
const (
	DefaultSecretID  = "AKIDEMULATOR00000000000000000000000"
	DefaultSecretKey = "emulator-secret-key-0000000000000000"
)

// APIVersion is the faceid API version served.
const APIVersion = "2018-03-01"

// OCRVersion is the ocr API version served (Tencent's intl document OCR).
const OCRVersion = "2018-11-19"

// DefaultMaxClockSkew is the allowed difference between a request's
// timestamp and real time.
const DefaultMaxClockSkew = 5 * time.Minute

// DefaultMaxSessions bounds the sessions kept; the oldest go first.
const DefaultMaxSessions = 200_000

// DefaultRegions are Tencent Cloud's international regions.
func DefaultRegions() []string {
	return []string{"ap-singapore", "ap-hongkong", "ap-bangkok", "ap-jakarta", "ap-tokyo", "ap-seoul",
		"ap-mumbai", "na-siliconvalley", "na-ashburn", "na-toronto", "eu-frankfurt", "sa-saopaulo"}
}

// Clock tells the time; clocks are injected so tests can pin or move time.
type Clock = clock.Clock

// Credential is one SecretId/SecretKey pair the emulator accepts. A
// non-empty Token makes it a temporary credential: requests must carry the
// same token.
type Credential = signature.Credential

// DefaultCredential returns the documented default credential.
func DefaultCredential() Credential {
	return Credential{SecretID: DefaultSecretID, SecretKey: DefaultSecretKey}
}

// ParseCredentials parses "SecretId:SecretKey[:Token],..." (the
// EMULATOR_CREDENTIALS format).
func ParseCredentials(s string) ([]Credential, error) {
	var out []Credential
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.SplitN(item, ":", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("credential %q: want SecretId:SecretKey[:Token]", redact(item))
		}
		c := Credential{SecretID: parts[0], SecretKey: parts[1]}
		if len(parts) == 3 {
			c.Token = parts[2]
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no credentials given")
	}
	return out, nil
}

// redact keeps the SecretId of a credential string for error messages.
func redact(item string) string {
	if i := strings.IndexByte(item, ':'); i >= 0 {
		return item[:i] + ":***"
	}
	return item
}

// Options configures a Server. The zero value is a working emulator with
// the default credential.
type Options struct {
	// Credentials accepted; empty = DefaultCredential.
	Credentials []Credential
	// MaxClockSkew allowed between a request's timestamp and real time;
	// 0 = DefaultMaxClockSkew. NoClockSkewCheck turns the check off (for
	// replaying recorded requests); signatures are still checked.
	MaxClockSkew     time.Duration
	NoClockSkewCheck bool
	// PublicURL is the browser-facing base of VerificationURL; "" = the
	// scheme and Host of each Apply request.
	PublicURL string
	// Regions accepted; nil = DefaultRegions. AnyRegion accepts every region.
	Regions   []string
	AnyRegion bool
	// HostAliases are extra host names accepted as the signed host.
	HostAliases []string
	// ScenarioPaths are user scenario files or directories, loaded over the
	// shipped library.
	ScenarioPaths []string
	// LoadScenariosInBackground makes New return before the scenarios are
	// loaded, so a listener can answer health at once (the binary's cold
	// start); API calls and pages wait for the load, ready answers 503 until
	// it is done, and WaitScenarios reports its problems. Without it New
	// loads them and fails on broken user files.
	LoadScenariosInBackground bool
	// MaxSessions bounds the sessions kept (oldest evicted first);
	// 0 = DefaultMaxSessions.
	MaxSessions int
	// DataDir, when set, keeps sessions in a bbolt file in this directory
	// so they survive restarts; empty = memory only.
	DataDir string
	// Store, when set, is a redis:// or rediss:// URL of a Valkey or
	// Redis engine that keeps the sessions, call counters and clock offset,
	// shared by every replica that uses it (not with DataDir). New does not
	// connect: ready answers 503 and API calls InternalError until the
	// engine answers. StorePassword is used when the URL has none.
	Store         string
	StorePassword string
	// JournalSize is how many API requests the journal keeps; 0 = 1000.
	JournalSize int
	// AdminToken protects /_emulator (except health and ready).
	AdminToken string
	// AllowedOrigins are browser origins (scheme://host[:port]) besides the
	// emulator's own allowed to call state-changing /_emulator routes; "*"
	// allows every origin. Others get 403.
	AllowedOrigins []string
	// Clock is the base clock for token lifetimes (the control API moves an
	// offset over it); nil = real time.
	Clock Clock
	// SignatureClock is the time request timestamps are checked against;
	// nil = real time. It is not moved by the control API, so SDK calls keep
	// working after the clock is advanced.
	SignatureClock Clock
	// WebhookAllow limits where callbacks (the card-verification flow's
	// WebhookUrl) may go: host names, "*.domain" patterns or CIDRs; empty
	// = every http(s) destination, loopback included. A URL it rules out
	// gets no request (checked on the URL and on the resolved address).
	WebhookAllow []string
	// WebhookTimeout bounds one callback attempt; 0 = 5s.
	WebhookTimeout time.Duration
	// WebhookBackoff are the waits before each retry of a failed callback;
	// nil = 1s, 2s, 4s (3 retries); an empty non-nil slice = no retry.
	WebhookBackoff []time.Duration
	// Logger receives the request log and events; nil = discard.
	Logger *slog.Logger
	// Version is reported by health.
	Version string
}

// Server is a running faceid emulator. It is an http.Handler.
type Server struct {
	opts    Options
	log     *slog.Logger
	clock   *clock.Offset
	store   store.Store
	loader  *scenarios.Loader
	hub     *flow.Hub
	service *faceid.Service
	sdk     *sdkflow.Service
	cards   *cardverify.Service
	hooks   *webhook.Dispatcher
	actions *actions.Layer
	files   *files.Area
	ocr     *actions.Layer
	gateway *api.Gateway
	journal *control.Journal
	metrics *metrics.Metrics
	control *control.Handler
	web     http.Handler
	creds   []Credential
	serving atomic.Bool
	closed  atomic.Bool
	// loaded is closed once the first scenario load finished; loadErr is
	// its outcome.
	loaded  chan struct{}
	loadErr error

	// secretScenarios are the SecretIds' default scenarios chosen at run
	// time (SetSecretScenario), laid over every loaded set.
	secretScenarios scenarios.SecretDefaults

	// shared is the store on a Valkey/Redis engine, nil for a store of
	// this process. secretsSynced is the version of its SecretId scenario
	// choices copied into secretScenarios (syncSecretScenarios).
	shared        *store.Redis
	secretsMu     sync.Mutex
	secretsSynced atomic.Int64
}

// New builds a Server. It fails when user scenario files are broken.
func New(opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	creds := opts.Credentials
	if len(creds) == 0 {
		creds = []Credential{DefaultCredential()}
	}
	skew := opts.MaxClockSkew
	if skew == 0 {
		skew = DefaultMaxClockSkew
	}
	if opts.NoClockSkewCheck {
		skew = 0
	}
	regions := opts.Regions
	if regions == nil {
		regions = DefaultRegions()
	}
	if opts.AnyRegion {
		regions = nil
	}
	sigClock := opts.SignatureClock
	if sigClock == nil {
		sigClock = clock.Real{}
	}
	loader := scenarios.NewLoader(opts.ScenarioPaths, log)
	max := opts.MaxSessions
	if max == 0 {
		max = DefaultMaxSessions
	}
	met := metrics.New(metrics.Config{})
	s := &Server{
		opts:    opts,
		log:     log,
		clock:   clock.NewOffset(opts.Clock),
		loader:  loader,
		journal: control.NewJournal(opts.JournalSize),
		metrics: met,
		creds:   creds,
		loaded:  make(chan struct{}),
	}
	// Every token flow is registered here; the registry is also the codec
	// the disk store reads each flow's part of a session with.
	webFlow := faceid.NewWeb(s.scenarioSet)
	sdkFlows := sdkflow.NewFlows(s.scenarioSet)
	cardFlow := cardverify.NewFlow(s.scenarioSet)
	flows, err := flow.NewRegistry(append(append([]flow.Flow{webFlow}, sdkFlows.All()...), cardFlow)...)
	if err != nil {
		return nil, err
	}
	allow, err := webhook.ParseAllow(strings.Join(opts.WebhookAllow, ","))
	if err != nil {
		return nil, fmt.Errorf("--webhook-allow (EMULATOR_WEBHOOK_ALLOW): %w", err)
	}
	var st store.Store = store.NewMemory(max)
	var counters *flow.Counters
	switch {
	case opts.Store != "" && opts.DataDir != "":
		return nil, errors.New("a shared store (EMULATOR_STORE) and a data directory (EMULATOR_DATA_DIR) exclude each other")
	case opts.Store != "":
		shared, err := store.OpenRedis(store.RedisConfig{
			URL: opts.Store, Password: opts.StorePassword, Max: max, Codec: flows,
			TTL: flows.Retention, CountTTL: flows.Longest(), Logger: log,
		})
		if err != nil {
			return nil, err
		}
		st, s.shared = shared, shared
		// The clock moves and the scripted call counts are every replica's.
		s.clock = clock.NewSharedOffset(opts.Clock, shared)
		counters = flow.NewSharedCounters(shared)
	case opts.DataDir != "":
		disk, err := store.OpenBolt(opts.DataDir, max, flows)
		if err != nil {
			return nil, err
		}
		st = disk
	}
	met.SetSessions(sessionCounts(st))
	s.store = st
	load := func() {
		defer close(s.loaded)
		if _, problems := loader.Load(); len(problems) > 0 {
			s.loadErr = &ScenarioError{Problems: problems}
		}
	}
	if opts.LoadScenariosInBackground {
		go load()
	} else if load(); s.loadErr != nil {
		st.Close()
		return nil, s.loadErr
	}
	idSource := ids.NewSource()
	s.hub = flow.NewHub(flow.Config{Store: st, Flows: flows, IDs: idSource, Clock: s.clock, Counters: counters,
		MaxSessions: max, OnEviction: s.noticeEvictions(idSource), Observer: storeMetrics{met}})
	s.service = faceid.New(faceid.Config{Hub: s.hub, Web: webFlow, Logger: log})
	s.gateway = api.New(api.Config{
		Verifier: signature.New(signature.Config{
			Credentials: creds,
			Now:         sigClock.Now,
			MaxSkew:     skew,
			HostAliases: opts.HostAliases,
		}),
		IDs:       idSource,
		Regions:   regions,
		PublicURL: strings.TrimSuffix(opts.PublicURL, "/"),
		Clock:     s.clock,
		Logger:    log,
		Observer: api.Observers{s.journal, metricsByService{
			"faceid": met.Service("faceid", func(a string) bool { _, ok := s.actions.Resolve(a); return ok }),
			"ocr":    met.Service("ocr", func(a string) bool { _, ok := s.ocr.Resolve(a); return ok }),
		}},
		Available: s.storeErr,
	})
	samples := media.Encode()
	// One actions layer per service, each on the gateway; what a spec
	// cannot describe plugs in by handlers (faceid's flows) or Prepare
	// (ocr's document images).
	layer := func(cfg actions.Config) *actions.Layer {
		cfg.Scenarios, cfg.IDs, cfg.Logger = s.scenarioSet, idSource, log
		cfg.Counters = s.hub.Counters()
		cfg.Media = actions.Media{Image: samples.BestFrame, Video: samples.Video}
		l := actions.New(cfg)
		l.Register(s.gateway)
		return l
	}
	var builtin []files.File
	for _, f := range media.Files() {
		builtin = append(builtin, files.File{Name: f.Name, ContentType: f.ContentType, Data: f.Data})
	}
	s.files = files.New(s.clock, idSource, builtin)
	if s.shared != nil {
		s.files = files.NewShared(s.clock, idSource, builtin, sharedFiles{s.shared})
	}
	s.actions = layer(actions.Config{Service: "faceid", Version: APIVersion, Spec: spec.Faceid,
		NewRequest: model.NewRequest, NewResponse: model.NewResponse})
	s.service.Register(s.actions)
	faceid.RegisterUpload(s.actions, s.files)
	s.sdk = sdkflow.New(sdkflow.Config{Hub: s.hub, Flows: sdkFlows, Files: s.files, Media: samples, Logger: log})
	s.sdk.Register(s.actions)
	apionly.Register(s.actions, s.files)
	s.ocr = layer(actions.Config{Service: "ocr", Version: OCRVersion, Spec: spec.Ocr,
		NewRequest: ocrmodel.NewRequest, NewResponse: ocrmodel.NewResponse,
		// Images on the emulator's own upload area (CreateUploadUrl) are
		// read from it directly, without a network round trip.
		Prepare: ocr.New(ocr.Config{Local: s.files.Resolve}).Prepare})
	s.hooks = webhook.New(webhook.Config{Allow: allow, Timeout: opts.WebhookTimeout, Backoff: opts.WebhookBackoff,
		IDs: idSource, Observe: s.journal.Observe, Logger: log})
	s.cards = cardverify.New(cardverify.Config{Hub: s.hub, Flow: cardFlow, Webhooks: s.hooks,
		HeadImage: samples.Portrait, Logger: log})
	s.cards.Register(s.ocr)
	s.control = control.New(control.Config{
		Hub:            s.hub,
		Journal:        s.journal,
		Clock:          s.clock,
		Scenarios:      s.scenarioSet,
		Ready:          s.isReady,
		Secrets:        s,
		AdminToken:     opts.AdminToken,
		AllowedOrigins: opts.AllowedOrigins,
		Metrics:        met,
		Webhooks:       s.hooks,
		PublicURL:      strings.TrimSuffix(opts.PublicURL, "/"),
		Version:        opts.Version,
		Logger:         log,
	})
	s.web = web.New(web.Config{Service: s.service, Hub: s.hub, Logger: log})
	return s, nil
}

// sessionCounts counts st's sessions by flow and state for the metrics.
func sessionCounts(st store.Store) metrics.SessionCounts {
	counter, ok := st.(store.StateCounter)
	if !ok {
		return nil
	}
	return counter.CountByFlowState
}

// metricsByService hands each API record to the metrics of the service it
// was routed to; a call routed nowhere (a bad signature, an unknown
// action) counts under the endpoint's main service, faceid.
type metricsByService map[string]api.Observer

// Observe implements api.Observer.
func (m metricsByService) Observe(r api.Record) {
	o, ok := m[r.Service]
	if !ok {
		o = m["faceid"]
	}
	o.Observe(r)
}

// ScenarioError reports broken scenario files.
type ScenarioError struct{ Problems []scenarios.Problem }

func (e *ScenarioError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "scenario files have problems:\n" + strings.Join(lines, "\n")
}

// ServeHTTP routes to the control API, the verification page, the file
// area (uploads and the files answers link to) or the API gateway. The
// gateway answers on "/" and on any other path, because SDKs can be given
// an endpoint with a path prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == control.Prefix || strings.HasPrefix(p, control.Prefix+"/"):
		if err := s.storeErr(); err != nil && sharedRoute(p) {
			s.unavailable(w, err)
			return
		}
		s.control.ServeHTTP(w, r)
	case p == "/reflect" || strings.HasPrefix(p, "/reflect/"),
		p == "/sdk" || strings.HasPrefix(p, flow.SimulatorPath):
		// The verification page and the SDK simulator page.
		s.web.ServeHTTP(w, r)
	case strings.HasPrefix(p, files.Prefix):
		s.files.ServeHTTP(w, r)
	default:
		s.gateway.ServeHTTP(w, r)
	}
}

// scenarioSet is the current scenario set, waiting for the first load. A
// failed background load leaves the built-in default (the binary exits on
// it anyway).
func (s *Server) scenarioSet() *scenarios.Set {
	<-s.loaded
	set := s.loader.Current()
	if set == nil {
		set, _ = scenarios.NewSet(nil)
	}
	s.syncSecretScenarios()
	return s.secretScenarios.Apply(set)
}

// isReady: a listener serves, the scenarios are loaded and a shared store
// answers.
func (s *Server) isReady() bool {
	select {
	case <-s.loaded:
		return s.serving.Load() && s.loadErr == nil && s.storeErr() == nil
	default:
		return false
	}
}

// WaitScenarios waits for the first scenario load and returns its problems
// as a *ScenarioError (nil when it succeeded).
func (s *Server) WaitScenarios(ctx context.Context) error {
	select {
	case <-s.loaded:
		return s.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// MarkServing tells the readiness probe that a listener serves this Server.
func (s *Server) MarkServing() { s.serving.Store(true) }

// Credentials returns the accepted credentials.
func (s *Server) Credentials() []Credential { return append([]Credential(nil), s.creds...) }

// Clock returns the clock token lifetimes see; Advance and Set move it.
func (s *Server) Clock() *clock.Offset { return s.clock }

// Scenarios returns the currently loaded scenario set.
func (s *Server) Scenarios() *scenarios.Set { return s.scenarioSet() }

// Loader returns the scenario loader (for Watch and Reload).
func (s *Server) Loader() *scenarios.Loader { return s.loader }

// Sweep evicts sessions past their result lifetime; the binary calls it
// periodically.
func (s *Server) Sweep() int { return s.hub.Sweep() }

// storeMetrics gives the metrics what the store reports through the hub:
// capacity evictions, and the disk store's write latency (its Create and
// Update, the wait for the group commit included).
type storeMetrics struct{ m *metrics.Metrics }

func (o storeMetrics) Evicted(_ string, tokens []string) { o.m.IncEvictions(len(tokens)) }
func (o storeMetrics) WriteLatency(d time.Duration)      { o.m.ObserveWrite(d) }

// EvictionAction is the journal's name for an eviction notice: an entry
// that is no API call (method EVENT, path /_emulator/events).
const EvictionAction = "EmulatorSessionsEvicted"

// noticeEvictions makes capacity evictions visible: a warning in the log
// and an entry in the request journal, at most once per
// flow.NoticeEvery, each with the count since the last one.
func (s *Server) noticeEvictions(idSource *ids.Source) func(flow.EvictionNotice) {
	return func(n flow.EvictionNotice) {
		msg := n.Message()
		s.log.Warn("sessions evicted", "count", n.Count, "total", n.Total, "maxSessions", n.MaxSessions, "reason", n.Reason, "first", n.Oldest,
			"hint", "raise EMULATOR_MAX_SESSIONS")
		s.journal.Observe(api.Record{
			Time:      s.clock.Now(),
			RequestID: idSource.Lower(),
			Method:    "EVENT",
			Path:      control.Prefix + "/events",
			Action:    EvictionAction,
			Signature: "skipped",
			Token:     n.Oldest,
			Notes:     []string{msg},
		})
	}
}

// Evictions is how many sessions were evicted to stay within MaxSessions
// since the Server started.
func (s *Server) Evictions() uint64 { return s.hub.Evictions() }

// Close releases the store.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.hooks.Close()
	return s.store.Close()
}
