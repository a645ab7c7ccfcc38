// Package metrics exposes what the emulator does during a load test as
// Prometheus metrics (text exposition format 0.0.4) on GET
// /_emulator/metrics, and as a JSON twin for the dashboard: API requests by
// service, action and result code, their latency, signature failures by
// reason, sessions by flow and state, capacity evictions, scenario
// selections and the latency of persistent writes.
//
// The series are VictoriaMetrics/metrics counters and histograms in one
// Set per family, private to each emulator (two emulators in one process
// keep separate figures; the library's default set and process metrics are
// not used). prometheus/client_golang was measured first: with a private
// registry it added 1.5 MiB of idle RSS (14.0 to 15.6 MiB, over the 15 MiB
// goal) and 2.6 MB of binary, mostly protobuf; this library adds about
// 0.2 MiB and 0.1 MB. It writes no # HELP / # TYPE lines unless a
// process-wide switch is turned on, so each family's are written here,
// before its Set's samples.
//
// Label values are bounded: actions not registered with the gateway count
// as "other", result codes come from the error catalogue, and at most
// MaxScenarioLabels scenario names get their own series.
package metrics

import (
	"bytes"
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

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

// Family names.
const (
	famRequests    = "emulator_api_requests_total"
	famLatency     = "emulator_api_request_duration_seconds"
	famEvictions   = "emulator_session_evictions_total"
	famSessions    = "emulator_sessions"
	famSigFailures = "emulator_signature_failures_total"
	famScenarios   = "emulator_scenario_selections_total"
	famWrites      = "emulator_store_write_duration_seconds"
)

// Bucket upper bounds in seconds: API answers from 0.25 ms (the emulator's
// own work is well under a millisecond) to 8 s (scripted latency); store
// writes from 50 µs to 1.6 s.
var (
	latencyBuckets = vm.ExponentialBuckets(0.00025, 2, 16)
	writeBuckets   = vm.ExponentialBuckets(0.00005, 2, 16)
)

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

// family is one metric family: its metadata and the Set of its series
// (nil for the sessions gauge, written from the callback).
type family struct {
	name, help, typ string
	set             *vm.Set
}

// Metrics holds one emulator's series.
type Metrics struct {
	families  []*family // in name order, as written
	byName    map[string]*family
	evictions *vm.Counter
	writes    *histogram
	sessions  *sessionCounts
	// sessionsMaxAge is Config.SessionsMaxAge with its default.
	sessionsMaxAge time.Duration

	mu            sync.Mutex
	scenarioCount int      // scenario series made, across services
	series        []series // every series made, for the JSON twin
}

// New returns the metrics with every family declared.
func New(cfg Config) *Metrics {
	m := &Metrics{byName: map[string]*family{}}
	for _, f := range []*family{
		{name: famLatency, typ: "histogram", help: "Time from reading an API request to its answer written, scripted latency included, by service and action."},
		{name: famRequests, typ: "counter", help: "API requests answered, by service, action and result code (OK, the API error code, or fault:<kind> for a scripted transport fault)."},
		{name: famEvictions, typ: "counter", help: "Sessions dropped because the store reached EMULATOR_MAX_SESSIONS."},
		{name: famScenarios, typ: "counter", help: "Scenarios chosen for new sessions, by service and scenario name."},
		{name: famSessions, typ: "gauge", help: "Sessions held, by flow and stored state."},
		{name: famSigFailures, typ: "counter", help: "API requests refused by the signature check, by service and reason (the AuthFailure.* or other error code)."},
		{name: famWrites, typ: "histogram", help: "Time a session write to the on-disk store (EMULATOR_DATA_DIR) took, as the request waiting for it saw it."},
	} {
		if f.name != famSessions {
			f.set = vm.NewSet()
		}
		m.families = append(m.families, f)
		m.byName[f.name] = f
	}
	m.evictions = m.counter(famEvictions)
	m.writes = m.histogram(famWrites, writeBuckets)
	m.sessionsMaxAge = cfg.SessionsMaxAge
	if m.sessionsMaxAge <= 0 {
		m.sessionsMaxAge = 2 * time.Second
	}
	m.SetSessions(cfg.Sessions)
	return m
}

// SetSessions sets where the session counts come from, when the store is
// made after the metrics (a persistent store reports its write latency to
// them). Call it before serving.
func (m *Metrics) SetSessions(count SessionCounts) {
	if count == nil {
		m.sessions = nil
		return
	}
	m.sessions = &sessionCounts{count: count, maxAge: m.sessionsMaxAge}
}

// series is one series made, for the JSON twin.
type series struct {
	family  string
	labels  []string // name, value, name, value...
	counter *vm.Counter
	hist    *histogram
}

// histogram is a Prometheus histogram plus the count and sum the library
// does not give back, for the JSON twin.
type histogram struct {
	h     *vm.PrometheusHistogram
	count atomic.Uint64
	nanos atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	h.h.Update(d.Seconds())
	h.count.Add(1)
	h.nanos.Add(int64(d))
}

// counter makes a counter series of family with the label pairs.
func (m *Metrics) counter(fam string, labels ...string) *vm.Counter {
	c := m.byName[fam].set.NewCounter(fam + labelSet(labels))
	m.mu.Lock()
	m.series = append(m.series, series{family: fam, labels: labels, counter: c})
	m.mu.Unlock()
	return c
}

// histogram makes a histogram series of family with the label pairs.
func (m *Metrics) histogram(fam string, bounds []float64, labels ...string) *histogram {
	h := &histogram{h: m.byName[fam].set.NewPrometheusHistogramExt(fam+labelSet(labels), bounds)}
	m.mu.Lock()
	m.series = append(m.series, series{family: fam, labels: labels, hist: h})
	m.mu.Unlock()
	return h
}

// labelSet writes {name="value",...} with the values escaped as the text
// format wants (backslash, double quote, newline).
func labelSet(kv []string) string {
	if len(kv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(kv[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

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
		m.evictions.Add(n)
	}
}

// ObserveWrite records the duration of one write to the persistent store.
func (m *Metrics) ObserveWrite(d time.Duration) { m.writes.observe(d) }

// ServeHTTP answers the text exposition format 0.0.4, or with ?format=json
// the dashboard's JSON twin of the same figures.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") == "json" {
		m.serveJSON(w)
		return
	}
	var buf bytes.Buffer
	m.WriteText(&buf)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// WriteText writes every family in the text exposition format 0.0.4.
func (m *Metrics) WriteText(buf *bytes.Buffer) {
	for _, f := range m.families {
		buf.WriteString("# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.typ + "\n")
		if f.set != nil {
			f.set.WritePrometheus(buf)
			continue
		}
		for _, s := range m.sessionSamples() {
			buf.WriteString(f.name + labelSet([]string{"flow", s.flow, "state", s.state}) + " " + strconv.Itoa(s.n) + "\n")
		}
	}
}

// actionSeries are the series of one action, made once, so a request
// costs map lookups and atomic adds, not formatting a series name.
type actionSeries struct {
	m       *Metrics
	labels  [2]string // service, action
	latency *histogram
	ok      *vm.Counter
	codes   sync.Map // code -> *vm.Counter; codes come from the catalogue
}

func (m *Metrics) newActionSeries(service, action string) *actionSeries {
	return &actionSeries{
		m:       m,
		labels:  [2]string{service, action},
		latency: m.histogram(famLatency, latencyBuckets, "service", service, "action", action),
		ok:      m.counter(famRequests, "service", service, "action", action, "code", OK),
	}
}

// code returns the counter of one result code of this action.
func (a *actionSeries) code(code string) *vm.Counter {
	c, ok := a.codes.Load(code)
	if !ok {
		c, _ = a.codes.LoadOrStore(code, a.m.counterOnce(famRequests, "service", a.labels[0], "action", a.labels[1], "code", code))
	}
	return c.(*vm.Counter)
}

// counterOnce is counter for a series that may be asked for concurrently:
// the Set returns the existing counter of the same name.
func (m *Metrics) counterOnce(fam string, labels ...string) *vm.Counter {
	name := fam + labelSet(labels)
	set := m.byName[fam].set
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.series {
		if s.family == fam && s.counter != nil && fam+labelSet(s.labels) == name {
			return s.counter
		}
	}
	c := set.NewCounter(name)
	m.series = append(m.series, series{family: fam, labels: labels, counter: c})
	return c
}

type serviceObserver struct {
	m       *Metrics
	service string
	known   func(string) bool
	other   *actionSeries
	// actions maps the known actions seen so far to their series,
	// scenarios the scenario names to their counters and sigFailures the
	// signature failure reasons to theirs (sync.Maps: read on every
	// request, written once per key).
	actions     sync.Map
	scenarios   sync.Map
	sigFailures sync.Map
	mu          sync.Mutex // serialises making an action's series
}

// series returns the series of an action, made on its first request.
func (o *serviceObserver) series(action string) *actionSeries {
	if a, ok := o.actions.Load(action); ok {
		return a.(*actionSeries)
	}
	if o.known == nil || !o.known(action) {
		return o.other
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if a, ok := o.actions.Load(action); ok {
		return a.(*actionSeries)
	}
	a := o.m.newActionSeries(o.service, action)
	o.actions.Store(action, a)
	return a
}

// selectScenario counts one selection of the scenario name.
func (o *serviceObserver) selectScenario(name string) {
	if c, ok := o.scenarios.Load(name); ok {
		c.(*vm.Counter).Inc()
		return
	}
	m := o.m
	m.mu.Lock()
	full := m.scenarioCount >= MaxScenarioLabels
	if !full {
		m.scenarioCount++
	}
	m.mu.Unlock()
	if full {
		// Not stored: later selections of this name come here again.
		m.counterOnce(famScenarios, "service", o.service, "scenario", Other).Inc()
		return
	}
	c, loaded := o.scenarios.LoadOrStore(name, m.counterOnce(famScenarios, "service", o.service, "scenario", name))
	if loaded { // another request made it first: give the slot back
		m.mu.Lock()
		m.scenarioCount--
		m.mu.Unlock()
	}
	c.(*vm.Counter).Inc()
}

// sigFailure counts one signature failure for reason.
func (o *serviceObserver) sigFailure(reason string) {
	c, ok := o.sigFailures.Load(reason)
	if !ok {
		c, _ = o.sigFailures.LoadOrStore(reason, o.m.counterOnce(famSigFailures, "service", o.service, "reason", reason))
	}
	c.(*vm.Counter).Inc()
}

// scenarioNote is how the faceid Apply handler notes the scenario it chose
// ("scenario <name> (<reason>)").
const scenarioNote = "scenario "

// Observe implements api.Observer.
func (o *serviceObserver) Observe(r api.Record) {
	a := o.series(r.Action)
	a.latency.observe(r.Latency)
	switch {
	case r.Fault != "":
		a.code("fault:" + r.Fault).Inc()
	case r.ErrorCode != "":
		a.code(r.ErrorCode).Inc()
	default:
		a.ok.Inc()
	}
	if r.Signature == "failed" {
		o.sigFailure(r.ErrorCode)
	}
	for _, n := range r.Notes {
		if name, ok := strings.CutPrefix(n, scenarioNote); ok {
			if i := strings.Index(name, " ("); i > 0 {
				o.selectScenario(name[:i])
			}
		}
	}
}

// sessionCounts asks for the session counts, caching them for maxAge.
type sessionCounts struct {
	count  SessionCounts
	maxAge time.Duration

	mu   sync.Mutex
	at   time.Time
	last []sessionSample
}

type sessionSample struct {
	flow, state string
	n           int
}

// sessionSamples returns the session counts sorted by flow and state
// (none without a Config.Sessions).
func (m *Metrics) sessionSamples() []sessionSample {
	c := m.sessions
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Real time on purpose: the cache is about the cost of counting, not
	// about the emulated clock tests move.
	if now := time.Now(); c.last == nil || now.Sub(c.at) >= c.maxAge {
		c.last, c.at = sortedSamples(c.count()), now
	}
	return c.last
}

func sortedSamples(counts map[string]map[string]int) []sessionSample {
	out := []sessionSample{}
	for flow, states := range counts {
		for state, n := range states {
			out = append(out, sessionSample{flow, state, n})
		}
	}
	slices.SortFunc(out, func(a, b sessionSample) int {
		return cmp.Or(cmp.Compare(a.flow, b.flow), cmp.Compare(a.state, b.state))
	})
	return out
}
