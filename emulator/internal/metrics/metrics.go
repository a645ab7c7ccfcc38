// Package metrics exposes what the emulator does during a load test as
// Prometheus metrics (text exposition format 0.0.4) on GET
// /_emulator/metrics, and as a JSON twin for the dashboard: API requests by
// service, action and result code, their latency, signature failures by
// reason, sessions by flow and state, capacity evictions, scenario
// selections and the latency of persistent writes.
//
// It uses prometheus/client_golang with a private registry per emulator (two
// emulators in one process keep separate figures) and none of the default
// collectors: the library's own init costs about 1 ms of the 20 ms cold
// start, the Go and process collectors would add work to every scrape and
// figures no load test of the emulator asks for.
//
// Label values are bounded: actions not registered with the gateway count
// as "other", result codes come from the error catalogue, and at most
// MaxScenarioLabels scenario names get their own series.
package metrics

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
)

// Label values used when the real value is not one to keep.
const (
	// OK is the code label of a request answered without an error.
	OK = "OK"
	// Other stands for an action that is not registered (anyone can send
	// any X-TC-Action) or a scenario past MaxScenarioLabels.
	Other = "other"
)

// MaxScenarioLabels bounds the scenario names that get their own series;
// user files can define any number of scenarios and reloads can rename them.
const MaxScenarioLabels = 1000

// SessionCounts returns the number of sessions by flow ("web", ...) and
// state; the metrics package knows neither.
type SessionCounts func() map[string]map[string]int

// Config configures the metrics of one emulator.
type Config struct {
	// Sessions is asked at each scrape (at most every SessionsMaxAge).
	Sessions SessionCounts
	// SessionsMaxAge caches the session counts this long: counting walks
	// every session; 0 = 2 s.
	SessionsMaxAge time.Duration
}

// Metrics holds one emulator's collectors in its own registry.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	sigFailures *prometheus.CounterVec
	evictions   prometheus.Counter
	scenarios   *prometheus.CounterVec
	writes      prometheus.Histogram
	text        http.Handler

	// mu guards scenarioCount, the scenario series made so far (bounded by
	// MaxScenarioLabels across services).
	mu            sync.Mutex
	scenarioCount int
}

// New returns the metrics with every collector registered.
func New(cfg Config) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "emulator_api_requests_total",
			Help: "API requests answered, by service, action and result code (OK, the API error code, or fault:<kind> for a scripted transport fault).",
		}, []string{"service", "action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "emulator_api_request_duration_seconds",
			Help: "Time from reading an API request to its answer written, scripted latency included, by service and action.",
			// 0.25 ms to 8 s: the emulator's own answers take well under a
			// millisecond, scripted latencies seconds.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 16),
		}, []string{"service", "action"}),
		sigFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "emulator_signature_failures_total",
			Help: "API requests refused by the signature check, by service and reason (the AuthFailure.* or other error code).",
		}, []string{"service", "reason"}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "emulator_session_evictions_total",
			Help: "Sessions dropped because the store reached EMULATOR_MAX_SESSIONS.",
		}),
		scenarios: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "emulator_scenario_selections_total",
			Help: "Scenarios chosen for new sessions, by service and scenario name.",
		}, []string{"service", "scenario"}),
		writes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "emulator_store_write_duration_seconds",
			Help:    "Time a session write to the on-disk store (EMULATOR_DATA_DIR) took, as the request waiting for it saw it.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16), // 50 µs to 1.6 s
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.sigFailures, m.evictions, m.scenarios, m.writes)
	if cfg.Sessions != nil {
		maxAge := cfg.SessionsMaxAge
		if maxAge <= 0 {
			maxAge = 2 * time.Second
		}
		m.reg.MustRegister(&sessionCollector{count: cfg.Sessions, maxAge: maxAge, desc: prometheus.NewDesc(
			"emulator_sessions", "Sessions held, by flow and stored state.", []string{"flow", "state"}, nil)})
	}
	m.text = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// Plain text 0.0.4 only: no OpenMetrics negotiation, no gzip for a
		// page a test reads over loopback.
		DisableCompression: true,
		ErrorHandling:      promhttp.ContinueOnError,
	})
	return m
}

// Service returns the api.Observer feeding the request metrics of one
// service ("faceid"; "ocr" later). known reports the actions its gateway
// serves; any other action (anyone can send any X-TC-Action) counts as
// Other, so the series stay bounded.
func (m *Metrics) Service(name string, known func(action string) bool) api.Observer {
	return &serviceObserver{m: m, service: name, known: known, other: m.newActionSeries(name, Other)}
}

// IncEvictions counts n sessions evicted by the capacity bound.
func (m *Metrics) IncEvictions(n int) {
	if n > 0 {
		m.evictions.Add(float64(n))
	}
}

// ObserveWrite records the duration of one write to the persistent store.
func (m *Metrics) ObserveWrite(d time.Duration) { m.writes.Observe(d.Seconds()) }

// scenarioCounter returns the counter of a scenario name not seen before
// by a service, and whether to keep it: past MaxScenarioLabels names it is
// the shared Other series, asked for again on each selection.
func (m *Metrics) scenarioCounter(service, name string) (prometheus.Counter, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scenarioCount >= MaxScenarioLabels {
		return m.scenarios.WithLabelValues(service, Other), false
	}
	m.scenarioCount++
	return m.scenarios.WithLabelValues(service, name), true
}

// Registry is the private registry (for tests and the JSON twin).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP answers the text exposition format, or with ?format=json the
// dashboard's JSON twin of the same figures.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") == "json" {
		m.serveJSON(w)
		return
	}
	m.text.ServeHTTP(w, r)
}

// actionSeries are the series of one action resolved once, so a request
// costs a map lookup and atomic adds, not label hashing.
type actionSeries struct {
	latency prometheus.Observer
	ok      prometheus.Counter
	codes   sync.Map // code -> prometheus.Counter; codes come from the catalogue
	vec     *prometheus.CounterVec
	labels  [2]string
}

func (m *Metrics) newActionSeries(service, action string) *actionSeries {
	return &actionSeries{
		latency: m.latency.WithLabelValues(service, action),
		ok:      m.requests.WithLabelValues(service, action, OK),
		vec:     m.requests,
		labels:  [2]string{service, action},
	}
}

// code returns the counter of one result code of this action.
func (a *actionSeries) code(code string) prometheus.Counter {
	if c, ok := a.codes.Load(code); ok {
		return c.(prometheus.Counter)
	}
	c, _ := a.codes.LoadOrStore(code, a.vec.WithLabelValues(a.labels[0], a.labels[1], code))
	return c.(prometheus.Counter)
}

type serviceObserver struct {
	m       *Metrics
	service string
	known   func(string) bool
	other   *actionSeries
	// newScenario serialises making a scenario's series, so a name is
	// counted once against MaxScenarioLabels.
	newScenario sync.Mutex
	// actions maps the known actions seen so far to their series, and
	// scenarios the scenario names to their counters (sync.Maps: read on
	// every request, written once per key).
	actions   sync.Map
	scenarios sync.Map
}

// SelectScenario counts one selection of the scenario name.
func (o *serviceObserver) SelectScenario(name string) {
	if c, ok := o.scenarios.Load(name); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	o.newScenario.Lock()
	defer o.newScenario.Unlock()
	c, ok := o.scenarios.Load(name)
	if !ok {
		var keep bool
		if c, keep = o.m.scenarioCounter(o.service, name); keep {
			o.scenarios.Store(name, c)
		}
	}
	c.(prometheus.Counter).Inc()
}

// series returns the series of an action, made on its first request.
func (o *serviceObserver) series(action string) *actionSeries {
	if a, ok := o.actions.Load(action); ok {
		return a.(*actionSeries)
	}
	if o.known == nil || !o.known(action) {
		return o.other
	}
	a, _ := o.actions.LoadOrStore(action, o.m.newActionSeries(o.service, action))
	return a.(*actionSeries)
}

// scenarioNote is how the faceid Apply handler notes the scenario it chose
// ("scenario <name> (<reason>)").
const scenarioNote = "scenario "

// Observe implements api.Observer.
func (o *serviceObserver) Observe(r api.Record) {
	a := o.series(r.Action)
	a.latency.Observe(r.Latency.Seconds())
	switch {
	case r.Fault != "":
		a.code("fault:" + r.Fault).Inc()
	case r.ErrorCode != "":
		a.code(r.ErrorCode).Inc()
	default:
		a.ok.Inc()
	}
	if r.Signature == "failed" {
		o.m.sigFailures.WithLabelValues(o.service, r.ErrorCode).Inc()
	}
	for _, n := range r.Notes {
		if name, ok := strings.CutPrefix(n, scenarioNote); ok {
			if i := strings.Index(name, " ("); i > 0 {
				o.SelectScenario(name[:i])
			}
		}
	}
}

// sessionCollector asks for the session counts at scrape time, caching
// them for maxAge.
type sessionCollector struct {
	count  SessionCounts
	maxAge time.Duration
	desc   *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last map[string]map[string]int
}

func (c *sessionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sessionCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	// Real time on purpose: the cache is about the cost of counting, not
	// about the emulated clock tests move.
	if now := time.Now(); c.last == nil || now.Sub(c.at) >= c.maxAge {
		c.last, c.at = c.count(), now
	}
	counts := c.last
	c.mu.Unlock()
	for flow, states := range counts {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), flow, state)
		}
	}
}
